/* multi_local.c: repair and local search on joint placements of several
 * models (docs/solver.md, "Several models").
 *
 * The decomposition's subproblems place each model as if the shared rows
 * were prices; their union often overloads a few servers, storage or
 * compute. Fitting the models one at a time (multi_lagrange.c) can fail
 * when compute binds, since the first models take the fast servers whole.
 * This file repairs the union directly instead: it moves segments (maximal
 * runs of a model's consecutive layers on one server) or their end layers
 * to other servers, and exchanges the servers of two segments, each time
 * taking the move that removes the most overload per second of objective
 * it costs, until no server is overloaded; then it takes the moves that
 * lower the objective while every row holds, until none is left. Moves keep
 * each layer's bit width and each model's own constraints (its storage
 * alone, layer cap, budget, routes). A heuristic: it finds incumbents and
 * proves nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver/internal_multi.h"

/* Overload below this (a fraction of a row) counts as none; the joint
 * checker allows 1e-9. */
#define OVER_EPS 1e-12
/* Moves tried before the search gives up (bounds the time on large
 * instances; one move costs O(K·L·M) evaluations of O(L)). */
#define MAX_MOVES 400

/* One change of a move: layers a..b of model m go to server j. */
typedef struct {
  size_t m, a, b;
  int j;
} change;

typedef struct {
  const solver__multi *mp;
  solver__mplace *p;   /* the current placement (rows may be broken) */
  double *used, *util; /* M: its storage (bytes) and utilization per server */
  int *srv[2];         /* scratch copies of the changed models' servers */
} lstate;

static double overload(const solver__multi *mp, size_t i, double used, double util) {
  return fmax(0.0, used / mp->capacity[i] - 1 - OVER_EPS) +
         fmax(0.0, util / mp->umax - 1 - OVER_EPS);
}

/* Evaluates a move of n changes (n <= 2; two changes of the same model
 * must not overlap). Fills *dv (change of total overload), *dobj (change
 * of the objective), *dt (change of Σ_m T_m); returns 0 if some model's
 * own constraints or routes break. */
static int evaluate(lstate *s, const change *c, size_t n, double *dv, double *dobj, double *dt) {
  const solver__multi *mp = s->mp;
  const size_t K = mp->K;
  size_t models[2], nm = 0;
  double T[K];
  memcpy(T, s->p->T, K * sizeof *T);
  /* Servers whose totals change, with their new totals. */
  size_t touched[8];
  double nu[8], nt[8];
  size_t nt_count = 0;
  for (size_t k = 0; k < n; k++) {
    size_t w = 0;
    while (w < nm && models[w] != c[k].m) w++;
    if (w == nm) {
      models[nm] = c[k].m;
      memcpy(s->srv[nm], s->p->srv[c[k].m], mp->pb[c[k].m]->L * sizeof **s->srv);
      nm++;
    }
    const solver__problem *pb = mp->pb[c[k].m];
    const double rate = mp->mi->rate[c[k].m];
    for (size_t l = c[k].a; l <= c[k].b; l++) {
      const size_t g = (size_t)s->p->opt[c[k].m][l];
      const size_t from = (size_t)s->p->srv[c[k].m][l], to = (size_t)c[k].j;
      s->srv[w][l] = c[k].j;
      const size_t ends[2] = {from, to};
      for (int e = 0; e < 2; e++) {
        size_t t = 0;
        while (t < nt_count && touched[t] != ends[e]) t++;
        if (t == nt_count) {
          touched[t] = ends[e], nu[t] = s->used[ends[e]], nt[t] = s->util[ends[e]];
          nt_count++;
        }
        const double sign = e == 0 ? -1.0 : 1.0;
        nu[t] += sign * pb->storage[g];
        nt[t] += sign * rate * solver__cp(pb, g, ends[e]);
      }
    }
  }
  *dt = 0;
  for (size_t w = 0; w < nm; w++) {
    const size_t m = models[w];
    const solver__problem *pb = mp->pb[m];
    if (!solver__feasible(pb, s->srv[w], s->p->opt[m])) return 0;
    T[m] = solver__eval(pb, s->srv[w], s->p->opt[m]);
    if (!isfinite(T[m])) return 0;
    *dt += T[m] - s->p->T[m];
  }
  double v = 0;
  for (size_t t = 0; t < nt_count; t++) {
    const size_t i = touched[t];
    v += overload(mp, i, nu[t], nt[t]) - overload(mp, i, s->used[i], s->util[i]);
  }
  *dv = v;
  *dobj = solver__multi_value(mp, T) - s->p->value;
  return 1;
}

static void apply(lstate *s, const change *c, size_t n) {
  const solver__multi *mp = s->mp;
  for (size_t k = 0; k < n; k++) {
    const solver__problem *pb = mp->pb[c[k].m];
    const double rate = mp->mi->rate[c[k].m];
    for (size_t l = c[k].a; l <= c[k].b; l++) {
      const size_t g = (size_t)s->p->opt[c[k].m][l];
      const size_t from = (size_t)s->p->srv[c[k].m][l], to = (size_t)c[k].j;
      s->used[from] -= pb->storage[g], s->util[from] -= rate * solver__cp(pb, g, from);
      s->used[to] += pb->storage[g], s->util[to] += rate * solver__cp(pb, g, to);
      s->p->srv[c[k].m][l] = c[k].j;
    }
  }
  for (size_t k = 0; k < n; k++)
    s->p->T[c[k].m] = solver__eval(mp->pb[c[k].m], s->p->srv[c[k].m], s->p->opt[c[k].m]);
  s->p->value = solver__multi_value(mp, s->p->T);
}

/* The segments of all models: seg[k] = {m, a, b, server}. Returns count. */
static size_t segments(const lstate *s, change *seg) {
  size_t n = 0;
  for (size_t m = 0; m < s->mp->K; m++) {
    const size_t L = s->mp->pb[m]->L;
    const int *srv = s->p->srv[m];
    for (size_t a = 0; a < L;) {
      size_t b = a;
      while (b + 1 < L && srv[b + 1] == srv[a]) b++;
      seg[n++] = (change){m, a, b, srv[a]};
      a = b + 1;
    }
  }
  return n;
}

/* Keeps the better of the best move so far and a candidate. In repair
 * mode (total overload > 0) a move must remove overload, and the one with
 * the least objective per overload removed wins; otherwise a move must
 * keep every row and lower the objective (or, at an equal objective, Σ T,
 * which under `max` makes room without changing the slowest model). */
typedef struct {
  int found;
  double key1, key2;
  change c[2];
  size_t n;
} best_move;

static void consider(lstate *s, int repairing, const change *c, size_t n, best_move *best) {
  double dv, dobj, dt;
  if (!evaluate(s, c, n, &dv, &dobj, &dt)) return;
  double k1, k2;
  if (repairing) {
    if (!(dv < -OVER_EPS)) return;
    k1 = dobj / -dv, k2 = dt;
  } else {
    const double tol = 1e-12 * fabs(s->p->value);
    if (dv > 0) return;
    if (!(dobj < -tol || (dobj <= tol && dt < -1e-12 * fabs(s->p->value)))) return;
    k1 = dobj, k2 = dt;
  }
  if (!best->found || k1 < best->key1 || (k1 == best->key1 && k2 < best->key2)) {
    best->found = 1, best->key1 = k1, best->key2 = k2, best->n = n;
    memcpy(best->c, c, n * sizeof *c);
  }
}

int solver__multi_local(const solver__multi *mp, solver__mplace *p, double deadline) {
  const size_t K = mp->K, M = mp->M;
  size_t total_l = 0, maxL = 1;
  for (size_t m = 0; m < K; m++) {
    total_l += mp->pb[m]->L;
    if (mp->pb[m]->L > maxL) maxL = mp->pb[m]->L;
  }
  double used[M], util[M];
  for (size_t i = 0; i < M; i++) used[i] = util[i] = 0;
  for (size_t m = 0; m < K; m++) solver__multi_add(mp, m, p->srv[m], p->opt[m], used, util);
  lstate s = {mp, p, used, util, {malloc(maxL * sizeof(int)), malloc(maxL * sizeof(int))}};
  change *seg = malloc(total_l * sizeof *seg);
  if (s.srv[0] == NULL || s.srv[1] == NULL || seg == NULL) {
    free(s.srv[0]), free(s.srv[1]), free(seg);
    return 0;
  }
  for (size_t m = 0; m < K; m++) p->T[m] = solver__eval(mp->pb[m], p->srv[m], p->opt[m]);
  p->value = solver__multi_value(mp, p->T);
  for (int step = 0; step < MAX_MOVES && !solver__expired(deadline); step++) {
    double v = 0;
    for (size_t i = 0; i < M; i++) v += overload(mp, i, used[i], util[i]);
    const int repairing = v > 0;
    best_move best = {0, 0, 0, {{0, 0, 0, 0}, {0, 0, 0, 0}}, 0};
    const size_t ns = segments(&s, seg);
    for (size_t k = 0; k < ns; k++) {
      const change sg = seg[k];
      for (size_t j = 0; j < M; j++) {
        if ((int)j == sg.j) continue;
        change c = {sg.m, sg.a, sg.b, (int)j};
        consider(&s, repairing, &c, 1, &best);
        if (sg.b > sg.a) {
          c.b = sg.a; /* the first layer alone */
          consider(&s, repairing, &c, 1, &best);
          c.a = c.b = sg.b; /* the last layer alone */
          consider(&s, repairing, &c, 1, &best);
        }
      }
      /* Exchange the servers of two segments. */
      for (size_t q = k + 1; q < ns; q++) {
        if (seg[q].j == sg.j) continue;
        change c[2] = {{sg.m, sg.a, sg.b, seg[q].j}, {seg[q].m, seg[q].a, seg[q].b, sg.j}};
        consider(&s, repairing, c, 2, &best);
      }
    }
    if (!best.found) break;
    apply(&s, best.c, best.n);
  }
  free(s.srv[0]), free(s.srv[1]), free(seg);
  return solver__multi_feasible(mp, p);
}
