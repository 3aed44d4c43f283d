/* budget_fixture.h: the random budget instances and helpers that the
 * budget solver's tests share (test_solver_budget, test_solver_bwidth), so
 * that both draw the same shapes and budgets. Header-only and static
 * inline, as solver_fixture.h, which it builds on. */
#ifndef DILEMMA_TESTS_BUDGET_FIXTURE_H
#define DILEMMA_TESTS_BUDGET_FIXTURE_H

#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "solver/internal_budget.h"
#include "tests/solver_fixture.h"

/* Instance k's shape: 2-6 layers, 1-3 servers, 3-4 widths, a budget, and
 * storage loose, binding or tight, a layer cap, or roofline with an origin
 * in turn. */
static inline fixture_spec budget_shape(gsl_rng *r, int k) {
  fixture_spec s = fixture_spec_draw(r, 2, 5, 1, 3, 3, 2); /* L 2..6, M 1..3, B 3..4 */
  s.budget = 1;
  switch (k % 4) {
  case 0: s.storage_lo = 4.0, s.storage_hi = 8.0; break; /* loose: the budget alone binds */
  case 1: s.storage_lo = 1.1, s.storage_hi = 2.0; break;
  case 2: s.storage_lo = 1.0, s.storage_hi = 3.0, s.cap = 2 + (int64_t)(k % 3); break;
  default:
    s.storage_lo = 1.2, s.storage_hi = 2.5;
    s.roofline = 1, s.origin = 1;
    break;
  }
  return s;
}

/* Resets the budget to `frac` of what the cheapest allowed widths spend and
 * the allowed widths to those whose error fits it alone (the precision
 * always). Returns that spend. */
static inline double budget_set(solver_instance *in, double frac) {
  const size_t L = in->n_layers, B = in->n_bits;
  double worst = 0;
  for (size_t l = 0; l < L; l++)
    for (size_t b = 0; b < B; b++)
      if (in->allowed[l * B + b]) {
        worst += in->error[l * B + b];
        break;
      }
  in->budget = frac * worst;
  for (size_t l = 0; l < L; l++)
    for (size_t b = 0; b < B; b++)
      in->allowed[l * B + b] =
          in->allowed[l * B + b] && (in->error[l * B + b] <= in->budget || b + 1 == B);
  return worst;
}

/* An instance of shape s with each layer allowed its widths from a random
 * one up, and a budget of 0.25-0.85 of what the cheapest widths spend. */
static inline solver_instance *budget_instance_of(gsl_rng *r, const fixture_spec *s) {
  solver_instance *in = fixture_random(r, s);
  const size_t L = in->n_layers, B = in->n_bits;
  for (size_t l = 0; l < L; l++) {
    const size_t first = gsl_rng_uniform_int(r, B - 1);
    for (size_t b = 0; b < B; b++) in->allowed[l * B + b] = b >= first;
  }
  budget_set(in, fx_uniform(r, 0.25, 0.85));
  return in;
}

/* Instance k of the budget tests that draw widths at random: budget_shape,
 * then budget_instance_of. */
static inline solver_instance *budget_instance(gsl_rng *r, int k) {
  const fixture_spec s = budget_shape(r, k);
  return budget_instance_of(r, &s);
}

/* The solver's problem of `in` without restrictions; NULL on failure. */
static inline solver__problem *budget_problem(const solver_instance *in) {
  solver__restrict rs;
  solver__restrict_init(&rs);
  sim_error err;
  sim_error_clear(&err);
  return solver__problem_alloc(in, &rs, &err);
}

/* Instance k of the storage-charged tables' tests: a budget shape of at
 * most 4 layers (2-4), small enough for budget_enumerate. */
static inline solver_instance *budget_small_instance(gsl_rng *r, int k) {
  fixture_spec s = budget_shape(r, k);
  if (s.L > 4) s.L = 2 + (size_t)k % 3;
  return budget_instance_of(r, &s);
}

/* Placement `pick` of pb (one index per layer: the server times the
 * layer's options, plus the option) into srv and opt. */
static inline void budget_decode(const solver__problem *pb, const size_t *pick, int *srv,
                                 int *opt) {
  for (size_t l = 0; l < pb->L; l++) {
    const size_t n = pb->opt_begin[l + 1] - pb->opt_begin[l];
    srv[l] = (int)(pick[l] / n);
    opt[l] = (int)(pb->opt_begin[l] + pick[l] % n);
  }
}

/* Advances pick to the next placement of pb (layer 0 fastest); 0 when
 * it was the last, and pick is all zeros again. */
static inline int budget_advance(const solver__problem *pb, size_t *pick) {
  for (size_t l = 0; l < pb->L; l++) {
    if (++pick[l] < (pb->opt_begin[l + 1] - pb->opt_begin[l]) * pb->M) return 1;
    pick[l] = 0;
  }
  return 0;
}

/* The cheapest feasible placement of the problem pb itself by exhaustive
 * search (every server and option per layer, kept when solver__feasible
 * accepts it, costed by solver__eval: nothing the bounds share) into bsrv
 * and bopt; +inf when there is none. */
static inline double budget_enumerate(const solver__problem *pb, int *bsrv, int *bopt) {
  const size_t L = pb->L;
  int *srv = calloc(L, sizeof *srv), *opt = calloc(L, sizeof *opt);
  size_t *pick = calloc(L, sizeof *pick);
  if (srv == NULL || opt == NULL || pick == NULL) abort();
  double best = INFINITY;
  do {
    budget_decode(pb, pick, srv, opt);
    if (solver__feasible(pb, srv, opt)) {
      const double v = solver__eval(pb, srv, opt);
      if (v < best) {
        best = v;
        for (size_t l = 0; l < L; l++) bsrv[l] = srv[l], bopt[l] = opt[l];
      }
    }
  } while (budget_advance(pb, pick));
  free(srv), free(opt), free(pick);
  return best;
}

/* Run `run` of sweep point `point` of bench/bench-budget.yaml (under
 * $top_srcdir): the scenario into *sc (to free after the case) and the
 * case, or NULL with err set and *sc freed. */
static inline sim_case *budget_bench_case(size_t point, uint64_t run, sim_scenario **sc,
                                          sim_error *err) {
  const char *top = getenv("top_srcdir");
  char path[4096];
  snprintf(path, sizeof path, "%s/bench/bench-budget.yaml", top && *top ? top : ".");
  sim_error_clear(err);
  *sc = sim_scenario_load(path, err);
  sim_case *one = *sc ? sim_case_alloc(*sc, point, run, err) : NULL;
  if (one == NULL) {
    sim_scenario_free(*sc);
    *sc = NULL;
  }
  return one;
}

#endif
