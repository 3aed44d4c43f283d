/* scenario_check.c: rules that involve more than one key (b_min <= b_max,
 * list lengths against the server count, indices against the servers that
 * exist, ...). They run on the base scenario, or on every sweep point when
 * there is a sweep, so a run never meets an invalid point halfway. */
#include "sim/scenario/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Reports against the node of `path` (or of the sweep, or line 1). */
static void fail(sim__pctx *ctx, const char *where, const yaml_node_t *at, const char *path,
                 const char *msg) {
  const yaml_node_t *n = sim__mark_find(ctx, path);
  if (where != NULL) n = at;
  if (where != NULL)
    sim__perr(ctx, n, path, "%s: %s", where, msg);
  else
    sim__perr(ctx, n, path, "%s", msg);
}

static void check_spec(sim__pctx *ctx, const sim_scenario *sc, const sim_spec *s, const char *path,
                       const char *where, const yaml_node_t *at) {
  char d[256];
  if (s->kind == SIM_SPEC_LIST && (int64_t)s->n_list != sc->servers.count) {
    snprintf(d, sizeof d, "%zu values given for %lld servers (servers.count); give one per server",
             s->n_list, (long long)sc->servers.count);
    fail(ctx, where, at, path, d);
  }
  if (s->kind == SIM_SPEC_UNIFORM && s->ratio <= 0 && s->min > s->max) {
    snprintf(d, sizeof d, "min = %.17g must not exceed max = %.17g", s->min, s->max);
    fail(ctx, where, at, path, d);
  }
}

/* Rules of simulation.dynamics and simulation.controller that involve
 * other keys (the dynamic simulator supports the load run without batching,
 * perturbations or outages, which the dynamics replace). */
static void check_dynamics(sim__pctx *ctx, const sim_scenario *sc, const char *where,
                           const yaml_node_t *at, int64_t nodes) {
  const sim_dyn_params *y = &sc->sim.dyn;
  char d[256];
  if (!y->enabled) {
    if (y->has_controller)
      fail(ctx, where, at, "simulation.controller", "the controller needs simulation.dynamics");
    if (y->slo != 0 || y->timeseries != 0)
      fail(ctx, where, at, y->slo != 0 ? "simulation.slo" : "simulation.timeseries",
           "slo and timeseries belong to dynamic runs: they need simulation.dynamics");
    return;
  }
  if (!sc->sim.load)
    fail(ctx, where, at, "simulation.dynamics", "dynamics apply to the load run: set simulation.load: true");
  if (sc->sim.max_batch != 1 || sc->sim.compute_cv != 0 || sc->sim.bandwidth_cv != 0 ||
      sc->sim.n_outages != 0)
    fail(ctx, where, at, "simulation.dynamics",
         "dynamics cannot be combined with max_batch > 1, compute_cv, bandwidth_cv or outages");
  if (y->links == SIM_DYN_LINKS_TRACE && y->trace == NULL)
    fail(ctx, where, at, "simulation.dynamics.trace", "links: trace needs simulation.dynamics.trace");
  if (y->links != SIM_DYN_LINKS_TRACE && y->trace != NULL)
    fail(ctx, where, at, "simulation.dynamics.trace", "a trace is read only with links: trace");
  for (size_t k = 0; k < y->n_changes; k++)
    if (y->changes[k].from >= nodes || y->changes[k].to >= nodes) {
      snprintf(d, sizeof d, "row %zu names link %ld-%ld but servers are numbered 0..%lld", k + 1,
               y->changes[k].from, y->changes[k].to, (long long)(nodes - 1));
      fail(ctx, where, at, "simulation.dynamics.trace", d);
      break;
    }
  if (y->depart >= nodes) {
    snprintf(d, sizeof d, "depart = %lld but servers are numbered 0..%lld", (long long)y->depart,
             (long long)(nodes - 1));
    fail(ctx, where, at, "simulation.dynamics.depart", d);
  }
  if (y->return_at != 0 && !(y->return_at > y->depart_at)) {
    snprintf(d, sizeof d, "return_at = %.17g must be 0 (never) or after depart_at = %.17g",
             y->return_at, y->depart_at);
    fail(ctx, where, at, "simulation.dynamics.return_at", d);
  }
  if (y->rate_factor != 1 && sc->sim.horizon > 0)
    fail(ctx, where, at, "simulation.dynamics.rate_factor",
         "a rate change needs Poisson arrivals (simulation.horizon: 0)");
  if (nodes > 256)
    fail(ctx, where, at, "simulation.dynamics", "dynamic runs support at most 256 servers");
}

int sim__scenario_check(sim__pctx *ctx, const sim_scenario *sc, const char *where,
                        const yaml_node_t *at) {
  size_t before = ctx->err->count;
  char d[512];
  const int64_t nodes = sc->servers.count + (sc->servers.has_cloud ? 1 : 0);

  if (sc->quant.b_min > sc->quant.b_max) {
    snprintf(d, sizeof d, "b_min = %lld must not exceed quantization.b_max = %lld",
             (long long)sc->quant.b_min, (long long)sc->quant.b_max);
    fail(ctx, where, at, "quantization.b_min", d);
  } else if ((sc->quant.b_max - sc->quant.b_min) % sc->quant.step != 0) {
    snprintf(d, sizeof d, "b_max - b_min = %lld is not a multiple of step = %lld; the widths are "
             "b_min, b_min + step, ..., b_max",
             (long long)(sc->quant.b_max - sc->quant.b_min), (long long)sc->quant.step);
    fail(ctx, where, at, "quantization.step", d);
  }
  if (sc->quant.error == SIM_ERRSRC_TABLE && sc->quant.error_table == NULL)
    fail(ctx, where, at, "quantization.error",
         "error: table needs quantization.error_table (a CSV written by `dilemma profile`)");
  if (sc->quant.accuracy == SIM_ACC_BUDGET && !(sc->quant.budget > 0))
    fail(ctx, where, at, "quantization.accuracy",
         "accuracy: budget needs quantization.budget > 0 (the total error allowed)");

  check_spec(ctx, sc, &sc->servers.ccs, "servers.ccs", where, at);
  check_spec(ctx, sc, &sc->servers.storage, "servers.storage", where, at);
  check_spec(ctx, sc, &sc->servers.mem_bandwidth, "servers.mem_bandwidth", where, at);

  if (sc->model.n_layers > 0) {
    /* Checked before any addition can overflow (9300 layers of 1e15). */
    int64_t total = 0;
    for (size_t k = 0; k < sc->model.n_layers; k++) {
      if (sc->model.layers[k].params > SIM_MODEL_MAX_PARAMS - total) {
        snprintf(d, sizeof d, "the parameter count overflows: layers 0..%zu hold more than %.0e "
                 "parameters in total, the largest a model may have", k, (double)SIM_MODEL_MAX_PARAMS);
        fail(ctx, where, at, "model.layers", d);
        break;
      }
      total += sc->model.layers[k].params;
    }
  }
  if (sc->model.has_arch && sc->model.n_layers > 0) {
    fail(ctx, where, at, "model.layers", "give either model.custom or model.layers, not both");
  } else if (sc->model.has_arch) {
    sim_error aerr;
    sim_error_clear(&aerr);
    if (sim_arch_validate(&sc->model.arch, &aerr) != SIM_OK) {
      /* One message per line of the architecture's own report. */
      char *line = aerr.msg;
      while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        fail(ctx, where, at, "model.custom", line);
        line = nl ? nl + 1 : NULL;
      }
    }
  } else if (sc->model.n_layers == 0 && sim_arch_find(sc->model.name) == NULL) {
    const char *names[16];
    size_t n = 0;
    for (const sim_arch *a; (a = sim_arch_builtin(n)) != NULL && n < 15; n++) names[n] = a->name;
    names[n] = NULL;
    const char *near = sim_suggest(sc->model.name, names, n);
    char allowed[256];
    sim__names_join(names, allowed, sizeof allowed);
    snprintf(d, sizeof d, "unknown model '%s'%s%s%s; allowed: %s (or model.custom / model.layers)",
             sc->model.name, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "",
             allowed);
    fail(ctx, where, at, "model.name", d);
  }

  /* Every pass of a batch fires at least one event, so the events of a
   * simulation are at least its passes: refuse before running what the cap
   * would stop anyway (workload.tokens: 1e6 with the load experiment). */
  if (sc->sim.max_events > 0 && (sc->sim.load || sc->sim.replay)) {
    const double batches = sc->sim.load ? ceil((double)sc->sim.requests / (double)sc->sim.max_batch) : 1.0;
    const double passes = batches * (double)(sc->workload.tokens + (sc->workload.prompt > 0));
    if (passes > (double)sc->sim.max_events) {
      snprintf(d, sizeof d, "the %s needs at least %.4g events (%.4g batches x %lld passes), past the "
               "cap of %lld; raise simulation.max_events (0: no cap) or shorten the workload",
               sc->sim.load ? "load simulation" : "replay", passes, batches,
               (long long)(sc->workload.tokens + (sc->workload.prompt > 0)), (long long)sc->sim.max_events);
      fail(ctx, where, at, "simulation.max_events", d);
    }
  }

  if (sc->solver.origin >= nodes) {
    snprintf(d, sizeof d, "origin = %lld but servers are numbered 0..%lld",
             (long long)sc->solver.origin, (long long)(nodes - 1));
    fail(ctx, where, at, "solver.origin", d);
  }
  unsigned methods = sc->solver.baselines | (1u << sc->solver.method);
  if ((methods & (1u << SOLVER_METHOD_CLOUD)) && !sc->servers.has_cloud)
    fail(ctx, where, at, sc->solver.method == SOLVER_METHOD_CLOUD ? "solver.method" : "solver.baselines",
         "method 'cloud' needs a cloud node (servers.cloud)");

  if (sc->n_models > 0 && sc->quant.error == SIM_ERRSRC_TABLE)
    fail(ctx, where, at, "quantization.error",
         "an error table describes one model; with models: use error: analytic");
  for (size_t m = 0; m < sc->n_models; m++) {
    const sim_model_entry *e = &sc->models[m];
    char path[64];
    snprintf(path, sizeof path, "models[%zu]", m);
    if (e->origin >= nodes) {
      snprintf(d, sizeof d, "origin = %lld but servers are numbered 0..%lld",
               (long long)e->origin, (long long)(nodes - 1));
      fail(ctx, where, at, path, d);
    }
    const double budget = isnan(e->budget) ? sc->quant.budget : e->budget;
    if (sc->quant.accuracy == SIM_ACC_BUDGET && !(budget > 0))
      fail(ctx, where, at, path, "accuracy: budget needs a budget > 0 for every model");
  }
  if (sc->models_used > 0 && (size_t)sc->models_used > sc->n_models) {
    snprintf(d, sizeof d, "models_used = %lld but models: lists %zu model%s",
             (long long)sc->models_used, sc->n_models, sc->n_models == 1 ? "" : "s");
    fail(ctx, where, at, "models_used", d);
  }
  if (sc->n_models > 0) {
    /* The multi-model simulator (sim_serve_multi_load) runs each model's
     * requests one at a time on nominal durations. */
    const char *why = "several models (models:) are simulated without batching, perturbations, "
                      "outages or dynamics";
    if (sc->sim.dyn.enabled) fail(ctx, where, at, "simulation.dynamics", why);
    if (sc->sim.batching != SIM_BATCHING_STATIC) fail(ctx, where, at, "simulation.batching", why);
    if (sc->sim.max_batch > 1) fail(ctx, where, at, "simulation.max_batch", why);
    if (sc->sim.compute_cv > 0) fail(ctx, where, at, "simulation.compute_cv", why);
    if (sc->sim.bandwidth_cv > 0) fail(ctx, where, at, "simulation.bandwidth_cv", why);
    if (sc->sim.n_outages > 0) fail(ctx, where, at, "simulation.outages", why);
  }
  if (sc->solver.latency_cap > 0 && sc->solver.objective != SOLVER_OBJECTIVE_THROUGHPUT)
    fail(ctx, where, at, "solver.latency_cap", "a latency cap needs solver.objective: throughput");
  if (sc->sim.batching == SIM_BATCHING_CONTINUOUS && sc->sim.slots != 1)
    fail(ctx, where, at, "simulation.slots",
         "continuous batching runs one batch per server at a time: slots must be 1 "
         "(the batch limit is max_batch)");
  if (sc->sim.batching == SIM_BATCHING_CONTINUOUS && sc->sim.dyn.enabled)
    fail(ctx, where, at, "simulation.batching",
         "continuous batching is not modelled in dynamic runs (simulation.dynamics); use static");
  if (sc->sim.kv_memory != SIM_KV_UNLIMITED && sc->sim.batching != SIM_BATCHING_CONTINUOUS)
    fail(ctx, where, at, "simulation.kv_memory", "kv_memory: wait needs simulation.batching: continuous");

  for (size_t i = 0; i < sc->sim.n_outages; i++) {
    const sim_outage *o = &sc->sim.outages[i];
    char path[64];
    snprintf(path, sizeof path, "simulation.outages[%zu]", i);
    if (!(o->start < o->end)) {
      snprintf(d, sizeof d, "start = %.17g must be before end = %.17g", o->start, o->end);
      fail(ctx, where, at, path, d);
    }
    if (o->a >= nodes || (o->is_link && o->b >= nodes)) {
      snprintf(d, sizeof d, "server index out of range; servers are numbered 0..%lld", (long long)(nodes - 1));
      fail(ctx, where, at, path, d);
    } else if (o->is_link && o->a == o->b) {
      fail(ctx, where, at, path, "a link joins two different servers");
    }
  }
  check_dynamics(ctx, sc, where, at, nodes);
  sim__scenario_hw_check(ctx, sc, where, at);
  return ctx->err->count > before ? -1 : 0;
}
