/* bsearch.c: the branch and bound under an error budget.
 *
 * Under `budget` accuracy every layer keeps several widths, so the segment
 * search (search.c), which fixes one option per layer, does not apply. This
 * search places one layer at a time: a child of the node "layers < t
 * placed" gives layer t a server j and an option o, either on the server
 * of layer t - 1 (the segment goes on) or on another one (a new segment,
 * paying the transfer out of t - 1 at its option). It tracks the storage
 * and layer count each server has used and the error spent, all exactly,
 * so every feasible placement is reachable and nothing infeasible is
 * accepted (leaves go through the same feasibility test as every
 * incumbent).
 *
 * A child is pruned when its cost plus a lower bound on the layers after t
 * reaches incumbent·(1 - gap); the bound is the largest of
 *   - the budgeted segment relaxation (budget.c) looked up for layer t on
 *     j, the units of error left, and how many more layers j can still take
 *     at their smallest storage (so the segment that holds t cannot run on
 *     past what j holds);
 *   - the same with each segment charged the storage of the widths it
 *     uses (stab.c), looked up with the storage j has left once layer t
 *     is on it and the units of error left;
 *   - when the child starts a new segment, the packing bound (pack.c) of
 *     layers t.. given what every server has left, with the options' costs
 *     raised by λ·err/E, minus λ times the budget left (λ from the exact
 *     dual, budget.c): whole layers per server, and the budget relaxed;
 *   - the same tables built with the segment Lagrangian's storage and cap
 *     multipliers π on the costs, added to the path's penalized cost,
 *     minus Σ π: they see a fast server reused past its storage;
 *   - the storage-charged tables with the room of a server used before t
 *     cut to a level that holds what it has left (stab_level.c), built
 *     once the search has met that server and level often enough: every
 *     later segment on it fits that room;
 *   - the parent's bound, which holds for every descendant.
 * Before any of that, every child on server j is skipped at once when
 * the cost so far, the transfer into j and the storage-charged tables for
 * a segment starting at t on j (all of j's room, any option) reach the
 * limit: that is at most each child's own lookup, so it prunes nothing the
 * lookups would keep and saves their work on the many servers that fail
 * (bench-budget M = 48, runs 0-19: the same nodes on every run, 72.6 s
 * in all before, 16.0 s after).
 * A child that cannot keep the budget even with the least error on every
 * later layer is not created.
 *
 * Dominance (memo.c): what a node's completions can be and cost depends
 * only on the next layer t, the server and option of layer t - 1 (the
 * transfer out of it), the storage and layer count used on every server,
 * and the error spent. A node is pruned when an earlier node with the same
 * t, server, option, storage and counts spent no more error at no higher
 * cost: its completions are completions of the earlier node (which has at
 * least as much budget left) at a cost no lower, and the earlier node's
 * subtree was searched to the end (same t, so not an ancestor), each of its
 * completions offered to the incumbent or pruned by a bound at least the
 * incumbent's limit then, which only falls. An option that costs more,
 * stores more and errs more than another is therefore never explored in
 * the same state twice. Storage is restored exactly on backtracking, so
 * equal states have bit-identical keys when the same layers were added in
 * the same order.
 *
 * Interchangeable layers (a model's decoder blocks, or the same linear
 * layer of every block: the same options, each with the same storage,
 * error and cost on every server; solver__layers_alike) are kept in order
 * inside a segment. When layer t joins the segment of layer t - 1, t - 1
 * becomes interior to it; if the nearest earlier layer s alike to t - 1
 * (solver__alike_before) lies in the same segment, the option of s must
 * not rank above that of t - 1. Sorting the widths of the interior layers
 * of one class inside one segment by position changes no server's storage
 * or count, the error spent, the compute cost or any transfer (a transfer
 * depends only on the width of the segment's last layer), so every
 * placement has one of equal cost that meets every such pair, and each mix
 * of widths is searched in one order rather than in all. Why: under a
 * binding budget the blocks of a segment take a mix of two or three
 * widths, and the orders of that mix differ in their float sums, so the
 * table of visited states merged only some of them (bench-budget M = 16:
 * 2 of 20 runs timed out at 60 s; with the rule all proven, the slower in
 * 5.5 s).
 * Which stays the rule allows depends on the prefix only through whether
 * layer t may stay and, for each later layer, the rank of its alike layer
 * when that lies at or before t - 2 in the current segment; the key of the
 * table below includes both (rule_word), so two merged nodes have the same
 * completions.
 *
 * Children are tried cheapest bound first. The search runs until it
 * finishes (a proof: no placement beats the incumbent by the gap) or the
 * deadline or node budget stops it. Then every placement it has not ruled
 * out lies below a node left unexplored (the one it stopped at, and the
 * siblings not yet tried on the path to it), so the least of their bounds,
 * or the incumbent's limit if smaller, is a lower bound on the optimum. */
#include "solver/internal_budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Memory for the table of visited states. */
#define BMEMO_BYTES ((size_t)64 << 20)
/* Non-dominated (cost, error) pairs kept per state. */
#define BMEMO_PAIRS 4
/* Nodes between two runs of the heuristics on a new incumbent. */
#define BSEARCH_HEUR_NODES 2000

typedef struct bchild {
  int j, o;     /* server and option of layer t */
  double g;     /* cost with layer t */
  double gp;    /* penalized cost with layer t */
  double gs;    /* the same under sb_pen's multipliers */
  double gm;    /* the same under dual.st_pen's */
  double lb;    /* bound */
} bchild;

typedef struct {
  const solver__problem *pb;
  const solver__btab *bt;
  const solver__btab *bt_pen; /* the tables under the storage multipliers, or NULL */
  const solver__stab *sb;  /* the tables with the widths' storage, or NULL */
  const solver__stab *sb_pen; /* the same under the storage multipliers, or NULL */
  solver__stab_levels *levels; /* the same with a used server's room cut (on demand), or NULL */
  solver__bdual dual;      /* the tables with the budget relaxed (tables NULL when absent) */
  solver__penalty npen;    /* those multipliers, the error's set to 0 (borrowed arrays) */
  double pconst;           /* Σ of them, with the checker's slack */
  solver__penalty spen;    /* sb_pen's multipliers (npen's unless tuned for it) */
  double sconst;           /* Σ of them, with the checker's slack */
  solver__penalty mpen;    /* dual.st_pen's multipliers, error 0 (borrowed; NULL arrays without) */
  double mconst;           /* Σ of them, with the checker's slack (0 without) */
  solver__pack *pack;      /* packing bound with costs raised by lam·err */
  double lam;              /* s per unit of error (the dual's λ / E) */
  solver__incumbent *inc;
  double gap, deadline, limit_err;
  long long nodes, max_nodes;
  long long heur_at;       /* the node count when the heuristics last ran */
  int stopped;
  double open_lb;          /* when stopped: least bound of the nodes left unexplored */
  double *emin;            /* L + 1: least error of layers t.. */
  double *used;            /* M, bytes */
  size_t *count;           /* M, layers */
  int *srv, *opt;
  bchild *pool;            /* L slices of M·(options of the layer) children */
  size_t *pool_off;        /* L */
  solver__memo *memo;
  uint64_t *key;
  size_t *q_bt, *q_sb;      /* n_opt: units of error left after each option of layer t,
                              for the tables and for the storage-charged tables */
  /* M x n_opt, server-major: option o on server j's cost_x, s, and its
   * penalty under npen and under spen (NULL without bt_pen), computed once
   * per search rather than once per child. */
  double *cx, *pn, *ps;
  double *pm;              /* M x n_opt: the penalty under mpen, NULL without */
  long *alike;             /* L: the nearest earlier layer interchangeable with t, -1 none */
  size_t *seg;             /* L: first layer of the segment holding layer t */
  /* L slices of M: at the node placing layer t, the level tables
   * (stab_level.c) of the servers used before it, and the error units
   * left before t in each. */
  const solver__stab **lv_tab;
  size_t *lv_q;
} bsearch_state;

/* Options a layer may have for its rank (plus one) to fit the memo key's
 * 5 bits, and options in all for them to fit below the key's bit 20. */
#define ALIKE_MAX_OPTIONS 30
#define ALIKE_MAX_ALL ((size_t)1 << 20)

int solver__layers_alike(const solver__problem *pb, size_t s, size_t t) {
  if (s >= t || t >= pb->L) return 0;
  const size_t a = pb->opt_begin[s], b = pb->opt_begin[t], n = pb->opt_begin[s + 1] - a;
  if (pb->opt_begin[t + 1] - b != n) return 0;
  for (size_t k = 0; k < n; k++) {
    if (pb->storage[a + k] != pb->storage[b + k] || pb->error[a + k] != pb->error[b + k]) return 0;
    for (size_t j = 0; j < pb->M; j++)
      if (solver__cost_x(pb, s, a + k, j) != solver__cost_x(pb, t, b + k, j)) return 0;
  }
  return 1;
}

long solver__alike_before(const solver__problem *pb, size_t t) {
  if (t >= pb->L) return -1;
  for (size_t d = 1; d <= SOLVER__ALIKE_WINDOW && d <= t; d++)
    if (solver__layers_alike(pb, t - d, t)) return (long)(t - d);
  return -1;
}

static int bchild_cmp(const void *a, const void *b) {
  const double x = ((const bchild *)a)->lb, y = ((const bchild *)b)->lb;
  return (x > y) - (x < y);
}

static double limit_of(const bsearch_state *st) { return st->inc->value * (1 - st->gap); }

static size_t rank_of(const bsearch_state *st, size_t l) {
  return (size_t)st->opt[l] - st->pb->opt_begin[l];
}

/* 1 when layer t may go on the server of layer t - 1, which then becomes
 * interior to its segment: not when an earlier layer alike to it in the
 * same segment has a wider option (by rank). */
static int stay_allowed(const bsearch_state *st, size_t t) {
  const long s = t > 0 ? st->alike[t - 1] : -1;
  if (s < 0 || (size_t)s < st->seg[t - 1]) return 1;
  return rank_of(st, (size_t)s) <= rank_of(st, t - 1);
}

/* What the rule needs of layers before t - 1 to judge the stays from t
 * on: whether t may stay (may_stay, from stay_allowed), and for each layer
 * v >= t that may become
 * interior, the rank of its alike layer when that lies at or before t - 2
 * in the current segment (5 bits each, 0 when none). Nodes with the same
 * word face the same rule. */
static uint64_t rule_word(const bsearch_state *st, size_t t, int may_stay) {
  const size_t L = st->pb->L;
  uint64_t w = (uint64_t)may_stay;
  for (size_t v = t, k = 0; v + 1 < L && k < SOLVER__ALIKE_WINDOW - 1; v++, k++) {
    const long s = st->alike[v];
    const uint64_t r = s >= 0 && (size_t)s + 2 <= t && (size_t)s >= st->seg[t - 1]
                           ? rank_of(st, (size_t)s) + 1 : 0;
    w |= r << (1 + 5 * k);
  }
  return w;
}

static int seen(bsearch_state *st, size_t t, double g, double err, int may_stay) {
  const solver__problem *pb = st->pb;
  const size_t M = pb->M;
  if (st->memo == NULL) return 0;
  size_t w = 0;
  st->key[w++] = (uint64_t)t * (M + 1) + (uint64_t)(st->srv[t - 1] + 1);
  /* The option below bit 20, the rule's word (at most
   * 1 + 5·(SOLVER__ALIKE_WINDOW - 1) bits) above it. With more options
   * the rule is off (every stay allowed), so the option alone is the key. */
  st->key[w++] = pb->n_opt < ALIKE_MAX_ALL
                     ? (uint64_t)st->opt[t - 1] | rule_word(st, t, may_stay) << 20
                     : (uint64_t)st->opt[t - 1];
  for (size_t i = 0; i < M; i++, w++) memcpy(&st->key[w], &st->used[i], sizeof st->key[w]);
  for (size_t i = 0; pb->cap > 0 && i < M; i++) st->key[w++] = st->count[i];
  return solver__memo_visit(st->memo, st->key, g, err);
}

/* A leaf improved the incumbent: improve it further by the local search
 * and the permuted segments (heuristic.c), at most once every
 * BSEARCH_HEUR_NODES nodes (they take milliseconds, a node a
 * microsecond). A better incumbent only lowers the limit, so every pruning
 * stays sound. */
static void improved(bsearch_state *st) {
  if (st->nodes - st->heur_at < BSEARCH_HEUR_NODES) return;
  st->heur_at = st->nodes;
  solver__local_search(st->pb, st->inc, st->deadline);
  solver__permute_segments(st->pb, st->inc, st->deadline);
}

static void dfs(bsearch_state *st, size_t t, double g, double gp_cost, double gs_cost,
                double gm_cost, double err, double lb_parent) {
  const solver__problem *pb = st->pb;
  const size_t L = pb->L, M = pb->M;
  if (st->stopped) return;
  if (++st->nodes > st->max_nodes || solver__expired(st->deadline)) {
    st->stopped = 1;
    st->open_lb = fmin(st->open_lb, lb_parent); /* this node's subtree is left */
    return;
  }
  const int may_stay = t > 0 ? stay_allowed(st, t) : 1;
  if (t > 0 && seen(st, t, g, err, may_stay)) return;
  const int p = t > 0 ? st->srv[t - 1] : -1;
  const size_t gp = t > 0 ? (size_t)st->opt[t - 1] : 0;
  /* The packing bound for every child that starts a new segment at t
   * (O(M³)): computed when the first such child survives the other
   * bounds. */
  double lb_move = NAN;
  bchild *kids = st->pool + st->pool_off[t];
  size_t n = 0;
  /* The units of error left after each option do not depend on the
   * server: computed once per node, not once per child (they were a sixth
   * of the search's time). sb and sb_pen are built from the same problem,
   * so they count in the same units. */
  for (size_t o = pb->opt_begin[t]; t + 1 < L && o < pb->opt_begin[t + 1]; o++) {
    const double left = st->limit_err - (err + pb->error[o]);
    st->q_bt[o] = solver__btab_units(st->bt, left);
    st->q_sb[o] = st->sb != NULL ? solver__stab_units(st->sb, left)
                  : st->sb_pen != NULL ? solver__stab_units(st->sb_pen, left) : 0;
  }
  /* The incumbent cannot change while the children are made (leaves are
   * offered below), so the limit is read once for all the bound tests. */
  const double lim = limit_of(st);
  /* The error units left before layer t, for the storage-charged tables'
   * bound on every child on a server (below). */
  const solver__stab *sbq = st->sb != NULL ? st->sb : st->sb_pen;
  const size_t qn = sbq != NULL ? solver__stab_units(sbq, st->limit_err - err) : 0;
  /* The servers earlier layers used, with the tables that cut their room
   * to what they have left (stab_level.c): every later segment on such a
   * server fits that room, and so does the rest of the current segment
   * when the child is on it (its room, from the child's bytes, is within
   * the level too). */
  const solver__stab **lvt = st->lv_tab != NULL ? st->lv_tab + t * M : NULL;
  size_t *lvq = st->lv_q != NULL ? st->lv_q + t * M : NULL, nlv = 0;
  for (size_t i = 0; st->levels != NULL && t + 1 < L && i < M; i++) {
    if (st->count[i] == 0) continue;
    const solver__stab *x =
        solver__stab_levels_get(st->levels, i, pb->capacity[i] * (1 + 1e-9) - st->used[i]);
    if (x != NULL) lvt[nlv] = x, lvq[nlv++] = solver__stab_units(x, st->limit_err - err);
  }
  for (size_t j = 0; j < M; j++) {
    if (!pb->usable[j]) continue;
    const int stay = (int)j == p;
    if (stay && !may_stay) continue;
    const double tr = t == 0 || stay ? 0.0 : solver__cm(pb, gp, (size_t)p, j);
    if (!isfinite(tr)) continue;
    if (!(lb_parent < lim)) continue;
    /* Every child on j at once: the storage-charged tables for a segment
     * starting at t on j with all its room and any option are a bound on
     * each child's own lookup (less room, an option no better than the
     * frontier's, fewer units left), so a server that fails here is
     * skipped without a lookup per option. Most servers fail at M = 48. */
    if (st->sb != NULL && !(g + tr + solver__stab_start(st->sb, t, j, qn) < lim)) continue;
    if (st->sb_pen != NULL &&
        !(gs_cost + tr - st->sconst + solver__stab_start(st->sb_pen, t, j, qn) < lim))
      continue;
    /* The same for the tables with the budget relaxed: layers t.. keep at
     * most the error left before t. */
    if (st->dual.st != NULL &&
        !(gm_cost + tr - st->mconst + solver__stab_start(st->dual.st, t, j, 0) -
              st->dual.mu_st * (st->limit_err - err) / pb->budget <
          lim))
      continue;
    /* The same for the level tables: each bounds every child's own lookup
     * in it, whether the child stays on j or starts a segment there. */
    int cut = 0;
    for (size_t x = 0; x < nlv && !cut; x++)
      cut = !(g + tr + solver__stab_start(lvt[x], t, j, lvq[x]) < lim);
    if (cut) continue;
    const size_t jo = j * pb->n_opt;
    /* The tables' rows for (t, j), and the room the last child on j left:
     * a child with more bytes leaves no more, so its room is scanned down
     * from there (solver__btab_room_below). */
    solver__btab_row r_bt = {NULL, 0, 0}, r_pen = r_bt, r_dual = r_bt, r_dpen = r_bt;
    if (t + 1 < L) {
      r_bt = solver__btab_row_of(st->bt, t, j);
      if (st->bt_pen != NULL) r_pen = solver__btab_row_of(st->bt_pen, t, j);
      if (st->dual.plain != NULL) r_dual = solver__btab_row_of(st->dual.plain, t, j);
      if (st->dual.pen != NULL && st->bt_pen != NULL) r_dpen = solver__btab_row_of(st->dual.pen, t, j);
    }
    size_t k_last = (size_t)-1;
    double bytes_last = 0;
    for (size_t o = pb->opt_begin[t]; o < pb->opt_begin[t + 1]; o++) {
      const double e2 = err + pb->error[o];
      if (e2 + st->emin[t + 1] > st->limit_err * (1 + 1e-12)) continue;
      const double bytes = st->used[j] + pb->storage[o];
      if (bytes > pb->capacity[j] * (1 + 1e-9)) continue;
      if (pb->cap > 0 && st->count[j] + 1 > (size_t)pb->cap) continue;
      const double cx = st->cx[jo + o];
      const double cost = g + tr + cx;
      if (!isfinite(cost)) continue;
      double costp = gp_cost + tr + cx, costs = gs_cost + tr + cx, costm = gm_cost + tr + cx;
      if (st->pm != NULL) costm += st->pm[jo + o];
      if (st->bt_pen != NULL) costp += st->pn[jo + o];
      if (st->sb_pen != NULL) costs += st->ps[jo + o];
      double lb = cost;
      if (t + 1 < L) {
        const size_t q = st->q_bt[o];
        const size_t k =
            k_last != (size_t)-1 && bytes >= bytes_last
                ? solver__btab_room_below(pb, st->bt, t, j, bytes, st->count[j] + 1, k_last)
                : solver__btab_room_after(pb, st->bt, t, j, bytes, st->count[j] + 1);
        k_last = k, bytes_last = bytes;
        lb += solver__btab_row_at(&r_bt, k, q);
        if (st->sb != NULL && lb < lim) {
          const size_t r = solver__stab_room(st->sb, j, pb->capacity[j] * (1 + 1e-9) - bytes);
          const double lbs = cost + solver__stab_after(st->sb, t, j, o, r, st->q_sb[o]);
          if (lbs > lb) lb = lbs;
        }
        if (st->sb_pen != NULL && lb < lim) {
          const size_t r = solver__stab_room(st->sb_pen, j, pb->capacity[j] * (1 + 1e-9) - bytes);
          const double lbp = costs - st->sconst +
                             solver__stab_after(st->sb_pen, t, j, o, r, st->q_sb[o]);
          if (lbp > lb) lb = lbp;
        }
        if (st->bt_pen != NULL && lb < lim) {
          const double lbp = costp + solver__btab_row_at(&r_pen, k, q) - st->pconst;
          if (lbp > lb) lb = lbp;
        }
        /* The budget relaxed: the rest keeps at most `left` error, so it
         * pays at most mu·left/E of the tables' error charge. */
        const double left = st->limit_err - (err + pb->error[o]);
        if (st->dual.plain != NULL && lb < lim) {
          const double lbd = cost + solver__btab_row_at(&r_dual, k, 0) -
                             st->dual.mu * left / pb->budget;
          if (lbd > lb) lb = lbd;
        }
        if (st->dual.pen != NULL && st->bt_pen != NULL && lb < lim) {
          const double lbd = costp + solver__btab_row_at(&r_dpen, k, 0) -
                             st->dual.mu_pen * left / pb->budget - st->pconst;
          if (lbd > lb) lb = lbd;
        }
        if (st->dual.st != NULL && lb < lim) {
          const size_t r = solver__stab_room(st->dual.st, j, pb->capacity[j] * (1 + 1e-9) - bytes);
          const double lbd = costm - st->mconst + solver__stab_after(st->dual.st, t, j, o, r, 0) -
                             st->dual.mu_st * left / pb->budget;
          if (lbd > lb) lb = lbd;
        }
        for (size_t x = 0; x < nlv && lb < lim; x++) {
          const solver__stab *lt = lvt[x];
          const size_t r = solver__stab_room(lt, j, pb->capacity[j] * (1 + 1e-9) - bytes);
          const double lbl =
              cost + solver__stab_after(lt, t, j, o, r, solver__stab_units(lt, left));
          if (lbl > lb) lb = lbl;
        }
      } else if (st->bt_pen != NULL && costp - st->pconst > lb) {
        lb = costp - st->pconst;
      }
      if (lb_parent > lb) lb = lb_parent;
      if (!(lb < lim)) continue;
      if (!stay && st->pack != NULL) {
        if (isnan(lb_move)) {
          const double left = st->limit_err - err;
          lb_move = g + solver__pack_bound(st->pack, t, st->used, st->count) - st->lam * left;
        }
        if (lb_move > lb) lb = lb_move;
        if (!(lb < lim)) continue;
      }
      kids[n++] = (bchild){(int)j, (int)o, cost, costp, costs, costm, lb};
    }
  }
  qsort(kids, n, sizeof *kids, bchild_cmp);
  for (size_t k = 0; k < n && !st->stopped; k++) {
    const bchild *c = &kids[k];
    if (!(c->lb < limit_of(st))) break; /* sorted: the rest cannot help either */
    const double u0 = st->used[c->j];
    st->srv[t] = c->j;
    st->opt[t] = c->o;
    st->seg[t] = t > 0 && st->srv[t - 1] == c->j ? st->seg[t - 1] : t;
    st->used[c->j] += pb->storage[c->o];
    st->count[c->j]++;
    if (t + 1 == L) {
      if (solver__incumbent_offer(st->inc, pb, st->srv, st->opt)) improved(st);
    }
    else dfs(st, t + 1, c->g, c->gp, c->gs, c->gm, err + pb->error[c->o], c->lb);
    st->used[c->j] = u0;
    st->count[c->j]--;
    /* Stopped below: the siblings not tried yet are left too; sorted, the
     * next has the least bound. */
    if (st->stopped && k + 1 < n) st->open_lb = fmin(st->open_lb, kids[k + 1].lb);
  }
}

/* dst borrows src's storage and cap multipliers with the error's set to
 * 0 (the tables looked up with them count the error themselves); returns
 * their sum with the checker's slack, what a lookup subtracts. */
static double penalty_borrow(const solver__problem *pb, solver__penalty *dst,
                             const solver__penalty *src) {
  dst->storage = src->storage, dst->count = src->count, dst->error = 0;
  return solver__penalty_constant(pb, dst) * (1 + 1e-9);
}

int solver__bsearch(const solver__problem *pb, const solver__btab *bt, const solver__btab *bt_pen,
                    const solver__stab *sb, const solver__stab *sb_pen,
                    solver__stab_levels *levels, const solver__penalty *pen,
                    const solver__penalty *spen, const solver__bdual *dual, double lam,
                    solver__incumbent *inc, double gap, long long max_nodes, double deadline,
                    long long *nodes, double *open_bound) {
  const size_t L = pb->L, M = pb->M;
  bsearch_state st;
  memset(&st, 0, sizeof st);
  st.open_lb = INFINITY;
  st.pb = pb, st.bt = bt, st.sb = sb, st.inc = inc, st.gap = gap;
  if (bt_pen != NULL && pen != NULL) {
    st.bt_pen = bt_pen;
    st.sb_pen = sb_pen;
    st.pconst = penalty_borrow(pb, &st.npen, pen);
    st.sconst = penalty_borrow(pb, &st.spen, spen != NULL ? spen : pen);
  }
  if (dual != NULL) st.dual = *dual;
  if (st.dual.st != NULL && st.dual.st_pen != NULL)
    st.mconst = penalty_borrow(pb, &st.mpen, st.dual.st_pen);
  st.deadline = deadline, st.max_nodes = max_nodes;
  st.heur_at = -BSEARCH_HEUR_NODES;
  st.limit_err = pb->budget * (1 + 1e-9);
  st.lam = lam > 0 ? lam / pb->budget : 0.0;
  st.emin = malloc((L + 1) * sizeof *st.emin);
  st.used = calloc(M, sizeof *st.used);
  st.count = calloc(M, sizeof *st.count);
  st.srv = malloc(L * sizeof *st.srv);
  st.opt = malloc(L * sizeof *st.opt);
  st.pool_off = malloc(L * sizeof *st.pool_off);
  st.pool = malloc((pb->n_opt ? pb->n_opt : 1) * M * sizeof *st.pool);
  st.key = malloc((2 + 2 * M) * sizeof *st.key);
  st.q_bt = malloc((pb->n_opt ? pb->n_opt : 1) * sizeof *st.q_bt);
  st.q_sb = malloc((pb->n_opt ? pb->n_opt : 1) * sizeof *st.q_sb);
  st.alike = malloc(L * sizeof *st.alike);
  st.seg = malloc(L * sizeof *st.seg);
  if (levels != NULL) {
    st.levels = levels;
    st.lv_tab = malloc(L * M * sizeof *st.lv_tab);
    st.lv_q = malloc(L * M * sizeof *st.lv_q);
  }
  const size_t nx = (pb->n_opt ? pb->n_opt : 1) * M;
  st.cx = malloc(nx * sizeof *st.cx);
  st.pn = st.bt_pen != NULL ? malloc(nx * sizeof *st.pn) : NULL;
  st.ps = st.sb_pen != NULL ? malloc(nx * sizeof *st.ps) : NULL;
  st.pm = st.mpen.storage != NULL ? malloc(nx * sizeof *st.pm) : NULL;
  st.pack = solver__pack_alloc_weighted(pb, st.lam);
  st.memo = solver__memo_alloc(2 + (pb->cap > 0 ? 2 * M : M), BMEMO_PAIRS, BMEMO_BYTES);
  int result = -1;
  if (st.emin && st.used && st.count && st.srv && st.opt && st.pool_off && st.pool && st.key &&
      st.q_bt && st.q_sb && st.alike && st.seg && st.cx &&
      (st.levels == NULL || (st.lv_tab && st.lv_q)) && (st.bt_pen == NULL || st.pn) &&
      (st.sb_pen == NULL || st.ps) && (st.mpen.storage == NULL || st.pm) && st.pack &&
      bt != NULL) {
    for (size_t j = 0; j < M; j++)
      for (size_t t = 0; t < L; t++)
        for (size_t o = pb->opt_begin[t]; o < pb->opt_begin[t + 1]; o++) {
          st.cx[j * pb->n_opt + o] = solver__cost_x(pb, t, o, j);
          if (st.pn) st.pn[j * pb->n_opt + o] = solver__penalty_option(pb, &st.npen, o, j);
          if (st.ps) st.ps[j * pb->n_opt + o] = solver__penalty_option(pb, &st.spen, o, j);
          if (st.pm) st.pm[j * pb->n_opt + o] = solver__penalty_option(pb, &st.mpen, o, j);
        }
    st.emin[L] = 0;
    for (size_t t = L; t-- > 0;) {
      double e = INFINITY;
      for (size_t o = pb->opt_begin[t]; o < pb->opt_begin[t + 1]; o++)
        if (pb->error[o] < e) e = pb->error[o];
      st.emin[t] = st.emin[t + 1] + e;
    }
    for (size_t t = 0; t < L; t++) st.pool_off[t] = pb->opt_begin[t] * M;
    /* Without room in the memo key for the ranks, the rule is off. */
    for (size_t t = 0; t < L; t++)
      st.alike[t] = pb->n_opt < ALIKE_MAX_ALL &&
                            pb->opt_begin[t + 1] - pb->opt_begin[t] <= ALIKE_MAX_OPTIONS
                        ? solver__alike_before(pb, t) : -1;
    dfs(&st, 0, 0.0, 0.0, 0.0, 0.0, 0.0, -INFINITY);
    result = st.stopped ? 0 : 1;
  }
  if (nodes) *nodes = st.nodes;
  if (open_bound) *open_bound = st.stopped ? st.open_lb : INFINITY;
  solver__pack_free(st.pack);
  solver__memo_free(st.memo);
  free(st.emin), free(st.used), free(st.count), free(st.srv), free(st.opt);
  free(st.pool_off), free(st.pool), free(st.key), free(st.q_bt), free(st.q_sb), free(st.alike),
      free(st.seg), free(st.cx), free(st.pn), free(st.ps), free(st.pm), free(st.lv_tab),
      free(st.lv_q);
  return result;
}
