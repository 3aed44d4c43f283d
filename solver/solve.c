/* solve.c: placeholder until the solver lands; every call fails cleanly. */
#include "solver/solver.h"

#include <math.h>
#include <string.h>

const char *solver_status_name(solver_status s) {
  static const char *const names[] = {"optimal", "feasible", "infeasible", "timeout", "error"};
  return (unsigned)s <= SOLVER_ERROR ? names[s] : "error";
}

void solver_options_from_scenario(solver_options *opt, const sim_scenario *sc, sim_method method,
                                  uint64_t seed) {
  memset(opt, 0, sizeof *opt);
  opt->method = method;
  opt->formulation = sc->solver.formulation;
  opt->time_limit = sc->solver.time_limit;
  opt->presolve = sc->solver.presolve;
  opt->mip_gap = sc->solver.mip_gap;
  opt->seed = seed;
}

void solver_result_init(solver_result *res) {
  memset(res, 0, sizeof *res);
  res->status = SOLVER_ERROR;
  res->objective = res->compute = res->comm = res->quant_ratio = NAN;
  res->lower_bound = res->gap = res->dp_bound = res->lagrangian_bound = NAN;
}

void solver_result_clear(solver_result *res) {
  solver_placement_free(res->placement);
  solver_result_init(res);
}

int solver_solve(const solver_instance *in, const solver_options *opt, solver_result *res,
                 sim_error *err) {
  (void)in;
  (void)opt;
  solver_result_init(res);
  return sim_error_set(err, SIM_EINTERNAL, "the solver is not built yet");
}

int solver_check(const solver_instance *in, const solver_placement *p, double *objective,
                 sim_error *err) {
  (void)in;
  (void)p;
  (void)objective;
  return sim_error_set(err, SIM_EINTERNAL, "the checker is not built yet");
}
