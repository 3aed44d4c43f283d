/* multi_lagrange.c: the Lagrangian decomposition of the multi-model
 * problem, and the incumbents built from single-model solves.
 *
 * Bound. Move the shared rows into the objective with multipliers μ_i >= 0
 * (storage, per fraction of κ_i) and ν_i >= 0 (utilization, per fraction of
 * the cap). For `sum` the objective is Σ_m c_m·T_m with c_m = weight_m; for
 * `max`, max_m T_m >= Σ_m π_m·T_m for any π in the simplex, so c_m = π_m.
 * Then for any feasible joint placement
 *   obj >= Σ_m [c_m·T_m + Σ_i μ_i·s_m(i)/κ_i + ν_i·rate_m·busy_m(i)/u]
 *          - Σ_i (μ_i + ν_i)
 * because each bracketed penalty sum is at most Σ_i (μ_i + ν_i) when the
 * rows hold. The right side separates by model; each model's minimum over
 * its own feasible placements (storage of the model alone <= κ_i, which the
 * joint placement also meets) is a single-model problem whose option g on
 * server i costs cp(g, i)·(1 + ν_i·rate_m/(c_m·u)) + μ_i·s(g)/(κ_i·c_m) after
 * division by c_m > 0. The existing exact solver (solver__exact) solves it
 * and returns a proven lower bound on it, so
 *   bound(μ, ν, π) = Σ_m c_m·lower_m - Σ_i (μ_i + ν_i)
 * is a valid lower bound for every multiplier value, solved exactly or not.
 * The multipliers follow projected subgradient steps (Polyak's step for
 * μ, ν; an exponentiated step for π).
 *
 * Incumbents. The subproblems' placements together are offered as they
 * are; every few iterations they are repaired by placing the models one at
 * a time, each solved exactly on the storage the earlier ones leave
 * (solver__multi_fit), with the current utilization prices steering it
 * away from busy servers; then each model is re-fitted in turn on what the
 * others leave while that improves the objective (solver__multi_improve). */
#include "solver/internal_multi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Gap of the single-model solves inside the decomposition. */
#define SUB_GAP 1e-9
/* Attempts of solver__multi_fit before it gives up on a model. */
#define FIT_ATTEMPTS 5
/* Iterations between two repairs of the subproblem placements. */
#define REPAIR_EVERY 5
/* Iterations without a better bound before θ is halved. */
#define STALL 4
#define THETA_MIN 1e-3
/* Smallest share of π per model, so no subproblem loses its objective. */
#define PI_FLOOR 1e-3

/* Model m's subproblem with its own utilization row in place of its own
 * storage row: a second relaxation of the subproblem that keeps both rows
 * (the joint placement meets both for every model), so the larger of the
 * two lower bounds is valid. The single-model solver handles one knapsack
 * per server, sizes per option over capacities per server; utilization has
 * that form when the compute time separates as cp(g, i) = k_g / CCS_i (the
 * `paper` cost model, and the roofline when arithmetic binds): option g
 * then uses rate·k_g of the capacity u·CCS_i. Returns NULL when the rate is
 * 0, compute does not separate (to 1e-12 relative), or memory runs out. */
static solver__problem *utilization_sub(const solver__multi *mp, size_t m, const double *scale,
                                        const double *per_byte) {
  const solver__problem *pb = mp->pb[m];
  const solver_instance *in = pb->in;
  const double rate = mp->mi->rate[m];
  if (!(rate > 0)) return NULL;
  for (size_t g = 0; g < pb->n_opt; g++) {
    const double k = solver__cp(pb, g, 0) * in->servers[0].ccs;
    for (size_t i = 1; i < pb->M; i++)
      if (!(fabs(solver__cp(pb, g, i) * in->servers[i].ccs - k) <= 1e-12 * k)) return NULL;
  }
  solver__problem *c = solver__problem_penalized(pb, scale, per_byte, NULL, NULL);
  if (c == NULL) return NULL;
  for (size_t g = 0; g < pb->n_opt; g++) c->storage[g] = rate * solver__cp(pb, g, 0) * in->servers[0].ccs;
  for (size_t i = 0; i < pb->M; i++) c->capacity[i] = mp->umax * in->servers[i].ccs;
  for (size_t l = 0; l < pb->L; l++) {
    c->smin[l] = INFINITY;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      if (c->storage[g] < c->smin[l]) c->smin[l] = c->storage[g];
  }
  return c;
}

/* Solves pb exactly into srv/opt; returns the exact solver's outcome. */
static int sub_solve(const solver__problem *pb, double deadline, int *srv, int *opt, double *value,
                     solver__exact_out *eo, sim_error *err) {
  solver_options o;
  memset(&o, 0, sizeof o);
  o.method = SOLVER_METHOD_ILP;
  o.formulation = SOLVER_FORM_FLOW;
  o.mip_gap = SUB_GAP;
  o.presolve = 1;
  solver__incumbent inc;
  if (solver__incumbent_init(&inc, pb->L) != 0) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  const int rc = solver__exact(pb, &o, deadline, &inc, eo, err);
  *value = inc.value;
  if (rc == SIM_OK && isfinite(inc.value)) {
    memcpy(srv, inc.srv, pb->L * sizeof *srv);
    memcpy(opt, inc.opt, pb->L * sizeof *opt);
  }
  solver__incumbent_clear(&inc);
  return rc;
}

double solver__multi_fit(const solver__multi *mp, size_t m, const double *cap_left,
                         const double *util_left, const double *rho, double deadline, int *srv,
                         int *opt) {
  const solver__problem *pb = mp->pb[m];
  const size_t M = mp->M;
  const double rate = mp->mi->rate[m];
  const double c = mp->max_obj ? 1.0 : mp->mi->weight[m];
  double price[M], scale[M], cap[M], util[M];
  unsigned char usable[M];
  for (size_t i = 0; i < M; i++) {
    price[i] = rho != NULL ? rho[i] : 0;
    cap[i] = cap_left[i] > 0 ? cap_left[i] : 0;
    usable[i] = cap_left[i] > 0 && (rate == 0 || util_left[i] > 0);
  }
  for (int a = 0; a < FIT_ATTEMPTS; a++) {
    for (size_t i = 0; i < M; i++) scale[i] = 1 + price[i] * rate / (c * mp->umax);
    solver__problem *sub = solver__problem_penalized(pb, scale, NULL, cap, usable);
    if (sub == NULL) return INFINITY;
    solver__exact_out eo;
    sim_error e;
    sim_error_clear(&e);
    double v = INFINITY;
    const int rc = sub_solve(sub, deadline, srv, opt, &v, &eo, &e);
    solver__problem_free(sub);
    if (rc != SIM_OK || !isfinite(v)) return INFINITY;
    for (size_t i = 0; i < M; i++) util[i] = 0;
    solver__multi_add(mp, m, srv, opt, NULL, util);
    int over = 0;
    for (size_t i = 0; i < M; i++)
      if (util[i] > util_left[i] * (1 + 1e-9) && util[i] > 0) {
        over = 1;
        /* Price the server out: double its price, at least doubling its
         * compute cost; before the last attempt, forbid it. */
        price[i] = fmax(2 * price[i], c * mp->umax / rate);
        if (a == FIT_ATTEMPTS - 2) usable[i] = 0;
      }
    if (!over) return solver__eval(pb, srv, opt);
    if (solver__expired(deadline)) break;
  }
  return INFINITY;
}

/* What every model but `skip` uses (skip = K: all), from p. */
static void usage_without(const solver__multi *mp, const solver__mplace *p, size_t skip,
                          const unsigned char *placed, double *cap_left, double *util_left) {
  for (size_t i = 0; i < mp->M; i++) cap_left[i] = util_left[i] = 0;
  for (size_t k = 0; k < mp->K; k++)
    if (k != skip && (placed == NULL || placed[k]))
      solver__multi_add(mp, k, p->srv[k], p->opt[k], cap_left, util_left);
  for (size_t i = 0; i < mp->M; i++) {
    cap_left[i] = mp->capacity[i] * (1 + 1e-12) - cap_left[i];
    util_left[i] = mp->umax * (1 + 1e-12) - util_left[i];
  }
}

int solver__multi_sequential(const solver__multi *mp, const size_t *order, const double *rho,
                             solver__mplace *inc, double deadline) {
  const size_t K = mp->K, M = mp->M;
  solver__mplace p;
  if (solver__mplace_init(&p, mp) != 0) return 0;
  unsigned char placed[K];
  double cap[M], util[M];
  memset(placed, 0, K);
  int ok = 1;
  for (size_t k = 0; k < K && ok; k++) {
    const size_t m = order[k];
    usage_without(mp, &p, K, placed, cap, util);
    ok = isfinite(solver__multi_fit(mp, m, cap, util, rho, deadline, p.srv[m], p.opt[m]));
    placed[m] = 1;
  }
  if (ok) ok = solver__multi_feasible(mp, &p);
  if (ok && p.value < inc->value) solver__mplace_copy(inc, &p, mp);
  solver__mplace_clear(&p, K);
  return ok;
}

void solver__multi_improve(const solver__multi *mp, solver__mplace *inc, double deadline) {
  const size_t K = mp->K, M = mp->M;
  if (!isfinite(inc->value)) return;
  solver__mplace p;
  if (solver__mplace_init(&p, mp) != 0) return;
  double cap[M], util[M];
  for (int pass = 0, better = 1; pass < 3 && better && !solver__expired(deadline); pass++) {
    better = 0;
    for (size_t m = 0; m < K && !solver__expired(deadline); m++) {
      solver__mplace_copy(&p, inc, mp);
      usage_without(mp, inc, m, NULL, cap, util);
      if (!isfinite(solver__multi_fit(mp, m, cap, util, NULL, deadline, p.srv[m], p.opt[m])))
        continue;
      if (!solver__multi_feasible(mp, &p)) continue;
      /* Under `max` a faster model that is not the slowest leaves the value
       * as it is but makes room; take it when the value does not grow. */
      const int gain = p.value < inc->value * (1 - 1e-12) ||
                       (p.value <= inc->value && p.T[m] < inc->T[m] * (1 - 1e-12));
      if (gain) {
        solver__mplace_copy(inc, &p, mp);
        better = 1;
      }
    }
  }
  solver__mplace_clear(&p, K);
}

/* Repairs the subproblems' placements into joint incumbents: the models in
 * decreasing order of c_m·T_m (the most expensive chooses first), then in
 * the reverse order, each followed by the improvement pass. */
static void repair(const solver__multi *mp, const solver__mplace *subs, const double *coef,
                   const double *rho, solver__mplace *inc, double deadline) {
  const size_t K = mp->K;
  size_t order[K];
  for (size_t m = 0; m < K; m++) order[m] = m;
  for (size_t a = 1; a < K; a++)
    for (size_t b = a; b > 0; b--) {
      const size_t x = order[b - 1], y = order[b];
      if (!(coef[y] * subs->T[y] > coef[x] * subs->T[x])) break;
      order[b - 1] = y, order[b] = x;
    }
  solver__multi_sequential(mp, order, rho, inc, deadline);
  for (size_t a = 0; a < K / 2; a++) {
    const size_t t = order[a];
    order[a] = order[K - 1 - a], order[K - 1 - a] = t;
  }
  solver__multi_sequential(mp, order, rho, inc, deadline);
  solver__multi_improve(mp, inc, deadline);
  /* Segment moves on top: they move parts of several models at once,
   * which re-fitting one whole model at a time cannot. */
  solver__mplace cand;
  if (isfinite(inc->value) && solver__mplace_init(&cand, mp) == 0) {
    solver__mplace_copy(&cand, inc, mp);
    if (solver__multi_local(mp, &cand, deadline) && cand.value < inc->value)
      solver__mplace_copy(inc, &cand, mp);
    solver__mplace_clear(&cand, K);
  }
}

int solver__multi_lagrange(const solver__multi *mp, int max_iter, double gap, double deadline,
                           solver__mplace *inc, solver__mlag_out *out, sim_error *err) {
  const size_t K = mp->K, M = mp->M;
  double mu[M], nu[M], gs[M], gu[M], scale[M], per_byte[M], used[M], util[M];
  double coef[K], lower[K];
  solver__mplace subs;
  out->bound = -INFINITY;
  out->infeasible = 0;
  out->iterations = 0;
  for (size_t m = 0; m < K; m++) out->solo[m] = out->solo_lower[m] = NAN;
  size_t maxL = 1;
  for (size_t m = 0; m < K; m++) maxL = mp->pb[m]->L > maxL ? mp->pb[m]->L : maxL;
  int *scratch_srv = malloc(maxL * sizeof *scratch_srv), *scratch_opt = malloc(maxL * sizeof *scratch_opt);
  if (scratch_srv == NULL || scratch_opt == NULL || solver__mplace_init(&subs, mp) != 0) {
    free(scratch_srv), free(scratch_opt);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < M; i++) mu[i] = nu[i] = 0;
  for (size_t m = 0; m < K; m++) coef[m] = mp->max_obj ? 1.0 / (double)K : mp->mi->weight[m];
  double theta = 1.0;
  int stall = 0, rc = SIM_OK;
  for (int it = 0; it < max_iter && !solver__expired(deadline); it++) {
    /* The K subproblems at the current multipliers. */
    int complete = 1;
    for (size_t m = 0; m < K && rc == SIM_OK; m++) {
      for (size_t i = 0; i < M; i++) {
        scale[i] = 1 + nu[i] * mp->mi->rate[m] / (coef[m] * mp->umax);
        per_byte[i] = mu[i] / (mp->capacity[i] * coef[m]);
      }
      solver__problem *sub = solver__problem_penalized(mp->pb[m], scale, per_byte, NULL, NULL);
      if (sub == NULL) {
        rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
        break;
      }
      solver__exact_out eo;
      double v = INFINITY;
      rc = sub_solve(sub, deadline, subs.srv[m], subs.opt[m], &v, &eo, err);
      solver__problem_free(sub);
      if (rc != SIM_OK) break;
      if (eo.status == SOLVER_INFEASIBLE) {
        /* Penalties change no model's own feasibility: this model does not
         * fit the servers even alone, so neither do the models together. */
        out->infeasible = 1;
        out->solo[m] = INFINITY;
        out->bound = INFINITY;
        goto done;
      }
      lower[m] = eo.lower;
      solver__problem *alt = utilization_sub(mp, m, scale, per_byte);
      if (alt != NULL) {
        solver__exact_out ea;
        double va = INFINITY;
        rc = sub_solve(alt, deadline, scratch_srv, scratch_opt, &va, &ea, err);
        solver__problem_free(alt);
        if (rc != SIM_OK) break;
        if (ea.status == SOLVER_INFEASIBLE) {
          /* The model alone overloads the servers: no joint placement. */
          out->infeasible = 1;
          out->solo[m] = INFINITY;
          out->bound = INFINITY;
          goto done;
        }
        if (ea.lower > lower[m]) lower[m] = ea.lower;
      }
      if (!isfinite(v)) complete = 0;
      else subs.T[m] = solver__eval(mp->pb[m], subs.srv[m], subs.opt[m]);
      if (it == 0) {
        /* No penalties yet: each model's own optimum (storage alone), and a
         * bound on its time in any joint placement. */
        out->solo[m] = v;
        out->solo_lower[m] = lower[m];
      }
    }
    if (rc != SIM_OK) break;
    out->iterations = it + 1;
    double bound = 0;
    for (size_t m = 0; m < K; m++) bound += coef[m] * lower[m];
    for (size_t i = 0; i < M; i++) bound -= mu[i] + nu[i];
    if (mp->max_obj)
      for (size_t m = 0; m < K; m++) bound = fmax(bound, out->solo_lower[m]);
    if (bound > out->bound * (1 + 1e-9) || !isfinite(out->bound)) stall = 0;
    else if (++stall >= STALL) theta /= 2, stall = 0;
    if (bound > out->bound) {
      out->bound = bound;
      memcpy(out->mu, mu, M * sizeof *mu);
      memcpy(out->nu, nu, M * sizeof *nu);
      memcpy(out->coef, coef, K * sizeof *coef);
      memcpy(out->lower, lower, K * sizeof *lower);
    }
    if (!complete) break; /* the deadline stopped a subproblem */
    /* Incumbents: the subproblems' placements as they are, then repaired. */
    solver__mplace cand;
    if (solver__mplace_init(&cand, mp) == 0) {
      solver__mplace_copy(&cand, &subs, mp);
      if (solver__multi_feasible(mp, &cand) && cand.value < inc->value)
        solver__mplace_copy(inc, &cand, mp);
      /* The union repaired by moving segments off the overloaded servers:
       * every iteration until there is an incumbent, then with the
       * sequential repair (the search costs O(K·L·M) moves per step). */
      solver__mplace_copy(&cand, &subs, mp);
      if ((!isfinite(inc->value) || it % REPAIR_EVERY == 0) &&
          solver__multi_local(mp, &cand, deadline) && cand.value < inc->value)
        solver__mplace_copy(inc, &cand, mp);
      solver__mplace_clear(&cand, K);
    }
    if (it % REPAIR_EVERY == 0) repair(mp, &subs, coef, nu, inc, deadline);
    if (isfinite(inc->value) && inc->value - out->bound <= gap * inc->value) break;
    if (theta < THETA_MIN) break;
    /* Subgradients of the relaxed rows at the subproblems' placements. */
    for (size_t i = 0; i < M; i++) used[i] = util[i] = 0;
    for (size_t m = 0; m < K; m++) solver__multi_add(mp, m, subs.srv[m], subs.opt[m], used, util);
    double norm = 0;
    for (size_t i = 0; i < M; i++) {
      gs[i] = used[i] / mp->capacity[i] - 1;
      gu[i] = util[i] / mp->umax - 1;
      if (mu[i] <= 0 && gs[i] < 0) gs[i] = 0;
      if (nu[i] <= 0 && gu[i] < 0) gu[i] = 0;
      norm += gs[i] * gs[i] + gu[i] * gu[i];
    }
    const double target =
        isfinite(inc->value) ? inc->value : bound + 0.05 * fabs(bound) + 1e-12;
    if (norm > 0) {
      const double step = theta * (target - bound) / norm;
      for (size_t i = 0; i < M; i++) {
        mu[i] = fmax(0.0, mu[i] + step * gs[i]);
        nu[i] = fmax(0.0, nu[i] + step * gu[i]);
      }
    }
    if (mp->max_obj) {
      /* π moves toward the slower models: an exponentiated step on the
       * subgradient T_m, normalized, with a floor. */
      double mean = 0, sum = 0;
      for (size_t m = 0; m < K; m++) mean += subs.T[m] / (double)K;
      for (size_t m = 0; m < K; m++) {
        coef[m] *= exp(theta * (subs.T[m] / mean - 1));
        sum += coef[m];
      }
      double sum2 = 0;
      for (size_t m = 0; m < K; m++) sum2 += coef[m] = fmax(coef[m] / sum, PI_FLOOR / (double)K);
      for (size_t m = 0; m < K; m++) coef[m] /= sum2;
    } else if (norm <= 0) {
      break; /* the subproblems' placements fit together: no step helps */
    }
  }
done:
  free(scratch_srv), free(scratch_opt);
  solver__mplace_clear(&subs, K);
  return rc;
}

/* Segment-relaxation bounds lb_x (L x M) of sub on placements that use
 * (l, i); entries stay as they are when the relaxation has no solution.
 * Returns 0, or -1 without memory. */
static int segment_lb_x(const solver__problem *sub, double *lb_x, double *lb) {
  const size_t L = sub->L, M = sub->M, NM = (L > 1 ? sub->opt_begin[L - 1] : 0) * M * M;
  solver__segdp *sd = solver__segdp_alloc(sub);
  double *lb_stay = malloc(L * M * sizeof *lb_stay), *lb_move = malloc((NM ? NM : 1) * sizeof *lb_move);
  int rc = sd != NULL && lb_stay != NULL && lb_move != NULL ? 0 : -1;
  if (rc == 0 && isfinite(solver__segdp_solve(sd, NULL, NULL, NULL))) {
    solver__segdp_bounds(sd, lb_x, lb_stay, lb_move);
    for (size_t k = 0; k < L * M; k++) lb[k] = fmax(lb[k], lb_x[k]);
  }
  solver__segdp_free(sd), free(lb_stay), free(lb_move);
  return rc;
}

long solver__multi_fixing(const solver__multi *mp, const solver__mlag_out *lo, double limit,
                          unsigned char **keep) {
  const size_t K = mp->K, M = mp->M;
  double scale[M], per_byte[M], pen = 0, rest = 0;
  for (size_t i = 0; i < M; i++) pen += lo->mu[i] + lo->nu[i];
  for (size_t m = 0; m < K; m++) rest += lo->coef[m] * lo->lower[m];
  long fixed = 0;
  for (size_t m = 0; m < K; m++) {
    const solver__problem *pb = mp->pb[m];
    const size_t L = pb->L;
    for (size_t k = 0; k < L * M; k++) keep[m][k] = 1;
    for (size_t i = 0; i < M; i++) {
      scale[i] = 1 + lo->nu[i] * mp->mi->rate[m] / (lo->coef[m] * mp->umax);
      per_byte[i] = lo->mu[i] / (mp->capacity[i] * lo->coef[m]);
    }
    /* Both relaxations of model m's subproblem (own storage, own
     * utilization) bound it; the larger bound per (l, i) is valid. */
    solver__problem *sub = solver__problem_penalized(pb, scale, per_byte, NULL, NULL);
    solver__problem *alt = utilization_sub(mp, m, scale, per_byte);
    double *lb_x = malloc(L * M * sizeof *lb_x), *lb = malloc(L * M * sizeof *lb);
    int rc = sub != NULL && lb_x != NULL && lb != NULL ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < L * M; k++) lb[k] = -INFINITY;
    if (rc == 0) rc = segment_lb_x(sub, lb_x, lb);
    if (rc == 0 && alt != NULL) rc = segment_lb_x(alt, lb_x, lb);
    solver__problem_free(sub), solver__problem_free(alt), free(lb_x);
    if (rc != 0) {
      free(lb);
      return -1;
    }
    /* The bound of the other models stays; model m's part is bounded
     * below by its relaxations restricted to (l, i). */
    const double others = rest - lo->coef[m] * lo->lower[m] - pen;
    for (size_t k = 0; k < L * M; k++)
      if (others + lo->coef[m] * lb[k] >= limit) keep[m][k] = 0, fixed++;
    free(lb);
  }
  return fixed;
}
