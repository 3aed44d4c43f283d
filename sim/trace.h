/* trace.h: event traces of a simulation, as CSV and as Chrome trace JSON.
 *
 * The CSV has one row per event, `time,entity,event,request,token,layer`,
 * in the order the events happen. The Chrome trace (the JSON Object Format
 * that Perfetto and chrome://tracing open) has one track per server and per
 * link, a complete ("X") slice per layer computed and per transmission, and
 * instant events for arrivals and completions on a "requests" track.
 * Formats and columns are documented in docs/simulation.md.
 *
 * Ownership rule: the trace borrows its FILEs (the caller opens and closes
 * them); sim_trace_alloc returns a trace freed with sim_trace_free. */
#ifndef DILEMMA_SIM_TRACE_H
#define DILEMMA_SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/error.h"

typedef struct sim_trace sim_trace;

/* What happened, one word per kind in the CSV `event` column. */
typedef enum {
  SIM_TRACE_ARRIVE = 0,      /* a request arrives */
  SIM_TRACE_COMPUTE_START,   /* a layer's work starts on a server */
  SIM_TRACE_COMPUTE_END,     /* ... and ends */
  SIM_TRACE_SEND_START,      /* a link starts transmitting a pass's activations */
  SIM_TRACE_SEND_END,        /* ... the last bit leaves */
  SIM_TRACE_RECEIVE,         /* ... the last bit arrives, after the latency */
  SIM_TRACE_FIRST_TOKEN,     /* a request's first generated token is out */
  SIM_TRACE_DONE,            /* a request's last token is out */
  SIM_TRACE_KIND_COUNT
} sim_trace_kind;

/* Either FILE may be NULL. Writes the CSV header. */
sim_trace *sim_trace_alloc(FILE *csv, FILE *chrome, sim_error *err);

/* Ends the Chrome document. Returns SIM_OK, or SIM_EIO (recorded in err) if
 * any write to either file failed. Call once, after the run. */
int sim_trace_finish(sim_trace *t, sim_error *err);
void sim_trace_free(sim_trace *t);

/* Names a track: `entity` is the index used in later calls (servers 0..M-1,
 * then links), `is_link` groups it under "links" in the Chrome trace. */
void sim_trace_track(sim_trace *t, int entity, int is_link, const char *name);

/* One CSV row. `token` is the decode step (0-based) or -1 for the prefill
 * pass; `layer` is -1 where no layer applies (arrivals, completions, the
 * origin's input). `request` is the request, or for a batch its first
 * request. `entity` is a track index, or -1 for the request's own events. */
void sim_trace_event(sim_trace *t, double time, int entity, sim_trace_kind kind, int64_t request,
                     int64_t token, int layer);

/* One Chrome slice from start to end (s) on an entity's track. */
void sim_trace_span(sim_trace *t, int entity, int is_link, double start, double end,
                    int64_t request, int64_t token, int layer, int64_t batch);

#endif
