/* assemble_multi.c: the multi-model instance of one run of a scenario with
 * `models:` (several LLMs sharing the servers). Every model sees the same
 * topology, drawn once; storage given in model units is relative to all
 * the models' fp32 size together, so `storage: {min: 1, max: 3, unit:
 * model_fp32_share}` means for the models together what it means for one
 * model alone. */
#include <math.h>
#include <stdlib.h>

#include "sim/run/run.h"

/* 4 bytes per parameter, as assemble.c. */
#define FP32_BYTES_PER_PARAM 4.0

/* The scenario as model entry e sees it: its model, workload, accuracy
 * bound and origin in place of the single-model blocks. */
static sim_scenario entry_view(const sim_scenario *view, const sim_model_entry *e) {
  sim_scenario v = *view;
  v.model.name = e->name;
  /* The profile is built from model.arch (the loader copies the built-in
   * architecture there); the name is checked at load. */
  v.model.arch = *sim_arch_find(e->name);
  v.model.has_arch = 0;
  v.model.layers = NULL;
  v.model.n_layers = 0;
  if (e->has_granularity) v.model.granularity = e->granularity;
  if (!isnan(e->delta)) v.quant.delta = e->delta;
  if (!isnan(e->budget)) v.quant.budget = e->budget;
  if (e->tokens >= 0) v.workload.tokens = e->tokens;
  if (e->batch >= 0) v.workload.batch = e->batch;
  if (e->prompt >= 0) v.workload.prompt = e->prompt;
  if (e->origin >= -1) v.solver.origin = e->origin;
  return v;
}

solver_multi *sim_multi_alloc(const sim_scenario *base, size_t point, uint64_t run,
                              sim_error *err) {
  sim_scenario view;
  if (sim_scenario_point(base, point, &view, err) != SIM_OK) return NULL;
  const size_t K = sim_scenario_models_used(&view);
  if (K == 0) {
    sim_error_set(err, SIM_EINPUT, "%s: the scenario has no models: list", base->path);
    return NULL;
  }
  solver_multi *mi = solver_multi_alloc(K);
  sim_model **models = calloc(K, sizeof *models);
  sim_topology *topo = NULL;
  if (mi == NULL || models == NULL) {
    sim_error_set(err, SIM_ENOMEM, "out of memory assembling the models");
    goto fail;
  }
  double fp32 = 0;
  for (size_t m = 0; m < K; m++) {
    const sim_scenario v = entry_view(&view, &view.models[m]);
    if ((models[m] = sim_scenario_model_alloc(&v, err)) == NULL) goto fail;
    fp32 += FP32_BYTES_PER_PARAM * (double)models[m]->total_params;
  }
  topo = sim_topology_alloc(&view.servers, &view.links, view.seed, run, fp32, err);
  if (topo == NULL) goto fail;
  if (view.servers.storage_floor > 0) {
    /* The floor lets every layer of every model fit a server alone. */
    int64_t largest = 0;
    for (size_t m = 0; m < K; m++)
      for (size_t l = 0; l < models[m]->n_layers; l++)
        if (models[m]->layers[l].params > largest) largest = models[m]->layers[l].params;
    sim_topology_floor_storage(topo, view.servers.storage_floor * FP32_BYTES_PER_PARAM *
                                         (double)largest);
  }
  for (size_t m = 0; m < K; m++) {
    const sim_model_entry *e = &view.models[m];
    const sim_scenario v = entry_view(&view, e);
    mi->models[m] = solver_instance_alloc(&v.workload, &v.cost, &v.quant, &v.solver, models[m],
                                          topo, NULL, err);
    if (mi->models[m] == NULL) goto fail;
    mi->rate[m] = e->rate;
    /* Weights default to the rates; a model without load counts once. */
    mi->weight[m] = !isnan(e->weight) ? e->weight : e->rate > 0 ? e->rate : 1.0;
  }
  mi->max_utilization = view.solver.max_utilization;
  mi->objective = (solver_multi_objective)view.solver.aggregate;
  for (size_t m = 0; m < K; m++) sim_model_free(models[m]);
  free(models);
  sim_topology_free(topo);
  return mi;
fail:
  for (size_t m = 0; models != NULL && m < K; m++) sim_model_free(models[m]);
  free(models);
  sim_topology_free(topo);
  solver_multi_free(mi);
  return NULL;
}
