/* test_solver_throughput.c: the throughput objective against exhaustive
 * search on 180 tiny random instances (L <= 5, M <= 3, |B| <= 3), in the
 * six shapes of test_solver_brute.c (loose and binding storage, a layer cap,
 * an error budget, roofline with an origin and missing routes, a cloud node
 * with a prefill pass). The brute force enumerates every (server, bits)
 * assignment, keeps those the independent checker accepts, and takes the
 * smallest solver_bottleneck and, among the placements within 1e-9 of it,
 * the smallest T. Every third instance also carries a latency cap halfway
 * between the smallest T and the T of the throughput optimum, so that the
 * combined form is exercised where the cap binds. The solver's bottleneck
 * must equal the brute force's to 1e-9 relative (sums of the same terms in
 * another order), its T too, and infeasibility must agree. A few
 * hand-computed cases check solver_bottleneck itself. */
#include <gsl/gsl_rng.h>

#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 180

typedef struct {
  const solver_instance *in;
  solver_placement *p;
  double cap;           /* T <= cap, 0: none */
  double best_t, best_T;
} tbrute;

static void tbrute_dfs(tbrute *bf, size_t l) {
  const solver_instance *in = bf->in;
  if (l == in->n_layers) {
    sim_error e;
    sim_error_clear(&e);
    double T;
    if (solver_check(in, bf->p, &T, &e) != SIM_OK) return;
    if (bf->cap > 0 && T > bf->cap) return;
    const double t = solver_bottleneck(in, bf->p, NULL);
    if (t < bf->best_t * (1 - 1e-9)) bf->best_t = t, bf->best_T = T;
    else if (t <= bf->best_t * (1 + 1e-9) && T < bf->best_T) bf->best_T = T;
    return;
  }
  for (size_t i = 0; i < in->n_servers; i++)
    for (size_t b = 0; b < in->n_bits; b++) {
      if (!solver_instance_allowed(in, l, b)) continue;
      bf->p->server[l] = (int)i;
      bf->p->bits[l] = (int)b;
      tbrute_dfs(bf, l + 1);
    }
}

static void tbrute_run(const solver_instance *in, double cap, double *t, double *T) {
  tbrute bf = {in, solver_placement_alloc(in->n_layers), cap, INFINITY, INFINITY};
  if (bf.p == NULL) abort();
  tbrute_dfs(&bf, 0);
  solver_placement_free(bf.p);
  *t = bf.best_t;
  *T = bf.best_T;
}

static solver_result solve_tp(const solver_instance *in, solver_method m, double cap) {
  solver_options o = fixture_options(m, SOLVER_FORM_FLOW, 0, 1);
  o.objective = SOLVER_OBJECTIVE_THROUGHPUT;
  o.latency_cap = cap;
  solver_result res;
  fixture_solve_with(in, &o, &res);
  return res;
}

/* The bottleneck of a hand placement on the two-server chain of
 * instance_shell.h-like numbers, written out. */
static void test_hand(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  fixture_spec s = fixture_spec_draw(r, 3, 1, 2, 1, 1, 1);
  s.storage_lo = 4.0, s.storage_hi = 8.0;
  solver_instance *in = fixture_random(r, &s);
  solver_placement *p = solver_placement_alloc(3);
  const size_t b = in->n_bits - 1;
  p->server[0] = 0, p->server[1] = 1, p->server[2] = 0;
  for (int l = 0; l < 3; l++) p->bits[l] = (int)b;
  /* Server 0 runs layers 0 and 2 and sends layer 0's output; server 1 runs
   * layer 1 and sends its output back to server 0. */
  const double w0 = solver_pass_compute(in, 0, 0, b, 1) + solver_pass_compute(in, 2, 0, b, 1) +
                    solver_pass_transfer(in, 0, 0, 1, b, 1);
  const double w1 = solver_pass_compute(in, 1, 1, b, 1) + solver_pass_transfer(in, 1, 1, 0, b, 1);
  int at = -1;
  const double t = solver_bottleneck(in, p, &at);
  ok_rel(t, w0 > w1 ? w0 : w1, 1e-15, "solver_bottleneck adds both segments of a repeated server");
  ok_int(at, w0 > w1 ? 0 : 1, "and names the bottleneck server");
  solver_placement_free(p);
  solver_instance_free(in);
  gsl_rng_free(r);
}

int main(void) {
  test_hand();
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261204);
  int agree_t = 0, agree_T = 0, agree_inf = 0, optimal = 0, feasible = 0, capped = 0;
  int proofs[5] = {0};
  for (int k = 0; k < INSTANCES; k++) {
    const fixture_spec s = fixture_spec_mixed(r, k);
    solver_instance *in = fixture_random(r, &s);
    double want_t, want_T, cap = 0;
    tbrute_run(in, 0, &want_t, &want_T);
    if (k % 3 == 2 && isfinite(want_t)) {
      /* A cap between the latency optimum and the throughput optimum's T. */
      double lat_t, lat_T;
      solver_result lr = fixture_solve(in, SOLVER_METHOD_ILP, 0, 1);
      lat_T = lr.objective;
      solver_result_clear(&lr);
      cap = 0.5 * (lat_T + want_T);
      tbrute_run(in, cap, &lat_t, &want_T);
      want_t = lat_t;
      capped++;
    }
    solver_result res = solve_tp(in, SOLVER_METHOD_ILP, cap);
    if (!isfinite(want_t)) {
      agree_inf += res.status == SOLVER_INFEASIBLE;
      if (res.status != SOLVER_INFEASIBLE) diag("instance %d: brute force infeasible, solver %s", k, solver_status_name(res.status));
    } else {
      feasible++;
      const int t_ok = res.placement != NULL && fabs(res.bottleneck - want_t) <= 1e-9 * want_t;
      const int T_ok = res.placement != NULL && fabs(res.objective - want_T) <= 1e-9 * want_T;
      agree_t += t_ok;
      agree_T += T_ok;
      optimal += res.status == SOLVER_OPTIMAL;
      if ((unsigned)res.proof < 5) proofs[res.proof]++;
      if (!t_ok || !T_ok)
        diag("instance %d (shape %d, cap %g): bottleneck %.17g want %.17g, T %.17g want %.17g (%s)", k,
             k % 6, cap, res.bottleneck, want_t, res.objective, want_T, solver_status_name(res.status));
    }
    solver_result_clear(&res);
    solver_instance_free(in);
  }
  diag("%d feasible, %d capped; proofs: dp %d, search %d", feasible, capped, proofs[SOLVER_PROOF_DP],
       proofs[SOLVER_PROOF_SEARCH]);
  ok(feasible >= 100, "at least 100 feasible instances (%d)", feasible);
  ok_int(agree_t, feasible, "the bottleneck equals brute force on every feasible instance");
  ok_int(agree_T, feasible, "T equals brute force's among the fastest placements");
  ok_int(optimal, feasible, "every feasible instance is proven optimal");
  ok_int(agree_inf, INSTANCES - feasible, "infeasibility agrees");
  ok(proofs[SOLVER_PROOF_DP] > 0 && proofs[SOLVER_PROOF_SEARCH] > 0,
     "both the DP and the search give proofs");
  gsl_rng_free(r);
  return tap_done();
}
