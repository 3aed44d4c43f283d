/* order.c: under an error budget, the best placement whose servers follow a
 * given order, and incumbents from it.
 *
 * Why it exists: on bench-budget the budget search finds its optimum late
 * (M = 24: at node 180 574 of 180 903 on run 11, 307 901 of 402 016 on run
 * 12), and seeded with the optimum it needs 3 to 30 times fewer nodes on
 * those runs. The incumbents it had were off in ways the local moves
 * cannot undo one layer at a time: the right servers in the right order
 * but a segment boundary one layer off with other widths (moving a layer
 * onto a full server needs narrower widths there and wider ones elsewhere
 * to keep the budget), the right servers in reverse order with other
 * segment lengths, or one server fewer at the end and another at the
 * front. For a fixed order of servers, the segment boundaries and every
 * width together are a chain problem that a DP solves exactly.
 *
 * The DP. A placement follows seq[0..n-1] (distinct servers) when its
 * maximal segments lie on servers seq[p_1], seq[p_2], ... with p_1 < p_2 <
 * ... (any subsequence; each listed server holds at most one segment).
 * Storage and error are counted in whole units rounded UP, capacities and
 * the budget rounded down, so (up to a floating-point hair that the exact
 * check below catches) every path keeps storage and the budget. Backward,
 * with floats:
 *   V(t, p, g, r, q) = 0 when t is the last layer, else
 *                      min(End[t][p][g][q], Cont[t][p][r][q]): layer t on
 *                      seq[p] with option g, r storage units left there and
 *                      q error units left;
 *   Cont[t][p][r][q] = min over options o of layer t + 1 on seq[p] of
 *                      c(o) + V(t + 1, p, o, r - su(o), q - eu(o));
 *   End[t][p][g][q]  = min over p' > p of cm(g, seq[p], seq[p'])
 *                      + Start[t + 1][p'][q];
 *   Start[s][p][q]   = min over o of c(o) + V(s, p, o, R_p - su(o), q - eu(o)).
 * The best is min_p Start[0][p][Q]; the path is read forward by the same
 * float operations, so the equalities it follows are exact. The layer cap
 * is not modelled: every path goes through the exact feasibility check of
 * the incumbent (and the repair when it fails).
 *
 * Costs O(L · Σ_p (R_p + 1)(Q + 1) · F + L · n² · F · Q), F the options per
 * layer: with the incumbent's four or five servers, a fraction of one build
 * of the storage-charged tables (stab.c), whose units it takes. */
#include "solver/internal_budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Entries of Cont at most (floats, 16 MB): a longer order is skipped. */
#define ORDER_CELLS ((size_t)4 << 20)
/* Error units at most (a finer unit from the caller is not followed), and
 * the range of storage units in the widest server of the order. */
#define ORDER_MAX_Q 4096
#define ORDER_MIN_R 8
#define ORDER_MAX_R 2048

typedef struct {
  const solver__problem *pb;
  const int *seq;
  size_t n, L, Q1, G; /* G: the most options of a layer */
  double su_unit;     /* bytes per storage unit */
  size_t *R;          /* n: storage units of seq[p] */
  int *su, *eu;       /* n_opt: units, rounded up */
  size_t *qt;         /* L: the error units past which Cont[t] and End[t] are constant */
  size_t *c_off;      /* L x n: offset of Cont[t][p][0][0]; qt[t] + 1 per r */
  size_t *k_off;      /* L x n + 1: layer t's options kept on seq[p] are keep[k_off[t n + p] ..] */
  int *keep;
  float *cont, *end, *start; /* borrowed from an order_ws */
} order_dp;

/* The tables' memory, kept across the orders one call of
 * solver__order_improve tries: allocating 16 MB afresh for each made the
 * kernel clear as many pages, as long as the DP itself took. */
typedef struct {
  float *cont, *end, *start;
  size_t cont_n, end_n, start_n; /* entries allocated */
} order_ws;

static void order_ws_free(order_ws *w) { free(w->cont), free(w->end), free(w->start); }

/* *buf holds at least n floats; 0, or -1 without memory. */
static int order_grow(float **buf, size_t *have, size_t n) {
  if (n <= *have) return 0;
  free(*buf);
  *buf = malloc(n * sizeof **buf);
  *have = *buf != NULL ? n : 0;
  return *buf != NULL ? 0 : -1;
}

static float add(double c, float x) { return (float)(c + (double)x); }

/* w[q] = min(w[q], add(c, min(a[q], b[q]))) for q in [at, at + B); B is
 * a constant at every call, so GCC unrolls the block and uses vector
 * instructions at -O2. */
static inline void relax_block(float *restrict w, const float *restrict a,
                               const float *restrict b, size_t at, size_t B, double c) {
  for (size_t k = at; k < at + B; k++) {
    const float x = a[k] < b[k] ? a[k] : b[k];
    const float v = add(c, x);
    w[k] = v < w[k] ? v : w[k];
  }
}

/* w[q] = min(w[q], add(c, min(a[q], b[q]))) for q < n, or with 0 for the
 * inner min when a is NULL (after the last layer). The rows never overlap,
 * which restrict says; blocks of 16, and the rest as one more block that
 * ends at n and overlaps the last (the same minimum taken twice changes
 * nothing), with exactly the operations of the scalar loop (so the path,
 * read with add() and value(), meets the same floats). */
static void order_relax(float *restrict w, const float *restrict a, const float *restrict b,
                        size_t n, double c) {
  size_t q = 0;
  if (a == NULL) {
    const float v = add(c, 0.0f);
    for (; q < n; q++) w[q] = v < w[q] ? v : w[q];
    return;
  }
  for (; q + 16 <= n; q += 16) relax_block(w, a, b, q, 16, c);
  if (q == n) return;
  if (n >= 16) {
    relax_block(w, a, b, n - 16, 16, c);
  } else {
    for (; q < n; q++) relax_block(w, a, b, q, 1, c);
  }
}

/* order_relax for rows a and b that hold na entries and the same as
 * their last past it (rows that stopped at qt, below): q < na as above,
 * and the rest with the last entries, so every w[q] gets the value a full
 * row would give, bit for bit. */
static void order_relax_sat(float *restrict w, const float *restrict a, const float *restrict b,
                            size_t n, size_t na, double c) {
  if (a == NULL || n <= na) {
    order_relax(w, a, b, n, c);
    return;
  }
  order_relax(w, a, b, na, c);
  const float x = a[na - 1] < b[na - 1] ? a[na - 1] : b[na - 1];
  const float v = add(c, x);
  for (size_t q = na; q < n; q++) w[q] = v < w[q] ? v : w[q];
}

/* e[q] = min(e[q], add(m, s[q])) for q in [at, at + B), as relax_block. */
static inline void end_block(float *restrict e, const float *restrict s, size_t at, size_t B,
                             double m) {
  for (size_t k = at; k < at + B; k++) {
    const float v = add(m, s[k]);
    e[k] = v < e[k] ? v : e[k];
  }
}

/* e[q] = min(e[q], add(m, s[q])) for q < n: a segment ending into the
 * next one's start. In blocks, the rest overlapping, as above. */
static void order_end(float *restrict e, const float *restrict s, size_t n, double m) {
  size_t q = 0;
  for (; q + 16 <= n; q += 16) end_block(e, s, q, 16, m);
  if (q == n) return;
  if (n >= 16) {
    end_block(e, s, n - 16, 16, m);
  } else {
    for (; q < n; q++) end_block(e, s, q, 1, m);
  }
}

static float *end_at(const order_dp *d, size_t t, size_t p, size_t gi) {
  return &d->end[((t * d->n + p) * d->G + gi) * d->Q1];
}
static float *start_at(const order_dp *d, size_t t, size_t p) {
  return &d->start[(t * d->n + p) * d->Q1];
}

/* V(t, p, g, r, q) as above. */
static float value(const order_dp *d, size_t t, size_t p, size_t g, size_t r, size_t q) {
  if (t + 1 == d->L) return 0.0f;
  const size_t qt = d->qt[t], k = q < qt ? q : qt;
  const float e = end_at(d, t, p, g - d->pb->opt_begin[t])[k];
  const float c = d->cont[d->c_off[t * d->n + p] + r * (qt + 1) + k];
  return c < e ? c : e;
}

static void order_free(order_dp *d) {
  free(d->R), free(d->su), free(d->eu), free(d->qt), free(d->c_off), free(d->k_off), free(d->keep);
}

/* Units and memory; 0, or 1 when the order is too long for ORDER_CELLS, or
 * -1 without memory. */
static int order_setup(order_dp *d, order_ws *ws, double eu_unit) {
  const solver__problem *pb = d->pb;
  const size_t L = d->L, n = d->n, N = pb->n_opt;
  const double qd = floor(pb->budget * (1 + 1e-9) / eu_unit + 1e-6);
  if (!(qd >= 0) || qd > ORDER_MAX_Q) return 1;
  d->Q1 = (size_t)qd + 1;
  d->G = 1;
  for (size_t l = 0; l < L; l++)
    if (pb->opt_begin[l + 1] - pb->opt_begin[l] > d->G) d->G = pb->opt_begin[l + 1] - pb->opt_begin[l];
  d->R = malloc(n * sizeof *d->R);
  d->su = malloc((N ? N : 1) * sizeof *d->su);
  d->eu = malloc((N ? N : 1) * sizeof *d->eu);
  d->c_off = malloc(L * n * sizeof *d->c_off);
  d->qt = malloc(L * sizeof *d->qt);
  if (!d->R || !d->su || !d->eu || !d->c_off || !d->qt) return -1;
  /* A segment never needs more than the whole model at its widest. */
  double whole = 0;
  for (size_t l = 0; l < L; l++) {
    double w = 0;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) w = fmax(w, pb->storage[g]);
    whole += w;
  }
  /* The storage unit: widest / N for the N that loses least to rounding
   * up, Σ over layers of the most any option of the layer gains, as a
   * share of N (as stab.c's choice loses least rounding down), among
   * those that keep Cont within ORDER_CELLS. With the analytic widths a
   * unit of two bits per weight of a block puts every width of the
   * blocks on whole units. */
  double widest = 0, sum = 0;
  for (size_t p = 0; p < n; p++) {
    const size_t j = (size_t)d->seq[p];
    const double c = pb->usable[j] ? fmin(pb->capacity[j] * (1 + 1e-9), whole * (1 + 1e-9)) : 0;
    widest = fmax(widest, c), sum += c;
  }
  if (!(widest > 0)) return 1;
  const double room = (double)ORDER_CELLS / (double)L / (double)d->Q1 - (double)n;
  const double top = room * widest / sum;
  if (!(top >= ORDER_MIN_R)) return 1;
  const size_t hi = top > ORDER_MAX_R ? ORDER_MAX_R : (size_t)top;
  /* The share of the widest server each N loses; then the smallest N
   * within 2 % of the least. Why: the time goes as N, and on bench-budget
   * M = 24 the units within 2 % gave the same incumbents as the finest (the
   * same search nodes on six runs) in two thirds of the time, while 5 %
   * lost the optimum's placement on two of them. */
  double *share = malloc((hi + 1) * sizeof *share);
  if (share == NULL) return -1;
  double best = INFINITY;
  solver__unit_shares(pb->storage, pb->opt_begin, L, widest, ORDER_MIN_R, hi, 1, &share[ORDER_MIN_R]);
  for (size_t div = ORDER_MIN_R; div <= hi; div++)
    if (share[div] < best) best = share[div];
  size_t best_n = hi;
  for (size_t div = hi; div >= ORDER_MIN_R; div--)
    if (share[div] <= best + 2e-2) best_n = div;
  free(share);
  const double su_unit = d->su_unit = widest / (double)best_n;
  size_t per_layer = 0;
  for (size_t p = 0; p < n; p++) {
    const size_t j = (size_t)d->seq[p];
    const double c = fmin(pb->capacity[j] * (1 + 1e-9), whole * (1 + 1e-9));
    const double r = pb->usable[j] ? floor(c / su_unit + 1e-6) : 0;
    d->R[p] = r > (double)best_n ? best_n : (size_t)r, per_layer += (d->R[p] + 1) * d->Q1;
  }
  if (per_layer > ORDER_CELLS / L) return 1;
  for (size_t g = 0; g < N; g++) {
    const double s = ceil(pb->storage[g] / su_unit - 1e-6);
    const double e = pb->error[g] > 0 ? ceil(pb->error[g] / eu_unit - 1e-6) : 0;
    d->su[g] = s > 1e9 ? (int)1e9 : s < 0 ? 0 : (int)s;
    d->eu[g] = e > 1e9 ? (int)1e9 : e < 0 ? 0 : (int)e;
  }
  /* The options worth trying for layer t on seq[p]: those that fit, none
   * with no more storage, error, compute and transfer to every later
   * server of the order than another (the first of equals kept). */
  d->k_off = malloc((L * n + 1) * sizeof *d->k_off);
  d->keep = malloc((N ? N : 1) * n * sizeof *d->keep);
  if (!d->k_off || !d->keep) return -1;
  size_t kept = 0;
  for (size_t t = 0; t < L; t++)
    for (size_t p = 0; p < n; p++) {
      const size_t j = (size_t)d->seq[p];
      d->k_off[t * n + p] = kept;
      for (size_t o = pb->opt_begin[t]; o < pb->opt_begin[t + 1]; o++) {
        const double c = solver__cost_x(pb, t, o, j);
        if (!isfinite(c) || (size_t)d->su[o] > d->R[p] || (size_t)d->eu[o] >= d->Q1) continue;
        int dominated = 0;
        for (size_t o2 = pb->opt_begin[t]; o2 < pb->opt_begin[t + 1] && !dominated; o2++) {
          if (o2 == o || d->su[o2] > d->su[o] || d->eu[o2] > d->eu[o]) continue;
          const double c2 = solver__cost_x(pb, t, o2, j);
          if (!(c2 <= c)) continue;
          int all = 1, equal = d->su[o2] == d->su[o] && d->eu[o2] == d->eu[o] && c2 == c;
          for (size_t p2 = p + 1; t + 1 < L && p2 < n && all; p2++) {
            const double m = solver__cm(pb, o, j, (size_t)d->seq[p2]);
            const double m2 = solver__cm(pb, o2, j, (size_t)d->seq[p2]);
            all = m2 <= m || !(m == m);
            equal = equal && m2 == m;
          }
          dominated = all && (!equal || o2 < o);
        }
        if (!dominated) d->keep[kept++] = (int)o;
      }
    }
  d->k_off[L * n] = kept;
  /* The most error units the layers after t can spend (each at its
   * largest kept option), at most Q: with that many left every
   * completion keeps the budget, so Cont[t] and End[t] are the same for
   * every larger q (stab.c's tables stop their rows the same way, and
   * say why it is exact). */
  size_t after = 0;
  for (size_t t = L; t-- > 0;) {
    d->qt[t] = after;
    size_t most = 0;
    for (size_t k = d->k_off[t * n]; k < d->k_off[(t + 1) * n]; k++)
      if ((size_t)d->eu[d->keep[k]] > most) most = (size_t)d->eu[d->keep[k]];
    after = after + most < d->Q1 - 1 ? after + most : d->Q1 - 1;
  }
  size_t cells = 0;
  for (size_t t = 0; t < L; t++)
    for (size_t p = 0; p < n; p++)
      d->c_off[t * n + p] = cells, cells += (d->R[p] + 1) * (d->qt[t] + 1);
  if (order_grow(&ws->cont, &ws->cont_n, cells) || order_grow(&ws->end, &ws->end_n, L * n * d->G * d->Q1) ||
      order_grow(&ws->start, &ws->start_n, L * n * d->Q1))
    return -1;
  d->cont = ws->cont, d->end = ws->end, d->start = ws->start;
  return 0;
}

static void order_build(order_dp *d) {
  const solver__problem *pb = d->pb;
  const size_t L = d->L, n = d->n, Q1 = d->Q1;
  for (size_t t = L; t-- > 0;) {
    const size_t qt = d->qt[t];
    if (t + 1 < L) {
      const size_t qn = d->qt[t + 1];
      /* End[t]: the segment ends at t with option g, the next starts at
       * a later position. */
      for (size_t p = 0; p < n; p++)
        for (size_t k = d->k_off[t * n + p]; k < d->k_off[t * n + p + 1]; k++) {
          const size_t g = (size_t)d->keep[k];
          float *e = end_at(d, t, p, g - pb->opt_begin[t]);
          solver__fill_inf(e, qt + 1);
          for (size_t p2 = p + 1; p2 < n; p2++) {
            const double m = solver__cm(pb, g, (size_t)d->seq[p], (size_t)d->seq[p2]);
            if (!isfinite(m)) continue;
            order_end(e, start_at(d, t + 1, p2), qt + 1, m);
          }
        }
      /* Cont[t]: layer t + 1 joins the segment. V(t + 1, ...) is read
       * from its two rows directly (it is 0 after the last layer). */
      for (size_t p = 0; p < n; p++) {
        const size_t j = (size_t)d->seq[p], Rp = d->R[p];
        float *w = &d->cont[d->c_off[t * n + p]];
        const int last = t + 2 == L;
        const float *nc = last ? NULL : &d->cont[d->c_off[(t + 1) * n + p]];
        const size_t k0 = d->k_off[(t + 1) * n + p], k1 = d->k_off[(t + 1) * n + p + 1];
        /* Row by row, every option into the row while it is in cache. */
        for (size_t r = 0; r <= Rp; r++) {
          float *wr = &w[r * (qt + 1)];
          solver__fill_inf(wr, qt + 1);
          for (size_t k = k0; k < k1; k++) {
            const size_t o = (size_t)d->keep[k];
            const size_t u = (size_t)d->su[o], eo = (size_t)d->eu[o];
            if (u > r || eo > qt) continue;
            const float *ne = last ? NULL : end_at(d, t + 1, p, o - pb->opt_begin[t + 1]);
            order_relax_sat(&wr[eo], last ? NULL : &nc[(r - u) * (qn + 1)], ne, qt + 1 - eo, qn + 1,
                            solver__cost_x(pb, t + 1, o, j));
          }
        }
      }
    }
    /* Start[t]: a segment starts at t. */
    for (size_t p = 0; p < n; p++) {
      const size_t j = (size_t)d->seq[p], Rp = d->R[p];
      float *s = start_at(d, t, p);
      for (size_t q = 0; q < Q1; q++) s[q] = INFINITY;
      for (size_t k = d->k_off[t * n + p]; k < d->k_off[t * n + p + 1]; k++) {
        const size_t o = (size_t)d->keep[k];
        const double c = solver__cost_x(pb, t, o, j);
        const size_t u = (size_t)d->su[o], eo = (size_t)d->eu[o];
        const int last = t + 1 == L;
        order_relax_sat(&s[eo], last ? NULL : &d->cont[d->c_off[t * n + p] + (Rp - u) * (qt + 1)],
                        last ? NULL : end_at(d, t, p, o - pb->opt_begin[t]), Q1 - eo, qt + 1, c);
      }
    }
  }
}

/* Reads the best path forward; 1 when it is complete. */
static int order_path(const order_dp *d, int *srv, int *opt) {
  const solver__problem *pb = d->pb;
  const size_t L = d->L, n = d->n;
  size_t q = d->Q1 - 1, p = n;
  float best = INFINITY;
  for (size_t i = 0; i < n; i++)
    if (start_at(d, 0, i)[q] < best) best = start_at(d, 0, i)[q], p = i;
  if (p == n || !isfinite(best)) return 0;
  size_t t = 0;
  for (;;) {
    /* A segment starts at t on seq[p]. */
    const size_t j = (size_t)d->seq[p], Rp = d->R[p];
    const float target = start_at(d, t, p)[q];
    size_t g = pb->opt_begin[t + 1];
    for (size_t k = d->k_off[t * n + p]; k < d->k_off[t * n + p + 1] && g == pb->opt_begin[t + 1];
         k++) {
      const size_t o = (size_t)d->keep[k];
      const double c = solver__cost_x(pb, t, o, j);
      const size_t u = (size_t)d->su[o], eo = (size_t)d->eu[o];
      if (isfinite(c) && u <= Rp && eo <= q && add(c, value(d, t, p, o, Rp - u, q - eo)) == target)
        g = o;
    }
    if (g == pb->opt_begin[t + 1]) return 0;
    size_t r = Rp - (size_t)d->su[g];
    q -= (size_t)d->eu[g];
    srv[t] = (int)j, opt[t] = (int)g;
    for (;;) {
      if (t + 1 == L) return 1;
      const size_t qt = d->qt[t], qk = q < qt ? q : qt;
      const float e = end_at(d, t, p, g - pb->opt_begin[t])[qk];
      const float c = d->cont[d->c_off[t * n + p] + r * (qt + 1) + qk];
      if (c < e) {
        size_t o2 = pb->opt_begin[t + 2];
        for (size_t k = d->k_off[(t + 1) * n + p];
             k < d->k_off[(t + 1) * n + p + 1] && o2 == pb->opt_begin[t + 2]; k++) {
          const size_t o = (size_t)d->keep[k];
          const double co = solver__cost_x(pb, t + 1, o, j);
          const size_t u = (size_t)d->su[o], eo = (size_t)d->eu[o];
          if (isfinite(co) && u <= r && eo <= q && add(co, value(d, t + 1, p, o, r - u, q - eo)) == c)
            o2 = o;
        }
        if (o2 == pb->opt_begin[t + 2]) return 0;
        t++, g = o2;
        r -= (size_t)d->su[g], q -= (size_t)d->eu[g];
        srv[t] = (int)j, opt[t] = (int)g;
        continue;
      }
      size_t p2 = n;
      for (size_t i = p + 1; i < n && p2 == n; i++) {
        const double m = solver__cm(pb, g, j, (size_t)d->seq[i]);
        if (isfinite(m) && add(m, start_at(d, t + 1, i)[q]) == e) p2 = i;
      }
      if (p2 == n) return 0;
      t++, p = p2;
      break;
    }
  }
}

/* solver__order_dp with the tables in ws. */
static int order_solve(const solver__problem *pb, order_ws *ws, const int *seq, size_t n,
                       double eu_unit, int *srv, int *opt, double *su_unit) {
  if (n == 0 || pb->L == 0 || !pb->has_budget || !(pb->budget > 0) || !(eu_unit > 0))
    return 0;
  order_dp d = {pb, seq, n, pb->L, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  const int rc = order_setup(&d, ws, eu_unit);
  if (su_unit != NULL) *su_unit = d.su_unit;
  int found = 0;
  if (rc == 0) {
    order_build(&d);
    found = order_path(&d, srv, opt);
  }
  order_free(&d);
  return rc < 0 ? -1 : found;
}

int solver__order_dp(const solver__problem *pb, const int *seq, size_t n, double eu_unit,
                     int *srv, int *opt, double *su_unit) {
  order_ws ws = {NULL, NULL, NULL, 0, 0, 0};
  const int rc = order_solve(pb, &ws, seq, n, eu_unit, srv, opt, su_unit);
  order_ws_free(&ws);
  return rc;
}

/* The incumbent's segment servers in order, each once: returns how many. */
static size_t order_of(const solver__problem *pb, const int *srv, int *seq, unsigned char *in) {
  size_t n = 0;
  memset(in, 0, pb->M);
  for (size_t l = 0; l < pb->L; l++)
    if (!in[srv[l]]) in[srv[l]] = 1, seq[n++] = srv[l];
  return n;
}

/* Offers the best placement following seq (repaired when the exact check
 * fails it); 1 if the incumbent improved, -1 without memory. */
static int order_try(const solver__problem *pb, order_ws *ws, solver__incumbent *inc, const int *seq,
                     size_t n,
                     double eu_unit, int *srv, int *opt, double deadline) {
  const double before = inc->value;
  const int rc = order_solve(pb, ws, seq, n, eu_unit, srv, opt, NULL);
  if (rc < 0) return -1;
  if (rc == 1 && !solver__incumbent_offer(inc, pb, srv, opt))
    solver__repair(pb, inc, srv, opt, deadline);
  return inc->value < before;
}

int solver__order_improve(const solver__problem *pb, solver__incumbent *inc, double eu_unit,
                          double deadline) {
  const size_t L = pb->L, M = pb->M;
  if (!isfinite(inc->value) || L == 0) return 0;
  int *seq = malloc(M * sizeof *seq), *perm = malloc(M * sizeof *perm);
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  unsigned char *in = malloc(M);
  order_ws ws = {NULL, NULL, NULL, 0, 0, 0};
  int improved = 0, rc = 0;
  if (!seq || !perm || !srv || !opt || !in) {
    rc = -1;
    goto done;
  }
  /* Rounds while one improves, from the new incumbent's order. */
  for (int round = 0, better = 1; better && round < 3 && !solver__expired(deadline); round++) {
    better = 0;
    const size_t k = order_of(pb, inc->srv, perm, in);
    int r;
    /* The order itself (boundaries and widths anew), then reversed. */
    if ((r = order_try(pb, &ws, inc, perm, k, eu_unit, srv, opt, deadline)) < 0) goto oom;
    better |= r;
    for (size_t i = 0; i < k; i++) seq[i] = perm[k - 1 - i];
    if ((r = order_try(pb, &ws, inc, seq, k, eu_unit, srv, opt, deadline)) < 0) goto oom;
    better |= r;
    improved |= better;
  }
  rc = improved;
  goto done;
oom:
  rc = -1;
done:
  free(seq), free(perm), free(srv), free(opt), free(in);
  order_ws_free(&ws);
  return rc;
}
