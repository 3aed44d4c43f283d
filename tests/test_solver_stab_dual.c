/* test_solver_stab_dual.c: the storage-charged tables with the budget
 * relaxed by a multiplier (solver__stab_dual, stab_tune.c), and the budget
 * search that looks them up.
 *
 * The reference is an exhaustive search over the problem itself (every
 * server and option per layer, kept when solver__feasible accepts it,
 * costed by solver__eval), which shares nothing with the tables. On 300
 * instances (2-4 layers, 1-3 servers, 3-4 widths, the budget shapes of the
 * other budget tests) every feasible one must have:
 *   - the line search's bound at most the optimum, to 1e-9 relative, and
 *     at least the bound of every multiplier on a grid (0, and 24 values
 *     from 1e-4 to 1e4 times the one it chose) less the tables' float
 *     rounding (2L·1.7e-7 of the optimum; grid_holds says why): the dual
 *     is concave and piecewise linear, and the search claims its maximum;
 *   - every grid multiplier's bound (root - mu) at most the optimum;
 *   - every lookup the budget search makes along the optimal placement
 *     (the cost of layers 0..t plus the tables' value for the rest, minus
 *     mu times the error left after t) and the bound for all of a server's
 *     children at once (from the error left before t) at most the optimum;
 *   - the budget search with these tables and the budget tables (no
 *     others) finishing with the optimum, to 1e-9;
 *   - the same with random storage and cap multipliers on the tables
 *     (the lookups then take the placement's penalized cost less the
 *     multipliers' sum), and with multipliers tuned from none by
 *     solver__stab_lagrange, whose bound must be at most the optimum.
 * Planted bugs (checks failed of 761): the search's lookup (bsearch.c)
 * without "- mu times the error left" 82, the search missing the optimum;
 * the same lookup under multipliers without "- their sum" 41; the line
 * search without its steps inside the bracket (only 0 and the first
 * falling line) 157, on the grid check; the tuning's bound without "- mu"
 * (stab_tune.c) 157. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "tests/budget_fixture.h"

#define INSTANCES 300
#define GRID 24

/* The search's lookups in st (built at mu, and with pen's storage and cap
 * multipliers unless pen is NULL) along the optimal placement, with the
 * placement's cost under pen less the multipliers' sum; 1 if each is at
 * most want. */
static int lookups_hold(const solver__problem *pb, const solver__stab *st, double mu,
                        const solver__penalty *pen, double want, const int *bsrv, const int *bopt) {
  const size_t L = pb->L, M = pb->M;
  const double limit = pb->budget * (1 + 1e-9);
  const double pconst = solver__penalty_constant(pb, pen) * (1 + 1e-9);
  double *used = calloc(M, sizeof *used);
  if (used == NULL) abort();
  double cost = -pconst, spent = 0;
  int good = 1;
  for (size_t t = 0; good && t < L; t++) {
    const size_t j = (size_t)bsrv[t], g = (size_t)bopt[t];
    if (t > 0 && bsrv[t - 1] != bsrv[t]) cost += solver__cm(pb, (size_t)bopt[t - 1], (size_t)bsrv[t - 1], j);
    const double lb0 = cost + solver__stab_start(st, t, j, 0) - mu * (limit - spent) / pb->budget;
    if (!(lb0 <= want * (1 + 1e-9))) {
      diag("  start at layer %zu: %.12g > optimum %.12g", t, lb0, want);
      good = 0;
    }
    if (t + 1 == L) break;
    cost += solver__cost_x(pb, t, g, j) + solver__penalty_option(pb, pen, g, j);
    used[j] += pb->storage[g];
    spent += pb->error[g];
    const size_t r = solver__stab_room(st, j, pb->capacity[j] * (1 + 1e-9) - used[j]);
    const double lb = cost + solver__stab_after(st, t, j, g, r, 0) - mu * (limit - spent) / pb->budget;
    if (!(lb <= want * (1 + 1e-9))) {
      diag("  lookup at layer %zu: %.12g > optimum %.12g", t, lb, want);
      good = 0;
    }
  }
  free(used);
  return good;
}

/* The grid's bounds against want and against the line search's bound. */
static int grid_holds(const solver__problem *pb, double mu, double bound, double want) {
  solver__stab *st = solver__stab_alloc_units(pb, SOLVER__STAB_CELLS, NULL, 1);
  if (st == NULL) abort();
  int good = 1;
  for (int k = 0; k <= GRID && good; k++) {
    const double m = k == 0 ? 0.0 : (mu > 0 ? mu : 1.0) * pow(10.0, -4.0 + 8.0 * (k - 1) / (GRID - 1));
    if (solver__stab_build(st, NULL, m) != 0) abort();
    const double f = solver__stab_root(st) - m * (1 + 1e-9);
    if (!(f <= want * (1 + 1e-9))) {
      diag("  mu %.6g: bound %.12g > optimum %.12g", m, f, want);
      good = 0;
    }
    /* The same units as the line search's tables: a grid bound above
     * the search's can only come from a missed maximum, or from rounding.
     * The tables' entries are floats rounded down at each of at most 2L
     * steps, by at most 2^-24 and the 1e-7 of stab.c's down() each, so a
     * root is within 2L·1.7e-7 of the same DP in exact arithmetic, and
     * the search's lines, read from roots, are no closer. */
    const double tol = 2.0 * (double)pb->L * 1.7e-7 * fabs(want);
    if (!(f <= bound + tol)) {
      diag("  mu %.6g: bound %.12g above the line search's %.12g (mu %.6g)", m, f, bound, mu);
      good = 0;
    }
  }
  solver__stab_free(st);
  return good;
}

/* The tables at mu with random storage and cap multipliers (up to half
 * the optimum each, the scale of a useful multiplier): their root, less
 * the multipliers' sum and mu, and their lookups along the optimum must
 * be at most want, and the search with them must find it; then the same
 * tables with multipliers tuned from none (solver__stab_lagrange, 10
 * builds): the bound it reports must be at most want. */
static int pen_holds(gsl_rng *r, const solver__problem *pb, double mu, double want, const int *bsrv,
                     const int *bopt, const solver__btab *bt) {
  const size_t L = pb->L, M = pb->M;
  solver__penalty pen, tuned;
  solver__incumbent inc, scratch;
  if (solver__penalty_alloc(&pen, M) || solver__penalty_alloc(&tuned, M) ||
      solver__incumbent_init(&inc, L) || solver__incumbent_init(&scratch, L))
    abort();
  for (size_t i = 0; i < M; i++) {
    pen.storage[i] = fx_uniform(r, 0, 0.5 * want);
    pen.count[i] = pb->cap > 0 ? fx_uniform(r, 0, 0.5 * want) : 0;
  }
  solver__stab *st = solver__stab_alloc_units(pb, SOLVER__STAB_CELLS, NULL, 1);
  if (st == NULL || solver__stab_build(st, &pen, mu) != 0) abort();
  const double root = solver__stab_root(st) - (solver__penalty_constant(pb, &pen) + mu) * (1 + 1e-9);
  int good = root <= want * (1 + 1e-9);
  if (!good) diag("  drawn multipliers: root %.12g > optimum %.12g", root, want);
  good = lookups_hold(pb, st, mu, &pen, want, bsrv, bopt) && good;
  const solver__bdual dual = {NULL, 0, NULL, 0, st, mu, &pen};
  long long nodes = 0;
  const int done = solver__bsearch(pb, bt, NULL, NULL, NULL, NULL, NULL, NULL, &dual, 0.0, &inc, 0.0,
                                   LLONG_MAX, 0, &nodes, NULL);
  if (!(done == 1 && fabs(inc.value - want) <= 1e-9 * want)) {
    diag("  drawn multipliers: the search found %.12g, optimum %.12g", inc.value, want);
    good = 0;
  }
  /* Tuned from none, toward the optimum as the incumbent. */
  if (solver__stab_build(st, NULL, mu) != 0) abort();
  solver__incumbent_offer(&scratch, pb, bsrv, bopt);
  double bound = -INFINITY;
  if (solver__stab_lagrange(pb, &tuned, st, &scratch, 10, 0.0, 0, &bound) != 0) abort();
  if (!(bound <= want * (1 + 1e-9))) {
    diag("  tuned multipliers: bound %.12g > optimum %.12g", bound, want);
    good = 0;
  }
  good = lookups_hold(pb, st, mu, &tuned, want, bsrv, bopt) && good;
  solver__stab_free(st);
  solver__penalty_free(&pen);
  solver__penalty_free(&tuned);
  solver__incumbent_clear(&inc);
  solver__incumbent_clear(&scratch);
  return good;
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261207);
  int feasible = 0, used_mu = 0;
  for (int k = 0; k < INSTANCES; k++) {
    solver_instance *in = budget_small_instance(r, k); /* exhaustive over it: small */
    const size_t L = in->n_layers, B = in->n_bits;
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    int *bsrv = calloc(L, sizeof *bsrv), *bopt = calloc(L, sizeof *bopt);
    if (bsrv == NULL || bopt == NULL) abort();
    const double want = budget_enumerate(pb, bsrv, bopt);
    solver__incumbent scratch, inc;
    if (solver__incumbent_init(&scratch, L) || solver__incumbent_init(&inc, L)) abort();
    double mu = NAN, bound = NAN;
    solver__stab *st = solver__stab_dual(pb, 0.0, &scratch, 0, &mu, &bound);
    if (isfinite(want) && st != NULL) {
      feasible++;
      used_mu += mu > 0;
      ok(bound <= want * (1 + 1e-9) && grid_holds(pb, mu, bound, want) &&
             lookups_hold(pb, st, mu, NULL, want, bsrv, bopt),
         "instance %d (L=%zu M=%zu B=%zu): budget-relaxed tables' bound %.12g (mu %.6g) <= "
         "optimum %.12g, the grid's maximum",
         k, L, pb->M, B, bound, mu, want);
      solver__btab *bt = solver__btab_alloc(pb, NULL);
      if (bt == NULL) abort();
      const solver__bdual dual = {NULL, 0, NULL, 0, st, mu, NULL};
      long long nodes = 0;
      const int done = solver__bsearch(pb, bt, NULL, NULL, NULL, NULL, NULL, NULL, &dual, 0.0, &inc, 0.0,
                                       LLONG_MAX, 0, &nodes, NULL);
      ok(done == 1 && fabs(inc.value - want) <= 1e-9 * want,
         "instance %d: the search with them finds the optimum %.12g (got %.12g, %lld nodes)", k, want,
         inc.value, nodes);
      ok(pen_holds(r, pb, mu, want, bsrv, bopt, bt),
         "instance %d: with storage and cap multipliers, drawn and tuned, the bounds are <= "
         "optimum %.12g and the search finds it",
         k, want);
      solver__btab_free(bt);
    }
    solver__stab_free(st);
    solver__incumbent_clear(&scratch);
    solver__incumbent_clear(&inc);
    free(bsrv), free(bopt);
    solver__problem_free(pb);
    solver_instance_free(in);
  }
  ok(feasible >= 200, "at least 200 feasible instances with tables (%d)", feasible);
  ok(used_mu >= 100, "at least 100 with a positive multiplier, the budget binding (%d)", used_mu);
  gsl_rng_free(r);
  return tap_done();
}
