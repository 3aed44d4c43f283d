/* serve.h: an edge-serving model on the DES kernel that replays a placement
 * token by token, alone (replay) or under a stream of requests (load).
 *
 * Servers have FIFO compute queues served by `slots` jobs at once (1 by
 * default). Each ordered pair of servers a pass crosses is a directed link
 * that transmits one pass's activations at a time, FIFO, at the route's
 * bandwidth; the last bit arrives the route's latency later, and
 * propagation does not occupy the link. A request is one batch of β
 * sequences (the instance's batch): a prefill pass over the prompt when
 * prompt > 0, then `tokens` decode passes, each running every layer in
 * order on the server the placement gives it. A job that finishes a layer
 * keeps its slot for the next layer when that layer is on the same server,
 * so a server runs a stage of consecutive layers without interleaving.
 * Durations come from solver_pass_compute, solver_pass_transfer,
 * solver_pass_input and solver_pass_output, the functions the ILP's
 * coefficients are built from, so a replay reproduces solver_objective.
 *
 * In load mode requests arrive (Poisson at `rate`, or `requests` arrivals at
 * uniform random times over `horizon`); requests that arrive while the
 * batch at the entry still waits join it, up to max_batch, and the batch
 * then runs as one job with r·β sequences (costs evaluated with batch r·β).
 * With batching SIM_BATCHING_CONTINUOUS instead, every server batches the
 * requests ready for it at each step (iteration-level, pipelined, with
 * KV-cache admission): serve_batch.c describes that model.
 * Perturbations multiply each compute time by a lognormal factor of mean 1
 * and CV compute_cv, and each transfer's bandwidth by one of CV
 * bandwidth_cv. During an outage a server or link does no work: work in
 * progress pauses and resumes when it ends, queued work waits.
 * docs/simulation.md describes the model, modes and outputs.
 *
 * Ownership rule: the instance, placement, outages and trace are borrowed
 * for the duration of a call; a sim_serve_result owns its entity array and
 * is released with sim_serve_result_clear. */
#ifndef DILEMMA_SIM_SERVE_SERVE_H
#define DILEMMA_SIM_SERVE_SERVE_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/core/core.h"
#include "sim/des/des.h"
#include "solver/solver.h"

/* Event traces of a simulation, as CSV and as Chrome trace JSON.
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

/* An interval during which a server or a directed link does no work. */
typedef struct sim_outage {
  int is_link;  /* 0: server outage, 1: link outage */
  long a, b;    /* server index a, or link a -> b */
  double start; /* s, simulated time */
  double end;   /* s, simulated time, > start */
} sim_outage;

/* ---- dynamic conditions and re-planning (dynamics.c, controller.c, dyn_run.c) ----
 * Conditions that change in simulated time (link bandwidth processes, a
 * server that leaves and may return, a change of the arrival rate), a
 * controller that re-plans with the exact solver, and migration of layers
 * with a cost. docs/simulation.md, "Dynamic conditions", describes them. */

/* How each link's bandwidth varies: it is the route's bandwidth times a
 * factor f(t) that is piecewise constant in time. */
typedef enum {
  SIM_DYN_LINKS_CONSTANT = 0, /* f = 1 */
  SIM_DYN_LINKS_GILBERT = 1,  /* two-state Markov chain: good (f = 1), bad (f = bad_factor) */
  SIM_DYN_LINKS_WALK = 2,     /* random walk of ln f, every walk_step s, kept in [ln bad_factor, 0] */
  SIM_DYN_LINKS_TRACE = 3     /* bandwidths from a CSV trace `time,link,bandwidth` */
} sim_dyn_links;

extern const char *const sim_dyn_links_names[]; /* "constant", "gilbert", "walk", "trace", NULL */

/* When the controller re-plans. */
typedef enum {
  SIM_POLICY_STATIC = 0,    /* never: the placement solved before the run */
  SIM_POLICY_PERIODIC = 1,  /* every `period` s */
  SIM_POLICY_THRESHOLD = 2, /* when the estimated T degrades by more than `threshold` % */
  SIM_POLICY_ORACLE = 3     /* at every change of the true conditions, seeing them exactly */
} sim_policy;

extern const char *const sim_policy_names[]; /* "static", "periodic", "threshold", "oracle", NULL */

/* One row of a bandwidth trace: from `time` on, the route from -> to has
 * this bandwidth. */
typedef struct sim_dyn_change {
  double time;      /* s */
  long from, to;    /* servers */
  double bandwidth; /* bit/s, >= 0 (0: the link carries nothing) */
} sim_dyn_change;

/* The dynamic settings of an experiment (`simulation.dynamics`,
 * `simulation.controller`, `simulation.slo`, `simulation.timeseries`). */
typedef struct sim_dyn_params {
  int enabled;            /* 1: the scenario has a `simulation.dynamics` block */
  sim_dyn_links links;
  double to_bad;          /* 1/s, gilbert: rate of good -> bad */
  double to_good;         /* 1/s, gilbert: rate of bad -> good */
  double bad_factor;      /* gilbert: factor in the bad state; walk: lowest factor; in (0, 1] */
  double walk_sigma;      /* 1/sqrt(s), walk: standard deviation of ln f per sqrt(second) */
  double walk_step;       /* s, walk: time between steps */
  char *trace;            /* trace: CSV path (resolved against the scenario) */
  sim_dyn_change *changes;/* trace: its rows, sorted by time (read when the scenario loads) */
  size_t n_changes;
  int64_t depart;         /* server that leaves, -1: none */
  double depart_at;       /* s */
  double return_at;       /* s, when it comes back; 0: never */
  double rate_at;         /* s, when the arrival rate changes */
  double rate_factor;     /* the Poisson rate is multiplied by this from rate_at on */
  double phase_at;        /* s, requests arriving before/after this form phases 1 and 2 */
  int has_controller;     /* 1: the scenario has a `simulation.controller` block */
  sim_policy policy;
  double period;          /* s, periodic */
  double threshold;       /* %, threshold */
  double payback;         /* s; > 0: move only when (T_now - T_new) · rate · payback > move time */
  double slo;             /* s, latency objective; 0: none */
  int64_t timeseries;     /* rows of the per-run latency time series; 0: none */
} sim_dyn_params;
/* How requests share a server in load runs (docs/simulation.md). */
typedef enum {
  SIM_BATCHING_STATIC = 0,    /* batches formed at the entry travel together (FIFO servers) */
  SIM_BATCHING_CONTINUOUS = 1 /* iteration-level batching on every server, pipelined */
} sim_serve_batching;

/* Continuous batching: what happens when a server's memory is full. */
typedef enum {
  SIM_KV_UNLIMITED = 0, /* no memory limit */
  SIM_KV_WAIT = 1       /* a request is admitted when every server has room for its full KV cache */
} sim_serve_kv_memory;

/* Names of the values above, NULL-terminated: the words a scenario accepts. */
extern const char *const sim_serve_batching_names[];
extern const char *const sim_serve_kv_memory_names[];

/* The simulation settings of an experiment (a scenario's `simulation`
 * block); sim_serve_config_from_params turns them into one run's
 * configuration. */
typedef struct sim_serve_params {
  int replay;          /* 1: replay the placement in the DES */
  int load;            /* 1: also run the load experiment */
  double rate;         /* requests/s (Poisson) */
  int64_t requests;    /* requests in a load run */
  double horizon;      /* s; > 0: `requests` arrivals at uniform random times in [0, horizon] */
  int64_t max_batch;   /* requests batched per pass */
  int64_t slots;       /* concurrent jobs per server */
  int64_t max_events;  /* events one simulation may fire; 0 = no cap */
  double compute_cv;   /* coefficient of variation of compute times */
  double bandwidth_cv; /* coefficient of variation of per-transfer bandwidth */
  sim_outage *outages;
  size_t n_outages;
  sim_dyn_params dyn;  /* dynamic conditions and the controller */
  sim_serve_batching batching;  /* static or continuous */
  sim_serve_kv_memory kv_memory;/* continuous: unlimited or wait */
  double slo_ttft;     /* s, goodput: TTFT bound (0: none) */
  double slo_tpot;     /* s, goodput: TPOT bound (0: none) */
} sim_serve_params;

/* How compute durations are drawn. */
typedef enum {
  SIM_SERVICE_MODEL = 0,      /* the cost model's duration (times any perturbation) */
  SIM_SERVICE_EXPONENTIAL = 1 /* test only: exponential with the cost model's duration as mean */
} sim_service;

typedef struct sim_serve_config {
  uint64_t run_seed;    /* sim_seed_derive(master seed, SIM_STREAM_DES, run) */
  double rate;          /* requests/s, Poisson arrivals (load) */
  int64_t requests;     /* requests in a load run */
  double horizon;       /* s; > 0: `requests` arrivals at uniform random times in [0, horizon] */
  int64_t max_batch;    /* requests merged into one batch at the entry, >= 1 */
  int64_t slots;        /* jobs a server runs at once, >= 1 */
  double compute_cv;    /* CV of the lognormal factor on each compute time; 0: none */
  double bandwidth_cv;  /* CV of the lognormal factor on each transfer's bandwidth; 0: none */
  const sim_outage *outages; /* borrowed; server and link indices are instance servers */
  size_t n_outages;
  sim_service service;  /* SIM_SERVICE_MODEL except in queueing-theory tests */
  double until;         /* s, stop the clock here (INFINITY: run to the end) */
  uint64_t max_events;  /* stop after this many events (0: no limit) */
  sim_trace *trace;     /* borrowed, may be NULL */
  sim_serve_batching batching;   /* SIM_BATCHING_STATIC unless set */
  sim_serve_kv_memory kv_memory; /* continuous batching only */
  double slo_ttft, slo_tpot;     /* s, goodput bounds; 0: none */
  FILE *series;         /* continuous: per-step CSV of batch size and memory; borrowed, may be NULL */
} sim_serve_config;

/* Defaults: seed 0, one request, rate 1/s, no horizon, batch 1, one slot,
 * no perturbation, no outage, model service, no limits, no trace. */
void sim_serve_config_init(sim_serve_config *cfg);

/* The configuration of run `run` of an experiment with master seed `seed`
 * and simulation settings `params`. The outages are borrowed from params. */
void sim_serve_config_from_params(sim_serve_config *cfg, const sim_serve_params *params,
                                  uint64_t seed, uint64_t run);

/* A run stopped by cfg->max_events (res->stop == SIM_DES_LIMIT) has partial
 * statistics: the commands report it as the scenario's error, SIM_EINPUT
 * naming simulation.max_events. SIM_OK otherwise. */
struct sim_serve_result;
int sim_serve_check_limit(const struct sim_serve_result *res, const sim_serve_config *cfg, sim_error *err);

/* Summary of a distribution. Mean, min and max are exact; percentiles come
 * from a log-bucketed histogram and are within 2.5e-4 relative of the
 * nearest-rank percentile (so memory does not grow with the requests). */
typedef struct sim_serve_latency {
  uint64_t n;
  double mean, p50, p95, p99, min, max; /* NaN when n = 0 */
} sim_serve_latency;

/* Utilization of one server or link over the run. */
typedef struct sim_serve_entity {
  char name[56];      /* "s0", "cloud", or "s0->s1" */
  int is_link;
  int from, to;       /* server index (from = to), or the link's ends */
  double busy;        /* s of work done, outage pauses excluded */
  double utilization; /* busy / (end time · slots) */
  uint64_t jobs;      /* layers computed or transmissions made (continuous: batch steps) */
  double mean_batch;  /* continuous, servers: requests per step, weighted by step time */
  double mem_mean;    /* continuous, servers: bytes held (weights + KV), time average */
  double mem_peak;    /* continuous, servers: bytes held at most */
} sim_serve_entity;

typedef struct sim_serve_result {
  double analytic;         /* s, solver_objective of the placement */
  double analytic_compute; /* s, its compute part */
  double analytic_comm;    /* s, its communication part */
  double simulated;        /* s, replay: completion time of the request; load: mean latency */
  double rel_error;        /* |simulated - analytic| / analytic */
  uint64_t events;         /* events fired */
  sim_des_stop_reason stop;/* SIM_DES_EMPTY when every request completed */
  double end_time;         /* s, simulated time at the end of the run */
  int64_t arrived;         /* requests that arrived */
  int64_t completed;       /* requests that completed */
  int64_t batches;         /* batches formed (= arrived without batching) */
  int64_t peak_in_flight;  /* most requests in the system at once */
  sim_serve_latency latency; /* s, arrival to last token */
  sim_serve_latency ttft;    /* s, arrival to first token (end of the first decode pass) */
  sim_serve_latency tpot;    /* s, (latency - ttft) / (tokens - 1); empty when tokens = 1 */
  double throughput_requests; /* requests/s over [0, end_time] */
  double throughput_tokens;   /* tokens/s: completed · tokens · β / end_time */
  double mape;             /* %, mean over requests of |latency - analytic| / latency */
  double mean_gap;         /* %, (mean latency - analytic) / analytic */
  size_t n_entities;       /* servers (all of them), then the links the placement uses */
  sim_serve_entity *entities;
  /* Continuous batching only (NaN or 0 otherwise): */
  sim_serve_latency itl;   /* s, inter-token latency: gaps between a request's decode passes */
  int64_t good;            /* completed requests within both SLO bounds */
  double goodput_requests; /* good / end_time, requests/s */
  double mean_batch;       /* requests per step over all server steps, weighted by step time */
  int64_t steps;           /* batch steps run by all servers */
} sim_serve_result;

void sim_serve_result_init(sim_serve_result *res);
void sim_serve_result_clear(sim_serve_result *res);

/* Replays one request arriving at time 0 (cfg's arrival settings are
 * ignored; perturbations, outages, slots and the trace apply). Fails with
 * SIM_EINPUT for a placement that does not fit the instance, SIM_EINFEASIBLE
 * when a route the placement needs does not exist. Time O(E log P) for E
 * events, P pending (E ≈ passes · (layers + 2 · transfers)). */
int sim_serve_replay(const solver_instance *in, const solver_placement *p,
                     const sim_serve_config *cfg, sim_serve_result *res, sim_error *err);

/* Runs the load experiment described by cfg. Memory is bounded by the
 * requests and events in flight, not by the requests simulated. */
int sim_serve_load(const solver_instance *in, const solver_placement *p,
                   const sim_serve_config *cfg, sim_serve_result *res, sim_error *err);

/* Continuous batching: the offered load of the busiest server when every
 * step is full: the arrival rate times the server's work per request (its
 * prefill step and `tokens` decode steps of B members, compute and sending,
 * divided by B), with B = max_batch, or fewer when kv_memory wait admits
 * fewer requests at once on some server. Work per member does not grow
 * with B in either cost model, so when prefill and decode passes do not
 * share steps this is a lower bound on the utilization the load needs (at
 * >= 1 no batching keeps up); a mixed step shares the weights' read between
 * both kinds, so with a prompt it is an estimate. O(L · M). */
double sim_serve_batch_rho(const solver_instance *in, const solver_placement *p,
                           const sim_serve_config *cfg);

/* A lognormal factor with mean 1 and coefficient of variation cv, drawn
 * from r: exp(σZ - σ²/2) with σ² = ln(1 + cv²). Exactly 1 when cv = 0. */
double sim_lognormal_unit(gsl_rng *r, double cv);

/* When work of `work` seconds started at `start` finishes on an entity that
 * does no work during the sorted, disjoint intervals [lo[k], hi[k]): the
 * work pauses at each interval and resumes after it. O(intervals crossed). */
double sim_outage_finish(const double *lo, const double *hi, size_t n, double start, double work);

/* ---- dynamic runs (dynamics.c, controller.c, dyn_run.c) ---- */

/* A link's bandwidth factor as a process in time. Each link owns one, with
 * its own random stream, so links do not depend on each other. */
typedef struct sim_dyn_link {
  const sim_dyn_params *p; /* borrowed */
  gsl_rng *rng;            /* borrowed: gilbert and walk draws */
  double factor;           /* current factor of the route's bandwidth */
  int bad;                 /* gilbert: 1 in the bad state */
  double log_f;            /* walk: ln factor */
} sim_dyn_link;

/* Starts a link process at time 0 in its good state (factor 1), so that the
 * conditions at time 0 are those the first placement was solved for. */
void sim_dyn_link_init(sim_dyn_link *k, const sim_dyn_params *p, gsl_rng *rng);

/* The time of the link's next change after `now` (s) and, in *factor, the
 * factor from then on; INFINITY when the process never changes (constant,
 * trace: the caller walks the trace itself). Draws only from k->rng. */
double sim_dyn_link_next(sim_dyn_link *k, double now, double *factor);

/* Parses a bandwidth trace: CSV with the header `time,link,bandwidth`, one
 * row per change, `link` written `i-j` (servers i and j), time in s (>= 0,
 * non-decreasing), bandwidth in bit/s (>= 0). `name` names the file in
 * messages (`name:line: ...`). *out (freed by the caller) gets the rows. */
int sim_dyn_trace_parse(const char *text, size_t len, const char *name, sim_dyn_change **out,
                        size_t *n, sim_error *err);

/* One re-planning decision of a dynamic run. */
typedef struct sim_dyn_decision {
  double decided;           /* s, when the controller chose the placement */
  double live;              /* s, when the move completed (NaN if it never did) */
  int64_t layers;           /* layers that changed server */
  double bytes;             /* bytes shipped */
  solver_placement *placement; /* the placement chosen (owned) */
} sim_dyn_decision;

#define SIM_DYN_DECISIONS_MAX 64 /* decisions kept in a result (later ones are only counted) */

typedef struct sim_dyn_result {
  int64_t arrived, completed;
  int64_t unserved;          /* arrived - completed: requests the run could not serve */
  sim_serve_latency latency; /* s, arrival to last token, completed requests */
  sim_serve_latency ttft, tpot;
  sim_serve_latency phase[2];/* latency of requests arriving before / after phase_at */
  double slo_miss;           /* %, (completed late + unserved) / arrived; NaN without an SLO */
  double throughput_tokens;  /* tokens/s over [0, end_time] */
  int64_t solves;            /* exact solves the controller made */
  int64_t migrations;        /* placements changed */
  int64_t layers_moved;      /* layers shipped to another server, summed */
  double bytes_moved;        /* bytes shipped */
  double migration_time;     /* s, summed from decision to the move's completion */
  double solve_wall;         /* s of wall-clock time in the solver (not reproducible) */
  double end_time;           /* s */
  uint64_t events;
  size_t n_decisions;        /* kept decisions, at most SIM_DYN_DECISIONS_MAX */
  sim_dyn_decision decisions[SIM_DYN_DECISIONS_MAX];
  size_t n_series;           /* decimated time series: completion time and latency, s */
  double *series_time, *series_latency;
} sim_dyn_result;

void sim_dyn_result_init(sim_dyn_result *res);
void sim_dyn_result_clear(sim_dyn_result *res);

/* Runs the load experiment of cfg (Poisson or horizon arrivals, no
 * batching, no perturbation, no outage: the dynamics replace them) under
 * the dynamic conditions and the controller of `dyn`, starting from
 * placement `initial`. Re-planning solves with `solve` on the instance
 * rebuilt from what the controller observes. Fails with SIM_EINPUT for
 * settings it does not support, SIM_EINFEASIBLE when the initial placement
 * needs a route that does not exist. */
int sim_dyn_run(const solver_instance *in, const solver_placement *initial,
                const sim_serve_config *cfg, const sim_dyn_params *dyn,
                const solver_options *solve, sim_dyn_result *res, sim_error *err);

/* ---- several models sharing the servers (serve_multi.c) ----------------------
 * One request stream per model of a multi-instance (solver_multi), each with
 * its own placement, on one set of servers and directed links: a server's
 * FIFO queue and slots, and a link's FIFO, serve every model's jobs in the
 * order they arrive. Each model's request runs its own passes exactly as in
 * the single-model static mode (no batching at the entry: every request is
 * its own job), so a model alone behaves as sim_serve_load. The rates come
 * from the multi-instance; cfg->requests arrivals in total are split over
 * the models in proportion to their rates (at least one each for a model
 * with load), so every stream spans about the same simulated time. Model
 * m's arrivals are the ones sim_serve_load draws with run seed
 * sim_serve_multi_seed(cfg->run_seed, m), its rate and its share of the
 * requests: a model whose servers and links no other model uses gets
 * exactly its single-model results. docs/model.md describes the model. */

/* One model's results in a multi-model run. */
typedef struct sim_serve_multi_model {
  double analytic;            /* s, solver_objective of the model's placement */
  int64_t arrived, completed;
  sim_serve_latency latency;  /* s, arrival to last token */
  sim_serve_latency ttft;     /* s, arrival to first token */
  sim_serve_latency tpot;     /* s; empty when tokens = 1 */
  double end_time;            /* s, the model's last completion */
  double throughput_requests; /* requests/s over [0, end_time] */
  double throughput_tokens;   /* tokens/s: completed · tokens · β / end_time */
  double rho;                 /* offered load of the model alone on its busiest server or link */
} sim_serve_multi_model;

typedef struct sim_serve_multi_result {
  size_t n_models;
  sim_serve_multi_model *model; /* n_models, owned */
  uint64_t events;
  sim_des_stop_reason stop;
  double end_time;            /* s, the last event of the run */
  size_t n_entities;          /* servers (all of them), then the links any model uses */
  sim_serve_entity *entities; /* owned; busy and utilization over all models */
  double rho;                 /* offered load of the busiest server or link, all models */
} sim_serve_multi_result;

void sim_serve_multi_result_init(sim_serve_multi_result *res);
void sim_serve_multi_result_clear(sim_serve_multi_result *res);

/* Model m's run seed in a multi-model run of run seed `run_seed`. */
uint64_t sim_serve_multi_seed(uint64_t run_seed, size_t m);

/* Model m's share of `requests` arrivals in total (see above): 0 for a
 * model without load. */
int64_t sim_serve_multi_requests(const solver_multi *mi, size_t m, int64_t requests);

/* Runs every model's stream (cfg: run_seed, requests, horizon, slots,
 * until, max_events; rates come from mi). Supports the static mode without
 * batching, perturbation or outages: anything else is SIM_EINPUT naming
 * the setting. SIM_EINFEASIBLE when a route a placement needs does not
 * exist. Memory is bounded by the requests in flight. */
int sim_serve_multi_load(const solver_multi *mi, solver_placement *const *pl,
                         const sim_serve_config *cfg, sim_serve_multi_result *res, sim_error *err);

/* Replays one request of model m alone at time 0 on the shared servers
 * (the other models send nothing): res->model[m].latency.mean is the
 * simulated T. */
int sim_serve_multi_replay(const solver_multi *mi, solver_placement *const *pl, size_t m,
                           const sim_serve_config *cfg, sim_serve_multi_result *res,
                           sim_error *err);

#endif
