/* solver.h: solving a placement instance with the ILP, the exact DP or a
 * baseline, and checking any placement independently.
 *
 * Ownership rule: a solver_result owns its placement; release it with
 * solver_result_clear. Instances are borrowed. */
#ifndef DILEMMA_SOLVER_SOLVER_H
#define DILEMMA_SOLVER_SOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/error.h"
#include "sim/scenario.h"
#include "solver/instance.h"

typedef enum {
  SOLVER_OPTIMAL = 0,    /* proven optimal (within mip_gap) */
  SOLVER_FEASIBLE = 1,   /* a feasible placement without an optimality proof (baselines;
                            ilp when lp_solve failed numerically, with the reason in
                            diagnosis) */
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
  uint64_t seed;               /* random baseline: the GSL seed, i.e.
                                  sim_seed_derive(scenario seed, SIM_STREAM_BASELINE, run) */
  const char *write_lp;        /* if set, write the ILP in LP format here */
  const char *write_mps;       /* if set, write the ILP in (free) MPS format here */
  int plain;                   /* ilp: 1 hands the whole model to lp_solve without the
                                  structural bounds, incumbents, fixing and cutoff (for
                                  cross-checks); 0 (default) uses them */
  long long search_budget;     /* nodes of the segment search before lp_solve takes over:
                                  0 = the default (SOLVER_SEARCH_NODES), < 0 = no search, so
                                  that lp_solve's accelerated path can be tested on its own */
} solver_options;

/* The segment search's default node budget (docs/solver.md). */
#define SOLVER_SEARCH_NODES 200000

/* Options from a scenario's solver section, for `method`. */
void solver_options_from_scenario(solver_options *opt, const sim_scenario *sc, sim_method method,
                                  uint64_t seed);

/* How an `optimal` status was proven. */
typedef enum {
  SOLVER_PROOF_NONE = 0,    /* no optimality proof (baselines, timeouts, infeasible) */
  SOLVER_PROOF_DP = 1,      /* the storage-free DP's path is feasible, so it is optimal */
  SOLVER_PROOF_BOUND = 2,   /* the placement meets a lower bound (segment or Lagrangian) */
  SOLVER_PROOF_ILP = 3,     /* lp_solve's branch and bound closed the gap */
  SOLVER_PROOF_SEARCH = 4   /* the segment branch and bound finished */
} solver_proof;

const char *solver_proof_name(solver_proof p); /* "none", "dp", "bound", "ilp", "search" */

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
  long long nodes;             /* lp_solve's branch-and-bound nodes */
  long long search_nodes;      /* nodes of the segment branch and bound (docs/solver.md) */
  size_t presolve_removed;     /* (layer, bits) options removed as dominated */
  size_t presolve_total;       /* (layer, bits) options allowed before presolve */
  char diagnosis[512];         /* infeasible: the binding resource, in words; feasible from
                                  ilp: why there is no proof */
  solver_proof proof;          /* how `optimal` was proven */
  double segment_bound;        /* s, segment relaxation with Lagrangian penalties (NaN if not
                                  computed) */
  size_t ilp_columns;          /* columns of the last model lp_solve solved (0: none) */
  size_t ilp_rows;             /* its rows */
  size_t ilp_fixed;            /* x columns left out because a bound excludes them */
  double packing_bound;        /* s, packing bound: whole layers per server (NaN if not
                                  computed) */
} solver_result;

void solver_result_init(solver_result *res);
void solver_result_clear(solver_result *res);

/* Solves `in` with opt->method. Returns SIM_OK when the solver ran (even if
 * the status is infeasible or timeout); an error code when it could not. */
int solver_solve(const solver_instance *in, const solver_options *opt, solver_result *res,
                 sim_error *err);

/* Builds the instance of run `run` of a scenario view (a sweep point): the
 * model profile, the run's topology, and the error table when the scenario
 * names one. Returns NULL with err set on failure. */
solver_instance *solver_instance_build(const sim_scenario *view, uint64_t run, sim_error *err);

/* Writes every parameter the costs come from as JSON (schema in
 * docs/solver.md). Returns SIM_OK or SIM_EIO. */
int solver_instance_write_json(const solver_instance *in, FILE *out, sim_error *err);

/* The independent checker: recomputes feasibility (every layer placed once,
 * allowed bits, storage, caps, routes, budget) and the objective from the
 * instance alone. Returns SIM_OK if feasible, SIM_EINFEASIBLE with the
 * violations in err otherwise; *objective gets the recomputed T. */
int solver_check(const solver_instance *in, const solver_placement *p, double *objective,
                 sim_error *err);

#endif
