/* solver.h: solving a placement instance with the ILP, the exact DP or a
 * baseline, and checking any placement independently.
 *
 * Ownership rule: a solver_result owns its placement; release it with
 * solver_result_clear. Instances are borrowed. */
#ifndef DILEMMA_SOLVER_SOLVER_H
#define DILEMMA_SOLVER_SOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"
#include "sim/scenario.h"
#include "solver/instance.h"

typedef enum {
  SOLVER_OPTIMAL = 0,    /* proven optimal (within mip_gap) */
  SOLVER_FEASIBLE = 1,   /* a feasible placement without an optimality proof (baselines) */
  SOLVER_INFEASIBLE = 2, /* no feasible placement exists (or the method found none) */
  SOLVER_TIMEOUT = 3,    /* the time limit stopped the search; placement = incumbent if any */
  SOLVER_ERROR = 4       /* the solver failed */
} solver_status;

const char *solver_status_name(solver_status s); /* "optimal", "feasible", ... */

typedef struct solver_options {
  sim_method method;           /* ilp, dp, single, greedy, uniform, random, cloud */
  sim_formulation formulation; /* ilp: flow or paper */
  double time_limit;           /* s; <= 0 means none */
  int presolve;                /* drop dominated bit options where provably safe */
  double mip_gap;              /* relative gap accepted as optimal */
  uint64_t seed;               /* random baseline: run seed */
  const char *write_lp;        /* if set, write the ILP in LP format here */
  const char *write_mps;       /* if set, write the ILP in MPS format here */
} solver_options;

/* Options from a scenario's solver section, for `method`. */
void solver_options_from_scenario(solver_options *opt, const sim_scenario *sc, sim_method method,
                                  uint64_t seed);

typedef struct solver_result {
  solver_status status;
  solver_placement *placement; /* NULL when no placement was found */
  double objective;            /* s, T of the placement (NaN without one) */
  double compute;              /* s, compute part of T */
  double comm;                 /* s, communication part of T */
  double quant_ratio;          /* % */
  double solve_seconds;        /* wall time of the solve */
  double lower_bound;          /* s, best proven lower bound (NaN if none) */
  double gap;                  /* (objective - lower_bound) / objective */
  double dp_bound;             /* s, the DP value: exact without binding storage/caps, else a bound */
  double lagrangian_bound;     /* s, Lagrangian bound on storage (NaN if not computed) */
  long long nodes;             /* branch-and-bound nodes */
  size_t presolve_removed;     /* (layer, bits) options removed as dominated */
  size_t presolve_total;       /* (layer, bits) options allowed before presolve */
  char diagnosis[512];         /* infeasible: the binding resource, in words */
} solver_result;

void solver_result_init(solver_result *res);
void solver_result_clear(solver_result *res);

/* Solves `in` with opt->method. Returns SIM_OK when the solver ran (even if
 * the status is infeasible or timeout); an error code when it could not. */
int solver_solve(const solver_instance *in, const solver_options *opt, solver_result *res,
                 sim_error *err);

/* The independent checker: recomputes feasibility (every layer placed once,
 * allowed bits, storage, caps, routes, budget) and the objective from the
 * instance alone. Returns SIM_OK if feasible, SIM_EINFEASIBLE with the
 * violations in err otherwise; *objective gets the recomputed T. */
int solver_check(const solver_instance *in, const solver_placement *p, double *objective,
                 sim_error *err);

#endif
