/* test_solver_brute.c: both ILP formulations, with and without the
 * structural acceleration, against exhaustive search on 240 tiny random
 * instances (L <= 5, M <= 3, |B| <= 3). Each instance is solved five ways:
 * plain lp_solve in each formulation, the accelerated pipeline in each
 * formulation (where the segment search usually gives the proof), and the
 * accelerated pipeline without the segment search, so that lp_solve's
 * path with bound-based fixing and the cutoff row is checked on every
 * instance too (the formulation alternates).
 *
 * The instances cycle through six shapes so that every constraint is
 * exercised: loose storage, storage that binds, a layer cap, an error
 * budget, the roofline cost model with an origin and missing routes, and a
 * cloud node with a prefill pass. Objectives must agree to 1e-9 relative
 * (the default mip_gap); infeasibility must agree exactly. */
#include <gsl/gsl_rng.h>

#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 240

static const char *shape_name[6] = {"loose", "storage-binding", "capped", "budget",
                                    "roofline+origin+holes", "cloud+prefill"};

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20240603);
  int binding = 0, infeasible = 0, capped = 0; /* capped: instances where the cap binds */
  int by_shape[6][2] = {{0}};
  int proofs[5] = {0};    /* accelerated solves by how optimality was proven */
  int no_search[5] = {0}; /* the same without the segment search */
  for (int k = 0; k < INSTANCES; k++) {
    const fixture_spec s = fixture_spec_mixed(r, k);
    solver_instance *in = fixture_random(r, &s);
    const double want = brute_force(in, -1, -1, 0, NULL, NULL);
    const double free_opt = brute_force(in, -1, -1, 1, NULL, NULL);
    if (!isfinite(want)) infeasible++, by_shape[k % 6][1]++;
    else if (want > free_opt * (1 + 1e-12)) binding++, by_shape[k % 6][0]++;
    if (s.cap > 0) {
      /* The cap binds when lifting it (storage and all else kept) lowers
       * the optimum or makes an infeasible instance feasible. */
      in->max_layers = 0;
      const double uncapped = brute_force(in, -1, -1, 0, NULL, NULL);
      in->max_layers = s.cap;
      if (isfinite(want) ? want > uncapped * (1 + 1e-12) : isfinite(uncapped)) capped++;
    }
    for (int v = 0; v < 5; v++) {
      const solver_formulation f = (v < 4 ? v : k) & 1 ? SOLVER_FORM_PAPER : SOLVER_FORM_FLOW;
      const int plain = v < 2;
      /* Presolve alternates with the instance so both settings are covered. */
      solver_options o = fixture_options(SOLVER_METHOD_ILP, f, plain, k % 2);
      if (v == 4) o.search_budget = -1;
      solver_result res;
      sim_error err;
      sim_error_clear(&err);
      const int rc = solver_solve(in, &o, &res, &err);
      const char *tag = plain ? "plain" : v < 4 ? "accelerated" : "accelerated, no search";
      if (rc != SIM_OK) {
        ok(0, "instance %d (%s): %s %s solve failed: %s", k, shape_name[k % 6],
           solver_formulation_name(f), tag, err.msg);
      } else if (!isfinite(want)) {
        ok_int(res.status, SOLVER_INFEASIBLE, "instance %d (%s, L=%zu M=%zu B=%zu): %s %s says infeasible",
               k, shape_name[k % 6], s.L, s.M, s.B, solver_formulation_name(f), tag);
      } else {
        ok(res.status == SOLVER_OPTIMAL && fabs(res.objective - want) <= 1e-9 * want,
           "instance %d (%s, L=%zu M=%zu B=%zu): %s %s optimum %.12g equals brute force %.12g",
           k, shape_name[k % 6], s.L, s.M, s.B, solver_formulation_name(f), tag, res.objective, want);
        if (res.status != SOLVER_OPTIMAL) diag("  status %s", solver_status_name(res.status));
        if (v == 2 || v == 3) proofs[res.proof]++;
        if (v == 4) no_search[res.proof]++;
      }
      solver_result_clear(&res);
    }
    solver_instance_free(in);
  }
  /* The mix must really contain binding storage, caps and infeasible cases,
   * or the comparisons above would prove less than they claim. */
  diag("%d instances where storage, the cap or the budget binds, %d infeasible, %d where the cap binds",
       binding, infeasible, capped);
  for (int k = 0; k < 6; k++)
    diag("  %-22s %2d binding, %2d infeasible", shape_name[k], by_shape[k][0], by_shape[k][1]);
  diag("accelerated proofs: %d dp, %d bound, %d ilp (with cutoff and fixing), %d search",
       proofs[SOLVER_PROOF_DP], proofs[SOLVER_PROOF_BOUND], proofs[SOLVER_PROOF_ILP],
       proofs[SOLVER_PROOF_SEARCH]);
  diag("without the search: %d dp, %d bound, %d ilp", no_search[SOLVER_PROOF_DP],
       no_search[SOLVER_PROOF_BOUND], no_search[SOLVER_PROOF_ILP]);
  ok(proofs[SOLVER_PROOF_SEARCH] >= 20, "the segment search gave the proof on at least 20 solves (%d)",
     proofs[SOLVER_PROOF_SEARCH]);
  /* 19 under this seed: since the bounds that see the budget prove most of
   * the budget shape's instances, lp_solve's path is left to the other
   * shapes here; test_solver_budget checks it under budgets. */
  ok(no_search[SOLVER_PROOF_ILP] >= 12,
     "the accelerated lp_solve path gave the proof on at least 12 solves (%d)",
     no_search[SOLVER_PROOF_ILP]);
  ok(binding >= 60, "at least 60 of %d instances have binding constraints (%d)", INSTANCES, binding);
  ok(infeasible >= 5, "at least 5 infeasible instances (%d)", infeasible);
  /* 40 of the 240 instances have a cap (k % 6 == 2), drawn uniformly in
   * [1, L]; it binds only when it is below the number of layers the
   * uncapped optimum puts on one server, so merely having a cap proves
   * nothing. Under this seed the cap binds on 25 of the 40. The floor of
   * 15 sits well
   * below 25, so it is not tuned to the seed, yet far above 0: it fails if
   * the capped shape stops exercising the cap (e.g. a cap drawn >= L). */
  ok(capped >= 15, "the cap binds on at least 15 of the 40 capped instances (%d)", capped);
  gsl_rng_free(r);
  return tap_done();
}
