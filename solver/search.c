/* search.c: a depth-first branch and bound over segments, the segment DP
 * as its bound.
 *
 * A placement is a sequence of segments (consecutive layers on one server),
 * consecutive segments on different servers. The search extends a partial
 * sequence by one segment at a time, tracking the storage and layer count
 * each server has used so far, so a server may host several segments only
 * while their total fits: every feasible placement is reachable and nothing
 * infeasible is accepted. A child is pruned when its cost so far plus the
 * cheapest way to finish (the backward pass of the segment relaxation, with
 * and without the Lagrangian penalties) cannot beat the incumbent by the
 * gap. Children are tried cheapest bound first, so good placements come
 * early.
 *
 * Two additions keep it small when the segment bound is weak (fast links,
 * where a server may appear in many segments of the relaxation):
 *   - The packing bound (pack.c) of the layers after a child, given the
 *     storage and slots each server has left, counts whole layers per
 *     server; a child is pruned when its cost plus that bound cannot beat
 *     the incumbent either.
 *   - A table of visited states (memo.c). What a node's completions can be
 *     and cost depends only on its state: the next layer s, the previous
 *     server p (the next segment must leave it, and the transfer out of it
 *     depends on it) and the storage and layer count used on every server.
 *     When a node reaches a state an earlier node reached at no higher cost,
 *     every completion of the new node is a completion of the earlier one
 *     at a cost no lower, and the earlier one's subtree has been searched
 *     to the end by then (it has the same depth in layers, so it is not an
 *     ancestor): each of those completions was either offered to the
 *     incumbent or pruned by a bound at least the incumbent's limit at that
 *     time, which only falls. So the new node is pruned without losing any
 *     placement that could beat the final incumbent. With identical decoder
 *     blocks, the orders of the same runs all reach one state, which is
 *     where the search's symmetry goes.
 * Storage used per server is restored exactly on backtracking (saved, not
 * subtracted), so equal states have bit-identical keys when the same
 * layers were added in the same order (always the case for identical
 * blocks); states that differ only by rounding are merely not merged.
 *
 * It applies when every layer has one option and there is no budget (the
 * per_layer case after the presolve): with several options a segment would
 * also choose bits, a knapsack the search does not attempt. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct child {
  size_t e;   /* last layer of the child's segment */
  size_t j;   /* its server */
  double g;   /* cost with the segment */
  double gp;  /* penalized cost with the segment */
  double lb;  /* bound */
} child;

typedef struct {
  const solver__problem *pb;
  solver__incumbent *inc;
  double gap;
  double deadline;
  long long nodes, max_nodes;
  int stopped;            /* 1: a limit stopped the search */
  const double *K0;       /* L x M: unpenalized exit bound after a segment ending at e on j */
  const double *Kp;       /* L x M: penalized exit bound (NULL without penalties) */
  const solver__penalty *pen;
  double pconst;          /* penalty constant */
  solver__pack *pack;     /* packing bound of the layers after a child */
  solver__memo *memo;     /* visited states; NULL when out of memory for it */
  uint64_t *key;          /* 1 + M (+ M with a cap) words, scratch */
  child *pool;            /* children of the open nodes, see pool_at */
  double *used;           /* M, bytes */
  size_t *count;          /* M, layers */
  int *srv, *opt;         /* the partial placement */
} search;

/* A node at depth d (d segments placed) starts at layer s >= d and has at
 * most M·(L - d) children; depth d's slice of the pool starts after those of
 * depths 0..d-1, M·(d·L - d(d-1)/2) entries in, so the pool holds
 * M·L(L+1)/2 children in all. */
static child *pool_at(const search *st, size_t d) {
  const size_t L = st->pb->L, M = st->pb->M;
  return st->pool + M * (d * L - d * (d - 1) / 2);
}

static int child_cmp(const void *a, const void *b) {
  const double x = ((const child *)a)->lb, y = ((const child *)b)->lb;
  return (x > y) - (x < y);
}

static double limit_of(const search *st) { return st->inc->value * (1 - st->gap); }

/* Memory for the table of visited states: enough for a few hundred
 * thousand states at M = 8 without crowding a machine that runs two
 * solves at once. */
#define MEMO_BYTES ((size_t)48 << 20)

/* 1 if an earlier node reached this node's state at a cost no higher (the
 * node can be pruned); otherwise records it. */
static int seen(search *st, size_t s, int p, double g) {
  const size_t M = st->pb->M;
  if (st->memo == NULL) return 0;
  size_t w = 0;
  st->key[w++] = (uint64_t)s * (M + 1) + (uint64_t)(p + 1);
  for (size_t i = 0; i < M; i++, w++) memcpy(&st->key[w], &st->used[i], sizeof st->key[w]);
  for (size_t i = 0; st->pb->cap > 0 && i < M; i++) st->key[w++] = st->count[i];
  return solver__memo_visit(st->memo, st->key, g, 0.0);
}

/* Explores every completion of the placement of layers < s, the last of
 * which sits on server p (none when s == 0), at cost g (penalized gp), with
 * `depth` segments placed so far. */
static void dfs(search *st, size_t s, int p, double g, double gp, size_t depth) {
  const solver__problem *pb = st->pb;
  const size_t L = pb->L, M = pb->M;
  if (st->stopped) return;
  if (++st->nodes > st->max_nodes || solver__expired(st->deadline)) {
    st->stopped = 1;
    return;
  }
  if (s > 0 && seen(st, s, p, g)) return;
  size_t n = 0;
  child *kids = pool_at(st, depth);
  const size_t gs = pb->opt_begin[s];
  for (size_t j = 0; j < M; j++) {
    if (!pb->usable[j] || (int)j == p) continue;
    const double t = s == 0 ? 0.0 : solver__cm(pb, (size_t)st->opt[s - 1], (size_t)p, j);
    if (!isfinite(t)) continue;
    double cost = g + t, costp = gp + t, bytes = st->used[j];
    size_t cnt = st->count[j];
    for (size_t e = s; e < L; e++) {
      const size_t ge = gs + (e - s); /* one option per layer: options are consecutive */
      bytes += pb->storage[ge];
      cnt++;
      if (bytes > pb->capacity[j] * (1 + 1e-9) || (pb->cap > 0 && cnt > (size_t)pb->cap)) break;
      const double c = solver__cost_x(pb, e, ge, j);
      cost += c;
      costp += c + solver__penalty_option(pb, st->pen, ge, j);
      double lb = cost + st->K0[e * M + j];
      if (st->Kp != NULL) {
        const double lbp = costp + st->Kp[e * M + j] - st->pconst;
        if (lbp > lb) lb = lbp;
      }
      if (!(lb < limit_of(st))) continue;
      if (e + 1 < L) {
        /* The packing bound with this segment's storage in place. */
        const double u0 = st->used[j];
        const size_t c0 = st->count[j];
        st->used[j] = bytes, st->count[j] = cnt;
        const double lpk = cost + solver__pack_bound(st->pack, e + 1, st->used, st->count);
        st->used[j] = u0, st->count[j] = c0;
        if (lpk > lb) lb = lpk;
        if (!(lb < limit_of(st))) continue;
      }
      kids[n++] = (child){e, j, cost, costp, lb};
    }
  }
  qsort(kids, n, sizeof *kids, child_cmp);
  for (size_t k = 0; k < n && !st->stopped; k++) {
    const child *c = &kids[k];
    if (!(c->lb < limit_of(st))) break; /* sorted: the rest cannot help either */
    const double u0 = st->used[c->j];
    for (size_t l = s; l <= c->e; l++) {
      st->srv[l] = (int)c->j;
      st->opt[l] = (int)(gs + (l - s));
      st->used[c->j] += pb->storage[gs + (l - s)];
    }
    st->count[c->j] += c->e - s + 1;
    if (c->e + 1 == L) solver__incumbent_offer(st->inc, pb, st->srv, st->opt);
    else dfs(st, c->e + 1, (int)c->j, c->g, c->gp, depth + 1);
    st->used[c->j] = u0;
    st->count[c->j] -= c->e - s + 1;
  }
}

int solver__search_applies(const solver__problem *pb) {
  if (pb->has_budget) return 0;
  for (size_t l = 0; l < pb->L; l++)
    if (pb->opt_begin[l + 1] - pb->opt_begin[l] != 1) return 0;
  return 1;
}

int solver__search(const solver__problem *pb, const solver__penalty *pen, solver__incumbent *inc,
                   double gap, long long max_nodes, double deadline, long long *nodes) {
  const size_t L = pb->L, M = pb->M;
  search st;
  memset(&st, 0, sizeof st);
  st.pb = pb;
  st.inc = inc;
  st.gap = gap;
  st.deadline = deadline;
  st.max_nodes = max_nodes;
  st.pen = pen;
  st.pconst = solver__penalty_constant(pb, pen);
  double *K0 = malloc(L * M * sizeof *K0), *Kp = malloc(L * M * sizeof *Kp);
  st.used = calloc(M, sizeof *st.used);
  st.count = calloc(M, sizeof *st.count);
  st.srv = malloc(L * sizeof *st.srv);
  st.opt = malloc(L * sizeof *st.opt);
  st.pool = malloc(M * L * (L + 1) / 2 * sizeof *st.pool);
  st.pack = solver__pack_alloc(pb);
  st.key = malloc((1 + 2 * M) * sizeof *st.key);
  /* The table only prunes; without memory for it the search still works. */
  st.memo = solver__memo_alloc(1 + (pb->cap > 0 ? 2 * M : M), 1, MEMO_BYTES);
  solver__segdp *sd = solver__segdp_alloc(pb);
  int result = -1;
  if (K0 && Kp && st.used && st.count && st.srv && st.opt && st.pool && st.pack && st.key && sd) {
    solver__segdp_solve(sd, NULL, NULL, NULL);
    solver__segdp_exits(sd, K0);
    st.K0 = K0;
    if (pen != NULL) {
      solver__segdp_solve(sd, pen, NULL, NULL);
      solver__segdp_exits(sd, Kp);
      st.Kp = Kp;
    }
    dfs(&st, 0, -1, 0.0, 0.0, 0);
    result = st.stopped ? 0 : 1;
  }
  if (nodes) *nodes = st.nodes;
  solver__segdp_free(sd);
  solver__pack_free(st.pack);
  solver__memo_free(st.memo);
  free(st.key);
  free(K0), free(Kp), free(st.used), free(st.count), free(st.srv), free(st.opt), free(st.pool);
  return result;
}
