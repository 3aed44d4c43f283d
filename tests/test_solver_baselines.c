/* test_solver_baselines.c: the baselines and time limits.
 *
 * On the hand-computed instance (tests/solver_hand.h): greedy takes s1@4 for
 * layer 0 (0.5 s, the cheapest), stays on s1 for layer 1 (2.0 s against
 * 4.0 + 2 s on s0), and must move layer 2 to s0 because s1 is full
 * (3.0 + 8 s): T = 0.5 + 2.0 + 8 + 3.0 = 13.5 s. No single server holds the
 * 32 bytes; with 40 bytes on s1 the single baseline is all on s1 at 4.0 s.
 * The cloud (CCS 1000) runs all three at 2·(100·4 + 200·8 + 300·4)/(1000·8)
 * = 0.8 s.
 * On 40 random instances each exact baseline equals exhaustive search over
 * its restricted problem, and greedy and random placements pass the checker
 * and are no better than the optimum. A time limit yields `timeout`, never
 * `optimal`, with a valid placement and gap when one was found. */
#include <gsl/gsl_rng.h>

#include "tests/solver_fixture.h"
#include "tests/solver_hand.h"
#include "tests/tap.h"

/* fixture_options() for m (flow, presolve on) with a time limit, plain
 * flag and seed, solved by fixture_solve_with(). */
static int run(const solver_instance *in, solver_method m, double time_limit, int plain,
               uint64_t seed, solver_result *res) {
  solver_options o = fixture_options(m, SOLVER_FORM_FLOW, plain, 1);
  o.time_limit = time_limit;
  o.seed = seed;
  return fixture_solve_with(in, &o, res);
}

static void hand(void) {
  solver_instance *in = hand_instance(0);
  solver_result res;
  run(in, SOLVER_METHOD_GREEDY, 0, 0, 1, &res);
  ok_int(res.status, SOLVER_FEASIBLE, "hand: greedy finds a placement");
  ok_rel(res.objective, 13.5, 1e-12, "hand: greedy T = 0.5 + 2.0 + 8 + 3.0 = 13.5 s");
  ok(res.placement && res.placement->server[0] == 1 && res.placement->server[1] == 1 &&
         res.placement->server[2] == 0,
     "hand: greedy places (s1, s1, s0)");
  ok_rel(res.lower_bound, 8.5, 1e-12, "hand: greedy reports the instance's bound 8.5 s");
  solver_result_clear(&res);

  run(in, SOLVER_METHOD_SINGLE, 0, 0, 1, &res);
  ok(res.status == SOLVER_INFEASIBLE && strstr(res.diagnosis, "no single edge server"),
     "hand: no single server holds 32 bytes: %s", res.diagnosis);
  solver_result_clear(&res);
  /* Uniform puts every layer at pr = 8 bits: 8, 16 and 24 bytes. Layer 2
   * (24 bytes) fits only on s1 (30; s0 has 20), leaving 6 bytes there, too
   * few for layer 0 (8) or layer 1 (16); both on s0 need 8 + 16 = 24 > 20. */
  run(in, SOLVER_METHOD_UNIFORM, 0, 0, 1, &res);
  ok(res.status == SOLVER_INFEASIBLE && res.diagnosis[0],
     "hand: at 8 bits (8 + 16 + 24 bytes) the layers cannot be packed: %s", res.diagnosis);
  solver_result_clear(&res);
  ok_int(run(in, SOLVER_METHOD_CLOUD, 0, 0, 1, &res), SIM_EINPUT, "hand: cloud without a cloud node is an input error");
  solver_result_clear(&res);

  in->servers[1].storage = 40;
  run(in, SOLVER_METHOD_SINGLE, 0, 0, 1, &res);
  ok(res.status == SOLVER_FEASIBLE, "hand: with 40 bytes s1 holds the model");
  ok_rel(res.objective, 4.0, 1e-12, "hand: single = all on s1 = 0.5 + 2.0 + 1.5 = 4.0 s");
  solver_result_clear(&res);
  solver_instance_free(in);

  in = hand_instance(1);
  run(in, SOLVER_METHOD_CLOUD, 0, 0, 1, &res);
  ok_int(res.status, SOLVER_FEASIBLE, "hand: the cloud baseline places every layer");
  ok_rel(res.objective, 0.8, 1e-12, "hand: cloud T = 0.1 + 0.4 + 0.3 = 0.8 s");
  solver_result_clear(&res);
  solver_instance_free(in);
}

static void random_instances(gsl_rng *r) {
  int distinct_seen = 0;
  for (int k = 0; k < 40; k++) {
    fixture_spec s = fixture_spec_draw(r, 2, 4, 2, 2, 1, 3);
    s.storage_lo = k % 2 ? 1.5 : 4.0, s.storage_hi = k % 2 ? 3.0 : 8.0;
    s.cloud = k % 4 == 0;
    s.roofline = k % 3 == 0;
    solver_instance *in = fixture_random(r, &s);
    const size_t M = in->n_servers, B = in->n_bits;
    const double opt = brute_force(in, -1, -1, 0, NULL, NULL);
    double single = INFINITY;
    for (size_t i = 0; i < M; i++)
      if (!in->servers[i].is_cloud) single = fmin(single, brute_force(in, (int)i, -1, 0, NULL, NULL));
    const double uniform = brute_force(in, -1, (int)B - 1, 0, NULL, NULL);
    solver_result res;

    run(in, SOLVER_METHOD_SINGLE, 0, 0, 1, &res);
    if (isfinite(single)) ok_rel(res.objective, single, 1e-9, "random %d: single equals brute force", k);
    else ok_int(res.status, SOLVER_INFEASIBLE, "random %d: single infeasible like brute force", k);
    solver_result_clear(&res);
    run(in, SOLVER_METHOD_UNIFORM, 0, 0, 1, &res);
    if (isfinite(uniform)) ok_rel(res.objective, uniform, 1e-9, "random %d: uniform equals brute force at %lld bits", k, (long long)in->precision);
    else ok_int(res.status, SOLVER_INFEASIBLE, "random %d: uniform infeasible like brute force", k);
    solver_result_clear(&res);
    if (s.cloud) {
      const double cloud = brute_force(in, (int)M - 1, -1, 0, NULL, NULL);
      run(in, SOLVER_METHOD_CLOUD, 0, 0, 1, &res);
      ok_rel(res.objective, cloud, 1e-9, "random %d: cloud equals brute force on the cloud node", k);
      solver_result_clear(&res);
    }
    for (int m = 0; m < 2; m++) {
      const solver_method meth = m ? SOLVER_METHOD_RANDOM : SOLVER_METHOD_GREEDY;
      run(in, meth, 0, 0, 99, &res);
      if (res.status == SOLVER_FEASIBLE) {
        sim_error err;
        sim_error_clear(&err);
        double t = NAN;
        const int checked = solver_check(in, res.placement, &t, &err) == SIM_OK;
        ok(checked && t >= opt * (1 - 1e-12),
           "random %d: %s placement is feasible and no better than the optimum (%.9g >= %.9g)", k,
           solver_method_name(meth), t, opt);
      } else {
        ok_int(res.status, SOLVER_INFEASIBLE, "random %d: %s either places or reports failure", k,
               solver_method_name(meth));
      }
      solver_result_clear(&res);
    }
    /* Same seed, same placement; other seeds explore. */
    solver_result a, b;
    run(in, SOLVER_METHOD_RANDOM, 0, 0, 5, &a);
    run(in, SOLVER_METHOD_RANDOM, 0, 0, 5, &b);
    ok(a.status == b.status && (a.placement == NULL ||
                                (memcmp(a.placement->server, b.placement->server, s.L * sizeof(int)) == 0 &&
                                 memcmp(a.placement->bits, b.placement->bits, s.L * sizeof(int)) == 0)),
       "random %d: the random baseline is deterministic for a seed", k);
    for (uint64_t seed = 6; seed < 12 && a.placement; seed++) {
      solver_result c;
      run(in, SOLVER_METHOD_RANDOM, 0, 0, seed, &c);
      if (c.placement && memcmp(a.placement->server, c.placement->server, s.L * sizeof(int)) != 0)
        distinct_seen++, seed = 12;
      solver_result_clear(&c);
    }
    solver_result_clear(&a);
    solver_result_clear(&b);
    solver_instance_free(in);
  }
  ok(distinct_seen >= 10, "other seeds give other random placements on %d instances", distinct_seen);
}

/* A random 10-layer, 5-server instance with binding storage and B bit
 * widths, solved by method m without a limit (full) and with a 1 ns limit
 * (lim, plain lp_solve when asked). The caller frees the instance. */
static solver_instance *limited_pair(gsl_rng *r, size_t B, solver_method m, int plain,
                                     solver_result *full, solver_result *lim) {
  fixture_spec s;
  memset(&s, 0, sizeof s);
  s.L = 10, s.M = 5, s.B = B;
  s.storage_lo = 1.1, s.storage_hi = 2.0;
  solver_instance *in = fixture_random(r, &s);
  run(in, m, 0, 0, 1, full);
  run(in, m, 1e-9, plain, 1, lim);
  return in;
}

static void time_limits(gsl_rng *r) {
  int timeouts = 0, with_placement = 0;
  for (int k = 0; k < 12; k++) {
    solver_result full, lim;
    solver_instance *in = limited_pair(r, 2, SOLVER_METHOD_ILP, k % 3 == 0, &full, &lim);
    if (lim.status == SOLVER_OPTIMAL) {
      ok_rel(lim.objective, full.objective, 1e-9, "limit %d: optimal only with a proof (%s)", k,
             solver_proof_name(lim.proof));
    } else {
      timeouts++;
      int good = lim.status == SOLVER_TIMEOUT;
      if (lim.placement != NULL) {
        with_placement++;
        sim_error err;
        sim_error_clear(&err);
        double t;
        good = good && solver_check(in, lim.placement, &t, &err) == SIM_OK &&
               lim.lower_bound <= full.objective * (1 + 1e-9) && lim.gap >= 0 &&
               fabs(lim.gap - (lim.objective - lim.lower_bound) / lim.objective) < 1e-12;
      }
      ok(good, "limit %d (%s): status %s, placement %s, gap %.3g, lower %.9g <= optimum %.9g", k,
         k % 3 == 0 ? "plain" : "accelerated", solver_status_name(lim.status),
         lim.placement ? "valid" : "none", lim.gap, lim.lower_bound, full.objective);
    }
    solver_result_clear(&full);
    solver_result_clear(&lim);
    solver_instance_free(in);
  }
  ok(timeouts >= 4 && with_placement >= 2,
     "a 1 ns limit times out (%d of 12), with the incumbent and its gap (%d)", timeouts,
     with_placement);
}

/* An exact baseline stopped by its limit must say timeout, never feasible:
 * with a 1 ns limit the uniform baseline is either proven before its first
 * deadline check (then it equals the unlimited solve) or reports timeout
 * with a valid placement or none, and a diagnosis with its own gap. */
static void baseline_time_limits(gsl_rng *r) {
  int timeouts = 0, with_placement = 0;
  for (int k = 0; k < 12; k++) {
    solver_result full, lim;
    solver_instance *in = limited_pair(r, 1, SOLVER_METHOD_UNIFORM, 0, &full, &lim);
    if (lim.status != SOLVER_TIMEOUT) {
      ok(lim.status == full.status &&
             (full.status != SOLVER_FEASIBLE || fabs(lim.objective - full.objective) <=
                                                    1e-9 * full.objective),
         "uniform limit %d: %s only when proven (%.12g, unlimited %.12g)", k,
         solver_status_name(lim.status), lim.objective, full.objective);
    } else {
      timeouts++;
      int good = strstr(lim.diagnosis, "time limit stopped the exact solve of the uniform") != NULL;
      if (lim.placement != NULL) {
        with_placement++;
        sim_error err;
        sim_error_clear(&err);
        double t;
        good = good && solver_check(in, lim.placement, &t, &err) == SIM_OK &&
               lim.objective >= full.objective * (1 - 1e-9) &&
               strstr(lim.diagnosis, "within") != NULL;
      }
      ok(good, "uniform limit %d: timeout, placement %s, diagnosis: %s", k,
         lim.placement ? "valid" : "none", lim.diagnosis);
    }
    solver_result_clear(&full);
    solver_result_clear(&lim);
    solver_instance_free(in);
  }
  ok(timeouts >= 4 && with_placement >= 2,
     "uniform under a 1 ns limit reports timeout (%d of 12), with the incumbent (%d)", timeouts,
     with_placement);
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 99);
  hand();
  random_instances(r);
  time_limits(r);
  baseline_time_limits(r);
  gsl_rng_free(r);
  return tap_done();
}
