/* test_serve_perturb.c: perturbations and outages. The lognormal factor's
 * moments, CV 0 against no perturbation, the mean of perturbed replays
 * against closed forms, and outages that delay a replay by exactly their
 * overlap with the request's work in hand-built timelines. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "sim/core/core.h"
#include "sim/serve/internal.h"
#include "tests/serve_fixture.h"
#include "tests/tap.h"

/* The two-layer hand case of test_serve.c: with both layers split, a decode
 * pass is s0 computing 1 s, the link sending 0.0032 s plus 0.01 s latency,
 * s1 computing 1 s: 2.0132 s, and three passes 6.0396 s:
 *   pass 1: s0 [0, 1]  link [1, 1.0032]  arrives 1.0132  s1 [1.0132, 2.0132]
 *   pass 2: s0 [2.0132, 3.0132]  ...  s1 [3.0264, 4.0264]
 *   pass 3: s0 [4.0264, 5.0264]  ...  s1 [5.0396, 6.0396] */
static const char *const TWO_LAYERS =
    SERVE_TWO_LAYERS("%s")
    "workload: {tokens: 3, batch: 1, prompt: 0}\n"
    "%s";

static int build(fixture *f, const char *omega, const char *extra) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml, TWO_LAYERS, omega, extra);
  return fixture_build(f, yaml, 0);
}

static const int split[2] = {0, 1};

static void test_lognormal_moments(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 5);
  int exact = 1;
  for (int k = 0; k < 10000; k++) exact &= sim_lognormal_unit(r, 0.0) == 1.0;
  ok(exact, "lognormal factor at CV 0 is exactly 1 (10,000 draws)");
  const int n = 400000;
  const double cv = 0.5;
  double s = 0, s2 = 0, inv = 0;
  for (int k = 0; k < n; k++) {
    double x = sim_lognormal_unit(r, cv);
    s += x;
    s2 += x * x;
    inv += 1 / x;
  }
  const double mean = s / n, sd = sqrt(s2 / n - mean * mean);
  /* Standard errors: 0.5/sqrt(4e5) = 0.08% for the mean; the others are
   * of the same order, so 1% is a wide margin. */
  ok_rel(mean, 1.0, 0.005, "lognormal factor: mean 1 (CV %.1f)", cv);
  ok_rel(sd / mean, cv, 0.01, "lognormal factor: CV %.1f", cv);
  ok_rel(inv / n, 1 + cv * cv, 0.01, "lognormal factor: E[1/X] = 1 + CV^2");
  gsl_rng_free(r);
}

/* Loads the scenario with and without explicit zero CVs and compares every
 * output of a load run bit for bit; then a tiny CV must move the numbers
 * (so the perturbation is really applied) by no more than it should. */
static void test_cv_zero(void) {
  fixture a = {0}, b = {0}, c = {0};
  if (build(&a, "1.0e6", "simulation: {rate: 0.1, requests: 300}\n") != 0 ||
      build(&b, "1.0e6", "simulation: {rate: 0.1, requests: 300, compute_cv: 0, bandwidth_cv: 0}\n") != 0 ||
      build(&c, "1.0e6", "simulation: {rate: 0.1, requests: 300, compute_cv: 1.0e-9, "
                          "bandwidth_cv: 1.0e-9}\n") != 0) {
    ok(0, "%s: fixture builds", __func__);
    fixture_free(&a); /* a failed build leaves its fixture empty */
    fixture_free(&b);
    return;
  }
  solver_placement *p = fixture_placement(a.in, split);
  sim_serve_config ca, cb, cc;
  sim_serve_config_from_params(&ca, &a.sc->sim, a.sc->seed, 4);
  sim_serve_config_from_params(&cb, &b.sc->sim, b.sc->seed, 4);
  sim_serve_config_from_params(&cc, &c.sc->sim, c.sc->seed, 4);
  sim_serve_result ra, rb, rc;
  sim_error err;
  sim_error_clear(&err);
  sim_serve_load(a.in, p, &ca, &ra, &err);
  sim_serve_load(b.in, p, &cb, &rb, &err);
  sim_serve_load(c.in, p, &cc, &rc, &err);
  ok(ra.completed == 300 && rb.completed == 300 && rc.completed == 300, "CV runs complete");
  ok(memcmp(&ra.latency, &rb.latency, sizeof ra.latency) == 0 &&
     memcmp(&ra.ttft, &rb.ttft, sizeof ra.ttft) == 0 && ra.events == rb.events &&
     ra.end_time == rb.end_time && ra.entities[1].busy == rb.entities[1].busy,
     "CV 0 is identical to no perturbation");
  ok(ra.latency.mean != rc.latency.mean, "CV 1e-9 is applied (results move)");
  ok_rel(rc.latency.mean, ra.latency.mean, 1e-7, "CV 1e-9 moves the mean latency by ~1e-9 only");
  sim_serve_result_clear(&ra);
  sim_serve_result_clear(&rb);
  sim_serve_result_clear(&rc);
  solver_placement_free(p);
  fixture_free(&a);
  fixture_free(&b);
  fixture_free(&c);
}

/* Without queueing a replay's T is the sum of its durations, so its mean
 * over runs is the sum of the mean durations: compute times keep their mean
 * under a mean-1 factor, transmission times grow by E[1/X] = 1 + CV^2. */
static void test_perturbed_means(void) {
  fixture f;
  /* Omega 1000 bit/s: each transmission takes 3.2 s, so transfers matter. */
  if (build(&f, "1.0e3", "") != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  solver_placement *p = fixture_placement(f.in, split);
  const double compute = 6.0, tx = 3 * 3.2, lat = 3 * 0.01;
  ok_rel(solver_objective(f.in, p, NULL, NULL), compute + tx + lat, 1e-12,
         "slow-link case: T = 6 + 9.6 + 0.03 s");
  const int runs = 2000;
  const double cv = 0.5;
  double sum_c = 0, sum_b = 0;
  int failed = 0;
  for (int k = 0; k < runs; k++) {
    sim_serve_config cfg;
    sim_serve_config_init(&cfg);
    cfg.run_seed = (uint64_t)k;
    cfg.compute_cv = cv;
    double t = fixture_replay(f.in, p, &cfg);
    cfg.compute_cv = 0;
    cfg.bandwidth_cv = cv;
    double u = fixture_replay(f.in, p, &cfg);
    failed += t < 0 || u < 0;
    sum_c += t;
    sum_b += u;
  }
  ok_int(failed, 0, "perturbed replays run");
  /* Standard errors: compute 0.5 x sqrt(6) / sqrt(2000) = 0.027 s on 15.6 s
   * (0.2%); bandwidth 1.25 x 0.5 x 3.2 x sqrt(3) / sqrt(2000) = 0.077 s on
   * 18.03 s (0.4%). */
  ok_rel(sum_c / runs, compute + tx + lat, 0.015, "compute CV 0.5: mean T stays %.4g s",
         compute + tx + lat);
  ok_rel(sum_b / runs, compute + tx * (1 + cv * cv) + lat, 0.02,
         "bandwidth CV 0.5: mean T = 6 + 9.6 x 1.25 + 0.03 = %.4g s", compute + tx * 1.25 + lat);
  solver_placement_free(p);
  fixture_free(&f);
}

static void test_outages(void) {
  struct {
    const char *outages;
    double want;
    const char *why;
  } cases[] = {
      {"[{server: 1, start: 1.5, end: 2.5}]", 6.0396 + 1.0,
       "s1 down [1.5, 2.5] inside its pass-1 work [1.0132, 2.0132]: +1 s"},
      {"[{server: 1, start: 0.5, end: 1.5}]", 6.0396 + (1.5 - 1.0132),
       "s1 down [0.5, 1.5] when the activations arrive at 1.0132: +0.4868 s"},
      {"[{link: [0, 1], start: 1.001, end: 1.101}]", 6.0396 + 0.1,
       "link s0->s1 down [1.001, 1.101] inside its transmission [1, 1.0032]: +0.1 s"},
      {"[{server: 1, start: 0.2, end: 0.8}]", 6.0396,
       "s1 down [0.2, 0.8] while it is idle: no delay"},
      {"[{server: 0, start: 2.2, end: 2.3}, {server: 0, start: 2.25, end: 2.5}]", 6.0396 + 0.3,
       "overlapping outages of s0 [2.2, 2.3] and [2.25, 2.5] merge: +0.3 s"},
      {"[{link: [1, 0], start: 0, end: 100}]", 6.0396, "an outage of an unused link: no delay"},
      /* After the first outage pass 3 runs on s0 over [5.0264, 6.0264]; s0 is
       * idle over [4.0132, 5.0264], so an outage there would not count. */
      {"[{server: 1, start: 1.5, end: 2.5}, {server: 0, start: 5.5, end: 5.6}]", 6.0396 + 1.1,
       "s1 down in pass 1 (+1 s), then s0 down [5.5, 5.6] in its shifted pass-3 work: +1.1 s"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char extra[512];
    snprintf(extra, sizeof extra, "simulation:\n  outages: %s\n", cases[c].outages);
    fixture f;
    if (build(&f, "1.0e6", extra) != 0) {
      ok(0, "outage case %zu builds", c);
      continue;
    }
    solver_placement *p = fixture_placement(f.in, split);
    sim_serve_config cfg;
    sim_serve_config_from_params(&cfg, &f.sc->sim, f.sc->seed, 0);
    sim_serve_result r;
    sim_error err;
    sim_error_clear(&err);
    if (sim_serve_replay(f.in, p, &cfg, &r, &err) == SIM_OK) {
      ok_rel(r.simulated, cases[c].want, 1e-12, "outage: %s", cases[c].why);
      if (c == 0) ok_rel(r.entities[1].busy, 3.0, 1e-12, "outage: s1's busy time excludes the pause");
    } else {
      ok(0, "outage case %zu runs: %s", c, err.msg);
    }
    sim_serve_result_clear(&r);
    solver_placement_free(p);
    fixture_free(&f);
  }
  /* sim_outage_finish on its own: 2 s of work from t = 0 around [1, 2) and
   * [3, 4): 1 s before the first, 1 s between them: done at 3. */
  const double lo[2] = {1, 3}, hi[2] = {2, 4};
  ok(sim_outage_finish(lo, hi, 2, 0, 2) == 3.0, "outage finish: work fills the gap between outages");
  ok(sim_outage_finish(lo, hi, 2, 0, 2.5) == 4.5, "outage finish: and resumes after the second");
  ok(sim_outage_finish(lo, hi, 2, 1.5, 0.5) == 2.5, "outage finish: work starting inside waits");
}

/* Each entity of the serving model draws from its own stream; these moved
 * here from test_des.c with the streams themselves. */
static void test_streams(void) {
  gsl_rng *a5 = sim__serve_stream_alloc(12345, 5), *a5_again = sim__serve_stream_alloc(12345, 5);
  int same_again = a5 != NULL && a5_again != NULL;
  for (int k = 0; k < 1000 && same_again; k++) same_again &= gsl_rng_get(a5_again) == gsl_rng_get(a5);
  ok(same_again, "a stream is the same whenever its entity's stream is made");
  gsl_rng_free(a5);
  a5 = sim__serve_stream_alloc(12345, 5);
  /* Make many streams in another order first: entity 5 must not care. */
  gsl_rng *others[100];
  for (uint64_t e = 100; e > 0; e--) others[e - 1] = sim__serve_stream_alloc(12345, e * 7);
  gsl_rng *b5 = sim__serve_stream_alloc(12345, 5);
  gsl_rng *ref = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(ref, sim_seed_derive(12345, SIM_STREAM_DES, 5));
  int same_ab = a5 != NULL && b5 != NULL, same_ref = same_ab;
  for (int k = 0; k < 1000 && same_ab; k++) {
    unsigned long x = gsl_rng_get(a5), y = gsl_rng_get(b5), z = gsl_rng_get(ref);
    same_ab &= x == y;
    same_ref &= x == z;
  }
  ok(same_ab, "entity 5's stream does not depend on other entities' streams");
  ok(same_ref, "entity 5's stream is mt19937 seeded with sim_seed_derive(run seed, DES, 5)");
  gsl_rng *a6 = sim__serve_stream_alloc(12345, 6);
  int differ = 0;
  for (int k = 0; k < 100 && a6 != NULL && b5 != NULL; k++)
    differ += gsl_rng_get(a6) != gsl_rng_get(b5);
  ok(differ > 90, "entities 5 and 6 draw different numbers (%d of 100 differ)", differ);
  for (int e = 0; e < 100; e++) gsl_rng_free(others[e]);
  gsl_rng_free(ref);
  gsl_rng_free(a6);
  gsl_rng_free(b5);
  gsl_rng_free(a5_again);
  gsl_rng_free(a5);
}

int main(void) {
  test_lognormal_moments();
  test_cv_zero();
  test_perturbed_means();
  test_outages();
  test_streams();
  return tap_done();
}
