/* test_solver_multi_stop.c: a joint solve stopped before lp_solve finishes
 * never claims a proof. On run 4 of the fifth point of
 * scenarios/multi-llm.yaml (five models on eight servers) the decomposition
 * alone leaves a gap, so lp_solve runs; stopped after a fixed number of
 * branch-and-bound nodes (the deterministic stand-in for the time limit),
 * it holds a solution at the cutoff. The solver once took that for a
 * finished search and reported `optimal` with a bound above a placement
 * the sequential baseline finds; both checks below failed then. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "solver/solver.h"
#include "tests/tap.h"

int main(void) {
  const char *top = getenv("top_srcdir");
  char path[4096];
  snprintf(path, sizeof path, "%s/scenarios/multi-llm.yaml", top && *top ? top : ".");
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load(path, &err);
  solver_multi *mi = sc ? sim_multi_alloc(sc, 4, 4, &err) : NULL;
  if (!ok(mi != NULL, "five models of %s, run 4", path)) {
    diag("%s", err.msg);
    sim_scenario_free(sc);
    return tap_done();
  }
  solver_multi_options o;
  solver_multi_options_init(&o);
  solver_multi_result seq, res;
  o.method = SOLVER_MULTI_SEQUENTIAL;
  ok_int(solver_multi_solve(mi, &o, &seq, &err), SIM_OK, "the sequential baseline runs");
  ok(isfinite(seq.objective), "and places every model (%.17g s)", seq.objective);
  /* Node budgets short of lp_solve's proof (it needs thousands here). */
  const long long budgets[] = {100, 400};
  for (size_t k = 0; k < sizeof budgets / sizeof budgets[0]; k++) {
    solver_multi_options_init(&o);
    o.ilp_node_limit = budgets[k];
    ok_int(solver_multi_solve(mi, &o, &res, &err), SIM_OK, "exact solve stopped after %lld nodes", budgets[k]);
    ok(res.status == SOLVER_TIMEOUT, "stopped after %lld nodes: status %s (must be timeout)", budgets[k],
       solver_status_name(res.status));
    /* Whatever the status, the bound must not exceed a feasible placement. */
    ok(res.lower_bound <= seq.objective, "its bound %.17g s is below the sequential placement's %.17g s",
       res.lower_bound, seq.objective);
    ok(res.objective >= res.lower_bound, "and its incumbent %.17g s above it", res.objective);
    solver_multi_result_clear(&res);
  }
  solver_multi_result_clear(&seq);
  solver_multi_free(mi);
  sim_scenario_free(sc);
  return tap_done();
}
