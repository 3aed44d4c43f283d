/* test_serve.c: replay of one request. Hand-computed cases (timelines
 * written out below), then replay = solver_objective to 1e-9 relative on
 * random instances in both cost models, then bad inputs and the placement
 * JSON reader. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "solver/solver.h"
#include "tests/serve_fixture.h"
#include "tests/tap.h"

/* Two layers, two servers, paper cost model, 32-bit weights (b = pr):
 *   layer a on s0: F = 1e9 FLOP at 1e9 FLOP/s  -> 1 s per decode pass
 *   layer b on s1: F = 2e9 FLOP at 2e9 FLOP/s  -> 1 s
 *   a's output: 100 elements x 32 bit over 1e6 bit/s = 0.0032 s, + 0.01 s latency
 * so a decode pass takes 1 + 0.0032 + 0.01 + 1 = 2.0132 s and 3 tokens 6.0396 s. */
static const char *const TWO_LAYERS =
    SERVE_TWO_LAYERS("1.0e6")
    "workload: {tokens: 3, batch: 1, prompt: %d}\n"
    "solver: {origin: %s}\n";

static int build_two(fixture *f, int prompt, const char *origin) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml, TWO_LAYERS, prompt, origin);
  return fixture_build(f, yaml, 0);
}

static void test_hand_cases(void) {
  static const int split[2] = {0, 1};
  struct {
    int prompt;
    const char *origin;
    double want;
    const char *why;
  } cases[] = {
      {0, "none", 6.0396, "3 decode passes of 2.0132 s"},
      /* Origin s0: the output of b returns over s1 -> s0: 200 x 32 / 1e6 + 0.01
       * = 0.0164 s per pass: 3 x 2.0296. */
      {0, "0", 6.0888, "origin s0 adds the output's return, 3 x 2.0296 s"},
      /* Origin s1: the input (one 32-bit token id) goes s1 -> s0: 32 / 1e6 +
       * 0.01 = 0.010032 s per pass: 3 x 2.023232. */
      {0, "1", 6.069696, "origin s1 adds the input's trip, 3 x 2.023232 s"},
      /* Prompt 4: the prefill pass runs 4 tokens: 4 + (4 x 0.0032 + 0.01) + 4
       * = 8.0228 s before the 3 decode passes. */
      {4, "none", 14.0624, "a 4-token prefill (8.0228 s) precedes decoding"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    fixture f;
    if (build_two(&f, cases[c].prompt, cases[c].origin) != 0) {
      ok(0, "hand case %zu builds", c);
      continue;
    }
    solver_placement *p = fixture_placement(f.in, split);
    sim_serve_config cfg;
    sim_serve_config_init(&cfg);
    ok_rel(fixture_replay(f.in, p, &cfg), cases[c].want, 1e-12, "replay: %s", cases[c].why);
    ok_rel(solver_objective(f.in, p, NULL, NULL), cases[c].want, 1e-12,
           "solver_objective agrees on the hand case (%s)", cases[c].why);
    solver_placement_free(p);
    fixture_free(&f);
  }
}

/* A random scenario: a custom chain of 1..10 layers or OPT-125m, 1..6
 * servers (sometimes with a cloud), full mesh or geometric routes, random
 * latency, tokens, batch, prompt, origin and precision. */
static void random_yaml(gsl_rng *r, char *buf, size_t len, int roofline) {
  size_t used = 0;
#define ADD(...) used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__)
  ADD("seed: %lu\n", gsl_rng_get(r));
  if (gsl_rng_uniform(r) < 0.3) {
    ADD("model: {name: opt-125m, granularity: %s}\n", gsl_rng_uniform(r) < 0.5 ? "block" : "linear");
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
  int cloud = gsl_rng_uniform(r) < 0.2;
  if (cloud) ADD("  cloud: {ccs: 1.0e13, bandwidth: 1.0e8, latency: 0.02}\n");
  ADD("links:\n  omega_min: %.17g\n  latency: %.17g\n", pow(10, 6 + 4 * gsl_rng_uniform(r)),
      gsl_rng_uniform(r) < 0.5 ? 0.0 : 0.01 * gsl_rng_uniform(r));
  if (gsl_rng_uniform(r) < 0.3) ADD("  topology: geometric\n  radius: 0.6\n");
  ADD("workload: {tokens: %lu, batch: %lu, prompt: %lu}\n", 1 + gsl_rng_uniform_int(r, 12),
      1 + gsl_rng_uniform_int(r, 8), gsl_rng_uniform(r) < 0.5 ? 0 : 1 + gsl_rng_uniform_int(r, 64));
  ADD("quantization: {b_min: 4, b_max: %d, step: 2, delta: 1.0e-3}\n",
      gsl_rng_uniform(r) < 0.5 ? 16 : 32);
  ADD("cost: {model: %s}\n", roofline ? "roofline" : "paper");
  if (gsl_rng_uniform(r) < 0.5) ADD("solver: {origin: 0}\n");
#undef ADD
}

/* Random placements with allowed bits replayed against solver_objective. */
static void test_random_replays(int roofline) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, roofline ? 2024 : 7);
  int built = 0, equal = 0, unreachable = 0, unreachable_ok = 0, worst_ok = 1;
  double worst = 0;
  long long events = 0;
  char yaml[8192];
  for (int k = 0; built < 120 && k < 400; k++) {
    random_yaml(r, yaml, sizeof yaml, roofline);
    fixture f;
    if (fixture_build(&f, yaml, gsl_rng_uniform_int(r, 100)) != 0) continue;
    built++;
    const solver_instance *in = f.in;
    solver_placement *p = solver_placement_alloc(in->n_layers);
    for (size_t l = 0; l < in->n_layers; l++) {
      p->server[l] = (int)gsl_rng_uniform_int(r, in->n_servers);
      int b;
      do b = (int)gsl_rng_uniform_int(r, in->n_bits); while (!solver_instance_allowed(in, l, (size_t)b));
      p->bits[l] = b;
    }
    const double T = solver_objective(in, p, NULL, NULL);
    sim_serve_config cfg;
    sim_serve_config_init(&cfg);
    sim_serve_result res;
    sim_error err;
    sim_error_clear(&err);
    int rc = sim_serve_replay(in, p, &cfg, &res, &err);
    if (isinf(T)) {
      unreachable++;
      unreachable_ok += rc == SIM_EINFEASIBLE;
    } else if (rc == SIM_OK) {
      double rel = fabs(res.simulated - T) / T;
      if (rel > worst) worst = rel;
      equal += rel <= 1e-9;
      events += (long long)res.events;
      if (!(rel <= 1e-9)) {
        worst_ok = 0;
        printf("# mismatch: T %.17g sim %.17g\n%s", T, res.simulated, yaml);
      }
      sim_serve_result_clear(&res);
    } else {
      printf("# replay failed: %s\n", err.msg);
    }
    solver_placement_free(p);
    fixture_free(&f);
  }
  const char *name = roofline ? "roofline" : "paper";
  ok(built >= 100, "%s: %d random instances built", name, built);
  ok_int(equal + unreachable, built, "%s: every replay equals solver_objective within 1e-9 "
         "relative (%d compared, worst %.3g, %lld events)", name, equal, worst, events);
  ok(worst_ok && equal >= 90, "%s: at least 90 finite instances compared (%d)", name, equal);
  ok(unreachable > 0 && unreachable_ok == unreachable, "%s: placements needing a missing route "
     "fail as infeasible (%d of %d, and at least one was drawn)", name, unreachable_ok, unreachable);
  gsl_rng_free(r);
}

static void test_bad_inputs(void) {
  fixture f;
  if (build_two(&f, 0, "none") != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  static const int split[2] = {0, 1};
  solver_placement *p = fixture_placement(f.in, split);
  sim_serve_config cfg;
  sim_serve_config_init(&cfg);
  sim_serve_result res;
  sim_error err;

  sim_error_clear(&err);
  p->server[1] = 7;
  ok_int(sim_serve_replay(f.in, p, &cfg, &res, &err), SIM_EINPUT, "a server out of range is refused");
  p->server[1] = 1;
  p->bits[0] = 99;
  sim_error_clear(&err);
  ok_int(sim_serve_replay(f.in, p, &cfg, &res, &err), SIM_EINPUT, "a bit index out of range is refused");
  p->bits[0] = 0;
  cfg.slots = 0;
  sim_error_clear(&err);
  ok_int(sim_serve_replay(f.in, p, &cfg, &res, &err), SIM_EINPUT, "zero slots are refused");
  cfg.slots = 1;
  cfg.rate = 0;
  cfg.requests = 10;
  sim_error_clear(&err);
  ok_int(sim_serve_load(f.in, p, &cfg, &res, &err), SIM_EINPUT, "a load run at rate 0 is refused");
  cfg.rate = 1;
  cfg.compute_cv = NAN;
  sim_error_clear(&err);
  ok_int(sim_serve_load(f.in, p, &cfg, &res, &err), SIM_EINPUT, "a NaN CV is refused");
  solver_placement_free(p);
  fixture_free(&f);
}

static void test_placement_json(void) {
  fixture f;
  if (build_two(&f, 0, "none") != 0) {
    ok(0, "%s: fixture builds", __func__);
    return;
  }
  sim_error err;
  struct {
    const char *json;
    int code;
    const char *what;
  } cases[] = {
      {"{\"placement\":[{\"layer\":1,\"server\":0,\"bits\":8},{\"layer\":0,\"server\":1,\"bits\":32}]}",
       SIM_OK, "a valid placement in any order"},
      {"{\"placement\":[{\"layer\":0,\"server\":0,\"bits\":8}]}", SIM_EINPUT, "a missing layer"},
      {"{\"placement\":[{\"layer\":0,\"server\":0,\"bits\":8},{\"layer\":0,\"server\":1,\"bits\":8}]}",
       SIM_EINPUT, "a repeated layer"},
      {"{\"placement\":[{\"layer\":0,\"server\":2,\"bits\":8},{\"layer\":1,\"server\":1,\"bits\":8}]}",
       SIM_EINPUT, "a server that does not exist"},
      {"{\"placement\":[{\"layer\":0,\"server\":0,\"bits\":9},{\"layer\":1,\"server\":1,\"bits\":8}]}",
       SIM_EINPUT, "a width that is not on the grid"},
      {"{\"placement\":[{\"layer\":0,\"server\":0,\"bits\":\"8\"},{\"layer\":1,\"server\":1,\"bits\":8}]}",
       SIM_EINPUT, "a width given as a string"},
      {"{\"placement\": [", SIM_ESYNTAX, "malformed JSON"},
      {"[1, 2]", SIM_EINPUT, "no placement key"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sim_error_clear(&err);
    solver_placement *p = sim_placement_load_json_string(cases[c].json, strlen(cases[c].json),
                                                         "p.json", f.in, &err);
    ok_int(err.code, cases[c].code, "placement JSON: %s", cases[c].what);
    if (cases[c].code != SIM_OK) ok(p == NULL && strstr(err.msg, "p.json") != NULL,
                                    "  ... names the file: %s", err.msg);
    if (c == 0 && p != NULL)
      ok(p->server[0] == 1 && p->server[1] == 0 && f.in->bits[p->bits[0]] == 32 &&
         f.in->bits[p->bits[1]] == 8, "placement JSON: layers land in their slots, widths map to indices");
    solver_placement_free(p);
  }
  fixture_free(&f);
}

int main(void) {
  test_hand_cases();
  test_random_replays(0);
  test_random_replays(1);
  test_bad_inputs();
  test_placement_json();
  return tap_done();
}
