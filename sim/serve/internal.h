/* internal.h: the serving model's state, shared by serve.c (setup and
 * results), serve_run.c (event handlers) and serve_stats.c. Internal to sim/serve. */
#ifndef DILEMMA_SIM_SERVE_INTERNAL_H
#define DILEMMA_SIM_SERVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/des/des.h"
#include "sim/core/core.h"
#include "sim/serve/serve.h"
#include "solver/solver.h"

/* ---- streaming distribution summary ------------------------------------
 * A histogram with 2^SIM_HIST_SUB_BITS buckets per octave, allocated one
 * octave at a time when a value first lands in it, so memory follows the
 * spread of the values (a few octaves), not their number. */
#define SIM_HIST_SUB_BITS 11
#define SIM_HIST_EXP_MIN (-64) /* values below 2^-65 share the lowest bucket */
#define SIM_HIST_EXP_MAX 64    /* values above 2^64 share the highest */
#define SIM_HIST_OCTAVES (SIM_HIST_EXP_MAX - SIM_HIST_EXP_MIN)

typedef struct sim__hist {
  uint32_t *octave[SIM_HIST_OCTAVES]; /* bucket counts, NULL until used */
  uint64_t n, n_zero;                 /* values, values <= 0 */
  double sum, min, max;
} sim__hist;

void sim__hist_init(sim__hist *h);
void sim__hist_clear(sim__hist *h);
/* Returns 0, or -1 when an octave cannot be allocated. */
int sim__hist_add(sim__hist *h, double x);
/* Fills mean, min, max and the 50/95/99th nearest-rank percentiles. */
void sim__hist_summary(const sim__hist *h, sim_serve_latency *s);

/* ---- the model ----------------------------------------------------------- */

typedef struct serve_request {
  struct serve_request *next; /* next member of the batch (the pool's link while free) */
  int64_t id;                 /* arrival order, from 0 */
  double arrival;             /* s */
  double first_token;         /* s, end of the first decode pass */
} serve_request;

/* A batch of requests moving through its passes; at any time it waits in
 * one entity's queue, is served by it, or propagates on a link. */
typedef struct serve_job {
  struct serve_job *next;     /* FIFO queue link (the pool's link while free) */
  serve_request *members;     /* requests of the batch, in arrival order */
  serve_request *tail;        /* the last member, where arrivals join */
  int64_t r;                  /* number of members */
  int64_t id;                 /* id of the first member */
  int64_t pass;               /* 0 .. n_passes-1; pass 0 is the prefill when prompt > 0 */
  size_t step;                /* index into the pass's steps */
  double started;             /* s, when the current work began (traces) */
} serve_job;

enum { STEP_COMPUTE = 0, STEP_SEND = 1 };
enum { PASS_DECODE = 0, PASS_PREFILL = 1 };

/* One step of a pass: a layer on a server, or a transfer on a link. */
typedef struct serve_step {
  int kind;           /* STEP_COMPUTE or STEP_SEND */
  int layer;          /* compute: the layer; send: the layer whose output moves, -1 for the input */
  int what;           /* send: 0 activations, 1 the origin's input, 2 the output to the origin */
  size_t entity;      /* index into sv->ents */
  int hold;           /* compute: the next step is a layer on the same server */
  double dur[2];      /* s, one-request duration of a decode and a prefill pass;
                         send: transmission only, without the latency */
  double latency;     /* s, send: propagation after the last bit leaves */
} serve_step;

/* A server or a directed link. */
typedef struct serve_entity {
  int is_link;
  int from, to;            /* server, or the link's ends */
  int64_t slots;           /* jobs served at once (links: 1) */
  int64_t busy_slots;
  serve_job *q_head, *q_tail; /* FIFO of waiting jobs */
  double busy;             /* s of work done */
  uint64_t jobs;
  gsl_rng *rng;            /* perturbations and exponential service; owned */
  const double *out_lo, *out_hi; /* merged outage intervals, s */
  size_t n_out, out_cursor;      /* intervals ending before now are skipped */
} serve_entity;

typedef struct sim__serve {
  const solver_instance *in;
  const solver_placement *pl;
  solver_instance scaled;   /* shallow copy of *in whose batch is set to r·β for batches */
  sim_serve_config cfg;
  sim_des *des;
  int status;               /* SIM_OK, or the error that stopped the run */

  size_t n_ents, n_servers;
  serve_entity *ents;       /* servers 0..M-1, then the links used */
  double *out_buf;          /* storage behind the entities' outage intervals */
  size_t n_steps;
  serve_step *steps;
  int64_t n_passes;         /* tokens + (prompt > 0) */
  int64_t first_decode;     /* pass index of the first decode pass */

  gsl_rng *arrival_rng;     /* owned */
  int64_t arrived, completed, batches, peak_in_flight; /* in flight: arrived - completed */
  double horizon_m;         /* horizon mode: the current order statistic */
  serve_job *open_job;      /* the entry batch still waiting, which arrivals join */
  sim__pool jobs, requests;

  struct sim__batch *batch; /* continuous batching's state (serve_batch.c), or NULL */
  sim__hist latency, ttft, tpot;
  double ape_sum;           /* Σ |latency - T| / latency */
  double analytic, analytic_compute, analytic_comm; /* s, T and its two parts */
} sim__serve;

/* serve.c: the random stream of entity `entity` (ids in serve.c), a GSL
 * mt19937 seeded with sim_seed_derive(run_seed, SIM_STREAM_DES, entity) so
 * it depends on neither other entities nor the order they were made in.
 * The caller frees it with gsl_rng_free; NULL when out of memory. */
gsl_rng *sim__serve_stream_alloc(uint64_t run_seed, uint64_t entity);

/* serve.c: the nominal duration (s) of step st of placement p in a pass of
 * kind PASS_DECODE or PASS_PREFILL in instance `in` (whose batch may have
 * been scaled), from the instance's cost functions: the route's time less its
 * latency for a transfer, since the link is busy only for the transmission.
 * Shared by the static replay and the dynamic runs so both charge the same. */
double sim__serve_step_cost(const solver_instance *in, const solver_placement *p,
                            const serve_step *st, int kind);

/* The entity index of directed link from -> to in the caller's simulator,
 * appended on first use. */
typedef size_t (*sim__serve_link_fn)(void *ctx, int from, int to);

/* serve.c: fills steps (room for 2 L + 2) with one pass of placement p:
 * [the origin's input], each layer, a transfer where the next layer (or
 * the origin) is on another server, [the output back]; compute steps name
 * the layer's server as entity, transfers the entity `link` returns, and
 * both durations come from sim__serve_step_cost. The one builder of the
 * static replay, the dynamic runs and the multi-model simulator, so all
 * three walk a placement the same way. Returns SIM_OK, or SIM_EINFEASIBLE
 * naming the route when a transfer needs one that does not exist. */
int sim__serve_steps_build(const solver_instance *in, const solver_placement *p,
                           sim__serve_link_fn link, void *ctx, serve_step *steps,
                           size_t *n_steps, sim_error *err);

/* serve.c: the duration (s) of step st in a pass of kind PASS_DECODE or
 * PASS_PREFILL for a batch of r requests, from the instance's cost
 * functions; transfers exclude the latency. O(1). */
double sim__step_duration(sim__serve *sv, const serve_step *st, int pass_kind, int64_t r);

/* serve_run.c: schedules the first arrival at t0, or, when t0 is NaN, at the
 * arrival process's first time. */
int sim__serve_start(sim__serve *sv, double t0);

/* ---- dynamic runs (dyn_run.c, controller.c) ---------------------------------
 * A dynamic run keeps every ordered pair of servers as a link entity (index
 * M + i·M + j), because a new placement may use any of them, and runs work
 * at a rate that changes: a server's rate is 1 or 0 (gone), a link's is its
 * bandwidth factor. Work is measured in nominal seconds (the cost model's
 * duration at the route's drawn bandwidth); a task in service finishes when
 * the integral of the rate reaches its work. */

typedef struct dyn_plan {
  solver_placement *pl;    /* owned */
  serve_step *steps;       /* entity: server i, or link M + i·M + j */
  size_t n_steps;
  struct dyn_plan *next;   /* every plan of the run, freed at its end */
} dyn_plan;

enum { DYN_REQUEST = 0, DYN_PIECE = 1 };

/* A request moving through its passes, or one layer's weights on the move. */
typedef struct dyn_task {
  struct dyn_task *next;            /* FIFO queue link (the pool's link while free) */
  struct dyn_task *s_prev, *s_next; /* the entity's in-service list */
  int kind;                 /* DYN_REQUEST or DYN_PIECE */
  dyn_plan *plan;           /* request: the placement it runs on to the end */
  int64_t id, pass;
  size_t step;
  double arrival, first_token; /* s */
  size_t entity;            /* where it is served now */
  double latency;           /* s, send: propagation after the last bit */
  double work0, work;       /* nominal s of the current service, at start and left */
  double since, start;      /* s, last update of `work`; start of service */
  sim_event *ev;            /* completion, NULL while the rate is 0 */
} dyn_task;

typedef struct dyn_entity {
  int is_link;
  int from, to;
  double rate;              /* servers: 1 up, 0 gone; links: bandwidth factor */
  double nominal;           /* links: the route's drawn bandwidth, bit/s (0: none) */
  int64_t slots, busy;
  dyn_task *q_head, *q_tail;
  dyn_task *serving;        /* tasks in service */
} dyn_entity;

typedef struct sim__dyn {
  const solver_instance *in;
  sim_serve_config cfg;
  const sim_dyn_params *p;
  solver_options solve;
  sim_dyn_result *res;
  sim_des *des;
  int status;

  size_t M, n_ents;
  dyn_entity *ents;
  int *up;                  /* per server: 1 present, 0 gone */
  double *true_f, *est_f;   /* M x M: true and observed bandwidth factors */
  sim_dyn_link *links;      /* M x M link processes */
  gsl_rng **link_rng;       /* M x M, NULL for pairs without a route */
  size_t trace_next;        /* next row of the trace to apply */
  int oracle_pending;       /* an oracle check is scheduled at the current time */

  solver_instance view;     /* the instance as the controller sees it */
  double *view_bw;          /* M x M */
  sim_server *view_servers; /* M, storage 0 for servers that are gone */

  dyn_plan *plans;          /* every plan made, newest first */
  dyn_plan *current, *target; /* target: the placement being moved to */
  int64_t pieces_left;      /* transfers of the move still running */
  double decided;           /* s, when the move was decided */
  long decision;            /* its index in res->decisions, -1 if not kept */
  int pending_replan;       /* a re-plan was asked for during a move */
  double t_ref;             /* s, estimated T of the current placement at the last solve */

  dyn_task *held_head, *held_tail; /* requests waiting for a placement that can serve */
  gsl_rng *arrival_rng;
  double horizon_m;
  int64_t arrived, completed, late, work_events, n_passes, first_decode;
  sim__pool tasks;
  sim__hist latency, ttft, tpot, phase[2];
  uint64_t ts_stride, ts_seen; /* time series: keep every ts_stride-th completion */
} sim__dyn;

/* dyn_run.c: the estimated T of a plan on the controller's view (+inf when
 * it uses a server that is gone). */
double sim__dyn_plan_cost(sim__dyn *d, const solver_placement *pl);
/* dyn_move.c: the estimated time (s) of the move to np on the controller's
 * view: per link, the bits shipped over its viewed bandwidth; the slowest
 * link plus its latency. */
double sim__dyn_move_time(sim__dyn *d, const solver_placement *np);
/* dyn_move.c: starts moving to placement np (copied); 0, or -1 with d->status set. */
int sim__dyn_migrate(sim__dyn *d, const solver_placement *np);
/* dyn_move.c: one piece of a move has arrived (t goes back to the pool);
 * the last one makes the target placement current. */
void sim__dyn_piece_arrived(sim__dyn *d, dyn_task *t);
/* dyn_run.c: 1 when some work is in progress or still to arrive. */
int sim__dyn_alive(const sim__dyn *d);
/* dyn_run.c: records the first error (code) and stops the run. */
void sim__dyn_fail(sim__dyn *d, int code);
/* dyn_run.c: the plan of placement p (copied), kept in d->plans; NULL with
 * d->status unchanged and *why = SIM_EINFEASIBLE when a route is missing,
 * SIM_ENOMEM when out of memory. */
dyn_plan *sim__dyn_plan_alloc(sim__dyn *d, const solver_placement *p, int *why);
/* dyn_run.c: task t joins its entity's queue (FIFO) or starts at once. */
void sim__dyn_task_enter(sim__dyn *d, dyn_task *t);
/* dyn_run.c: starts the held requests, in arrival order, once the current
 * placement can serve them. */
void sim__dyn_release_held(sim__dyn *d);
/* The entity of the directed link i -> j: every link has a fixed one,
 * after the M servers. */
static inline size_t sim__dyn_link(const sim__dyn *d, size_t i, size_t j) {
  return d->M + i * d->M + j;
}

/* controller.c: fills d->view from the true (oracle) or observed conditions. */
void sim__dyn_view_update(sim__dyn *d, int truth);
/* controller.c: re-plans now (or after the move in progress). */
void sim__dyn_replan(sim__dyn *d);
/* controller.c: a transmission on link entity `e` ran at factor f. */
void sim__dyn_observe(sim__dyn *d, size_t e, double f);
/* controller.c: the true conditions changed (a link, a server). */
void sim__dyn_changed(sim__dyn *d, int server_gone);
/* controller.c: schedules the periodic policy's first tick. */
void sim__dyn_controller_start(sim__dyn *d);
/* serve_batch.c: continuous (iteration-level) batching. sim__batch_start
 * builds the stage units and memory accounts from sv's steps and schedules
 * the first arrival (at t0, or the arrival process's first time when t0 is
 * NaN); SIM_EINFEASIBLE when a server cannot hold one request's KV cache.
 * sim__batch_collect adds its results; sim__batch_free releases its state
 * (NULL-safe through sv->batch). */
int sim__batch_start(sim__serve *sv, double t0, sim_error *err);
void sim__batch_collect(const sim__serve *sv, sim_serve_result *res);
void sim__batch_free(sim__serve *sv);

/* serve_run.c: the time of the next arrival after `now` (Poisson, or the
 * next order statistic of the horizon mode). */
double sim__serve_next_arrival(sim__serve *sv, double now);

#endif
