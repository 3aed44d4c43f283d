/* lagrange.c: Lagrangian bounds by subgradient ascent, and the incumbent.
 *
 * Storage (and the layer cap, and the budget) move into the objective with
 * multipliers μ >= 0; for every μ the relaxation's value minus Σ μ is a lower
 * bound on the optimum (see solver__penalty). Over the storage-free DP this
 * is the classic Lagrangian bound on storage, no better than the LP
 * relaxation; over the segment relaxation it is never weaker than the
 * segment DP (μ = 0 is its first iteration) and closes much of the gap when
 * the segment DP's path reuses a server beyond its storage.
 *
 * The step is Polyak's, t = θ (target - bound) / |g|², with θ halved after
 * a few iterations without progress; the target is the incumbent's value,
 * or a few percent above the bound while there is none. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int solver__incumbent_init(solver__incumbent *inc, size_t L) {
  inc->srv = malloc((L ? L : 1) * sizeof *inc->srv);
  inc->opt = malloc((L ? L : 1) * sizeof *inc->opt);
  inc->value = INFINITY;
  if (inc->srv == NULL || inc->opt == NULL) {
    solver__incumbent_clear(inc);
    return -1;
  }
  return 0;
}

void solver__incumbent_clear(solver__incumbent *inc) {
  free(inc->srv);
  free(inc->opt);
  inc->srv = inc->opt = NULL;
  inc->value = INFINITY;
}

int solver__incumbent_offer(solver__incumbent *inc, const solver__problem *pb, const int *srv,
                            const int *opt) {
  if (!solver__feasible(pb, srv, opt)) return 0;
  const double v = solver__eval(pb, srv, opt);
  if (!(v < inc->value)) return 0;
  memcpy(inc->srv, srv, pb->L * sizeof *srv);
  memcpy(inc->opt, opt, pb->L * sizeof *opt);
  inc->value = v;
  return 1;
}

/* Iterations without a better bound before θ is halved. */
#define STALL_ITERATIONS 10
/* Smallest θ worth another step. */
#define THETA_MIN 1e-4

double solver__lagrange(const solver__problem *pb, solver__relax relax, solver__incumbent *inc,
                        solver__penalty *best, int max_iter, double gap, double deadline) {
  const size_t L = pb->L, M = pb->M;
  solver__penalty pen = {NULL, NULL, 0};
  solver__segdp *sd = NULL;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  double *used = malloc(M * sizeof *used), *gs = malloc(M * sizeof *gs), *gc = malloc(M * sizeof *gc);
  double result = NAN;
  if (!srv || !opt || !used || !gs || !gc || solver__penalty_alloc(&pen, M) != 0) goto done;
  if (relax == SOLVER__RELAX_SEGMENT && (sd = solver__segdp_alloc(pb)) == NULL) goto done;
  memset(best->storage, 0, M * sizeof *best->storage);
  memset(best->count, 0, M * sizeof *best->count);
  best->error = 0;

  double bound = -INFINITY, theta = 2.0;
  int stall = 0;
  for (int it = 0; it < max_iter; it++) {
    const double val = relax == SOLVER__RELAX_SEGMENT ? solver__segdp_solve(sd, &pen, srv, opt)
                                                      : solver__dp_solve(pb, &pen, srv, opt);
    if (isnan(val)) goto done;
    if (!isfinite(val)) {
      /* No path at all: infeasibility does not depend on the multipliers. */
      bound = INFINITY;
      break;
    }
    const double b = val - solver__penalty_constant(pb, &pen);
    if (b > bound) {
      bound = b;
      stall = 0;
      memcpy(best->storage, pen.storage, M * sizeof *pen.storage);
      memcpy(best->count, pen.count, M * sizeof *pen.count);
      best->error = pen.error;
    } else if (++stall >= STALL_ITERATIONS) {
      theta /= 2;
      stall = 0;
    }
    solver__incumbent_offer(inc, pb, srv, opt);
    if (isfinite(inc->value) && bound >= inc->value * (1 - gap)) break;
    if (theta < THETA_MIN || solver__expired(deadline)) break;

    /* Subgradient: each resource's use as a fraction of its limit, minus 1;
     * components that would push a zero multiplier below zero are dropped. */
    double norm = 0;
    size_t count[M > 0 ? M : 1];
    const double err = solver__usage(pb, srv, opt, used, count);
    for (size_t i = 0; i < M; i++) {
      gs[i] = pb->capacity[i] > 0 ? used[i] / pb->capacity[i] - 1 : 0;
      if (pen.storage[i] <= 0 && gs[i] < 0) gs[i] = 0;
      gc[i] = pb->cap > 0 ? (double)count[i] / (double)pb->cap - 1 : 0;
      if (pen.count[i] <= 0 && gc[i] < 0) gc[i] = 0;
      norm += gs[i] * gs[i] + gc[i] * gc[i];
    }
    double ge = pb->has_budget && pb->budget > 0 ? err / pb->budget - 1 : 0;
    if (pen.error <= 0 && ge < 0) ge = 0;
    norm += ge * ge;
    if (norm <= 0) break; /* the path is feasible and complementary: the bound is exact */
    const double target = isfinite(inc->value) ? inc->value : bound + 0.05 * fabs(bound) + 1e-9;
    if (target <= b) break;
    const double t = theta * (target - b) / norm;
    for (size_t i = 0; i < M; i++) {
      pen.storage[i] = fmax(0.0, pen.storage[i] + t * gs[i]);
      pen.count[i] = fmax(0.0, pen.count[i] + t * gc[i]);
    }
    pen.error = fmax(0.0, pen.error + t * ge);
  }
  result = bound;
done:
  solver__segdp_free(sd);
  solver__penalty_free(&pen);
  free(srv), free(opt), free(used), free(gs), free(gc);
  return result;
}
