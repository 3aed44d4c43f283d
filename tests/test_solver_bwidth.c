/* test_solver_bwidth.c: the budget search's dual tables and the alternating
 * widths/placement incumbents (solver/budget.c, solver/bwidth.c) against
 * exhaustive search on 240 tiny random instances (L <= 6, M <= 3, 3 or 4
 * widths, a budget of 0.25-0.85 of what the cheapest widths spend).
 *
 * The dual tables (solver__btab_alloc_dual): for a multiplier mu drawn in
 * [0, 2] times the optimum (s per budget), with and without random storage
 * multipliers π, the root minus mu·E'/E (and minus Σ π) must be at most the
 * optimum, and so must every lookup the budget search makes along the brute
 * force's optimal placement: the cost of layers 0..t (penalized, with π),
 * plus the table's value for layer t on its server with the room the
 * search computes, minus mu times the error left over the budget (minus
 * Σ π). Any mu >= 0 and π >= 0 give a valid bound, so no tolerance beyond
 * the 1e-9 relative of summing in another order is needed. A planted bug
 * that charges each option twice mu·err/E in the tables fails 46 of these
 * checks.
 *
 * solver__alternate_widths, started from the greedy placement: the
 * incumbent after it must be feasible, at least the optimum, at most the
 * greedy, and at most the best placement with the greedy's widths fixed
 * (found independently, by exhaustive search on a copy of the instance
 * that allows only those widths), since its first step solves exactly that
 * problem. It must beat the greedy on some instances (it does on 107). A
 * planted bug that maps each width back to the layer's first option fails
 * on 16 instances. */
#include <gsl/gsl_rng.h>

#include "solver/internal_budget.h"
#include "tests/budget_fixture.h"
#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 240

/* The dual tables at multiplier mu (and storage multipliers when pen is
 * not NULL) along the optimal placement (bsrv, bbits). */
static int dual_ok(const solver__problem *pb, const solver__penalty *pen, double mu,
                   const int *bsrv, const int *bbits, double want) {
  const size_t L = pb->L, M = pb->M;
  solver__btab *bd = solver__btab_alloc_dual(pb, pen, mu);
  if (bd == NULL) return 0;
  solver__penalty np = {NULL, NULL, 0};
  if (pen != NULL) np.storage = pen->storage, np.count = pen->count;
  const double pconst = pen != NULL ? solver__penalty_constant(pb, &np) * (1 + 1e-9) : 0.0;
  const double limit = pb->budget * (1 + 1e-9);
  int good = solver__btab_root(bd) - mu * (1 + 1e-9) - pconst <= want * (1 + 1e-9);
  if (!good) diag("  dual root %.12g > optimum %.12g", solver__btab_root(bd) - mu - pconst, want);
  int *opt = malloc(L * sizeof *opt);
  double *used = calloc(M, sizeof *used);
  size_t *count = calloc(M, sizeof *count);
  if (opt == NULL || used == NULL || count == NULL) abort();
  int placed = 1;
  for (size_t l = 0; l < L; l++) {
    opt[l] = -1;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      if (pb->opt_bits[g] == bbits[l]) opt[l] = (int)g;
    placed &= opt[l] >= 0;
  }
  double cost = 0, spent = 0;
  for (size_t t = 0; placed && t + 1 < L; t++) {
    const size_t j = (size_t)bsrv[t], g = (size_t)opt[t];
    if (t > 0 && bsrv[t - 1] != bsrv[t])
      cost += solver__cm(pb, (size_t)opt[t - 1], (size_t)bsrv[t - 1], j);
    cost += solver__cost_x(pb, t, g, j) + (pen != NULL ? solver__penalty_option(pb, &np, g, j) : 0);
    used[j] += pb->storage[g];
    count[j]++;
    spent += pb->error[g];
    const size_t k = solver__btab_room_after(pb, bd, t, j, used[j], count[j]);
    /* The room by hand: the smallest storages of the next layers added one
     * by one up to j's capacity, the cap and the tables' reach. The prefix
     * sums may round a hair up (k one larger at an exact tie), never down. */
    size_t kr = 0;
    for (double b = used[j]; kr < solver__btab_reach(bd, t, j); kr++) {
      b += pb->smin[t + kr + 1];
      if (b > pb->capacity[j] * (1 + 1e-9) || (pb->cap > 0 && count[j] + kr + 1 > (size_t)pb->cap))
        break;
    }
    if (k < kr || k > kr + 1) {
      diag("  room after layer %zu on %zu: %zu, by hand %zu", t, j, k, kr);
      good = 0;
    }
    /* The scan down from a child with fewer bytes gives the binary search's k. */
    for (int step = 1; step <= 3; step++) {
      const double more = used[j] + step * 0.5 * pb->smin[t + 1];
      const size_t kb = solver__btab_room_below(pb, bd, t, j, more, count[j], k);
      if (kb != solver__btab_room_after(pb, bd, t, j, more, count[j])) {
        diag("  room below at layer %zu on %zu, step %d: %zu", t, j, step, kb);
        good = 0;
      }
    }
    const double lb = cost + solver__btab_after(bd, t, j, k, 0) - mu * (limit - spent) / pb->budget -
                      pconst;
    if (!(lb <= want * (1 + 1e-9))) {
      diag("  dual lookup at layer %zu (mu %.6g): %.12g > optimum %.12g", t, mu, lb, want);
      good = 0;
    }
  }
  free(opt), free(used), free(count);
  solver__btab_free(bd);
  return good;
}

/* solver__alternate_widths from the greedy placement; *helps gets 1 when
 * it beats the greedy. Returns 1 if it holds (or the greedy finds none). */
static int alternate_ok(const solver_instance *in, const solver__problem *pb, double want,
                        int *helps) {
  const size_t L = pb->L, B = in->n_bits;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  solver__incumbent inc;
  if (srv == NULL || opt == NULL || solver__incumbent_init(&inc, L)) abort();
  int good = 1;
  *helps = 0;
  if (isfinite(want) && solver__greedy(pb, srv, opt) && solver__incumbent_offer(&inc, pb, srv, opt)) {
    const double greedy = inc.value;
    /* The best placement with the greedy's widths, by exhaustive search. */
    solver_instance fixed = *in;
    unsigned char *allowed = calloc(L * B, 1);
    if (allowed == NULL) abort();
    for (size_t l = 0; l < L; l++) allowed[l * B + (size_t)pb->opt_bits[opt[l]]] = 1;
    fixed.allowed = allowed;
    const double fixed_best = brute_force(&fixed, -1, -1, 0, NULL, NULL);
    free(allowed);
    if (solver__alternate_widths(pb, &inc, INFINITY) != 0) good = 0;
    good = good && solver__feasible(pb, inc.srv, inc.opt) &&
           fabs(solver__eval(pb, inc.srv, inc.opt) - inc.value) <= 1e-12 * inc.value &&
           inc.value >= want * (1 - 1e-9) && inc.value <= greedy &&
           inc.value <= fixed_best * (1 + 1e-9);
    if (!good)
      diag("  alternated %.12g, greedy %.12g, best with its widths %.12g, optimum %.12g", inc.value,
           greedy, fixed_best, want);
    *helps = inc.value < greedy * (1 - 1e-12);
  }
  solver__incumbent_clear(&inc);
  free(srv), free(opt);
  return good;
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261205);
  int feasible = 0, helps_total = 0;
  for (int k = 0; k < INSTANCES; k++) {
    solver_instance *in = budget_instance(r, k);
    const size_t L = in->n_layers, B = in->n_bits, M = in->n_servers;
    int *bsrv = calloc(L, sizeof *bsrv), *bbits = calloc(L, sizeof *bbits);
    if (bsrv == NULL || bbits == NULL) abort();
    const double want = brute_force(in, -1, -1, 0, bsrv, bbits);
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    if (isfinite(want)) {
      feasible++;
      const double mu = fx_uniform(r, 0.0, 2.0) * want;
      ok(dual_ok(pb, NULL, mu, bsrv, bbits, want),
         "instance %d (L=%zu M=%zu B=%zu): dual tables at mu %.6g <= optimum %.12g", k, L, M, B,
         mu, want);
      solver__penalty pen = {NULL, NULL, 0};
      if (solver__penalty_alloc(&pen, M)) abort();
      for (size_t j = 0; j < M; j++) {
        pen.storage[j] = fx_uniform(r, 0.0, 0.5) * want;
        pen.count[j] = pb->cap > 0 ? fx_uniform(r, 0.0, 0.2) * want : 0.0;
      }
      ok(dual_ok(pb, &pen, mu, bsrv, bbits, want),
         "instance %d: dual tables with storage multipliers <= optimum %.12g", k, want);
      solver__penalty_free(&pen);
    }
    int helps = 0;
    ok(alternate_ok(in, pb, want, &helps),
       "instance %d: alternated widths and placement feasible, >= optimum, <= greedy and <= the "
       "best placement with the greedy's widths", k);
    helps_total += helps;
    solver__problem_free(pb);
    free(bsrv), free(bbits);
    solver_instance_free(in);
  }
  ok(feasible >= 150, "at least 150 feasible instances (%d)", feasible);
  ok(helps_total >= 10, "alternating beat the greedy on at least 10 instances (%d)", helps_total);
  gsl_rng_free(r);
  return tap_done();
}
