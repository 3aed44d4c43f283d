/* test_serve_load.c: the load mode against queueing theory and closed
 * forms: M/M/1 at ρ = 0.5 and 0.8, M/M/2 (slots), M/D/1 (the model's own
 * deterministic service), a vanishing rate (latency = analytic T), static
 * batching on one server written out by hand, the fixed-count arrivals and
 * reproducibility. */
#include <math.h>
#include <stdlib.h>

#include "tests/serve_fixture.h"
#include "tests/tap.h"

/* One layer on one server: 1e9 FLOP at 1e9 FLOP/s at full precision, so the
 * service time is exactly 1 s (μ = 1/s). */
static const char *const ONE_LAYER =
    "model:\n  name: one\n  layers:\n"
    "    - {name: a, params: 1, flops: 1.0e9, act_elems: 1, kv_elems: 0}\n"
    "servers: {count: 1, ccs: 1.0e9, storage: 1.0e12}\n"
    "workload: {tokens: 1, batch: 1, prompt: 0}\n";

static int load(const fixture *f, const solver_placement *p, const sim_serve_config *cfg,
                sim_serve_result *res) {
  sim_error err;
  sim_error_clear(&err);
  int rc = sim_serve_load(f->in, p, cfg, res, &err);
  if (rc != SIM_OK) printf("# load failed: %s\n", err.msg);
  return rc;
}

/* Runs n requests at arrival rate lambda and checks the mean sojourn time
 * and the server's utilization against theory, within 3%. */
static void check_queue(const fixture *f, const solver_placement *p, const char *name, double lambda,
                        int64_t slots, sim_service service, int64_t n, double want_w,
                        double want_util) {
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 11;
  cfg.rate = lambda;
  cfg.requests = n;
  cfg.slots = slots;
  cfg.service = service;
  sim_serve_result r;
  if (load(f, p, &cfg, &r) != SIM_OK) {
    ok(0, "%s runs", name);
    return;
  }
  ok_int(r.completed, n, "%s: all %lld requests complete", name, (long long)n);
  ok_rel(r.latency.mean, want_w, 0.03, "%s: mean sojourn within 3%% of theory", name);
  ok_rel(r.entities[0].utilization, want_util, 0.03, "%s: utilization within 3%% of ρ", name);
  sim_serve_result_clear(&r);
}

static void test_queueing_theory(void) {
  fixture f;
  if (fixture_build(&f, ONE_LAYER, 0) != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  static const int s0[1] = {0};
  solver_placement *p = fixture_placement(f.in, s0);
  /* Service is 1 s, so μ = 1 and W = 1/(μ - λ) for M/M/1. The sample mean of
   * M/M/1 sojourns is strongly autocorrelated near saturation: its relative
   * standard error is about 0.6% for 200,000 requests at ρ = 0.5 but 2% at
   * ρ = 0.8, so ρ = 0.8 runs 1,000,000 requests (0.8%) for a 3% bound. */
  check_queue(&f, p, "M/M/1 at ρ = 0.5", 0.5, 1, SIM_SERVICE_EXPONENTIAL, 200000, 1 / (1 - 0.5), 0.5);
  check_queue(&f, p, "M/M/1 at ρ = 0.8", 0.8, 1, SIM_SERVICE_EXPONENTIAL, 1000000, 1 / (1 - 0.8), 0.8);
  /* M/M/2 with λ = 1, μ = 1 (a = 1, ρ = 0.5): Erlang C = (a²/2 · 2/(2-a)) /
   * (1 + a + a²/2 · 2/(2-a)) = 1/3, W = 1/μ + C/(2μ - λ) = 4/3. */
  check_queue(&f, p, "M/M/2 (slots = 2) at ρ = 0.5", 1.0, 2, SIM_SERVICE_EXPONENTIAL, 200000,
              4.0 / 3.0, 0.5);
  /* M/D/1 with the cost model's fixed 1 s service: Pollaczek-Khinchine
   * W = 1/μ + ρ/(2μ(1 - ρ)) = 1.5 at ρ = 0.5. */
  check_queue(&f, p, "M/D/1 (model service) at ρ = 0.5", 0.5, 1, SIM_SERVICE_MODEL, 200000, 1.5, 0.5);
  solver_placement_free(p);
  fixture_free(&f);
}

/* Two layers split over two servers with a 4-token prompt and batch 2 (the
 * hand case of test_serve.c with twice the activations on the wire). */
static const char *const TWO_LAYERS =
    SERVE_TWO_LAYERS("1.0e6")
    "workload: {tokens: 3, batch: 2, prompt: 4}\n";

static void test_vanishing_rate(void) {
  fixture f;
  if (fixture_build(&f, TWO_LAYERS, 0) != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  static const int split[2] = {0, 1};
  solver_placement *p = fixture_placement(f.in, split);
  /* Paper compute does not depend on the batch; transfers carry
   * k·β·100 elements of 32 bits: a decode pass is 1 + (0.0064 + 0.01) + 1 =
   * 2.0164 s, the prefill (k = 4) 4 + (0.0256 + 0.01) + 4 = 8.0356 s. The
   * first token is out after the prefill and one decode pass. */
  const double T = solver_objective(f.in, p, NULL, NULL);
  const double prefill = 8.0356, decode = 2.0164;
  ok_rel(T, prefill + 3 * decode, 1e-12, "vanishing rate: T = prefill + 3 decode passes (%.6g s)", T);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 3;
  cfg.rate = 1e-4 / T; /* requests ~10^4 T apart: two overlap with probability ~1% */
  cfg.requests = 100;
  sim_serve_result r;
  if (load(&f, p, &cfg, &r) == SIM_OK) {
    ok_int(r.completed, 100, "vanishing rate: all requests complete");
    ok_rel(r.latency.mean, T, 1e-6, "vanishing rate: mean latency = analytic T within 1e-6");
    ok_rel(r.latency.p99, T, 2.5e-4, "vanishing rate: p99 = T within the histogram's resolution");
    ok_rel(r.ttft.mean, prefill + decode, 1e-6, "vanishing rate: TTFT = prefill + one decode pass");
    ok_rel(r.tpot.mean, decode, 1e-6, "vanishing rate: TPOT = one decode pass");
    ok(r.mape < 1e-4, "vanishing rate: MAPE ~ 0 (%.3g %%)", r.mape);
    /* s0 computes layer a: 4 s in the prefill and 1 s per decode pass. */
    ok_rel(r.entities[0].busy, 100 * (4.0 + 3 * 1.0), 1e-12, "vanishing rate: s0 busy 7 s per request");
    ok_rel(r.entities[0].utilization, 700.0 / r.end_time, 1e-12, "utilization = busy / end time");
    ok(r.n_entities == 3 && r.entities[2].is_link && r.entities[2].jobs == 400,
       "one link s0->s1, 4 transmissions per request");
    ok_rel(r.throughput_tokens, 100 * 3 * 2 / r.end_time, 1e-12,
           "throughput counts tokens x batch sequences");
    ok_int(r.peak_in_flight, 1, "vanishing rate: requests never overlap");
    sim_serve_result_clear(&r);
  } else {
    ok(0, "vanishing rate: the load run runs");
  }
  solver_placement_free(p);
  fixture_free(&f);
}

/* Static batching, roofline model, both layers on s0. With peak 1e9 FLOP/s
 * and 3e9 FLOP per sequence and token, a pass of r requests is compute
 * bound at 3r s (memory traffic is under a microsecond). Five requests
 * arrive within 1 µs: R1 starts alone, R2..R5 join one batch that waits.
 * On one FIFO server the two jobs then alternate passes:
 *   R1 [0,3]  B [3,15]  R1 [15,18]  B [18,30]  R1 [30,33]  B [33,45]
 * so R1 completes at 33 s (TTFT 3) and the batch at 45 s (TTFT 15). */
static const char *const BATCHING =
    "model:\n  name: tiny\n  layers:\n"
    "    - {name: a, params: 1000, flops: 1.0e9, act_elems: 100, kv_elems: 10}\n"
    "    - {name: b, params: 2000, flops: 2.0e9, act_elems: 200, kv_elems: 0}\n"
    "servers: {count: 2, ccs: 1.0e9, storage: 1.0e12, mem_bandwidth: 1.0e10}\n"
    "workload: {tokens: 3, batch: 1, prompt: 0}\n"
    "cost: {model: roofline}\n";

static void test_batching(void) {
  fixture f;
  if (fixture_build(&f, BATCHING, 0) != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  static const int one[2] = {0, 0};
  solver_placement *p = fixture_placement(f.in, one);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.requests = 5;
  cfg.horizon = 1e-6;
  cfg.max_batch = 4;
  sim_serve_result r;
  if (load(&f, p, &cfg, &r) == SIM_OK) {
    ok_int(r.batches, 2, "batching: five requests form two batches (1 + 4)");
    ok_rel(r.latency.mean, (33.0 + 4 * 45.0) / 5, 1e-7, "batching: mean latency (33 + 4 x 45)/5");
    ok_rel(r.latency.min, 33.0, 1e-7, "batching: R1 completes after 33 s");
    ok_rel(r.latency.max, 45.0, 1e-7, "batching: the batch completes after 45 s");
    ok_rel(r.ttft.mean, (3.0 + 4 * 15.0) / 5, 1e-7, "batching: TTFT (3 + 4 x 15)/5");
    ok_rel(r.tpot.mean, 15.0, 1e-7, "batching: TPOT 15 s for everyone");
    ok_rel(r.entities[0].busy, 3 * 3.0 + 3 * 12.0, 1e-9, "batching: s0 works 3 x 3 + 3 x 12 s");
  } else {
    ok(0, "batching: the load run runs");
  }
  sim_serve_result_clear(&r);
  /* Without batching the same arrivals are five jobs. */
  cfg.max_batch = 1;
  if (load(&f, p, &cfg, &r) == SIM_OK) ok_int(r.batches, 5, "max_batch 1: every request alone");
  else ok(0, "max_batch 1: the load run runs");
  sim_serve_result_clear(&r);
  solver_placement_free(p);
  fixture_free(&f);
}

/* Horizon mode: N arrivals are uniform order statistics on [0, H]. The
 * arrival times, read back from the CSV trace, must be sorted, inside
 * [0, H] and pass a Kolmogorov-Smirnov test against the uniform law
 * (critical value 1.63/sqrt(N) at the 1% level). */
static void test_horizon(void) {
  fixture f;
  if (fixture_build(&f, ONE_LAYER, 0) != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  static const int s0[1] = {0};
  solver_placement *p = fixture_placement(f.in, s0);
  FILE *csv = tmpfile();
  sim_error err;
  sim_error_clear(&err);
  sim_trace *tr = sim_trace_alloc(csv, NULL, &err);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  const int N = 2000;
  const double H = 1e5; /* 1 s service, load 2%: the arrivals do not interact */
  cfg.requests = N;
  cfg.horizon = H;
  cfg.trace = tr;
  sim_serve_result r;
  int rc = load(&f, p, &cfg, &r);
  sim_trace_finish(tr, &err);
  rewind(csv);
  char line[256], ev[32];
  double t, prev = 0, d = 0;
  int n = 0, sorted = 1, inside = 1, ent, lay;
  long req, tok;
  while (fgets(line, sizeof line, csv) != NULL) {
    if (sscanf(line, "%lf,%d,%31[^,],%ld,%ld,%d", &t, &ent, ev, &req, &tok, &lay) != 6) continue;
    if (strcmp(ev, "arrive") != 0) continue;
    sorted &= t >= prev;
    inside &= t >= 0 && t <= H;
    prev = t;
    n++;
    /* KS distance of the empirical CDF at the n-th point. */
    double lo = fabs(t / H - (double)(n - 1) / N), hi = fabs(t / H - (double)n / N);
    d = fmax(d, fmax(lo, hi));
  }
  ok(rc == SIM_OK && r.completed == N, "horizon: %d requests complete", N);
  ok_int(n, N, "horizon: exactly N arrivals");
  ok(sorted && inside, "horizon: arrival times are sorted and inside [0, H]");
  ok(d < 1.63 / sqrt(N), "horizon: KS distance to uniform %.4f < %.4f", d, 1.63 / sqrt(N));
  sim_serve_result_clear(&r);
  sim_trace_free(tr);
  fclose(csv);
  solver_placement_free(p);
  fixture_free(&f);
}

static void test_reproducible_and_limits(void) {
  fixture f;
  if (fixture_build(&f, ONE_LAYER, 0) != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  static const int s0[1] = {0};
  solver_placement *p = fixture_placement(f.in, s0);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  cfg.run_seed = 99;
  cfg.rate = 0.7;
  cfg.requests = 5000;
  cfg.service = SIM_SERVICE_EXPONENTIAL;
  sim_serve_result a, b, c;
  load(&f, p, &cfg, &a);
  load(&f, p, &cfg, &b);
  cfg.run_seed = 100;
  load(&f, p, &cfg, &c);
  ok(a.latency.mean == b.latency.mean && a.latency.p99 == b.latency.p99 && a.events == b.events &&
     a.end_time == b.end_time, "same seed: identical results");
  ok(a.latency.mean != c.latency.mean, "another seed: different results");
  sim_serve_result_clear(&a);
  sim_serve_result_clear(&b);
  sim_serve_result_clear(&c);
  cfg.max_events = 1000;
  load(&f, p, &cfg, &a);
  ok(a.stop == SIM_DES_LIMIT && a.events == 1000, "an event limit stops the run at 1000 events");
  ok(a.completed < 5000 && a.completed > 0, "  ... with part of the requests done (%lld)",
     (long long)a.completed);
  sim_serve_result_clear(&a);
  cfg.max_events = 0;
  cfg.until = 100.0;
  load(&f, p, &cfg, &a);
  ok(a.stop == SIM_DES_UNTIL && a.end_time <= 100.0, "`until` stops the clock at 100 s (%.6g)",
     a.end_time);
  sim_serve_result_clear(&a);
  solver_placement_free(p);
  fixture_free(&f);
}

int main(void) {
  test_queueing_theory();
  test_vanishing_rate();
  test_batching();
  test_horizon();
  test_reproducible_and_limits();
  return tap_done();
}
