/* test_solver_multi.c: several models sharing the servers, against
 * exhaustive search on 240 tiny random multi-instances (2 models with
 * L <= 4 or 3 models with L <= 3, M <= 3, |B| <= 2), under both objectives.
 *
 * The reference enumerates, per model, every (server, bits) choice of every
 * layer that meets the model's own constraints, from the cost functions of
 * solver.h alone, and then every combination of one placement per model
 * that meets the shared storage and utilization rows. It shares no code
 * with the solver's decomposition or ILP.
 *
 * Each instance is solved under `sum` and `max` by the exact method and by
 * the joint ILP alone, the formulation alternating, so both formulations
 * meet both objectives. Objectives must agree with the brute force to 1e-9
 * relative (the mip_gap); infeasibility exactly; every reported bound must
 * stay at or below the optimum. The instances cycle through four shapes
 * (loose, storage binding, utilization binding, both), and the test asserts
 * how many of them really bind, so that the comparisons cover the shared
 * rows. It also asserts instances where the joint optimum differs from
 * each model's own optimum, and a hand-computed case of that. */
#include <gsl/gsl_rng.h>

#include "solver/internal_multi.h"
#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 240

static const char *shape_name[4] = {"loose", "storage", "utilization", "both"};

/* One model's placements that meet its own constraints. */
typedef struct {
  size_t n, cap;
  int *srv, *bits;  /* n x L */
  double *T;        /* n */
  double *st, *ut;  /* n x M: bytes and rate·busy per server */
} plist;

typedef struct {
  const solver_multi *mi;
  size_t m, L, M;
  plist *pl;
  int *srv, *bits;
  double *st, *ut;
} enum_ctx;

static void plist_push(enum_ctx *e) {
  plist *p = e->pl;
  const solver_instance *in = e->mi->models[e->m];
  if (p->n == p->cap) {
    p->cap = p->cap ? 2 * p->cap : 64;
    p->srv = realloc(p->srv, p->cap * e->L * sizeof *p->srv);
    p->bits = realloc(p->bits, p->cap * e->L * sizeof *p->bits);
    p->T = realloc(p->T, p->cap * sizeof *p->T);
    p->st = realloc(p->st, p->cap * e->M * sizeof *p->st);
    p->ut = realloc(p->ut, p->cap * e->M * sizeof *p->ut);
    if (!p->srv || !p->bits || !p->T || !p->st || !p->ut) abort();
  }
  solver_placement pl = {e->L, e->srv, e->bits};
  const double t = solver_objective(in, &pl, NULL, NULL);
  if (!isfinite(t)) return;
  memcpy(p->srv + p->n * e->L, e->srv, e->L * sizeof *e->srv);
  memcpy(p->bits + p->n * e->L, e->bits, e->L * sizeof *e->bits);
  memcpy(p->st + p->n * e->M, e->st, e->M * sizeof *e->st);
  memcpy(p->ut + p->n * e->M, e->ut, e->M * sizeof *e->ut);
  p->T[p->n++] = t;
}

static void enum_dfs(enum_ctx *e, size_t l, size_t *count) {
  const solver_instance *in = e->mi->models[e->m];
  if (l == e->L) {
    plist_push(e);
    return;
  }
  const double rate = e->mi->rate[e->m];
  for (size_t i = 0; i < e->M; i++)
    for (size_t b = 0; b < in->n_bits; b++) {
      if (!solver_instance_allowed(in, l, b)) continue;
      if (in->max_layers > 0 && count[i] + 1 > (size_t)in->max_layers) continue;
      const double s = solver_cost_storage(in, l, b), u = rate * solver_cost_compute(in, l, i, b);
      if (e->st[i] + s > in->servers[i].storage * (1 + 1e-9)) continue;
      e->srv[l] = (int)i, e->bits[l] = (int)b;
      e->st[i] += s, e->ut[i] += u, count[i]++;
      enum_dfs(e, l + 1, count);
      e->st[i] -= s, e->ut[i] -= u, count[i]--;
    }
}

static void plist_build(const solver_multi *mi, size_t m, plist *p) {
  const solver_instance *in = mi->models[m];
  const size_t L = in->n_layers, M = in->n_servers;
  memset(p, 0, sizeof *p);
  enum_ctx e = {mi, m, L, M, p, calloc(L, sizeof(int)), calloc(L, sizeof(int)),
                calloc(M, sizeof(double)), calloc(M, sizeof(double))};
  size_t *count = calloc(M, sizeof *count);
  if (!e.srv || !e.bits || !e.st || !e.ut || !count) abort();
  enum_dfs(&e, 0, count);
  free(e.srv), free(e.bits), free(e.st), free(e.ut), free(count);
}

static void plist_free(plist *p) { free(p->srv), free(p->bits), free(p->T), free(p->st), free(p->ut); }

typedef struct {
  const solver_multi *mi;
  plist *pl;
  size_t K, M;
  int max_obj;
  double *st, *ut;
  size_t *pick, *best_pick;
  double best;
} joint_ctx;

static void joint_dfs(joint_ctx *j, size_t m, double value) {
  if (!(value < j->best)) return; /* every term is >= 0: nothing below can improve */
  if (m == j->K) {
    j->best = value;
    memcpy(j->best_pick, j->pick, j->K * sizeof *j->pick);
    return;
  }
  const plist *p = &j->pl[m];
  for (size_t k = 0; k < p->n; k++) {
    int fits = 1;
    for (size_t i = 0; i < j->M && fits; i++)
      fits = j->st[i] + p->st[k * j->M + i] <= j->mi->models[0]->servers[i].storage * (1 + 1e-9) &&
             j->ut[i] + p->ut[k * j->M + i] <= j->mi->max_utilization * (1 + 1e-9);
    if (!fits) continue;
    for (size_t i = 0; i < j->M; i++) j->st[i] += p->st[k * j->M + i], j->ut[i] += p->ut[k * j->M + i];
    j->pick[m] = k;
    joint_dfs(j, m + 1, j->max_obj ? fmax(value, p->T[k]) : value + j->mi->weight[m] * p->T[k]);
    for (size_t i = 0; i < j->M; i++) j->st[i] -= p->st[k * j->M + i], j->ut[i] -= p->ut[k * j->M + i];
  }
}

/* The optimum of mi under its objective by exhaustive search (+inf if
 * none); solo[m] gets each model's own optimum. */
static double brute_multi(const solver_multi *mi, double *solo) {
  const size_t K = mi->n_models, M = mi->models[0]->n_servers;
  plist pl[3];
  for (size_t m = 0; m < K; m++) {
    plist_build(mi, m, &pl[m]);
    solo[m] = INFINITY;
    for (size_t k = 0; k < pl[m].n; k++) solo[m] = fmin(solo[m], pl[m].T[k]);
  }
  size_t pick[3], best_pick[3];
  double st[8] = {0}, ut[8] = {0};
  joint_ctx j = {mi, pl, K, M, mi->objective == SOLVER_MULTI_MAX, st, ut, pick, best_pick, INFINITY};
  joint_dfs(&j, 0, 0.0);
  for (size_t m = 0; m < K; m++) plist_free(&pl[m]);
  return j.best;
}

/* The smallest compute time of a request of model m on any one server. */
static double min_busy(const solver_instance *in) {
  double best = INFINITY;
  for (size_t i = 0; i < in->n_servers; i++) {
    double t = 0;
    for (size_t l = 0; l < in->n_layers; l++) t += solver_cost_compute(in, l, i, 0);
    best = fmin(best, t);
  }
  return best;
}

/* A random multi-instance of shape k % 4: the models are fixture instances
 * on the first one's servers and routes; storage is then scaled to the
 * models' total size and rates to their compute times. */
static solver_multi *random_multi(gsl_rng *r, int k) {
  const size_t K = 2 + gsl_rng_uniform_int(r, 2);
  fixture_spec s = fixture_spec_draw(r, 1, K == 2 ? 4 : 3, 1, 3, 1, 2);
  if (k % 4 != 0 && s.M == 1) s.M = 2;
  s.storage_lo = s.storage_hi = 1.0;
  solver_multi *mi = solver_multi_alloc(K);
  if (mi == NULL) abort();
  double need = 0;
  for (size_t m = 0; m < K; m++) {
    fixture_spec sm = s;
    if (m > 0) sm.L = 1 + gsl_rng_uniform_int(r, K == 2 ? 4 : 3);
    mi->models[m] = fixture_random(r, &sm);
    solver_instance *in = mi->models[m];
    if (m > 0) {
      memcpy(in->servers, mi->models[0]->servers, s.M * sizeof *in->servers);
      memcpy(in->bandwidth, mi->models[0]->bandwidth, s.M * s.M * sizeof *in->bandwidth);
      memcpy(in->latency, mi->models[0]->latency, s.M * s.M * sizeof *in->latency);
    }
    for (size_t l = 0; l < in->n_layers; l++) {
      size_t b = 0;
      while (!solver_instance_allowed(in, l, b)) b++;
      need += solver_cost_storage(in, l, b);
    }
  }
  const int tight_storage = k % 4 == 1 || k % 4 == 3, tight_util = k % 4 == 2 || k % 4 == 3;
  for (size_t i = 0; i < s.M; i++) {
    const double f = tight_storage ? fx_uniform(r, 1.05, 1.8) / (double)s.M : fx_uniform(r, 2.0, 4.0);
    for (size_t m = 0; m < K; m++) mi->models[m]->servers[i].storage = f * need;
  }
  for (size_t m = 0; m < K; m++) {
    /* Loose: each model could run alone on a server at a fifth of its
     * capacity; tight: the models together need about 1-3 servers' worth. */
    const double share = tight_util ? fx_uniform(r, 0.15, 0.7) : 0.2 / (double)K;
    mi->rate[m] = share * (double)s.M / (double)K / min_busy(mi->models[m]);
    if (!tight_util) mi->rate[m] = share / min_busy(mi->models[m]) / 4;
    mi->weight[m] = gsl_rng_uniform(r) < 0.5 ? mi->rate[m] : fx_uniform(r, 0.5, 2.0);
  }
  mi->max_utilization = 1.0;
  return mi;
}

static solver_multi_options options(solver_multi_method m, solver_formulation f) {
  solver_multi_options o;
  solver_multi_options_init(&o);
  o.method = m;
  o.formulation = f;
  return o;
}

/* Two one-layer models and two servers, where only one model fits the fast
 * server: alone each picks it, together the heavier one gets it. Hand
 * computation: T = tokens·F/CCS·b/pr = 1·1e9/1e9·1 = 1 s on s0 and 10 s on
 * s1 for both; weights 2 and 1, so A on s0 and B on s1 costs 2·1 + 1·10 =
 * 12 s, the other way 2·10 + 1 = 21 s. Under `max` both ways give 10 s. */
static void hand_case(void) {
  solver_multi *mi = solver_multi_alloc(2);
  for (size_t m = 0; m < 2; m++) {
    solver_instance *in = instance_shell(1, 2, 1);
    in->cost_model = SOLVER_COST_PAPER;
    in->tokens = 1, in->batch = 1, in->context = 1;
    in->bits[0] = 8, in->precision = 8;
    in->allowed[0] = 1;
    in->accuracy = SIM_ACC_PER_LAYER, in->delta = 1;
    in->origin = -1;
    in->layers[0].params = 1000000, in->layers[0].flops = 1e9, in->layers[0].act_elems = 1;
    snprintf(in->layers[0].name, sizeof in->layers[0].name, "layer");
    for (size_t i = 0; i < 2; i++) {
      snprintf(in->servers[i].name, sizeof in->servers[i].name, "s%zu", i);
      in->servers[i].ccs = i == 0 ? 1e9 : 1e8;
      in->servers[i].storage = 1.5e6; /* one 1 MB layer per server */
      in->servers[i].mem_bandwidth = 1e9;
    }
    in->bandwidth[1] = in->bandwidth[2] = 1e6;
    mi->models[m] = in;
    mi->rate[m] = 0.1;
  }
  mi->weight[0] = 2, mi->weight[1] = 1;
  sim_error err;
  sim_error_clear(&err);
  solver_multi_options o = options(SOLVER_MULTI_INDEPENDENT, SOLVER_FORM_FLOW);
  solver_multi_result res;
  /* Each solve runs before the check: the order in which a call's
   * arguments are evaluated is unspecified. */
  int rc = solver_multi_solve(mi, &o, &res, &err);
  ok(rc == SIM_OK && res.status == SOLVER_INFEASIBLE &&
         !res.joint_feasible && res.placement[0] && res.placement[0]->server[0] == 0 &&
         res.placement[1]->server[0] == 0,
     "hand case: each model alone picks s0, and the union does not fit (status %s)",
     solver_status_name(res.status));
  solver_multi_result_clear(&res);
  o.method = SOLVER_MULTI_EXACT;
  rc = solver_multi_solve(mi, &o, &res, &err);
  if (rc != SIM_OK) diag("exact: %s", err.msg);
  ok(rc == SIM_OK && res.status == SOLVER_OPTIMAL &&
         fabs(res.objective - 12.0) <= 1e-12 * 12 && res.placement[0]->server[0] == 0 &&
         res.placement[1]->server[0] == 1 && fabs(res.model_objective[1] - 10.0) <= 1e-12 * 10 &&
         fabs(res.model_solo[1] - 1.0) <= 1e-12,
     "hand case: the joint optimum is 12 s with model B moved to s1 (10 s, alone 1 s); got %.17g",
     res.objective);
  solver_multi_result_clear(&res);
  mi->objective = SOLVER_MULTI_MAX;
  rc = solver_multi_solve(mi, &o, &res, &err);
  ok(rc == SIM_OK && res.status == SOLVER_OPTIMAL &&
         fabs(res.objective - 10.0) <= 1e-12 * 10,
     "hand case: under max the optimum is 10 s (got %.17g)", res.objective);
  solver_multi_result_clear(&res);
  solver_multi_free(mi);
}

/* One one-layer model per entry of `layers` (1e6 parameters per layer,
 * 1e9 FLOP, 8 bits) on servers of the given speeds (FLOP/s), each storing
 * 1.5e6 bytes, i.e. one layer; rate 0.05 each (a layer on the slowest
 * server keeps it busy half the time). T of a layer on server i
 * is tokens·F/CCS_i·b/pr = 1e9/CCS_i s. */
static solver_multi *hand_multi(size_t K, const size_t *layers, size_t M, const double *ccs) {
  solver_multi *mi = solver_multi_alloc(K);
  for (size_t m = 0; m < K; m++) {
    solver_instance *in = instance_shell(layers[m], M, 1);
    in->cost_model = SOLVER_COST_PAPER;
    in->tokens = 1, in->batch = 1, in->context = 1;
    in->bits[0] = 8, in->precision = 8;
    in->accuracy = SIM_ACC_PER_LAYER, in->delta = 1;
    in->origin = -1;
    for (size_t l = 0; l < layers[m]; l++) {
      in->allowed[l] = 1;
      in->layers[l].params = 1000000, in->layers[l].flops = 1e9, in->layers[l].act_elems = 1;
      snprintf(in->layers[l].name, sizeof in->layers[l].name, "layer%zu", l);
    }
    for (size_t i = 0; i < M; i++) {
      snprintf(in->servers[i].name, sizeof in->servers[i].name, "s%zu", i);
      in->servers[i].ccs = ccs[i];
      in->servers[i].storage = 1.5e6;
      in->servers[i].mem_bandwidth = 1e9;
      for (size_t j = 0; j < M; j++) in->bandwidth[i * M + j] = i == j ? 0 : 1e6;
    }
    mi->models[m] = in;
    mi->rate[m] = 0.05;
  }
  return mi;
}

/* The partitioned baseline by hand. Servers s0, s1, s2 at 1e9, 1e8 and
 * 5e8 FLOP/s go out fastest first: s0, s2, s1. Models A (weight 2) and B
 * (weight 1) of one 1 MB layer each have demands weight·size 2e6 and 1e6
 * bytes, so A gets s0 and B s2; the total storage is 4.5e6 bytes, A's
 * share 3e6 (it holds 1.5e6) and B's 1.5e6 (it holds 1.5e6), so s1 goes to
 * A. A alone on {s0, s1} takes s0: T = 1e9/1e9 = 1 s; B on {s2}: T =
 * 1e9/5e8 = 2 s; the objective is 2·1 + 1·2 = 4 s. With a second layer
 * B no longer fits its one-layer group although the instance is feasible
 * (B on s2 and s1): the baseline says infeasible. With three models on
 * two servers one model gets no group. */
static void partition_case(void) {
  const double ccs[3] = {1e9, 1e8, 5e8};
  size_t layers[3] = {1, 1, 1};
  solver_multi *mi = hand_multi(2, layers, 3, ccs);
  mi->weight[0] = 2, mi->weight[1] = 1;
  sim_error err;
  sim_error_clear(&err);
  solver_multi_options o = options(SOLVER_MULTI_PARTITIONED, SOLVER_FORM_FLOW);
  solver_multi_result res;
  int rc = solver_multi_solve(mi, &o, &res, &err);
  ok(rc == SIM_OK && res.status == SOLVER_FEASIBLE && res.joint_feasible &&
         res.placement[0]->server[0] == 0 && res.placement[1]->server[0] == 2 &&
         fabs(res.objective - 4.0) <= 1e-12 * 4,
     "partitioned: A on s0 and B on s2, objective 4 s (status %s, got %.17g)",
     solver_status_name(res.status), res.objective);
  ok(strcmp(solver_multi_method_name(SOLVER_MULTI_PARTITIONED), "partitioned") == 0,
     "the partitioned baseline's name");
  ok_int(solver_multi_method_parse("partitioned"), SOLVER_MULTI_PARTITIONED,
         "the partitioned baseline parses");
  solver_multi_result_clear(&res);
  solver_multi_free(mi);

  layers[1] = 2;
  mi = hand_multi(2, layers, 3, ccs);
  mi->weight[0] = 2, mi->weight[1] = 1;
  rc = solver_multi_solve(mi, &o, &res, &err);
  ok(rc == SIM_OK && res.status == SOLVER_INFEASIBLE && res.placement[0] == NULL &&
         strstr(res.diagnosis, "model 1 does not fit its group of 1 servers") != NULL,
     "partitioned: B's two layers do not fit its one-server group (%s: %s)",
     solver_status_name(res.status), res.diagnosis);
  solver_multi_result_clear(&res);
  o.method = SOLVER_MULTI_EXACT;
  rc = solver_multi_solve(mi, &o, &res, &err);
  /* Exact: A on s0 (weighted 2·1 s) and B's layers on s2 and s1 in either
   * order, 2 + 10 s plus one hand-over of k·β·a·b/Ω = 1·1·1·8/1e6 = 8e-6 s
   * (A on s2 instead: 2·2 + 1 + 10 s, worse). */
  ok(rc == SIM_OK && res.status == SOLVER_OPTIMAL &&
         fabs(res.objective - (2 * 1 + 12 + 8e-6)) <= 1e-9 * 14,
     "partitioned: the same instance is feasible jointly, optimum 14.000008 s (got %.17g)",
     res.objective);
  solver_multi_result_clear(&res);
  solver_multi_free(mi);

  const size_t three[3] = {1, 1, 1};
  mi = hand_multi(3, three, 2, ccs);
  o.method = SOLVER_MULTI_PARTITIONED;
  rc = solver_multi_solve(mi, &o, &res, &err);
  ok(rc == SIM_OK && res.status == SOLVER_INFEASIBLE &&
         strstr(res.diagnosis, "gets no server") != NULL,
     "partitioned: three models on two servers leave one without a group (%s)", res.diagnosis);
  solver_multi_result_clear(&res);
  solver_multi_free(mi);
}

/* The repair of multi_local.c by hand, where only compute binds. Models A
 * (weight 2) and B (weight 1) of one 1 MB layer at rate 0.6 on s0 (1e9
 * FLOP/s: T = 1 s, busy 0.6) and s1 (8e8 FLOP/s: T = 1.25 s, busy 0.75);
 * each server stores both. Both on s0: busy 1.2, 0.2 over the cap. Moving
 * B to s1 removes the 0.2 for 1·0.25 s, moving A for 2·0.25 s; both on s1
 * would be busy 1.5. So the repair moves B: A on s0, B on s1, objective
 * 2·1 + 1·1.25 = 3.25 s, which is also the optimum. */
static void repair_case(void) {
  const double ccs[2] = {1e9, 8e8};
  const size_t layers[2] = {1, 1};
  solver_multi *mi = hand_multi(2, layers, 2, ccs);
  mi->weight[0] = 2, mi->weight[1] = 1;
  for (size_t m = 0; m < 2; m++) {
    mi->rate[m] = 0.6;
    for (size_t i = 0; i < 2; i++) mi->models[m]->servers[i].storage = 3e6;
  }
  sim_error err;
  sim_error_clear(&err);
  solver__multi *mp = solver__multi_alloc(mi, &err);
  solver__mplace p;
  if (mp == NULL || solver__mplace_init(&p, mp) != 0) abort();
  p.srv[0][0] = p.srv[1][0] = 0;
  p.opt[0][0] = p.opt[1][0] = 0;
  const int fits = solver__multi_local(mp, &p, 0);
  ok(fits && p.srv[0][0] == 0 && p.srv[1][0] == 1 && fabs(p.value - 3.25) <= 1e-12 * 3.25,
     "repair: B moves to s1 (servers %d, %d), objective 3.25 s (got %.17g)", p.srv[0][0],
     p.srv[1][0], p.value);
  solver__mplace_clear(&p, mp->K);
  solver__multi_free(mp);
  solver_multi_options o = options(SOLVER_MULTI_EXACT, SOLVER_FORM_FLOW);
  solver_multi_result res;
  const int rc = solver_multi_solve(mi, &o, &res, &err);
  ok(rc == SIM_OK && res.status == SOLVER_OPTIMAL && fabs(res.objective - 3.25) <= 1e-9 * 3.25,
     "repair: the exact optimum is 3.25 s (got %.17g)", res.objective);
  solver_multi_result_clear(&res);
  solver_multi_free(mi);
}

int main(void) {
  hand_case();
  repair_case();
  partition_case();
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261204);
  int binding[4] = {0}, infeasible = 0, differs = 0, union_breaks = 0, proofs[5] = {0};
  int util_binds = 0, storage_binds = 0, partitioned_ok = 0, partitioned_none = 0;
  long fixed = 0; /* ILP columns the decomposition's bounds removed */
  for (int k = 0; k < INSTANCES; k++) {
    solver_multi *mi = random_multi(r, k);
    const size_t K = mi->n_models;
    for (int obj = 0; obj < 2; obj++) {
      mi->objective = obj ? SOLVER_MULTI_MAX : SOLVER_MULTI_SUM;
      double solo[3];
      const double want = brute_multi(mi, solo);
      /* Which shared rows bind: lifting one changes the optimum. */
      if (obj == 0) {
        const double u = mi->max_utilization;
        mi->max_utilization = 1e300;
        const double no_util = brute_multi(mi, solo);
        mi->max_utilization = u;
        double caps[3];
        for (size_t i = 0; i < mi->models[0]->n_servers; i++) {
          caps[i] = mi->models[0]->servers[i].storage;
          for (size_t m = 0; m < K; m++) mi->models[m]->servers[i].storage = 1e300;
        }
        const double no_storage = brute_multi(mi, solo);
        for (size_t i = 0; i < mi->models[0]->n_servers; i++)
          for (size_t m = 0; m < K; m++) mi->models[m]->servers[i].storage = caps[i];
        const int ub = isfinite(want) ? want > no_util * (1 + 1e-12) : isfinite(no_util);
        const int sb = isfinite(want) ? want > no_storage * (1 + 1e-12) : isfinite(no_storage);
        util_binds += ub, storage_binds += sb;
        if (ub || sb) binding[k % 4]++;
        brute_multi(mi, solo); /* restore solo for the solo checks below */
      }
      if (!isfinite(want)) infeasible++;
      for (int v = 0; v < 2; v++) {
        const solver_formulation f = (k + v + obj) % 2 ? SOLVER_FORM_PAPER : SOLVER_FORM_FLOW;
        solver_multi_options o = options(v == 0 ? SOLVER_MULTI_EXACT : SOLVER_MULTI_ILP, f);
        solver_multi_result res;
        sim_error err;
        sim_error_clear(&err);
        const int rc = solver_multi_solve(mi, &o, &res, &err);
        const char *tag = v == 0 ? "exact" : "joint ILP";
        if (rc != SIM_OK) {
          ok(0, "instance %d (%s, K=%zu): %s %s %s failed: %s", k, shape_name[k % 4], K,
             obj ? "max" : "sum", tag, solver_formulation_name(f), err.msg);
        } else if (!isfinite(want)) {
          ok_int(res.status, SOLVER_INFEASIBLE, "instance %d (%s, K=%zu): %s %s %s says infeasible",
                 k, shape_name[k % 4], K, obj ? "max" : "sum", tag, solver_formulation_name(f));
        } else {
          ok(res.status == SOLVER_OPTIMAL && fabs(res.objective - want) <= 1e-9 * want,
             "instance %d (%s, K=%zu): %s %s %s optimum %.12g equals brute force %.12g", k,
             shape_name[k % 4], K, obj ? "max" : "sum", tag, solver_formulation_name(f),
             res.objective, want);
          if (res.status != SOLVER_OPTIMAL) diag("  status %s", solver_status_name(res.status));
          if (v == 0) {
            proofs[res.proof]++;
            fixed += (long)res.ilp_fixed;
            ok(!(res.lower_bound > want * (1 + 1e-9)) && !(res.lagrangian_bound > want * (1 + 1e-9)),
               "instance %d: bounds %.12g and %.12g are at most the optimum %.12g", k,
               res.lower_bound, res.lagrangian_bound, want);
            int same = 1;
            for (size_t m = 0; m < K; m++)
              same &= fabs(res.model_solo[m] - solo[m]) <= 1e-9 * solo[m];
            ok(same, "instance %d: the decomposition's solo optima equal the brute force's", k);
            int moved = 0;
            for (size_t m = 0; m < K; m++) moved |= res.model_objective[m] > solo[m] * (1 + 1e-9);
            if (obj == 0) differs += moved;
          }
        }
        solver_multi_result_clear(&res);
      }
      if (obj == 0 && isfinite(want)) {
        /* The independent baseline: when its union fits it is optimal;
         * otherwise the instance is one where solving alone fails. */
        solver_multi_options o = options(SOLVER_MULTI_INDEPENDENT, SOLVER_FORM_FLOW);
        solver_multi_result res;
        sim_error err;
        sim_error_clear(&err);
        if (solver_multi_solve(mi, &o, &res, &err) != SIM_OK) {
          ok(0, "instance %d: independent failed: %s", k, err.msg);
        } else if (res.joint_feasible) {
          ok(fabs(res.objective - want) <= 1e-9 * want,
             "instance %d: the independent union fits, so it is optimal (%.12g vs %.12g)", k,
             res.objective, want);
        } else {
          union_breaks++;
        }
        solver_multi_result_clear(&res);
        o.method = SOLVER_MULTI_SEQUENTIAL;
        if (solver_multi_solve(mi, &o, &res, &err) == SIM_OK && res.status == SOLVER_FEASIBLE)
          ok(res.objective >= want * (1 - 1e-9), "instance %d: sequential %.12g >= optimum %.12g",
             k, res.objective, want);
        solver_multi_result_clear(&res);
        /* Partitioned: its placement passed the joint checker inside the
         * solve, so it can only be at or above the optimum. */
        o.method = SOLVER_MULTI_PARTITIONED;
        if (solver_multi_solve(mi, &o, &res, &err) != SIM_OK)
          ok(0, "instance %d: partitioned failed: %s", k, err.msg);
        else if (res.status == SOLVER_FEASIBLE)
          ok(res.joint_feasible && res.objective >= want * (1 - 1e-9),
             "instance %d: partitioned %.12g >= optimum %.12g", k, res.objective, want),
              partitioned_ok++;
        else
          partitioned_none += res.status == SOLVER_INFEASIBLE;
        solver_multi_result_clear(&res);
      }
    }
    solver_multi_free(mi);
  }
  diag("binding by shape: loose %d, storage %d, utilization %d, both %d (of %d each)", binding[0],
       binding[1], binding[2], binding[3], INSTANCES / 4);
  diag("storage binds on %d instances, utilization on %d; %d infeasible solves", storage_binds,
       util_binds, infeasible);
  diag("exact proofs: %d bound, %d ilp; joint optimum differs from solo on %d, union of solo "
       "optima breaks a row on %d",
       proofs[SOLVER_PROOF_BOUND], proofs[SOLVER_PROOF_ILP], differs, union_breaks);
  diag("the decomposition's bounds removed %ld (model, layer, server) columns from the ILPs", fixed);
  diag("partitioned: feasible on %d, no placement on %d feasible instances", partitioned_ok,
       partitioned_none);
  ok(partitioned_ok >= 20, "the partitioned baseline places the models on >= 20 (%d)",
     partitioned_ok);
  ok(fixed > 0, "column fixing removed columns on some instances (%ld)", fixed);
  ok(storage_binds >= 40, "storage binds on at least 40 instances (%d)", storage_binds);
  ok(util_binds >= 40, "utilization binds on at least 40 instances (%d)", util_binds);
  ok(binding[0] <= INSTANCES / 8, "the loose shape rarely binds (%d)", binding[0]);
  ok(differs >= 20, "the joint optimum moves some model off its own optimum on >= 20 (%d)", differs);
  ok(union_breaks >= 20, "the union of solo optima breaks a shared row on >= 20 (%d)", union_breaks);
  ok(proofs[SOLVER_PROOF_BOUND] >= 20 && proofs[SOLVER_PROOF_ILP] >= 20,
     "both proofs occur at least 20 times (bound %d, ilp %d)", proofs[SOLVER_PROOF_BOUND],
     proofs[SOLVER_PROOF_ILP]);
  gsl_rng_free(r);
  return tap_done();
}
