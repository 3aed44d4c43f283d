/* multi.c: several models sharing the servers: the multi-instance, the
 * joint checker, the tables every multi-model method works on, and
 * solver_multi_solve, which runs a method and checks what it returns.
 *
 * The exact method (docs/solver.md, "Several models"):
 *   1. the Lagrangian decomposition (multi_lagrange.c) gives a lower bound
 *      from exact single-model solves and incumbents from repairing their
 *      placements; if the incumbent meets the bound within mip_gap it is
 *      optimal (proof `bound`);
 *   2. otherwise the joint ILP (multi_ilp.c) with the row
 *      objective <= incumbent·(1 - gap) either finds a better placement,
 *      optimal, or proves there is none, so the incumbent is (proof `ilp`);
 *   3. a deadline in either step ends in `timeout` with the incumbent, the
 *      bound and the gap. */
#include "solver/solver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver/internal_multi.h"

/* Relative slack of the shared rows, as the single-model checker's. */
#define MULTI_SLACK 1e-9
/* Relative agreement required between a method's objective and the checker's. */
#define AGREE_TOL 1e-9
/* Default subgradient iterations of the decomposition. */
#define DEFAULT_ITERATIONS 60

const char *const solver_multi_objective_names[] = {"sum", "max", NULL};

solver_multi *solver_multi_alloc(size_t n_models) {
  solver_multi *mi = calloc(1, sizeof *mi);
  if (mi == NULL) return NULL;
  const size_t n = n_models ? n_models : 1;
  mi->n_models = n_models;
  mi->models = calloc(n, sizeof *mi->models);
  mi->rate = calloc(n, sizeof *mi->rate);
  mi->weight = malloc(n * sizeof *mi->weight);
  if (mi->models == NULL || mi->rate == NULL || mi->weight == NULL) {
    solver_multi_free(mi);
    return NULL;
  }
  for (size_t m = 0; m < n; m++) mi->weight[m] = 1.0;
  mi->max_utilization = 1.0;
  mi->objective = SOLVER_MULTI_SUM;
  return mi;
}

void solver_multi_free(solver_multi *mi) {
  if (mi == NULL) return;
  for (size_t m = 0; mi->models != NULL && m < mi->n_models; m++)
    solver_instance_free(mi->models[m]);
  free(mi->models);
  free(mi->rate);
  free(mi->weight);
  free(mi);
}

int solver_multi_validate(const solver_multi *mi, sim_error *err) {
  if (mi == NULL || mi->n_models == 0)
    return sim_error_set(err, SIM_EINPUT, "a multi-model instance needs at least one model");
  if (!(mi->max_utilization > 0) || !isfinite(mi->max_utilization))
    return sim_error_set(err, SIM_EINPUT, "max_utilization must be > 0, got %g",
                         mi->max_utilization);
  if (mi->objective != SOLVER_MULTI_SUM && mi->objective != SOLVER_MULTI_MAX)
    return sim_error_set(err, SIM_EINPUT, "unknown multi-model objective %d", (int)mi->objective);
  const solver_instance *a = mi->models[0];
  for (size_t m = 0; m < mi->n_models; m++) {
    const solver_instance *b = mi->models[m];
    if (b == NULL) return sim_error_set(err, SIM_EINPUT, "model %zu is not set", m);
    if (!(mi->rate[m] >= 0) || !isfinite(mi->rate[m]))
      return sim_error_set(err, SIM_EINPUT, "model %zu: rate must be >= 0, got %g", m, mi->rate[m]);
    if (!(mi->weight[m] > 0) || !isfinite(mi->weight[m]))
      return sim_error_set(err, SIM_EINPUT, "model %zu: weight must be > 0, got %g", m,
                           mi->weight[m]);
    if (b->n_servers != a->n_servers)
      return sim_error_set(err, SIM_EINPUT, "model %zu has %zu servers but model 0 has %zu", m,
                           b->n_servers, a->n_servers);
    const size_t M = a->n_servers;
    for (size_t i = 0; i < M; i++)
      if (b->servers[i].storage != a->servers[i].storage || b->servers[i].ccs != a->servers[i].ccs)
        return sim_error_set(err, SIM_EINPUT, "model %zu sees server %zu differently from model 0",
                             m, i);
    if (memcmp(b->bandwidth, a->bandwidth, M * M * sizeof *a->bandwidth) != 0 ||
        memcmp(b->latency, a->latency, M * M * sizeof *a->latency) != 0)
      return sim_error_set(err, SIM_EINPUT, "model %zu sees other routes than model 0", m);
  }
  return SIM_OK;
}

const char *solver_multi_method_name(solver_multi_method m) {
  static const char *const names[] = {"ilp", "plain", "sequential", "independent",
                                      "partitioned"};
  return (unsigned)m < SOLVER_MULTI_METHOD_COUNT ? names[m] : "unknown";
}

int solver_multi_method_parse(const char *s) {
  for (int m = 0; m < SOLVER_MULTI_METHOD_COUNT; m++)
    if (strcmp(s, solver_multi_method_name((solver_multi_method)m)) == 0) return m;
  return -1;
}

void solver_multi_options_init(solver_multi_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->method = SOLVER_MULTI_EXACT;
  opt->formulation = SOLVER_FORM_FLOW;
  opt->mip_gap = 1e-9;
}

void solver_multi_result_init(solver_multi_result *res) {
  memset(res, 0, sizeof *res);
  res->status = SOLVER_ERROR;
  res->objective = res->lower_bound = res->gap = res->lagrangian_bound = NAN;
}

void solver_multi_result_clear(solver_multi_result *res) {
  for (size_t m = 0; res->placement != NULL && m < res->n_models; m++)
    solver_placement_free(res->placement[m]);
  free(res->placement);
  free(res->model_objective);
  free(res->model_solo);
  free(res->storage_used);
  free(res->utilization);
  solver_multi_result_init(res);
}

/* ---- the internal tables ------------------------------------------------ */

solver__multi *solver__multi_alloc(const solver_multi *mi, sim_error *err) {
  solver__multi *mp = calloc(1, sizeof *mp);
  if (mp == NULL) goto oom;
  mp->mi = mi;
  mp->K = mi->n_models;
  mp->M = mi->models[0]->n_servers;
  mp->umax = mi->max_utilization;
  mp->max_obj = mi->objective == SOLVER_MULTI_MAX;
  mp->pb = calloc(mp->K, sizeof *mp->pb);
  mp->capacity = malloc(mp->M * sizeof *mp->capacity);
  if (mp->pb == NULL || mp->capacity == NULL) goto oom;
  for (size_t i = 0; i < mp->M; i++) mp->capacity[i] = mi->models[0]->servers[i].storage;
  solver__restrict r;
  solver__restrict_init(&r);
  for (size_t m = 0; m < mp->K; m++)
    if ((mp->pb[m] = solver__problem_alloc(mi->models[m], &r, err)) == NULL) {
      solver__multi_free(mp);
      return NULL;
    }
  return mp;
oom:
  solver__multi_free(mp);
  sim_error_set(err, SIM_ENOMEM, "out of memory building the multi-model tables");
  return NULL;
}

void solver__multi_free(solver__multi *mp) {
  if (mp == NULL) return;
  for (size_t m = 0; mp->pb != NULL && m < mp->K; m++) solver__problem_free(mp->pb[m]);
  free(mp->pb);
  free(mp->capacity);
  free(mp);
}

int solver__mplace_init(solver__mplace *p, const solver__multi *mp) {
  p->srv = calloc(mp->K, sizeof *p->srv);
  p->opt = calloc(mp->K, sizeof *p->opt);
  p->T = malloc(mp->K * sizeof *p->T);
  p->value = INFINITY;
  if (p->srv == NULL || p->opt == NULL || p->T == NULL) goto fail;
  for (size_t m = 0; m < mp->K; m++) {
    p->srv[m] = calloc(mp->pb[m]->L, sizeof **p->srv);
    p->opt[m] = calloc(mp->pb[m]->L, sizeof **p->opt);
    p->T[m] = INFINITY;
    if (p->srv[m] == NULL || p->opt[m] == NULL) goto fail;
  }
  return 0;
fail:
  solver__mplace_clear(p, mp->K);
  return -1;
}

void solver__mplace_clear(solver__mplace *p, size_t K) {
  for (size_t m = 0; m < K; m++) {
    if (p->srv != NULL) free(p->srv[m]);
    if (p->opt != NULL) free(p->opt[m]);
  }
  free(p->srv), free(p->opt), free(p->T);
  p->srv = p->opt = NULL;
  p->T = NULL;
  p->value = INFINITY;
}

void solver__mplace_copy(solver__mplace *dst, const solver__mplace *src, const solver__multi *mp) {
  for (size_t m = 0; m < mp->K; m++) {
    memcpy(dst->srv[m], src->srv[m], mp->pb[m]->L * sizeof **dst->srv);
    memcpy(dst->opt[m], src->opt[m], mp->pb[m]->L * sizeof **dst->opt);
    dst->T[m] = src->T[m];
  }
  dst->value = src->value;
}

double solver__multi_value(const solver__multi *mp, const double *T) {
  double v = 0;
  for (size_t m = 0; m < mp->K; m++) {
    if (mp->max_obj) v = T[m] > v || isnan(T[m]) ? T[m] : v;
    else v += mp->mi->weight[m] * T[m];
  }
  return v;
}

void solver__multi_add(const solver__multi *mp, size_t m, const int *srv, const int *opt,
                       double *used, double *util) {
  const solver__problem *pb = mp->pb[m];
  const double rate = mp->mi->rate[m];
  for (size_t l = 0; l < pb->L; l++) {
    const size_t i = (size_t)srv[l], g = (size_t)opt[l];
    if (used != NULL) used[i] += pb->storage[g];
    if (util != NULL) util[i] += rate * solver__cp(pb, g, i);
  }
}

int solver__multi_feasible(const solver__multi *mp, solver__mplace *p) {
  const size_t M = mp->M;
  double used[M], util[M];
  for (size_t i = 0; i < M; i++) used[i] = util[i] = 0;
  for (size_t m = 0; m < mp->K; m++) {
    if (!solver__feasible(mp->pb[m], p->srv[m], p->opt[m])) return 0;
    p->T[m] = solver__eval(mp->pb[m], p->srv[m], p->opt[m]);
    solver__multi_add(mp, m, p->srv[m], p->opt[m], used, util);
  }
  for (size_t i = 0; i < M; i++)
    if (used[i] > mp->capacity[i] * (1 + MULTI_SLACK) || util[i] > mp->umax * (1 + MULTI_SLACK))
      return 0;
  p->value = solver__multi_value(mp, p->T);
  return 1;
}

solver__problem *solver__problem_penalized(const solver__problem *pb, const double *scale,
                                           const double *per_byte, const double *capacity,
                                           const unsigned char *usable) {
  const size_t L = pb->L, M = pb->M, n = pb->n_opt;
  const size_t ncm = (L > 1 ? pb->opt_begin[L - 1] : 0) * M * M;
  const size_t nout = (n - pb->opt_begin[L - 1]) * M;
  solver__problem *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  *c = *pb;
  c->opt_begin = malloc((L + 1) * sizeof *c->opt_begin);
  c->opt_bits = malloc(n * sizeof *c->opt_bits);
  c->opt_layer = malloc(n * sizeof *c->opt_layer);
  c->storage = malloc(n * sizeof *c->storage);
  c->smin = malloc(L * sizeof *c->smin);
  c->error = malloc(n * sizeof *c->error);
  c->cp = malloc(n * M * sizeof *c->cp);
  c->cm = malloc((ncm ? ncm : 1) * sizeof *c->cm);
  c->cin = malloc(M * sizeof *c->cin);
  c->cout = malloc(nout * sizeof *c->cout);
  c->capacity = malloc(M * sizeof *c->capacity);
  c->usable = malloc(M);
  if (!c->opt_begin || !c->opt_bits || !c->opt_layer || !c->storage || !c->smin || !c->error ||
      !c->cp || !c->cm || !c->cin || !c->cout || !c->capacity || !c->usable) {
    solver__problem_free(c);
    return NULL;
  }
  memcpy(c->opt_begin, pb->opt_begin, (L + 1) * sizeof *c->opt_begin);
  memcpy(c->opt_bits, pb->opt_bits, n * sizeof *c->opt_bits);
  memcpy(c->opt_layer, pb->opt_layer, n * sizeof *c->opt_layer);
  memcpy(c->storage, pb->storage, n * sizeof *c->storage);
  memcpy(c->smin, pb->smin, L * sizeof *c->smin);
  memcpy(c->error, pb->error, n * sizeof *c->error);
  if (ncm) memcpy(c->cm, pb->cm, ncm * sizeof *c->cm);
  memcpy(c->cin, pb->cin, M * sizeof *c->cin);
  memcpy(c->cout, pb->cout, nout * sizeof *c->cout);
  memcpy(c->capacity, capacity != NULL ? capacity : pb->capacity, M * sizeof *c->capacity);
  memcpy(c->usable, usable != NULL ? usable : pb->usable, M);
  for (size_t i = 0; i < M; i++) c->usable[i] = c->usable[i] && pb->usable[i];
  for (size_t g = 0; g < n; g++)
    for (size_t i = 0; i < M; i++) {
      double v = solver__cp(pb, g, i);
      if (scale != NULL) v *= scale[i];
      if (per_byte != NULL) v += per_byte[i] * pb->storage[g];
      c->cp[g * M + i] = v;
    }
  return c;
}

/* ---- the independent checker -------------------------------------------- */

int solver_multi_check(const solver_multi *mi, solver_placement *const *placement, double *T,
                       double *objective, sim_error *err) {
  if (objective) *objective = NAN;
  const size_t K = mi->n_models, M = mi->models[0]->n_servers;
  double used[M], util[M], v = 0;
  for (size_t i = 0; i < M; i++) used[i] = util[i] = 0;
  char msg[sizeof err->msg] = "";
  size_t len = 0;
  int bad = 0;
  for (size_t m = 0; m < K; m++) {
    const solver_instance *in = mi->models[m];
    sim_error e;
    sim_error_clear(&e);
    double t = NAN;
    if (solver_check(in, placement[m], &t, &e) != SIM_OK) {
      bad = 1;
      len += (size_t)snprintf(msg + len, len < sizeof msg ? sizeof msg - len : 0,
                              "%smodel %zu: %s", len ? "; " : "", m, e.msg);
      continue;
    }
    if (T != NULL) T[m] = t;
    if (mi->objective == SOLVER_MULTI_MAX) v = t > v ? t : v;
    else v += mi->weight[m] * t;
    for (size_t l = 0; l < in->n_layers; l++) {
      const size_t i = (size_t)placement[m]->server[l], b = (size_t)placement[m]->bits[l];
      used[i] += solver_cost_storage(in, l, b);
      util[i] += mi->rate[m] * solver_cost_compute(in, l, i, b);
    }
  }
  for (size_t i = 0; i < M && !bad; i++) {
    const double cap = mi->models[0]->servers[i].storage;
    if (used[i] > cap * (1 + MULTI_SLACK)) {
      bad = 1;
      len += (size_t)snprintf(msg + len, len < sizeof msg ? sizeof msg - len : 0,
                              "%sserver %zu stores %.6g bytes of %.6g", len ? "; " : "", i,
                              used[i], cap);
    }
    if (util[i] > mi->max_utilization * (1 + MULTI_SLACK)) {
      bad = 1;
      len += (size_t)snprintf(msg + len, len < sizeof msg ? sizeof msg - len : 0,
                              "%sserver %zu is busy %.6g of the time, above the cap %.6g",
                              len ? "; " : "", i, util[i], mi->max_utilization);
    }
  }
  if (bad) return sim_error_set(err, SIM_EINFEASIBLE, "%s", msg);
  if (objective) *objective = v;
  return SIM_OK;
}

/* ---- solver_multi_solve -------------------------------------------------- */

static int res_alloc(solver_multi_result *res, size_t K, size_t M) {
  res->n_models = K;
  res->n_servers = M;
  res->placement = calloc(K, sizeof *res->placement);
  res->model_objective = malloc(K * sizeof *res->model_objective);
  res->model_solo = malloc(K * sizeof *res->model_solo);
  res->storage_used = calloc(M, sizeof *res->storage_used);
  res->utilization = calloc(M, sizeof *res->utilization);
  if (!res->placement || !res->model_objective || !res->model_solo || !res->storage_used ||
      !res->utilization)
    return -1;
  for (size_t m = 0; m < K; m++) res->model_objective[m] = res->model_solo[m] = NAN;
  return 0;
}

/* Converts p to placements and checks them: jointly when `joint`, each
 * model on its own otherwise (the independent baseline's union may break
 * the shared rows; that is its finding, not an error). */
static int finish(const solver_multi *mi, const solver__multi *mp, const solver__mplace *p,
                  int joint, solver_multi_result *res, sim_error *err) {
  if (!isfinite(p->value)) return SIM_OK;
  for (size_t m = 0; m < mp->K; m++) {
    if ((res->placement[m] = solver_placement_alloc(mp->pb[m]->L)) == NULL)
      return sim_error_set(err, SIM_ENOMEM, "out of memory");
    solver__to_placement(mp->pb[m], p->srv[m], p->opt[m], res->placement[m]);
    solver__multi_add(mp, m, p->srv[m], p->opt[m], res->storage_used, res->utilization);
  }
  sim_error cerr;
  sim_error_clear(&cerr);
  double v = NAN;
  const int rc = solver_multi_check(mi, res->placement, res->model_objective, &v, &cerr);
  res->joint_feasible = rc == SIM_OK;
  if (rc != SIM_OK && joint)
    return sim_error_set(err, SIM_EINTERNAL, "the checker rejected the %s placement: %s",
                         solver_status_name(res->status), cerr.msg);
  if (rc != SIM_OK) {
    for (size_t m = 0; m < mp->K; m++) res->model_objective[m] = p->T[m];
    v = p->value;
  }
  if (!(fabs(v - p->value) <= AGREE_TOL * fabs(v)))
    return sim_error_set(err, SIM_EINTERNAL,
                         "the checker's objective %.17g differs from the solver's %.17g", v,
                         p->value);
  res->objective = v;
  if (isfinite(res->lower_bound) && v > 0) res->gap = fmax(0.0, (v - res->lower_bound) / v);
  return SIM_OK;
}

/* The exact method and the plain joint ILP. */
static int run_exact(const solver__multi *mp, const solver_multi_options *opt, double deadline,
                     solver__mplace *inc, solver_multi_result *res, sim_error *err) {
  const double gap = opt->mip_gap > 1e-12 ? opt->mip_gap : 1e-12;
  double lower = -INFINITY;
  solver__mlag_out lo;
  double mu[mp->M], nu[mp->M], coef[mp->K], sub_lower[mp->K];
  int have_lag = 0;
  if (opt->write_lp || opt->write_mps) {
    solver__milp_out wo;
    int rc = solver__multi_ilp(mp, NULL, opt->formulation, INFINITY, opt->mip_gap, 0, 0, 0, opt->write_lp,
                               opt->write_mps, NULL, &wo, err);
    if (rc != SIM_OK) return rc;
  }
  if (opt->method == SOLVER_MULTI_EXACT) {
    double solo[mp->K], solo_lower[mp->K];
    lo.solo = solo;
    lo.solo_lower = solo_lower;
    lo.mu = mu, lo.nu = nu, lo.coef = coef, lo.lower = sub_lower;
    const int iters = opt->lagrange_iterations > 0 ? opt->lagrange_iterations : DEFAULT_ITERATIONS;
    const double t0 = solver__now();
    int rc = solver__multi_lagrange(mp, iters, gap, deadline, inc, &lo, err);
    res->lagrange_seconds = solver__now() - t0;
    if (rc != SIM_OK) return rc;
    res->iterations = lo.iterations;
    res->lagrangian_bound = lo.bound;
    for (size_t m = 0; m < mp->K; m++) res->model_solo[m] = solo[m];
    if (lo.infeasible) {
      res->status = SOLVER_INFEASIBLE;
      res->lower_bound = INFINITY;
      for (size_t m = 0; m < mp->K; m++)
        if (!isfinite(solo[m])) {
          snprintf(res->diagnosis, sizeof res->diagnosis,
                   "model %zu does not fit the servers even alone (its storage, or its load "
                   "within max_utilization)", m);
          break;
        }
      return SIM_OK;
    }
    lower = lo.bound;
    have_lag = isfinite(lo.bound);
    if (isfinite(inc->value) && inc->value - lower <= gap * inc->value) {
      res->status = SOLVER_OPTIMAL;
      res->proof = SOLVER_PROOF_BOUND;
      res->lower_bound = fmin(lower, inc->value);
      return SIM_OK;
    }
    if (solver__expired(deadline)) goto timeout;
  }
  double cutoff =
      opt->method == SOLVER_MULTI_EXACT && isfinite(inc->value) ? inc->value * (1 - gap) : INFINITY;
  solver__mplace p;
  if (solver__mplace_init(&p, mp) != 0) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  /* Columns the decomposition's bounds exclude: no placement using them
   * can get below the cutoff, so the optimum below it, if any, survives. */
  unsigned char **keep = calloc(mp->K, sizeof *keep);
  int fixing = keep != NULL && have_lag && isfinite(cutoff);
  for (size_t m = 0; fixing && m < mp->K; m++)
    if ((keep[m] = malloc(mp->pb[m]->L * mp->M)) == NULL) fixing = 0;
  if (fixing) {
    const long fixed = solver__multi_fixing(mp, &lo, cutoff, keep);
    if (fixed < 0) fixing = 0;
    else res->ilp_fixed = (size_t)fixed;
  }
  solver__milp_out io;
  sim_error ierr;
  sim_error_clear(&ierr);
  int rc = solver__multi_ilp(mp, fixing ? keep : NULL, opt->formulation, cutoff, opt->mip_gap,
                             deadline, opt->ilp_node_limit, 1, NULL, NULL, &p, &io, &ierr);
  if (rc == SIM_ESOLVER && isfinite(cutoff) && !solver__expired(deadline)) {
    /* lp_solve sometimes loses accuracy on the cutoff row (status 25) or
     * keeps branching on placements at the cutoff (multi_ilp.c); the whole
     * model without the row has the same optimum, so solve that. */
    sim_error_clear(&ierr);
    cutoff = INFINITY;
    rc = solver__multi_ilp(mp, NULL, opt->formulation, cutoff, opt->mip_gap, deadline, opt->ilp_node_limit, 1, NULL,
                           NULL, &p, &io, &ierr);
  }
  for (size_t m = 0; keep != NULL && m < mp->K; m++) free(keep[m]);
  free(keep);
  res->nodes = io.nodes;
  if (rc == SIM_OK && io.found && isfinite(cutoff) && io.objective >= cutoff * (1 - 1e-9)) {
    /* lp_solve's best is at the cutoff within its feasibility tolerance
     * (its variables may then be those of another node, so they are not
     * used). Only a finished search has thereby found nothing below the
     * incumbent: a stopped one (status timeout) stays a timeout. Treating
     * both alike once reported `optimal` for a search stopped by the time
     * limit, on a run where the sequential baseline was 2e-5 better. */
    io.found = 0;
    if (io.status == SOLVER__ILP_OPTIMAL) io.status = SOLVER__ILP_NONE;
  }
  if (rc == SIM_OK && io.found) {
    if (!solver__multi_feasible(mp, &p)) {
      rc = sim_error_set(&ierr, SIM_ESOLVER,
                         "lp_solve returned a joint placement that breaks a row");
    } else if (!(fabs(io.objective - p.value) <= 1e-6 * fabs(p.value) + 1e-12)) {
      rc = sim_error_set(err, SIM_EINTERNAL,
                         "lp_solve's objective %.17g disagrees with the placement's %.17g",
                         io.objective, p.value);
    } else if (p.value < inc->value) {
      solver__mplace_copy(inc, &p, mp);
    }
  }
  solver__mplace_clear(&p, mp->K);
  if (rc == SIM_ESOLVER && isfinite(inc->value)) {
    res->status = SOLVER_FEASIBLE;
    res->lower_bound = isfinite(lower) ? lower : NAN;
    snprintf(res->diagnosis, sizeof res->diagnosis,
             "no optimality proof: %.300s; the placement is the best incumbent", ierr.msg);
    return SIM_OK;
  }
  if (rc == SIM_ESOLVER) return sim_error_set(err, rc, "%s", ierr.msg);
  if (rc != SIM_OK) return rc;
  switch (io.status) {
  case SOLVER__ILP_OPTIMAL:
  case SOLVER__ILP_NONE:
    if (!isfinite(inc->value)) {
      res->status = SOLVER_INFEASIBLE;
      res->lower_bound = INFINITY;
      snprintf(res->diagnosis, sizeof res->diagnosis,
               "the models do not fit the servers together (storage or utilization; the joint "
               "ILP has no solution)");
      return SIM_OK;
    }
    res->status = SOLVER_OPTIMAL;
    res->proof = SOLVER_PROOF_ILP;
    res->lower_bound = fmin(inc->value, fmax(lower, inc->value * (1 - gap)));
    return SIM_OK;
  case SOLVER__ILP_TIMEOUT:
    goto timeout;
  default:
    return sim_error_set(err, SIM_ESOLVER, "lp_solve failed on the joint ILP");
  }
timeout:
  res->status = SOLVER_TIMEOUT;
  res->lower_bound = isfinite(lower) ? lower : NAN;
  return SIM_OK;
}

int solver_multi_solve(const solver_multi *mi, const solver_multi_options *opt,
                       solver_multi_result *res, sim_error *err) {
  solver_multi_result_init(res);
  const double t0 = solver__now();
  const double deadline = opt->time_limit > 0 ? t0 + opt->time_limit : 0;
  int rc = solver_multi_validate(mi, err);
  if (rc != SIM_OK) return rc;
  if ((unsigned)opt->method >= SOLVER_MULTI_METHOD_COUNT)
    return sim_error_set(err, SIM_EINPUT, "unknown multi-model method %d", (int)opt->method);
  if (opt->formulation != SOLVER_FORM_FLOW && opt->formulation != SOLVER_FORM_PAPER)
    return sim_error_set(err, SIM_EINPUT, "unknown formulation %d", (int)opt->formulation);
  if (!(opt->mip_gap >= 0 && opt->mip_gap < 1))
    return sim_error_set(err, SIM_EINPUT, "mip_gap must be in [0, 1), got %g", opt->mip_gap);
  if ((opt->write_lp || opt->write_mps) && opt->method > SOLVER_MULTI_ILP)
    return sim_error_set(err, SIM_EINPUT, "writing LP or MPS files needs the exact or ilp method");
  solver__multi *mp = solver__multi_alloc(mi, err);
  if (mp == NULL) return err != NULL && err->code ? err->code : SIM_ENOMEM;
  solver__mplace inc;
  if (solver__mplace_init(&inc, mp) != 0 || res_alloc(res, mp->K, mp->M) != 0) {
    solver__multi_free(mp);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  if (opt->method <= SOLVER_MULTI_ILP) rc = run_exact(mp, opt, deadline, &inc, res, err);
  else rc = solver__multi_baseline(mp, opt, deadline, &inc, res, err);
  if (rc == SIM_OK)
    rc = finish(mi, mp, &inc, opt->method != SOLVER_MULTI_INDEPENDENT, res, err);
  res->solve_seconds = solver__now() - t0;
  solver__mplace_clear(&inc, mp->K);
  solver__multi_free(mp);
  return rc;
}
