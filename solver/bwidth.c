/* bwidth.c: incumbents under an error budget that alternate between the
 * widths and the placement.
 *
 * Why it exists: on long chains (OPT-350m at `linear` granularity, 149
 * layers) the local search of heuristic.c cannot trade error between
 * layers (narrowing one layer breaks a binding budget, widening one costs
 * more, and it changes one layer at a time), so the incumbent keeps the
 * widths its relaxation path was repaired to, and the budget search, 149
 * layers deep, rarely reaches a better leaf: its placements stayed 10-25 %
 * above the bound. Two steps that each solve one half exactly:
 *
 *   - the widths fixed, the placement: with one width per layer the
 *     problem is a per-layer one (no budget left to keep), which the
 *     segment search solves exactly in milliseconds (solver__exact on a
 *     copy of the instance that allows only those widths);
 *   - the servers fixed, the widths: the cost then separates by layer
 *     (compute of layer l at its width on its server, plus the transfer
 *     out of it, which depends on its own width only), so the budget is
 *     the one coupling row; relaxing it with a multiplier mu and choosing
 *     the cheapest width per layer at cost + mu·err is exact for the
 *     multiplier found by bisection, up to the integrality of one layer.
 *     Storage may then break; the repair of heuristic.c restores it.
 *
 * Each result is offered to the incumbent (which checks feasibility), so
 * nothing here can make a placement wrong; it only finds better ones. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rounds of the alternation, and the share of the time left one exact
 * placement solve may take (at most BWIDTH_SOLVE_MAX seconds). */
#define BWIDTH_ROUNDS 4
#define BWIDTH_SHARE 0.1
#define BWIDTH_SOLVE_MAX 2.0

/* The placement for the widths of `opt` (they must keep the budget),
 * solved exactly with those widths fixed; into srv/out_opt (options of pb).
 * `seed` (the servers of a placement with those widths, or NULL) is the
 * solve's first incumbent. Returns 1 if a placement was found, 0 if not,
 * -1 without memory. */
static int place_widths(const solver__problem *pb, const int *opt, const int *seed,
                        double deadline, int *srv, int *out_opt) {
  const solver_instance *in = pb->in;
  const size_t L = pb->L, B = in->n_bits;
  solver_instance sub = *in;
  unsigned char *allowed = calloc(L * B, 1);
  if (allowed == NULL) return -1;
  for (size_t l = 0; l < L; l++) allowed[l * B + (size_t)pb->opt_bits[opt[l]]] = 1;
  sub.allowed = allowed;
  sub.accuracy = SIM_ACC_PER_LAYER;
  solver__restrict r;
  solver__restrict_init(&r);
  sim_error err;
  sim_error_clear(&err);
  int found = 0;
  solver__problem *sp = solver__problem_alloc(&sub, &r, &err);
  solver__incumbent inc = {NULL, NULL, INFINITY};
  if (sp == NULL || solver__incumbent_init(&inc, L) != 0) {
    found = -1;
    goto done;
  }
  /* The same servers as pb may use (a baseline's restriction). */
  memcpy(sp->usable, pb->usable, pb->M * sizeof *sp->usable);
  /* The incumbent's placement is one with these widths: offered first, it
   * gives the bounds' steps their target and the search its limit from
   * the start (it is kept only if feasible here). */
  for (size_t l = 0; seed != NULL && l < L; l++) {
    srv[l] = seed[l];
    out_opt[l] = -1;
    for (size_t g = sp->opt_begin[l]; g < sp->opt_begin[l + 1]; g++)
      if (sp->opt_bits[g] == pb->opt_bits[opt[l]]) out_opt[l] = (int)g;
    if (out_opt[l] < 0) seed = NULL;
  }
  if (seed != NULL) solver__incumbent_offer(&inc, sp, srv, out_opt);
  solver_options o;
  memset(&o, 0, sizeof o);
  o.method = SOLVER_METHOD_ILP;
  o.formulation = SOLVER_FORM_FLOW;
  o.mip_gap = 1e-9;
  o.search_budget = 0; /* the search keeps the (short) time: never lp_solve */
  solver__exact_out eo;
  if (solver__exact(sp, &o, deadline, &inc, &eo, &err) != SIM_OK) {
    found = -1;
    goto done;
  }
  if (isfinite(inc.value)) {
    /* Back to pb's options: the one of the same width. */
    found = 1;
    for (size_t l = 0; l < L && found; l++) {
      const int bits = sp->opt_bits[inc.opt[l]];
      srv[l] = inc.srv[l];
      out_opt[l] = -1;
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        if (pb->opt_bits[g] == bits) out_opt[l] = (int)g;
      found = out_opt[l] >= 0;
    }
  }
done:
  solver__incumbent_clear(&inc);
  solver__problem_free(sp);
  free(allowed);
  return found;
}

/* Layer l's cost at option g on server srv[l], with the transfer out of it
 * (the only term of the objective its width changes). */
static double layer_cost(const solver__problem *pb, const int *srv, size_t l, size_t g) {
  double c = solver__cost_x(pb, l, g, (size_t)srv[l]);
  if (l + 1 < pb->L) c += solver__cm(pb, g, (size_t)srv[l], (size_t)srv[l + 1]);
  return c;
}

/* Per layer the cheapest option at cost + mu·err (mu in s per unit of
 * error) for the servers srv, into opt; returns the error spent. */
static double pick(const solver__problem *pb, const int *srv, double mu, int *opt) {
  double e = 0;
  for (size_t l = 0; l < pb->L; l++) {
    double best = INFINITY;
    size_t bg = pb->opt_begin[l];
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) {
      const double v = layer_cost(pb, srv, l, g) + mu * pb->error[g];
      if (v < best) best = v, bg = g;
    }
    opt[l] = (int)bg;
    e += pb->error[bg];
  }
  return e;
}

/* The widths for the servers srv: pick() at the least multiplier (found by
 * bisection, 60 steps) whose choice keeps the budget. Into opt; returns 0
 * if no multiplier up to 4^60 times the first does. */
static int choose_widths(const solver__problem *pb, const int *srv, int *opt) {
  const double limit = pb->budget * (1 + 1e-9);
  if (pick(pb, srv, 0.0, opt) <= limit) return 1;
  double lo = 0, hi = 1.0 / limit;
  for (int k = 0; pick(pb, srv, hi, opt) > limit; k++) {
    if (k == 60) return 0;
    lo = hi, hi *= 4;
  }
  for (int step = 0; step < 60; step++) {
    const double mu = 0.5 * (lo + hi);
    if (pick(pb, srv, mu, opt) <= limit) hi = mu;
    else lo = mu;
  }
  pick(pb, srv, hi, opt);
  return 1;
}

int solver__alternate_widths(const solver__problem *pb, solver__incumbent *inc, double deadline) {
  const size_t L = pb->L;
  if (!pb->has_budget || !(pb->budget > 0) || !isfinite(inc->value)) return 0;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  int *solved = malloc(L * sizeof *solved); /* the widths last placed exactly */
  int rc = 0, have = 0;
  if (srv == NULL || opt == NULL || solved == NULL) {
    rc = -1;
    goto done;
  }
  for (int round = 0; round < BWIDTH_ROUNDS && !solver__expired(deadline); round++) {
    const double before = inc->value;
    /* The placement for the incumbent's widths, unless they are the ones
     * placed exactly last round: the incumbent then costs no more than
     * that optimum, so the solve could not improve it (on bench-budget
     * M = 24-48, runs 0-19, a third of the later rounds had such widths). */
    if (!have || memcmp(solved, inc->opt, L * sizeof *solved) != 0) {
      double left = deadline > 0 ? deadline - solver__now() : INFINITY;
      double cap = fmin(BWIDTH_SOLVE_MAX, BWIDTH_SHARE * left);
      memcpy(solved, inc->opt, L * sizeof *solved);
      have = 1;
      const int f = place_widths(pb, inc->opt, inc->srv, solver__now() + cap, srv, opt);
      if (f < 0) {
        rc = -1;
        break;
      }
      if (f > 0 && solver__incumbent_offer(inc, pb, srv, opt)) solver__local_search(pb, inc, deadline);
    }
    /* The widths for the incumbent's servers, repaired to storage. */
    memcpy(srv, inc->srv, L * sizeof *srv);
    if (choose_widths(pb, srv, opt) && !solver__incumbent_offer(inc, pb, srv, opt))
      solver__repair(pb, inc, srv, opt, deadline);
    if (!(inc->value < before * (1 - 1e-12))) break;
  }
done:
  free(srv), free(opt), free(solved);
  return rc;
}
