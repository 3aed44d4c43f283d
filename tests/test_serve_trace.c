/* test_serve_trace.c: the CSV and Chrome traces of the two-layer hand case
 * (timeline in test_serve_perturb.c), read back and checked event by event,
 * and byte-identical traces from identical seeds. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "tests/serve_fixture.h"
#include "tests/tap.h"

static const char *const TWO_LAYERS =
    SERVE_TWO_LAYERS("1.0e6")
    "workload: {tokens: 3, batch: 1, prompt: 0}\n"
    "simulation: {rate: 0.2, requests: 50, compute_cv: 0.3, bandwidth_cv: 0.3}\n";

static const int split[2] = {0, 1};

/* Reads a whole stream into a string. */
static char *slurp(FILE *f, size_t *len) {
  fflush(f);
  rewind(f);
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

typedef struct row {
  double time;
  int entity, layer;
  char event[32];
  long request, token;
} row;

static void test_replay_trace(const fixture *f, const solver_placement *p) {
  FILE *csv = tmpfile(), *chrome = tmpfile();
  sim_error err;
  sim_error_clear(&err);
  sim_trace *tr = sim_trace_alloc(csv, chrome, &err);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.trace = tr;
  sim_serve_result r;
  int rc = sim_serve_replay(f->in, p, &cfg, &r, &err);
  ok(rc == SIM_OK && sim_trace_finish(tr, &err) == SIM_OK, "replay with both traces runs");
  sim_serve_result_clear(&r);

  size_t len;
  char *text = slurp(csv, &len);
  ok(strncmp(text, "time,entity,event,request,token,layer\n", 38) == 0, "CSV header");
  row rows[64];
  int n = 0;
  /* Each pass steps past a newline; a last line without one ends the loop. */
  for (char *line = strchr(text, '\n'); line != NULL && *++line && n < 64;
       line = strchr(line, '\n')) {
    row *w = &rows[n];
    if (sscanf(line, "%lf,%d,%31[^,],%ld,%ld,%d", &w->time, &w->entity, w->event, &w->request,
               &w->token, &w->layer) == 6)
      n++;
  }
  /* Per pass: 2 layers x (start, end) + send start, end, receive = 7 rows;
   * plus arrive, first_token and done: 3 x 7 + 3 = 24. */
  ok_int(n, 24, "CSV: 24 events for 3 passes of 2 layers and one transfer");
  int counts[8] = {0};
  const char *kinds[8] = {"arrive", "compute_start", "compute_end", "send_start",
                          "send_end", "receive", "first_token", "done"};
  for (int k = 0; k < n; k++)
    for (int c = 0; c < 8; c++) counts[c] += strcmp(rows[k].event, kinds[c]) == 0;
  ok(counts[0] == 1 && counts[1] == 6 && counts[2] == 6 && counts[3] == 3 && counts[4] == 3 &&
     counts[5] == 3 && counts[6] == 1 && counts[7] == 1, "CSV: each kind of event as often as expected");
  /* The events of pass 1, in order, from the hand timeline. */
  struct { const char *ev; double t; int entity, layer; } want[] = {
      {"arrive", 0, -1, -1},        {"compute_start", 0, 0, 0},  {"compute_end", 1, 0, 0},
      {"send_start", 1, 2, 0},      {"send_end", 1.0032, 2, 0},  {"receive", 1.0132, 2, 0},
      {"compute_start", 1.0132, 1, 1}, {"compute_end", 2.0132, 1, 1}, {"first_token", 2.0132, -1, -1}};
  int match = n >= 9;
  for (int k = 0; match && k < 9; k++)
    match &= strcmp(rows[k].event, want[k].ev) == 0 && fabs(rows[k].time - want[k].t) < 1e-12 &&
             rows[k].entity == want[k].entity && rows[k].layer == want[k].layer &&
             rows[k].request == 0;
  ok(match, "CSV: pass 1 reads arrive, s0 [0, 1], link [1, 1.0032] + 0.01, s1 [1.0132, 2.0132]");
  ok(n == 24 && strcmp(rows[23].event, "done") == 0 && fabs(rows[23].time - 6.0396) < 1e-12 &&
     rows[23].token == 2, "CSV: done at 6.0396 s after token 2");
  free(text);

  text = slurp(chrome, &len);
  json_error_t je;
  json_t *root = json_loadb(text, len, 0, &je);
  ok(root != NULL, "Chrome trace is valid JSON%s%s", root ? "" : ": ", root ? "" : je.text);
  json_t *evs = json_object_get(root, "traceEvents");
  int slices = 0, on_s0 = 0, on_s1 = 0, on_link = 0, named = 0, first_ok = 0;
  size_t i;
  json_t *e;
  json_array_foreach(evs, i, e) {
    const char *ph = json_string_value(json_object_get(e, "ph"));
    long long pid = json_integer_value(json_object_get(e, "pid"));
    long long tid = json_integer_value(json_object_get(e, "tid"));
    if (ph && strcmp(ph, "M") == 0 && strcmp(json_string_value(json_object_get(e, "name")), "thread_name") == 0) {
      const char *nm = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
      named += (pid == 1 && tid == 0 && strcmp(nm, "s0") == 0) +
               (pid == 1 && tid == 1 && strcmp(nm, "s1") == 0) +
               (pid == 2 && tid == 2 && strcmp(nm, "s0->s1") == 0);
    }
    if (ph == NULL || strcmp(ph, "X") != 0) continue;
    slices++;
    on_s0 += pid == 1 && tid == 0;
    on_s1 += pid == 1 && tid == 1;
    on_link += pid == 2 && tid == 2;
    if (slices == 1)
      first_ok = pid == 1 && tid == 0 && json_number_value(json_object_get(e, "ts")) == 0 &&
                 json_number_value(json_object_get(e, "dur")) == 1e6;
  }
  ok_int(named, 3, "Chrome: one named track per server and link (s0, s1, s0->s1)");
  ok(slices == 9 && on_s0 == 3 && on_s1 == 3 && on_link == 3,
     "Chrome: 9 slices, 3 on each track (%d, %d, %d)", on_s0, on_s1, on_link);
  ok(first_ok, "Chrome: the first slice is s0's layer 0, ts 0 us, dur 1e6 us");
  json_decref(root);
  free(text);
  sim_trace_free(tr);
  fclose(csv);
  fclose(chrome);
}

/* A perturbed load run traced twice with the same seed. */
static void test_trace_reproducible(const fixture *f, const solver_placement *p) {
  char *text[2];
  size_t len[2];
  for (int k = 0; k < 2; k++) {
    FILE *csv = tmpfile(), *chrome = tmpfile();
    sim_error err;
    sim_error_clear(&err);
    sim_trace *tr = sim_trace_alloc(csv, chrome, &err);
    sim_serve_config cfg;
    sim_serve_config_from_params(&cfg, &f->sc->sim, f->sc->seed, 1);
    cfg.trace = tr;
    sim_serve_result r;
    sim_serve_load(f->in, p, &cfg, &r, &err);
    sim_trace_finish(tr, &err);
    sim_serve_result_clear(&r);
    size_t lc, lj;
    char *a = slurp(csv, &lc), *b = slurp(chrome, &lj);
    text[k] = malloc(lc + lj + 1);
    memcpy(text[k], a, lc);
    memcpy(text[k] + lc, b, lj + 1);
    len[k] = lc + lj;
    free(a);
    free(b);
    sim_trace_free(tr);
    fclose(csv);
    fclose(chrome);
  }
  ok(len[0] > 10000 && len[0] == len[1] && memcmp(text[0], text[1], len[0]) == 0,
     "same seed: byte-identical traces (%zu bytes)", len[0]);
  free(text[0]);
  free(text[1]);
}

int main(void) {
  fixture f;
  if (fixture_build(&f, TWO_LAYERS, 0) != 0) {
    ok(0, "fixture builds");
    return tap_done();
  }
  solver_placement *p = fixture_placement(f.in, split);
  test_replay_trace(&f, p);
  test_trace_reproducible(&f, p);
  solver_placement_free(p);
  fixture_free(&f);
  return tap_done();
}
