/* scenario_schema.c: the scenario schema (keys, types, ranges, units) and
 * the defaults, which reproduce the paper's setup where the paper states it.
 * docs/scenario.md documents every key listed here; a test keeps the two in
 * step. */
#include "sim/scenario/internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sim__granularity_names[] = {"block", "linear", NULL};
const char *const sim__family_names[] = {"opt", "llama", NULL};
static const char *const word_auto[] = {"auto", NULL};
static const char *const word_none[] = {"none", NULL};

#define OFF(field) offsetof(sim_scenario, field)
#define BIG 1e18 /* generous upper bound for sizes and speeds */
/* Field order: name, type, off, lo, hi, flags, enums, children, present_off, unit, help. */
#define NUM(n, f, lo, hi, fl, unit, help) {n, SIM_K_NUM, OFF(f), lo, hi, fl, NULL, NULL, 0, unit, help}
#define INT(n, f, lo, hi, help) {n, SIM_K_INT, OFF(f), lo, hi, 0, NULL, NULL, 0, NULL, help}
#define BOOL(n, f, help) {n, SIM_K_BOOL, OFF(f), 0, 1, 0, NULL, NULL, 0, NULL, help}
#define ENUM(n, f, names, help) {n, SIM_K_ENUM, OFF(f), 0, 0, 0, names, NULL, 0, NULL, help}
#define STR(n, f, fl, help) {n, SIM_K_STR, OFF(f), 0, 0, fl, NULL, NULL, 0, NULL, help}
#define SPEC(n, f, lo, hi, fl, unit, help) {n, SIM_K_SPEC, OFF(f), lo, hi, fl, NULL, NULL, 0, unit, help}
#define MAP(n, kids, present, help) {n, SIM_K_MAP, 0, 0, 0, 0, NULL, kids, present, NULL, help}
#define END {NULL, SIM_K_MAP, 0, 0, 0, 0, NULL, NULL, 0, NULL, NULL}

static const sim__key custom_keys[] = {
  {"name", SIM_K_STRBUF, OFF(model.arch.name), 0, sizeof(((sim_arch *)0)->name), SIM_KF_NOSWEEP,
   NULL, NULL, 0, NULL, "label of the custom architecture"},
  ENUM("family", model.arch.family, sim__family_names, "layer structure: opt or llama"),
  INT("hidden", model.arch.hidden, 1, 1e6, "model width"),
  INT("ffn", model.arch.ffn, 1, 1e6, "MLP inner width"),
  INT("blocks", model.arch.blocks, 1, 1e4, "decoder blocks"),
  INT("heads", model.arch.heads, 1, 1e6, "attention heads"),
  INT("kv_heads", model.arch.kv_heads, 1, 1e6, "key/value heads (default: heads)"),
  INT("vocab", model.arch.vocab, 1, 1e7, "vocabulary size"),
  INT("positions", model.arch.positions, 0, 1e7, "learned position rows (opt)"),
  INT("embed_proj", model.arch.embed_proj, 0, 1e6, "word-embedding width if not hidden, else 0"),
  BOOL("tied", model.arch.tied, "output head shares the token embedding"),
  BOOL("pre_norm", model.arch.pre_norm, "norm before each sublayer, final norm present"),
  END};

static const sim__key model_keys[] = {
  STR("name", model.name, 0, "built-in model: opt-125m, opt-350m, opt-1.3b, opt-6.7b, llama-2-7b, llama-3-8b"),
  ENUM("granularity", model.granularity, sim__granularity_names, "block or linear"),
  MAP("custom", custom_keys, OFF(model.has_arch), "custom architecture from hyperparameters"),
  {"layers", SIM_K_LAYERS, 0, 0, 0, SIM_KF_NOSWEEP, NULL, NULL, 0, NULL,
   "explicit profile: list of {name, params, flops, act_elems, kv_elems}"},
  END};

static const sim__key cloud_keys[] = {
  NUM("ccs", servers.cloud.ccs, 0, BIG, SIM_KF_LO_OPEN, "FLOP/s", "cloud compute speed"),
  NUM("storage", servers.cloud.storage, 0, BIG, 0, "bytes", "cloud storage"),
  NUM("mem_bandwidth", servers.cloud.mem_bandwidth, 0, BIG, SIM_KF_LO_OPEN, "byte/s",
      "cloud memory bandwidth (roofline)"),
  NUM("bandwidth", servers.cloud.bandwidth, 0, BIG, SIM_KF_LO_OPEN, "bit/s",
      "link speed between each edge server and the cloud"),
  NUM("latency", servers.cloud.latency, 0, 1e3, 0, "s", "edge-cloud link latency"),
  END};

static const sim__key server_keys[] = {
  INT("count", servers.count, 1, 4096, "number of edge servers M"),
  SPEC("ccs", servers.ccs, 0, BIG, SIM_KF_LO_OPEN, "FLOP/s", "compute speed (roofline: peak)"),
  SPEC("storage", servers.storage, 0, BIG, SIM_KF_UNIT, "bytes", "storage capacity"),
  NUM("storage_floor", servers.storage_floor, 0, 1e6, 0, NULL,
      "each server stores at least this many times the largest layer at 32 bits (0: none)"),
  SPEC("mem_bandwidth", servers.mem_bandwidth, 0, BIG, SIM_KF_LO_OPEN, "byte/s",
       "memory bandwidth (roofline)"),
  MAP("cloud", cloud_keys, OFF(servers.has_cloud), "optional cloud node"),
  {"devices", SIM_K_DEVICES, 0, 0, 0, SIM_KF_NOSWEEP, NULL, NULL, 0, NULL,
   "catalogue devices: a list (one per server) or a mixture {device: probability}"},
  STR("catalog", servers.catalog, SIM_KF_NOSWEEP, "your own devices/links YAML, added to the shipped catalogue"),
  END};

static const sim__key link_keys[] = {
  NUM("omega_min", links.omega_min, 0, BIG, SIM_KF_LO_OPEN, "bit/s", "lowest D2D bandwidth"),
  NUM("omega_ratio", links.omega_ratio, 1, 1e6, 0, NULL, "bandwidth drawn in [omega_min, ratio * omega_min]"),
  NUM("latency", links.latency, 0, 1e3, 0, "s", "latency per hop"),
  BOOL("symmetric", links.symmetric, "same bandwidth both ways"),
  ENUM("topology", links.topology, sim_topology_kind_names, "full mesh or geometric neighbourhood graph"),
  NUM("radius", links.radius, 0, 2, SIM_KF_LO_OPEN, NULL, "geometric: link range in the unit square"),
  STR("profile", links.profile, 0, "link profile from the catalogue (sets bandwidth and latency)"),
  END};

static const sim__key workload_keys[] = {
  INT("tokens", workload.tokens, 1, 1e6, "generated tokens n"),
  INT("batch", workload.batch, 1, 1e6, "batch size beta"),
  INT("prompt", workload.prompt, 0, 1e7, "prompt tokens (prefill)"),
  {"context", SIM_K_INT_WORD, OFF(workload.context), 0, 1e7, 0, word_auto, NULL, 0, "tokens",
   "attention context per token; auto = prompt + tokens/2"},
  END};

static const sim__key quant_keys[] = {
  INT("b_min", quant.b_min, 1, 64, "smallest bit width"),
  INT("b_max", quant.b_max, 1, 64, "original precision (largest bit width)"),
  INT("step", quant.step, 1, 64, "bit-width step"),
  ENUM("quantizer", quant.quantizer, sim_quantizer_names, "truncate, rtn-sym or rtn-asym"),
  ENUM("error", quant.error, sim_error_source_names, "analytic bound or error table"),
  STR("error_table", quant.error_table, SIM_KF_NOSWEEP, "CSV from `dilemma profile` (path relative to the scenario)"),
  NUM("weight_range", quant.weight_range, 0, 1e6, SIM_KF_LO_OPEN, NULL, "analytic bound: weights in [-R, R]"),
  ENUM("accuracy", quant.accuracy, sim_accuracy_names, "per_layer (delta) or budget"),
  NUM("delta", quant.delta, 0, 1e6, 0, NULL, "per-layer error bound"),
  NUM("budget", quant.budget, 0, 1e12, 0, NULL, "total error budget"),
  END};

static const sim__key cost_keys[] = {
  ENUM("model", cost.model, solver_cost_model_names, "paper (eqs. 3-4), roofline or calibrated"),
  NUM("activation_bits", cost.activation_bits, 0, 64, SIM_KF_LO_OPEN, "bit", "roofline: bits per activation element"),
  NUM("kv_bits", cost.kv_bits, 0, 64, SIM_KF_LO_OPEN, "bit", "roofline: bits per KV-cache element"),
  ENUM("format", cost.format, solver_format_names, "calibrated: how b-bit weights are stored (plain, ggml, g128)"),
  STR("calibration", cost.calibration, SIM_KF_NOSWEEP, "calibrated: fitted parameters file (default: shipped)"),
  END};

static const sim__key solver_keys[] = {
  ENUM("method", solver.method, solver_method_names, "placement method"),
  ENUM("formulation", solver.formulation, solver_formulation_names, "ILP formulation"),
  NUM("time_limit", solver.time_limit, 0, 1e6, SIM_KF_LO_OPEN, "s", "time limit per solve"),
  {"baselines", SIM_K_ENUMSET, OFF(solver.baselines), 0, 0, SIM_KF_NOSWEEP, solver_method_names,
   NULL, 0, NULL, "methods solved besides `method`"},
  INT("max_layers_per_server", solver.max_layers_per_server, 0, 1e6, "cap on layers per server (0: none)"),
  {"origin", SIM_K_INT_WORD, OFF(solver.origin), 0, 4096, 0, word_none, NULL, 0, NULL,
   "server where prompts arrive and outputs return (none, or an index)"},
  BOOL("presolve", solver.presolve, "drop dominated bit options where provably safe"),
  NUM("mip_gap", solver.mip_gap, 0, 1, 0, NULL, "relative gap accepted as optimal"),
  NUM("max_utilization", solver.max_utilization, 0, 1e6, SIM_KF_LO_OPEN, NULL,
      "several models: cap on each server's busy fraction"),
  ENUM("aggregate", solver.aggregate, solver_multi_objective_names,
       "several models: weighted sum of T or the worst T"),
  ENUM("objective", solver.objective, solver_objective_names,
       "latency (T of one request) or throughput (bottleneck stage time)"),
  NUM("latency_cap", solver.latency_cap, 0, 1e12, 0, "s", "throughput objective: T <= cap (0: none)"),
  {"kv_requests", SIM_K_INT_WORD, OFF(solver.kv_requests), 0, 1e6, 0, word_auto, NULL, 0, "requests",
   "requests whose full KV cache the storage row reserves; auto = 0 (paper), else 1"},
  END};

static const sim__key goodput_keys[] = {
  NUM("ttft", sim.slo_ttft, 0, 1e12, 0, "s", "goodput: time to first token at most this (0: no bound)"),
  NUM("tpot", sim.slo_tpot, 0, 1e12, 0, "s", "goodput: time per output token at most this (0: no bound)"),
  END};

static const sim__key dynamics_keys[] = {
  ENUM("links", sim.dyn.links, sim_dyn_links_names,
       "link bandwidth process: constant, gilbert, walk or trace"),
  NUM("to_bad", sim.dyn.to_bad, 0, 1e6, 0, "1/s", "gilbert: rate of good -> bad"),
  NUM("to_good", sim.dyn.to_good, 0, 1e6, 0, "1/s", "gilbert: rate of bad -> good"),
  NUM("bad_factor", sim.dyn.bad_factor, 0, 1, SIM_KF_LO_OPEN, NULL,
      "gilbert: bandwidth factor in the bad state; walk: lowest factor"),
  NUM("walk_sigma", sim.dyn.walk_sigma, 0, 100, 0, "1/sqrt(s)", "walk: sd of ln(factor) per sqrt(second)"),
  NUM("walk_step", sim.dyn.walk_step, 0, 1e6, SIM_KF_LO_OPEN, "s", "walk: time between steps"),
  STR("trace", sim.dyn.trace, SIM_KF_NOSWEEP,
      "trace: CSV `time,link,bandwidth` (path relative to the scenario)"),
  {"depart", SIM_K_INT_WORD, OFF(sim.dyn.depart), 0, 4096, 0, word_none, NULL, 0, NULL,
   "server that leaves (none, or an index)"},
  NUM("depart_at", sim.dyn.depart_at, 0, 1e12, 0, "s", "when it leaves"),
  NUM("return_at", sim.dyn.return_at, 0, 1e12, 0, "s", "when it comes back; 0 = never"),
  NUM("rate_at", sim.dyn.rate_at, 0, 1e12, 0, "s", "when the arrival rate changes"),
  NUM("rate_factor", sim.dyn.rate_factor, 0, 1e6, SIM_KF_LO_OPEN, NULL,
      "arrival rate multiplier from rate_at on"),
  NUM("phase_at", sim.dyn.phase_at, 0, 1e12, 0, "s",
      "requests arriving before / after this time form phases 1 and 2"),
  END};

static const sim__key controller_keys[] = {
  ENUM("policy", sim.dyn.policy, sim_policy_names, "static, periodic, threshold or oracle"),
  NUM("period", sim.dyn.period, 0, 1e12, SIM_KF_LO_OPEN, "s", "periodic: time between re-plans"),
  NUM("threshold", sim.dyn.threshold, 0, 1e6, SIM_KF_LO_OPEN, "%",
      "threshold: re-plan when the estimated T grows by more than this"),
  NUM("payback", sim.dyn.payback, 0, 1e12, 0, "s",
      "move only when the gain over this many seconds of arrivals exceeds the move time; 0 = any gain"),
  END};

static const sim__key sim_keys[] = {
  BOOL("replay", sim.replay, "replay one request in the DES"),
  BOOL("load", sim.load, "run the load experiment"),
  NUM("rate", sim.rate, 0, 1e9, SIM_KF_LO_OPEN, "requests/s", "Poisson arrival rate"),
  INT("requests", sim.requests, 1, 1e8, "requests per load run"),
  NUM("horizon", sim.horizon, 0, 1e12, 0, "s",
      "fixed count: `requests` arrivals spread uniformly over [0, horizon]; 0 = Poisson at `rate`"),
  INT("max_batch", sim.max_batch, 1, 1e6, "requests batched per pass"),
  INT("slots", sim.slots, 1, 1e6, "concurrent jobs per server"),
  INT("max_events", sim.max_events, 0, 1e12,
      "cap on the events of one simulation (0: none); reaching it is an error"),
  NUM("compute_cv", sim.compute_cv, 0, 10, 0, NULL, "coefficient of variation of compute times"),
  NUM("bandwidth_cv", sim.bandwidth_cv, 0, 10, 0, NULL, "coefficient of variation of bandwidth per transfer"),
  {"outages", SIM_K_OUTAGES, 0, 0, 0, SIM_KF_NOSWEEP, NULL, NULL, 0, NULL,
   "list of {server: i | link: [i, j], start, end}"},
  MAP("dynamics", dynamics_keys, OFF(sim.dyn.enabled), "conditions that change during a load run"),
  MAP("controller", controller_keys, OFF(sim.dyn.has_controller), "when a dynamic run re-plans"),
  NUM("slo", sim.dyn.slo, 0, 1e12, 0, "s", "latency objective of a dynamic run; 0 = none"),
  INT("timeseries", sim.dyn.timeseries, 0, 1e6, "rows of each dynamic run's latency time series; 0 = none"),
  ENUM("batching", sim.batching, sim_serve_batching_names,
       "static (batches formed at the entry) or continuous (iteration-level, pipelined)"),
  ENUM("kv_memory", sim.kv_memory, sim_serve_kv_memory_names,
       "continuous: unlimited, or wait (admission waits for KV-cache room)"),
  MAP("goodput", goodput_keys, 0, "continuous batching: the SLO a request must meet to count in goodput"),
  END};

const sim__key sim__schema[] = {
  STR("name", name, SIM_KF_NOSWEEP, "scenario label"),
  STR("description", description, SIM_KF_NOSWEEP, "free text"),
  {"seed", SIM_K_SEED, OFF(seed), 0, 0, SIM_KF_NOSWEEP, NULL, NULL, 0, NULL, "master seed"},
  INT("runs", runs, 1, 1e6, "Monte Carlo runs per sweep point"),
  STR("output", output, SIM_KF_NOSWEEP, "output directory"),
  MAP("model", model_keys, 0, "LLM and granularity"),
  {"models", SIM_K_MODELS, 0, 0, 0, SIM_KF_NOSWEEP, NULL, NULL, 0, NULL,
   "several LLMs sharing the servers: list of {name, granularity, delta, budget, tokens, batch, "
   "prompt, rate, weight, origin}"},
  INT("models_used", models_used, 0, 64,
      "with models:, place the first N entries (0: all); sweep it to vary the number of models"),
  MAP("servers", server_keys, 0, "edge servers and optional cloud"),
  MAP("links", link_keys, 0, "D2D links"),
  MAP("workload", workload_keys, 0, "tokens, batch, prompt, context"),
  MAP("quantization", quant_keys, 0, "bit widths and accuracy"),
  MAP("cost", cost_keys, 0, "cost model"),
  MAP("solver", solver_keys, 0, "solver options"),
  MAP("simulation", sim_keys, 0, "discrete-event simulation"),
  {"sweep", SIM_K_SWEEP, 0, 0, 0, SIM_KF_NOSWEEP, NULL, NULL, 0, NULL,
   "one or two swept keys: {key, values | log | linear}"},
  END};

size_t sim__names_count(const char *const *names) {
  size_t n = 0;
  while (names && names[n]) n++;
  return n;
}

int sim__names_index(const char *const *names, const char *s) {
  for (size_t i = 0; names && names[i]; i++)
    if (strcmp(names[i], s) == 0) return (int)i;
  return -1;
}

void sim__names_join(const char *const *names, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; names && names[i] && used < len; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
}

static const sim__key *find_child(const sim__key *keys, const char *name, size_t len) {
  for (const sim__key *k = keys; k && k->name; k++)
    if (strlen(k->name) == len && strncmp(k->name, name, len) == 0) return k;
  return NULL;
}

const sim__key *sim__schema_find(const char *path, const char **sub) {
  const sim__key *keys = sim__schema, *k = NULL;
  const char *p = path;
  if (sub) *sub = NULL;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    if (k != NULL && k->type == SIM_K_SPEC) {
      /* A spec's own sub-keys: only the numeric ones can be addressed. */
      static const char *const spec_sub[] = {"min", "max", "ratio"};
      for (size_t i = 0; i < 3; i++)
        if (strlen(spec_sub[i]) == len && strncmp(spec_sub[i], p, len) == 0 && !dot) {
          if (sub) *sub = spec_sub[i];
          return k;
        }
      return NULL;
    }
    if (k != NULL && k->type != SIM_K_MAP) return NULL;
    k = find_child(keys, p, len);
    if (k == NULL) return NULL;
    keys = k->children;
    p += len;
    if (*p == '.') p++;
  }
  return k;
}

static char *dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int sim__scenario_defaults(sim_scenario *sc, const char *name) {
  memset(sc, 0, sizeof *sc);
  sc->name = dup(name);
  char out[512];
  snprintf(out, sizeof out, "results/%s", name);
  sc->output = dup(out);
  sc->model.name = dup("opt-350m");
  if (!sc->name || !sc->output || !sc->model.name) return SIM_ENOMEM;
  sc->seed = 1;
  sc->runs = 100;
  sc->model.granularity = SIM_GRAN_BLOCK;
  /* Defaults of a custom architecture, used only when model.custom is given:
   * a pre-norm model with a tied head, like most of the OPT family. */
  snprintf(sc->model.arch.name, sizeof sc->model.arch.name, "custom");
  sc->model.arch.family = SIM_FAMILY_OPT;
  sc->model.arch.tied = 1;
  sc->model.arch.pre_norm = 1;

  sc->servers.count = 8;
  sc->servers.ccs = (sim_spec){.kind = SIM_SPEC_UNIFORM, .min = 1e9, .max = 1e10};
  sc->servers.storage = (sim_spec){.kind = SIM_SPEC_UNIFORM, .min = 0.5, .max = 1.5,
                                   .unit = SIM_UNIT_MODEL_FP32};
  sc->servers.mem_bandwidth = (sim_spec){.kind = SIM_SPEC_CONST, .value = 1e10};
  sc->servers.cloud.ccs = 1e13;
  sc->servers.cloud.storage = 1e12;
  sc->servers.cloud.mem_bandwidth = 1e12;
  sc->servers.cloud.bandwidth = 1e8;
  sc->servers.cloud.latency = 0.05;

  sc->links.omega_min = 1e8;
  sc->links.omega_ratio = 10;
  sc->links.latency = 0;
  sc->links.symmetric = 1;
  sc->links.topology = SIM_TOPO_FULL;
  sc->links.radius = 0.5;

  sc->workload.tokens = 128;
  sc->workload.batch = 128;
  sc->workload.prompt = 0;
  sc->workload.context = -1;

  sc->quant.b_min = 4;
  sc->quant.b_max = 32;
  sc->quant.step = 2;
  sc->quant.quantizer = SIM_QUANT_TRUNCATE;
  sc->quant.error = SIM_ERRSRC_ANALYTIC;
  sc->quant.weight_range = 1.0;
  sc->quant.accuracy = SIM_ACC_PER_LAYER;
  sc->quant.delta = 1e-5;
  sc->quant.budget = 0;

  sc->cost.model = SOLVER_COST_PAPER;
  sc->cost.activation_bits = 16;
  sc->cost.kv_bits = 16;

  sc->solver.method = SOLVER_METHOD_ILP;
  sc->solver.formulation = SOLVER_FORM_FLOW;
  sc->solver.time_limit = 60;
  sc->solver.baselines = 0;
  sc->solver.max_layers_per_server = 0;
  sc->solver.origin = -1;
  sc->solver.kv_requests = -1;
  sc->solver.presolve = 1;
  sc->solver.mip_gap = 1e-9;
  sc->solver.max_utilization = 1;
  sc->solver.aggregate = SOLVER_MULTI_SUM;

  sc->sim.replay = 1;
  sc->sim.load = 0;
  sc->sim.rate = 1;
  sc->sim.requests = 1000;
  sc->sim.max_batch = 1;
  sc->sim.slots = 1;
  sc->sim.max_events = 100000000;
  sc->sim.dyn.links = SIM_DYN_LINKS_CONSTANT;
  sc->sim.dyn.to_bad = 0.01;
  sc->sim.dyn.to_good = 0.1;
  sc->sim.dyn.bad_factor = 0.1;
  sc->sim.dyn.walk_sigma = 0.2;
  sc->sim.dyn.walk_step = 1;
  sc->sim.dyn.depart = -1;
  sc->sim.dyn.rate_factor = 1;
  sc->sim.dyn.policy = SIM_POLICY_STATIC;
  sc->sim.dyn.period = 10;
  sc->sim.dyn.threshold = 20;
  return SIM_OK;
}

static void print_keys(FILE *out, const sim__key *keys, const char *prefix) {
  static const char *const tname[] = {
      [SIM_K_MAP] = "mapping", [SIM_K_NUM] = "number", [SIM_K_INT] = "integer",
      [SIM_K_INT_WORD] = "integer", [SIM_K_BOOL] = "true/false", [SIM_K_ENUM] = "one of",
      [SIM_K_STR] = "string", [SIM_K_STRBUF] = "string", [SIM_K_SEED] = "integer",
      [SIM_K_SPEC] = "number, list or {min, max | ratio}", [SIM_K_ENUMSET] = "list of",
      [SIM_K_LAYERS] = "list", [SIM_K_OUTAGES] = "list", [SIM_K_MODELS] = "list",
      [SIM_K_SWEEP] = "list", [SIM_K_DEVICES] = "list or {device: probability}"};
  for (const sim__key *k = keys; k->name; k++) {
    char path[128], extra[256] = "";
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k->name);
    if (k->enums && k->type != SIM_K_INT_WORD) {
      sim__names_join(k->enums, extra, sizeof extra);
    } else if (k->type == SIM_K_INT_WORD) {
      snprintf(extra, sizeof extra, "or %s", k->enums[0]);
    }
    fprintf(out, "%-40s %s%s%s%s%s\n", path, tname[k->type], *extra ? " " : "", extra,
            k->unit ? " " : "", k->unit ? k->unit : "");
    if (k->type == SIM_K_MAP) print_keys(out, k->children, path);
    if (k->type == SIM_K_MODELS)
      for (size_t i = 0; sim__model_entry_keys[i]; i++)
        fprintf(out, "%s[].%-*s list item key\n", path,
                (int)(40 > strlen(path) + 3 ? 40 - strlen(path) - 3 : 0), sim__model_entry_keys[i]);
  }
}

void sim_scenario_schema_print(FILE *out) { print_keys(out, sim__schema, ""); }
