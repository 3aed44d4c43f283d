/* test_solver_order.c: the best placement for a fixed order of servers
 * under an error budget (solver/order.c) against exhaustive search, on 200
 * tiny random instances (L <= 6, M <= 3, 3 or 4 widths, a budget of
 * 0.25-0.85 of what the cheapest widths spend, loose, binding and tight
 * storage, caps, roofline with an origin).
 *
 * solver__order_dp, for an order drawn at random among the usable servers
 * (all of them, or all but one): the enumeration below lists every
 * placement whose maximal segments lie on servers at increasing positions
 * of the order, with storage and error counted in the same units as the DP
 * (rounded up, the capacities and the budget down; the DP reports its
 * storage unit, the test picks the error unit), and evaluates each with
 * solver__eval, which the DP never calls. The DP's placement must cost the
 * least of them, to 1e-5 relative (its tables are floats: 24-bit
 * significands, one rounding per layer, at most 6 layers, 4e-7 in all),
 * follow the order and keep those units; it must find none exactly when
 * the enumeration finds none (it finds some on 157 instances and none on
 * 43). A planted bug that lets the next segment start at the same position
 * (a server used twice) fails 79 checks; one that charges no storage for a
 * segment's first layer fails 42.
 *
 * solver__order_improve, from the greedy placement: the incumbent after it
 * must be feasible, at least the optimum (brute force over all placements)
 * and at most the greedy; it beats the greedy on 84 instances. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "solver/internal_budget.h"
#include "tests/budget_fixture.h"
#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 200

typedef struct {
  const solver__problem *pb;
  const int *pos;    /* M: the server's position in the order, -1 when not in it */
  double su, eu;     /* units: bytes and error per unit */
  long *room;        /* M: storage units of each server */
  long q_max;        /* error units of the budget */
  long *left;        /* M: storage units left on each server */
  int *srv, *opt;
  double best;
  int n_found;
} order_enum;

static long units_up(double x, double unit) { return (long)ceil(x / unit - 1e-6); }

static void order_dfs(order_enum *e, size_t t, int last_pos, long q_used) {
  const solver__problem *pb = e->pb;
  if (t == pb->L) {
    const double c = solver__eval(pb, e->srv, e->opt);
    if (isfinite(c)) {
      e->n_found++;
      if (c < e->best) e->best = c;
    }
    return;
  }
  for (size_t j = 0; j < pb->M; j++) {
    if (e->pos[j] < 0) continue;
    const int stay = t > 0 && (size_t)e->srv[t - 1] == j;
    if (!stay && e->pos[j] <= last_pos) continue; /* later positions only, each once */
    for (size_t g = pb->opt_begin[t]; g < pb->opt_begin[t + 1]; g++) {
      const long su = units_up(pb->storage[g], e->su);
      const long eu = pb->error[g] > 0 ? units_up(pb->error[g], e->eu) : 0;
      if (su > e->left[j] || q_used + eu > e->q_max) continue;
      e->srv[t] = (int)j, e->opt[t] = (int)g;
      e->left[j] -= su;
      order_dfs(e, t + 1, e->pos[j], q_used + eu);
      e->left[j] += su;
    }
  }
}

/* One order: the DP against the enumeration. */
static int order_ok(const solver__problem *pb, const int *seq, size_t n, double eu_unit,
                    int *found) {
  const size_t L = pb->L, M = pb->M;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  int *pos = malloc(M * sizeof *pos);
  long *room = calloc(M, sizeof *room), *left = calloc(M, sizeof *left);
  int *esrv = malloc(L * sizeof *esrv), *eopt = malloc(L * sizeof *eopt);
  if (!srv || !opt || !pos || !room || !left || !esrv || !eopt) abort();
  double su_unit = 0;
  const int rc = solver__order_dp(pb, seq, n, eu_unit, srv, opt, &su_unit);
  int good = rc >= 0;
  *found = rc == 1;
  if (good && su_unit > 0) {
    double whole = 0;
    for (size_t l = 0; l < L; l++) {
      double w = 0;
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) w = fmax(w, pb->storage[g]);
      whole += w;
    }
    for (size_t j = 0; j < M; j++) pos[j] = -1;
    for (size_t p = 0; p < n; p++) pos[seq[p]] = (int)p;
    for (size_t j = 0; j < M; j++) {
      const double c = fmin(pb->capacity[j] * (1 + 1e-9), whole * (1 + 1e-9));
      room[j] = pb->usable[j] ? (long)floor(c / su_unit + 1e-6) : 0;
      left[j] = room[j];
    }
    order_enum e = {pb, pos, su_unit, eu_unit, room, (long)floor(pb->budget * (1 + 1e-9) / eu_unit + 1e-6),
                    left, esrv, eopt, INFINITY, 0};
    order_dfs(&e, 0, -1, 0);
    if (rc == 1) {
      const double c = solver__eval(pb, srv, opt);
      /* The DP's placement follows the order and keeps the units. */
      for (size_t j = 0; j < M; j++) left[j] = room[j];
      long q = 0;
      int last = -1, follows = 1;
      for (size_t t = 0; t < L; t++) {
        const size_t j = (size_t)srv[t];
        const int stay = t > 0 && srv[t - 1] == srv[t];
        if (pos[j] < 0 || (!stay && pos[j] <= last)) follows = 0;
        if (pos[j] >= 0) last = pos[j];
        left[j] -= units_up(pb->storage[opt[t]], su_unit);
        q += pb->error[opt[t]] > 0 ? units_up(pb->error[opt[t]], eu_unit) : 0;
        if (left[j] < 0) follows = 0;
      }
      if (q > e.q_max) follows = 0;
      if (!follows || !(fabs(c - e.best) <= 1e-5 * e.best)) {
        diag("  order DP %.12g (follows and keeps the units: %d), enumeration %.12g over %d", c,
             follows, e.best, e.n_found);
        good = 0;
      }
    } else if (e.n_found > 0) {
      diag("  order DP found none, enumeration %d placements (best %.12g)", e.n_found, e.best);
      good = 0;
    }
  }
  free(srv), free(opt), free(pos), free(room), free(left), free(esrv), free(eopt);
  return good;
}

static int improve_ok(const solver__problem *pb, double eu_unit, double want, int *helps) {
  const size_t L = pb->L;
  int *srv = malloc(L * sizeof *srv), *opt = malloc(L * sizeof *opt);
  solver__incumbent inc;
  if (srv == NULL || opt == NULL || solver__incumbent_init(&inc, L)) abort();
  int good = 1;
  *helps = 0;
  if (isfinite(want) && solver__greedy(pb, srv, opt) && solver__incumbent_offer(&inc, pb, srv, opt)) {
    const double greedy = inc.value;
    if (solver__order_improve(pb, &inc, eu_unit, INFINITY) < 0) good = 0;
    good = good && solver__feasible(pb, inc.srv, inc.opt) && inc.value >= want * (1 - 1e-9) &&
           inc.value <= greedy;
    if (!good) diag("  improved %.12g, greedy %.12g, optimum %.12g", inc.value, greedy, want);
    *helps = inc.value < greedy * (1 - 1e-12);
  }
  solver__incumbent_clear(&inc);
  free(srv), free(opt);
  return good;
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261205);
  int found_total = 0, none_total = 0, helps_total = 0;
  for (int k = 0; k < INSTANCES; k++) {
    solver_instance *in = budget_instance(r, k);
    const size_t L = in->n_layers, B = in->n_bits, M = in->n_servers;
    const double want = brute_force(in, -1, -1, 0, NULL, NULL);
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    /* A random order of the usable servers, sometimes one left out. */
    int seq[8];
    size_t n = 0;
    for (size_t j = 0; j < M; j++)
      if (pb->usable[j]) seq[n++] = (int)j;
    gsl_ran_shuffle(r, seq, n, sizeof *seq);
    if (n > 1 && gsl_rng_uniform(r) < 0.3) n--;
    const double eu_unit = pb->budget / (double)(8 + gsl_rng_uniform_int(r, 57));
    int found = 0;
    ok(order_ok(pb, seq, n, eu_unit, &found),
       "instance %d (L=%zu M=%zu B=%zu, order of %zu): order DP equals the enumeration of "
       "placements that follow the order",
       k, L, M, B, n);
    found_total += found, none_total += !found;
    int helps = 0;
    ok(improve_ok(pb, eu_unit, want, &helps),
       "instance %d: order incumbents feasible, >= optimum %.12g and <= greedy", k, want);
    helps_total += helps;
    solver__problem_free(pb);
    solver_instance_free(in);
  }
  ok(found_total >= 100, "the order DP placed at least 100 instances (%d)", found_total);
  ok(none_total >= 5, "and found none on at least 5, checked against the enumeration (%d)",
     none_total);
  ok(helps_total >= 10, "order incumbents beat the greedy on at least 10 instances (%d)",
     helps_total);
  gsl_rng_free(r);
  return tap_done();
}
