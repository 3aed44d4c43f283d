/* trace.c: CSV and Chrome trace output of a simulation (formats in sim/serve/serve.h
 * and docs/simulation.md). */
#include "sim/serve/serve.h"

#include <inttypes.h>
#include <stdlib.h>

#include "sim/core/core.h"

/* Chrome trace "processes" group the tracks. */
enum { PID_REQUESTS = 0, PID_SERVERS = 1, PID_LINKS = 2 };

struct sim_trace {
  FILE *csv;     /* borrowed, may be NULL */
  FILE *chrome;  /* borrowed, may be NULL */
  sim_json json; /* writer over `chrome` */
};

static const char *const kind_names[SIM_TRACE_KIND_COUNT] = {
    "arrive", "compute_start", "compute_end", "send_start",
    "send_end", "receive",     "first_token", "done"};

/* Chrome metadata event naming a process or a thread (track). */
static void meta(sim_json *j, const char *what, int pid, int tid, const char *name) {
  sim_json_object_begin(j, 1);
  sim_json_key(j, "name"); sim_json_string(j, what);
  sim_json_key(j, "ph"); sim_json_string(j, "M");
  sim_json_key(j, "pid"); sim_json_int(j, pid);
  if (tid >= 0) {
    sim_json_key(j, "tid"); sim_json_int(j, tid);
  }
  sim_json_key(j, "args");
  sim_json_object_begin(j, 1);
  sim_json_key(j, "name"); sim_json_string(j, name);
  sim_json_object_end(j);
  sim_json_object_end(j);
}

sim_trace *sim_trace_alloc(FILE *csv, FILE *chrome, sim_error *err) {
  sim_trace *t = calloc(1, sizeof *t);
  if (t == NULL) {
    sim_error_set(err, SIM_ENOMEM, "out of memory allocating a trace");
    return NULL;
  }
  t->csv = csv;
  t->chrome = chrome;
  if (csv != NULL) fputs("time,entity,event,request,token,layer\n", csv);
  if (chrome != NULL) {
    /* One compact object per line keeps large traces diffable and greppable. */
    sim_json_init(&t->json, chrome, 1);
    sim_json_object_begin(&t->json, 0);
    sim_json_key(&t->json, "displayTimeUnit"); sim_json_string(&t->json, "ms");
    sim_json_key(&t->json, "traceEvents");
    sim_json_array_begin(&t->json, 0);
    meta(&t->json, "process_name", PID_REQUESTS, -1, "requests");
    meta(&t->json, "process_name", PID_SERVERS, -1, "servers");
    meta(&t->json, "process_name", PID_LINKS, -1, "links");
    meta(&t->json, "thread_name", PID_REQUESTS, 0, "arrivals and completions");
  }
  return t;
}

void sim_trace_track(sim_trace *t, int entity, int is_link, const char *name) {
  if (t == NULL || t->chrome == NULL) return;
  meta(&t->json, "thread_name", is_link ? PID_LINKS : PID_SERVERS, entity, name);
}

void sim_trace_event(sim_trace *t, double time, int entity, sim_trace_kind kind, int64_t request,
                     int64_t token, int layer) {
  if (t == NULL) return;
  if (t->csv != NULL)
    /* %.17g reads back to the same double, so traces can be checked exactly. */
    fprintf(t->csv, "%.17g,%d,%s,%" PRId64 ",%" PRId64 ",%d\n", time, entity, kind_names[kind],
            request, token, layer);
  if (t->chrome != NULL && (kind == SIM_TRACE_ARRIVE || kind == SIM_TRACE_DONE ||
                            kind == SIM_TRACE_FIRST_TOKEN)) {
    sim_json *j = &t->json;
    sim_json_object_begin(j, 1);
    sim_json_key(j, "name"); sim_json_string(j, kind_names[kind]);
    sim_json_key(j, "ph"); sim_json_string(j, "i");
    sim_json_key(j, "s"); sim_json_string(j, "t");
    sim_json_key(j, "pid"); sim_json_int(j, PID_REQUESTS);
    sim_json_key(j, "tid"); sim_json_int(j, 0);
    sim_json_key(j, "ts"); sim_json_number(j, time * 1e6);
    sim_json_key(j, "args");
    sim_json_object_begin(j, 1);
    sim_json_key(j, "request"); sim_json_int(j, request);
    sim_json_object_end(j);
    sim_json_object_end(j);
  }
}

void sim_trace_span(sim_trace *t, int entity, int is_link, double start, double end,
                    int64_t request, int64_t token, int layer, int64_t batch) {
  if (t == NULL || t->chrome == NULL) return;
  char name[48];
  if (layer < 0) snprintf(name, sizeof name, "input");
  else snprintf(name, sizeof name, "%s%d", is_link ? "act L" : "L", layer);
  sim_json *j = &t->json;
  sim_json_object_begin(j, 1);
  sim_json_key(j, "name"); sim_json_string(j, name);
  sim_json_key(j, "cat"); sim_json_string(j, token < 0 ? "prefill" : "decode");
  sim_json_key(j, "ph"); sim_json_string(j, "X");
  sim_json_key(j, "pid"); sim_json_int(j, is_link ? PID_LINKS : PID_SERVERS);
  sim_json_key(j, "tid"); sim_json_int(j, entity);
  /* Chrome trace times are microseconds. */
  sim_json_key(j, "ts"); sim_json_number(j, start * 1e6);
  sim_json_key(j, "dur"); sim_json_number(j, (end - start) * 1e6);
  sim_json_key(j, "args");
  sim_json_object_begin(j, 1);
  sim_json_key(j, "request"); sim_json_int(j, request);
  sim_json_key(j, "token"); sim_json_int(j, token);
  sim_json_key(j, "layer"); sim_json_int(j, layer);
  sim_json_key(j, "batch"); sim_json_int(j, batch);
  sim_json_object_end(j);
  sim_json_object_end(j);
}

int sim_trace_finish(sim_trace *t, sim_error *err) {
  if (t == NULL) return SIM_OK;
  int bad = 0;
  if (t->chrome != NULL) {
    sim_json_array_end(&t->json);
    sim_json_object_end(&t->json);
    if (sim_json_finish(&t->json) != 0) bad = 1;
    if (fflush(t->chrome) != 0 || ferror(t->chrome)) bad = 1;
  }
  if (t->csv != NULL && (fflush(t->csv) != 0 || ferror(t->csv))) bad = 1;
  if (bad) return sim_error_set(err, SIM_EIO, "writing the trace failed");
  return SIM_OK;
}

void sim_trace_free(sim_trace *t) { free(t); }
