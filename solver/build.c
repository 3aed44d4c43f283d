/* build.c: the instance of one run of a scenario, the path every caller
 * (CLI, benchmark, experiment runner) takes from YAML to costs. */
#include <stdlib.h>

#include "sim/scenario/scenario.h"
#include "solver/solver.h"

solver_instance *solver_instance_build(const sim_scenario *view, uint64_t run, sim_error *err) {
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
  if ((t = sim_topology_alloc(&view->servers, &view->links, view->seed, run, 4.0 * (double)m->total_params, err)) == NULL) goto done;
  in = solver_instance_alloc(&view->workload, &view->cost, &view->quant, &view->solver, m, t, table,
                             err);
done:
  sim_topology_free(t);
  sim_errtable_free(table);
  sim_model_free(m);
  return in;
}
