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

double solver__penalty_option(const solver__problem *pb, const solver__penalty *pen, size_t g,
                              size_t i) {
  if (pen == NULL) return 0.0;
  double p = 0;
  /* Zero multipliers add nothing, which also avoids 0 * inf for a server
   * with no storage. */
  if (pen->storage[i] > 0 && pb->storage[g] > 0) p += pen->storage[i] * pb->storage[g] / pb->capacity[i];
  if (pb->cap > 0 && pen->count[i] > 0) p += pen->count[i] / (double)pb->cap;
  if (pb->has_budget && pen->error > 0 && pb->budget > 0) p += pen->error * pb->error[g] / pb->budget;
  return p;
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
  double *f = malloc(N * M * sizeof *f);       /* f[g*M+i]: best cost ending at (g, i) */
  double *h = malloc(M * sizeof *h);           /* best arrival at server j */
  int *back_srv = malloc(L * M * sizeof *back_srv); /* (l, j): previous layer's server */
  int *back_opt = malloc(L * M * sizeof *back_opt); /* (l, j): previous layer's option */
  if (!f || !h || !back_srv || !back_opt) {
    free(f), free(h), free(back_srv), free(back_opt);
    return NAN;
  }
  for (size_t g = pb->opt_begin[0]; g < pb->opt_begin[1]; g++)
    for (size_t i = 0; i < M; i++) f[g * M + i] = step_cost(pb, pen, 0, g, i);
  for (size_t l = 0; l + 1 < L; l++) {
    for (size_t j = 0; j < M; j++) {
      h[j] = INFINITY;
      back_srv[(l + 1) * M + j] = -1;
      back_opt[(l + 1) * M + j] = -1;
    }
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++) {
        const double fi = f[g * M + i];
        if (!isfinite(fi)) continue;
        for (size_t j = 0; j < M; j++) {
          const double v = fi + solver__cm(pb, g, i, j);
          if (v < h[j]) {
            h[j] = v;
            back_srv[(l + 1) * M + j] = (int)i;
            back_opt[(l + 1) * M + j] = (int)g;
          }
        }
      }
    for (size_t g = pb->opt_begin[l + 1]; g < pb->opt_begin[l + 2]; g++)
      for (size_t j = 0; j < M; j++) f[g * M + j] = h[j] + step_cost(pb, pen, l + 1, g, j);
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
      srv[l - 1] = back_srv[l * M + j];
      opt[l - 1] = back_opt[l * M + j];
    }
  }
  free(f), free(h), free(back_srv), free(back_opt);
  return best;
}
