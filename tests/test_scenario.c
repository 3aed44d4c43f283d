/* test_scenario.c: scenario defaults, sweeps, the resolved writer and the
 * helpers behind error messages. Malformed files are covered case by case
 * in tests/bad/ (tests/cli_bad.sh). */
#include <string.h>

#include "sim/scenario/scenario.h"
#include "sim/scenario/internal.h"
#include "tests/tap.h"

static sim_scenario *load(const char *text, sim_error *err) {
  sim_error_clear(err);
  return sim_scenario_load_string(text, strlen(text), "t.yaml", err);
}

static void test_defaults(void) {
  sim_error err;
  sim_scenario *sc = load("{}\n", &err);
  if (!ok(sc != NULL, "an empty mapping is a valid scenario")) { diag("%s", err.msg); return; }
  /* The paper's setup: n = 128, beta = 128, b in {4, 6, ..., 32}, 100 runs,
   * bandwidth in [omega_min, 10 omega_min]. */
  ok_int(sc->workload.tokens, 128, "default tokens n = 128");
  ok_int(sc->workload.batch, 128, "default batch = 128");
  ok_int(sc->quant.b_min, 4, "default b_min = 4");
  ok_int(sc->quant.step, 2, "default step = 2");
  ok_int(sc->quant.b_max, 32, "default b_max = 32");
  ok_int(sc->runs, 100, "default runs = 100");
  ok_rel(sc->links.omega_ratio, 10, 0, "default bandwidth ratio 10");
  ok(strcmp(sc->model.name, "opt-350m") == 0, "default model opt-350m");
  ok(strcmp(sc->name, "t") == 0 && strcmp(sc->output, "results/t") == 0, "name and output from the file name");
  ok_int(sim_scenario_context(sc), 64, "auto context = prompt + tokens/2 = 64");
  ok_int((long long)sim_scenario_points(sc), 1, "no sweep: one point");
  sim_scenario_free(sc);
}

static void test_sweep_grid(void) {
  sim_error err;
  sim_scenario *sc = load("sweep:\n"
                          "  - key: links.omega_min\n"
                          "    values: [1e6, 1e7, 1e8]\n"
                          "  - key: cost.model\n"
                          "    values: [paper, roofline]\n", &err);
  if (!ok(sc != NULL, "a two-key sweep loads")) { diag("%s", err.msg); return; }
  ok_int((long long)sim_scenario_points(sc), 6, "3 x 2 points");
  /* Row-major: the last key varies fastest, point = 2 i0 + i1, so point
   * 3 = (i0 1, i1 1) = (1e7, roofline). */
  sim_scenario v;
  ok(sim_scenario_point(sc, 3, &v, &err) == SIM_OK, "point 3 applies");
  ok_rel(v.links.omega_min, 1e7, 0, "point 3: omega_min = 1e7");
  ok_int(v.cost.model, SOLVER_COST_ROOFLINE, "point 3: cost.model = roofline");
  ok_rel(sc->links.omega_min, 1e8, 0, "the base is untouched by a view");
  char label[32];
  sim_scenario_point_label(sc, 4, 0, label, sizeof label);
  ok(strcmp(label, "1e+08") == 0, "label of point 4, key 0 is 1e+08 (got %s)", label);
  sim_scenario_point_label(sc, 4, 1, label, sizeof label);
  ok(strcmp(label, "paper") == 0, "label of point 4, key 1 is paper (got %s)", label);
  ok(sim_scenario_point(sc, 6, &v, &err) != SIM_OK, "point 6 does not exist");
  sim_scenario_free(sc);
}

static void test_log_range(void) {
  sim_error err;
  sim_scenario *sc = load("sweep:\n  - key: quantization.delta\n    log: {from: 1e-7, to: 1, points: 8}\n", &err);
  if (!ok(sc != NULL, "a log range loads")) { diag("%s", err.msg); return; }
  const double want[8] = {1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1};
  int exact = 1;
  for (int i = 0; i < 8; i++) exact &= sc->sweep[0].values[i] == want[i];
  ok(exact, "log range 1e-7..1 in 8 points lands on exact decades");
  sim_scenario_free(sc);
  sc = load("sweep:\n  key: workload.tokens\n  linear: {from: 16, to: 64, points: 4}\n", &err);
  /* Step (64 - 16) / 3 = 16: every value is an integer, compared exactly. */
  ok(sc != NULL && sc->sweep[0].n == 4 && sc->sweep[0].values[0] == 16 &&
         sc->sweep[0].values[1] == 32 && sc->sweep[0].values[2] == 48 &&
         sc->sweep[0].values[3] == 64,
     "a linear range of integers: 16, 32, 48, 64");
  sim_scenario_free(sc);
}

static void test_spec_sweep(void) {
  sim_error err;
  sim_scenario *sc = load("servers:\n  ccs: {min: 1e9, ratio: 10}\n"
                          "sweep:\n  - key: servers.ccs.min\n    values: [1e8, 1e10]\n", &err);
  if (!ok(sc != NULL, "sweeping a range's min loads")) { diag("%s", err.msg); return; }
  sim_scenario v;
  sim_scenario_point(sc, 1, &v, &err);
  ok(v.servers.ccs.kind == SIM_SPEC_UNIFORM && v.servers.ccs.min == 1e10 && v.servers.ccs.ratio == 10,
     "point 1: ccs in [1e10, 10 x 1e10]");
  sim_scenario_free(sc);
  sc = load("sweep:\n  - key: model.name\n    values: [opt-125m, llama-2-7b]\n", &err);
  if (!ok(sc != NULL, "a model sweep loads")) { diag("%s", err.msg); return; }
  sim_scenario_point(sc, 1, &v, &err);
  ok(strcmp(v.model.name, "llama-2-7b") == 0 && v.model.arch.family == SIM_FAMILY_LLAMA &&
         v.model.arch.vocab == 32000,
     "point 1 uses llama-2-7b's architecture");
  sim_model *m = sim_scenario_model_alloc(&v, &err);
  ok(m && m->total_params == 6738415616LL, "and its profile");
  sim_model_free(m);
  sim_scenario_free(sc);
}

/* Writes sc as YAML into a string (caller frees). */
static char *write_string(const sim_scenario *sc) {
  FILE *f = tmpfile();
  if (f == NULL) return NULL;
  sim_error err;
  sim_error_clear(&err);
  sim_scenario_write(sc, f, "resolved", &err);
  long n = ftell(f);
  rewind(f);
  char *s = calloc((size_t)n + 1, 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) s[0] = '\0';
  fclose(f);
  return s;
}

static void test_roundtrip(void) {
  const char *text =
      "name: rt\nseed: 18446744073709551615\nruns: 7\n"
      "model:\n  custom: {name: tiny, family: llama, hidden: 64, ffn: 128, blocks: 2, heads: 4,"
      " kv_heads: 2, vocab: 100, tied: false}\n  granularity: linear\n"
      "servers:\n  count: 3\n  ccs: [1e9, 2e9, 3.5e9]\n  storage: {min: 1, max: 3, unit: model_fp32_share}\n"
      "  cloud: {ccs: 1e12, bandwidth: 5e7, latency: 0.02}\n"
      "links: {omega_min: 1.5e6, latency: 0.001, symmetric: false, topology: geometric, radius: 0.7}\n"
      "workload: {tokens: 32, batch: 4, prompt: 16, context: 40}\n"
      "quantization: {accuracy: budget, budget: 0.5}\n"
      "solver: {origin: 1, baselines: [greedy, cloud], max_layers_per_server: 3}\n"
      "simulation:\n  outages:\n    - {server: 2, start: 0.5, end: 1.5}\n    - {link: [0, 1], start: 1, end: 2}\n"
      "sweep:\n  - key: quantization.budget\n    values: [0.1, 0.25]\n"
      "  - key: links.omega_min\n    log: {from: 1e6, to: 1e9, points: 4}\n";
  sim_error err;
  sim_scenario *a = load(text, &err);
  if (!ok(a != NULL, "a scenario using every kind of key loads")) { diag("%s", err.msg); return; }
  ok(a->seed == 18446744073709551615ULL, "a 64-bit seed is read exactly");
  char *ya = write_string(a);
  sim_scenario *b = ya ? sim_scenario_load_string(ya, strlen(ya), "resolved.yaml", &err) : NULL;
  if (!ok(b != NULL, "the resolved YAML loads back")) { diag("%s", err.msg); diag("%s", ya ? ya : ""); }
  char *yb = b ? write_string(b) : NULL;
  ok(ya && yb && strcmp(ya, yb) == 0, "writing it again gives the same text");
  ok(b && b->model.has_arch && b->model.arch.kv_heads == 2 && b->servers.has_cloud &&
         b->sim.n_outages == 2 && b->sim.outages[1].is_link && b->solver.origin == 1 &&
         b->servers.ccs.n_list == 3 && b->servers.ccs.list[2] == 3.5e9,
     "custom model, cloud, outages, origin and lists survive the round trip");
  ok(b && sim_scenario_points(b) == 8 && b->sweep[1].values[3] == 1e9, "the sweep survives too");
  free(ya);
  free(yb);
  sim_scenario_free(a);
  sim_scenario_free(b);
}

static void test_custom_equals_builtin(void) {
  sim_error err;
  sim_scenario *sc = load("model:\n  custom: {name: my-opt, family: opt, hidden: 768, ffn: 3072, blocks: 12,"
                          " heads: 12, vocab: 50272, positions: 2050}\n", &err);
  if (!ok(sc != NULL, "a custom OPT architecture loads")) { diag("%s", err.msg); return; }
  sim_model *m = sim_scenario_model_alloc(sc, &err);
  ok(m && m->total_params == 125239296LL, "custom hyperparameters of OPT-125m give its count");
  ok(strcmp(sc->model.name, "my-opt") == 0, "the custom name labels the model");
  sim_model_free(m);
  sim_scenario_free(sc);
  sc = load("model:\n  name: toy\n  layers:\n    - {name: a, params: 100, flops: 200, act_elems: 8}\n"
            "    - {params: 50, flops: 100, act_elems: 1}\n", &err);
  m = sc ? sim_scenario_model_alloc(sc, &err) : NULL;
  ok(m && m->n_layers == 2 && m->total_params == 150 && strcmp(m->layers[1].name, "layer.1") == 0,
     "an explicit layer list is the profile; unnamed layers get layer.N");
  sim_model_free(m);
  sim_scenario_free(sc);
}

static void test_messages(void) {
  sim_error err;
  sim_scenario *sc = load("links:\n  omgea_min: 5\n", &err);
  ok(sc == NULL && err.code == SIM_EINPUT, "a misspelled key is an input error");
  if (!ok(strcmp(err.msg, "t.yaml:2:3: error: links.omgea_min: unknown key; did you mean 'omega_min'?") == 0,
          "message names file:line:col, key path and the nearest key"))
    diag("got: %s", err.msg);
  sc = load("runs: 5\nseed: 3\nworkload:\n  tokens: -4\n  batch: 0\n", &err);
  ok(sc == NULL && err.count == 2, "every problem is reported, not just the first (%zu)", err.count);
  if (!ok(strstr(err.msg, "t.yaml:4:11: error: workload.tokens: -4 is out of range; allowed [1, 1000000]") != NULL,
          "range message with position"))
    diag("got: %s", err.msg);
}

static void test_helpers(void) {
  /* Edit distances by hand: kitten -> sitting is 3 (k->s, e->i, +g);
   * a transposition costs 1; the empty string is as far as the length. */
  ok_int((long long)sim_edit_distance("kitten", "sitting"), 3, "distance kitten/sitting = 3");
  ok_int((long long)sim_edit_distance("omgea_min", "omega_min"), 1, "a transposition is one edit");
  ok_int((long long)sim_edit_distance("", "abc"), 3, "distance to the empty string");
  const char *cands[] = {"omega_min", "omega_ratio", "latency"};
  ok(sim_suggest("latncy", cands, 3) == cands[2], "suggests latency for latncy");
  ok(sim_suggest("bandwidth", cands, 3) == NULL, "no suggestion for an unrelated word");
  char buf[40];
  const struct { double x; const char *s; } f[] = {
    {1e-5, "1e-05"}, {0.1, "0.1"}, {3840, "3840"}, {1e9, "1e+09"}, {331196416, "331196416"},
    {1.0 / 3.0, "0.3333333333333333"}, {-2.5, "-2.5"}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    sim_fmt_double(buf, sizeof buf, f[i].x);
    ok(strcmp(buf, f[i].s) == 0, "shortest form of %.17g is %s (got %s)", f[i].x, f[i].s, buf);
  }
  char *p = sim__path_resolve("scenarios/fig3.yaml", "tables/err.csv");
  ok(p && strcmp(p, "scenarios/tables/err.csv") == 0, "relative paths resolve against the scenario's directory");
  free(p);
  p = sim__path_resolve("scenarios/fig3.yaml", "/abs/err.csv");
  ok(p && strcmp(p, "/abs/err.csv") == 0, "absolute paths stay");
  free(p);
  const char *sub;
  ok(sim__schema_find("servers.ccs.min", &sub) != NULL && sub && strcmp(sub, "min") == 0,
     "spec sub-keys resolve");
  ok(sim__schema_find("links.nope", &sub) == NULL, "unknown paths do not");
}

static sim_scenario *load_set(const char *text, const char *const *sets, size_t n, sim_error *err) {
  sim_error_clear(err);
  return sim_scenario_load_string_set(text, strlen(text), "t.yaml", sets, n, err);
}

/* --set: an override replaces a value, adds a missing key (and the mappings
 * on its path), takes a YAML value, and a bad one is reported with the
 * override and the key path instead of a line of the file. */
static void test_overrides(void) {
  sim_error err;
  const char *const s1[] = {"runs=7", "links.omega_min=2.5e8", "servers.ccs.max=4e9",
                            "workload.tokens=64", "runs=9"};
  sim_scenario *sc = load_set("runs: 5\nservers:\n  ccs: {min: 1e9, max: 2e9}\n", s1, 5, &err);
  if (!ok(sc != NULL, "good overrides load")) { diag("%s", err.msg); return; }
  ok_int(sc->runs, 9, "the last override of a key wins (runs = 9)");
  ok_rel(sc->links.omega_min, 2.5e8, 0, "links.omega_min added under a missing mapping");
  ok_rel(sc->servers.ccs.max, 4e9, 0, "a spec sub-key replaced (servers.ccs.max)");
  ok_rel(sc->servers.ccs.min, 1e9, 0, "its sibling kept (servers.ccs.min)");
  ok_int(sc->workload.tokens, 64, "workload.tokens added");
  sim_scenario_free(sc);

  const char *const s2[] = {"sweep=[{key: servers.count, values: [2, 3, 4]}]", "servers.ccs=5e9"};
  sc = load_set("servers:\n  ccs: {min: 1e9, max: 2e9}\n", s2, 2, &err);
  if (ok(sc != NULL, "YAML values: a list of mappings, a scalar replacing a mapping")) {
    ok_int((long long)sim_scenario_points(sc), 3, "the sweep from --set has 3 points");
    ok(sc->servers.ccs.kind == SIM_SPEC_CONST, "servers.ccs=5e9 replaces the mapping with a constant");
    ok_rel(sc->servers.ccs.value, 5e9, 0, "... of 5e9 FLOP/s");
  } else {
    diag("%s", err.msg);
  }
  sim_scenario_free(sc);

  const struct { const char *set, *msg; } bad[] = {
    {"runs=abc", "--set runs=abc: error: runs: expected a number in [1, 1000000], got a string 'abc'"},
    {"links.omgea_min=5", "--set links.omgea_min=5: error: links.omgea_min: unknown key; did you mean 'omega_min'?"},
    {"workload.tokens=-4", "--set workload.tokens=-4: error: workload.tokens: -4 is out of range; allowed [1, 1000000]"},
    {"runs", "--set runs: error: expected KEY=VALUE"},
    {"links..x=1", "--set links..x=1: error: empty component in the key path"},
    {"runs={", "--set runs={: error: the value is not valid YAML"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *const one[] = {bad[i].set};
    sc = load_set("runs: 5\n", one, 1, &err);
    ok(sc == NULL && err.code == SIM_EINPUT, "--set %s is an input error", bad[i].set);
    if (!ok(strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0, "--set %s: message", bad[i].set))
      diag("got: %s", err.msg);
    sim_scenario_free(sc);
  }
  /* A problem in the file is still reported at its line next to an override. */
  const char *const s3[] = {"runs=3"};
  sc = load_set("runs: 5\nseed: -1\n", s3, 1, &err);
  ok(sc == NULL && strstr(err.msg, "t.yaml:2:7: error: seed:") != NULL, "file errors keep their position");
  if (sc == NULL && strstr(err.msg, "t.yaml:2:7") == NULL) diag("got: %s", err.msg);
  sim_scenario_free(sc);
}

int main(void) {
  test_defaults();
  test_sweep_grid();
  test_log_range();
  test_spec_sweep();
  test_roundtrip();
  test_custom_equals_builtin();
  test_messages();
  test_helpers();
  test_overrides();
  return tap_done();
}
