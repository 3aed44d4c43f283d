/* segment.c: the segment relaxation, a lower bound that respects storage.
 *
 * Any placement cuts the chain into maximal runs of consecutive layers on one
 * server. Each run fits its server's storage and cap on its own, because the
 * server's total does. Dropping the coupling between runs on the same server
 * leaves a shortest path over "segments" (s..e on server j) that a DP solves
 * exactly: its value is a lower bound on the optimum, and when its path uses
 * no server twice (or the repeats still fit) that path is optimal.
 *
 * With several bit options per layer, each layer takes its cheapest option
 * and a segment's fit is checked with the smallest storage of each layer,
 * which only relaxes further. Under Lagrangian penalties (storage, cap,
 * budget) the same DP bounds the penalized problem.
 *
 * Forward:  H[s][j] = cost of layers < s, arriving at a segment starting at s on j
 *           E[e][j] = cost of layers <= e, a segment ending at e on j
 * Backward: K[e][j] = cost of layers > e, leaving a segment ending at e on j
 *           S[s][j] = cost of layers >= s, a segment starting at s on j
 * Layer costs include the origin's input (layer 0) and output (last layer). */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct solver__segdp {
  const solver__problem *pb;
  double *c;     /* L x M, s: cheapest penalized cost of layer l on j (+inf: cannot) */
  int *a;        /* L x M: the option achieving it */
  double *tmin;  /* (L-1) x M x M, s: cheapest transfer after layer l from i to j */
  size_t *len;   /* L x M: longest segment starting at s that fits j (0: none) */
  double *H, *E, *K, *S; /* L x M each, see the file comment */
  int *e_start;  /* L x M: start of the segment achieving E[e][j] */
  double *run;   /* L, scratch */
  const solver__penalty *pen; /* penalties of the last solve (borrowed) */
  int backward;  /* 1 once K and S are filled for the last solve */
};

void solver__segdp_free(solver__segdp *sd) {
  if (sd == NULL) return;
  free(sd->c), free(sd->a), free(sd->tmin), free(sd->len);
  free(sd->H), free(sd->E), free(sd->K), free(sd->S);
  free(sd->e_start), free(sd->run);
  free(sd);
}

size_t solver__segment_max_len(const solver__problem *pb, size_t s, size_t j) {
  if (!pb->usable[j]) return 0;
  double used = 0;
  size_t n = 0;
  while (s + n < pb->L) {
    used += pb->smin[s + n];
    if (used > pb->capacity[j] * (1 + 1e-9)) break;
    if (pb->cap > 0 && n + 1 > (size_t)pb->cap) break;
    n++;
  }
  return n;
}

solver__segdp *solver__segdp_alloc(const solver__problem *pb) {
  const size_t L = pb->L, M = pb->M;
  solver__segdp *sd = calloc(1, sizeof *sd);
  if (sd == NULL) return NULL;
  sd->pb = pb;
  sd->c = malloc(L * M * sizeof *sd->c);
  sd->a = malloc(L * M * sizeof *sd->a);
  sd->tmin = malloc((L > 1 ? L - 1 : 1) * M * M * sizeof *sd->tmin);
  sd->len = malloc(L * M * sizeof *sd->len);
  sd->H = malloc(L * M * sizeof *sd->H);
  sd->E = malloc(L * M * sizeof *sd->E);
  sd->K = malloc(L * M * sizeof *sd->K);
  sd->S = malloc(L * M * sizeof *sd->S);
  sd->e_start = malloc(L * M * sizeof *sd->e_start);
  sd->run = malloc(L * sizeof *sd->run);
  if (!sd->c || !sd->a || !sd->tmin || !sd->len || !sd->H || !sd->E || !sd->K ||
      !sd->S || !sd->e_start || !sd->run) {
    solver__segdp_free(sd);
    return NULL;
  }
  for (size_t l = 0; l + 1 < L; l++)
    for (size_t i = 0; i < M; i++)
      for (size_t j = 0; j < M; j++) {
        double t = INFINITY;
        for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
          if (solver__cm(pb, g, i, j) < t) t = solver__cm(pb, g, i, j);
        sd->tmin[(l * M + i) * M + j] = t;
      }
  /* Segment lengths do not depend on penalties: fix them once. */
  for (size_t j = 0; j < M; j++)
    for (size_t s = 0; s < L; s++) sd->len[s * M + j] = solver__segment_max_len(pb, s, j);
  return sd;
}

/* Layer costs under the penalties; options that do not fit alone are skipped. */
static void layer_costs(solver__segdp *sd, const solver__penalty *pen) {
  const solver__problem *pb = sd->pb;
  const size_t M = pb->M;
  for (size_t l = 0; l < pb->L; l++)
    for (size_t j = 0; j < M; j++) {
      double best = INFINITY;
      int arg = -1;
      if (pb->usable[j])
        for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) {
          if (pb->storage[g] > pb->capacity[j] * (1 + 1e-9)) continue;
          const double v = solver__cost_x(pb, l, g, j) + solver__penalty_option(pb, pen, g, j);
          if (v < best) best = v, arg = (int)g;
        }
      sd->c[l * M + j] = best;
      sd->a[l * M + j] = arg;
    }
}

double solver__segdp_solve(solver__segdp *sd, const solver__penalty *pen, int *srv, int *opt) {
  const solver__problem *pb = sd->pb;
  const size_t L = pb->L, M = pb->M;
  sd->pen = pen;
  layer_costs(sd, pen);
  for (size_t k = 0; k < L * M; k++) sd->E[k] = INFINITY;
  sd->backward = 0;
  /* Forward pass: E[s-1] is final once every segment ending there is in,
   * which holds when s is reached in increasing order. */
  for (size_t s = 0; s < L; s++) {
    /* H[s], one server before at a time: a row of tmin is contiguous in
     * the server after, so the min-plus step is solver__min_add's, in
     * vector instructions (by server after, with the server before inner,
     * it had been a strided scalar scan, O(L·M²) per solve and a tenth of
     * a budget solve at M = 48). The server before is found again only
     * along the path read back. */
    double *hs = &sd->H[s * M];
    for (size_t j = 0; j < M; j++) hs[j] = s == 0 ? 0.0 : INFINITY;
    for (size_t i = 0; s > 0 && i < M; i++) {
      const double ei = sd->E[(s - 1) * M + i];
      if (!isfinite(ei)) continue; /* +inf + t changes no minimum */
      const double *row = &sd->tmin[((s - 1) * M + i) * M];
      solver__min_add(hs, row, i, ei);
      solver__min_add(hs + i + 1, row + i + 1, M - i - 1, ei);
    }
    for (size_t j = 0; j < M; j++) {
      const double h = hs[j];
      if (!isfinite(h)) continue;
      double cost = h;
      for (size_t n = 0; n < sd->len[s * M + j]; n++) {
        const size_t e = s + n;
        cost += sd->c[e * M + j];
        if (!(cost < sd->E[e * M + j])) continue;
        sd->E[e * M + j] = cost;
        sd->e_start[e * M + j] = (int)s;
      }
    }
  }
  double best = INFINITY;
  size_t bj = 0;
  for (size_t j = 0; j < M; j++)
    if (sd->E[(L - 1) * M + j] < best) best = sd->E[(L - 1) * M + j], bj = j;
  if (isfinite(best) && srv != NULL && opt != NULL) {
    size_t e = L - 1, j = bj;
    for (;;) {
      const size_t s = (size_t)sd->e_start[e * M + j];
      for (size_t l = s; l <= e; l++) {
        srv[l] = (int)j;
        opt[l] = sd->a[l * M + j];
      }
      if (s == 0) break;
      /* The server before: the first whose arrival equals H (the same
       * sums as above, so equality is exact), which is the one a scan by
       * server before with a strict < keeps. */
      const double h = sd->H[s * M + j];
      size_t p = M;
      for (size_t i = 0; i < M && p == M; i++)
        if (i != j && sd->E[(s - 1) * M + i] + sd->tmin[((s - 1) * M + i) * M + j] == h) p = i;
      if (p == M) break; /* cannot happen: H is one of these sums */
      j = p;
      e = s - 1;
    }
  }
  return best;
}

/* The backward pass, symmetric to the forward one: S[e+1] is final before
 * K[e] is formed. Only the bounds and exits read K and S, and the
 * Lagrangian ascent solves many times without them, so the pass runs on
 * first use after each solve. */
static void backward(solver__segdp *sd) {
  const solver__problem *pb = sd->pb;
  const size_t L = pb->L, M = pb->M;
  if (sd->backward) return;
  for (size_t k = 0; k < L * M; k++) sd->S[k] = INFINITY;
  for (size_t e = L; e-- > 0;) {
    for (size_t j = 0; j < M; j++) {
      double k = e + 1 == L ? 0.0 : INFINITY;
      for (size_t i = 0; e + 1 < L && i < M; i++) {
        if (i == j) continue;
        const double v = sd->tmin[(e * M + j) * M + i] + sd->S[(e + 1) * M + i];
        if (v < k) k = v;
      }
      sd->K[e * M + j] = k;
      if (!isfinite(k)) continue;
      double cost = k;
      for (size_t s = e + 1; s-- > 0;) {
        if (sd->len[s * M + j] < e - s + 1) break;
        cost += sd->c[s * M + j];
        if (cost < sd->S[s * M + j]) sd->S[s * M + j] = cost;
      }
    }
  }
  sd->backward = 1;
}

void solver__segdp_bounds(solver__segdp *sd, double *lb_x, double *lb_stay, double *lb_move) {
  backward(sd);
  const solver__problem *pb = sd->pb;
  const size_t L = pb->L, M = pb->M;
  for (size_t k = 0; k < L * M; k++) lb_x[k] = lb_stay[k] = INFINITY;
  double *v = sd->run;
  for (size_t j = 0; j < M; j++)
    for (size_t s = 0; s < L; s++) {
      const size_t n = sd->len[s * M + j];
      const double h = sd->H[s * M + j];
      if (n == 0 || !isfinite(h)) continue;
      /* v[e] = best through the segment s..e on j; then suffix minima give,
       * for each l, the best segment starting at s that covers l (and l+1). */
      double cost = h;
      for (size_t e = s; e < s + n; e++) {
        cost += sd->c[e * M + j];
        v[e] = cost + sd->K[e * M + j];
      }
      for (size_t e = s + n - 1; e > s; e--)
        if (v[e] < v[e - 1]) v[e - 1] = v[e];
      for (size_t l = s; l < s + n; l++) {
        if (v[l] < lb_x[l * M + j]) lb_x[l * M + j] = v[l];
        if (l + 1 < s + n && v[l + 1] < lb_stay[l * M + j]) lb_stay[l * M + j] = v[l + 1];
      }
    }
  for (size_t l = 0; l + 1 < L; l++)
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++) {
        const double ce = sd->c[l * M + i], e = sd->E[l * M + i];
        /* E ends with layer l at its cheapest option; swap in option g's cost. */
        const int fits = pb->usable[i] && pb->storage[g] <= pb->capacity[i] * (1 + 1e-9);
        const double cg =
            fits ? solver__cost_x(pb, l, g, i) + solver__penalty_option(pb, sd->pen, g, i) : INFINITY;
        const double base = isfinite(e) && isfinite(cg) ? e - ce + cg : INFINITY;
        for (size_t j = 0; j < M; j++) {
          double *out = &lb_move[(g * M + i) * M + j];
          if (i == j || !isfinite(base)) {
            *out = INFINITY;
            continue;
          }
          *out = base + solver__cm(pb, g, i, j) + sd->S[(l + 1) * M + j];
        }
      }
}

void solver__segdp_exits(solver__segdp *sd, double *exits) {
  backward(sd);
  memcpy(exits, sd->K, sd->pb->L * sd->pb->M * sizeof *exits);
}
