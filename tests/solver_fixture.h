/* solver_fixture.h: random placement instances for the solver tests, built
 * field by field (no scenario, no topology draw), and an exhaustive search
 * that is the tests' independent reference.
 *
 * The brute force walks every (server, bits) choice per layer in a DFS and
 * keeps the cheapest one that meets storage, the cap, the budget and the
 * routes. It uses the cost functions of solver/solver.h directly and nothing from
 * the solver, so the ILP, the DP, the bounds and the baselines are all
 * checked against code that shares none of their logic. Header-only: each
 * test program includes it once; the functions are static inline so that a
 * test may use only some of them. */
#ifndef DILEMMA_TESTS_SOLVER_FIXTURE_H
#define DILEMMA_TESTS_SOLVER_FIXTURE_H

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver/solver.h"
#include "tests/instance_shell.h"
#include "tests/tap.h"

/* How a random instance is shaped. */
typedef struct {
  size_t L, M, B;       /* layers, servers, bit widths */
  double storage_lo;    /* each server's storage in [lo, hi] x the model's size at its */
  double storage_hi;    /*   smallest allowed bits, divided by M (1/M: a fair share) */
  int64_t cap;          /* layers per server, 0 none */
  int budget;           /* 1: budget accuracy */
  int roofline;         /* 1: roofline cost model */
  int origin;           /* 1: a random origin server */
  int holes;            /* 1: some routes missing */
  int cloud;            /* 1: the last server is a cloud node */
  int prompt;           /* 1: a prefill pass */
} fixture_spec;

/* A spec whose L, M and B are drawn, in that order, uniformly from
 * [L0, L0 + nL), [M0, M0 + nM) and [B0, B0 + nB); every other field zero.
 * The draws are separate statements because the order of evaluation
 * inside an initializer list is unspecified: this fixes which numbers each
 * field gets, so a seed gives the same instances on every compiler. */
static inline fixture_spec fixture_spec_draw(gsl_rng *r, size_t L0, size_t nL, size_t M0,
                                             size_t nM, size_t B0, size_t nB) {
  fixture_spec s;
  memset(&s, 0, sizeof s);
  s.L = L0 + gsl_rng_uniform_int(r, nL);
  s.M = M0 + gsl_rng_uniform_int(r, nM);
  s.B = B0 + gsl_rng_uniform_int(r, nB);
  return s;
}

static inline double fx_uniform(gsl_rng *r, double lo, double hi) {
  return lo + (hi - lo) * gsl_rng_uniform(r);
}

/* A random instance of the given shape; abort()s if memory runs out. */
static inline solver_instance *fixture_random(gsl_rng *r, const fixture_spec *s) {
  const size_t L = s->L, M = s->M, B = s->B;
  solver_instance *in = instance_shell(L, M, B);
  in->cost_model = s->roofline ? SOLVER_COST_ROOFLINE : SOLVER_COST_PAPER;
  in->tokens = 1 + (int64_t)gsl_rng_uniform_int(r, 64);
  in->batch = 1 + (int64_t)gsl_rng_uniform_int(r, 16);
  in->prompt = s->prompt ? 1 + (int64_t)gsl_rng_uniform_int(r, 32) : 0;
  in->context = 16;
  for (size_t b = 0; b < B; b++) in->bits[b] = 4 + 4 * (int64_t)b;
  in->precision = in->bits[B - 1];
  for (size_t l = 0; l < L; l++) {
    sim_layer *ly = &in->layers[l];
    snprintf(ly->name, sizeof ly->name, "layer%zu", l);
    ly->params = (int64_t)fx_uniform(r, 1e5, 1e6);
    ly->flops = fx_uniform(r, 1e6, 1e7);
    ly->act_elems = fx_uniform(r, 64, 1024);
    ly->kv_elems = gsl_rng_uniform(r) < 0.5 ? 0 : fx_uniform(r, 64, 512);
  }
  /* Errors fall with the bit width; each layer allows a random suffix of
   * the widths (the precision always), so allowed sets differ per layer. */
  double need = 0;
  for (size_t l = 0; l < L; l++) {
    const size_t first = gsl_rng_uniform_int(r, B);
    for (size_t b = 0; b < B; b++) {
      in->error[l * B + b] = b + 1 == B ? 0.0 : fx_uniform(r, 0.1, 1.0) / (double)(b + 1);
      in->allowed[l * B + b] = b >= first;
    }
    need += solver_cost_storage(in, l, first);
  }
  in->accuracy = s->budget ? SIM_ACC_BUDGET : SIM_ACC_PER_LAYER;
  in->delta = 1;
  in->budget = 0;
  if (s->budget) {
    /* A budget about half of what the cheapest widths would spend, so it binds. */
    double worst = 0;
    for (size_t l = 0; l < L; l++)
      for (size_t b = 0; b < B; b++)
        if (in->allowed[l * B + b] && in->error[l * B + b] > 0) {
          worst += in->error[l * B + b];
          break;
        }
    in->budget = 0.5 * worst;
    for (size_t l = 0; l < L; l++)
      for (size_t b = 0; b < B; b++)
        in->allowed[l * B + b] = in->allowed[l * B + b] && in->error[l * B + b] <= in->budget;
    for (size_t l = 0; l < L; l++) in->allowed[l * B + B - 1] = 1;
  }
  for (size_t i = 0; i < M; i++) {
    sim_server *sv = &in->servers[i];
    snprintf(sv->name, sizeof sv->name, "s%zu", i);
    sv->ccs = fx_uniform(r, 1e8, 1e9);
    sv->mem_bandwidth = fx_uniform(r, 1e9, 1e10);
    sv->storage = fx_uniform(r, s->storage_lo, s->storage_hi) * need / (double)M;
    if (s->cloud && i + 1 == M && M > 1) {
      snprintf(sv->name, sizeof sv->name, "cloud");
      sv->is_cloud = 1;
      sv->ccs = 5e9;
      sv->storage = 1e12;
    }
  }
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < M; j++) {
      if (i == j) continue;
      in->bandwidth[i * M + j] = fx_uniform(r, 1e6, 1e7);
      in->latency[i * M + j] = s->roofline ? fx_uniform(r, 0, 1e-3) : 0;
      if (s->holes && gsl_rng_uniform(r) < 0.2) in->bandwidth[i * M + j] = 0;
    }
  in->max_layers = s->cap;
  in->origin = s->origin ? (long)gsl_rng_uniform_int(r, M) : -1;
  return in;
}

typedef struct {
  const solver_instance *in;
  int restrict_server;    /* >= 0: only this server */
  int restrict_bits;      /* >= 0: only this bit index */
  int ignore_limits;      /* 1: ignore the cap, the budget and storage sums; each layer
                             must still fit its server alone (the DP's problem) */
  int *srv, *bits;        /* current assignment */
  double *used;           /* bytes per server */
  size_t *count;
  double best;            /* best objective found */
  int *best_srv, *best_bits;
  long long visited;
} brute;

static inline void brute_dfs(brute *bf, size_t l, double cost, double err) {
  const solver_instance *in = bf->in;
  const size_t L = in->n_layers, M = in->n_servers, B = in->n_bits;
  if (l == L) {
    double t = cost;
    if (in->origin >= 0) {
      t += solver_cost_input(in, (size_t)bf->srv[0]);
      t += solver_cost_output(in, (size_t)bf->srv[L - 1], (size_t)bf->bits[L - 1]);
    }
    bf->visited++;
    if (t < bf->best) {
      bf->best = t;
      memcpy(bf->best_srv, bf->srv, L * sizeof *bf->srv);
      memcpy(bf->best_bits, bf->bits, L * sizeof *bf->bits);
    }
    return;
  }
  for (size_t i = 0; i < M; i++) {
    if (bf->restrict_server >= 0 && (int)i != bf->restrict_server) continue;
    for (size_t b = 0; b < B; b++) {
      if (!in->allowed[l * B + b]) continue;
      if (bf->restrict_bits >= 0 && (int)b != bf->restrict_bits) continue;
      const double st = solver_cost_storage(in, l, b), e = in->error[l * B + b];
      if (st > in->servers[i].storage) continue;
      if (!bf->ignore_limits) {
        if (bf->used[i] + st > in->servers[i].storage) continue;
        if (in->max_layers > 0 && bf->count[i] + 1 > (size_t)in->max_layers) continue;
        if (in->accuracy == SIM_ACC_BUDGET && err + e > in->budget) continue;
      }
      double c = cost + solver_cost_compute(in, l, i, b);
      if (l > 0 && (size_t)bf->srv[l - 1] != i)
        c += solver_cost_transfer(in, l - 1, (size_t)bf->srv[l - 1], i, (size_t)bf->bits[l - 1]);
      if (!isfinite(c)) continue;
      bf->srv[l] = (int)i, bf->bits[l] = (int)b;
      bf->used[i] += st, bf->count[i]++;
      brute_dfs(bf, l + 1, c, err + e);
      bf->used[i] -= st, bf->count[i]--;
    }
  }
}

/* The optimum by exhaustive search (+inf if infeasible); the placement goes
 * to best_srv/best_bits (L entries each, may be NULL). */
static inline double brute_force(const solver_instance *in, int restrict_server, int restrict_bits,
                          int ignore_limits, int *best_srv, int *best_bits) {
  const size_t L = in->n_layers, M = in->n_servers;
  brute bf = {in, restrict_server, restrict_bits, ignore_limits, NULL, NULL, NULL, NULL,
              INFINITY, NULL, NULL, 0};
  bf.srv = calloc(L, sizeof *bf.srv);
  bf.bits = calloc(L, sizeof *bf.bits);
  bf.used = calloc(M, sizeof *bf.used);
  bf.count = calloc(M, sizeof *bf.count);
  bf.best_srv = calloc(L, sizeof *bf.best_srv);
  bf.best_bits = calloc(L, sizeof *bf.best_bits);
  if (!bf.srv || !bf.bits || !bf.used || !bf.count || !bf.best_srv || !bf.best_bits) abort();
  brute_dfs(&bf, 0, 0.0, 0.0);
  if (best_srv) memcpy(best_srv, bf.best_srv, L * sizeof *best_srv);
  if (best_bits) memcpy(best_bits, bf.best_bits, L * sizeof *best_bits);
  free(bf.srv), free(bf.bits), free(bf.used), free(bf.count), free(bf.best_srv), free(bf.best_bits);
  return bf.best;
}

/* Solver options for a test: no time limit, the default gap. */
static inline solver_options fixture_options(solver_method method, solver_formulation f, int plain,
                                      int presolve) {
  solver_options o;
  memset(&o, 0, sizeof o);
  o.method = method;
  o.formulation = f;
  o.time_limit = 0;
  o.presolve = presolve;
  o.mip_gap = 1e-9;
  o.seed = 12345;
  o.plain = plain;
  return o;
}

/* Solves in with options o into *res and returns solver_solve's code; a
 * failure is reported as a TAP comment (res is still initialized, so its
 * status can be checked and it must be cleared either way). */
static inline int fixture_solve_with(const solver_instance *in, const solver_options *o,
                                     solver_result *res) {
  sim_error err;
  sim_error_clear(&err);
  const int rc = solver_solve(in, o, res, &err);
  if (rc != SIM_OK) diag("solve (%s) returned error %d: %s", solver_method_name(o->method), rc, err.msg);
  return rc;
}

/* The common case: method m on the flow formulation with fixture_options(). */
static inline solver_result fixture_solve(const solver_instance *in, solver_method m, int plain,
                                          int presolve) {
  const solver_options o = fixture_options(m, SOLVER_FORM_FLOW, plain, presolve);
  solver_result res;
  fixture_solve_with(in, &o, &res);
  return res;
}

/* The mix of tiny instance shapes the brute-force tests cycle through, by
 * k mod 6: loose storage; a chain that must be split; a layer cap; a budget;
 * roofline with an origin and missing routes; a cloud node with a prompt. */
static inline fixture_spec fixture_spec_mixed(gsl_rng *r, int k) {
  fixture_spec s = fixture_spec_draw(r, 1, 5, 1, 3, 1, 3);
  s.storage_lo = 4.0, s.storage_hi = 8.0; /* every server holds the whole model */
  switch (k % 6) {
  case 1:
    /* Two or more servers and three or more layers, so that the chain must
     * be split and the split is a real choice. */
    s.L = 3 + gsl_rng_uniform_int(r, 3);
    s.M = 2 + gsl_rng_uniform_int(r, 2);
    s.storage_lo = 1.1, s.storage_hi = 2.0;
    break;
  case 2: s.cap = 1 + (int64_t)gsl_rng_uniform_int(r, s.L); break;
  case 3: s.budget = 1, s.storage_lo = 1.0, s.storage_hi = 3.0; break;
  case 4: s.roofline = 1, s.origin = 1, s.holes = 1, s.storage_lo = 1.0, s.storage_hi = 3.0; break;
  case 5: s.cloud = 1, s.prompt = 1, s.storage_lo = 1.1, s.storage_hi = 2.0; break;
  default: break;
  }
  return s;
}

#endif
