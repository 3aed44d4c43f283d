/* internal_multi.h: what the solver's files share for several models on
 * the same servers (multi.c, multi_lagrange.c, multi_ilp.c, multi_local.c,
 * multi_baseline.c). Nobody outside solver/ and its tests uses it.
 *
 * It builds on internal.h (each model's problem), which it includes. */
#ifndef DILEMMA_SOLVER_INTERNAL_MULTI_H
#define DILEMMA_SOLVER_INTERNAL_MULTI_H

#include "solver/internal.h"

/* --- Several models (multi.c, multi_lagrange.c, multi_ilp.c) -------------
 * The multi-instance with each model's presolved cost tables. The presolve
 * of each model stays valid jointly: a dominating option uses no more
 * storage and no more compute on any server, so it keeps the shared rows. */
typedef struct solver__multi {
  const solver_multi *mi;
  size_t K, M;                /* models, servers */
  solver__problem **pb;       /* K problems with the true costs */
  double *capacity;           /* M, bytes (shared) */
  double umax;                /* max_utilization */
  int max_obj;                /* 1: objective max_m T_m */
} solver__multi;

/* A joint placement: srv[m][l], opt[m][l] (options of pb[m]). */
typedef struct solver__mplace {
  int **srv, **opt;
  double *T;     /* K, s */
  double value;  /* s, objective; +inf when none */
} solver__mplace;

solver__multi *solver__multi_alloc(const solver_multi *mi, sim_error *err);
void solver__multi_free(solver__multi *mp);
int solver__mplace_init(solver__mplace *p, const solver__multi *mp);
void solver__mplace_clear(solver__mplace *p, size_t K);
void solver__mplace_copy(solver__mplace *dst, const solver__mplace *src, const solver__multi *mp);

/* The objective of per-model times T (K entries). */
double solver__multi_value(const solver__multi *mp, const double *T);
/* Adds model m's storage (bytes) and utilization (rate·busy) per server
 * to used and util (M entries each; either may be NULL). */
void solver__multi_add(const solver__multi *mp, size_t m, const int *srv, const int *opt,
                       double *used, double *util);
/* 1 if every model meets its own constraints and the shared rows hold
 * (relative slack 1e-9); fills p->T and p->value from the tables. */
int solver__multi_feasible(const solver__multi *mp, solver__mplace *p);

/* A copy of pb whose option g on server i costs
 *   cp(g, i)·scale[i] + per_byte[i]·storage(g)
 * (either array may be NULL: 1 and 0), with capacity[] and usable[] (NULL:
 * pb's). Transfers are pb's. Same option numbering as pb. */
solver__problem *solver__problem_penalized(const solver__problem *pb, const double *scale,
                                           const double *per_byte, const double *capacity,
                                           const unsigned char *usable);

/* Solves model m alone on what the other models leave: storage
 * cap_left[i] and utilization util_left[i] (rate-weighted busy fraction)
 * per server, starting from the prices ρ (M entries, s per unit of
 * utilization; may be NULL). Fills srv/opt and returns T_m, or +inf if no
 * placement was found (the model may still fit; this is a heuristic for the
 * utilization row, exact for storage). */
double solver__multi_fit(const solver__multi *mp, size_t m, const double *cap_left,
                         const double *util_left, const double *rho, double deadline, int *srv,
                         int *opt);

/* Improves inc by re-fitting one model at a time on what the others leave,
 * while that lowers the objective. */
void solver__multi_improve(const solver__multi *mp, solver__mplace *inc, double deadline);

/* Sequential placement in the order given (K model indices), each model
 * fitted on what the earlier ones leave. Offers the result to inc; returns
 * 1 if every model was placed. */
int solver__multi_sequential(const solver__multi *mp, const size_t *order, const double *rho,
                             solver__mplace *inc, double deadline);

/* Repair and local search (multi_local.c): moves segments of p's models
 * (and their end layers) to other servers and exchanges the servers of two
 * segments, first to remove every overload of the shared rows (least
 * objective per overload removed), then to lower the objective with every
 * row kept. Keeps bit widths and each model's own constraints. Returns 1
 * if p ends feasible (p->T and p->value then hold its objective). */
int solver__multi_local(const solver__multi *mp, solver__mplace *p, double deadline);

/* The baselines (multi_baseline.c): opt->method is sequential,
 * independent or partitioned. Leaves its placement in inc (value +inf
 * when none) and sets res->status and res->diagnosis. */
int solver__multi_baseline(const solver__multi *mp, const solver_multi_options *opt,
                           double deadline, solver__mplace *inc, solver_multi_result *res,
                           sim_error *err);

typedef struct solver__mlag_out {
  double bound;        /* s, best Lagrangian bound (-inf if none, +inf: infeasible) */
  /* The multipliers of the best bound and its subproblems' proven lower
   * bounds (caller-allocated: M, M, K, K entries), for column fixing. */
  double *mu, *nu, *coef, *lower;
  double *solo;        /* K, s, each model's optimum alone (+inf: cannot fit alone) */
  double *solo_lower;  /* K, s, proven lower bounds on those */
  int infeasible;      /* 1: a model does not fit even alone (a proof) */
  int iterations;
} solver__mlag_out;

/* The Lagrangian decomposition: relaxes the shared rows (and, for max, the
 * epigraph rows) with multipliers, solves each model exactly on its own,
 * improves inc with repaired subproblem solutions. Stops when the bound
 * meets inc within gap, after max_iter iterations or at the deadline.
 * out->solo must have K entries. Returns SIM_OK or an error code. */
int solver__multi_lagrange(const solver__multi *mp, int max_iter, double gap, double deadline,
                           solver__mplace *inc, solver__mlag_out *out, sim_error *err);

/* Column fixing from the decomposition: keep[m][l·M + i] = 0 when every
 * joint placement with layer l of model m on server i costs at least
 * `limit`. The bound for it is the best Lagrangian bound with model m's
 * subproblem value replaced by the segment relaxation's bound on
 * placements using (l, i) (segment.c), which is a relaxation of that
 * subproblem. keep must hold K arrays of L_m·M entries. Returns the number
 * of (model, layer, server) triples removed, or -1 without memory. */
long solver__multi_fixing(const solver__multi *mp, const solver__mlag_out *lo, double limit,
                          unsigned char **keep);

typedef struct solver__milp_out {
  solver__ilp_status status;
  int found;
  double objective;
  long long nodes;
  size_t columns, rows;
} solver__milp_out;

/* The joint ILP: one chain of x/z (flow) or x/y (paper) per model, the
 * shared storage and utilization rows, objective Σ w·T or an epigraph
 * variable t >= T_m. With a finite cutoff only placements below it are
 * sought; keep (may be NULL) removes x columns as solver__multi_fixing
 * says. Fills p (srv/opt) when found. (The rounded capacity cuts of
 * ilp.c, tried on the shared storage rows, doubled lp_solve's nodes on the
 * benchmark, so the joint model has none.) */
int solver__multi_ilp(const solver__multi *mp, unsigned char *const *keep, solver_formulation f,
                      double cutoff, double mip_gap, double deadline, long long node_limit, int solve,
                      const char *write_lp, const char *write_mps,
                      solver__mplace *p, solver__milp_out *out, sim_error *err);

#endif
