/* stab.c: the segment relaxation charged the storage of the widths it uses,
 * with the budget kept exactly.
 *
 * Why it exists: the segment relaxations of segment.c and budget.c fit a
 * segment to its server with every layer at its smallest width. Under a
 * binding budget most layers need wider widths, which take more storage,
 * so those relaxations let a fast server hold more layers than it can
 * (on the budget benchmark, thirteen 12-bit blocks on a server that holds
 * eleven), and their bound sat 2-6 % below the optimum from M = 16 on.
 * Relaxing the budget with a multiplier instead loses as much: which
 * layers get the narrow widths is an integer choice.
 *
 * The relaxation. Any feasible placement is a sequence of maximal
 * segments, each on one server, and the storage of the widths a segment
 * uses fits its server alone (the server's total does); the errors of all
 * layers fit the budget. Forget the coupling of segments on the same
 * server and keep both resources as states, each counted in whole units,
 * every option's storage and error rounded DOWN: a segment that fits has
 * Σ ⌊s/u_s⌋ <= ⌊κ·(1 + 1e-9)/u_s⌋ = R_j and a placement within the budget
 * Σ ⌊e/u_e⌋ <= ⌊E·(1 + 1e-9)/u_e⌋ = Q, so the counted problem is a
 * relaxation. It is solved exactly by a backward DP:
 *   X[t][j][o][q] the layers after t when a segment ends at t on j with
 *                 option o and q error units are left: o's own transfer
 *                 out of t to another server i, then S[t + 1][i][q] (0
 *                 after the last layer);
 *   W[t][j][r][q] the layers after t when layer t is on j and layer t + 1
 *                 joins its segment, which has r storage units left, with
 *                 q error units left: min over options o of layer t + 1
 *                 on j of c(o) + V(t + 1, j, o, r - su(o), q - eu(o));
 *   V(t, j, o, r, q) = min(W[t][j][r][q], X[t][j][o][q]): go on or end;
 *   S[s][j][q]    a segment starting at s on j: min over o of
 *                 c(o) + V(s, j, o, R_j - su(o), q - eu(o)).
 * min_j S[0][j][Q] is a lower bound on T*, and the search (bsearch.c)
 * looks V up for a child with layer t on j at option o, the storage j has
 * left and the error left. With the storage and cap multipliers π of the
 * segment Lagrangian on the costs, the same tables bound the penalized
 * cost (minus Σ π, as in budget.c).
 *
 * A segment's end pays the transfer at its last layer's width, as the
 * placement does. Why: the first form charged every end the cheapest
 * option's transfer, so a path could end a segment on a wide, error-free
 * layer at a narrow layer's transfer; with
 * the paper's cost model a transfer grows with the width. On bench-budget
 * at M = 24 the search nodes fell on all 20 runs (by 2 to 77 %), the root
 * of run 4 rose from 4.137 to 4.163 s (optimum 4.256 s), and the tables
 * beat budget.c's root on 74 of the test's instances instead of 62.
 * Options are kept on the frontier only when they send no dearer to any
 * server as well, so that the option they bound ends no cheaper.
 *
 * Units are chosen to lose least: with weights of params·b/8 bytes, a unit
 * of a block's storage at two bits per weight puts every width of the
 * blocks on whole units, as the budget's units do for errors 4^-b; the
 * tables hold at most STAB_CELLS entries, so on large instances the units
 * are coarser and the bound weaker, never wrong. Entries are stored as
 * floats rounded down, which only lowers a bound.
 *
 * Costs O(Σ W·F + L·M²·F·Q) to build, F the options per (layer, server)
 * on the (storage, error, cost, transfer) frontier.
 *
 * Floating point: units are floor(x/u) and the units left floor(x/u +
 * 1e-6); a computed quotient exceeds the true one by a few ulps, far below
 * the 1e-6 added to what is left, so rounding only relaxes. */
#include "solver/internal_budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Entries of W, floats (32 MB). Enough that on bench-budget up to M = 48
 * the storage unit is params·2/8 bytes, on which every width of the
 * blocks falls exactly; with 16 MB it was 1.06 to 2 times that from M = 8
 * on, each block rounded down by up to a fifth, and the root bound sat
 * 0.5-4 % lower on half the M = 16 runs. With 8 MB the coarser units had
 * cost the search four times the nodes on bench-budget M = 12-16. */
#define STAB_CELLS SOLVER__STAB_CELLS
/* Range of the units in the budget and in the widest server. */
#define STAB_MIN_Q 8
#define STAB_MAX_Q 512
#define STAB_MIN_R 8
#define STAB_MAX_R 1024
/* The same with the budget relaxed (no error units): a row per storage
 * unit is all the memory holds, so the units can be finer. */
#define STAB_MAX_R_DUAL 4096

struct solver__stab {
  const solver__problem *pb;
  solver__penalty pen; /* storage and cap multipliers on the costs (error: 0), or none */
  int penalized;
  int dual;         /* 1: the budget relaxed by mu, no error units (Q = 0) */
  double mu;        /* s per budget: every option costs mu·err/E more (dual tables) */
  size_t L, M, Q, G; /* G: the most options of a layer */
  double su_unit;   /* bytes per storage unit */
  double eu_unit;   /* error per error unit */
  size_t *R;        /* M: storage units of server j (0 when not usable) */
  int *su, *eu;     /* n_opt: the option's storage and error in whole units (rounded down) */
  size_t *qt;       /* L: the error units past which layer t's rows are constant (below) */
  size_t *w_off;    /* L x M: offset of W[t][j][0][0]; r-major, qt[t] + 1 per r */
  float *W;         /* s: the segment goes on past t */
  float *X;         /* L x M x G x (Q + 1), s: the segment ends at t with the option (by its
                     * index in layer t); written for the options on the frontier only,
                     * and for q <= qt[t] */
  int *map;         /* L x M x G: the index of a frontier option that bounds option g of
                     * layer t on j (itself or one that dominates it), -1 for none */
  unsigned char *sends; /* L x M x G x G: 1 when option a of layer t on j sends no dearer
                         * than option b to every other server (by their indices);
                         * borrowed from another table of the same problem when
                         * owns_sends is 0 */
  int owns_sends;
  double *S;        /* L x M x (Q + 1) */
  double root;
};

/* A float no larger than v >= 0 (every cost is): rounding to the nearest
 * float moves by at most half an ulp, 2^-24 < 1e-7 relative. */
static float down(double v) { return (float)(v * (1 - 1e-7)); }

/* The lesser of going on (a, from W) and ending (b, from X): V in the file
 * comment. The build and the path reading both take it this way, so their
 * values are bit-identical. */
static float go_or_end(float a, float b) { return a < b ? a : b; }

/* X's row for option g of layer t on j (g on the layer's frontier there). */
static float *x_row(const solver__stab *st, size_t t, size_t j, size_t g) {
  return &st->X[((t * st->M + j) * st->G + (g - st->pb->opt_begin[t])) * (st->Q + 1)];
}

/* W[t][j][r][q] and X[t][j][g][q] for any q <= Q: the rows hold q <=
 * qt[t], where they stop changing (see solver__stab_alloc_units). */
static float w_at(const solver__stab *st, size_t t, size_t j, size_t r, size_t q) {
  const size_t qt = st->qt[t];
  return st->W[st->w_off[t * st->M + j] + r * (qt + 1) + (q < qt ? q : qt)];
}
static float x_at(const solver__stab *st, size_t t, size_t j, size_t g, size_t q) {
  return x_row(st, t, j, g)[q < st->qt[t] ? q : st->qt[t]];
}

void solver__stab_free(solver__stab *st) {
  if (st == NULL) return;
  free(st->R), free(st->su), free(st->eu), free(st->qt), free(st->w_off), free(st->map);
  solver__table_free(st->pb->ws, st->W);
  solver__table_free(st->pb->ws, st->S);
  solver__table_free(st->pb->ws, st->X);
  if (st->owns_sends) free(st->sends);
  free(st);
}

size_t solver__stab_room(const solver__stab *st, size_t j, double bytes_left) {
  if (!(bytes_left >= 0)) return (size_t)-1;
  const double r = floor(bytes_left / st->su_unit + 1e-6);
  return r >= (double)st->R[j] ? st->R[j] : (size_t)r;
}

size_t solver__stab_units(const solver__stab *st, double err_left) {
  if (!(err_left >= 0)) return (size_t)-1;
  const double q = floor(err_left / st->eu_unit + 1e-6);
  return q >= (double)st->Q ? st->Q : (size_t)q;
}

double solver__stab_after(const solver__stab *st, size_t t, size_t j, size_t g, size_t r, size_t q) {
  if (r == (size_t)-1 || q == (size_t)-1) return INFINITY;
  if (r > st->R[j]) r = st->R[j];
  const size_t gi = g - st->pb->opt_begin[t];
  const int m = gi < st->G ? st->map[(t * st->M + j) * st->G + gi] : -1;
  /* An option no frontier entry bounds does not fit the server or the
   * budget alone: no placement has it, so no completion either. */
  if (m < 0) return INFINITY;
  return (double)go_or_end(w_at(st, t, j, r, q), x_at(st, t, j, st->pb->opt_begin[t] + (size_t)m, q));
}

double solver__stab_start(const solver__stab *st, size_t t, size_t j, size_t q) {
  if (q == (size_t)-1) return INFINITY;
  return st->S[(t * st->M + j) * (st->Q + 1) + (q > st->Q ? st->Q : q)];
}

double solver__stab_root(const solver__stab *st) { return st->root; }

double solver__stab_error_unit(const solver__stab *st) { return st->eu_unit; }

double solver__stab_storage_unit(const solver__stab *st) { return st->su_unit; }

double solver__stab_mu(const solver__stab *st) { return st->mu; }

int solver__stab_is_dual(const solver__stab *st) { return st->dual; }

static int double_cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void solver__stab_borrow(solver__stab *st, const solver__penalty *pen) {
  st->pen.storage = pen->storage, st->pen.count = pen->count;
}

int solver__stab_coarse(const solver__problem *pb, const solver__stab *st) {
  if (st == NULL) return 1;
  const size_t L = pb->L;
  double *narrow = malloc(L * sizeof *narrow);
  if (narrow == NULL) return 0;
  for (size_t l = 0; l < L; l++) {
    narrow[l] = INFINITY;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      narrow[l] = fmin(narrow[l], pb->storage[g]);
  }
  qsort(narrow, L, sizeof *narrow, double_cmp);
  const double med = narrow[L / 2];
  free(narrow);
  return st->su_unit > 0.5 * med;
}

/* wr[q] = min(wr[q], down(c + min(go[q], end[q]))) for q in [at, at +
 * B): one block of one option's step of the build (the next layer joins
 * the segment with it, and the segment then goes on, go, or ends there,
 * end). B is a constant at every call, so GCC unrolls the block and uses
 * vector instructions at -O2. */
static inline void relax_block(float *restrict wr, const float *restrict go,
                               const float *restrict end, size_t at, size_t B, double c) {
  for (size_t k = at; k < at + B; k++) {
    const float v = down(c + (double)go_or_end(go[k], end[k]));
    wr[k] = v < wr[k] ? v : wr[k];
  }
}

/* The step over q < n, most of the build's time. The rows never overlap
 * (wr is in W[t], go in W[t + 1], end in X), which restrict says. Blocks
 * of 16, and the rest as one more block that ends at n and overlaps the
 * last (taking the same minimum twice changes nothing), so no entry is
 * left to a scalar loop unless n < 4: the tuning's tables have 14 error
 * units, and their scalar rest had been a quarter of the build's samples
 * in a profile of bench-budget M = 24.
 * Each entry gets exactly the operations of the scalar loop, which
 * solver__stab_path repeats. */
static void stab_relax(float *restrict wr, const float *restrict go, const float *restrict end,
                       size_t n, double c) {
  size_t q = 0;
  for (; q + 16 <= n; q += 16) relax_block(wr, go, end, q, 16, c);
  if (q == n) return;
  if (n >= 16) {
    relax_block(wr, go, end, n - 16, 16, c);
  } else if (n >= 8) {
    relax_block(wr, go, end, 0, 8, c);
    relax_block(wr, go, end, n - 8, 8, c);
  } else if (n >= 4) {
    relax_block(wr, go, end, 0, 4, c);
    relax_block(wr, go, end, n - 4, 4, c);
  } else {
    for (q = 0; q < n; q++) relax_block(wr, go, end, q, 1, c);
  }
}

/* Whether option a of layer t on j costs no more than option b to send to
 * every other server (always, after the last layer: the output is part of
 * the option's cost). The transfers do not depend on the multipliers, so
 * solver__stab_alloc_units tabulates this once for every build. */
static int sends_no_more(const solver__stab *st, size_t t, size_t a, size_t b, size_t j) {
  const size_t base = st->pb->opt_begin[t];
  return st->sends[((t * st->M + j) * st->G + (a - base)) * st->G + (b - base)];
}

static int sends_no_more_direct(const solver__stab *st, size_t t, size_t a, size_t b, size_t j) {
  const solver__problem *pb = st->pb;
  if (t + 1 == st->L) return 1;
  for (size_t i = 0; i < st->M; i++)
    if (i != j && pb->usable[i] && !(solver__cm(pb, a, j, i) <= solver__cm(pb, b, j, i))) return 0;
  return 1;
}

/* Option g of layer t on j: its cost in the tables, or +inf when it cannot
 * be in them (it does not fit the server or the budget alone). */
static double frontier_cost(const solver__stab *st, size_t t, size_t g, size_t j) {
  const solver__problem *pb = st->pb;
  if (!pb->usable[j] || (size_t)st->su[g] > st->R[j] || st->eu[g] > (int)st->Q) return INFINITY;
  if (pb->storage[g] > pb->capacity[j] * (1 + 1e-9)) return INFINITY;
  double c = solver__cost_x(pb, t, g, j);
  if (st->penalized) c += solver__penalty_option(pb, &st->pen, g, j);
  if (st->dual && st->mu > 0) c += st->mu * pb->error[g] / pb->budget;
  return c;
}

/* The frontier of layer t on every server: options that fit the server
 * and the budget alone, none with no more storage, error and cost than
 * another and no dearer a transfer to any server (a segment that ends
 * with it pays its own). Server j's entries are fu/fe/fc/fg[fb[j] ..
 * fb[j + 1] - 1] (storage units, error units, cost, option). With map
 * (L x M x G as in the struct), also the entry that bounds each option of
 * layer t. The build and solver__stab_path both call it, so their costs
 * are bit-identical. */
static void stab_frontier(const solver__stab *st, size_t t, size_t *fb, int *fu, int *fe,
                          double *fc, int *fg, int *map) {
  const solver__problem *pb = st->pb;
  const size_t M = st->M;
  size_t n = 0;
  for (size_t j = 0; j < M; j++) {
    fb[j] = n;
    const size_t first = n;
    for (size_t g = pb->opt_begin[t]; pb->usable[j] && g < pb->opt_begin[t + 1]; g++) {
      const double c = frontier_cost(st, t, g, j);
      if (!isfinite(c)) continue;
      int dominated = 0;
      for (size_t f = first; f < n && !dominated; f++)
        dominated = fu[f] <= st->su[g] && fe[f] <= st->eu[g] && fc[f] <= c &&
                    sends_no_more(st, t, (size_t)fg[f], g, j);
      if (dominated) continue;
      size_t w2 = first;
      for (size_t f = first; f < n; f++)
        if (!(st->su[g] <= fu[f] && st->eu[g] <= fe[f] && c <= fc[f] &&
              sends_no_more(st, t, g, (size_t)fg[f], j))) {
          fu[w2] = fu[f], fe[w2] = fe[f], fc[w2] = fc[f], fg[w2] = fg[f];
          w2++;
        }
      n = w2;
      fu[n] = st->su[g], fe[n] = st->eu[g], fc[n] = c, fg[n] = (int)g;
      n++;
    }
    /* Dominance is transitive, so every option that fits is bounded by an
     * entry that is left. */
    for (size_t g = pb->opt_begin[t]; map != NULL && g < pb->opt_begin[t + 1]; g++) {
      int *m = &map[(t * M + j) * st->G + (g - pb->opt_begin[t])];
      *m = -1;
      const double c = frontier_cost(st, t, g, j);
      for (size_t f = first; f < n && *m < 0 && isfinite(c); f++)
        if (fu[f] <= st->su[g] && fe[f] <= st->eu[g] && fc[f] <= c &&
            sends_no_more(st, t, (size_t)fg[f], g, j))
          *m = fg[f] - (int)pb->opt_begin[t];
    }
  }
  fb[M] = n;
}

solver__stab *solver__stab_alloc_units(const solver__problem *pb, size_t max_cells,
                                       const solver__stab *like, int dual) {
  const size_t L = pb->L, M = pb->M, N = pb->n_opt;
  if (!pb->has_budget || !(pb->budget > 0) || L == 0) return NULL;
  solver__stab *st = calloc(1, sizeof *st);
  if (st == NULL) return NULL;
  st->pb = pb, st->L = L, st->M = M, st->dual = dual;
  st->R = calloc(M, sizeof *st->R);
  st->su = malloc((N ? N : 1) * sizeof *st->su);
  st->eu = malloc((N ? N : 1) * sizeof *st->eu);
  st->w_off = malloc(L * M * sizeof *st->w_off);
  st->qt = malloc(L * sizeof *st->qt);
  if (!st->R || !st->su || !st->eu || !st->w_off || !st->qt) goto fail;
  /* A server never needs more room than the whole model at its widest
   * options: capacities are clipped there. */
  double whole = 0, widest = 0, sum = 0;
  for (size_t l = 0; l < L; l++) {
    double w = 0;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) w = fmax(w, pb->storage[g]);
    whole += w;
  }
  whole *= 1 + 1e-9;
  size_t usable = 0;
  for (size_t j = 0; j < M; j++)
    if (pb->usable[j]) {
      const double c = fmin(pb->capacity[j] * (1 + 1e-9), whole);
      widest = fmax(widest, c), sum += c, usable++;
    }
  if (usable == 0 || !(widest > 0)) goto fail;
  /* The error units first (as budget.c chooses them), then the storage
   * units the memory leaves; fewer error units when too few are left.
   * The dual tables have none (Q = 0): an option whose error alone
   * exceeds the budget is left out, the rest is priced by mu. */
  const double limit = pb->budget * (1 + 1e-9);
  size_t qmax = STAB_MAX_Q, rmax = 0;
  for (;;) {
    st->Q = dual ? 0 : solver__unit_choose(pb->error, pb->opt_begin, L, pb->budget, STAB_MIN_Q, qmax);
    /* Σ_j (R_j + 1) <= cells per (layer, q); R_j ≈ rmax·c_j/widest. */
    const double per = (double)max_cells / (double)L / (double)(st->Q + 1) - (double)usable;
    const double r = per * widest / sum;
    const double most = dual ? STAB_MAX_R_DUAL : STAB_MAX_R;
    rmax = r > most ? (size_t)most : r < 0 ? 0 : (size_t)r;
    if (dual || rmax >= 2 * STAB_MIN_R || qmax <= STAB_MIN_Q) break;
    qmax /= 2;
  }
  if (rmax < STAB_MIN_R) goto fail; /* too large an instance for a useful table */
  const size_t R = solver__unit_choose(pb->storage, pb->opt_begin, L, widest, STAB_MIN_R, rmax);
  st->su_unit = widest / (double)R;
  st->eu_unit = dual ? INFINITY : pb->budget / (double)st->Q;
  for (size_t j = 0; j < M; j++)
    if (pb->usable[j]) {
      const double r = floor(fmin(pb->capacity[j] * (1 + 1e-9), whole) / st->su_unit + 1e-6);
      st->R[j] = r >= (double)R ? R : (size_t)r;
    }
  for (size_t g = 0; g < N; g++) {
    st->su[g] = (int)fmin(floor(pb->storage[g] / st->su_unit), 1e9);
    const double e = pb->error[g];
    st->eu[g] = e > limit ? (int)st->Q + 1 : !(e > 0) || dual ? 0 : (int)floor(e / st->eu_unit);
  }
  const size_t Q1 = st->Q + 1;
  /* The most error units the layers after t can spend, each at its
   * largest error within the budget, capped at Q: with at least that
   * many left every completion keeps the budget, so W[t] and X[t] are the
   * same for every larger q (by induction from the last layer: their
   * entries there are computed from the same numbers by the same
   * operations). Their rows stop at qt[t] and a lookup past it reads the
   * last entry, bit for bit what a full row holds. On bench-budget (26
   * blocks, a 10-bit block spends 16 of the budget's 208 units) the rows
   * of the last 13 layers are shorter: 27 % fewer cells to fill. */
  solver__units_after(st->eu, pb->opt_begin, L, st->Q, st->qt);
  size_t cells = 0;
  for (size_t t = 0; t < L; t++)
    for (size_t j = 0; j < M; j++)
      st->w_off[t * M + j] = cells, cells += (st->R[j] + 1) * (st->qt[t] + 1);
  st->G = 1;
  for (size_t l = 0; l < L; l++)
    if (pb->opt_begin[l + 1] - pb->opt_begin[l] > st->G) st->G = pb->opt_begin[l + 1] - pb->opt_begin[l];
  st->W = solver__table_alloc(pb->ws, cells * sizeof *st->W);
  st->S = solver__table_alloc(pb->ws, L * M * Q1 * sizeof *st->S);
  st->X = solver__table_alloc(pb->ws, L * M * st->G * Q1 * sizeof *st->X);
  st->map = malloc(L * M * st->G * sizeof *st->map);
  if (!st->W || !st->S || !st->X || !st->map) goto fail;
  if (like != NULL && like->pb->cm == pb->cm && like->pb->usable == pb->usable &&
      like->pb->opt_begin == pb->opt_begin) {
    st->sends = like->sends; /* it depends on the transfers and usable servers alone */
    return st;
  }
  st->sends = malloc(L * M * st->G * st->G);
  st->owns_sends = 1;
  if (!st->sends) goto fail;
  for (size_t t = 0; t < L; t++)
    for (size_t j = 0; j < M; j++)
      for (size_t a = pb->opt_begin[t]; a < pb->opt_begin[t + 1]; a++)
        for (size_t b = pb->opt_begin[t]; b < pb->opt_begin[t + 1]; b++)
          st->sends[((t * M + j) * st->G + (a - pb->opt_begin[t])) * st->G + (b - pb->opt_begin[t])] =
              (unsigned char)sends_no_more_direct(st, t, a, b, j);
  return st;
fail:
  solver__stab_free(st);
  return NULL;
}

int solver__stab_build(solver__stab *st, const solver__penalty *pen, double mu) {
  const solver__problem *pb = st->pb;
  const size_t L = st->L, M = st->M, Q1 = st->Q + 1, G = st->G;
  st->penalized = pen != NULL;
  st->pen.storage = pen != NULL ? pen->storage : NULL;
  st->pen.count = pen != NULL ? pen->count : NULL;
  st->pen.error = 0;
  st->mu = st->dual ? mu : 0;
  int *fu = malloc(G * M * sizeof *fu), *fe = malloc(G * M * sizeof *fe);
  int *fg = malloc(G * M * sizeof *fg);
  double *fc = malloc(G * M * sizeof *fc), *row = malloc(Q1 * sizeof *row);
  size_t *fb = malloc((M + 1) * sizeof *fb);
  if (!fu || !fe || !fg || !fc || !row || !fb) {
    free(fu), free(fe), free(fg), free(fc), free(row), free(fb);
    return -1;
  }
  /* The frontier of layer t + 1 on each server (fb, fu, fe, fc, fg), kept
   * from the previous round; built for layer t after W[t]. */
  for (size_t t = L; t-- > 0;) {
    /* W[t]: layer t + 1 joins the segment (+inf after the last layer). */
    const size_t qt = st->qt[t], qn = t + 1 < L ? st->qt[t + 1] : 0;
    for (size_t j = 0; j < M; j++) {
      float *w = &st->W[st->w_off[t * M + j]];
      const size_t Rj = st->R[j];
      const float *nw = t + 1 < L ? &st->W[st->w_off[(t + 1) * M + j]] : NULL;
      /* Row by row, every option into the row while it is in cache (the
       * table is larger than the cache; option by option, each pass
       * read and wrote it all again). */
      for (size_t r = 0; r <= Rj; r++) {
        float *wr = &w[r * (qt + 1)];
        solver__fill_inf(wr, qt + 1);
        for (size_t f = fb[j]; nw != NULL && f < fb[j + 1]; f++) {
          const size_t u = (size_t)fu[f], e = (size_t)fe[f];
          if (u > r || e > qt) continue;
          /* q - e up to qn from the rows of t + 1; past it their last
           * entries, the same for every q. */
          const size_t top = qt < qn + e ? qt : qn + e;
          const float *nr = &nw[(r - u) * (qn + 1)], *xr = x_row(st, t + 1, j, (size_t)fg[f]);
          stab_relax(&wr[e], nr, xr, top - e + 1, fc[f]);
          if (top < qt) {
            const float v = down(fc[f] + (double)go_or_end(nr[qn], xr[qn]));
            for (size_t q = top + 1; q <= qt; q++) wr[q] = v < wr[q] ? v : wr[q];
          }
        }
      }
    }
    stab_frontier(st, t, fb, fu, fe, fc, fg, st->map);
    /* X[t]: the segment ends at t with each frontier option, which pays
     * its own transfer to the next segment's server. */
    for (size_t j = 0; j < M; j++)
      for (size_t f = fb[j]; f < fb[j + 1]; f++) {
        float *x = x_row(st, t, j, (size_t)fg[f]);
        for (size_t q = 0; q <= qt; q++) row[q] = t + 1 == L ? 0.0 : INFINITY;
        for (size_t i = 0; t + 1 < L && i < M; i++) {
          const double c = i == j || !pb->usable[i] ? INFINITY : solver__cm(pb, (size_t)fg[f], j, i);
          if (!isfinite(c)) continue;
          solver__min_add(row, &st->S[((t + 1) * M + i) * Q1], qt + 1, c);
        }
        for (size_t q = 0; q <= qt; q++) x[q] = down(row[q]);
      }
    /* S[t]: a segment starts at t. */
    for (size_t j = 0; j < M; j++) {
      double *s = &st->S[(t * M + j) * Q1];
      for (size_t q = 0; q < Q1; q++) s[q] = INFINITY;
      const size_t Rj = st->R[j];
      for (size_t f = fb[j]; f < fb[j + 1]; f++) {
        const size_t u = (size_t)fu[f], e = (size_t)fe[f];
        for (size_t q = e; q < Q1; q++) {
          const double v = fc[f] + (double)go_or_end(w_at(st, t, j, Rj - u, q - e),
                                                     x_at(st, t, j, (size_t)fg[f], q - e));
          if (v < s[q]) s[q] = v;
        }
      }
    }
  }
  free(fu), free(fe), free(fg), free(fc), free(row), free(fb);
  st->root = INFINITY;
  for (size_t j = 0; j < M; j++)
    if (st->S[j * Q1 + st->Q] < st->root) st->root = st->S[j * Q1 + st->Q];
  return 0;
}

solver__stab *solver__stab_alloc_like(const solver__problem *pb, const solver__penalty *pen,
                                      const solver__stab *like) {
  solver__stab *st = solver__stab_alloc_units(pb, STAB_CELLS, like, 0);
  if (st != NULL && solver__stab_build(st, pen, 0) != 0) {
    solver__stab_free(st);
    st = NULL;
  }
  return st;
}

solver__stab *solver__stab_alloc(const solver__problem *pb, const solver__penalty *pen) {
  return solver__stab_alloc_like(pb, pen, NULL);
}

/* One optimal path of the relaxation (solver__stab_path). Every value is
 * recomputed with the operations of the build, so equality is exact. */
int solver__stab_path(const solver__stab *st, int *srv, int *opt) {
  const solver__problem *pb = st->pb;
  const size_t L = st->L, M = st->M, Q1 = st->Q + 1, G = st->G;
  int *fu = malloc(G * M * sizeof *fu), *fe = malloc(G * M * sizeof *fe);
  int *fg = malloc(G * M * sizeof *fg);
  double *fc = malloc(G * M * sizeof *fc);
  size_t *fb = malloc((M + 1) * sizeof *fb);
  int ok = 0;
  if (!fu || !fe || !fg || !fc || !fb || !isfinite(st->root)) goto done;
  size_t j = M, q = st->Q, t = 0;
  for (size_t i = 0; i < M && j == M; i++)
    if (st->S[i * Q1 + q] == st->root) j = i;
  if (j == M) goto done;
  for (;;) {
    /* A segment starts at t on j with S[t][j][q]: its first option. */
    stab_frontier(st, t, fb, fu, fe, fc, fg, NULL);
    const size_t Rj = st->R[j];
    const double target = st->S[(t * M + j) * Q1 + q];
    size_t pick = fb[j + 1], r = 0;
    for (size_t f = fb[j]; f < fb[j + 1] && pick == fb[j + 1]; f++) {
      const size_t u = (size_t)fu[f], e = (size_t)fe[f];
      if (u > Rj || e > q) continue;
      const float v = go_or_end(w_at(st, t, j, Rj - u, q - e), x_at(st, t, j, (size_t)fg[f], q - e));
      if (fc[f] + (double)v == target) pick = f;
    }
    if (pick == fb[j + 1]) goto done;
    srv[t] = (int)j, opt[t] = fg[pick];
    r = Rj - (size_t)fu[pick], q -= (size_t)fe[pick];
    /* Stay on j while going on is below ending (as the min was taken). */
    for (;;) {
      if (t + 1 == L) {
        ok = 1;
        goto done;
      }
      const float wv = w_at(st, t, j, r, q);
      if (!(wv < x_at(st, t, j, (size_t)opt[t], q))) break;
      stab_frontier(st, t + 1, fb, fu, fe, fc, fg, NULL);
      size_t f = fb[j];
      for (; f < fb[j + 1]; f++) {
        const size_t u = (size_t)fu[f], e = (size_t)fe[f];
        if (u > r || e > q) continue;
        const float v = go_or_end(w_at(st, t + 1, j, r - u, q - e), x_at(st, t + 1, j, (size_t)fg[f], q - e));
        if (down(fc[f] + (double)v) == wv) break;
      }
      if (f == fb[j + 1]) goto done;
      t++;
      srv[t] = (int)j, opt[t] = fg[f];
      r -= (size_t)fu[f], q -= (size_t)fe[f];
    }
    /* The segment ends at t: the next server is one whose transfer from
     * j at layer t's option, plus its suffix, gives X's entry. */
    const float xv = x_at(st, t, j, (size_t)opt[t], q);
    size_t next = M;
    for (size_t i = 0; i < M && next == M; i++) {
      if (i == j || !pb->usable[i]) continue;
      const double c = solver__cm(pb, (size_t)opt[t], j, i);
      if (isfinite(c) && down(c + st->S[((t + 1) * M + i) * Q1 + q]) == xv) next = i;
    }
    if (next == M) goto done;
    t++, j = next;
  }
done:
  free(fu), free(fe), free(fg), free(fc), free(fb);
  return ok;
}
