/* serve_multi.c: several models' request streams on shared servers and
 * links (the model is described in sim/serve/serve.h and docs/model.md).
 *
 * Each model keeps the single-model static mode's rules: a request is one
 * job that runs its passes (a prefill when the prompt is non-empty, then
 * one per token) through its placement's steps; a job that finishes a layer
 * keeps its server's slot when the next layer is on the same server; links
 * transmit one job at a time and the last bit arrives the route's latency
 * later. What is shared is the entities: a server's slots and FIFO queue,
 * and a directed link's FIFO, serve the jobs of every model in arrival
 * order. Durations are the ones serve.c computes from the cost functions
 * (sim__serve_step_cost), so a request alone takes its model's analytic T.
 *
 * Random streams: model m's arrivals draw from the stream sim_serve_load
 * uses for arrivals under run seed sim_serve_multi_seed(run_seed, m), so a
 * model that shares nothing sees exactly its single-model run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/serve/internal.h"

/* A model's stream: its instance, placement, steps and statistics. */
typedef struct mstream {
  size_t index;            /* m */
  const solver_instance *in;
  const solver_placement *pl;
  serve_step *steps;       /* entity indices are shared entities */
  size_t n_steps;
  int64_t n_passes, first_decode;
  double rate;             /* requests/s */
  int64_t requests;        /* arrivals of this model */
  gsl_rng *arrival_rng;    /* owned */
  double horizon_m;        /* horizon mode: the current order statistic */
  int64_t arrived, completed;
  double last_done;        /* s, the latest completion */
  sim__hist latency, ttft, tpot;
  double analytic;
} mstream;

/* A request; it is its own job. */
typedef struct mjob {
  struct mjob *next;       /* FIFO link (the pool's link while free) */
  size_t model;
  int64_t id, pass;
  size_t step;
  double arrival, first_token; /* s */
} mjob;

/* A server or a directed link, shared by the models. */
typedef struct mentity {
  int is_link;
  int from, to;            /* server, or the link's ends */
  int64_t slots, busy_slots;
  mjob *q_head, *q_tail;   /* FIFO of waiting jobs, every model's */
  double busy;             /* s of work done */
  uint64_t jobs;
} mentity;

typedef struct mserve {
  sim_serve_config cfg;
  sim_des *des;
  int status;
  size_t n_models;
  mstream *ms;
  size_t n_servers, n_ents;
  mentity *ents;           /* servers, then every link a model uses */
  sim__pool jobs;
} mserve;

uint64_t sim_serve_multi_seed(uint64_t run_seed, size_t m) {
  /* Model 0 keeps the run seed, so a one-model run is the single-model run. */
  return m == 0 ? run_seed : sim_seed_derive(run_seed, SIM_STREAM_DES, (uint64_t)m);
}

int64_t sim_serve_multi_requests(const solver_multi *mi, size_t m, int64_t requests) {
  if (!(mi->rate[m] > 0)) return 0;
  double total = 0;
  for (size_t k = 0; k < mi->n_models; k++)
    if (mi->rate[k] > 0) total += mi->rate[k];
  const double share = floor((double)requests * mi->rate[m] / total + 0.5);
  return share < 1 ? 1 : (int64_t)share;
}

void sim_serve_multi_result_init(sim_serve_multi_result *res) {
  memset(res, 0, sizeof *res);
  res->end_time = res->rho = NAN;
}

void sim_serve_multi_result_clear(sim_serve_multi_result *res) {
  free(res->model);
  free(res->entities);
  sim_serve_multi_result_init(res);
}

/* ---- setup -------------------------------------------------------------------- */

static size_t link_entity(mserve *sv, int i, int j) {
  size_t e = sv->n_servers;
  while (e < sv->n_ents && !(sv->ents[e].from == i && sv->ents[e].to == j)) e++;
  if (e < sv->n_ents) return e;
  mentity *x = &sv->ents[sv->n_ents];
  memset(x, 0, sizeof *x);
  x->is_link = 1;
  x->from = i;
  x->to = j;
  x->slots = 1;
  return sv->n_ents++;
}

static size_t link_entity_fn(void *ctx, int i, int j) { return link_entity(ctx, i, j); }

/* The steps of one pass of model s, by the builder serve.c uses. */
static int build_steps(mserve *sv, mstream *s, sim_error *err) {
  if ((s->steps = calloc(2 * s->in->n_layers + 2, sizeof *s->steps)) == NULL)
    return sim_error_set(err, SIM_ENOMEM, "out of memory building the serving model");
  return sim__serve_steps_build(s->in, s->pl, link_entity_fn, sv, s->steps, &s->n_steps, err);
}

static void mserve_free(mserve *sv) {
  if (sv == NULL) return;
  for (size_t m = 0; sv->ms != NULL && m < sv->n_models; m++) {
    mstream *s = &sv->ms[m];
    free(s->steps);
    if (s->arrival_rng != NULL) gsl_rng_free(s->arrival_rng);
    sim__hist_clear(&s->latency);
    sim__hist_clear(&s->ttft);
    sim__hist_clear(&s->tpot);
  }
  free(sv->ms);
  free(sv->ents);
  sim_des_free(sv->des);
  sim__pool_clear(&sv->jobs);
  free(sv);
}

static int check_inputs(const solver_multi *mi, solver_placement *const *pl,
                        const sim_serve_config *cfg, sim_error *err) {
  if (solver_multi_validate(mi, err) != SIM_OK) return err->code;
  for (size_t m = 0; m < mi->n_models; m++) {
    const solver_instance *in = mi->models[m];
    const solver_placement *p = pl[m];
    if (p == NULL || p->n_layers != in->n_layers || in->n_layers == 0)
      return sim_error_set(err, SIM_EINPUT, "model %zu: no placement of its %zu layers", m,
                           in->n_layers);
    for (size_t l = 0; l < p->n_layers; l++)
      if (p->server[l] < 0 || (size_t)p->server[l] >= in->n_servers || p->bits[l] < 0 ||
          (size_t)p->bits[l] >= in->n_bits)
        return sim_error_set(err, SIM_EINPUT, "model %zu, layer %zu: server or bit width out of "
                             "range", m, l);
  }
  if (cfg->slots < 1) return sim_error_set(err, SIM_EINPUT, "slots must be at least 1");
  if (cfg->batching != SIM_BATCHING_STATIC || cfg->max_batch != 1)
    return sim_error_set(err, SIM_EINPUT, "several models are simulated without batching "
                         "(simulation.batching static, simulation.max_batch 1)");
  if (cfg->compute_cv != 0 || cfg->bandwidth_cv != 0 || cfg->n_outages != 0 ||
      cfg->service != SIM_SERVICE_MODEL)
    return sim_error_set(err, SIM_EINPUT, "several models are simulated without perturbations "
                         "or outages (simulation.compute_cv, simulation.bandwidth_cv, "
                         "simulation.outages)");
  if (cfg->requests < 1) return sim_error_set(err, SIM_EINPUT, "a load run needs requests >= 1");
  if (!(cfg->horizon >= 0 && isfinite(cfg->horizon)))
    return sim_error_set(err, SIM_EINPUT, "horizon must be finite and >= 0");
  return SIM_OK;
}

/* requests[m]: arrivals of model m; t0: NaN for the arrival process, or the
 * time of a single arrival. */
static mserve *mserve_alloc(const solver_multi *mi, solver_placement *const *pl,
                            const sim_serve_config *cfg, const int64_t *requests,
                            sim_error *err) {
  mserve *sv = calloc(1, sizeof *sv);
  if (sv == NULL) goto oom;
  sv->cfg = *cfg;
  sv->n_models = mi->n_models;
  sv->n_servers = sv->n_ents = mi->models[0]->n_servers;
  sim__pool_init(&sv->jobs, sizeof(mjob));
  size_t max_links = 0;
  for (size_t m = 0; m < mi->n_models; m++) max_links += mi->models[m]->n_layers + 2;
  sv->ms = calloc(mi->n_models, sizeof *sv->ms);
  sv->ents = calloc(sv->n_servers + max_links, sizeof *sv->ents);
  sv->des = sim_des_alloc();
  if (sv->ms == NULL || sv->ents == NULL || sv->des == NULL) goto oom;
  for (size_t i = 0; i < sv->n_servers; i++) {
    sv->ents[i].from = sv->ents[i].to = (int)i;
    sv->ents[i].slots = cfg->slots;
  }
  for (size_t m = 0; m < mi->n_models; m++) {
    mstream *s = &sv->ms[m];
    s->index = m;
    s->in = mi->models[m];
    s->pl = pl[m];
    s->rate = mi->rate[m];
    s->requests = requests[m];
    s->n_passes = s->in->tokens + (s->in->prompt > 0);
    s->first_decode = s->in->prompt > 0;
    s->analytic = solver_objective(s->in, s->pl, NULL, NULL);
    s->horizon_m = 1.0;
    sim__hist_init(&s->latency);
    sim__hist_init(&s->ttft);
    sim__hist_init(&s->tpot);
    if (build_steps(sv, s, err) != SIM_OK) {
      mserve_free(sv);
      return NULL;
    }
    if ((s->arrival_rng = sim__serve_stream_alloc(sim_serve_multi_seed(cfg->run_seed, m), 0)) == NULL)
      goto oom;
  }
  return sv;
oom:
  mserve_free(sv);
  sim_error_set(err, SIM_ENOMEM, "out of memory building the serving model");
  return NULL;
}

/* ---- events ------------------------------------------------------------------- */

static void fail(mserve *sv, int code) {
  if (sv->status == SIM_OK) sv->status = code;
  sim_des_stop(sv->des);
}

static void schedule(mserve *sv, double t, sim_event_fn fn, void *data) {
  if (sim_event_schedule(sv->des, t, fn, sv, data) != NULL) return;
  fail(sv, t >= sim_des_now(sv->des) ? SIM_ENOMEM : SIM_EINTERNAL);
}

static void compute_done(sim_des *des, void *ctx, void *data);
static void send_done(sim_des *des, void *ctx, void *data);

static inline int pass_kind(const mstream *s, const mjob *job) {
  return job->pass < s->first_decode ? PASS_PREFILL : PASS_DECODE;
}

/* Starts the job's current step on entity e, whose slot it already holds. */
static void job_run(mserve *sv, mentity *e, mjob *job) {
  const mstream *s = &sv->ms[job->model];
  const serve_step *st = &s->steps[job->step];
  const double d = st->dur[pass_kind(s, job)];
  e->busy += d;
  e->jobs++;
  schedule(sv, sim_des_now(sv->des) + d, st->kind == STEP_COMPUTE ? compute_done : send_done, job);
}

static void entity_release(mserve *sv, mentity *e) {
  mjob *next = e->q_head;
  if (next == NULL) {
    e->busy_slots--;
    return;
  }
  e->q_head = next->next;
  if (e->q_head == NULL) e->q_tail = NULL;
  job_run(sv, e, next);
}

/* Queues the job at its current step's entity, or starts it if a slot is
 * free. A non-empty queue means every slot is busy. */
static void job_enter(mserve *sv, mjob *job) {
  mentity *e = &sv->ents[sv->ms[job->model].steps[job->step].entity];
  if (e->busy_slots < e->slots) {
    e->busy_slots++;
    job_run(sv, e, job);
    return;
  }
  job->next = NULL;
  if (e->q_tail != NULL) e->q_tail->next = job;
  else e->q_head = job;
  e->q_tail = job;
}

static void job_finish(mserve *sv, mjob *job, double now) {
  mstream *s = &sv->ms[job->model];
  const int64_t tokens = s->in->tokens;
  const double lat = now - job->arrival, ttft = job->first_token - job->arrival;
  int bad = sim__hist_add(&s->latency, lat) | sim__hist_add(&s->ttft, ttft);
  if (tokens > 1) bad |= sim__hist_add(&s->tpot, (lat - ttft) / (double)(tokens - 1));
  if (bad) fail(sv, SIM_ENOMEM);
  s->completed++;
  s->last_done = now;
  sim__pool_put(&sv->jobs, job);
}

static void job_advance(mserve *sv, mjob *job) {
  const mstream *s = &sv->ms[job->model];
  if (++job->step < s->n_steps) {
    job_enter(sv, job);
    return;
  }
  const double now = sim_des_now(sv->des);
  if (job->pass == s->first_decode) job->first_token = now;
  if (++job->pass < s->n_passes) {
    job->step = 0; /* the next token needs this one: the pass starts over */
    job_enter(sv, job);
  } else {
    job_finish(sv, job, now);
  }
}

static void compute_done(sim_des *des, void *ctx, void *data) {
  (void)des;
  mserve *sv = ctx;
  mjob *job = data;
  const serve_step *st = &sv->ms[job->model].steps[job->step];
  mentity *e = &sv->ents[st->entity];
  if (st->hold) { /* the next layer is on this server: keep the slot */
    job->step++;
    job_run(sv, e, job);
    return;
  }
  entity_release(sv, e);
  job_advance(sv, job);
}

static void deliver(sim_des *des, void *ctx, void *data) {
  (void)des;
  job_advance(ctx, data);
}

static void send_done(sim_des *des, void *ctx, void *data) {
  mserve *sv = ctx;
  mjob *job = data;
  const serve_step *st = &sv->ms[job->model].steps[job->step];
  entity_release(sv, &sv->ents[st->entity]);
  if (st->latency > 0) schedule(sv, sim_des_now(des) + st->latency, deliver, job);
  else deliver(des, ctx, data);
}

/* As sim__serve_next_arrival, on model s's own stream. */
static double next_arrival(const mserve *sv, mstream *s, double now) {
  if (sv->cfg.horizon > 0) {
    const int64_t k = s->requests - s->arrived;
    s->horizon_m *= pow(gsl_rng_uniform_pos(s->arrival_rng), 1.0 / (double)k);
    return sv->cfg.horizon * (1.0 - s->horizon_m);
  }
  return now + gsl_ran_exponential(s->arrival_rng, 1.0 / s->rate);
}

static void arrival(sim_des *des, void *ctx, void *data) {
  mserve *sv = ctx;
  mstream *s = data;
  const size_t m = s->index;
  const double now = sim_des_now(des);
  mjob *job = sim__pool_get(&sv->jobs);
  if (job == NULL) {
    fail(sv, SIM_ENOMEM);
    return;
  }
  job->next = NULL;
  job->model = m;
  job->id = s->arrived++;
  job->pass = 0;
  job->step = 0;
  job->arrival = now;
  job->first_token = NAN;
  job_enter(sv, job);
  if (s->arrived < s->requests) schedule(sv, next_arrival(sv, s, now), arrival, s);
}

/* ---- results ------------------------------------------------------------------- */

/* Busy time (s) of model s's request alone on each entity: a prefill and
 * `tokens` decode passes of its steps. Added into busy[]. */
static void request_busy(const mstream *s, double scale, double *busy) {
  for (size_t k = 0; k < s->n_steps; k++) {
    const serve_step *st = &s->steps[k];
    const double b = (double)s->in->tokens * st->dur[PASS_DECODE] +
                     (s->in->prompt > 0 ? st->dur[PASS_PREFILL] : 0.0);
    busy[st->entity] += scale * b;
  }
}

static int collect(mserve *sv, sim_des_stop_reason stop, sim_serve_multi_result *res,
                   sim_error *err) {
  const solver_instance *in0 = sv->ms[0].in;
  res->n_models = sv->n_models;
  res->events = sim_des_events(sv->des);
  res->stop = stop;
  res->end_time = sim_des_now(sv->des);
  res->model = calloc(sv->n_models, sizeof *res->model);
  res->entities = calloc(sv->n_ents, sizeof *res->entities);
  double *load = calloc(2 * sv->n_ents, sizeof *load), *alone = load + sv->n_ents;
  if (res->model == NULL || res->entities == NULL || load == NULL) {
    free(load);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  for (size_t m = 0; m < sv->n_models; m++) {
    const mstream *s = &sv->ms[m];
    sim_serve_multi_model *o = &res->model[m];
    o->analytic = s->analytic;
    o->arrived = s->arrived;
    o->completed = s->completed;
    sim__hist_summary(&s->latency, &o->latency);
    sim__hist_summary(&s->ttft, &o->ttft);
    sim__hist_summary(&s->tpot, &o->tpot);
    o->end_time = s->completed > 0 ? s->last_done : NAN;
    o->throughput_requests = o->throughput_tokens = NAN;
    if (s->completed > 0 && s->last_done > 0) {
      o->throughput_requests = (double)s->completed / s->last_done;
      o->throughput_tokens =
          (double)s->completed * (double)s->in->tokens * (double)s->in->batch / s->last_done;
    }
    memset(alone, 0, sv->n_ents * sizeof *alone);
    request_busy(s, s->rate, alone);
    request_busy(s, s->rate, load);
    o->rho = 0;
    for (size_t e = 0; e < sv->n_ents; e++)
      o->rho = fmax(o->rho, alone[e] / (double)sv->ents[e].slots);
  }
  res->rho = 0;
  res->n_entities = sv->n_ents;
  for (size_t k = 0; k < sv->n_ents; k++) {
    const mentity *e = &sv->ents[k];
    sim_serve_entity *o = &res->entities[k];
    if (e->is_link)
      snprintf(o->name, sizeof o->name, "%s->%s", in0->servers[e->from].name, in0->servers[e->to].name);
    else
      snprintf(o->name, sizeof o->name, "%s", in0->servers[e->from].name);
    o->is_link = e->is_link;
    o->from = e->from;
    o->to = e->to;
    o->busy = e->busy;
    o->jobs = e->jobs;
    o->utilization = res->end_time > 0 ? e->busy / (res->end_time * (double)e->slots) : 0.0;
    o->mean_batch = o->mem_mean = o->mem_peak = NAN;
    res->rho = fmax(res->rho, load[k] / (double)e->slots);
  }
  free(load);
  return SIM_OK;
}

/* Runs the streams with requests[m] arrivals each; t0 as in mserve_alloc. */
static int multi_run(const solver_multi *mi, solver_placement *const *pl,
                     const sim_serve_config *cfg, const int64_t *requests, double t0,
                     sim_serve_multi_result *res, sim_error *err) {
  sim_serve_multi_result_init(res);
  mserve *sv = mserve_alloc(mi, pl, cfg, requests, err);
  if (sv == NULL) return err->code;
  int rc = SIM_OK;
  for (size_t m = 0; m < sv->n_models && rc == SIM_OK; m++) {
    mstream *s = &sv->ms[m];
    if (s->requests == 0) continue;
    const double t = isnan(t0) ? next_arrival(sv, s, 0.0) : t0;
    if (sim_event_schedule(sv->des, t, arrival, sv, s) == NULL)
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory starting the simulation");
  }
  if (rc == SIM_OK) {
    const sim_des_stop_reason stop = sim_des_run(sv->des, cfg->until, cfg->max_events);
    if (sv->status != SIM_OK)
      rc = sim_error_set(err, sv->status, "the simulation stopped: %s", sim_strerror(sv->status));
    else
      rc = collect(sv, stop, res, err);
  }
  mserve_free(sv);
  return rc;
}

int sim_serve_multi_load(const solver_multi *mi, solver_placement *const *pl,
                         const sim_serve_config *cfg, sim_serve_multi_result *res, sim_error *err) {
  sim_serve_multi_result_init(res);
  if (check_inputs(mi, pl, cfg, err) != SIM_OK) return err->code;
  int64_t *requests = calloc(mi->n_models, sizeof *requests);
  if (requests == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  for (size_t m = 0; m < mi->n_models; m++)
    requests[m] = sim_serve_multi_requests(mi, m, cfg->requests);
  const int rc = multi_run(mi, pl, cfg, requests, NAN, res, err);
  free(requests);
  return rc;
}

int sim_serve_multi_replay(const solver_multi *mi, solver_placement *const *pl, size_t m,
                           const sim_serve_config *cfg, sim_serve_multi_result *res,
                           sim_error *err) {
  sim_serve_multi_result_init(res);
  if (m >= mi->n_models) return sim_error_set(err, SIM_EINPUT, "no model %zu", m);
  sim_serve_config one = *cfg;
  one.requests = 1;
  one.horizon = 0;
  if (check_inputs(mi, pl, &one, err) != SIM_OK) return err->code;
  int64_t *requests = calloc(mi->n_models, sizeof *requests);
  if (requests == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  requests[m] = 1;
  const int rc = multi_run(mi, pl, &one, requests, 0.0, res, err);
  free(requests);
  return rc;
}
