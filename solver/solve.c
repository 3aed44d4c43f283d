/* solve.c: solver_solve, the one entry point: it builds the cost tables,
 * runs the method, reports the bounds, and passes every placement through
 * the independent checker before returning it. */
#include "solver/solver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver/internal_budget.h"

/* Restarts of the random baseline before it reports failure. */
#define RANDOM_ATTEMPTS 100
/* Relative agreement required between a method's own objective and the
 * checker's. Both sum the same cost functions in a different order. */
#define AGREE_TOL 1e-9

const char *solver_status_name(solver_status s) {
  static const char *const names[] = {"optimal", "feasible", "infeasible", "timeout", "error"};
  return (unsigned)s <= SOLVER_ERROR ? names[s] : "error";
}

const char *solver_proof_name(solver_proof p) {
  static const char *const names[] = {"none", "dp", "bound", "ilp", "search"};
  return (unsigned)p <= SOLVER_PROOF_SEARCH ? names[p] : "none";
}

const char *const solver_objective_names[] = {"latency", "throughput", NULL};
const char *const solver_cost_model_names[] = {"paper", "roofline", "calibrated", NULL};
const char *const solver_format_names[] = {"plain", "ggml", "g128", NULL};
const char *const solver_formulation_names[] = {"flow", "paper", NULL};
const char *const solver_method_names[] = {"ilp",     "dp",     "single", "greedy",
                                           "uniform", "random", "cloud",  NULL};

const char *solver_cost_model_name(solver_cost_model c) {
  return (unsigned)c <= SOLVER_COST_CALIBRATED ? solver_cost_model_names[c] : "?";
}

const char *solver_formulation_name(solver_formulation f) {
  return (unsigned)f <= SOLVER_FORM_PAPER ? solver_formulation_names[f] : "?";
}

const char *solver_method_name(solver_method m) {
  return (unsigned)m < SOLVER_METHOD_COUNT ? solver_method_names[m] : "?";
}

int solver_method_parse(const char *s) {
  for (int m = 0; s != NULL && m < SOLVER_METHOD_COUNT; m++)
    if (strcmp(s, solver_method_names[m]) == 0) return m;
  return -1;
}

void solver_options_from_config(solver_options *opt, const solver_config *cfg, solver_method method,
                                uint64_t seed) {
  memset(opt, 0, sizeof *opt);
  opt->method = method;
  opt->formulation = cfg->formulation;
  opt->time_limit = cfg->time_limit;
  opt->presolve = cfg->presolve;
  opt->mip_gap = cfg->mip_gap;
  opt->seed = seed;
  opt->objective = cfg->objective;
  opt->latency_cap = cfg->latency_cap;
}

void solver_result_init(solver_result *res) {
  memset(res, 0, sizeof *res);
  res->status = SOLVER_ERROR;
  res->objective = res->compute = res->comm = res->quant_ratio = NAN;
  res->lower_bound = res->gap = res->dp_bound = res->lagrangian_bound = NAN;
  res->segment_bound = res->packing_bound = res->budget_bound = res->bottleneck = NAN;
}

void solver_result_clear(solver_result *res) {
  solver_placement_free(res->placement);
  solver_result_init(res);
}

static long cloud_index(const solver_instance *in) {
  for (size_t i = 0; i < in->n_servers; i++)
    if (in->servers[i].is_cloud) return (long)i;
  return -1;
}

static double max3(double a, double b, double c) {
  double m = a;
  if (!(m >= b)) m = b;
  if (!(m >= c)) m = c;
  return m;
}

/* The instance's bounds for methods that do not compute them on the way:
 * the DP, the Lagrangian bound on storage, the segment and packing bounds. */
static int report_bounds(const solver__problem *pb, double deadline, solver_result *res) {
  solver__incumbent scratch;
  solver__penalty pen = {NULL, NULL, 0};
  int ok = solver__incumbent_init(&scratch, pb->L) == 0 && solver__penalty_alloc(&pen, pb->M) == 0;
  if (ok) {
    res->dp_bound = solver__dp_solve(pb, NULL, NULL, NULL);
    res->lagrangian_bound = solver__lagrange(pb, SOLVER__RELAX_DP, &scratch, &pen, SOLVER__LAGRANGE_ITERATIONS, 1e-12,
                                             deadline);
    res->segment_bound = solver__lagrange(pb, SOLVER__RELAX_SEGMENT, &scratch, &pen, SOLVER__LAGRANGE_ITERATIONS, 1e-12,
                                             deadline);
    solver__pack *pk = solver__pack_alloc(pb);
    if (pk != NULL) res->packing_bound = solver__pack_bound(pk, 0, NULL, NULL);
    solver__pack_free(pk);
    ok = pk != NULL && !isnan(res->dp_bound) && !isnan(res->lagrangian_bound) &&
         !isnan(res->segment_bound);
    if (ok && pb->has_budget && pb->budget > 0) {
      double lam = 0;
      const double d = solver__budget_dual(pb, SOLVER__RELAX_SEGMENT, NULL, &lam);
      solver__btab *bt = solver__btab_alloc(pb, NULL);
      ok = !isnan(d) && bt != NULL;
      if (ok) res->budget_bound = fmax(d, solver__btab_root(bt));
      solver__btab_free(bt);
    }
  }
  solver__incumbent_clear(&scratch);
  solver__penalty_free(&pen);
  return ok ? 0 : -1;
}

/* The best placement a method has found, in the instance's terms (bit
 * indices, not option numbers, since restricted problems number their
 * options differently). */
typedef struct {
  solver_placement *p;
  double value; /* s, the method's own objective; +inf when none */
} found;

/* Keeps srv/opt of pb in *best if better. Returns SIM_OK or SIM_ENOMEM. */
static int found_offer(found *best, const solver__problem *pb, const solver__incumbent *inc) {
  if (!(inc->value < best->value)) return SIM_OK;
  if (best->p == NULL && (best->p = solver_placement_alloc(pb->L)) == NULL) return SIM_ENOMEM;
  solver__to_placement(pb, inc->srv, inc->opt, best->p);
  best->value = inc->value;
  return SIM_OK;
}

/* What the exact solves behind a restricted baseline (single, uniform,
 * cloud) proved together. */
typedef struct {
  int timed_out;   /* 1 if the time limit stopped one of them */
  double lower;    /* s, smallest proven lower bound on their optima (+inf: all infeasible) */
} restricted;

/* Solves a restricted copy of the instance exactly (single, uniform, cloud). */
static int solve_restricted(const solver_instance *in, const solver_options *opt,
                            const solver__restrict *r, double deadline, found *best,
                            restricted *rs, solver_result *res, char *why, size_t why_len,
                            sim_error *err) {
  solver__problem *pb = solver__problem_alloc(in, r, err);
  if (pb == NULL) return err != NULL && err->code ? err->code : SIM_ENOMEM;
  pb->ws = opt->workspace;
  res->presolve_total = pb->presolve_total;
  res->presolve_removed = pb->presolve_removed;
  int rc = SIM_OK;
  solver__incumbent inc;
  if (solver__incumbent_init(&inc, pb->L) != 0) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  else if (solver__diagnose(pb, why, why_len) == 0) {
    solver_options o = *opt;
    o.plain = 0;
    solver__exact_out eo;
    rc = solver__exact(pb, &o, deadline, &inc, &eo, err);
    res->nodes += eo.nodes;
    res->search_nodes += eo.search_nodes;
    if (rc == SIM_OK && eo.status == SOLVER_TIMEOUT) rs->timed_out = 1;
    if (rc == SIM_OK && eo.status != SOLVER_INFEASIBLE && eo.lower < rs->lower)
      rs->lower = eo.lower;
    if (rc == SIM_OK && !isfinite(inc.value)) solver__diagnose(pb, why, why_len);
    if (rc == SIM_OK && found_offer(best, pb, &inc) != SIM_OK)
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  solver__incumbent_clear(&inc);
  solver__problem_free(pb);
  return rc;
}

static int run_ilp(const solver__problem *pb, const solver_options *opt, double deadline,
                   found *best, solver_result *res, sim_error *err) {
  if (opt->write_lp || opt->write_mps) {
    solver__ilp_args args = {opt->formulation, NULL, NULL, NULL, INFINITY, 0, opt->mip_gap, 0, 0,
                             opt->write_lp, opt->write_mps};
    solver__ilp_out io;
    int rc = solver__ilp_solve(pb, &args, NULL, NULL, &io, err);
    if (rc != SIM_OK) return rc;
  }
  solver__exact_out eo;
  solver__incumbent inc;
  if (solver__incumbent_init(&inc, pb->L) != 0) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  int rc = solver__exact(pb, opt, deadline, &inc, &eo, err);
  if (rc == SIM_OK && found_offer(best, pb, &inc) != SIM_OK)
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  solver__incumbent_clear(&inc);
  if (rc != SIM_OK) return rc;
  res->status = eo.status;
  res->proof = eo.proof;
  res->lower_bound = eo.lower;
  res->dp_bound = eo.dp;
  res->lagrangian_bound = eo.lagrangian;
  res->segment_bound = eo.segment;
  res->packing_bound = eo.packing;
  res->budget_bound = eo.budget;
  res->nodes = eo.nodes;
  res->search_nodes = eo.search_nodes;
  res->ilp_columns = eo.columns;
  res->ilp_rows = eo.rows;
  res->ilp_fixed = eo.fixed;
  if (eo.status == SOLVER_INFEASIBLE) solver__diagnose(pb, res->diagnosis, sizeof res->diagnosis);
  else if (eo.note[0]) snprintf(res->diagnosis, sizeof res->diagnosis, "%s", eo.note);
  return SIM_OK;
}

/* Method-specific part for everything but the ILP. */
static int run_baseline(const solver_instance *in, const solver__problem *pb,
                        const solver_options *opt, double deadline, found *best,
                        solver_result *res, sim_error *err) {
  const size_t L = pb->L;
  int rc = SIM_OK;
  solver__incumbent inc_store;
  if (solver__incumbent_init(&inc_store, L) != 0) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  solver__incumbent *inc = &inc_store; /* placements on pb itself */
  char why[sizeof res->diagnosis] = "";
  restricted rs = {0, INFINITY};
  solver__restrict r;
  solver__restrict_init(&r);
  r.presolve = opt->presolve;
  switch (opt->method) {
  case SOLVER_METHOD_DP: {
    int *srv = malloc(L * sizeof *srv), *op = malloc(L * sizeof *op);
    if (srv == NULL || op == NULL) {
      free(srv), free(op);
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory in the DP");
      break;
    }
    const double v = solver__dp_solve(pb, NULL, srv, op);
    if (isfinite(v) && solver__incumbent_offer(inc, pb, srv, op)) {
      res->status = SOLVER_OPTIMAL;
      res->proof = SOLVER_PROOF_DP;
    } else {
      snprintf(why, sizeof why,
               "the DP's optimum (%.6g s) ignores storage, the layer cap and the budget and "
               "breaks one of them here, so it is only a lower bound; use the ilp method", v);
      if (!isfinite(v)) snprintf(why, sizeof why, "no path through the servers exists (routes)");
    }
    free(srv), free(op);
    break;
  }
  case SOLVER_METHOD_GREEDY:
  case SOLVER_METHOD_RANDOM: {
    int *srv = malloc(L * sizeof *srv), *op = malloc(L * sizeof *op);
    if (srv == NULL || op == NULL) {
      free(srv), free(op);
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory in a baseline");
      break;
    }
    const int ok = opt->method == SOLVER_METHOD_GREEDY
                       ? solver__greedy(pb, srv, op)
                       : solver__random(pb, opt->seed, RANDOM_ATTEMPTS, srv, op);
    if (ok) solver__incumbent_offer(inc, pb, srv, op);
    else if (!solver__diagnose(pb, why, sizeof why))
      snprintf(why, sizeof why, "the %s pass found no admissible server for some layer "
               "(the instance may still be feasible; the ilp method decides)",
               opt->method == SOLVER_METHOD_GREEDY ? "greedy" : "random");
    free(srv), free(op);
    break;
  }
  case SOLVER_METHOD_UNIFORM:
    r.only_bits = (int)in->n_bits - 1;
    rc = solve_restricted(in, opt, &r, deadline, best, &rs, res, why, sizeof why, err);
    break;
  case SOLVER_METHOD_CLOUD:
    r.only_server = cloud_index(in);
    rc = solve_restricted(in, opt, &r, deadline, best, &rs, res, why, sizeof why, err);
    break;
  case SOLVER_METHOD_SINGLE: {
    double need = 0, biggest = 0;
    for (size_t i = 0; i < in->n_servers && rc == SIM_OK; i++) {
      if (in->servers[i].is_cloud) continue;
      if (in->servers[i].storage > biggest) biggest = in->servers[i].storage;
      r.only_server = (long)i;
      rc = solve_restricted(in, opt, &r, deadline, best, &rs, res, why, sizeof why, err);
    }
    for (size_t l = 0; l < L; l++) need += pb->smin[l];
    snprintf(why, sizeof why,
             "no single edge server holds the model: it needs %.3f MB at the smallest allowed "
             "bit widths and the largest server stores %.3f MB",
             need / 1e6, biggest / 1e6);
    res->presolve_total = pb->presolve_total;
    res->presolve_removed = pb->presolve_removed;
    break;
  }
  default:
    rc = sim_error_set(err, SIM_EINTERNAL, "method %d is not a baseline", (int)opt->method);
  }
  if (rc == SIM_OK && found_offer(best, pb, inc) != SIM_OK)
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  solver__incumbent_clear(&inc_store);
  if (rc != SIM_OK) return rc;
  if (rs.timed_out) {
    /* The baseline's placement is only the best its stopped solve found, so
     * `feasible` would hide that it may not be the baseline's own optimum:
     * the status says timeout and the diagnosis how far off it may be. */
    res->status = SOLVER_TIMEOUT;
    if (best->p != NULL && isfinite(rs.lower))
      snprintf(res->diagnosis, sizeof res->diagnosis,
               "the time limit stopped the exact solve of the %s baseline's restricted problem; "
               "its placement is within %.3g %% of that problem's optimum (lower bound %.9g s)",
               solver_method_name(opt->method),
               100 * fmax(0.0, (best->value - rs.lower) / best->value), rs.lower);
    else
      snprintf(res->diagnosis, sizeof res->diagnosis,
               "the time limit stopped the exact solve of the %s baseline's restricted problem "
               "before it found a placement", solver_method_name(opt->method));
  } else if (res->status != SOLVER_OPTIMAL) {
    res->status = best->p != NULL ? SOLVER_FEASIBLE : SOLVER_INFEASIBLE;
  }
  if (res->status == SOLVER_INFEASIBLE) snprintf(res->diagnosis, sizeof res->diagnosis, "%s", why);
  if (report_bounds(pb, deadline, res) != 0)
    return sim_error_set(err, SIM_ENOMEM, "out of memory computing bounds");
  res->lower_bound = max3(res->dp_bound, res->lagrangian_bound, res->segment_bound);
  if (res->packing_bound > res->lower_bound) res->lower_bound = res->packing_bound;
  if (res->budget_bound > res->lower_bound) res->lower_bound = res->budget_bound;
  return SIM_OK;
}

/* Passes the placement through the checker and fills the reported figures. */
static int finish(const solver_instance *in, found *best, solver_result *res, sim_error *err) {
  if (best->p == NULL) return SIM_OK;
  res->placement = best->p;
  best->p = NULL;
  sim_error cerr;
  sim_error_clear(&cerr);
  double t = NAN;
  if (solver_check(in, res->placement, &t, &cerr) != SIM_OK)
    return sim_error_set(err, SIM_EINTERNAL, "the checker rejected the %s placement: %s",
                         solver_status_name(res->status), cerr.msg);
  if (!(fabs(t - best->value) <= AGREE_TOL * fabs(t)))
    return sim_error_set(err, SIM_EINTERNAL,
                         "the checker's objective %.17g differs from the solver's %.17g", t,
                         best->value);
  res->objective = t;
  solver_objective(in, res->placement, &res->compute, &res->comm);
  res->quant_ratio = solver_quant_ratio(in, res->placement);
  res->bottleneck = solver_bottleneck(in, res->placement, NULL);
  if (res->status == SOLVER_OPTIMAL && res->proof == SOLVER_PROOF_DP) res->lower_bound = t;
  if (isfinite(res->lower_bound) && t > 0) {
    res->gap = (t - res->lower_bound) / t;
    if (res->gap < 0) res->gap = 0;
  }
  return SIM_OK;
}

/* The throughput objective (throughput.c): the placement passes the checker
 * like every other, and the bound and gap refer to the bottleneck. */
static int solve_throughput(const solver_instance *in, const solver_options *opt, double deadline,
                            double t0, solver_result *res, sim_error *err) {
  solver_placement *p = NULL;
  int rc = solver__throughput(in, opt, deadline, &p, res, err);
  if (rc == SIM_OK && p != NULL) {
    sim_error cerr;
    sim_error_clear(&cerr);
    double t = NAN;
    if (solver_check(in, p, &t, &cerr) != SIM_OK) {
      rc = sim_error_set(err, SIM_EINTERNAL, "the checker rejected the throughput placement: %s",
                         cerr.msg);
    } else {
      res->placement = p;
      p = NULL;
      res->objective = t;
      solver_objective(in, res->placement, &res->compute, &res->comm);
      res->quant_ratio = solver_quant_ratio(in, res->placement);
      res->bottleneck = solver_bottleneck(in, res->placement, NULL);
      if (isfinite(res->lower_bound) && res->bottleneck > 0)
        res->gap = fmax(0.0, (res->bottleneck - res->lower_bound) / res->bottleneck);
    }
  }
  solver_placement_free(p);
  if (rc != SIM_OK) {
    solver_placement_free(res->placement);
    res->placement = NULL;
    res->status = SOLVER_ERROR;
  }
  res->solve_seconds = solver__now() - t0;
  return rc;
}

int solver_solve(const solver_instance *in, const solver_options *opt, solver_result *res,
                 sim_error *err) {
  solver_result_init(res);
  const double t0 = solver__now();
  const double deadline = opt->time_limit > 0 ? t0 + opt->time_limit : 0;
  if ((unsigned)opt->method >= SOLVER_METHOD_COUNT)
    return sim_error_set(err, SIM_EINPUT, "unknown method %d", (int)opt->method);
  if (opt->formulation != SOLVER_FORM_FLOW && opt->formulation != SOLVER_FORM_PAPER)
    return sim_error_set(err, SIM_EINPUT, "unknown formulation %d", (int)opt->formulation);
  if (!(opt->mip_gap >= 0 && opt->mip_gap < 1))
    return sim_error_set(err, SIM_EINPUT, "mip_gap must be in [0, 1), got %g", opt->mip_gap);
  if ((opt->write_lp || opt->write_mps) && opt->method != SOLVER_METHOD_ILP)
    return sim_error_set(err, SIM_EINPUT, "writing LP or MPS files needs the ilp method");
  if (opt->method == SOLVER_METHOD_CLOUD && cloud_index(in) < 0)
    return sim_error_set(err, SIM_EINPUT,
                         "the cloud baseline needs a cloud node (servers.cloud in the scenario)");
  if (opt->latency_cap < 0 || (opt->latency_cap > 0 && opt->objective != SOLVER_OBJECTIVE_THROUGHPUT))
    return sim_error_set(err, SIM_EINPUT, "latency_cap needs the throughput objective and must be "
                         ">= 0, got %g", opt->latency_cap);
  if (opt->objective == SOLVER_OBJECTIVE_THROUGHPUT &&
      (opt->method == SOLVER_METHOD_ILP || opt->method == SOLVER_METHOD_DP))
    return solve_throughput(in, opt, deadline, t0, res, err);
  solver__restrict r;
  solver__restrict_init(&r);
  r.presolve = opt->presolve;
  solver__problem *pb = solver__problem_alloc(in, &r, err);
  if (pb == NULL) return err && err->code ? err->code : SIM_ENOMEM;
  pb->ws = opt->workspace;
  found best = {NULL, INFINITY};
  res->presolve_total = pb->presolve_total;
  res->presolve_removed = pb->presolve_removed;
  int rc = opt->method == SOLVER_METHOD_ILP ? run_ilp(pb, opt, deadline, &best, res, err)
                                         : run_baseline(in, pb, opt, deadline, &best, res, err);
  if (rc == SIM_OK) rc = finish(in, &best, res, err);
  solver_placement_free(best.p);
  if (rc != SIM_OK) {
    solver_placement_free(res->placement);
    res->placement = NULL;
    res->status = SOLVER_ERROR;
  }
  res->solve_seconds = solver__now() - t0;
  solver__problem_free(pb);
  return rc;
}
