/* test_solver_dp.c: the exact DP and the bounds.
 *
 * - With loose storage the DP is exact: on 60 random instances (up to 12
 *   layers, 6 servers, 4 widths, both cost models, with and without an
 *   origin) its optimum equals lp_solve's on the plain flow formulation.
 * - With binding storage, caps or budgets, the DP value, the Lagrangian
 *   bound, the segment bound and the reported lower bound never exceed the
 *   ILP's optimum (60 instances), and on the small ones the DP value equals
 *   an exhaustive search that ignores storage, the cap and the budget.
 * - The presolve removes exactly the dominated options: under per_layer
 *   accuracy every cost grows with the width, so one option per layer
 *   remains; under a budget nothing is removed.
 * Tolerances: 1e-9 relative (the default mip_gap). */
#include <gsl/gsl_rng.h>

#include "tests/solver_fixture.h"
#include "tests/tap.h"

static void loose(gsl_rng *r) {
  for (int k = 0; k < 60; k++) {
    fixture_spec s = fixture_spec_draw(r, 6, 7, 3, 4, 2, 3);
    s.storage_lo = 2.0 * (double)s.M, s.storage_hi = 3.0 * (double)s.M; /* all fit anywhere */
    s.roofline = k % 2;
    s.origin = k % 3 == 0;
    s.prompt = k % 4 == 0;
    solver_instance *in = fixture_random(r, &s);
    solver_result dp = fixture_solve(in, SOLVER_METHOD_DP, 0, 1);
    solver_result ilp = fixture_solve(in, SOLVER_METHOD_ILP, 1, 0);
    ok(dp.status == SOLVER_OPTIMAL && ilp.status == SOLVER_OPTIMAL &&
           fabs(dp.objective - ilp.objective) <= 1e-9 * ilp.objective,
       "loose %d (L=%zu M=%zu B=%zu %s): DP %.12g equals plain ILP %.12g", k, s.L, s.M, s.B,
       s.roofline ? "roofline" : "paper", dp.objective, ilp.objective);
    ok_rel(dp.dp_bound, ilp.objective, 1e-9, "loose %d: the DP bound is the optimum", k);
    solver_result_clear(&dp);
    solver_result_clear(&ilp);
    solver_instance_free(in);
  }
}

static void binding(gsl_rng *r) {
  int small = 0, dp_fails = 0;
  for (int k = 0; k < 60; k++) {
    fixture_spec s = fixture_spec_draw(r, 4, 5, 2, 3, 1, 3);
    s.storage_lo = 1.2, s.storage_hi = 2.2;
    if (k % 3 == 1) s.cap = (int64_t)((s.L + s.M - 1) / s.M) + 1;
    if (k % 3 == 2) s.budget = 1;
    s.roofline = k % 2;
    solver_instance *in = fixture_random(r, &s);
    solver_result ilp = fixture_solve(in, SOLVER_METHOD_ILP, 1, 1);
    solver_result acc = fixture_solve(in, SOLVER_METHOD_ILP, 0, 1);
    if (ilp.status != SOLVER_OPTIMAL) {
      /* Infeasible draws carry no bound to compare; the brute-force test
       * covers infeasibility. */
      ok_int(ilp.status, SOLVER_INFEASIBLE, "binding %d: plain ILP is optimal or infeasible", k);
      ok_int(acc.status, SOLVER_INFEASIBLE, "binding %d: accelerated ILP agrees", k);
    } else {
      const double t = ilp.objective, tol = 1e-9 * t;
      ok(acc.dp_bound <= t + tol && acc.lagrangian_bound <= t + tol &&
             acc.segment_bound <= t + tol && acc.lower_bound <= t + tol,
         "binding %d (L=%zu M=%zu B=%zu%s%s): bounds dp %.9g, lagrangian %.9g, segment %.9g, "
         "lower %.9g <= optimum %.9g",
         k, s.L, s.M, s.B, s.cap ? " capped" : "", s.budget ? " budget" : "", acc.dp_bound,
         acc.lagrangian_bound, acc.segment_bound, acc.lower_bound, t);
      ok(acc.lagrangian_bound >= acc.dp_bound - tol && acc.segment_bound >= acc.dp_bound - tol,
         "binding %d: the Lagrangian and segment bounds are no weaker than the DP", k);
      ok_rel(acc.objective, t, 1e-9, "binding %d: accelerated ILP equals plain ILP", k);
    }
    if (s.L <= 5 && s.M <= 3) {
      small++;
      const double free_opt = brute_force(in, -1, -1, 1, NULL, NULL);
      ok_rel(acc.dp_bound, free_opt, 1e-9,
             "binding %d: the DP value equals brute force without storage, cap and budget", k);
    }
    solver_result dp = fixture_solve(in, SOLVER_METHOD_DP, 0, 1);
    if (dp.status == SOLVER_OPTIMAL)
      ok_rel(dp.objective, ilp.objective, 1e-9, "binding %d: a feasible DP path is optimal", k);
    else
      dp_fails++, ok(dp.placement == NULL && dp.diagnosis[0] != '\0',
                     "binding %d: a DP path that breaks a limit is reported, not returned", k);
    solver_result_clear(&dp);
    solver_result_clear(&ilp);
    solver_result_clear(&acc);
    solver_instance_free(in);
  }
  ok(small >= 10, "at least 10 instances small enough for brute force (%d)", small);
  ok(dp_fails >= 20, "the DP's path breaks a limit on at least 20 instances (%d)", dp_fails);
}

static void presolve(gsl_rng *r) {
  for (int k = 0; k < 6; k++) {
    fixture_spec s;
    memset(&s, 0, sizeof s);
    s.L = 5, s.M = 3, s.B = 3, s.storage_lo = 2, s.storage_hi = 3;
    s.roofline = k % 2;
    s.budget = k >= 4;
    solver_instance *in = fixture_random(r, &s);
    size_t allowed = 0;
    for (size_t i = 0; i < s.L * s.B; i++) allowed += in->allowed[i];
    solver_result res = fixture_solve(in, SOLVER_METHOD_ILP, 0, 1);
    ok_int((long long)res.presolve_total, (long long)allowed, "presolve %d: counts %zu allowed options",
           k, allowed);
    ok_int((long long)res.presolve_removed, s.budget ? 0 : (long long)(allowed - s.L),
           "presolve %d (%s, %s): removes %s", k, s.roofline ? "roofline" : "paper",
           s.budget ? "budget" : "per_layer", s.budget ? "nothing" : "all but one option per layer");
    solver_result_clear(&res);
    solver_instance_free(in);
  }
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  loose(r);
  binding(r);
  presolve(r);
  gsl_rng_free(r);
  return tap_done();
}
