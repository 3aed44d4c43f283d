/* build.c: the instance of one run of a scenario, the path every caller
 * (CLI, benchmark, experiment runner) takes from YAML to costs. */
#include <stdlib.h>

#include "solver/solver.h"

static solver_instance *build(const sim_scenario *view, uint64_t run, sim_error *err);

solver_instance *solver_instance_build(const sim_scenario *view, uint64_t run, sim_error *err) {
  /* Problems are collected locally and reported under the scenario's name
   * and the run, so a message names the file as well as the key. */
  sim_error local;
  sim_error_clear(&local);
  solver_instance *in = build(view, run, &local);
  if (in == NULL)
    sim_error_set(err, local.code ? local.code : SIM_EINTERNAL, "%s: run %llu: %s",
                  view->path ? view->path : "(scenario)", (unsigned long long)run, local.msg);
  return in;
}

static solver_instance *build(const sim_scenario *view, uint64_t run, sim_error *err) {
  sim_model *m = sim_scenario_model_alloc(view, err);
  if (m == NULL) return NULL;
  sim_errtable *table = NULL;
  sim_topology *t = NULL;
  solver_instance *in = NULL;
  if (view->quant.error == SIM_ERRSRC_TABLE &&
      (table = sim_errtable_load(view->quant.error_table, err)) == NULL)
    goto done;
  /* Storage given in model units is relative to the fp32 size: 4 bytes per
   * parameter, as `dilemma topology` uses. */
  if ((t = sim_topology_alloc(view, run, 4.0 * (double)m->total_params, err)) == NULL) goto done;
  in = solver_instance_alloc(view, m, t, table, err);
done:
  sim_topology_free(t);
  sim_errtable_free(table);
  sim_model_free(m);
  return in;
}
