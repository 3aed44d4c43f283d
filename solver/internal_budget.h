/* internal_budget.h: what the solver's files share for the error budget
 * (`quantization.accuracy: budget`), where the widths are chosen jointly
 * with the placement: the bounds that see the budget, the tables they are
 * built from, the units those tables count in, the order DP, the budget's
 * branch and bound and their tuning. Nobody outside solver/ uses it.
 *
 * It builds on internal.h (the problem, the penalties, the incumbent),
 * which it includes; the files that work under a budget include this one
 * instead. docs/solver.md states each bound and why it holds. */
#ifndef DILEMMA_SOLVER_INTERNAL_BUDGET_H
#define DILEMMA_SOLVER_INTERNAL_BUDGET_H

#include "solver/internal.h"

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
 * (or NULL) was built for pb, or for a copy of pb that differs only in
 * the capacities (the table depends on the transfers and the usable
 * servers, which the copy shares): `like` must then be freed after the
 * result. */
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
/* The share of `scale` lost when the values v (in groups: group k is
 * v[first[k]] .. v[first[k + 1] - 1]) are rounded to units scale/N, down
 * (up = 0) or up: Σ over groups of the largest fraction of a unit any
 * value of the group gains or drops, over N (the most a sequence with one
 * value per group gains or loses, as a share of scale). Values above scale
 * are not counted. For every N in [lo, hi], into share[N - lo]; each
 * distinct group (identical layers) is computed once and the groups are
 * summed in order, so each share is the double of the direct sum
 * (units.c). */
void solver__unit_shares(const double *v, const size_t *first, size_t groups, double scale,
                         size_t lo, size_t hi, int up, double *share);
/* The division N in [lo, hi] of `scale` whose units, rounding down, lose
 * the least share as above; ties keep the smaller N (smaller tables).
 * budget.c and stab.c choose their units by it; order.c rounds up and
 * takes the smallest N near the least (order.c says why). */
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

/* The storage-charged tables with one used server's room cut to a level
 * (stab_level.c), built on demand for the budget search. NULL without
 * memory or a budget; freed by solver__stab_levels_free. */
typedef struct solver__stab_levels solver__stab_levels;
/* At most max_tables tables, each built once the search has met its
 * (server, level) at `demand` nodes. They share the table of transfers of
 * `like` (the plain storage-charged tables of pb, or NULL), which must
 * outlive the result. */
solver__stab_levels *solver__stab_levels_alloc(const solver__problem *pb, const solver__stab *like,
                                               size_t max_tables, long demand);
void solver__stab_levels_free(solver__stab_levels *lv);
/* The tables for the layers after a node at which server i, used and left
 * by an earlier segment, has bytes_left bytes left: the storage-charged
 * tables with i's capacity at the least level >= bytes_left, every other
 * server's as it is; their solver__stab_after is a lower bound on the rest
 * of that node. NULL when there is no such level or the table is not
 * built: this call counts the meeting and builds it at the demand. */
const solver__stab *solver__stab_levels_get(solver__stab_levels *lv, size_t i, double bytes_left);

int solver__bsearch(const solver__problem *pb, const solver__btab *bt, const solver__btab *bt_pen,
                    const solver__stab *sb, const solver__stab *sb_pen,
                    solver__stab_levels *levels, const solver__penalty *pen,
                    const solver__penalty *spen, const solver__bdual *dual, double lam,
                    solver__incumbent *inc, double gap, long long max_nodes, double deadline,
                    long long *nodes, double *open_bound);

#endif
