/* test_serve_multi.c: several models' request streams on shared servers.
 *
 *  - replay: each model's single request alone takes its analytic T (and
 *    exactly what the single-model replay takes), on the models of a
 *    `models:` scenario placed by the sequential baseline;
 *  - independence: two models on disjoint servers get, bit for bit, the
 *    results of their single-model load runs (same arrivals, same service);
 *    the same two models on shared servers wait for each other, and every
 *    server's busy time is still the sum of the two single runs';
 *  - a closed form: two Poisson streams of fixed service on one server are
 *    an M/G/1 queue, whose mean wait is Pollaczek-Khinchine's;
 *  - the split of the requests over the models, and refused settings. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "tests/serve_fixture.h"
#include "tests/tap.h"

/* A multi-instance whose models are the instances of single-model
 * fixtures (same servers and routes). The fixtures own the instances:
 * multi_release hands them back before freeing. */
static solver_multi *multi_of(fixture *f, size_t K, const double *rate) {
  solver_multi *mi = solver_multi_alloc(K);
  for (size_t m = 0; m < K; m++) {
    mi->models[m] = (solver_instance *)f[m].in;
    mi->rate[m] = rate[m];
    mi->weight[m] = rate[m];
  }
  return mi;
}

static void multi_release(solver_multi *mi) {
  for (size_t m = 0; m < mi->n_models; m++) mi->models[m] = NULL;
  solver_multi_free(mi);
}

/* ---- replay ------------------------------------------------------------------ */

static const char *const TWO_BUILTIN =
    "models:\n"
    "  - {name: opt-125m, rate: 0.5}\n"
    "  - {name: opt-350m, rate: 0.2, tokens: 3}\n"
    "servers: {count: 4, ccs: {min: 1.0e9, max: 1.0e10}, storage: {min: 1, max: 3, unit: model_fp32_share}}\n"
    "links: {omega_min: 1.0e8, omega_ratio: 10, topology: full}\n"
    "workload: {tokens: 4, batch: 2, prompt: 8}\n"
    "quantization: {b_min: 4, b_max: 32, step: 4, delta: 1.0e-5}\n"
    "solver: {origin: 0, max_utilization: 0.9}\n";

static void test_replay(void) {
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load_string(TWO_BUILTIN, strlen(TWO_BUILTIN), "two.yaml", &err);
  solver_multi *mi = sc != NULL ? sim_multi_alloc(sc, 0, 1, &err) : NULL;
  solver_multi_options opt;
  solver_multi_options_init(&opt);
  opt.method = SOLVER_MULTI_SEQUENTIAL;
  solver_multi_result sol;
  solver_multi_result_init(&sol);
  if (mi == NULL || solver_multi_solve(mi, &opt, &sol, &err) != SIM_OK || sol.placement[0] == NULL) {
    ok(0, "replay: a placement of the two models (%s)", err.msg);
    solver_multi_result_clear(&sol);
    solver_multi_free(mi);
    sim_scenario_free(sc);
    return;
  }
  for (size_t m = 0; m < mi->n_models; m++) {
    sim_serve_config cfg;
    sim_serve_config_init(&cfg);
    sim_serve_multi_result r;
    if (sim_serve_multi_replay(mi, sol.placement, m, &cfg, &r, &err) != SIM_OK) {
      ok(0, "model %zu replays: %s", m, err.msg);
      continue;
    }
    const double T = solver_objective(mi->models[m], sol.placement[m], NULL, NULL);
    /* The clock is a running sum of the request's step durations, one per
     * event at most, and solver_objective sums the same terms in another
     * order: each rounding is at most DBL_EPSILON/2 of a partial sum <= T,
     * so the two differ by at most events · DBL_EPSILON · T. */
    const double tol = (double)r.events * DBL_EPSILON;
    ok_int(r.model[m].completed, 1, "model %zu: its one request completes", m);
    ok_rel(r.model[m].latency.mean, T, tol, "model %zu: replay alone = analytic T (%.6g s) within "
           "%llu events x DBL_EPSILON", m, T, (unsigned long long)r.events);
    sim_serve_result one;
    if (sim_serve_replay(mi->models[m], sol.placement[m], &cfg, &one, &err) == SIM_OK) {
      ok(one.simulated == r.model[m].latency.mean,
         "model %zu: the multi-model replay is the single-model replay, bit for bit", m);
      sim_serve_result_clear(&one);
    } else {
      ok(0, "model %zu: single replay: %s", m, err.msg);
    }
    for (size_t k = 0; k < mi->n_models; k++)
      if (k != m) ok_int(r.model[k].arrived, 0, "model %zu sends nothing during %zu's replay", k, m);
    sim_serve_multi_result_clear(&r);
  }
  solver_multi_result_clear(&sol);
  solver_multi_free(mi);
  sim_scenario_free(sc);
}

/* ---- independence and sharing ----------------------------------------------------- */

/* Two two-layer models on four servers (s0, s2 at 1e9 FLOP/s, s1, s3 at
 * 2e9), links of 1e6 bit/s and 0.01 s latency, no origin. */
#define FOUR_SERVERS                                                                \
  "servers: {count: 4, ccs: [1.0e9, 2.0e9, 1.0e9, 2.0e9], storage: 1.0e12}\n"       \
  "links: {omega_min: 1.0e6, omega_ratio: 1, latency: 0.01}\n"

static const char *const MODEL_A =
    "model:\n  name: a\n  layers:\n"
    "    - {name: a1, params: 1000, flops: 1.0e9, act_elems: 100, kv_elems: 10}\n"
    "    - {name: a2, params: 2000, flops: 2.0e9, act_elems: 200, kv_elems: 0}\n"
    FOUR_SERVERS "workload: {tokens: 3, batch: 2, prompt: 4}\n";

static const char *const MODEL_B =
    "model:\n  name: b\n  layers:\n"
    "    - {name: b1, params: 1000, flops: 5.0e8, act_elems: 300, kv_elems: 10}\n"
    "    - {name: b2, params: 2000, flops: 1.0e9, act_elems: 100, kv_elems: 0}\n"
    FOUR_SERVERS "workload: {tokens: 2, batch: 1, prompt: 0}\n";

static int single_load(const solver_instance *in, const solver_placement *p, uint64_t seed,
                       double rate, int64_t n, sim_serve_result *r) {
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = seed;
  cfg.rate = rate;
  cfg.requests = n;
  sim_error err;
  sim_error_clear(&err);
  const int rc = sim_serve_load(in, p, &cfg, r, &err);
  if (rc != SIM_OK) printf("# single load failed: %s\n", err.msg);
  return rc;
}

static void test_independence(void) {
  fixture f[2];
  if (fixture_build(&f[0], MODEL_A, 0) != 0 || fixture_build(&f[1], MODEL_B, 0) != 0) {
    ok(0, "%s: fixtures build", __func__);
    return;
  }
  /* A on s0 (1 s per decode pass of a1), s1; B on s2, s3 or, shared, on s0, s1.
   * Rates: s0 is busy 4 + 3 = 7 s per request of A (prefill 4 tokens, 3
   * decode passes) and 2 · 0.5 = 1 s per request of B: 0.06 · 7 + 0.25 · 1
   * = 0.67 when shared. */
  const double rate[2] = {0.06, 0.25};
  static const int on_a[2] = {0, 1}, apart[2] = {2, 3}, shared[2] = {0, 1};
  solver_placement *pa = fixture_placement(f[0].in, on_a);
  solver_placement *pb_apart = fixture_placement(f[1].in, apart);
  solver_placement *pb_shared = fixture_placement(f[1].in, shared);
  solver_multi *mi = multi_of(f, 2, rate);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 77;
  cfg.requests = 4000;
  const int64_t n[2] = {sim_serve_multi_requests(mi, 0, cfg.requests),
                        sim_serve_multi_requests(mi, 1, cfg.requests)};
  /* 4000 · 0.06 / 0.31 = 774.19 -> 774; 4000 · 0.25 / 0.31 = 3225.8 -> 3226. */
  ok(n[0] == 774 && n[1] == 3226, "requests split by rate: %lld and %lld", (long long)n[0],
     (long long)n[1]);
  sim_serve_result alone[2];
  const solver_placement *pb[2] = {pb_apart, pb_shared};
  if (single_load(f[0].in, pa, sim_serve_multi_seed(77, 0), rate[0], n[0], &alone[0]) != SIM_OK ||
      single_load(f[1].in, pb_apart, sim_serve_multi_seed(77, 1), rate[1], n[1], &alone[1]) != SIM_OK) {
    ok(0, "single-model runs");
  } else {
    for (int s = 0; s < 2; s++) {
      solver_placement *pl[2] = {pa, (solver_placement *)pb[s]};
      sim_serve_multi_result r;
      sim_error err;
      sim_error_clear(&err);
      if (sim_serve_multi_load(mi, pl, &cfg, &r, &err) != SIM_OK) {
        ok(0, "multi load runs: %s", err.msg);
        continue;
      }
      if (s == 0) {
        /* Nothing is shared, and each stream draws its arrivals from the
         * stream of its single-model run: the same events happen at the
         * same times, so the results are equal exactly. */
        for (int m = 0; m < 2; m++) {
          const sim_serve_multi_model *o = &r.model[m];
          ok(o->completed == alone[m].completed && o->latency.mean == alone[m].latency.mean &&
             o->latency.p50 == alone[m].latency.p50 && o->latency.p95 == alone[m].latency.p95 &&
             o->latency.p99 == alone[m].latency.p99 && o->ttft.mean == alone[m].ttft.mean &&
             o->ttft.p99 == alone[m].ttft.p99 &&
             o->throughput_tokens == alone[m].throughput_tokens,
             "disjoint servers: model %d's latency, TTFT and throughput equal its single run "
             "exactly (mean %.6g s, p99 %.6g s)", m, o->latency.mean, o->latency.p99);
        }
        ok(r.entities[0].busy == alone[0].entities[0].busy &&
           r.entities[2].busy == alone[1].entities[2].busy && r.entities[1].busy > 0 &&
           r.entities[3].busy > 0, "disjoint servers: each server's busy time is its model's");
        ok_rel(r.rho, fmax(r.model[0].rho, r.model[1].rho), 1e-15,
               "disjoint servers: the offered load is the larger model's");
      } else {
        /* Every request still does the same work, so each server is busy
         * for the sum of the two runs' busy times (summed in another order:
         * 1e-12 relative covers 8000 roundings of 2^-53). */
        int all = r.model[0].completed == n[0] && r.model[1].completed == n[1];
        ok(all, "shared servers: every request completes");
        ok_rel(r.entities[0].busy, alone[0].entities[0].busy + alone[1].entities[2].busy, 1e-12,
               "shared servers: s0 is busy for both models' work");
        ok_rel(r.entities[1].busy, alone[0].entities[1].busy + alone[1].entities[3].busy, 1e-12,
               "shared servers: s1 is busy for both models' work");
        ok_rel(r.rho, 0.06 * 7 + 0.25 * 1.0, 1e-12, "shared servers: offered load of s0 is 0.67");
        ok(r.model[0].latency.mean > alone[0].latency.mean &&
           r.model[1].latency.mean > alone[1].latency.mean,
           "shared servers: both models wait for each other (%.4g > %.4g s, %.4g > %.4g s)",
           r.model[0].latency.mean, alone[0].latency.mean, r.model[1].latency.mean,
           alone[1].latency.mean);
        ok(r.model[0].latency.min >= r.model[0].analytic * (1 - 1e-12) &&
           r.model[1].latency.min >= r.model[1].analytic * (1 - 1e-12),
           "shared servers: no request beats its analytic T");
      }
      sim_serve_multi_result_clear(&r);
    }
    sim_serve_result_clear(&alone[0]);
    sim_serve_result_clear(&alone[1]);
  }
  multi_release(mi);
  solver_placement_free(pa);
  solver_placement_free(pb_apart);
  solver_placement_free(pb_shared);
  fixture_free(&f[0]);
  fixture_free(&f[1]);
}

/* ---- a closed form ----------------------------------------------------------------- */

/* One layer on one server at 1e9 FLOP/s: 1e9 FLOP (1 s) and 5e8 FLOP (0.5 s). */
#define ONE_SERVER "servers: {count: 1, ccs: 1.0e9, storage: 1.0e12}\n" \
                   "workload: {tokens: 1, batch: 1, prompt: 0}\n"
static const char *const ONE_S =
    "model:\n  name: one\n  layers:\n"
    "    - {name: a, params: 1, flops: 1.0e9, act_elems: 1, kv_elems: 0}\n" ONE_SERVER;
static const char *const HALF_S =
    "model:\n  name: half\n  layers:\n"
    "    - {name: a, params: 1, flops: 5.0e8, act_elems: 1, kv_elems: 0}\n" ONE_SERVER;

static void test_mg1(void) {
  fixture f[2];
  if (fixture_build(&f[0], ONE_S, 0) != 0 || fixture_build(&f[1], HALF_S, 0) != 0) {
    ok(0, "%s: fixtures build", __func__);
    return;
  }
  static const int s0[1] = {0};
  solver_placement *pl[2] = {fixture_placement(f[0].in, s0), fixture_placement(f[1].in, s0)};
  ok_rel(solver_objective(f[0].in, pl[0], NULL, NULL), 1.0, 1e-12, "M/G/1: service 1 s");
  ok_rel(solver_objective(f[1].in, pl[1], NULL, NULL), 0.5, 1e-12, "M/G/1: service 0.5 s");
  /* λ1 = 0.3/s of 1 s and λ2 = 0.4/s of 0.5 s: FIFO on one server is M/G/1
   * with ρ = 0.3 + 0.2 = 0.5 and Σ λ E[S²] = 0.3 · 1 + 0.4 · 0.25 = 0.4, so
   * Pollaczek-Khinchine gives the mean wait W = 0.4 / (2 (1 - 0.5)) = 0.4 s
   * for both streams (Poisson arrivals see time averages): latencies 1.4 s
   * and 0.9 s. At ρ = 0.5 the mean wait's relative standard error over
   * 200,000 requests is below 1% (test_serve_load.c: 0.6% for M/M/1, whose
   * service varies more), so 3% is more than three standard errors. */
  const double rate[2] = {0.3, 0.4};
  solver_multi *mi = multi_of(f, 2, rate);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 5;
  cfg.requests = 200000;
  sim_serve_multi_result r;
  sim_error err;
  sim_error_clear(&err);
  if (sim_serve_multi_load(mi, pl, &cfg, &r, &err) == SIM_OK) {
    ok_rel(r.model[0].latency.mean, 1.4, 0.03, "M/G/1: the 1 s stream's mean latency is 1.4 s");
    ok_rel(r.model[1].latency.mean, 0.9, 0.03, "M/G/1: the 0.5 s stream's mean latency is 0.9 s");
    ok_rel(r.model[0].latency.mean - 1.0, r.model[1].latency.mean - 0.5, 0.03,
           "M/G/1: both streams wait alike (%.4g s, %.4g s)", r.model[0].latency.mean - 1.0,
           r.model[1].latency.mean - 0.5);
    ok_rel(r.model[0].ttft.mean, r.model[0].latency.mean, 1e-12, "M/G/1: one token: TTFT = latency");
    /* Busy time is exactly the work done: completed x service. */
    ok_rel(r.entities[0].busy, (double)r.model[0].completed * 1.0 + (double)r.model[1].completed * 0.5,
           1e-12, "M/G/1: the server is busy for the work of both streams");
    ok_rel(r.entities[0].utilization, 0.5, 0.03, "M/G/1: utilization %.4g within 3%% of ρ = 0.5",
           r.entities[0].utilization);
    ok_rel(r.rho, 0.5, 1e-12, "M/G/1: offered load 0.5");
    ok_rel(r.model[0].throughput_requests, 0.3, 0.03, "M/G/1: the 1 s stream is served at 0.3/s");
    sim_serve_multi_result_clear(&r);
  } else {
    ok(0, "M/G/1 runs: %s", err.msg);
  }
  /* Refused settings name what is refused. */
  cfg.requests = 10;
  cfg.max_batch = 2;
  ok(sim_serve_multi_load(mi, pl, &cfg, &r, &err) == SIM_EINPUT && strstr(err.msg, "max_batch"),
     "batching is refused by name");
  cfg.max_batch = 1;
  cfg.compute_cv = 0.1;
  ok(sim_serve_multi_load(mi, pl, &cfg, &r, &err) == SIM_EINPUT && strstr(err.msg, "compute_cv"),
     "perturbation is refused by name");
  multi_release(mi);
  solver_placement_free(pl[0]);
  solver_placement_free(pl[1]);
  fixture_free(&f[0]);
  fixture_free(&f[1]);
}

int main(void) {
  test_replay();
  test_independence();
  test_mg1();
  return tap_done();
}
