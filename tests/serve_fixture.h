/* serve_fixture.h: building instances for the serving-model tests from a
 * scenario string, the way the CLI and the runner do (sim_case_alloc:
 * scenario -> model -> topology -> instance). Header-only; each test
 * program includes it once. */
#ifndef DILEMMA_TESTS_SERVE_FIXTURE_H
#define DILEMMA_TESTS_SERVE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/serve/serve.h"
#include "solver/solver.h"

/* The two-layer, two-server hand case of the serve tests, paper cost model,
 * 32-bit weights (b = pr), links of `omega` bit/s (a string literal, or "%s"
 * for the caller's printf) and 0.01 s latency:
 *   layer a on s0: F = 1e9 FLOP at 1e9 FLOP/s  -> 1 s per decode pass
 *   layer b on s1: F = 2e9 FLOP at 2e9 FLOP/s  -> 1 s
 *   a's output: 100 elements x 32 bit over 1e6 bit/s = 0.0032 s, + 0.01 s latency
 * Each test appends its workload and what else it needs. */
#define SERVE_TWO_LAYERS(omega)                                                        \
  "model:\n  name: tiny\n  layers:\n"                                                 \
  "    - {name: a, params: 1000, flops: 1.0e9, act_elems: 100, kv_elems: 10}\n"       \
  "    - {name: b, params: 2000, flops: 2.0e9, act_elems: 200, kv_elems: 0}\n"        \
  "servers: {count: 2, ccs: [1.0e9, 2.0e9], storage: 1.0e12}\n"                       \
  "links: {omega_min: " omega ", omega_ratio: 1, latency: 0.01}\n"

typedef struct fixture {
  sim_scenario *sc;
  sim_case *run;             /* the run the instance belongs to */
  const solver_instance *in; /* run->instance */
  sim_error err;
} fixture;

static inline void fixture_free(fixture *f) {
  sim_case_free(f->run);
  sim_scenario_free(f->sc);
  memset(f, 0, sizeof *f);
}

/* Builds the instance of run `run` of a scenario without a sweep. Returns 0,
 * or -1 with the reason printed as a TAP comment. */
static inline int fixture_build(fixture *f, const char *yaml, uint64_t run) {
  memset(f, 0, sizeof *f);
  sim_error_clear(&f->err);
  f->sc = sim_scenario_load_string(yaml, strlen(yaml), "fixture.yaml", &f->err);
  if (f->sc != NULL && (f->run = sim_case_alloc(f->sc, 0, run, &f->err)) != NULL)
    f->in = f->run->instance;
  if (f->in == NULL) {
    printf("# fixture failed: %s\n", f->err.msg);
    fixture_free(f);
    return -1;
  }
  return 0;
}

/* The bit-width index of width b in the instance, or -1. */
static inline int fixture_bits(const solver_instance *in, int64_t b) {
  for (size_t k = 0; k < in->n_bits; k++)
    if (in->bits[k] == b) return (int)k;
  return -1;
}

/* A placement of every layer on the given servers at full precision. */
static inline solver_placement *fixture_placement(const solver_instance *in, const int *servers) {
  solver_placement *p = solver_placement_alloc(in->n_layers);
  for (size_t l = 0; l < in->n_layers; l++) {
    p->server[l] = servers[l];
    p->bits[l] = (int)in->n_bits - 1;
  }
  return p;
}

/* Replays a placement with a configuration; returns the simulated T, or -1
 * when the replay fails (the error is printed as a TAP comment). */
static inline double fixture_replay(const solver_instance *in, const solver_placement *p,
                                    const sim_serve_config *cfg) {
  sim_serve_result res;
  sim_error err;
  sim_error_clear(&err);
  double t = -1;
  if (sim_serve_replay(in, p, cfg, &res, &err) != SIM_OK) {
    printf("# replay failed: %s\n", err.msg);
    return t;
  }
  t = res.simulated;
  sim_serve_result_clear(&res);
  return t;
}

#endif
