/* assemble.c: the one place that turns (scenario, sweep point, run) into
 * what a run needs: the point's view, the model profile, the error table,
 * the run's topology and the solver instance. The runner, every command,
 * the benchmarks and the test fixtures build their runs here, so they all
 * see the same instance for the same (scenario, point, run). */
#include <math.h>
#include <stdio.h>
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
  return sim_case_alloc_for(base, point, run, SIM_CASE_SOLVE, err);
}

/* Refuses, naming the file and servers.count, a case whose routes (and,
 * for a case to be solved, the solver's cost tables) cannot fit in the
 * memory available to this process. It needs only the server count, the
 * layers and the bit widths, so it runs before the topology is drawn:
 * drawing 4096 servers takes seconds that a refusal should not cost. */
static int memory_check(const sim_scenario *base, const sim_scenario *v, const sim_model *model,
                        sim_case_use use, sim_error *err) {
  /* The topology keeps four n x n matrices of doubles and one of ints, and
   * the instance copies two of them. */
  const size_t n = (size_t)v->servers.count + (v->servers.has_cloud ? 1 : 0);
  const double routes = (double)n * (double)n * (6.0 * sizeof(double) + sizeof(int));
  const size_t bits = solver_bits_count(&v->quant);
  const double tables = use == SIM_CASE_SOLVE ? solver_tables_bytes(model->n_layers, bits, n) : 0.0;
  const double need = routes + tables, have = sim_memory_available();
  if (!(have > 0) || need <= have) return SIM_OK;
  char what[160];
  if (use == SIM_CASE_SOLVE)
    snprintf(what, sizeof what, "the routes and the solver's cost tables (%zu layers x %zu bit widths)",
             model->n_layers, bits);
  else
    snprintf(what, sizeof what, "the routes");
  return sim_error_set(err, SIM_EINPUT,
                       "%s: servers.count: %zu servers need about %.0f bytes (%.3g GB) for %s, more "
                       "than the %.0f bytes (%.3g GB) of memory available (physical memory or "
                       "ulimit -v); refused before drawing the topology; use fewer servers%s",
                       base->path ? base->path : "(scenario)", n, need, need / 1e9, what, have,
                       have / 1e9,
                       use == SIM_CASE_SOLVE ? ", a coarser model.granularity or fewer widths "
                                               "(quantization.b_min, b_max)"
                                             : "");
}

int sim_case_memory_check(const sim_scenario *base, size_t point, sim_case_use use, sim_error *err) {
  if (base->n_models > 0) return SIM_OK; /* several models: sim_multi_alloc's */
  /* A point or a model that cannot be built is not this check's to report:
   * sim_case_alloc names it. */
  sim_error local;
  sim_error_clear(&local);
  sim_scenario v;
  if (sim_scenario_point(base, point, &v, &local) != SIM_OK) return SIM_OK;
  sim_model *m = sim_scenario_model_alloc(&v, &local);
  if (m == NULL) return SIM_OK;
  const int rc = memory_check(base, &v, m, use, err);
  sim_model_free(m);
  return rc;
}

sim_case *sim_case_alloc_for(const sim_scenario *base, size_t point, uint64_t run, sim_case_use use,
                             sim_error *err) {
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
     * sim_multi_alloc's, which `dilemma solve` and `dilemma run` use. */
    sim_error_set(err, SIM_EINPUT,
                  "%s: models: lists %zu models; `dilemma solve` and `dilemma run` place them "
                  "jointly, but this command handles one model (use model:)",
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
  if (memory_check(base, v, c->model, use, err) != SIM_OK) goto fail;
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

/* The largest value server i's spec can draw. */
static double spec_max(const sim_spec *s, size_t i) {
  switch (s->kind) {
  case SIM_SPEC_CONST: return s->value;
  case SIM_SPEC_LIST: return i < s->n_list ? s->list[i] : NAN;
  default: return s->ratio > 0 ? s->min * s->ratio : s->max;
  }
}

int sim_case_storage_short(const sim_case *c, double *need, double *room) {
  const solver_instance *in = c->instance;
  const sim_servers_config *sv = &c->view.servers;
  *need = solver_storage_least(in);
  *room = 0.0;
  if (sv->n_devices > 0) return 0; /* a device's memory depends on the draw of a mixture: no claim */
  const double fp32 = FP32_BYTES_PER_PARAM * (double)c->model->total_params;
  const double unit = sv->storage.unit == SIM_UNIT_MODEL_FP32         ? fp32
                      : sv->storage.unit == SIM_UNIT_MODEL_FP32_SHARE ? fp32 / (double)sv->count
                                                                       : 1.0;
  for (size_t i = 0; i < in->n_servers; i++)
    *room += in->servers[i].is_cloud ? in->servers[i].storage : spec_max(&sv->storage, i) * unit;
  return *need > *room;
}
