/* assemble.c: the one place that turns (scenario, sweep point, run) into
 * what a run needs: the point's view, the model profile, the error table,
 * the run's topology and the solver instance. The runner, every command,
 * the benchmarks and the test fixtures build their runs here, so they all
 * see the same instance for the same (scenario, point, run). */
#include <stdlib.h>

#include "sim/run/run.h"

/* Storage given in model units (servers.storage.unit) is relative to the
 * model's fp32 size: 4 bytes per parameter. */
#define FP32_BYTES_PER_PARAM 4.0

void sim_case_free(sim_case *c) {
  if (c == NULL) return;
  solver_instance_free(c->instance);
  sim_topology_free(c->topology);
  sim_errtable_free(c->table);
  sim_model_free(c->model);
  free(c);
}

sim_case *sim_case_alloc(const sim_scenario *base, size_t point, uint64_t run, sim_error *err) {
  sim_case *c = calloc(1, sizeof *c);
  if (c == NULL) {
    sim_error_set(err, SIM_ENOMEM, "out of memory assembling point %zu run %llu", point,
                  (unsigned long long)run);
    return NULL;
  }
  c->point = point;
  c->run = run;
  if (base->n_models > 0) {
    /* A case is one model; the joint placement of several is
     * sim_multi_alloc's, and only `dilemma solve` handles it so far. */
    sim_error_set(err, SIM_EINPUT,
                  "%s: models: lists %zu models; `dilemma solve` places them jointly, but this "
                  "command handles one model (use model:)",
                  base->path ? base->path : "scenario", base->n_models);
    goto fail;
  }
  const sim_scenario *v = &c->view;
  if (sim_scenario_point(base, point, &c->view, err) != SIM_OK) goto fail;
  if ((c->model = sim_scenario_model_alloc(v, err)) == NULL) goto fail;
  if (v->quant.error == SIM_ERRSRC_TABLE) {
    if ((c->table = sim_errtable_load(v->quant.error_table, err)) == NULL) goto fail;
    /* Checked here as well as in solver_instance_alloc, to name the file. */
    if (c->table->n_layers != c->model->n_layers) {
      sim_error_set(err, SIM_EINPUT,
                    "%s: the error table has %zu layers but %s at %s granularity has %zu",
                    v->quant.error_table, c->table->n_layers, c->model->name,
                    sim_granularity_name(c->model->granularity), c->model->n_layers);
      goto fail;
    }
  }
  const double fp32_bytes = FP32_BYTES_PER_PARAM * (double)c->model->total_params;
  c->topology = sim_topology_alloc(&v->servers, &v->links, v->seed, run, fp32_bytes, err);
  if (c->topology == NULL) goto fail;
  if (v->servers.storage_floor > 0) {
    int64_t largest = 0;
    for (size_t l = 0; l < c->model->n_layers; l++)
      if (c->model->layers[l].params > largest) largest = c->model->layers[l].params;
    sim_topology_floor_storage(c->topology,
                               v->servers.storage_floor * FP32_BYTES_PER_PARAM * (double)largest);
  }
  /* The instance names the key (a cost that overflows, say); the file and
   * the run are added here. */
  sim_error local;
  sim_error_clear(&local);
  c->instance = solver_instance_alloc(&v->workload, &v->cost, &v->quant, &v->solver, c->model,
                                      c->topology, c->table, &local);
  if (c->instance == NULL) {
    char where[64] = "";
    if (base->n_sweep > 0) snprintf(where, sizeof where, "sweep point %zu, ", point);
    sim_error_set(err, local.code ? local.code : SIM_EINTERNAL, "%s: %srun %llu: %s",
                  base->path ? base->path : "(scenario)", where, (unsigned long long)run, local.msg);
    goto fail;
  }
  return c;
fail:
  sim_case_free(c);
  return NULL;
}
