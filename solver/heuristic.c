/* heuristic.c: incumbents. A repair that turns a relaxation's infeasible
 * path into a feasible placement, and a local search that improves one.
 *
 * Both work on moves that change a few layers: relocate one layer (to any
 * server and option), relocate a whole run of consecutive layers on one
 * server, or swap the servers of two runs. A relocation's cost change is
 * computed from the layers it touches and their neighbours only, O(L·M·B)
 * for all of them; a swap is applied, evaluated in full and undone, O(L)
 * each, so a pass costs O(L·M·B + R²·L) for R runs. Runs are few next to
 * layers, which keeps swaps cheap enough. Nothing here proves anything; the
 * bounds and the ILP do. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const solver__problem *pb;
  int *srv, *opt;   /* the placement being changed */
  double *used;     /* M, bytes */
  size_t *count;    /* M, layers */
  double err;       /* Σ error */
} state;

static void state_load(state *st) {
  st->err = solver__usage(st->pb, st->srv, st->opt, st->used, st->count);
}

/* Violation of server i's storage and cap with `dbytes` and `dcount` more,
 * as fractions of the limits (0 when within). */
static double server_excess(const state *st, size_t i, double dbytes, long dcount) {
  const solver__problem *pb = st->pb;
  double v = 0;
  const double u = st->used[i] + dbytes;
  if (u > pb->capacity[i] * (1 + 1e-9)) v += pb->capacity[i] > 0 ? u / pb->capacity[i] - 1 : 1;
  if (pb->cap > 0) {
    const long c = (long)st->count[i] + dcount;
    if (c > pb->cap) v += (double)(c - pb->cap) / (double)pb->cap;
  }
  return v;
}

static double budget_excess(const state *st, double derr) {
  const solver__problem *pb = st->pb;
  if (!pb->has_budget) return 0;
  const double e = st->err + derr;
  if (e <= pb->budget * (1 + 1e-9)) return 0;
  return pb->budget > 0 ? e / pb->budget - 1 : e;
}

static double total_excess(const state *st) {
  double v = budget_excess(st, 0);
  for (size_t i = 0; i < st->pb->M; i++) v += server_excess(st, i, 0, 0);
  return v;
}

/* Transfer after layer l when it sits on a with option g and l + 1 on b. */
static double link(const solver__problem *pb, size_t l, int g, int a, int b) {
  return l + 1 < pb->L ? solver__cm(pb, (size_t)g, (size_t)a, (size_t)b) : 0.0;
}

/* A candidate move: layers s..e go to server `to`; a single layer may also
 * change option (g >= 0); a swap exchanges two runs' servers. */
typedef struct {
  int kind;        /* 0 none, 1 layer, 2 run, 3 swap */
  size_t s, e;     /* the layer or run */
  size_t s2, e2;   /* swap: the second run */
  int to, g;
  double dcost;    /* s */
  double dexcess;  /* change of total violation */
} move;

static void apply(state *st, const move *mv) {
  if (mv->kind == 1) {
    st->srv[mv->s] = mv->to;
    st->opt[mv->s] = mv->g;
  } else if (mv->kind == 2) {
    for (size_t l = mv->s; l <= mv->e; l++) st->srv[l] = mv->to;
  } else if (mv->kind == 3) {
    const int a = st->srv[mv->s], b = st->srv[mv->s2];
    for (size_t l = mv->s; l <= mv->e; l++) st->srv[l] = b;
    for (size_t l = mv->s2; l <= mv->e2; l++) st->srv[l] = a;
  }
  state_load(st);
}

/* Better move under the rule: while infeasible, the largest drop in
 * violation per second spent (cost drops first); once feasible, the largest
 * cost drop that keeps feasibility. */
static int better(const move *a, const move *b, int repairing) {
  if (b->kind == 0) return 1;
  if (repairing) {
    const double ra = a->dcost / -a->dexcess, rb = b->dcost / -b->dexcess;
    return ra < rb;
  }
  return a->dcost < b->dcost;
}

static void consider(move *best, const move *mv, int repairing, double scale) {
  if (!isfinite(mv->dcost)) return;
  if (repairing) {
    if (!(mv->dexcess < -1e-12)) return;
  } else {
    if (mv->dexcess > 1e-12 || !(mv->dcost < -SOLVER__REL_EPS * scale)) return;
  }
  if (better(mv, best, repairing)) *best = *mv;
}

/* Once feasible, whether a move that lowers the cost by -dcost could still
 * be chosen by consider over best (better): if not, its violation need not
 * be computed. */
static int may_beat(const move *best, double dcost, double scale) {
  return dcost < -SOLVER__REL_EPS * scale && (best->kind == 0 || dcost < best->dcost);
}

/* Finds the best move; returns 0 if none qualifies. The terms that do not
 * depend on the candidate's server or option (each server's violation as
 * it stands, the transfer into a moved layer, the budget's violation) are
 * computed once rather than per candidate: the same values, so the same
 * moves, at a fraction of the calls. */
static int best_move(state *st, int repairing, double scale, move *out) {
  const solver__problem *pb = st->pb;
  const size_t L = pb->L, M = pb->M;
  const int *srv = st->srv, *opt = st->opt;
  move best = {0};
  double exs[M > 0 ? M : 1]; /* each server's violation as it stands */
  for (size_t j = 0; j < M; j++) exs[j] = server_excess(st, j, 0, 0);
  const double be0 = budget_excess(st, 0);
  size_t most = 1;
  for (size_t l = 0; l < L; l++)
    if (pb->opt_begin[l + 1] - pb->opt_begin[l] > most) most = pb->opt_begin[l + 1] - pb->opt_begin[l];
  double be[most]; /* the budget's violation with each option of layer l */
  /* Relocate one layer, possibly with another option. */
  for (size_t l = 0; l < L; l++) {
    const int a = srv[l], ga = opt[l];
    const size_t g0 = pb->opt_begin[l];
    const double old = solver__cost_x(pb, l, (size_t)ga, (size_t)a) +
                     (l > 0 ? link(pb, l - 1, opt[l - 1], srv[l - 1], a) : 0) +
                     (l + 1 < L ? link(pb, l, ga, a, srv[l + 1]) : 0);
    const double ex_a = exs[a];
    /* While repairing, a move must lower the violation. Moving layer l or
     * changing its option adds nothing to any violation but that of its
     * server a and of the budget (each at least what it was unless it
     * lowers that one), so when neither is violated no move of l
     * qualifies. */
    if (repairing && ex_a <= 0 && be0 <= 0) continue;
    const double ex_a_out = server_excess(st, (size_t)a, -pb->storage[ga], -1);
    for (size_t g = g0; g < pb->opt_begin[l + 1]; g++)
      be[g - g0] = budget_excess(st, pb->error[g] - pb->error[ga]);
    for (size_t j = 0; j < M; j++) {
      if (!pb->usable[j]) continue;
      const double in = l > 0 ? link(pb, l - 1, opt[l - 1], srv[l - 1], (int)j) : 0;
      for (size_t g = g0; g < pb->opt_begin[l + 1]; g++) {
        if ((int)j == a && (int)g == ga) continue;
        move mv = {1, l, l, 0, 0, (int)j, (int)g, 0, 0};
        mv.dcost = solver__cost_x(pb, l, g, j) + in +
                   (l + 1 < L ? link(pb, l, (int)g, (int)j, srv[l + 1]) : 0) - old;
        if (!repairing && !may_beat(&best, mv.dcost, scale)) continue;
        const double ds = pb->storage[g] - pb->storage[ga];
        if ((int)j == a)
          mv.dexcess = server_excess(st, j, ds, 0) - ex_a;
        else
          mv.dexcess = server_excess(st, j, pb->storage[g], 1) - exs[j] + ex_a_out - ex_a;
        mv.dexcess += be[g - g0] - be0;
        consider(&best, &mv, repairing, scale);
      }
    }
  }
  /* Runs: maximal stretches of consecutive layers on one server. */
  size_t rs[L], re[L], R = 0;
  for (size_t l = 0; l < L; l++) {
    if (l == 0 || srv[l] != srv[l - 1]) rs[R] = l, R++;
    re[R - 1] = l;
  }
  for (size_t r = 0; r < R; r++) {
    const size_t s = rs[r], e = re[r];
    const int a = srv[s];
    if (repairing && exs[a] <= 0) continue; /* as above: only a's violation could fall */
    double bytes = 0;
    for (size_t l = s; l <= e; l++) bytes += pb->storage[opt[l]];
    const long n = (long)(e - s + 1);
    const double ex_a_out = server_excess(st, (size_t)a, -bytes, -n);
    for (size_t j = 0; j < M; j++) {
      if (!pb->usable[j] || (int)j == a) continue;
      move mv = {2, s, e, 0, 0, (int)j, -1, 0, 0};
      double d = 0;
      for (size_t l = s; l <= e; l++)
        d += solver__cost_x(pb, l, (size_t)opt[l], j) - solver__cost_x(pb, l, (size_t)opt[l], (size_t)a);
      if (s > 0) d += link(pb, s - 1, opt[s - 1], srv[s - 1], (int)j) - link(pb, s - 1, opt[s - 1], srv[s - 1], a);
      if (e + 1 < L) d += link(pb, e, opt[e], (int)j, srv[e + 1]) - link(pb, e, opt[e], a, srv[e + 1]);
      mv.dcost = d;
      if (!repairing && !may_beat(&best, d, scale)) continue;
      mv.dexcess = server_excess(st, j, bytes, n) - exs[j] + ex_a_out - exs[a];
      consider(&best, &mv, repairing, scale);
    }
  }
  /* Swap the servers of two runs (evaluated in full: swaps are few). */
  const double base = solver__eval(pb, srv, opt), ex0 = total_excess(st);
  for (size_t r = 0; r < R; r++)
    for (size_t q = r + 1; q < R; q++) {
      if (srv[rs[r]] == srv[rs[q]]) continue;
      move mv = {3, rs[r], re[r], rs[q], re[q], 0, -1, 0, 0};
      apply(st, &mv);
      mv.dcost = solver__eval(pb, st->srv, st->opt) - base;
      mv.dexcess = total_excess(st) - ex0;
      apply(st, &mv); /* swapping again restores the placement */
      consider(&best, &mv, repairing, scale);
    }
  *out = best;
  return best.kind != 0;
}

/* Runs moves until no move qualifies, the deadline passes or a bound on the
 * number of moves (each strictly improves, so this is only a safeguard). */
static void descend(state *st, int repairing, double deadline) {
  const double scale = fabs(solver__eval(st->pb, st->srv, st->opt));
  const size_t limit = 4 * st->pb->L * st->pb->M + 16;
  for (size_t k = 0; k < limit && !solver__expired(deadline); k++) {
    if (repairing && total_excess(st) <= 0) return;
    move mv;
    if (!best_move(st, repairing, isfinite(scale) ? scale : 1.0, &mv)) return;
    apply(st, &mv);
  }
}

static int state_init(state *st, const solver__problem *pb, const int *srv, const int *opt) {
  st->pb = pb;
  st->srv = malloc(pb->L * sizeof *st->srv);
  st->opt = malloc(pb->L * sizeof *st->opt);
  st->used = malloc(pb->M * sizeof *st->used);
  st->count = malloc(pb->M * sizeof *st->count);
  if (!st->srv || !st->opt || !st->used || !st->count) return -1;
  memcpy(st->srv, srv, pb->L * sizeof *srv);
  memcpy(st->opt, opt, pb->L * sizeof *opt);
  state_load(st);
  return 0;
}

static void state_free(state *st) {
  free(st->srv), free(st->opt), free(st->used), free(st->count);
}

void solver__local_search(const solver__problem *pb, solver__incumbent *inc, double deadline) {
  if (!isfinite(inc->value)) return;
  state st = {0};
  if (state_init(&st, pb, inc->srv, inc->opt) == 0) {
    descend(&st, 0, deadline);
    solver__incumbent_offer(inc, pb, st.srv, st.opt);
  }
  state_free(&st);
}

int solver__repair(const solver__problem *pb, solver__incumbent *inc, const int *srv,
                   const int *opt, double deadline) {
  state st = {0};
  int kept = 0;
  if (state_init(&st, pb, srv, opt) == 0) {
    descend(&st, 1, deadline);
    if (total_excess(&st) <= 0) {
      descend(&st, 0, deadline);
      kept = solver__incumbent_offer(inc, pb, st.srv, st.opt);
    }
  }
  state_free(&st);
  return kept;
}

/* At most this many segments have their servers permuted (up to 5! orders,
 * each repaired and improved), and at most this many rounds. */
#define PERMUTE_MAX_SEGMENTS 5
#define PERMUTE_ROUNDS 3

int solver__next_permutation(int *p, size_t k) {
  if (k < 2) return 0;
  size_t i = k - 1;
  while (i > 0 && p[i - 1] >= p[i]) i--;
  if (i == 0) return 0;
  size_t j = k - 1;
  while (p[j] <= p[i - 1]) j--;
  int x = p[i - 1];
  p[i - 1] = p[j], p[j] = x;
  for (size_t a = i, b = k - 1; a < b; a++, b--) x = p[a], p[a] = p[b], p[b] = x;
  return 1;
}

void solver__permute_segments(const solver__problem *pb, solver__incumbent *inc, double deadline) {
  const size_t L = pb->L;
  if (!isfinite(inc->value) || L < 2) return;
  int *base = malloc(L * sizeof *base), *opt = malloc(L * sizeof *opt);
  int *srv = malloc(L * sizeof *srv);
  size_t *seg = malloc(L * sizeof *seg); /* segment of each layer */
  if (!base || !opt || !srv || !seg) goto done;
  /* Each improvement starts a new round, on the new incumbent. */
  for (int round = 0; round < PERMUTE_ROUNDS && !solver__expired(deadline); round++) {
    memcpy(base, inc->srv, L * sizeof *base);
    memcpy(opt, inc->opt, L * sizeof *opt);
    const double before = inc->value;
    size_t k = 0;
    int server[PERMUTE_MAX_SEGMENTS], perm[PERMUTE_MAX_SEGMENTS];
    for (size_t l = 0; l < L; l++) {
      if (l == 0 || base[l] != base[l - 1]) {
        if (k == PERMUTE_MAX_SEGMENTS) goto done;
        server[k++] = base[l];
      }
      seg[l] = k - 1;
    }
    if (k < 2) break;
    for (size_t s = 0; s < k; s++) perm[s] = (int)s;
    while (solver__next_permutation(perm, k) && !solver__expired(deadline)) {
      for (size_t l = 0; l < L; l++) srv[l] = server[perm[seg[l]]];
      solver__repair(pb, inc, srv, opt, deadline);
    }
    if (!(inc->value < before)) break;
  }
done:
  free(base), free(opt), free(srv), free(seg);
}
