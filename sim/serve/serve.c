/* serve.c: building the serving model from an instance and a placement,
 * running it and summarizing the run (the model is described in sim/serve/serve.h).
 *
 * Entity ids for random streams are fixed by the instance, not by the
 * placement, so two placements of one run see the same random numbers on
 * the same server (common random numbers): 0 is the arrival process, 1 + i
 * server i, 1 + M + i·M + j the link from i to j. */
#include "sim/serve/serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"
#include "sim/serve/internal.h"

enum { SEND_ACT = 0, SEND_INPUT = 1, SEND_OUTPUT = 2 };

/* ---- configuration and results --------------------------------------------- */

void sim_serve_config_init(sim_serve_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->rate = 1.0;
  cfg->requests = 1;
  cfg->max_batch = 1;
  cfg->slots = 1;
  cfg->service = SIM_SERVICE_MODEL;
  cfg->until = INFINITY;
}

void sim_serve_config_from_params(sim_serve_config *cfg, const sim_serve_params *params,
                                  uint64_t seed, uint64_t run) {
  sim_serve_config_init(cfg);
  cfg->run_seed = sim_seed_derive(seed, SIM_STREAM_DES, run);
  cfg->rate = params->rate;
  cfg->requests = params->requests;
  cfg->horizon = params->horizon;
  cfg->max_batch = params->max_batch;
  cfg->slots = params->slots;
  cfg->max_events = (uint64_t)params->max_events;
  cfg->compute_cv = params->compute_cv;
  cfg->bandwidth_cv = params->bandwidth_cv;
  cfg->outages = params->outages;
  cfg->n_outages = params->n_outages;
  cfg->batching = params->batching;
  cfg->kv_memory = params->kv_memory;
  cfg->slo_ttft = params->slo_ttft;
  cfg->slo_tpot = params->slo_tpot;
}

const char *const sim_serve_batching_names[] = {"static", "continuous", NULL};
const char *const sim_serve_kv_memory_names[] = {"unlimited", "wait", NULL};

void sim_serve_result_init(sim_serve_result *res) {
  memset(res, 0, sizeof *res);
  res->analytic = res->analytic_compute = res->analytic_comm = NAN;
  res->simulated = res->rel_error = res->mape = res->mean_gap = NAN;
  res->throughput_requests = res->throughput_tokens = NAN;
  res->goodput_requests = res->mean_batch = NAN;
  res->itl.mean = res->itl.p50 = res->itl.p95 = res->itl.p99 = res->itl.min = res->itl.max = NAN;
}

void sim_serve_result_clear(sim_serve_result *res) {
  free(res->entities);
  sim_serve_result_init(res);
}

/* ---- durations ----------------------------------------------------------------- */

double sim__serve_step_cost(const solver_instance *in, const solver_placement *p, const serve_step *st,
                        int kind) {
  const int64_t k = kind == PASS_PREFILL ? in->prompt : 1;
  if (st->kind == STEP_COMPUTE) {
    const size_t l = (size_t)st->layer;
    return solver_pass_compute(in, l, (size_t)p->server[l], (size_t)p->bits[l], k);
  }
  double t;
  if (st->what == SEND_INPUT) {
    t = solver_pass_input(in, (size_t)p->server[0], k);
  } else {
    const size_t l = (size_t)st->layer, i = (size_t)p->server[l];
    t = st->what == SEND_OUTPUT ? solver_pass_output(in, i, (size_t)p->bits[l], k)
                                : solver_pass_transfer(in, l, i, (size_t)p->server[l + 1],
                                                       (size_t)p->bits[l], k);
  }
  /* The route's time is transmission plus latency; the link is busy only
   * for the transmission. (a + b) - b >= 0 in floating point for a, b >= 0. */
  return t - st->latency;
}

double sim__step_duration(sim__serve *sv, const serve_step *st, int pass_kind, int64_t r) {
  if (r == 1) return st->dur[pass_kind];
  sv->scaled.batch = r * sv->in->batch;
  return sim__serve_step_cost(&sv->scaled, sv->pl, st, pass_kind);
}

/* ---- setup ------------------------------------------------------------------------ */

/* The entity of link i -> j, or n_ents if the placement uses no such link.
 * Linear in the links, which are at most layers + 1: setup only. */
static size_t find_link(const sim__serve *sv, int i, int j) {
  size_t e = sv->n_servers;
  while (e < sv->n_ents && !(sv->ents[e].from == i && sv->ents[e].to == j)) e++;
  return e;
}

/* The entity of link i -> j, appended on first use. */
static size_t link_entity(sim__serve *sv, int i, int j) {
  const size_t found = find_link(sv, i, j);
  if (found < sv->n_ents) return found;
  serve_entity *e = &sv->ents[sv->n_ents];
  memset(e, 0, sizeof *e);
  e->is_link = 1;
  e->from = i;
  e->to = j;
  e->slots = 1;
  return sv->n_ents++;
}

/* A send step of a pass: checks the route and takes its link entity. */
static int step_send(const solver_instance *in, sim__serve_link_fn link, void *ctx, serve_step *steps,
                     size_t *n, int what, int layer, int i, int j, sim_error *err) {
  const size_t M = in->n_servers;
  if (!(in->bandwidth[(size_t)i * M + (size_t)j] > 0))
    return sim_error_set(err, SIM_EINFEASIBLE,
                         "the placement needs the route %s -> %s (%s), which does not exist",
                         in->servers[i].name, in->servers[j].name,
                         what == SEND_INPUT ? "the origin's input" :
                         what == SEND_OUTPUT ? "the output back to the origin" : "activations");
  serve_step *st = &steps[(*n)++];
  memset(st, 0, sizeof *st);
  st->kind = STEP_SEND;
  st->what = what;
  st->layer = layer;
  st->entity = link(ctx, i, j);
  st->latency = in->latency[(size_t)i * M + (size_t)j];
  return SIM_OK;
}

int sim__serve_steps_build(const solver_instance *in, const solver_placement *p,
                           sim__serve_link_fn link, void *ctx, serve_step *steps,
                           size_t *n_steps, sim_error *err) {
  const int L = (int)in->n_layers;
  const long origin = in->origin;
  size_t n = 0;
  *n_steps = 0;
  if (origin >= 0 && origin != p->server[0] &&
      step_send(in, link, ctx, steps, &n, SEND_INPUT, -1, (int)origin, p->server[0], err) != SIM_OK)
    return err->code;
  for (int l = 0; l < L; l++) {
    serve_step *st = &steps[n++];
    memset(st, 0, sizeof *st);
    st->kind = STEP_COMPUTE;
    st->layer = l;
    st->entity = (size_t)p->server[l];
    st->hold = l + 1 < L && p->server[l + 1] == p->server[l];
    if (l + 1 < L && p->server[l + 1] != p->server[l] &&
        step_send(in, link, ctx, steps, &n, SEND_ACT, l, p->server[l], p->server[l + 1], err) != SIM_OK)
      return err->code;
  }
  if (origin >= 0 && origin != p->server[L - 1] &&
      step_send(in, link, ctx, steps, &n, SEND_OUTPUT, L - 1, p->server[L - 1], (int)origin, err) != SIM_OK)
    return err->code;
  for (size_t s = 0; s < n; s++) {
    steps[s].dur[PASS_DECODE] = sim__serve_step_cost(in, p, &steps[s], PASS_DECODE);
    steps[s].dur[PASS_PREFILL] = in->prompt > 0 ? sim__serve_step_cost(in, p, &steps[s], PASS_PREFILL) : 0;
  }
  *n_steps = n;
  return SIM_OK;
}

static size_t link_entity_fn(void *ctx, int i, int j) { return link_entity(ctx, i, j); }

static int build_steps(sim__serve *sv, sim_error *err) {
  return sim__serve_steps_build(sv->in, sv->pl, link_entity_fn, sv, sv->steps, &sv->n_steps, err);
}

typedef struct outage_item {
  size_t entity;
  double lo, hi;
} outage_item;

static int outage_cmp(const void *a, const void *b) {
  const outage_item *x = a, *y = b;
  if (x->entity != y->entity) return x->entity < y->entity ? -1 : 1;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Gives each entity its outages sorted and merged, so that a finish time is
 * one forward walk. Outages of links the placement never uses do not matter
 * and are dropped. */
static int build_outages(sim__serve *sv, sim_error *err) {
  const size_t n = sv->cfg.n_outages, M = sv->n_servers;
  if (n == 0) return SIM_OK;
  outage_item *it = malloc(n * sizeof *it);
  sv->out_buf = malloc(2 * n * sizeof *sv->out_buf);
  if (it == NULL || sv->out_buf == NULL) {
    free(it);
    return sim_error_set(err, SIM_ENOMEM, "out of memory building the outages");
  }
  size_t m = 0;
  for (size_t k = 0; k < n; k++) {
    const sim_outage *o = &sv->cfg.outages[k];
    if (o->a < 0 || (size_t)o->a >= M || (o->is_link && (o->b < 0 || (size_t)o->b >= M)) ||
        !(o->start < o->end)) {
      free(it);
      return sim_error_set(err, SIM_EINPUT, "outage %zu: servers are numbered 0..%zu and start "
                           "must be before end", k, M - 1);
    }
    const size_t e = o->is_link ? find_link(sv, o->a, o->b) : (size_t)o->a;
    if (e == sv->n_ents) continue;
    it[m++] = (outage_item){e, o->start, o->end};
  }
  qsort(it, m, sizeof *it, outage_cmp);
  double *lo = sv->out_buf, *hi = sv->out_buf + n;
  size_t w = 0;
  for (size_t k = 0; k < m; k++) {
    serve_entity *e = &sv->ents[it[k].entity];
    if (e->n_out > 0 && it[k].lo <= hi[w - 1]) {
      if (it[k].hi > hi[w - 1]) hi[w - 1] = it[k].hi; /* overlapping: merge */
      continue;
    }
    if (e->n_out == 0) {
      e->out_lo = lo + w;
      e->out_hi = hi + w;
    }
    lo[w] = it[k].lo;
    hi[w] = it[k].hi;
    w++;
    e->n_out++;
  }
  free(it);
  return SIM_OK;
}

gsl_rng *sim__serve_stream_alloc(uint64_t run_seed, uint64_t entity) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (r != NULL) gsl_rng_set(r, sim_seed_derive(run_seed, SIM_STREAM_DES, entity));
  return r;
}

static void serve_free(sim__serve *sv) {
  if (sv == NULL) return;
  sim__batch_free(sv);
  sim_des_free(sv->des);
  if (sv->arrival_rng != NULL) gsl_rng_free(sv->arrival_rng);
  for (size_t k = 0; sv->ents != NULL && k < sv->n_ents; k++)
    if (sv->ents[k].rng != NULL) gsl_rng_free(sv->ents[k].rng);
  free(sv->ents);
  free(sv->steps);
  free(sv->out_buf);
  sim__pool_clear(&sv->jobs);
  sim__pool_clear(&sv->requests);
  sim__hist_clear(&sv->latency);
  sim__hist_clear(&sv->ttft);
  sim__hist_clear(&sv->tpot);
  free(sv);
}

static int check_inputs(const solver_instance *in, const solver_placement *p,
                        const sim_serve_config *cfg, int replay, sim_error *err) {
  if (in->n_layers == 0 || p->n_layers != in->n_layers)
    return sim_error_set(err, SIM_EINPUT, "the placement has %zu layers but the instance %zu",
                         p->n_layers, in->n_layers);
  for (size_t l = 0; l < p->n_layers; l++)
    if (p->server[l] < 0 || (size_t)p->server[l] >= in->n_servers || p->bits[l] < 0 ||
        (size_t)p->bits[l] >= in->n_bits)
      return sim_error_set(err, SIM_EINPUT, "layer %zu: server %d or bit-width index %d out of "
                           "range (servers 0..%zu, widths 0..%zu)", l, p->server[l], p->bits[l],
                           in->n_servers - 1, in->n_bits - 1);
  if (cfg->slots < 1 || cfg->max_batch < 1)
    return sim_error_set(err, SIM_EINPUT, "slots and max_batch must be at least 1");
  if (cfg->batching != SIM_BATCHING_STATIC && cfg->batching != SIM_BATCHING_CONTINUOUS)
    return sim_error_set(err, SIM_EINPUT, "batching must be static or continuous");
  if (cfg->batching == SIM_BATCHING_CONTINUOUS && cfg->slots != 1)
    return sim_error_set(err, SIM_EINPUT, "continuous batching runs one batch per server at a "
                         "time: slots must be 1 (the batch limit is max_batch)");
  if (cfg->kv_memory != SIM_KV_UNLIMITED &&
      (cfg->kv_memory != SIM_KV_WAIT || cfg->batching != SIM_BATCHING_CONTINUOUS))
    return sim_error_set(err, SIM_EINPUT, "kv_memory must be unlimited, or wait with continuous "
                         "batching");
  if (!(cfg->slo_ttft >= 0 && cfg->slo_tpot >= 0))
    return sim_error_set(err, SIM_EINPUT, "the SLO bounds must be >= 0");
  if (!(cfg->compute_cv >= 0 && cfg->bandwidth_cv >= 0 && isfinite(cfg->compute_cv) &&
        isfinite(cfg->bandwidth_cv)))
    return sim_error_set(err, SIM_EINPUT, "compute_cv and bandwidth_cv must be finite and >= 0");
  if (!replay) {
    if (cfg->requests < 1) return sim_error_set(err, SIM_EINPUT, "a load run needs requests >= 1");
    if (!(cfg->horizon >= 0 && isfinite(cfg->horizon)))
      return sim_error_set(err, SIM_EINPUT, "horizon must be finite and >= 0");
    if (cfg->horizon == 0 && !(cfg->rate > 0 && isfinite(cfg->rate)))
      return sim_error_set(err, SIM_EINPUT, "rate must be positive and finite");
  }
  return SIM_OK;
}

static sim__serve *serve_alloc(const solver_instance *in, const solver_placement *p,
                               const sim_serve_config *cfg, sim_error *err) {
  sim__serve *sv = calloc(1, sizeof *sv);
  if (sv == NULL) goto oom;
  sv->in = in;
  sv->pl = p;
  sv->scaled = *in;
  sv->cfg = *cfg;
  sv->analytic = solver_objective(in, p, &sv->analytic_compute, &sv->analytic_comm);
  sv->n_servers = sv->n_ents = in->n_servers;
  sv->n_passes = in->tokens + (in->prompt > 0);
  sv->first_decode = in->prompt > 0;
  sim__pool_init(&sv->jobs, sizeof(serve_job));
  sim__pool_init(&sv->requests, sizeof(serve_request));
  sim__hist_init(&sv->latency);
  sim__hist_init(&sv->ttft);
  sim__hist_init(&sv->tpot);
  /* At most one link per layer boundary plus the origin's two. */
  sv->ents = calloc(in->n_servers + in->n_layers + 2, sizeof *sv->ents);
  sv->steps = calloc(2 * in->n_layers + 2, sizeof *sv->steps);
  sv->des = sim_des_alloc();
  if (sv->ents == NULL || sv->steps == NULL || sv->des == NULL) goto oom;
  for (size_t i = 0; i < in->n_servers; i++) {
    sv->ents[i].from = sv->ents[i].to = (int)i;
    sv->ents[i].slots = cfg->slots;
  }
  if (build_steps(sv, err) != SIM_OK || build_outages(sv, err) != SIM_OK) {
    serve_free(sv);
    return NULL;
  }
  const uint64_t M = in->n_servers;
  /* Each entity draws from its own stream, made once here. */
  if ((sv->arrival_rng = sim__serve_stream_alloc(cfg->run_seed, 0)) == NULL) goto oom;
  for (size_t s = 0; s < sv->n_steps; s++) {
    serve_entity *e = &sv->ents[sv->steps[s].entity];
    if (e->rng != NULL) continue;
    uint64_t id = e->is_link ? 1 + M + (uint64_t)e->from * M + (uint64_t)e->to : 1 + (uint64_t)e->from;
    if ((e->rng = sim__serve_stream_alloc(cfg->run_seed, id)) == NULL) goto oom;
  }
  return sv;
oom:
  serve_free(sv);
  sim_error_set(err, SIM_ENOMEM, "out of memory building the serving model");
  return NULL;
}

static void entity_name(const solver_instance *in, const serve_entity *e, char *buf, size_t len) {
  if (e->is_link) snprintf(buf, len, "%s->%s", in->servers[e->from].name, in->servers[e->to].name);
  else snprintf(buf, len, "%s", in->servers[e->from].name);
}

static int collect(sim__serve *sv, sim_des_stop_reason stop, int replay, sim_serve_result *res,
                   sim_error *err) {
  const solver_instance *in = sv->in;
  res->analytic = sv->analytic;
  res->analytic_compute = sv->analytic_compute;
  res->analytic_comm = sv->analytic_comm;
  res->events = sim_des_events(sv->des);
  res->stop = stop;
  res->end_time = sim_des_now(sv->des);
  res->arrived = sv->arrived;
  res->completed = sv->completed;
  res->batches = sv->batches;
  res->peak_in_flight = sv->peak_in_flight;
  sim__hist_summary(&sv->latency, &res->latency);
  sim__hist_summary(&sv->ttft, &res->ttft);
  sim__hist_summary(&sv->tpot, &res->tpot);
  const double T = res->analytic, end = res->end_time;
  if (replay) res->simulated = sv->completed == 1 ? sv->latency.sum : NAN;
  else res->simulated = res->latency.mean;
  res->rel_error = fabs(res->simulated - T) / (T != 0 ? fabs(T) : 1.0);
  if (sv->completed > 0) {
    res->mape = 100.0 * sv->ape_sum / (double)sv->completed;
    res->mean_gap = 100.0 * (res->latency.mean - T) / T;
  }
  if (end > 0) {
    res->throughput_requests = (double)sv->completed / end;
    res->throughput_tokens = (double)sv->completed * (double)in->tokens * (double)in->batch / end;
  }
  res->entities = calloc(sv->n_ents, sizeof *res->entities);
  if (res->entities == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  if (sv->batch != NULL) sim__batch_collect(sv, res);
  res->n_entities = sv->n_ents;
  for (size_t k = 0; k < sv->n_ents; k++) {
    const serve_entity *e = &sv->ents[k];
    sim_serve_entity *o = &res->entities[k];
    entity_name(in, e, o->name, sizeof o->name);
    o->is_link = e->is_link;
    o->from = e->from;
    o->to = e->to;
    o->busy = e->busy;
    o->jobs = e->jobs;
    o->utilization = end > 0 ? e->busy / (end * (double)e->slots) : 0.0;
  }
  return SIM_OK;
}

int sim_serve_check_limit(const sim_serve_result *res, const sim_serve_config *cfg, sim_error *err) {
  if (res->stop != SIM_DES_LIMIT) return SIM_OK;
  return sim_error_set(err, SIM_EINPUT,
                       "simulation.max_events: the simulation reached its cap of %llu events at "
                       "t = %g s with %lld of %lld requests complete; raise simulation.max_events "
                       "(0: no cap) or shorten the workload (workload.tokens, simulation.requests)",
                       (unsigned long long)cfg->max_events, res->end_time, (long long)res->completed,
                       (long long)cfg->requests);
}

static int serve_run(const solver_instance *in, const solver_placement *p,
                     const sim_serve_config *cfg_in, int replay, sim_serve_result *res,
                     sim_error *err) {
  sim_serve_result_init(res);
  if (check_inputs(in, p, cfg_in, replay, err) != SIM_OK) return err->code;
  sim_serve_config cfg = *cfg_in;
  if (replay) {
    cfg.requests = 1;
    cfg.horizon = 0;
  }
  sim__serve *sv = serve_alloc(in, p, &cfg, err);
  if (sv == NULL) return err->code;
  if (cfg.trace != NULL)
    for (size_t k = 0; k < sv->n_ents; k++) {
      char name[56];
      entity_name(in, &sv->ents[k], name, sizeof name);
      sim_trace_track(cfg.trace, (int)k, sv->ents[k].is_link, name);
    }
  int rc = cfg.batching == SIM_BATCHING_CONTINUOUS ? sim__batch_start(sv, replay ? 0.0 : NAN, err)
                                                   : sim__serve_start(sv, replay ? 0.0 : NAN);
  if (rc != SIM_OK) {
    if (cfg.batching != SIM_BATCHING_CONTINUOUS)
      sim_error_set(err, rc, "out of memory starting the simulation");
  } else {
    sim_des_stop_reason stop = sim_des_run(sv->des, cfg.until, cfg.max_events);
    if (sv->status != SIM_OK) rc = sim_error_set(err, sv->status, "the simulation stopped: %s",
                                                 sim_strerror(sv->status));
    else rc = collect(sv, stop, replay, res, err);
  }
  serve_free(sv);
  return rc;
}

int sim_serve_replay(const solver_instance *in, const solver_placement *p,
                     const sim_serve_config *cfg, sim_serve_result *res, sim_error *err) {
  return serve_run(in, p, cfg, 1, res, err);
}

int sim_serve_load(const solver_instance *in, const solver_placement *p,
                   const sim_serve_config *cfg, sim_serve_result *res, sim_error *err) {
  return serve_run(in, p, cfg, 0, res, err);
}
