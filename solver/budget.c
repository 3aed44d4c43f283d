/* budget.c: lower bounds that see the error budget Σ_l err(l, b_l) <= E.
 *
 * Under `budget` accuracy the bit widths are chosen jointly: a cheaper width
 * spends error another layer may need. The per-layer bounds (the DP, the
 * segment relaxation, the packing bound) ignore the budget; two ways bring
 * it in.
 *
 * 1. The budget relaxed with one multiplier (solver__budget_dual). For
 *    λ >= 0 (seconds per budget), every option costs c + λ·err/E and any
 *    relaxation R of the per-layer problem gives v_R(λ) - λ·E'/E <= T*
 *    (E' = E·(1 + 1e-9), what the checker accepts): a placement that keeps
 *    the budget pays at most λ·E'/E more than its cost.
 *    v_R(λ) - λ·E'/E is concave and piecewise linear in λ (a minimum of lines,
 *    one per path), so its maximum is found exactly by cutting planes in one
 *    variable: keep a path whose error exceeds the budget (slope > 0) and one
 *    within it (slope <= 0), evaluate at the crossing of their lines, and
 *    stop when the value there meets the lines (it cannot exceed them), else
 *    the new path replaces the end with the same slope sign. Each step adds
 *    a new line, so it ends after finitely many; we cap it at 64 steps and
 *    keep the best value seen, which is a bound at any step.
 *
 * 2. The budget kept exactly on the chain (solver__btab). Errors are
 *    counted in units u = E/Q, each option's error rounded DOWN to whole
 *    units: any placement within the budget (E' = E·(1 + 1e-9), the
 *    checker's slack) has Σ ⌊err/u⌋ <= ⌊E'/u⌋ = Q, so the counted problem
 *    is a relaxation, and the loss is under one unit per layer. Q is
 *    chosen to lose least (solver__unit_choose); with the analytic
 *    bound's errors 4^-b it puts the common widths on whole units. On
 *    that relaxed budget the segment relaxation is solved exactly by a
 *    backward DP with the units left as a state:
 *      K[e][j][q]  cheapest cost of the layers after e, when a segment ends
 *                  at e on j, with at most q units (transfer out of e at the
 *                  cheapest option of e);
 *      S[s][j][q]  the same for the layers from s, a segment starting at s
 *                  on j (at most len[s][j] layers: those that fit j alone at
 *                  their smallest storage);
 *      W[t][j][k][q]  the layers after t, when layer t is on j and the
 *                  segment holding t may go on to at most layer t + k (the
 *                  search knows k from the storage j has left); k = 0 is K.
 *    W[t][j][k][q] = min(K[t][j][q], min over options o of layer t + 1 on j
 *    of c(o) + W[t + 1][j][k - 1][q - units(o)]). Every feasible completion
 *    is such a path (its segments fit their servers alone, its errors fit
 *    the units), so each entry is a lower bound; the segment search
 *    (bsearch.c) looks them up in O(1) per child. With storage and cap
 *    multipliers π (the segment Lagrangian's) on the option costs, the
 *    same tables bound the penalized cost, and a placement's true cost is
 *    at least its penalized cost minus Σ π (each resource used at most to
 *    its limit): the search uses both. Costs O(Σ W·F + L·M²·Q)
 *    to build, F the options per (layer, server) kept on the (units, cost)
 *    frontier; Q is chosen so that the tables stay within BTAB_BYTES.
 *
 * Floating point: units are floor(err/u) and the units left
 * floor(R/u + 1e-6). A computed quotient exceeds the true one by at most
 * a few ulps (< 1e-12 for quotients up to 10^4), so a path's computed
 * units exceed its true Σ err/u by under L·1e-12, far below the 1e-6
 * added to what is left: rounding can only relax. */
#include "solver/internal_budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Memory for the tables with the units as a state. */
#define BTAB_BYTES ((size_t)16 << 20)
/* Most and fewest units in the budget. */
#define BTAB_MAX_Q 2048
#define BTAB_MIN_Q 16
/* Steps of the cutting-plane maximization over λ. */
#define DUAL_STEPS 64

struct solver__btab {
  const solver__problem *pb;
  solver__penalty pen; /* storage and cap multipliers on the costs (error: 0), or none */
  int penalized;
  double mu;        /* s per budget on every option's error (the dual tables), else 0 */
  size_t L, M, Q;
  double limit;     /* E' = budget with the checker's slack */
  double unit;      /* error per unit */
  int *units;       /* n_opt: the option's error in whole units (rounded down); > Q: never */
  size_t *fr_begin; /* L x M + 1: offsets of each (layer, server)'s frontier */
  int *fr_u;        /* frontier entries: units, ascending */
  double *fr_c;     /* and cost_x, strictly descending */
  int *fr_g;        /* and the option */
  size_t *len;      /* L x M: longest segment from s that fits j alone */
  size_t *kmax;     /* M: the longest of them, less one (W's last k) */
  double *K, *S;    /* L x M x (Q + 1) each */
  double *W;        /* W[t][j][k], k = 0..min(L - 1 - t, kmax[j]), each qt[t] + 1 */
  size_t *qt;       /* L: the error units past which W[t] and K[t] are constant (below) */
  size_t *w_off;    /* L x M: offset of W[t][j][0] */
  double *spre;     /* L + 1, bytes: Σ of the smallest storage of the layers before l */
};

void solver__btab_free(solver__btab *bt) {
  if (bt == NULL) return;
  free(bt->units), free(bt->fr_begin), free(bt->fr_u), free(bt->fr_c), free(bt->fr_g), free(bt->len);
  free(bt->kmax), free(bt->qt), free(bt->w_off), free(bt->spre);
  solver__table_free(bt->pb->ws, bt->K);
  solver__table_free(bt->pb->ws, bt->S);
  solver__table_free(bt->pb->ws, bt->W);
  free(bt);
}

size_t solver__btab_units(const solver__btab *bt, double left) {
  if (!(left >= 0)) return (size_t)-1;
  const double q = floor(left / bt->unit + 1e-6);
  return q >= (double)bt->Q ? bt->Q : (size_t)q;
}

size_t solver__btab_reach(const solver__btab *bt, size_t t, size_t j) {
  const size_t room = bt->L - 1 - t;
  return room < bt->kmax[j] ? room : bt->kmax[j];
}

double solver__btab_after(const solver__btab *bt, size_t t, size_t j, size_t k, size_t q) {
  if (q == (size_t)-1) return INFINITY;
  const size_t r = solver__btab_reach(bt, t, j);
  if (k > r) k = r;
  const size_t qt = bt->qt[t];
  return bt->W[bt->w_off[t * bt->M + j] + k * (qt + 1) + (q < qt ? q : qt)];
}

solver__btab_row solver__btab_row_of(const solver__btab *bt, size_t t, size_t j) {
  const solver__btab_row row = {&bt->W[bt->w_off[t * bt->M + j]], solver__btab_reach(bt, t, j),
                                bt->qt[t]};
  return row;
}

double solver__btab_root(const solver__btab *bt) {
  double best = INFINITY;
  for (size_t j = 0; j < bt->M; j++)
    if (bt->S[j * (bt->Q + 1) + bt->Q] < best) best = bt->S[j * (bt->Q + 1) + bt->Q];
  return best;
}

/* The (units, cost) frontier of layer l on server j: options that fit j
 * alone, each kept only if it is strictly cheaper than every option with
 * no more units. Appends to the arrays at *n. */
static void frontier(solver__btab *bt, size_t l, size_t j, size_t *n) {
  const solver__problem *pb = bt->pb;
  const size_t first = *n;
  if (!pb->usable[j]) return;
  for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) {
    if (bt->units[g] > (int)bt->Q) continue;
    if (pb->storage[g] > pb->capacity[j] * (1 + 1e-9)) continue;
    const double c = solver__cost_x(pb, l, g, j) +
                     (bt->penalized ? solver__penalty_option(pb, &bt->pen, g, j) : 0.0) +
                     (bt->mu > 0 ? bt->mu * pb->error[g] / pb->budget : 0.0);
    if (!isfinite(c)) continue;
    /* Insert by units, then drop what the new entry dominates. */
    size_t p = *n;
    while (p > first && bt->fr_u[p - 1] > bt->units[g]) p--;
    int dominated = 0;
    for (size_t k = first; k < p; k++) dominated |= bt->fr_c[k] <= c;
    if (dominated) continue;
    memmove(&bt->fr_u[p + 1], &bt->fr_u[p], (*n - p) * sizeof *bt->fr_u);
    memmove(&bt->fr_c[p + 1], &bt->fr_c[p], (*n - p) * sizeof *bt->fr_c);
    memmove(&bt->fr_g[p + 1], &bt->fr_g[p], (*n - p) * sizeof *bt->fr_g);
    bt->fr_u[p] = bt->units[g], bt->fr_c[p] = c, bt->fr_g[p] = (int)g;
    (*n)++;
    size_t w = p + 1;
    for (size_t k = p + 1; k < *n; k++)
      if (bt->fr_c[k] < c)
        bt->fr_u[w] = bt->fr_u[k], bt->fr_c[w] = bt->fr_c[k], bt->fr_g[w] = bt->fr_g[k], w++;
    *n = w;
  }
}

/* The tables with the error in units (dual = 0), or with no units and the
 * budget relaxed by mu s per budget on every option's error (dual = 1). */
static solver__btab *btab_build(const solver__problem *pb, const solver__penalty *pen, int dual,
                                double mu) {
  const size_t L = pb->L, M = pb->M, N = pb->n_opt;
  if (!pb->has_budget || !(pb->budget > 0)) return NULL;
  solver__btab *bt = calloc(1, sizeof *bt);
  if (bt == NULL) return NULL;
  bt->pb = pb, bt->L = L, bt->M = M;
  bt->mu = dual && mu > 0 ? mu : 0.0;
  if (pen != NULL) {
    /* Borrowed multipliers; the error's is dropped, the units keep the
     * budget exactly. */
    bt->pen.storage = pen->storage, bt->pen.count = pen->count, bt->pen.error = 0;
    bt->penalized = 1;
  }
  bt->limit = pb->budget * (1 + 1e-9);
  bt->units = malloc((N ? N : 1) * sizeof *bt->units);
  bt->fr_begin = malloc((L * M + 1) * sizeof *bt->fr_begin);
  bt->fr_u = malloc((N * M + 1) * sizeof *bt->fr_u);
  bt->fr_c = malloc((N * M + 1) * sizeof *bt->fr_c);
  bt->fr_g = malloc((N * M + 1) * sizeof *bt->fr_g);
  bt->len = malloc(L * M * sizeof *bt->len);
  bt->kmax = calloc(M, sizeof *bt->kmax);
  bt->w_off = malloc(L * M * sizeof *bt->w_off);
  bt->qt = malloc(L * sizeof *bt->qt);
  bt->spre = malloc((L + 1) * sizeof *bt->spre);
  if (!bt->units || !bt->fr_begin || !bt->fr_u || !bt->fr_c || !bt->fr_g || !bt->len || !bt->kmax ||
      !bt->w_off || !bt->qt || !bt->spre)
    goto fail;
  bt->spre[0] = 0;
  for (size_t l = 0; l < L; l++) bt->spre[l + 1] = bt->spre[l] + pb->smin[l];
  for (size_t j = 0; j < M; j++)
    for (size_t s = 0; s < L; s++) {
      const size_t n = solver__segment_max_len(pb, s, j);
      bt->len[s * M + j] = n;
      if (n > 0 && n - 1 > bt->kmax[j]) bt->kmax[j] = n - 1;
    }
  /* W's rows, then Q within the memory budget for full rows (the rows
   * are shortened below, which only uses less). */
  size_t cells = 0;
  for (size_t t = 0; t < L; t++)
    for (size_t j = 0; j < M; j++) cells += solver__btab_reach(bt, t, j) + 1;
  const size_t per_q = (cells + 2 * L * M) * sizeof(double);
  size_t qmax = BTAB_BYTES / per_q;
  if (qmax > BTAB_MAX_Q + 1) qmax = BTAB_MAX_Q + 1;
  /* The dual tables keep no units: Q = 0 and every option within the
   * budget alone counts 0 (the unit is infinite, so no error left rounds
   * to a unit). */
  bt->Q = dual ? 0
                : solver__unit_choose(pb->error, pb->opt_begin, L, pb->budget, BTAB_MIN_Q,
                                      qmax > BTAB_MIN_Q + 1 ? qmax - 1 : BTAB_MIN_Q);
  bt->unit = dual ? INFINITY : pb->budget / (double)bt->Q;
  for (size_t g = 0; g < N; g++) {
    const double e = pb->error[g];
    if (!(e > 0)) bt->units[g] = 0;
    else if (e > bt->limit) bt->units[g] = (int)bt->Q + 1;
    else bt->units[g] = dual ? 0 : (int)floor(e / bt->unit);
  }
  /* The most error units the layers after t can spend, at most Q: with
   * that many left every completion keeps the budget, so W[t] and K[t]
   * are the same for every larger q (stab.c's tables stop their rows the
   * same way, and say why it is exact). W's rows stop at qt[t]; K's are
   * filled past it with their last entry. */
  solver__units_after(bt->units, pb->opt_begin, L, bt->Q, bt->qt);
  cells = 0;
  for (size_t t = 0; t < L; t++)
    for (size_t j = 0; j < M; j++)
      bt->w_off[t * M + j] = cells, cells += (solver__btab_reach(bt, t, j) + 1) * (bt->qt[t] + 1);
  size_t n = 0;
  for (size_t l = 0; l < L; l++)
    for (size_t j = 0; j < M; j++) {
      bt->fr_begin[l * M + j] = n;
      frontier(bt, l, j, &n);
    }
  bt->fr_begin[L * M] = n;
  const size_t Q1 = bt->Q + 1;
  bt->K = solver__table_alloc(pb->ws, L * M * Q1 * sizeof *bt->K);
  bt->S = solver__table_alloc(pb->ws, L * M * Q1 * sizeof *bt->S);
  bt->W = solver__table_alloc(pb->ws, cells * sizeof *bt->W);
  if (!bt->K || !bt->S || !bt->W) goto fail;

  for (size_t t = L; t-- > 0;) {
    const size_t qt = bt->qt[t], qn = t + 1 < L ? bt->qt[t + 1] : 0;
    /* K[t]: leave j after t for another server i, which starts a segment. */
    for (size_t j = 0; j < M; j++) {
      double *k = &bt->K[(t * M + j) * Q1];
      if (t + 1 == L) {
        for (size_t q = 0; q < Q1; q++) k[q] = 0.0;
        continue;
      }
      for (size_t q = 0; q < Q1; q++) k[q] = INFINITY;
      if (!pb->usable[j]) continue;
      for (size_t i = 0; i < M; i++) {
        if (i == j || !pb->usable[i]) continue;
        double tr = INFINITY;
        for (size_t g = pb->opt_begin[t]; g < pb->opt_begin[t + 1]; g++)
          if (solver__cm(pb, g, j, i) < tr) tr = solver__cm(pb, g, j, i);
        if (!isfinite(tr)) continue;
        solver__min_add(k, &bt->S[((t + 1) * M + i) * Q1], qt + 1, tr);
      }
      for (size_t q = qt + 1; q < Q1; q++) k[q] = k[qt];
    }
    /* W[t]: stay on j for layer t + 1 (at most k more layers) or leave. */
    for (size_t j = 0; j < M; j++) {
      const size_t r = solver__btab_reach(bt, t, j);
      const double *k0 = &bt->K[(t * M + j) * Q1];
      for (size_t k = 0; k <= r; k++) {
        double *w = &bt->W[bt->w_off[t * M + j] + k * (qt + 1)];
        memcpy(w, k0, (qt + 1) * sizeof *w);
        if (k == 0) continue;
        const double *next = &bt->W[bt->w_off[(t + 1) * M + j] +
                                    (k - 1 < solver__btab_reach(bt, t + 1, j)
                                         ? k - 1
                                         : solver__btab_reach(bt, t + 1, j)) * (qn + 1)];
        for (size_t f = bt->fr_begin[(t + 1) * M + j]; f < bt->fr_begin[(t + 1) * M + j + 1]; f++) {
          const size_t u = (size_t)bt->fr_u[f];
          const double c = bt->fr_c[f];
          /* next stops at qn; past it its last entry, the same for all q. */
          if (u > qt) continue;
          const size_t top = qt < qn + u ? qt : qn + u;
          solver__min_add(&w[u], next, top - u + 1, c);
          const double v = c + next[qn];
          for (size_t q = top + 1; q <= qt; q++) w[q] = v < w[q] ? v : w[q];
        }
      }
    }
    /* S[t]: a segment starts at t on j and holds at most len[t][j] layers. */
    for (size_t j = 0; j < M; j++) {
      double *s = &bt->S[(t * M + j) * Q1];
      for (size_t q = 0; q < Q1; q++) s[q] = INFINITY;
      const size_t n_len = bt->len[t * M + j];
      if (n_len == 0) continue;
      const double *w = &bt->W[bt->w_off[t * M + j] + (n_len - 1) * (qt + 1)];
      for (size_t f = bt->fr_begin[t * M + j]; f < bt->fr_begin[t * M + j + 1]; f++) {
        const size_t u = (size_t)bt->fr_u[f];
        const double c = bt->fr_c[f];
        if (u >= Q1) continue;
        const size_t top = Q1 - 1 < qt + u ? Q1 - 1 : qt + u;
        solver__min_add(&s[u], w, top - u + 1, c);
        const double v = c + w[qt];
        for (size_t q = top + 1; q < Q1; q++) s[q] = v < s[q] ? v : s[q];
      }
    }
  }
  return bt;
fail:
  solver__btab_free(bt);
  return NULL;
}

solver__btab *solver__btab_alloc(const solver__problem *pb, const solver__penalty *pen) {
  return btab_build(pb, pen, 0, 0.0);
}

solver__btab *solver__btab_alloc_dual(const solver__problem *pb, const solver__penalty *pen,
                                      double mu) {
  return btab_build(pb, pen, 1, mu);
}

/* The step of W[t][j][k][q] (k >= 1) that stays on j: the frontier entry
 * of layer t + 1 achieving it, or -1 when leaving (K) achieves it. Values
 * are recomputed with the same operations as in the build, so equality is
 * exact. */
static long stay_step(const solver__btab *bt, size_t t, size_t j, size_t k, size_t q) {
  const size_t M = bt->M, Q1 = bt->Q + 1, qt = bt->qt[t];
  const double w = bt->W[bt->w_off[t * M + j] + k * (qt + 1) + (q < qt ? q : qt)];
  if (k == 0 || w == bt->K[(t * M + j) * Q1 + q]) return -1;
  const size_t qn = bt->qt[t + 1]; /* k >= 1: layer t + 1 exists */
  const size_t r1 = solver__btab_reach(bt, t + 1, j);
  const double *next = &bt->W[bt->w_off[(t + 1) * M + j] + (k - 1 < r1 ? k - 1 : r1) * (qn + 1)];
  for (size_t f = bt->fr_begin[(t + 1) * M + j]; f < bt->fr_begin[(t + 1) * M + j + 1]; f++) {
    const size_t u = (size_t)bt->fr_u[f];
    if (u <= q && bt->fr_c[f] + next[q - u < qn ? q - u : qn] == w) return (long)f;
  }
  return -1;
}

int solver__btab_path(const solver__btab *bt, int *srv, int *opt) {
  const solver__problem *pb = bt->pb;
  const size_t L = bt->L, M = bt->M, Q1 = bt->Q + 1;
  size_t q = bt->Q, j = 0;
  double best = INFINITY;
  for (size_t i = 0; i < M; i++)
    if (bt->S[i * Q1 + q] < best) best = bt->S[i * Q1 + q], j = i;
  if (!isfinite(best)) return 0;
  size_t t = 0;
  for (;;) {
    /* A segment starts at t on j with S[t][j][q]: its first option. */
    const size_t n_len = bt->len[t * M + j];
    const size_t qt = bt->qt[t];
    const double *w = &bt->W[bt->w_off[t * M + j] + (n_len - 1) * (qt + 1)];
    const double target = bt->S[(t * M + j) * Q1 + q];
    long pick = -1;
    for (size_t f = bt->fr_begin[t * M + j]; f < bt->fr_begin[t * M + j + 1] && pick < 0; f++) {
      const size_t u = (size_t)bt->fr_u[f];
      if (u <= q && bt->fr_c[f] + w[q - u < qt ? q - u : qt] == target) pick = (long)f;
    }
    if (pick < 0) return 0;
    srv[t] = (int)j, opt[t] = bt->fr_g[pick];
    q -= (size_t)bt->fr_u[pick];
    size_t k = solver__btab_reach(bt, t, j);
    if (n_len - 1 < k) k = n_len - 1;
    /* Stay on j while W's value comes from staying. */
    for (;;) {
      const long f = stay_step(bt, t, j, k, q);
      if (f < 0) break;
      t++, k--;
      srv[t] = (int)j, opt[t] = bt->fr_g[f];
      q -= (size_t)bt->fr_u[f];
    }
    if (t + 1 == L) return 1;
    const size_t next = solver__table_leave(pb, bt->K, bt->S, Q1, t, j, q);
    if (next == M) return 0;
    t++, j = next;
  }
}

size_t solver__table_leave(const solver__problem *pb, const double *K, const double *S, size_t Q1, size_t t,
                           size_t j, size_t q) {
  const size_t M = pb->M;
  const double kv = K[(t * M + j) * Q1 + q];
  for (size_t i = 0; i < M; i++) {
    if (i == j || !pb->usable[i]) continue;
    double tr = INFINITY;
    for (size_t g = pb->opt_begin[t]; g < pb->opt_begin[t + 1]; g++)
      if (solver__cm(pb, g, j, i) < tr) tr = solver__cm(pb, g, j, i);
    if (isfinite(tr) && tr + S[((t + 1) * M + i) * Q1 + q] == kv) return i;
  }
  return M;
}

/* --- The budget relaxed with one multiplier -------------------------------- */

/* Solves relaxation `relax` with only the budget penalized (λ s per budget):
 * fills *cost (the path's cost without the penalty) and *err (its error);
 * returns 0, 1 if no path exists, -1 without memory. */
static int relaxed_path(const solver__problem *pb, solver__relax relax, solver__segdp *sd,
                        solver__penalty *pen, double lambda, int *srv, int *opt, double *cost,
                        double *err) {
  pen->error = lambda;
  const double v = relax == SOLVER__RELAX_SEGMENT ? solver__segdp_solve(sd, pen, srv, opt)
                                                  : solver__dp_solve(pb, pen, srv, opt);
  if (isnan(v)) return -1;
  if (!isfinite(v)) return 1;
  double e = 0;
  for (size_t l = 0; l < pb->L; l++) e += pb->error[opt[l]];
  *err = e;
  *cost = v - lambda * e / pb->budget;
  return 0;
}

double solver__budget_dual(const solver__problem *pb, solver__relax relax, solver__incumbent *inc,
                           double *lambda_out) {
  const size_t L = pb->L, M = pb->M;
  solver__penalty pen = {NULL, NULL, 0};
  solver__segdp *sd = NULL;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  double result = NAN;
  *lambda_out = 0;
  if (!srv || !opt || solver__penalty_alloc(&pen, M) != 0) goto done;
  if (relax == SOLVER__RELAX_SEGMENT && (sd = solver__segdp_alloc(pb)) == NULL) goto done;
  const double B = pb->budget, over = B * (1 + 1e-9);
  /* The line of a path: value at λ is cost + λ (err - E') / B, E' the
   * budget with the checker's slack (a placement may spend that much). */
  double c_lo, e_lo, c_hi = NAN, e_hi = NAN;
  int rc = relaxed_path(pb, relax, sd, &pen, 0, srv, opt, &c_lo, &e_lo);
  if (rc != 0) {
    result = rc > 0 ? INFINITY : NAN;
    goto done;
  }
  if (inc) solver__incumbent_offer(inc, pb, srv, opt);
  double best = c_lo;
  if (!pb->has_budget || !(B > 0) || e_lo <= over) {
    result = best; /* the slope at 0 is <= 0: λ = 0 is the maximum */
    goto done;
  }
  /* A multiplier large enough to bring the error within the budget. */
  double lam = fabs(c_lo) > 0 ? fabs(c_lo) : 1.0;
  for (int k = 0;; k++) {
    double c, e;
    if ((rc = relaxed_path(pb, relax, sd, &pen, lam, srv, opt, &c, &e)) < 0) goto done;
    if (rc > 0) break;
    if (inc) solver__incumbent_offer(inc, pb, srv, opt);
    const double v = c + lam * (e - over) / B;
    if (v > best) best = v, *lambda_out = lam;
    if (e <= over) {
      c_hi = c, e_hi = e;
      break;
    }
    c_lo = c, e_lo = e;
    if (k == 60) {
      /* Even a huge multiplier leaves the error above the budget: the
       * relaxation has no path within it, so neither has the problem. */
      result = INFINITY;
      goto done;
    }
    lam *= 4;
  }
  if (isnan(c_hi)) {
    result = best;
    goto done;
  }
  for (int step = 0; step < DUAL_STEPS; step++) {
    const double s_lo = (e_lo - over) / B, s_hi = (e_hi - over) / B; /* > 0 and <= 0 */
    if (!(s_lo > s_hi)) break;
    const double x = (c_hi - c_lo) / (s_lo - s_hi);
    if (!(x >= 0)) break;
    const double z = c_lo + x * s_lo; /* where the two lines cross */
    double c, e;
    if ((rc = relaxed_path(pb, relax, sd, &pen, x, srv, opt, &c, &e)) != 0) break;
    if (inc) solver__incumbent_offer(inc, pb, srv, opt);
    const double v = c + x * (e - over) / B;
    if (v > best) best = v, *lambda_out = x;
    if (v >= z - 1e-12 * fabs(z)) break; /* the maximum: nothing lies above both lines */
    if (e > over) c_lo = c, e_lo = e;
    else c_hi = c, e_hi = e;
  }
  result = best;
done:
  solver__segdp_free(sd);
  solver__penalty_free(&pen);
  free(srv), free(opt);
  return result;
}

/* The most layers after t a child on j may count, before storage: the
 * tables' reach and the cap's slots left once j holds cnt layers. */
static size_t room_most(const solver__problem *pb, const solver__btab *bt, size_t t, size_t j,
                        size_t cnt) {
  size_t hi = solver__btab_reach(bt, t, j);
  if (pb->cap > 0) {
    const size_t slots = cnt < (size_t)pb->cap ? (size_t)pb->cap - cnt : 0;
    if (slots < hi) hi = slots;
  }
  return hi;
}

/* The prefix sum the next layers' smallest storages may reach: k layers
 * fit when spre[t + 1 + k] <= this. Their rounding differs from adding
 * the layers one by one, so it allows 1e-12 more than the checker's slack:
 * k can only come out larger, which weakens the bound looked up with it,
 * never makes it exceed a completion. */
static double room_reach(const solver__problem *pb, const solver__btab *bt, size_t t, size_t j,
                         double bytes) {
  return pb->capacity[j] * (1 + 1e-9) * (1 + 1e-12) - bytes + bt->spre[t + 1];
}

size_t solver__btab_room_after(const solver__problem *pb, const solver__btab *bt, size_t t, size_t j,
                               double bytes, size_t cnt) {
  size_t lo = 0, hi = room_most(pb, bt, t, j, cnt);
  const double room = room_reach(pb, bt, t, j, bytes);
  while (lo < hi) { /* a binary search over the prefix sums */
    const size_t mid = lo + (hi - lo + 1) / 2;
    if (bt->spre[t + 1 + mid] <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

size_t solver__btab_room_below(const solver__problem *pb, const solver__btab *bt, size_t t,
                               size_t j, double bytes, size_t cnt, size_t k_max) {
  size_t k = room_most(pb, bt, t, j, cnt);
  if (k_max < k) k = k_max;
  /* Every k above k_max failed for the child with fewer bytes (the prefix
   * sums only grow), so the largest k that fits is the binary search's. */
  const double room = room_reach(pb, bt, t, j, bytes);
  while (k > 0 && bt->spre[t + 1 + k] > room) k--;
  return k;
}
