/* internal.h: what the solver's files share and nobody else uses.
 *
 * Every method works on a solver__problem: the instance with its cost tables
 * precomputed once (the costs still come from instance.c and nowhere else),
 * the (layer, bits) options that survive the accuracy rule and the presolve,
 * and the servers a method may use. Options are numbered globally: layer l
 * owns options opt_begin[l] .. opt_begin[l + 1] - 1.
 *
 * Ownership rule: solver__problem_alloc returns a problem freed with
 * solver__problem_free; it borrows the instance, which must outlive it.
 * Placements inside the solver are plain arrays srv[L] (server index) and
 * opt[L] (global option index), converted to solver_placement at the end. */
#ifndef DILEMMA_SOLVER_INTERNAL_H
#define DILEMMA_SOLVER_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"
#include "solver/solver.h"

/* Subgradient iterations per Lagrangian bound: enough to reach the LP bound
 * of the flow formulation on the benchmark (a few milliseconds at M = 24). */
#define SOLVER__LAGRANGE_ITERATIONS 300

/* Relative slack used when comparing objective values computed along
 * different paths (sums in another order differ in the last bits). */
#define SOLVER__REL_EPS 1e-12

typedef struct solver__problem {
  const solver_instance *in;
  size_t L;                 /* layers */
  size_t M;                 /* servers (edge servers, then the cloud) */
  size_t n_opt;             /* options kept, all layers together */
  size_t *opt_begin;        /* L + 1 offsets into the option arrays */
  int *opt_bits;            /* n_opt, index into in->bits */
  int *opt_layer;           /* n_opt, the option's layer */
  double *storage;          /* n_opt, bytes on the hosting server */
  double *smin;             /* L, bytes: the smallest storage among the layer's options */
  double *error;            /* n_opt, quantization error */
  double *cp;               /* n_opt x M, s: compute of the option on server i */
  double *cm;               /* opt_begin[L-1] x M x M, s: transfer i -> j after the option's
                               layer (0 for i == j, +inf without a route) */
  double *cin;              /* M, s: origin -> first layer's server (0 without origin) */
  double *cout;             /* (n_opt - opt_begin[L-1]) x M, s: last layer -> origin */
  double *capacity;         /* M, bytes */
  unsigned char *usable;    /* M, 1 if the method may place layers on the server */
  int64_t cap;              /* layers per server; 0 = none */
  int has_budget;           /* 1: Σ_l error <= budget must hold */
  double budget;
  size_t presolve_total;    /* allowed (layer, bits) pairs before the presolve */
  size_t presolve_removed;  /* of those, removed as dominated */
} solver__problem;

/* Which options and servers a problem keeps. */
typedef struct solver__restrict {
  int presolve;             /* drop dominated options (ignored under budget accuracy) */
  int only_bits;            /* >= 0: keep only this bit-width index (uniform baseline) */
  long only_server;         /* >= 0: place every layer on this server (single, cloud) */
} solver__restrict;

void solver__restrict_init(solver__restrict *r);

/* Builds the cost tables of `in` under `r`. O(L·B·M²) time and memory.
 * Returns NULL with err set on failure (out of memory, empty model). */
solver__problem *solver__problem_alloc(const solver_instance *in, const solver__restrict *r,
                                       sim_error *err);
void solver__problem_free(solver__problem *pb);

static inline double solver__cp(const solver__problem *pb, size_t g, size_t i) {
  return pb->cp[g * pb->M + i];
}
static inline double solver__cm(const solver__problem *pb, size_t g, size_t i, size_t j) {
  return pb->cm[(g * pb->M + i) * pb->M + j];
}
static inline double solver__cout(const solver__problem *pb, size_t g, size_t i) {
  return pb->cout[(g - pb->opt_begin[pb->L - 1]) * pb->M + i];
}
/* row[q] = min(row[q], c + s[q]) for q < n: the min-plus step of the DPs
 * (dp.c, stab.c). In blocks of a fixed length, so that GCC uses vector
 * instructions at -O2; each entry gets the scalar loop's operations, so the
 * minima are the same floats and paths read back by equality find them. */
static inline void solver__min_add(double *restrict row, const double *restrict s, size_t n,
                                   double c) {
  enum { BLOCK = 8 };
  size_t q = 0;
  for (; q + BLOCK <= n; q += BLOCK)
    for (size_t k = 0; k < BLOCK; k++) {
      const double v = c + s[q + k];
      row[q + k] = v < row[q + k] ? v : row[q + k];
    }
  for (; q < n; q++) {
    const double v = c + s[q];
    row[q] = v < row[q] ? v : row[q];
  }
}
/* w[0..n-1] = +inf, in blocks of a fixed length so that GCC uses vector
 * stores at -O2 (the min-plus tables of order.c and stab.c start so). */
static inline void solver__fill_inf(float *restrict w, size_t n) {
  enum { BLOCK = 16 };
  size_t q = 0;
  for (; q + BLOCK <= n; q += BLOCK)
    for (size_t k = 0; k < BLOCK; k++) w[q + k] = INFINITY;
  for (; q < n; q++) w[q] = INFINITY;
}
/* Objective terms charged to x[l, g, i]: compute, plus the origin's input on
 * the first layer and the output back on the last. */
static inline double solver__cost_x(const solver__problem *pb, size_t l, size_t g, size_t i) {
  double c = solver__cp(pb, g, i);
  if (l == 0) c += pb->cin[i];
  if (l + 1 == pb->L) c += solver__cout(pb, g, i);
  return c;
}

/* Objective of a placement from the tables (+inf if a route is missing). */
double solver__eval(const solver__problem *pb, const int *srv, const int *opt);

/* 1 if the placement uses only usable servers and existing routes and meets
 * storage, the layer cap and the budget (relative slack 1e-9, as the
 * checker). */
int solver__feasible(const solver__problem *pb, const int *srv, const int *opt);
/* Fills used (bytes) and count (layers), M entries each, with what the
 * placement puts on each server, and returns its Σ error. */
double solver__usage(const solver__problem *pb, const int *srv, const int *opt, double *used,
                     size_t *count);

/* Converts internal arrays to a placement (bits as indices into in->bits). */
void solver__to_placement(const solver__problem *pb, const int *srv, const int *opt,
                          solver_placement *p);

/* --- Lagrangian penalties -------------------------------------------------
 * A relaxation may move storage, the layer cap and the budget into the
 * objective. Option g on server i then costs
 *   cp(g, i) + storage[i]·s(g)/κ_i + count[i]/cap + error·err(g)/budget
 * and every feasible placement's true cost is at least its penalized cost
 * minus solver__penalty_constant (each resource is used at most to 1). */
typedef struct solver__penalty {
  double *storage; /* M, s per capacity fraction, >= 0 */
  double *count;   /* M, s per cap fraction, >= 0 (0 when no cap) */
  double error;    /* s per budget fraction, >= 0 (0 without budget) */
} solver__penalty;

/* The penalty part of option g on server i (0 when pen is NULL). */
double solver__penalty_option(const solver__problem *pb, const solver__penalty *pen, size_t g,
                              size_t i);
/* Σ of the multipliers of the constraints the problem has. */
double solver__penalty_constant(const solver__problem *pb, const solver__penalty *pen);

/* --- The storage-free DP (dp.c) ------------------------------------------
 * Shortest path over (layer, server, option) with cost cp + penalty, ignoring
 * storage, the cap and the budget. Fills srv/opt (may be NULL) and returns
 * the penalized path value (no constant), +inf if no path exists, NaN if
 * memory ran out. O(L·M²·B) time, O(L·M·B) memory. */
double solver__dp_solve(const solver__problem *pb, const solver__penalty *pen, int *srv,
                        int *opt);

/* --- The segment relaxation (segment.c) ---------------------------------- */
typedef struct solver__segdp solver__segdp;

/* The most consecutive layers from s on that fit server j at their smallest
 * storage within the layer cap; 0 when j is not usable. O(length). Shared by
 * the segment relaxation and the budget tables, which must agree on it. */
size_t solver__segment_max_len(const solver__problem *pb, size_t s, size_t j);

solver__segdp *solver__segdp_alloc(const solver__problem *pb);
void solver__segdp_free(solver__segdp *sd);

/* Solves the segment relaxation: the chain is cut into maximal segments, each
 * on one server and fitting that server's storage and cap alone; servers may
 * repeat. Penalties may be NULL. Returns its value (penalized, without the
 * constant) and fills srv/opt (may be NULL) with an optimal path; +inf if no
 * segmentation fits. O(L²·M + L·M²). */
double solver__segdp_solve(solver__segdp *sd, const solver__penalty *pen, int *srv, int *opt);

/* After solver__segdp_solve: lower bounds (penalized, constant not yet
 * subtracted) on any placement that puts layer l on server i (lb_x, L x M),
 * puts l and l + 1 on i (lb_stay, L x M) and sends layer l's option g from i
 * to j != i (lb_move, opt_begin[L-1] x M x M). O(L²·M + L·B·M²). */
void solver__segdp_bounds(solver__segdp *sd, double *lb_x, double *lb_stay, double *lb_move);

/* After solver__segdp_solve: exits[e·M + j] (L x M), the cheapest
 * (penalized) cost of every layer after e given a segment that ends at e on
 * j, including the transfer out of it. */
void solver__segdp_exits(solver__segdp *sd, double *exits);

/* --- Lagrangian bounds (lagrange.c) -------------------------------------- */
typedef enum {
  SOLVER__RELAX_DP = 0,      /* the storage-free DP: the Lagrangian bound on storage */
  SOLVER__RELAX_SEGMENT = 1  /* the segment relaxation: never weaker than the segment DP */
} solver__relax;

/* Incumbent bookkeeping shared by the bound and the heuristics. */
typedef struct solver__incumbent {
  int *srv, *opt;  /* L entries each */
  double value;    /* s, +inf when none */
} solver__incumbent;

int solver__incumbent_init(solver__incumbent *inc, size_t L);
void solver__incumbent_clear(solver__incumbent *inc);
/* Keeps srv/opt if feasible and better; returns 1 if kept. */
int solver__incumbent_offer(solver__incumbent *inc, const solver__problem *pb, const int *srv,
                            const int *opt);

/* Subgradient ascent on the multipliers of `relax`. Returns the best bound
 * (s) and leaves the best multipliers in `best` (allocated by the caller,
 * M entries each). Feasible paths met on the way are offered to inc.
 * Stops after max_iter iterations, when the bound meets inc within gap, or at
 * the deadline (monotonic seconds, <= 0 for none). NaN on allocation failure. */
double solver__lagrange(const solver__problem *pb, solver__relax relax, solver__incumbent *inc,
                        solver__penalty *best, int max_iter, double gap, double deadline);

int solver__penalty_alloc(solver__penalty *pen, size_t M);
void solver__penalty_free(solver__penalty *pen);

/* --- Segment branch and bound (search.c) --------------------------------- */

/* 1 if solver__search applies: one option per layer and no budget. */
int solver__search_applies(const solver__problem *pb);

/* Depth-first branch and bound over segments with the segment relaxation
 * (and, when pen is not NULL, its penalized version) as the bound; improves
 * inc. Returns 1 if the search finished, so that no placement beats inc by
 * the relative gap; 0 if max_nodes or the deadline stopped it; -1 without
 * memory. *nodes gets the nodes visited. Exponential in the worst case;
 * the bound keeps it small when the relaxation is within a few percent. */
int solver__search(const solver__problem *pb, const solver__penalty *pen, solver__incumbent *inc,
                   double gap, long long max_nodes, double deadline, long long *nodes);

/* --- Bounds that see the error budget (budget.c) --------------------------
 * The budget relaxed with one multiplier, maximized exactly, and the
 * segment relaxation with the error left as a (safely rounded) state. */

/* max over λ >= 0 of relaxation `relax` (the DP or the segment DP) with
 * every option's cost raised by λ·err/budget, minus λ·(budget with slack) /
 * budget: a lower bound on T* (s); +inf if no path keeps the budget, NaN
 * without memory. *lambda gets the maximizing λ (s per budget). Paths met
 * on the way are offered to inc (may be NULL). */
double solver__budget_dual(const solver__problem *pb, solver__relax relax, solver__incumbent *inc,
                           double *lambda);

typedef struct solver__btab solver__btab;

/* Builds the budgeted segment tables (budget.c states them), with the
 * storage and cap multipliers of pen on the costs when pen is not NULL
 * (borrowed: it must outlive the tables; its error multiplier is ignored).
 * NULL without memory or without a positive budget. At most 40 MB. */
solver__btab *solver__btab_alloc(const solver__problem *pb, const solver__penalty *pen);
/* The same tables without error units, the budget relaxed instead: every
 * option costs mu·err/E more (mu >= 0, s per budget; pen's error
 * multiplier is ignored), so a completion after t that keeps `left` error
 * costs at least solver__btab_after(.., q = 0) - mu·left/E (budget.c).
 * They are small (no unit state), so they stay exact on long chains, where
 * the units of solver__btab_alloc must be coarse. NULL as above. */
solver__btab *solver__btab_alloc_dual(const solver__problem *pb, const solver__penalty *pen,
                                      double mu);
void solver__btab_free(solver__btab *bt);
/* The relaxation's value for the whole chain: a lower bound on T*. */
double solver__btab_root(const solver__btab *bt);
/* An optimal path of the relaxation (it may break storage: segments on the
 * same server are not coupled), into srv/opt; returns 1, or 0 if none. */
int solver__btab_path(const solver__btab *bt, int *srv, int *opt);

/* Following a table path back out of its segment on server j after layer
 * t with q budget units left: the first usable server i != j whose
 * cheapest transfer from j plus the suffix value S[t + 1][i][q] equals the
 * table's K[t][j][q] (both arrays indexed (layer * M + server) * Q1 + q,
 * as budget.c's and stab.c's tables are). Returns M when none does. */
size_t solver__table_leave(const solver__problem *pb, const double *K, const double *S, size_t Q1, size_t t,
                           size_t j, size_t q);
/* Whole units in `left` error (rounded so as only to relax); (size_t)-1
 * when left < 0. */
size_t solver__btab_units(const solver__btab *bt, double left);
/* The most layers after t that the tables let a segment on j run on. */
size_t solver__btab_reach(const solver__btab *bt, size_t t, size_t j);
/* How many layers after t server j can still take at their smallest
 * storage, with `bytes` and `cnt` layers used on it once layer t is there
 * (at most the reach above): the k the budget search looks the tables up
 * with. */
size_t solver__btab_room_after(const solver__problem *pb, const solver__btab *bt, size_t t, size_t j,
                               double bytes, size_t cnt);
/* The same for a child on j with more bytes than one whose k was k_max
 * (same t, j and cnt): the answer is then at most k_max, and a scan down
 * from it takes a step or two where the search above takes several. */
size_t solver__btab_room_below(const solver__problem *pb, const solver__btab *bt, size_t t,
                               size_t j, double bytes, size_t cnt, size_t k_max);
/* Lower bound on the cost of the layers after t when layer t is on j, the
 * segment holding it can take at most k more layers, and q units of error
 * are left. */
double solver__btab_after(const solver__btab *bt, size_t t, size_t j, size_t k, size_t q);
/* The entries of solver__btab_after for one (t, j), so that the budget
 * search looks up every child on j without a call each:
 * solver__btab_row_at(row, k, q) == solver__btab_after(bt, t, j, k, q). */
typedef struct solver__btab_row {
  const double *w; /* W[t][j][0][0] */
  size_t reach;    /* solver__btab_reach(bt, t, j) */
  size_t qt;       /* the row's last error level: entries past it equal it */
} solver__btab_row;
solver__btab_row solver__btab_row_of(const solver__btab *bt, size_t t, size_t j);
static inline double solver__btab_row_at(const solver__btab_row *row, size_t k, size_t q) {
  if (q == (size_t)-1) return INFINITY;
  return row->w[(k < row->reach ? k : row->reach) * (row->qt + 1) + (q < row->qt ? q : row->qt)];
}

/* The segment relaxation charged the storage of the widths each segment
 * uses, with the budget kept exactly (stab.c states it), with the storage
 * and cap multipliers of pen on the costs when pen is not NULL (borrowed;
 * its error multiplier is ignored). NULL without memory, without a
 * positive budget, or when the instance is too large for useful units.
 * At most 32 MB of tables. */
typedef struct solver__stab solver__stab;
solver__stab *solver__stab_alloc(const solver__problem *pb, const solver__penalty *pen);
/* Entries of the tables' largest part (floats). */
#define SOLVER__STAB_CELLS ((size_t)8 << 20)
/* The units and the tables' memory, without their values, for at most
 * max_cells entries: they depend on the instance alone, not on the
 * multipliers, so one allocation serves every build of a tuning. With
 * `dual`, the tables have no error units: the budget is relaxed by a
 * multiplier instead (solver__stab_build's mu), which leaves the memory to
 * finer storage units. The table of which options send no dearer is
 * borrowed from `like` when that was built for pb (it must outlive the
 * result), else computed. NULL when the instance is too large for useful
 * units or memory is short; freed by solver__stab_free. */
solver__stab *solver__stab_alloc_units(const solver__problem *pb, size_t max_cells,
                                       const solver__stab *like, int dual);
/* Fills st's tables with their values under pen's storage and cap
 * multipliers (none when pen is NULL; its arrays are borrowed, not
 * copied) and, for dual tables, every option's cost raised by
 * mu·err/budget (mu in s per budget; ignored otherwise). Every entry is
 * written, so the memory of an earlier build needs no clearing. Returns 0,
 * or -1 without memory (st's values are then unusable). */
int solver__stab_build(solver__stab *st, const solver__penalty *pen, double mu);
/* Points st's multipliers at pen's arrays (which hold the values st was
 * built with). */
void solver__stab_borrow(solver__stab *st, const solver__penalty *pen);
/* The budget's multiplier st was last built with (0 unless dual), and
 * whether st is dual (no error units). */
double solver__stab_mu(const solver__stab *st);
int solver__stab_is_dual(const solver__stab *st);
/* 1 when st is NULL or its storage unit exceeds half the narrowest storage
 * of the median layer: rounding down then takes most of each layer's
 * storage, and the tables charge segments little of what their widths
 * store (OPT-350m at `linear` granularity: 7.2 MB units, 1 MB layers). */
int solver__stab_coarse(const solver__problem *pb, const solver__stab *st);
/* The same, sharing `like`'s table of which options send no dearer (it
 * depends on the problem alone; about 5 ms a build at M = 48) when `like`
 * (or NULL) was built for pb: `like` must then be freed after the result. */
solver__stab *solver__stab_alloc_like(const solver__problem *pb, const solver__penalty *pen,
                                      const solver__stab *like);
void solver__stab_free(solver__stab *st);
/* The relaxation's value for the whole chain (penalized when built with
 * pen; subtract the penalty constant): a lower bound on T*. */
double solver__stab_root(const solver__stab *st);
/* Whole storage units in `bytes_left` on server j, whole error units in
 * `err_left` (rounded so as only to relax); (size_t)-1 when negative. */
size_t solver__stab_room(const solver__stab *st, size_t j, double bytes_left);
size_t solver__stab_units(const solver__stab *st, double err_left);
/* Lower bound on the cost of the layers after t when layer t is on j with
 * option g, the segment holding it has r storage units left and q error
 * units are left (the transfer out of t, if the segment ends there, at g's
 * width). */
double solver__stab_after(const solver__stab *st, size_t t, size_t j, size_t g, size_t r, size_t q);
/* Lower bound on the cost of layers t.. when layer t is on j, whatever its
 * option, the storage j has left and whether t starts a segment, with q
 * error units left before layer t (S[t][j][q]: a segment starting at t
 * with all of j's room, which only relaxes). +inf for q == (size_t)-1. */
double solver__stab_start(const solver__stab *st, size_t t, size_t j, size_t q);
/* One optimal path of the relaxation into srv/opt (L each): 1, or 0 when
 * none was found (no finite value, or memory). Its segments fit their
 * servers alone and its errors the budget, in units; it may reuse a server
 * past its storage. The budget search's incumbents start from it. */
int solver__stab_path(const solver__stab *st, int *srv, int *opt);
/* The next permutation of p[0..k-1] in lexicographic order; 0 after the
 * last (heuristic.c). */
int solver__next_permutation(int *p, size_t k);
/* The share of `scale` lost when the values v (in groups: group k is
 * v[first[k]] .. v[first[k + 1] - 1]) are rounded to units scale/N, down
 * (up = 0) or up: Σ over groups of the largest fraction of a unit any
 * value of the group gains or drops, over N (the most a sequence with one
 * value per group gains or loses, as a share of scale). Values above scale
 * are not counted (units.c). */
double solver__unit_share(const double *v, const size_t *first, size_t groups, double scale,
                          size_t N, int up);
/* The division N in [lo, hi] of `scale` whose units, rounding down, lose
 * the least share as above; ties keep the smaller N (smaller tables).
 * budget.c, stab.c and order.c choose their units by it. */
size_t solver__unit_choose(const double *v, const size_t *first, size_t groups, double scale,
                           size_t lo, size_t hi);
/* qt[t] for each group t: the units the groups after t can spend, each
 * at its most (counting only units <= Q), capped at Q. With that many
 * units left after t every completion keeps the budget, so the entries of
 * a table for t are the same for every larger level: budget.c and stab.c
 * stop their rows there (units.c). */
void solver__units_after(const int *units, const size_t *first, size_t groups, size_t Q,
                         size_t *qt);
/* The tables' error unit (error per unit). */
double solver__stab_error_unit(const solver__stab *st);
/* Bytes per storage unit of st's tables (an option of s bytes counts
 * floor(s / unit) units). */
double solver__stab_storage_unit(const solver__stab *st);

/* Under a budget, the cheapest placement whose maximal segments lie on
 * servers seq[p_1], seq[p_2], ... with p_1 < p_2 < ... (seq: n distinct
 * servers), error counted in units of eu_unit and storage in units it
 * chooses (bytes each, to *su_unit when not NULL and the units were set),
 * both rounded up, capacities and the budget down (order.c). Returns 1 and
 * fills srv/opt, 0 when none fits or the units make the tables too large,
 * -1 without memory. The placement may break the layer cap, or storage by
 * a floating-point hair: check it. */
int solver__order_dp(const solver__problem *pb, const int *seq, size_t n, double eu_unit,
                     int *srv, int *opt, double *su_unit);
/* Incumbents from solver__order_dp: the incumbent's own servers in their
 * order and reversed, repeated while one improves (at most three rounds).
 * Returns 1 if inc improved, 0 if not, -1 without memory. */
int solver__order_improve(const solver__problem *pb, solver__incumbent *inc, double eu_unit,
                          double deadline);

/* Tunes the storage and cap multipliers of st, built by solver__stab_alloc
 * with pen (whose arrays it borrows), or by solver__stab_dual (whose
 * budget multiplier it keeps, with pen's zero), by subgradient ascent over the same
 * relaxation (at most max_iter builds of tables with an eighth of st's
 * entries, or of st itself when those cannot be had; Polyak steps toward
 * the incumbent), overwriting pen with the best (its error multiplier is
 * set to 0). Every path met is offered to inc as it is. st ends built, in
 * its own memory, with the best multipliers, borrowing pen's arrays;
 * *bound gets the larger of its root and the small tables' best, minus the
 * multipliers' sum and the budget's multiplier (with the checker's slack),
 * a lower bound on T*.
 * Returns 0, or -1 without memory (st's values are then unusable: free
 * it). */
int solver__stab_lagrange(const solver__problem *pb, solver__penalty *pen, solver__stab *st,
                          solver__incumbent *inc, int max_iter, double gap, double deadline,
                          double *bound);
/* The storage-charged tables with the budget relaxed (dual tables of
 * solver__stab_alloc_units), at the multiplier mu >= 0 that maximizes their
 * root minus mu (with the checker's slack), a lower bound on T* for every
 * mu: found by a line search from mu0 over the concave, piecewise linear
 * dual (stab_tune.c). Each path met is repaired and offered to inc.
 * Returns the tables built at the best mu (*mu, *bound), or NULL without
 * memory or useful units. */
solver__stab *solver__stab_dual(const solver__problem *pb, double mu0, solver__incumbent *inc,
                                double deadline, double *mu, double *bound);

/* The branch and bound under the budget (bsearch.c): layer by layer, with
 * the tables (bt, and bt_pen built with the storage multipliers of pen;
 * bt_pen and pen may be NULL), the storage-charged tables sb and sb_pen
 * (under spen's storage multipliers, or pen's when spen is NULL; either
 * table may be NULL), the packing bound with costs raised by lam·err/budget (lam: the
 * dual's multiplier, s per budget) and dominance on (cost, error).
 * Returns 1 if it finished (no placement beats inc by the relative gap), 0
 * if max_nodes or the deadline stopped it, -1 without memory. When it
 * stopped, *open_bound (may be NULL) gets the least bound of the nodes it
 * left, so that min(*open_bound, inc·(1 - gap)) bounds the optimum. */
/* The dual tables the search looks up besides the others: `plain` with
 * the budget dual's multiplier mu on the costs, `pen` with the segment
 * Lagrangian's storage and cap multipliers (those of the search's `pen`)
 * and its error multiplier mu_pen, and `st`, the storage-charged tables
 * with the budget relaxed by mu_st (and built with st_pen's storage and
 * cap multipliers when that is not NULL); any may be NULL. */
typedef struct {
  const solver__btab *plain;
  double mu;      /* s per budget */
  const solver__btab *pen;
  double mu_pen;  /* s per budget */
  const solver__stab *st; /* storage-charged, budget relaxed by mu_st (solver__stab_dual) */
  double mu_st;   /* s per budget */
  const solver__penalty *st_pen; /* st's storage and cap multipliers, or NULL for none */
} solver__bdual;

/* 1 when layers s < t are interchangeable inside a segment: the same
 * options in the same order, each with the same storage, error and cost
 * on every server. The transfers out of them may differ; they only count
 * at a segment's last layer. The budget search keeps the widths of such
 * layers in order inside a segment, the segment's last layer excepted
 * (bsearch.c says why that loses no optimum). */
int solver__layers_alike(const solver__problem *pb, size_t s, size_t t);
/* How far back the search looks for a layer alike to t (a model's blocks
 * split into their linear layers repeat every 6). */
#define SOLVER__ALIKE_WINDOW 8
/* The nearest layer before t, at most SOLVER__ALIKE_WINDOW back, alike to
 * t; -1 when none. */
long solver__alike_before(const solver__problem *pb, size_t t);

int solver__bsearch(const solver__problem *pb, const solver__btab *bt, const solver__btab *bt_pen,
                    const solver__stab *sb, const solver__stab *sb_pen, const solver__penalty *pen,
                    const solver__penalty *spen, const solver__bdual *dual, double lam,
                    solver__incumbent *inc, double gap, long long max_nodes, double deadline,
                    long long *nodes, double *open_bound);

/* --- The packing bound (pack.c) -------------------------------------------
 * A lower bound that counts whole layers per server: the order of the
 * layers is dropped, each layer still sits on one server within its
 * remaining storage and cap (pack.c states the argument). */
typedef struct solver__pack solver__pack;

/* Precomputes the layer classes and per-suffix data. O(L²·M + L·B·M²).
 * NULL without memory. */
solver__pack *solver__pack_alloc(const solver__problem *pb);
/* The same with every option's cost raised by err_weight·error (s per unit
 * of error, >= 0): the budget relaxed with a multiplier. Its bound B(t)
 * then satisfies cost(t..L-1) >= B(t) - err_weight·(error left), for any
 * completion that keeps the budget. */
solver__pack *solver__pack_alloc_weighted(const solver__problem *pb, double err_weight);
void solver__pack_free(solver__pack *pk);

/* Lower bound on the cost (compute and transfers) of layers t..L-1 in any
 * feasible placement where the layers before t already use used[i] bytes
 * and count[i] layers on server i (either may be NULL for none) and, when
 * t > 0, layer t sits on another server than layer t - 1 (the transfer into
 * layer t is included). 0 for t >= L; +inf when no completion fits.
 * O(M³) for at most two enumerated layers. Uses pk's scratch space. */
double solver__pack_bound(solver__pack *pk, size_t t, const double *used, const size_t *count);

/* --- The search's table of visited states (memo.c) ----------------------- */
typedef struct solver__memo solver__memo;

/* A table for keys of `words` uint64 words, keeping up to `pairs`
 * non-dominated (cost, error) pairs per key, using at most max_bytes. NULL
 * without memory. */
solver__memo *solver__memo_alloc(size_t words, size_t pairs, size_t max_bytes);
void solver__memo_free(solver__memo *m);

/* Returns 1 if the key was recorded before with a pair at cost <= cost and
 * error <= err; otherwise records the pair (when there is room) and
 * returns 0. Tables with one pair compare the cost alone. */
int solver__memo_visit(solver__memo *m, const uint64_t *key, double cost, double err);

/* --- Heuristics (heuristic.c) -------------------------------------------- */

/* Improves inc by local search (move a layer, move or swap whole runs of
 * layers, change a layer's bits) until no move helps or the deadline. */
void solver__local_search(const solver__problem *pb, solver__incumbent *inc, double deadline);

/* Turns a placement that may break storage, the cap or the budget into a
 * feasible one by the moves that remove the most violation per second of
 * cost, then improves it by local search, and offers it to inc. Returns 1 if
 * inc took it. */
int solver__repair(const solver__problem *pb, solver__incumbent *inc, const int *srv,
                   const int *opt, double deadline);
/* Incumbents from inc's own segments with their servers permuted (the
 * widths kept), each repaired to storage and the budget and improved by
 * the local search; repeated while it improves. Why: the local search
 * moves layers and runs but never reverses the order of the servers, and
 * under a budget the best order of the same servers is often another one
 * (the fastest server last, after the embedding went to a roomy one).
 * Only when inc has at most 5 segments. */
void solver__permute_segments(const solver__problem *pb, solver__incumbent *inc, double deadline);

/* Under a budget: alternates between the placement for the incumbent's
 * widths, solved exactly with the widths fixed, and the widths for its
 * servers, chosen with the budget relaxed by the least multiplier that
 * keeps it (bwidth.c states both), offering each to inc; at most 4 rounds,
 * each exact solve at most a tenth of the time left and 2 s. Returns 0, or
 * -1 without memory. */
int solver__alternate_widths(const solver__problem *pb, solver__incumbent *inc, double deadline);

/* --- The ILP on lp_solve (ilp.c) ----------------------------------------- */
typedef struct solver__ilp_args {
  solver_formulation formulation;
  const unsigned char *keep_x;     /* L x M or NULL: 0 forbids layer l on server i */
  const unsigned char *keep_stay;  /* L x M or NULL: 0 forbids l and l + 1 both on i */
  const unsigned char *keep_move;  /* opt_begin[L-1] x M x M or NULL: 0 forbids option g of
                                      layer l on i followed by layer l + 1 on j */
  double cutoff;                   /* s: only placements below this are sought (+inf: none) */
  int cuts;                        /* 1: add the rounded capacity cuts (ilp.c) */
  double mip_gap;                  /* relative */
  double deadline;                 /* monotonic s, <= 0 for none */
  int solve;                       /* 0: only build (and write) the model */
  const char *write_lp;            /* if set, write the model in LP format here */
  const char *write_mps;           /* if set, write the model in free MPS format here */
} solver__ilp_args;

typedef enum {
  SOLVER__ILP_OPTIMAL = 0,   /* srv/opt hold an optimal placement (below the cutoff) */
  SOLVER__ILP_NONE = 1,      /* proven: no placement below the cutoff (infeasible if none) */
  SOLVER__ILP_TIMEOUT = 2,   /* stopped; srv/opt hold a placement if *found */
  SOLVER__ILP_FAILED = 3     /* lp_solve failed; err says why */
} solver__ilp_status;

typedef struct solver__ilp_out {
  solver__ilp_status status;
  int found;            /* 1 if srv/opt hold a placement */
  double objective;     /* lp_solve's objective for it */
  long long nodes;      /* branch-and-bound nodes */
  size_t columns, rows; /* size of the model solved */
} solver__ilp_out;

/* Builds the formulation (rows added sparsely in row mode) and solves it.
 * Returns SIM_OK, or an error code if the model could not be built or
 * written. */
int solver__ilp_solve(const solver__problem *pb, const solver__ilp_args *args, int *srv,
                      int *opt, solver__ilp_out *out, sim_error *err);

/* --- The exact pipeline (exact.c) ----------------------------------------- */
typedef struct solver__exact_out {
  solver_status status;  /* optimal, infeasible, timeout (error: see the return code) */
  solver_proof proof;
  double lower;          /* s, best proven lower bound (+inf when infeasible) */
  double dp;             /* s, storage-free DP value */
  double lagrangian;     /* s, Lagrangian bound on storage over the DP */
  double segment;        /* s, segment relaxation with Lagrangian penalties */
  double packing;        /* s, packing bound (whole layers per server) */
  double budget;         /* s, best bound that sees the budget (NaN without one) */
  long long nodes;       /* lp_solve's branch-and-bound nodes */
  long long search_nodes; /* nodes of the segment branch and bound */
  size_t columns, rows;  /* size of the model lp_solve solved */
  size_t fixed;          /* (layer, server) pairs excluded by bounds */
  char note[400];        /* why a placement carries no proof, or "" */
} solver__exact_out;

/* Solves pb to optimality (within opt->mip_gap) with opt->formulation, or
 * until the deadline; the placement is left in inc. Returns SIM_OK unless
 * memory or lp_solve failed. */
int solver__exact(const solver__problem *pb, const solver_options *opt, double deadline,
                  solver__incumbent *inc, solver__exact_out *out, sim_error *err);

/* --- Baselines (baseline.c) ------------------------------------------------ */

/* Layer-by-layer greedy: each layer takes the cheapest (server, option) given
 * the previous layer's server, among those that leave room (total remaining
 * storage and cap) for the rest at their smallest options. Returns 1 if it
 * placed every layer feasibly. */
int solver__greedy(const solver__problem *pb, int *srv, int *opt);

/* A feasible random placement: layer by layer, a server drawn uniformly among
 * those that keep the rest placeable, with the option of least storage that
 * keeps the budget; up to `attempts` restarts. Returns 1 on success. */
int solver__random(const solver__problem *pb, uint64_t seed, int attempts, int *srv, int *opt);

/* Writes an lp_solve model as free MPS with 17 significant digits (mps.c).
 * Returns SIM_OK, SIM_EIO or SIM_ENOMEM. */
struct _lprec;
int solver__mps_write(struct _lprec *lp, const char *path, sim_error *err);

/* --- Infeasibility diagnosis (diagnose.c) -------------------------------- */

/* Writes the binding resource in words into buf. Returns 1 if a simple
 * counting argument proves infeasibility, 0 if it only describes the likely
 * cause (the caller then needs a solver's proof). */
int solver__diagnose(const solver__problem *pb, char *buf, size_t len);

/* --- The throughput objective (throughput.c) ------------------------------ */

/* Minimizes the bottleneck stage time (then T among the placements that
 * reach it), with T <= opt->latency_cap when the cap is > 0; method dp
 * stops after the chain DP, ilp goes on to an exact branch and bound when
 * the DP's path is not provably optimal. Fills status, proof, lower_bound
 * (on the bottleneck), dp_bound, search_nodes and diagnosis of res; *out gets the
 * placement (NULL when none). Returns SIM_OK unless memory or lp_solve
 * failed. */
int solver__throughput(const solver_instance *in, const solver_options *opt, double deadline,
                       solver_placement **out, solver_result *res, sim_error *err);

/* --- Time ---------------------------------------------------------------- */

/* Monotonic seconds. */
double solver__now(void);

/* 1 if the deadline (<= 0: none) has passed. */
int solver__expired(double deadline);

/* --- Memory for large tables (tables.c) -----------------------------------
 * A block of `bytes` for a table written whole right after allocation,
 * with transparent huge pages requested where the kernel offers them (a
 * speed hint only). Freed with free(); NULL when out of memory. */
void *solver__table_alloc(size_t bytes);

/* --- Several models (multi.c, multi_lagrange.c, multi_ilp.c) -------------
 * The multi-instance with each model's presolved cost tables. The presolve
 * of each model stays valid jointly: a dominating option uses no more
 * storage and no more compute on any server, so it keeps the shared rows. */
typedef struct solver__multi {
  const solver_multi *mi;
  size_t K, M;                /* models, servers */
  solver__problem **pb;       /* K problems with the true costs */
  double *capacity;           /* M, bytes (shared) */
  double umax;                /* max_utilization */
  int max_obj;                /* 1: objective max_m T_m */
} solver__multi;

/* A joint placement: srv[m][l], opt[m][l] (options of pb[m]). */
typedef struct solver__mplace {
  int **srv, **opt;
  double *T;     /* K, s */
  double value;  /* s, objective; +inf when none */
} solver__mplace;

solver__multi *solver__multi_alloc(const solver_multi *mi, sim_error *err);
void solver__multi_free(solver__multi *mp);
int solver__mplace_init(solver__mplace *p, const solver__multi *mp);
void solver__mplace_clear(solver__mplace *p, size_t K);
void solver__mplace_copy(solver__mplace *dst, const solver__mplace *src, const solver__multi *mp);

/* The objective of per-model times T (K entries). */
double solver__multi_value(const solver__multi *mp, const double *T);
/* Adds model m's storage (bytes) and utilization (rate·busy) per server
 * to used and util (M entries each; either may be NULL). */
void solver__multi_add(const solver__multi *mp, size_t m, const int *srv, const int *opt,
                       double *used, double *util);
/* 1 if every model meets its own constraints and the shared rows hold
 * (relative slack 1e-9); fills p->T and p->value from the tables. */
int solver__multi_feasible(const solver__multi *mp, solver__mplace *p);

/* A copy of pb whose option g on server i costs
 *   cp(g, i)·scale[i] + per_byte[i]·storage(g)
 * (either array may be NULL: 1 and 0), with capacity[] and usable[] (NULL:
 * pb's). Transfers are pb's. Same option numbering as pb. */
solver__problem *solver__problem_penalized(const solver__problem *pb, const double *scale,
                                           const double *per_byte, const double *capacity,
                                           const unsigned char *usable);

/* Solves model m alone on what the other models leave: storage
 * cap_left[i] and utilization util_left[i] (rate-weighted busy fraction)
 * per server, starting from the prices ρ (M entries, s per unit of
 * utilization; may be NULL). Fills srv/opt and returns T_m, or +inf if no
 * placement was found (the model may still fit; this is a heuristic for the
 * utilization row, exact for storage). */
double solver__multi_fit(const solver__multi *mp, size_t m, const double *cap_left,
                         const double *util_left, const double *rho, double deadline, int *srv,
                         int *opt);

/* Improves inc by re-fitting one model at a time on what the others leave,
 * while that lowers the objective. */
void solver__multi_improve(const solver__multi *mp, solver__mplace *inc, double deadline);

/* Sequential placement in the order given (K model indices), each model
 * fitted on what the earlier ones leave. Offers the result to inc; returns
 * 1 if every model was placed. */
int solver__multi_sequential(const solver__multi *mp, const size_t *order, const double *rho,
                             solver__mplace *inc, double deadline);

/* Repair and local search (multi_local.c): moves segments of p's models
 * (and their end layers) to other servers and exchanges the servers of two
 * segments, first to remove every overload of the shared rows (least
 * objective per overload removed), then to lower the objective with every
 * row kept. Keeps bit widths and each model's own constraints. Returns 1
 * if p ends feasible (p->T and p->value then hold its objective). */
int solver__multi_local(const solver__multi *mp, solver__mplace *p, double deadline);

/* The baselines (multi_baseline.c): opt->method is sequential,
 * independent or partitioned. Leaves its placement in inc (value +inf
 * when none) and sets res->status and res->diagnosis. */
int solver__multi_baseline(const solver__multi *mp, const solver_multi_options *opt,
                           double deadline, solver__mplace *inc, solver_multi_result *res,
                           sim_error *err);

typedef struct solver__mlag_out {
  double bound;        /* s, best Lagrangian bound (-inf if none, +inf: infeasible) */
  /* The multipliers of the best bound and its subproblems' proven lower
   * bounds (caller-allocated: M, M, K, K entries), for column fixing. */
  double *mu, *nu, *coef, *lower;
  double *solo;        /* K, s, each model's optimum alone (+inf: cannot fit alone) */
  double *solo_lower;  /* K, s, proven lower bounds on those */
  int infeasible;      /* 1: a model does not fit even alone (a proof) */
  int iterations;
} solver__mlag_out;

/* The Lagrangian decomposition: relaxes the shared rows (and, for max, the
 * epigraph rows) with multipliers, solves each model exactly on its own,
 * improves inc with repaired subproblem solutions. Stops when the bound
 * meets inc within gap, after max_iter iterations or at the deadline.
 * out->solo must have K entries. Returns SIM_OK or an error code. */
int solver__multi_lagrange(const solver__multi *mp, int max_iter, double gap, double deadline,
                           solver__mplace *inc, solver__mlag_out *out, sim_error *err);

/* Column fixing from the decomposition: keep[m][l·M + i] = 0 when every
 * joint placement with layer l of model m on server i costs at least
 * `limit`. The bound for it is the best Lagrangian bound with model m's
 * subproblem value replaced by the segment relaxation's bound on
 * placements using (l, i) (segment.c), which is a relaxation of that
 * subproblem. keep must hold K arrays of L_m·M entries. Returns the number
 * of (model, layer, server) triples removed, or -1 without memory. */
long solver__multi_fixing(const solver__multi *mp, const solver__mlag_out *lo, double limit,
                          unsigned char **keep);

typedef struct solver__milp_out {
  solver__ilp_status status;
  int found;
  double objective;
  long long nodes;
  size_t columns, rows;
} solver__milp_out;

/* The joint ILP: one chain of x/z (flow) or x/y (paper) per model, the
 * shared storage and utilization rows, objective Σ w·T or an epigraph
 * variable t >= T_m. With a finite cutoff only placements below it are
 * sought; keep (may be NULL) removes x columns as solver__multi_fixing
 * says. Fills p (srv/opt) when found. (The rounded capacity cuts of
 * ilp.c, tried on the shared storage rows, doubled lp_solve's nodes on the
 * benchmark, so the joint model has none.) */
int solver__multi_ilp(const solver__multi *mp, unsigned char *const *keep, solver_formulation f,
                      double cutoff, double mip_gap, double deadline, long long node_limit, int solve,
                      const char *write_lp, const char *write_mps,
                      solver__mplace *p, solver__milp_out *out, sim_error *err);

#endif
