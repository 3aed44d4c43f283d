/* stab_tune.c: multipliers tuned for the storage-charged tables (stab.c):
 * the storage and cap multipliers of the penalized tables, and the budget's
 * multiplier of the tables that relax the budget instead of counting it.
 * Any multipliers give a lower bound; these look for the highest. */
#include "solver/internal_budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The storage and cap multipliers tuned for the tables.
 *
 * Why: the tables are built under the segment Lagrangian's storage
 * multipliers, which were tuned for the segment DP at the narrowest widths.
 * A path of these tables that reuses a fast server past its storage (a
 * segment on it, one layer on a relay, another segment on it) is charged
 * only through them; on bench-budget M = 12 run 12 such a path held 427 MB
 * on a 144 MB server, and multipliers tuned for these tables raised the
 * root from 4.198 to 4.292 s (optimum 4.369 s), so that the search
 * finished. Any multipliers give a valid bound (a placement's cost is at
 * least its penalized cost minus their sum), so the ascent needs no
 * convergence for soundness. Iterations without a better bound before θ is
 * halved, and the smallest θ worth another step (as in lagrange.c).
 *
 * The ascent's iterations build tables with an eighth of the entries
 * (coarser units), and only the multipliers they choose are built at full
 * size, once. Why: the builds were nearly all of the tuning's time (30 of
 * 12 ms at M = 24), and the multipliers the small tables choose serve the
 * search about as well: on bench-budget runs 0-19 at M = 24 and 48 the
 * search nodes after the tuning were within a few percent in total, some
 * runs more and some fewer, and the tuning took an eighth of the time
 * (docs/solver.md). */
#define STAB_STALL 4
#define STAB_THETA_MIN 1e-3
#define STAB_TUNE_CELLS (SOLVER__STAB_CELLS / 8)

int solver__stab_lagrange(const solver__problem *pb, solver__penalty *pen, solver__stab *st,
                          solver__incumbent *inc, int max_iter, double gap, double deadline,
                          double *bound) {
  const size_t L = pb->L, M = pb->M;
  solver__penalty w = {NULL, NULL, 0};
  solver__stab *small = NULL;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  double *used = malloc(M * sizeof *used), *gs = malloc(M * sizeof *gs);
  double *gc = malloc(M * sizeof *gc);
  size_t *count = malloc(M * sizeof *count);
  int rc = -1;
  *bound = -INFINITY;
  if (!srv || !opt || !used || !gs || !gc || !count || solver__penalty_alloc(&w, M) != 0) goto done;
  memcpy(w.storage, pen->storage, M * sizeof *w.storage);
  memcpy(w.count, pen->count, M * sizeof *w.count);
  w.error = pen->error = 0;
  double best = -INFINITY, theta = 1.0;
  int stall = 0;
  /* Whether st holds the values of the best multipliers (it is built with
   * pen's, the first iterate, on entry). Rebuilding in place spares the
   * kernel clearing fresh pages for every build, which had been as much as
   * the builds themselves. */
  int holds_best = 0;
  /* The tables the iterations build: small ones when they can be had,
   * else st itself (which holds the first iterate's values already). */
  /* The budget relaxed (dual tables): by the same multiplier throughout. */
  const double mu = solver__stab_mu(st);
  small = solver__stab_alloc_units(pb, STAB_TUNE_CELLS, st, solver__stab_is_dual(st));
  solver__stab *tt = small != NULL ? small : st;
  for (int it = 0; it < max_iter; it++) {
    if ((it > 0 || tt != st) && solver__stab_build(tt, &w, mu) != 0) goto done;
    const double b = solver__stab_root(tt) - (solver__penalty_constant(pb, &w) + mu) * (1 + 1e-9);
    holds_best = 0;
    if (b > best) {
      best = b, stall = 0, holds_best = tt == st;
      memcpy(pen->storage, w.storage, M * sizeof *w.storage);
      memcpy(pen->count, w.count, M * sizeof *w.count);
    } else if (++stall >= STAB_STALL) {
      theta /= 2, stall = 0;
    }
    const int have = isfinite(solver__stab_root(tt)) && solver__stab_path(tt, srv, opt);
    if (!have) break;
    /* Offered as it is, not repaired: on bench-budget runs 0-19 at M = 24
     * and 48 no repaired path of the 30 iterations ever beat the
     * incumbent (the every-order DP before the tuning had found it), and
     * the repairs took 0.1-0.2 s of a 1 s solve at M = 48. */
    solver__incumbent_offer(inc, pb, srv, opt);
    if (isfinite(inc->value) && best >= inc->value * (1 - gap)) break;
    if (theta < STAB_THETA_MIN || solver__expired(deadline)) break;
    solver__usage(pb, srv, opt, used, count);
    double norm = 0;
    for (size_t i = 0; i < M; i++) {
      gs[i] = pb->capacity[i] > 0 && pb->usable[i] ? used[i] / pb->capacity[i] - 1 : 0;
      if (w.storage[i] <= 0 && gs[i] < 0) gs[i] = 0;
      gc[i] = pb->cap > 0 ? (double)count[i] / (double)pb->cap - 1 : 0;
      if (w.count[i] <= 0 && gc[i] < 0) gc[i] = 0;
      norm += gs[i] * gs[i] + gc[i] * gc[i];
    }
    if (norm <= 0 || !isfinite(inc->value) || inc->value <= b) break;
    const double step = theta * (inc->value - b) / norm;
    for (size_t i = 0; i < M; i++) {
      w.storage[i] = fmax(0.0, w.storage[i] + step * gs[i]);
      w.count[i] = fmax(0.0, w.count[i] + step * gc[i]);
    }
  }
  /* st ends with pen's multipliers (the best, or the first iterate when no
   * bound was finite), borrowing pen's arrays: when it holds their values
   * already, only the borrowed arrays change. */
  if (holds_best) {
    solver__stab_borrow(st, pen);
  } else if (solver__stab_build(st, pen, mu) != 0) {
    goto done;
  }
  /* Both tables' roots under pen are bounds (the small tables' units are
   * coarser, not wrong), and either may be the higher. */
  if (best > -INFINITY) *bound = fmax(best, solver__stab_root(st) - (solver__penalty_constant(pb, pen) + mu) * (1 + 1e-9));
  rc = 0;
done:
  solver__stab_free(small);
  solver__penalty_free(&w);
  free(srv), free(opt), free(used), free(gs), free(gc), free(count);
  return rc;
}

/* The budget relaxed: which multiplier.
 *
 * Why these tables: on long chains of small layers the error and the
 * storage cannot both be counted in units fine enough within the tables'
 * memory. OPT-350m at `linear` granularity (149 layers, M = 16) gets
 * 7.2 MB storage units for 1 MB layers, so the storage-charged tables
 * charge a segment almost nothing for its widths, and their bound sat
 * below the per_layer optimum. Without error units the same memory holds
 * 0.07 MB units, and relaxing the one budget row over 149 layers loses
 * little: on run 0 at M = 16 the best bound rose from 2.970 to 3.130 s
 * (best placement 3.150 s). On bench-budget's 26 blocks it is weaker than
 * the tables that keep the budget (3.49 against 3.52 s on M = 24 run 0),
 * which is why exact.c builds it only when those have coarse units.
 *
 * The line search. For each path P of the relaxation, root(mu) <= C_P +
 * mu·e_P (e_P its error over the budget), with equality at the mu whose
 * tables it is the path of; so f(mu) = root(mu) - mu·(1 + 1e-9) is
 * concave and piecewise linear, and the path met at mu gives the line
 * through f(mu) with slope e_P - (1 + 1e-9), a supergradient. A bracket
 * [lo, hi] with a rising line at lo and a falling one at hi holds the
 * maximum; the next mu is where the two lines cross, and the search stops
 * when f there meets them (the maximum, up to rounding), after
 * STAB_DUAL_STEPS builds, or at the deadline. */
#define STAB_DUAL_STEPS 12

typedef struct {
  double mu, f; /* the multiplier, s per budget, and the bound root - mu·(1 + 1e-9), s */
  double slope; /* e_P - (1 + 1e-9) of the path met, NAN without one */
  double icpt;  /* the line's value at mu = 0, s: f - mu·slope */
} dual_point;

/* Builds st at mu and reads its bound and path (repaired and offered to
 * inc). Returns 0, or -1 without memory. */
static int dual_eval(const solver__problem *pb, solver__stab *st, double mu,
                     solver__incumbent *inc, int *srv, int *opt, double *used, size_t *count,
                     double deadline, dual_point *p) {
  if (solver__stab_build(st, NULL, mu) != 0) return -1;
  const double slack = 1 + 1e-9;
  p->mu = mu;
  p->f = solver__stab_root(st) - mu * slack;
  p->slope = NAN;
  if (isfinite(p->f) && solver__stab_path(st, srv, opt)) {
    p->slope = solver__usage(pb, srv, opt, used, count) / pb->budget - slack;
    if (!solver__incumbent_offer(inc, pb, srv, opt)) solver__repair(pb, inc, srv, opt, deadline);
  }
  p->icpt = p->f - mu * p->slope;
  return 0;
}

solver__stab *solver__stab_dual(const solver__problem *pb, double mu0, solver__incumbent *inc,
                                double deadline, double *mu, double *bound) {
  const size_t L = pb->L, M = pb->M;
  solver__stab *st = solver__stab_alloc_units(pb, SOLVER__STAB_CELLS, NULL, 1);
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  double *used = malloc(M * sizeof *used);
  size_t *count = malloc(M * sizeof *count);
  int ok = 0;
  double built = NAN; /* the multiplier st holds */
  dual_point lo, hi, p, best;
  if (st == NULL || !srv || !opt || !used || !count) goto done;
  if (dual_eval(pb, st, 0, inc, srv, opt, used, count, deadline, &lo) != 0) goto done;
  built = 0, best = lo;
  /* Without a path no placement keeps storage; with one within the budget
   * at mu = 0, f falls from there on. */
  if (!isfinite(lo.f) || !(lo.slope > 0)) {
    ok = 1;
    goto done;
  }
  /* A falling line: from mu0 (the segment DP's budget multiplier, which
   * prices the same row), four times larger until one is found. */
  double m = mu0 > 0 ? mu0 : 1.0;
  int steps = 1;
  for (;;) {
    if (dual_eval(pb, st, m, inc, srv, opt, used, count, deadline, &hi) != 0) goto done;
    built = m, steps++;
    if (hi.f > best.f) best = hi;
    if (!(hi.slope > 0) || steps >= STAB_DUAL_STEPS || solver__expired(deadline)) break;
    lo = hi;
    m *= 4;
  }
  while (hi.slope < 0 && lo.slope > 0 && steps < STAB_DUAL_STEPS && !solver__expired(deadline)) {
    const double x = (hi.icpt - lo.icpt) / (lo.slope - hi.slope);
    if (!(x > lo.mu && x < hi.mu)) break;
    const double line = lo.icpt + x * lo.slope;
    if (dual_eval(pb, st, x, inc, srv, opt, used, count, deadline, &p) != 0) goto done;
    built = x, steps++;
    if (p.f > best.f) best = p;
    /* The lines meet at f: the maximum, up to rounding. */
    if (!(p.f < line - 1e-9 * fabs(line)) || isnan(p.slope)) break;
    if (p.slope > 0) lo = p;
    else hi = p;
  }
  ok = 1;
done:
  /* The tables hold the last multiplier built; the best one's again. */
  if (ok && built != best.mu && solver__stab_build(st, NULL, best.mu) != 0) ok = 0;
  free(srv), free(opt), free(used), free(count);
  if (!ok) {
    solver__stab_free(st);
    return NULL;
  }
  *mu = best.mu;
  *bound = best.f;
  return st;
}
