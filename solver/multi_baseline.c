/* multi_baseline.c: the multi-model baselines (docs/solver.md, "Several
 * models"): the models one at a time by weight (sequential), each as if it
 * were alone (independent), and each alone on its own group of servers
 * (partitioned). None of them proves anything; they are what the exact
 * method is measured against. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "solver/internal_multi.h"

/* Models ordered by weight, heaviest first (ties by index), for the
 * sequential baseline; under `max` by their time alone, slowest first. */
static void order_models(const solver__multi *mp, const double *solo, size_t *order) {
  for (size_t m = 0; m < mp->K; m++) order[m] = m;
  for (size_t a = 1; a < mp->K; a++)
    for (size_t b = a; b > 0; b--) {
      const size_t x = order[b - 1], y = order[b];
      const double kx = mp->max_obj && solo ? solo[x] : mp->mi->weight[x];
      const double ky = mp->max_obj && solo ? solo[y] : mp->mi->weight[y];
      if (!(ky > kx)) break;
      order[b - 1] = y, order[b] = x;
    }
}

/* Splits the servers into K disjoint groups, group[i] = the model that
 * gets server i. Each model's demand is d_m = weight_m · size_m (size: its
 * bytes at the smallest widths); with the default weights (the rates) that
 * is proportional to the compute the model asks of the edge, since a
 * layer's work grows with its parameters. The servers go out fastest
 * first (by CCS, ties by index): the first K one to each model in
 * decreasing order of demand, every further one to the model furthest
 * below its share d_m / Σ d of the total storage (ties by index).
 * Deterministic; with M < K the last models get no server. */
static void partition_servers(const solver__multi *mp, int *group) {
  const size_t K = mp->K, M = mp->M;
  const sim_server *sv = mp->mi->models[0]->servers;
  double demand[K], got[K], total = 0, storage = 0;
  size_t by_demand[K], by_speed[M];
  for (size_t m = 0; m < K; m++) {
    const solver__problem *pb = mp->pb[m];
    double size = 0;
    for (size_t l = 0; l < pb->L; l++) size += pb->smin[l];
    demand[m] = mp->mi->weight[m] * size;
    total += demand[m];
    got[m] = 0;
    by_demand[m] = m;
  }
  for (size_t a = 1; a < K; a++)
    for (size_t b = a; b > 0 && demand[by_demand[b]] > demand[by_demand[b - 1]]; b--) {
      const size_t t = by_demand[b];
      by_demand[b] = by_demand[b - 1], by_demand[b - 1] = t;
    }
  for (size_t i = 0; i < M; i++) by_speed[i] = i, storage += mp->capacity[i];
  for (size_t a = 1; a < M; a++)
    for (size_t b = a; b > 0 && sv[by_speed[b]].ccs > sv[by_speed[b - 1]].ccs; b--) {
      const size_t t = by_speed[b];
      by_speed[b] = by_speed[b - 1], by_speed[b - 1] = t;
    }
  for (size_t k = 0; k < M; k++) {
    const size_t i = by_speed[k];
    size_t best = 0;
    if (k < K) {
      best = by_demand[k];
    } else {
      double most = -INFINITY;
      for (size_t m = 0; m < K; m++) {
        const double deficit = demand[m] / total * storage - got[m];
        if (deficit > most) most = deficit, best = m;
      }
    }
    group[i] = (int)best;
    got[best] += mp->capacity[i];
  }
}

/* The partitioned baseline: each model solved alone (exactly for storage,
 * steered off overloaded servers for utilization, solver__multi_fit) on
 * its group only. The groups are disjoint, so the union meets the shared
 * rows whenever each model meets them on its own group. */
static int partitioned(const solver__multi *mp, double deadline, solver__mplace *inc,
                       solver_multi_result *res) {
  const size_t K = mp->K, M = mp->M;
  int group[M];
  double cap[M], util[M];
  partition_servers(mp, group);
  for (size_t m = 0; m < K; m++) {
    size_t n = 0;
    for (size_t i = 0; i < M; i++) {
      const int mine = group[i] == (int)m;
      cap[i] = mine ? mp->capacity[i] * (1 + 1e-12) : 0;
      util[i] = mine ? mp->umax * (1 + 1e-12) : 0;
      n += (size_t)mine;
    }
    const double T = n == 0 ? INFINITY
                            : solver__multi_fit(mp, m, cap, util, NULL, deadline, inc->srv[m],
                                                inc->opt[m]);
    if (!isfinite(T)) {
      res->status = solver__expired(deadline) ? SOLVER_TIMEOUT : SOLVER_INFEASIBLE;
      if (n == 0)
        snprintf(res->diagnosis, sizeof res->diagnosis,
                 "model %zu gets no server: %zu servers cannot be split into %zu groups", m, M, K);
      else
        snprintf(res->diagnosis, sizeof res->diagnosis,
                 "model %zu does not fit its group of %zu servers (storage, or its load within "
                 "max_utilization); the instance may still be feasible", m, n);
      inc->value = INFINITY;
      return SIM_OK;
    }
    inc->T[m] = T;
  }
  if (!solver__multi_feasible(mp, inc)) {
    inc->value = INFINITY;
    res->status = SOLVER_INFEASIBLE;
    snprintf(res->diagnosis, sizeof res->diagnosis,
             "the models' placements on their groups break a shared row");
    return SIM_OK;
  }
  res->status = SOLVER_FEASIBLE;
  return SIM_OK;
}

int solver__multi_baseline(const solver__multi *mp, const solver_multi_options *opt,
                           double deadline, solver__mplace *inc, solver_multi_result *res,
                           sim_error *err) {
  const size_t K = mp->K;
  size_t order[K];
  if (opt->method == SOLVER_MULTI_PARTITIONED) return partitioned(mp, deadline, inc, res);
  if (opt->method == SOLVER_MULTI_SEQUENTIAL) {
    order_models(mp, NULL, order);
    if (!solver__multi_sequential(mp, order, NULL, inc, deadline)) {
      res->status = solver__expired(deadline) ? SOLVER_TIMEOUT : SOLVER_INFEASIBLE;
      snprintf(res->diagnosis, sizeof res->diagnosis,
               "placing the models one at a time by weight left no room for one of them "
               "(the instance may still be feasible; the exact method decides)");
    } else {
      res->status = SOLVER_FEASIBLE;
    }
    return SIM_OK;
  }
  /* Independent: each model's own optimum, as if the others did not exist. */
  int timed_out = 0;
  for (size_t m = 0; m < K; m++) {
    solver_options o;
    memset(&o, 0, sizeof o);
    o.method = SOLVER_METHOD_ILP;
    o.formulation = opt->formulation;
    o.mip_gap = opt->mip_gap;
    solver__incumbent one;
    if (solver__incumbent_init(&one, mp->pb[m]->L) != 0)
      return sim_error_set(err, SIM_ENOMEM, "out of memory");
    solver__exact_out eo;
    int rc = solver__exact(mp->pb[m], &o, deadline, &one, &eo, err);
    if (rc == SIM_OK && eo.status == SOLVER_TIMEOUT) timed_out = 1;
    if (rc == SIM_OK && isfinite(one.value)) {
      memcpy(inc->srv[m], one.srv, mp->pb[m]->L * sizeof *one.srv);
      memcpy(inc->opt[m], one.opt, mp->pb[m]->L * sizeof *one.opt);
      inc->T[m] = one.value;
      res->model_solo[m] = one.value;
    }
    const int found = isfinite(one.value);
    solver__incumbent_clear(&one);
    if (rc != SIM_OK) return rc;
    if (!found) {
      res->status = timed_out ? SOLVER_TIMEOUT : SOLVER_INFEASIBLE;
      snprintf(res->diagnosis, sizeof res->diagnosis,
               "model %zu does not fit the servers even alone", m);
      return SIM_OK;
    }
  }
  inc->value = solver__multi_value(mp, inc->T);
  solver__mplace probe;
  if (solver__mplace_init(&probe, mp) != 0) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  solver__mplace_copy(&probe, inc, mp);
  const int fits = solver__multi_feasible(mp, &probe);
  solver__mplace_clear(&probe, K);
  res->status = timed_out ? SOLVER_TIMEOUT : fits ? SOLVER_FEASIBLE : SOLVER_INFEASIBLE;
  if (!fits)
    snprintf(res->diagnosis, sizeof res->diagnosis,
             "each model's own optimum is returned, but together they break the shared storage "
             "or utilization of some server");
  return SIM_OK;
}

