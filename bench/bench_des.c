/* bench_des.c: speed and memory of the DES (`make bench`).
 *
 * 1. Peak RSS of load runs stopped at 1e6 and 1e7 events, each in a fresh
 *    child process so one measurement does not inherit another's heap.
 * 2. Events per second of load runs of at least 1e7 events: OPT-350m split
 *    over four servers (128 decode passes per request, ~4,000 events each)
 *    and a one-layer M/M/1 queue (2 events per request, millions of
 *    requests, so per-request state would show if it leaked into memory).
 * 3. The kernel alone: the classic "hold" model (fire the earliest event,
 *    schedule one at now + Exp(1)) with 16 to 65,536 events pending.
 * 4. The wall time of one replay of OPT-350m, 26 layers x 128 tokens.
 * 5. Continuous batching: simulated requests per second of wall time for
 *    10^5 requests on a 16-server pipeline (OPT-350m, roofline, 32 prompt
 *    and 32 generated tokens, batch limit 16, KV admission), offered at
 *    twice what the pipeline would carry without batching, so batches form.
 *
 * Usage: bench_des [EVENTS]  (default 10,000,000 events per load run) */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "sim/core/core.h"
#include "sim/des/des.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/serve/serve.h"
#include "solver/solver.h"

static const char *const OPT350M =
    "model: {name: opt-350m, granularity: block}\n"
    "servers: {count: 4, ccs: {min: 1.0e10, max: 1.0e11}, storage: 1.0e12}\n"
    "links: {omega_min: 1.0e9, latency: 0.001}\n"
    "workload: {tokens: 128, batch: 1, prompt: 0}\n";

static const char *const ONE_LAYER =
    "model:\n  name: one\n  layers:\n"
    "    - {name: a, params: 1, flops: 1.0e9, act_elems: 1, kv_elems: 0}\n"
    "servers: {count: 1, ccs: 1.0e9, storage: 1.0e12}\n"
    "workload: {tokens: 1, batch: 1, prompt: 0}\n";

static const char *const PIPE16 =
    "model: {name: opt-350m, granularity: block}\n"
    "servers: {count: 16, ccs: {min: 1.0e12, max: 4.0e12}, mem_bandwidth: {min: 5.0e10, max: 2.0e11},"
    " storage: 1.0e12}\n"
    "links: {omega_min: 1.0e9, latency: 0.0005}\n"
    "workload: {tokens: 32, batch: 1, prompt: 32}\n"
    "cost: {model: roofline}\n";

typedef struct bench_case {
  sim_scenario *sc;
  sim_case *run;             /* run 0 of the scenario */
  const solver_instance *in; /* run->instance */
  solver_placement *p;
} bench_case;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long peak_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss; /* kilobytes on Linux */
}

static void case_free(bench_case *c) {
  solver_placement_free(c->p);
  sim_case_free(c->run);
  sim_scenario_free(c->sc);
}

/* Builds an instance and a placement that cuts the chain into `parts`
 * contiguous pieces on servers 0..parts-1, at full precision. On failure
 * it says why, frees what it built and returns -1. */
static int case_build(bench_case *c, const char *yaml, size_t parts) {
  sim_error err;
  sim_error_clear(&err);
  memset(c, 0, sizeof *c);
  c->sc = sim_scenario_load_string(yaml, strlen(yaml), "bench.yaml", &err);
  if (c->sc && (c->run = sim_case_alloc(c->sc, 0, 0, &err)) != NULL) c->in = c->run->instance;
  if (c->in != NULL && (c->p = solver_placement_alloc(c->in->n_layers)) == NULL)
    sim_error_set(&err, SIM_ENOMEM, "out of memory");
  if (c->p == NULL) {
    fprintf(stderr, "bench_des: %s\n", err.msg);
    case_free(c);
    return -1;
  }
  const size_t L = c->in->n_layers;
  for (size_t l = 0; l < L; l++) {
    c->p->server[l] = (int)(l * parts / L);
    c->p->bits[l] = (int)c->in->n_bits - 1;
  }
  return 0;
}

/* A load run stopped at `events` events; prints its speed. */
static int bench_load(const char *label, const char *yaml, size_t parts, double load_factor,
                      sim_service service, uint64_t events) {
  bench_case c;
  if (case_build(&c, yaml, parts) != 0) return -1;
  const double T = solver_objective(c.in, c.p, NULL, NULL);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 1;
  cfg.rate = load_factor / T;
  cfg.requests = 100000000;
  cfg.max_events = events;
  cfg.service = service;
  sim_serve_result r;
  sim_error err;
  sim_error_clear(&err);
  double t0 = now_s();
  int rc = sim_serve_load(c.in, c.p, &cfg, &r, &err);
  double wall = now_s() - t0;
  if (rc != SIM_OK) {
    fprintf(stderr, "bench_des: %s\n", err.msg);
    case_free(&c);
    return -1;
  }
  double umax = 0;
  for (size_t k = 0; k < r.n_entities; k++)
    if (r.entities[k].utilization > umax) umax = r.entities[k].utilization;
  printf("%-28s %11llu events %8.3f s %7.2f M events/s  %9lld requests done, "
         "peak %lld in flight, busiest entity %.0f%%, peak RSS %ld kB\n",
         label, (unsigned long long)r.events, wall, (double)r.events / wall / 1e6,
         (long long)r.completed, (long long)r.peak_in_flight, 100 * umax, peak_rss_kb());
  sim_serve_result_clear(&r);
  case_free(&c);
  return 0;
}

/* Continuous batching on a 16-server pipeline: requests per wall second. */
static int bench_batch(int64_t requests) {
  bench_case c;
  if (case_build(&c, PIPE16, 16) != 0) return -1;
  const double stage = solver_bottleneck(c.in, c.p, NULL);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 1;
  cfg.batching = SIM_BATCHING_CONTINUOUS;
  cfg.kv_memory = SIM_KV_WAIT;
  cfg.max_batch = 16;
  cfg.requests = requests;
  /* One pass per stage time at batch 1 is 1/(stage · passes) requests/s. */
  cfg.rate = 2.0 / (stage * (double)(c.in->tokens + 1));
  sim_serve_result r;
  sim_error err;
  sim_error_clear(&err);
  const clock_t c0 = clock();
  double t0 = now_s();
  int rc = sim_serve_load(c.in, c.p, &cfg, &r, &err);
  double wall = now_s() - t0;
  /* CPU time too: on a shared machine wall time also counts other work. */
  const double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  if (rc != SIM_OK) {
    fprintf(stderr, "bench_des: %s\n", err.msg);
    case_free(&c);
    return -1;
  }
  printf("continuous, 16 servers, %.3f s CPU (%.0f requests per CPU second)\n", cpu,
         (double)r.completed / cpu);
  printf("continuous, 16 servers       %9lld requests %8.3f s %9.0f requests/s  %11llu events "
         "(%.2f M events/s), %lld steps, mean batch %.2f, peak RSS %ld kB\n",
         (long long)r.completed, wall, (double)r.completed / wall, (unsigned long long)r.events,
         (double)r.events / wall / 1e6, (long long)r.steps, r.mean_batch, peak_rss_kb());
  sim_serve_result_clear(&r);
  case_free(&c);
  return 0;
}

/* Runs a load run in a child process and lets it report its own peak RSS. */
static int bench_rss(const char *label, const char *yaml, size_t parts, double load_factor,
                     sim_service service, uint64_t events) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int rc = bench_load(label, yaml, parts, load_factor, service, events);
    fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return 0;
}

typedef struct hold {
  gsl_rng *r;
} hold;

static void hold_fire(sim_des *des, void *ctx, void *data) {
  hold *h = ctx;
  sim_event_schedule(des, sim_des_now(des) + gsl_ran_exponential(h->r, 1.0), hold_fire, ctx, data);
}

static int bench_hold(size_t pending, uint64_t events) {
  sim_des *des = sim_des_alloc();
  /* The stream the kernel used to hand out for entity 0 of run seed 1. */
  hold h = {gsl_rng_alloc(gsl_rng_mt19937)};
  if (des == NULL || h.r == NULL) {
    fprintf(stderr, "bench_des: out of memory\n");
    sim_des_free(des);
    gsl_rng_free(h.r);
    return -1;
  }
  gsl_rng_set(h.r, sim_seed_derive(1, SIM_STREAM_DES, 0));
  int rc = 0;
  for (size_t k = 0; k < pending && rc == 0; k++)
    if (sim_event_schedule(des, gsl_ran_exponential(h.r, 1.0), hold_fire, &h, NULL) == NULL)
      rc = -1;
  double t0 = now_s();
  /* Every handler schedules one event, so only the limit ends the run; an
   * event that could not be scheduled would empty the queue early. */
  if (rc == 0 && (sim_des_run(des, 1e300, events) != SIM_DES_LIMIT || sim_des_events(des) != events))
    rc = -1;
  double wall = now_s() - t0;
  if (rc != 0) {
    fprintf(stderr, "bench_des: the hold model lost events (out of memory)\n");
    gsl_rng_free(h.r);
    sim_des_free(des);
    return -1;
  }
  printf("kernel hold, %6zu pending    %11llu events %8.3f s %7.2f M events/s\n", pending,
         (unsigned long long)events, wall, (double)events / wall / 1e6);
  gsl_rng_free(h.r);
  sim_des_free(des);
  return 0;
}

static int bench_replay(void) {
  bench_case c;
  if (case_build(&c, OPT350M, 4) != 0) return -1;
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  sim_serve_result r;
  sim_error err;
  sim_error_clear(&err);
  const int reps = 200;
  double best = 1e300, total = 0;
  for (int k = 0; k < reps; k++) {
    double t0 = now_s();
    int rc = sim_serve_replay(c.in, c.p, &cfg, &r, &err);
    double wall = now_s() - t0;
    if (rc != SIM_OK) {
      fprintf(stderr, "bench_des: %s\n", err.msg);
      case_free(&c);
      return -1;
    }
    total += wall;
    if (wall < best) best = wall;
    if (k + 1 < reps) sim_serve_result_clear(&r);
  }
  printf("replay OPT-350m %zu layers x %lld tokens: %llu events, mean %.1f us, best %.1f us "
         "(T analytic %.9g s, simulated %.9g s, rel. error %.2g)\n",
         c.in->n_layers, (long long)c.in->tokens, (unsigned long long)r.events,
         1e6 * total / reps, 1e6 * best, r.analytic, r.simulated, r.rel_error);
  sim_serve_result_clear(&r);
  case_free(&c);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
  if (events == 0) {
    fprintf(stderr, "usage: bench_des [EVENTS]\n");
    return 2;
  }
  printf("# peak RSS of load runs, each in a fresh process\n");
  const uint64_t sizes[2] = {1000000ull, 10000000ull};
  for (int k = 0; k < 2; k++) {
    char label[64];
    snprintf(label, sizeof label, "OPT-350m load, %.0e events", (double)sizes[k]);
    if (bench_rss(label, OPT350M, 4, 1.5, SIM_SERVICE_MODEL, sizes[k]) != 0) return 1;
    snprintf(label, sizeof label, "M/M/1 load, %.0e events", (double)sizes[k]);
    if (bench_rss(label, ONE_LAYER, 1, 0.8, SIM_SERVICE_EXPONENTIAL, sizes[k]) != 0) return 1;
  }
  printf("# events per second of load runs (one core)\n");
  if (bench_load("OPT-350m load", OPT350M, 4, 1.5, SIM_SERVICE_MODEL, events) != 0 ||
      bench_load("M/M/1 load", ONE_LAYER, 1, 0.8, SIM_SERVICE_EXPONENTIAL, events) != 0)
    return 1;
  printf("# the kernel alone\n");
  const size_t pend[4] = {16, 1024, 16384, 65536};
  for (int k = 0; k < 4; k++)
    if (bench_hold(pend[k], events) != 0) return 1;
  printf("# replay\n");
  if (bench_replay() != 0) return 1;
  printf("# continuous batching\n");
  return bench_batch(100000) != 0;
}
