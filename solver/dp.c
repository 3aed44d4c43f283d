/* dp.c: the exact DP over (layer, server, bits) without storage coupling,
 * and the Lagrangian penalties it shares with the segment relaxation.
 *
 * Without storage, the cap and the budget, a placement is a path through the
 * layers where the cost of a step depends only on the two ends, so the
 * optimum is a shortest path. With those constraints the DP's value is a
 * lower bound (it minimizes over a superset); its path is optimal whenever
 * it happens to be feasible. Options that do not fit a server even alone are
 * excluded, which keeps the bound valid and makes it tighter. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>

int solver__penalty_alloc(solver__penalty *pen, size_t M) {
  pen->storage = calloc(M, sizeof *pen->storage);
  pen->count = calloc(M, sizeof *pen->count);
  pen->error = 0;
  if (pen->storage == NULL || pen->count == NULL) {
    solver__penalty_free(pen);
    return -1;
  }
  return 0;
}

void solver__penalty_free(solver__penalty *pen) {
  free(pen->storage);
  free(pen->count);
  pen->storage = pen->count = NULL;
}

double solver__penalty_constant(const solver__problem *pb, const solver__penalty *pen) {
  if (pen == NULL) return 0.0;
  double c = 0;
  for (size_t i = 0; i < pb->M; i++) {
    c += pen->storage[i];
    if (pb->cap > 0) c += pen->count[i];
  }
  if (pb->has_budget && pb->budget > 0) c += pen->error;
  return c;
}

/* Cost of option g on server i in the DP: +inf where it cannot go at all. */
static double step_cost(const solver__problem *pb, const solver__penalty *pen, size_t l, size_t g,
                        size_t i) {
  if (!pb->usable[i] || pb->storage[g] > pb->capacity[i]) return INFINITY;
  return solver__cost_x(pb, l, g, i) + solver__penalty_option(pb, pen, g, i);
}

double solver__dp_solve(const solver__problem *pb, const solver__penalty *pen, int *srv,
                        int *opt) {
  const size_t L = pb->L, M = pb->M, N = pb->n_opt;
  /* f[g*M+i]: best cost ending at (g, i), every layer kept for the path;
   * h[l*M+j]: best arrival at server j for layer l (l >= 1). The forward
   * pass keeps only minima (no branches, vectorized); the path is read
   * back by finding, for each layer, the first (option, server) in the
   * order the minima were taken whose sum meets the minimum exactly, which
   * is the one a scan keeping the first strict improvement would keep. */
  double *f = malloc(N * M * sizeof *f);
  double *h = malloc(L * M * sizeof *h);
  if (!f || !h) {
    free(f), free(h);
    return NAN;
  }
  for (size_t g = pb->opt_begin[0]; g < pb->opt_begin[1]; g++)
    for (size_t i = 0; i < M; i++) f[g * M + i] = step_cost(pb, pen, 0, g, i);
  for (size_t l = 0; l + 1 < L; l++) {
    double *hl = &h[(l + 1) * M];
    for (size_t j = 0; j < M; j++) hl[j] = INFINITY;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++) {
        const double fi = f[g * M + i];
        if (isfinite(fi)) solver__min_add(hl, &pb->cm[(g * M + i) * M], M, fi);
      }
    for (size_t g = pb->opt_begin[l + 1]; g < pb->opt_begin[l + 2]; g++)
      for (size_t j = 0; j < M; j++) f[g * M + j] = hl[j] + step_cost(pb, pen, l + 1, g, j);
  }
  double best = INFINITY;
  size_t bg = 0, bi = 0;
  for (size_t g = pb->opt_begin[L - 1]; g < pb->opt_begin[L]; g++)
    for (size_t i = 0; i < M; i++)
      if (f[g * M + i] < best) best = f[g * M + i], bg = g, bi = i;
  if (isfinite(best) && srv != NULL && opt != NULL) {
    srv[L - 1] = (int)bi;
    opt[L - 1] = (int)bg;
    for (size_t l = L - 1; l > 0; l--) {
      const size_t j = (size_t)srv[l];
      const double target = h[l * M + j];
      srv[l - 1] = opt[l - 1] = -1;
      for (size_t g = pb->opt_begin[l - 1]; g < pb->opt_begin[l] && srv[l - 1] < 0; g++)
        for (size_t i = 0; i < M; i++) {
          const double fi = f[g * M + i];
          if (isfinite(fi) && fi + solver__cm(pb, g, i, j) == target) {
            srv[l - 1] = (int)i, opt[l - 1] = (int)g;
            break;
          }
        }
    }
  }
  free(f), free(h);
  return best;
}
