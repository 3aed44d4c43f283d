/* test_serve_batch.c: continuous (iteration-level) batching against closed
 * forms. Replays with a batch limit of 1 and no memory limit equal the
 * analytic T on 150 random instances; a saturated pipeline runs at one pass
 * per bottleneck stage time (paper model, batch limit 1, and roofline with
 * full batches of 4, both computed by hand here); one server at ρ = 0.5 is
 * an M/D/1 or M/M/1 queue (Pollaczek-Khinchine); KV-cache admission holds memory to
 * the server's storage; inter-token latency and goodput by hand. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "tests/serve_fixture.h"
#include "tests/tap.h"

static void cfg_continuous(sim_serve_config *cfg) {
  sim_serve_config_init(cfg);
  cfg->batching = SIM_BATCHING_CONTINUOUS;
}

static int run_load(const fixture *f, const solver_placement *p, const sim_serve_config *cfg,
                    sim_serve_result *res) {
  sim_error err;
  sim_error_clear(&err);
  const int rc = sim_serve_load(f->in, p, cfg, res, &err);
  if (rc != SIM_OK) diag("load failed: %s", err.msg);
  return rc;
}

/* A random scenario (as test_serve.c's): a chain or OPT-125m, 1..6 servers,
 * routes with latency, tokens, batch, prompt, origin, both cost models. */
static void random_yaml(gsl_rng *r, char *buf, size_t len) {
  size_t used = 0;
#define ADD(...) used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__)
  ADD("seed: %lu\n", gsl_rng_get(r));
  if (gsl_rng_uniform(r) < 0.3) {
    ADD("model: {name: opt-125m, granularity: block}\n");
  } else {
    int L = 1 + (int)gsl_rng_uniform_int(r, 10);
    ADD("model:\n  name: chain\n  layers:\n");
    for (int l = 0; l < L; l++)
      ADD("    - {name: l%d, params: %lu, flops: %.17g, act_elems: %lu, kv_elems: %lu}\n", l,
          1 + gsl_rng_uniform_int(r, 1000000), 1e6 + 1e10 * gsl_rng_uniform(r),
          1 + gsl_rng_uniform_int(r, 4096), gsl_rng_uniform_int(r, 2048));
  }
  ADD("servers:\n  count: %lu\n  ccs: {min: 1.0e9, max: 1.0e11}\n  storage: 1.0e15\n",
      1 + gsl_rng_uniform_int(r, 6));
  ADD("  mem_bandwidth: {min: 1.0e10, max: 1.0e12}\n");
  ADD("links:\n  omega_min: %.17g\n  latency: %.17g\n", pow(10, 6 + 4 * gsl_rng_uniform(r)),
      gsl_rng_uniform(r) < 0.5 ? 0.0 : 0.01 * gsl_rng_uniform(r));
  ADD("workload: {tokens: %lu, batch: %lu, prompt: %lu}\n", 1 + gsl_rng_uniform_int(r, 12),
      1 + gsl_rng_uniform_int(r, 8), gsl_rng_uniform(r) < 0.5 ? 0 : 1 + gsl_rng_uniform_int(r, 64));
  ADD("quantization: {b_min: 4, b_max: 16, step: 2, delta: 1.0e-3}\n");
  ADD("cost: {model: %s}\n", gsl_rng_uniform(r) < 0.5 ? "roofline" : "paper");
  if (gsl_rng_uniform(r) < 0.5) ADD("solver: {origin: 0}\n");
#undef ADD
}

static void test_replay_equals_T(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 16);
  int built = 0, equal = 0;
  double worst = 0;
  char yaml[8192];
  for (int k = 0; built < 150 && k < 400; k++) {
    random_yaml(r, yaml, sizeof yaml);
    fixture f;
    if (fixture_build(&f, yaml, gsl_rng_uniform_int(r, 100)) != 0) continue;
    built++;
    solver_placement *p = solver_placement_alloc(f.in->n_layers);
    for (size_t l = 0; l < f.in->n_layers; l++) {
      p->server[l] = (int)gsl_rng_uniform_int(r, f.in->n_servers);
      int b;
      do b = (int)gsl_rng_uniform_int(r, f.in->n_bits); while (!solver_instance_allowed(f.in, l, (size_t)b));
      p->bits[l] = b;
    }
    const double T = solver_objective(f.in, p, NULL, NULL);
    sim_serve_config cfg;
    cfg_continuous(&cfg);
    const double sim = fixture_replay(f.in, p, &cfg);
    const double rel = fabs(sim - T) / T;
    if (rel > worst) worst = rel;
    if (rel <= 1e-9) equal++;
    else diag("mismatch: T %.17g sim %.17g\n%s", T, sim, yaml);
    solver_placement_free(p);
    fixture_free(&f);
  }
  ok(built >= 100, "%d random instances built", built);
  ok_int(equal, built, "batch limit 1, one request, no KV limit: the replay equals T within 1e-9 "
         "(worst %.3g)", worst);
  gsl_rng_free(r);
}

/* Three layers on three servers, paper model at full precision:
 *   s0: 1e9 FLOP at 1e9 FLOP/s = 1 s, then 100 x 32 bit at 1e6 bit/s = 0.0032 s
 *   s1: 3e9 FLOP at 2e9 FLOP/s = 1.5 s, then 0.0032 s          -> 1.5032 s
 *   s2: 1e9 FLOP at 1e9 FLOP/s = 1 s (last layer, no origin)
 * The bottleneck stage is s1's 1.5032 s, so a saturated pipeline produces
 * 1/1.5032 tokens/s (β = 1). 100 requests of 20 tokens arrive at once: the
 * run lasts 2,000 bottleneck passes plus the fill and drain of the other
 * stages (< 3 s), so the measured rate is within 3/(2000 · 1.5032) = 0.1 %
 * of the bound; the 2 % tolerance holds with room. */
static void test_saturation_paper(void) {
  const char *yaml =
      "model:\n  name: three\n  layers:\n"
      "    - {name: a, params: 1000, flops: 1.0e9, act_elems: 100, kv_elems: 0}\n"
      "    - {name: b, params: 1000, flops: 3.0e9, act_elems: 100, kv_elems: 0}\n"
      "    - {name: c, params: 1000, flops: 1.0e9, act_elems: 100, kv_elems: 0}\n"
      "servers: {count: 3, ccs: [1.0e9, 2.0e9, 1.0e9], storage: 1.0e12}\n"
      "links: {omega_min: 1.0e6, omega_ratio: 1, latency: 0}\n"
      "workload: {tokens: 20, batch: 1, prompt: 0}\n"
      "quantization: {b_min: 32, b_max: 32}\n";
  fixture f;
  if (fixture_build(&f, yaml, 0) != 0) {
    ok(0, "saturation fixture builds");
    return;
  }
  static const int srv[3] = {0, 1, 2};
  solver_placement *p = fixture_placement(f.in, srv);
  const double stage = 3.0e9 / 2.0e9 + 100.0 * 32.0 / 1.0e6;
  ok_rel(solver_bottleneck(f.in, p, NULL), stage, 1e-12, "solver_bottleneck is the hand stage time");
  sim_serve_config cfg;
  cfg_continuous(&cfg);
  cfg.requests = 100;
  cfg.horizon = 1e-9;
  sim_serve_result r;
  if (run_load(&f, p, &cfg, &r) == SIM_OK) {
    ok_rel(r.throughput_tokens, 1.0 / stage, 0.02, "saturated throughput = 1 / bottleneck stage time "
           "within 2 %% (paper, batch limit 1)");
    ok_rel(r.entities[1].utilization, 1.0, 0.02, "the bottleneck server is busy all the time");
    sim_serve_result_clear(&r);
  }
  solver_placement_free(p);
  fixture_free(&f);
}

/* Roofline, two layers on two servers, 16-bit weights, β = 1, batch limit 4.
 * Per step of B members (context = tokens/2 = 32):
 *   weights 1e6 params x 2 bytes = 2e6 bytes, KV 1000 elems x 32 x 2 bytes
 *   = 64,000 bytes per member; FLOPs 2e6 x B at 1e12 FLOP/s (memory-bound):
 *   compute(B) = (2e6 + 64000 B) / 1e9 s;
 *   hand-over: B x 1000 elems x 16 bit / 1e9 bit/s = 1.6e-5 B s.
 * s0: compute(4) + 6.4e-5 = 2.32e-3 s; s1: compute(4) = 2.256e-3 s.
 * 64 requests of 64 tokens in flight keep both servers' batches full, so the
 * pipeline makes 4 tokens per 2.32 ms; 1,024 bottleneck steps plus one
 * step of fill put the measured rate within 0.2 % of that. */
static void test_saturation_roofline(void) {
  const char *yaml =
      "model:\n  name: two\n  layers:\n"
      "    - {name: a, params: 1.0e6, flops: 2.0e6, act_elems: 1000, kv_elems: 1000}\n"
      "    - {name: b, params: 1.0e6, flops: 2.0e6, act_elems: 1000, kv_elems: 1000}\n"
      "servers: {count: 2, ccs: 1.0e12, mem_bandwidth: 1.0e9, storage: 1.0e12}\n"
      "links: {omega_min: 1.0e9, omega_ratio: 1, latency: 0}\n"
      "workload: {tokens: 64, batch: 1, prompt: 0}\n"
      "quantization: {b_min: 16, b_max: 16}\n"
      "cost: {model: roofline, activation_bits: 16, kv_bits: 16}\n";
  fixture f;
  if (fixture_build(&f, yaml, 0) != 0) {
    ok(0, "roofline fixture builds");
    return;
  }
  static const int srv[2] = {0, 1};
  solver_placement *p = fixture_placement(f.in, srv);
  const double stage = (2e6 + 64000.0 * 4) / 1e9 + 4 * 1000.0 * 16.0 / 1e9;
  sim_serve_config cfg;
  cfg_continuous(&cfg);
  cfg.requests = 64;
  cfg.horizon = 1e-9;
  cfg.max_batch = 4;
  sim_serve_result r;
  if (run_load(&f, p, &cfg, &r) == SIM_OK) {
    ok_rel(r.throughput_tokens, 4.0 / stage, 0.02, "saturated throughput = 4 / stage(4) within 2 %% "
           "(roofline: weights once per step, KV per sequence)");
    ok_rel(r.entities[0].mean_batch, 4.0, 0.01, "the bottleneck server runs full batches");
    sim_serve_result_clear(&r);
  }
  solver_placement_free(p);
  fixture_free(&f);
}

/* One layer of 1 s on one server at ρ = 0.5, batch limit 1: with the cost
 * model's deterministic service an M/D/1 queue, mean sojourn
 * 1 + ρ/(2(1 - ρ)) = 1.5 s (Pollaczek-Khinchine); with exponential service
 * (the test-only SIM_SERVICE_EXPONENTIAL) M/M/1, the M/G/1 case whose
 * Pollaczek-Khinchine mean is 1 + ρ·E[S²]/(2E[S](1 - ρ)) = 1 + 1 = 2 s.
 * The tolerance is derived from the data rather than assumed: R = 20
 * independent replications of N = 20,000 requests give R means whose
 * standard error SE = sd/√R is estimated directly, and the grand mean must
 * be within 4 SE of theory (the t distribution with 19 degrees of freedom
 * puts 0.07 % outside). The bias of starting empty is O(1/N) relative,
 * about 1e-4, well inside. The test also requires SE < 1 % of the mean so
 * that it can fail: the sojourns' autocorrelation makes one run's SE about
 * 0.8 % (M/D/1) and 2 % (M/M/1) at this N, a fifth of that over R runs. */
static void check_pk(const fixture *f, const solver_placement *p, sim_service service,
                     const char *name, double want) {
  enum { R = 20 };
  double m[R], sum = 0;
  for (int k = 0; k < R; k++) {
    sim_serve_config cfg;
    cfg_continuous(&cfg);
    cfg.run_seed = 1000 + (uint64_t)k;
    cfg.rate = 0.5;
    cfg.requests = 20000;
    cfg.service = service;
    sim_serve_result r;
    if (run_load(f, p, &cfg, &r) != SIM_OK) {
      ok(0, "%s replications run", name);
      return;
    }
    m[k] = r.latency.mean;
    sum += m[k];
    sim_serve_result_clear(&r);
  }
  const double mean = sum / R;
  double ss = 0;
  for (int k = 0; k < R; k++) ss += (m[k] - mean) * (m[k] - mean);
  const double se = sqrt(ss / (R - 1)) / sqrt((double)R);
  ok(se < 0.01 * want, "%s: standard error of the mean sojourn %.4g s (< 1 %%)", name, se);
  ok(fabs(mean - want) <= 4 * se, "%s: mean sojourn %.6g s within 4 SE (%.4g) of "
     "Pollaczek-Khinchine's %g s", name, mean, 4 * se, want);
}

static void test_pk(void) {
  const char *yaml =
      "model:\n  name: one\n  layers:\n"
      "    - {name: a, params: 1, flops: 1.0e9, act_elems: 1, kv_elems: 0}\n"
      "servers: {count: 1, ccs: 1.0e9, storage: 1.0e12}\n"
      "workload: {tokens: 1, batch: 1, prompt: 0}\n";
  fixture f;
  if (fixture_build(&f, yaml, 0) != 0) {
    ok(0, "M/D/1 fixture builds");
    return;
  }
  static const int srv[1] = {0};
  solver_placement *p = fixture_placement(f.in, srv);
  check_pk(&f, p, SIM_SERVICE_MODEL, "M/D/1", 1.5);
  check_pk(&f, p, SIM_SERVICE_EXPONENTIAL, "M/M/1", 2.0);
  solver_placement_free(p);
  fixture_free(&f);
}

/* KV memory: one layer of 1000 32-bit parameters (4000 bytes) with 10 KV
 * elements; a request of 4 tokens (β = 1, no prompt) reserves
 * 10 x 4 x 16/8 = 80 bytes. 4160 bytes of storage admit two requests at a
 * time, so the peak is exactly 4160 bytes and no step holds more than two
 * members even with a batch limit of 8; 4079 bytes cannot hold one.
 * Timeline (paper model: a step takes 1 s whatever its batch): request 0
 * starts alone at time 0 (request 1 arrives a moment later, while the step
 * runs); from then on every step pairs two admitted requests, each leaving
 * after its 4th step and making room for the next, until the last request
 * runs its final step alone: 40 member-steps in 1 + 19 + 1 = 21 steps of
 * 1 s, a mean batch of 40/21. */
static void test_kv_wait(void) {
  char yaml[1024];
  for (int cap = 0; cap < 2; cap++) {
    snprintf(yaml, sizeof yaml,
             "model:\n  name: one\n  layers:\n"
             "    - {name: a, params: 1000, flops: 1.0e9, act_elems: 1, kv_elems: 10}\n"
             "servers: {count: 1, ccs: 1.0e9, storage: %s}\n"
             "workload: {tokens: 4, batch: 1, prompt: 0}\n"
             "quantization: {b_min: 32, b_max: 32}\n", cap ? "4079" : "4160");
    fixture f;
    if (fixture_build(&f, yaml, 0) != 0) {
      ok(0, "KV fixture builds");
      return;
    }
    static const int srv[1] = {0};
    solver_placement *p = fixture_placement(f.in, srv);
    sim_serve_config cfg;
    cfg_continuous(&cfg);
    cfg.kv_memory = SIM_KV_WAIT;
    cfg.requests = 10;
    cfg.horizon = 1e-9;
    cfg.max_batch = 8;
    sim_serve_result r;
    sim_error err;
    sim_error_clear(&err);
    const int rc = sim_serve_load(f.in, p, &cfg, &r, &err);
    if (cap) {
      ok_int(rc, SIM_EINFEASIBLE, "a server that cannot hold one request's KV cache is infeasible");
    } else if (rc == SIM_OK) {
      ok_rel(r.entities[0].mem_peak, 4160, 1e-12, "peak memory = weights + two requests' KV");
      ok_rel(r.entities[0].mean_batch, 40.0 / 21.0, 1e-12, "40 member-steps in 21 steps");
      ok_rel(r.end_time, 21.0, 1e-6, "ten 4-token requests, two at a time, take 21 s");
      sim_serve_result_clear(&r);
    } else {
      ok(0, "KV run: %s", err.msg);
    }
    solver_placement_free(p);
    fixture_free(&f);
  }
}

/* solver.kv_requests reserves KV memory for a target concurrency in the
 * storage row: on the KV case above (4000 bytes of weights, 80 bytes of KV
 * per request, 4160 bytes of storage) two requests fit exactly, which is
 * also what the simulator admits at once; three do not. */
static void test_kv_reserve(void) {
  for (int k = 2; k <= 3; k++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "model:\n  name: one\n  layers:\n"
             "    - {name: a, params: 1000, flops: 1.0e9, act_elems: 1, kv_elems: 10}\n"
             "servers: {count: 1, ccs: 1.0e9, storage: 4160}\n"
             "workload: {tokens: 4, batch: 1, prompt: 0}\n"
             "quantization: {b_min: 32, b_max: 32}\n"
             "solver: {kv_requests: %d}\n", k);
    fixture f;
    if (fixture_build(&f, yaml, 0) != 0) {
      ok(0, "kv_requests fixture builds");
      return;
    }
    ok_rel(solver_cost_storage(f.in, 0, 0), 4000.0 + 80.0 * k, 1e-15,
           "storage of the layer = weights + %d requests' KV", k);
    static const int srv[1] = {0};
    solver_placement *p = fixture_placement(f.in, srv);
    sim_error err;
    sim_error_clear(&err);
    double T;
    ok_int(solver_check(f.in, p, &T, &err), k == 2 ? SIM_OK : SIM_EINFEASIBLE,
           "the checker %s the placement with %d requests reserved", k == 2 ? "accepts" : "rejects", k);
    solver_placement_free(p);
    fixture_free(&f);
  }
}

/* One request of 5 tokens on the two-layer hand case: each decode pass is
 * 1 + 0.0032 + 0.01 + 1 = 2.0132 s, so the inter-token latency is that,
 * TTFT too, and with SLO bounds just above and just below, goodput counts
 * it or not. */
static void test_itl_goodput(void) {
  fixture f;
  if (fixture_build(&f, SERVE_TWO_LAYERS("1.0e6") "workload: {tokens: 5, batch: 1, prompt: 0}\n"
                    "quantization: {b_min: 32, b_max: 32}\n", 0) != 0) {
    ok(0, "ITL fixture builds");
    return;
  }
  static const int srv[2] = {0, 1};
  solver_placement *p = fixture_placement(f.in, srv);
  const double pass = 1 + 0.0032 + 0.01 + 1;
  for (int tight = 0; tight < 2; tight++) {
    sim_serve_config cfg;
    cfg_continuous(&cfg);
    cfg.requests = 1;
    cfg.slo_tpot = tight ? pass * 0.999 : pass * 1.001;
    sim_serve_result r;
    if (run_load(&f, p, &cfg, &r) != SIM_OK) continue;
    if (!tight) {
      ok_rel(r.itl.mean, pass, 1e-9, "ITL = one pass");
      ok_int((long long)r.itl.n, 4, "four gaps between five tokens");
      ok_rel(r.ttft.mean, pass, 1e-9, "TTFT = one pass");
    }
    ok_int(r.good, tight ? 0 : 1, "goodput counts the request only within the TPOT bound (%s)",
           tight ? "tight" : "loose");
    sim_serve_result_clear(&r);
  }
  solver_placement_free(p);
  fixture_free(&f);
}

int main(void) {
  test_replay_equals_T();
  test_saturation_paper();
  test_saturation_roofline();
  test_pk();
  test_kv_wait();
  test_kv_reserve();
  test_itl_goodput();
  return tap_done();
}
