/* throughput.c: the throughput objective. A pipeline of servers completes
 * one decode pass per bottleneck stage time t* (solver_bottleneck), so
 * maximizing throughput is the min-max problem
 *
 *     minimize t  s.t.  for every server i:
 *       Σ_{l on i} compute(l,i,b_l) + Σ_{hand-overs sent by i} transfer <= t,
 *
 * with the per-token (k = 1) costs of solver_pass_*, subject to the same
 * storage, cap, accuracy and route constraints as the latency objective,
 * optionally with T <= latency_cap (the combined form). Among the placements
 * with the smallest t the solver returns one with the smallest T
 * (lexicographic: throughput first, then latency).
 *
 * Exactness. A chain DP over segment starts (a, i) — "layers a.. start a
 * segment on server i" — minimizes the largest segment load, where a
 * segment is a maximal run of consecutive layers on one server, its load is
 * its compute plus the one hand-over it sends, and the origin's input is a
 * segment of its own. Every placement's segments have loads no larger than
 * their servers' loads, fit their server's storage and cap on their own, and
 * use the smallest allowed bit widths at best (every cost and storage grows
 * with b), so the DP's value is a lower bound on t*. When the DP's path,
 * placed at those bit widths, passes the checker and its true bottleneck
 * equals the DP's value (no server carries two segments that add up), the
 * path is optimal: proof `dp`. The second DP, the shortest T over paths whose
 * every segment load is <= t*, gives the latency tie-break with the same
 * argument. With a latency cap the smallest t whose shortest path meets the
 * cap is found by bisection over the finite set of segment loads (the
 * shortest T is non-increasing in t), again exact in the relaxation.
 * Otherwise (method ilp) a depth-first branch and bound over (server,
 * width) per layer, started from the DP's path when that is feasible,
 * settles it exactly: proof `search` when it finishes, `timeout` with the
 * DP's bound and the gap when the time limit stops it. (An epigraph ILP on
 * lp_solve was tried first: its branch and bound did not finish even on
 * five-layer instances, because every LP relaxation of a min-max objective
 * sits at the same bound and nothing prunes.)
 *
 * Costs: O(L²·M²) per DP, O(L²·M²·log(L²·M²)) with a latency cap; the
 * search is exponential in L in the worst case and bounded by the time
 * limit. */
#define _POSIX_C_SOURCE 200809L
#include "solver/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative slack when comparing loads that are sums of the same terms in a
 * different order. */
#define LOAD_TOL 1e-12

typedef struct tp {
  const solver_instance *in;
  size_t L, M;
  int *bit;       /* L: smallest allowed bit-width index of each layer */
  double *cpre;   /* M x (L+1): prefix sums of per-token compute on server i */
  double *tpre;   /* M x (L+1): prefix sums of whole-request compute (T's part) */
  double *spre;   /* M x (L+1): prefix sums of storage at bit[l] */
  double *h;      /* L x M: DP values at segment starts */
  int *from;      /* L x M: predecessor segment start a*M + i, -1 at the start */
  int best_end;   /* a*M + i of the last segment of the DP's path */
} tp;

static double seg_sum(const double *pre, size_t L, size_t i, size_t a, size_t e) {
  return pre[i * (L + 1) + e + 1] - pre[i * (L + 1) + a];
}

/* May layers a..e form one segment on server i (storage and cap alone)? */
static int seg_ok(const tp *t, size_t i, size_t a, size_t e) {
  const solver_instance *in = t->in;
  if (in->max_layers > 0 && (int64_t)(e - a + 1) > in->max_layers) return 0;
  return seg_sum(t->spre, t->L, i, a, e) <= in->servers[i].storage * (1 + 1e-9);
}

/* Per-token load of segment a..e on i handing over to j (j == M: the end of
 * the chain, with the output back to the origin). */
static double seg_load(const tp *t, size_t i, size_t a, size_t e, size_t j) {
  const solver_instance *in = t->in;
  double w = seg_sum(t->cpre, t->L, i, a, e);
  if (j < t->M) w += solver_pass_transfer(in, e, i, j, (size_t)t->bit[e], 1);
  else w += solver_pass_output(in, i, (size_t)t->bit[e], 1);
  return w;
}

/* The segment's share of T. */
static double seg_latency(const tp *t, size_t i, size_t a, size_t e, size_t j) {
  const solver_instance *in = t->in;
  double w = seg_sum(t->tpre, t->L, i, a, e);
  if (j < t->M) w += solver_cost_transfer(in, e, i, j, (size_t)t->bit[e]);
  else w += solver_cost_output(in, i, (size_t)t->bit[e]);
  return w;
}

static double input_load(const tp *t, size_t j) { return solver_pass_input(t->in, j, 1); }

static void tp_free(tp *t) {
  free(t->bit), free(t->cpre), free(t->tpre), free(t->spre), free(t->h), free(t->from);
}

static int tp_init(tp *t, const solver_instance *in) {
  memset(t, 0, sizeof *t);
  t->in = in;
  const size_t L = t->L = in->n_layers, M = t->M = in->n_servers;
  t->bit = malloc(L * sizeof *t->bit);
  t->cpre = malloc(M * (L + 1) * sizeof *t->cpre);
  t->tpre = malloc(M * (L + 1) * sizeof *t->tpre);
  t->spre = malloc(M * (L + 1) * sizeof *t->spre);
  t->h = malloc(L * M * sizeof *t->h);
  t->from = malloc(L * M * sizeof *t->from);
  if (!t->bit || !t->cpre || !t->tpre || !t->spre || !t->h || !t->from) return -1;
  for (size_t l = 0; l < L; l++) {
    t->bit[l] = (int)in->n_bits - 1; /* the original precision is always allowed */
    for (size_t b = 0; b < in->n_bits; b++)
      if (solver_instance_allowed(in, l, b)) {
        t->bit[l] = (int)b;
        break;
      }
  }
  for (size_t i = 0; i < M; i++) {
    double *c = t->cpre + i * (L + 1), *T = t->tpre + i * (L + 1), *s = t->spre + i * (L + 1);
    c[0] = T[0] = s[0] = 0;
    for (size_t l = 0; l < L; l++) {
      c[l + 1] = c[l] + solver_pass_compute(in, l, i, (size_t)t->bit[l], 1);
      T[l + 1] = T[l] + solver_cost_compute(in, l, i, (size_t)t->bit[l]);
      s[l + 1] = s[l] + solver_cost_storage(in, l, (size_t)t->bit[l]);
    }
  }
  return 0;
}

/* One DP over segment starts. With tau < +inf it is the shortest-T DP over
 * paths whose every segment load is <= tau; otherwise the min-max DP.
 * Returns the value (+inf if no path) and leaves the path in t->from and
 * t->best_end. */
static double tp_dp(tp *t, double tau) {
  const size_t L = t->L, M = t->M;
  const int minmax = !isfinite(tau);
  const double lim = tau * (1 + LOAD_TOL);
  for (size_t k = 0; k < L * M; k++) t->h[k] = INFINITY, t->from[k] = -1;
  for (size_t i = 0; i < M; i++) {
    const double w = input_load(t, i);
    if (minmax) t->h[i] = w;
    else if (w <= lim) t->h[i] = solver_cost_input(t->in, i);
  }
  double best = INFINITY;
  t->best_end = -1;
  for (size_t a = 0; a < L; a++)
    for (size_t i = 0; i < M; i++) {
      const double base = t->h[a * M + i];
      if (!isfinite(base)) continue;
      for (size_t e = a; e < L && seg_ok(t, i, a, e); e++) {
        const size_t first_j = e + 1 < L ? 0 : M, last_j = e + 1 < L ? M - 1 : M;
        for (size_t j = first_j; j <= last_j; j++) {
          if (j == i) continue;
          const double w = seg_load(t, i, a, e, j);
          if (!isfinite(w)) continue;
          double v;
          if (minmax) v = base > w ? base : w;
          else if (w <= lim) v = base + seg_latency(t, i, a, e, j);
          else continue;
          if (j == M) {
            if (v < best) best = v, t->best_end = (int)(a * M + i);
          } else if (v < t->h[(e + 1) * M + j]) {
            t->h[(e + 1) * M + j] = v;
            t->from[(e + 1) * M + j] = (int)(a * M + i);
          }
        }
      }
    }
  return best;
}

/* The DP's path as a placement at the smallest allowed bit widths. */
static void tp_path(const tp *t, solver_placement *p) {
  size_t end = t->L;
  for (int k = t->best_end; k >= 0; k = t->from[k]) {
    const size_t a = (size_t)k / t->M, i = (size_t)k % t->M;
    for (size_t l = a; l < end; l++) p->server[l] = (int)i, p->bits[l] = t->bit[l];
    end = a;
  }
}

static int cmp_double(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* Smallest segment-load value tau whose shortest-T path meets the cap, by
 * bisection over every candidate load (the optimum of the relaxation is one
 * of them). Returns +inf when no tau does; the path of the answer is left
 * in t. Returns NAN when out of memory. */
static double tp_capped(tp *t, double cap) {
  const size_t L = t->L, M = t->M;
  size_t n = 0, room = 1024 + M;
  double *v = malloc(room * sizeof *v);
  if (v == NULL) return NAN;
  for (size_t i = 0; i < M; i++) v[n++] = input_load(t, i);
  for (size_t a = 0; a < L; a++)
    for (size_t i = 0; i < M; i++)
      for (size_t e = a; e < L && seg_ok(t, i, a, e); e++)
        for (size_t j = e + 1 < L ? 0 : M; j <= (e + 1 < L ? M - 1 : M); j++) {
          if (j == i) continue;
          const double w = seg_load(t, i, a, e, j);
          if (!isfinite(w)) continue;
          if (n == room) {
            double *nv = realloc(v, 2 * room * sizeof *v);
            if (nv == NULL) return free(v), NAN;
            v = nv, room *= 2;
          }
          v[n++] = w;
        }
  qsort(v, n, sizeof *v, cmp_double);
  size_t lo = 0, hi = n; /* answer index in [lo, hi); hi = n: none */
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (tp_dp(t, v[mid]) <= cap) hi = mid;
    else lo = mid + 1;
  }
  double tau = INFINITY;
  if (lo < n) {
    tau = v[lo];
    tp_dp(t, tau); /* leave the answer's path in t */
  }
  free(v);
  return tau;
}

/* ---- branch and bound ------------------------------------------------------------ */

/* Depth-first search over (server, width) per layer in chain order. Loads,
 * storage, counts, error and T grow as layers are placed, so a partial
 * placement whose largest load already exceeds the incumbent's bottleneck
 * (or equals it with no smaller T possible) cannot lead to a better one;
 * the remaining layers add at least their cheapest compute to some server
 * (a lower bound on the final bottleneck), their smallest error, and at
 * least the T of the shortest path through them (a backward DP over
 * (layer, server) at the smallest allowed widths, ignoring storage, caps
 * and loads: the latency problem's own relaxation). A search that finishes has examined every placement not
 * excluded by these bounds: an exhaustive proof. */
typedef struct bnb {
  const solver_instance *in;
  double cap;              /* T <= cap, 0: none */
  double t_lower;          /* s, the DP's lower bound on every feasible bottleneck */
  double deadline;
  size_t L, M, B;
  double *load, *used;     /* M: per-token load, storage */
  int64_t *count;          /* M: layers */
  double *rest_c, *rest_e; /* L+1: suffix bounds (max compute, Σ error) */
  double *H;               /* L x M: least T of layers l.. with layer l on server i */
  int *bmin;               /* L: smallest allowed width of each layer */
  const int *guide;        /* L: a server per layer tried first (the DP's path), or NULL */
  solver_placement *cur, *best;
  double best_t, best_T;
  long long nodes;
  int stopped, found;
} bnb;

static double max_load(const bnb *s) {
  double m = 0;
  for (size_t i = 0; i < s->M; i++)
    if (s->load[i] > m) m = s->load[i];
  return m;
}

static void bnb_leaf(bnb *s, double T) {
  const double t = max_load(s);
  if (t < s->best_t * (1 - LOAD_TOL) || (t <= s->best_t * (1 + LOAD_TOL) && T < s->best_T)) {
    solver_placement_copy(s->best, s->cur);
    s->best_t = t, s->best_T = T;
    s->found = 1;
  }
}

/* A lower bound on the T of any completion of the current partial
 * placement of layers 0..l-1 whose partial T is T. */
static double bnb_T_bound(const bnb *s, size_t l, double T) {
  if (l == s->L) return T;
  const solver_instance *in = s->in;
  double best = INFINITY;
  for (size_t i = 0; i < s->M; i++) {
    double enter = 0;
    if (l == 0) enter = solver_cost_input(in, i);
    else if ((size_t)s->cur->server[l - 1] != i)
      enter = solver_cost_transfer(in, l - 1, (size_t)s->cur->server[l - 1], i, (size_t)s->cur->bits[l - 1]);
    best = fmin(best, enter + s->H[l * s->M + i]);
  }
  return T + best;
}

static void bnb_dfs(bnb *s, size_t l, double T, double err) {
  if (s->stopped) return;
  if ((++s->nodes & 4095) == 0 && solver__expired(s->deadline)) {
    s->stopped = 1;
    return;
  }
  const solver_instance *in = s->in;
  /* The bounds are exact at l == L, so the leaf passes the same tests. */
  const double lb_T = bnb_T_bound(s, l, T);
  if (s->cap > 0 && lb_T > s->cap * (1 + LOAD_TOL)) return;
  if (in->accuracy == SIM_ACC_BUDGET && err + s->rest_e[l] > in->budget * (1 + 1e-9)) return;
  if (l == s->L) {
    bnb_leaf(s, T);
    return;
  }
  const double lb_t = fmax(fmax(max_load(s), s->rest_c[l]), s->t_lower);
  if (lb_t > s->best_t * (1 + LOAD_TOL)) return;
  if (lb_t >= s->best_t * (1 - LOAD_TOL) && lb_T >= s->best_T) return;
  const long prev = l > 0 ? s->cur->server[l - 1] : -1;
  /* The guide's server first: the DP's path is usually close to optimal,
   * and a good first leaf is what makes the bounds prune. */
  const size_t first = s->guide != NULL ? (size_t)s->guide[l] : 0;
  for (size_t k = 0; k < s->M; k++) {
    const size_t i = k == 0 ? first : k <= first ? k - 1 : k;
    if (in->max_layers > 0 && s->count[i] >= in->max_layers) continue;
    for (size_t b = 0; b < s->B; b++) {
      if (!solver_instance_allowed(in, l, b)) continue;
      const double st = solver_cost_storage(in, l, b);
      if (s->used[i] + st > in->servers[i].storage * (1 + 1e-9)) continue;
      double dT = solver_cost_compute(in, l, i, b), hand = 0, inload = 0;
      size_t from = s->M;
      if (l == 0 && in->origin >= 0) {
        inload = solver_pass_input(in, i, 1);
        dT += solver_cost_input(in, i);
        from = (size_t)in->origin;
      } else if (prev >= 0 && (size_t)prev != i) {
        const size_t pb = (size_t)s->cur->bits[l - 1];
        hand = solver_pass_transfer(in, l - 1, (size_t)prev, i, pb, 1);
        dT += solver_cost_transfer(in, l - 1, (size_t)prev, i, pb);
        from = (size_t)prev;
      }
      if (!isfinite(hand) || !isfinite(inload)) continue;
      double own = solver_pass_compute(in, l, i, b, 1);
      if (l + 1 == s->L) {
        own += solver_pass_output(in, i, b, 1);
        dT += solver_cost_output(in, i, b);
        if (!isfinite(own)) continue;
      }
      s->cur->server[l] = (int)i, s->cur->bits[l] = (int)b;
      s->load[i] += own, s->used[i] += st, s->count[i]++;
      if (from < s->M) s->load[from] += hand + inload;
      bnb_dfs(s, l + 1, T + dT, err + in->error[l * s->B + b]);
      if (from < s->M) s->load[from] -= hand + inload;
      s->load[i] -= own, s->used[i] -= st, s->count[i]--;
    }
  }
}

/* Exact search from an incumbent (p with bottleneck t0 and latency T0, or
 * t0 = +inf), given a lower bound t_lower on every feasible bottleneck (so
 * once the incumbent reaches it, only T is left to improve). Returns 1 if it finished (a proof), 0 if the deadline stopped
 * it, -1 when out of memory; the best placement found is left in p. */
static int bnb_run(const solver_instance *in, double cap, double t_lower, double deadline,
                   const int *guide, solver_placement *p, double t0, double T0, long long *nodes) {
  bnb s;
  memset(&s, 0, sizeof s);
  s.in = in, s.cap = cap, s.t_lower = t_lower, s.deadline = deadline, s.guide = guide;
  s.L = in->n_layers, s.M = in->n_servers, s.B = in->n_bits;
  s.load = calloc(s.M, sizeof *s.load);
  s.used = calloc(s.M, sizeof *s.used);
  s.count = calloc(s.M, sizeof *s.count);
  s.rest_c = calloc(s.L + 1, sizeof *s.rest_c);
  s.H = calloc(s.L * s.M + 1, sizeof *s.H);
  s.bmin = calloc(s.L + 1, sizeof *s.bmin);
  s.rest_e = calloc(s.L + 1, sizeof *s.rest_e);
  s.cur = solver_placement_alloc(s.L);
  s.best = p;
  int rc = -1;
  if (!s.load || !s.used || !s.count || !s.rest_c || !s.H || !s.bmin || !s.rest_e || !s.cur) goto done;
  for (size_t l = s.L; l-- > 0;) {
    double c = INFINITY, e = INFINITY;
    s.bmin[l] = -1;
    for (size_t b = 0; b < s.B; b++) {
      if (!solver_instance_allowed(in, l, b)) continue;
      if (s.bmin[l] < 0) s.bmin[l] = (int)b;
      if (in->error[l * s.B + b] < e) e = in->error[l * s.B + b];
      for (size_t i = 0; i < s.M; i++) c = fmin(c, solver_pass_compute(in, l, i, b, 1));
    }
    s.rest_c[l] = fmax(c, s.rest_c[l + 1]);
    s.rest_e[l] = e + s.rest_e[l + 1];
    /* Every cost grows with the width, so the smallest allowed one bounds T. */
    const size_t b = (size_t)(s.bmin[l] < 0 ? (int)s.B - 1 : s.bmin[l]);
    for (size_t i = 0; i < s.M; i++) {
      double rest = 0;
      if (l + 1 == s.L) {
        rest = solver_cost_output(in, i, b);
      } else {
        rest = INFINITY;
        for (size_t j = 0; j < s.M; j++)
          rest = fmin(rest, (j == i ? 0 : solver_cost_transfer(in, l, i, j, b)) + s.H[(l + 1) * s.M + j]);
      }
      s.H[l * s.M + i] = solver_cost_compute(in, l, i, b) + rest;
    }
  }
  s.best_t = t0, s.best_T = T0;
  bnb_dfs(&s, 0, 0.0, 0.0);
  *nodes += s.nodes;
  rc = s.stopped ? 0 : 1;
  if (!s.found && !isfinite(t0)) rc = s.stopped ? 0 : 2; /* 2: finished, nothing feasible */
done:
  free(s.load), free(s.used), free(s.count), free(s.rest_c), free(s.H), free(s.bmin), free(s.rest_e);
  solver_placement_free(s.cur);
  return rc;
}

/* ---- the entry point ------------------------------------------------------------ */

/* Is p feasible, with bottleneck <= tau (relative slack) and T <= cap? */
static int meets(const solver_instance *in, const solver_placement *p, double tau, double cap) {
  sim_error e;
  sim_error_clear(&e);
  double T;
  if (solver_check(in, p, &T, &e) != SIM_OK) return 0;
  if (cap > 0 && !(T <= cap * (1 + LOAD_TOL))) return 0;
  return solver_bottleneck(in, p, NULL) <= tau * (1 + LOAD_TOL);
}

int solver__throughput(const solver_instance *in, const solver_options *opt, double deadline,
                       solver_placement **out, solver_result *res, sim_error *err) {
  *out = NULL;
  const double cap = opt->latency_cap;
  tp t;
  memset(&t, 0, sizeof t);
  solver_placement *p = solver_placement_alloc(in->n_layers);
  if (p == NULL || tp_init(&t, in) != 0) {
    tp_free(&t);
    solver_placement_free(p);
    return sim_error_set(err, SIM_ENOMEM, "out of memory in the throughput solver");
  }
  int rc = SIM_OK;
  /* The relaxation's t: min-max without a cap, bisection with one. */
  double tau = cap > 0 ? tp_capped(&t, cap) : tp_dp(&t, INFINITY);
  if (isnan(tau)) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory in the throughput solver");
    goto done;
  }
  res->dp_bound = tau;
  res->lower_bound = tau;
  if (!isfinite(tau)) {
    /* No relaxed path: nothing is feasible. */
    res->status = SOLVER_INFEASIBLE;
    res->proof = SOLVER_PROOF_NONE;
    snprintf(res->diagnosis, sizeof res->diagnosis, "%s",
             cap > 0 ? "no chain of servers meets the latency cap with every segment fitting "
                       "its server (storage, layer cap, routes)"
                     : "no chain of servers fits (storage, layer cap, routes)");
    goto done;
  }
  /* The latency tie-break on the relaxation, then the exactness test. */
  if (tp_dp(&t, tau) <= (cap > 0 ? cap : INFINITY) && t.best_end >= 0) {
    tp_path(&t, p);
    if (meets(in, p, tau, cap)) {
      res->status = SOLVER_OPTIMAL;
      res->proof = SOLVER_PROOF_DP;
      *out = p;
      p = NULL;
      goto done;
    }
  }
  if (opt->method == SOLVER_METHOD_DP) {
    res->status = SOLVER_INFEASIBLE;
    snprintf(res->diagnosis, sizeof res->diagnosis,
             "the DP's bottleneck (%.6g s) ignores that a server carrying two segments adds "
             "their loads, storage across segments and the budget, and breaks one of them here, "
             "so it is only a lower bound; use the ilp method", tau);
    goto done;
  }
  {
    /* The incumbent: the DP's path when it is feasible, else none. */
    double t0 = INFINITY, T0 = INFINITY;
    if (t.best_end >= 0 && meets(in, p, INFINITY, cap)) {
      t0 = solver_bottleneck(in, p, NULL);
      T0 = solver_objective(in, p, NULL, NULL);
    }
    long long nodes = 0;
    int *guide = t.best_end >= 0 ? malloc(in->n_layers * sizeof *guide) : NULL;
    if (guide != NULL) {
      tp_path(&t, p);
      memcpy(guide, p->server, in->n_layers * sizeof *guide);
    }
    const int r = bnb_run(in, cap, tau, deadline, guide, p, t0, T0, &nodes);
    free(guide);
    res->search_nodes = nodes;
    if (r < 0) {
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory in the throughput search");
    } else if (r == 2) {
      res->status = SOLVER_INFEASIBLE;
      snprintf(res->diagnosis, sizeof res->diagnosis, "the exhaustive search found no placement "
               "within storage, layer cap, budget%s", cap > 0 ? " and latency cap" : "");
    } else if (r == 0 && !isfinite(solver_bottleneck(in, p, NULL))) {
      res->status = SOLVER_TIMEOUT;
      snprintf(res->diagnosis, sizeof res->diagnosis, "the time limit stopped the throughput "
               "search before it found a placement");
    } else if (!meets(in, p, INFINITY, cap)) {
      if (r == 0) {
        res->status = SOLVER_TIMEOUT;
        snprintf(res->diagnosis, sizeof res->diagnosis, "the time limit stopped the throughput "
                 "search before it found a placement");
      } else {
        rc = sim_error_set(err, SIM_EINTERNAL, "the throughput search returned a placement the "
                           "checker rejects");
      }
    } else {
      res->status = r == 1 ? SOLVER_OPTIMAL : SOLVER_TIMEOUT;
      res->proof = r == 1 ? SOLVER_PROOF_SEARCH : SOLVER_PROOF_NONE;
      if (r == 1) res->lower_bound = solver_bottleneck(in, p, NULL);
      *out = p;
      p = NULL;
    }
  }
done:
  tp_free(&t);
  solver_placement_free(p);
  return rc;
}
