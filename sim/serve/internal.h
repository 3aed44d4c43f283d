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

  sim__hist latency, ttft, tpot;
  double ape_sum;           /* Σ |latency - T| / latency */
  double analytic, analytic_compute, analytic_comm; /* s, T and its two parts */
} sim__serve;

/* serve.c: the random stream of entity `entity` (ids in serve.c), a GSL
 * mt19937 seeded with sim_seed_derive(run_seed, SIM_STREAM_DES, entity) so
 * it depends on neither other entities nor the order they were made in.
 * The caller frees it with gsl_rng_free; NULL when out of memory. */
gsl_rng *sim__serve_stream_alloc(uint64_t run_seed, uint64_t entity);

/* serve.c: the duration (s) of step st in a pass of kind PASS_DECODE or
 * PASS_PREFILL for a batch of r requests, from the instance's cost
 * functions; transfers exclude the latency. O(1). */
double sim__step_duration(sim__serve *sv, const serve_step *st, int pass_kind, int64_t r);

/* serve_run.c: schedules the first arrival at t0, or, when t0 is NaN, at the
 * arrival process's first time. */
int sim__serve_start(sim__serve *sv, double t0);

#endif
