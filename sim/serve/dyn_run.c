/* dyn_run.c: the load experiment under changing conditions: requests on
 * servers and links whose rates change in time, placements that change
 * while requests run, and the moves between them (internal.h describes the
 * state, dyn_move.c makes the moves; docs/simulation.md, "Dynamic
 * conditions", states the model).
 *
 * Rules of the model:
 * - a request runs to its end on the placement that was current when it
 *   started; a request that arrives while the current placement uses a
 *   server that is gone waits (held) until a placement that can serve it is
 *   current;
 * - a move ships the weights of every layer that changes server (p_l·b/8
 *   bytes at its new width) as one transmission on the link from its source
 *   to its new server, FIFO with the inference traffic; the new placement is
 *   current when the last one has arrived;
 * - work on a server that is gone pauses and resumes if it comes back;
 *   requests still unfinished at the end are unserved. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/serve/internal.h"

void sim__dyn_fail(sim__dyn *d, int code) {
  if (d->status == SIM_OK) d->status = code;
  sim_des_stop(d->des);
}

static sim_event *schedule(sim__dyn *d, double t, sim_event_fn fn, void *data) {
  sim_event *ev = sim_event_schedule(d->des, t, fn, d, data);
  if (ev == NULL) sim__dyn_fail(d, t >= sim_des_now(d->des) ? SIM_ENOMEM : SIM_EINTERNAL);
  return ev;
}

int sim__dyn_alive(const sim__dyn *d) {
  return d->arrived < d->cfg.requests || d->work_events > 0 || d->target != NULL;
}

/* ---- plans ---------------------------------------------------------------- */

/* Every directed link has a fixed entity here (after the M servers). */
static size_t link_index_fn(void *ctx, int i, int j) {
  return sim__dyn_link(ctx, (size_t)i, (size_t)j);
}

static void plan_free(dyn_plan *pl) {
  if (pl == NULL) return;
  solver_placement_free(pl->pl);
  free(pl->steps);
  free(pl);
}

/* The plan of placement p (copied), kept in d->plans; NULL with
 * d->status unchanged and *why = SIM_EINFEASIBLE when a route is missing,
 * SIM_ENOMEM when out of memory. */
dyn_plan *sim__dyn_plan_alloc(sim__dyn *d, const solver_placement *p, int *why) {
  const solver_instance *in = d->in;
  dyn_plan *pl = calloc(1, sizeof *pl);
  *why = SIM_ENOMEM;
  if (pl == NULL) return NULL;
  pl->pl = solver_placement_alloc(in->n_layers);
  pl->steps = calloc(2 * in->n_layers + 2, sizeof *pl->steps);
  if (pl->pl == NULL || pl->steps == NULL) goto fail;
  solver_placement_copy(pl->pl, p);
  pl->next = d->plans; /* every plan lives to the end of the run */
  d->plans = pl;
  /* A missing route makes the plan unusable, not the run wrong: the
   * caller records why, so the builder's message is not needed. */
  sim_error local;
  sim_error_clear(&local);
  *why = sim__serve_steps_build(in, p, link_index_fn, d, pl->steps, &pl->n_steps, &local);
  if (*why != SIM_OK) goto fail;
  return pl;
fail:
  if (d->plans == pl) d->plans = pl->next;
  plan_free(pl);
  return NULL;
}

/* 1 when every server of the plan is present. */
static int plan_available(const sim__dyn *d, const dyn_plan *pl) {
  for (size_t l = 0; l < pl->pl->n_layers; l++)
    if (!d->up[pl->pl->server[l]]) return 0;
  if (d->in->origin >= 0 && !d->up[d->in->origin]) return 0;
  return 1;
}

double sim__dyn_plan_cost(sim__dyn *d, const solver_placement *pl) {
  for (size_t l = 0; l < pl->n_layers; l++)
    if (!d->up[pl->server[l]]) return INFINITY;
  double c, m;
  return solver_objective(&d->view, pl, &c, &m);
}

/* ---- service at a changing rate ---------------------------------------------- */

static void task_finished(sim_des *des, void *ctx, void *data);

static void serving_remove(dyn_entity *e, dyn_task *t) {
  if (t->s_prev) t->s_prev->s_next = t->s_next;
  else e->serving = t->s_next;
  if (t->s_next) t->s_next->s_prev = t->s_prev;
  t->s_prev = t->s_next = NULL;
}

/* Starts t's service on entity e, whose slot it holds; `work` nominal s. */
static void task_start(sim__dyn *d, dyn_entity *e, dyn_task *t, double work) {
  const double now = sim_des_now(d->des);
  t->work0 = t->work = work;
  t->since = t->start = now;
  t->s_prev = NULL;
  t->s_next = e->serving;
  if (e->serving) e->serving->s_prev = t;
  e->serving = t;
  t->ev = NULL;
  if (e->rate > 0) {
    /* At rate 1 this is now + work, exactly the static simulator's time. */
    t->ev = schedule(d, now + work / e->rate, task_finished, t);
    if (t->ev) d->work_events++;
  }
}

/* The work of t's current service: a request's step, or a piece's bytes. */
static double task_work(const sim__dyn *d, const dyn_task *t) {
  if (t->kind == DYN_PIECE) return t->work0;
  const int kind = t->pass < d->first_decode ? PASS_PREFILL : PASS_DECODE;
  return t->plan->steps[t->step].dur[kind];
}

static void entity_release(sim__dyn *d, dyn_entity *e) {
  dyn_task *next = e->q_head;
  if (next == NULL) {
    e->busy--;
    return;
  }
  e->q_head = next->next;
  if (e->q_head == NULL) e->q_tail = NULL;
  task_start(d, e, next, task_work(d, next));
}

/* Changes entity e's rate at the current time: each task in service keeps
 * the work it has done and finishes at the new rate. */
static void entity_set_rate(sim__dyn *d, dyn_entity *e, double rate) {
  const double now = sim_des_now(d->des);
  for (dyn_task *t = e->serving; t != NULL; t = t->s_next) {
    if (t->ev != NULL) {
      t->work -= (now - t->since) * e->rate;
      if (t->work < 0) t->work = 0;
      sim_event_cancel(d->des, t->ev);
      d->work_events--;
      t->ev = NULL;
    }
    t->since = now;
    if (rate > 0) {
      t->ev = schedule(d, now + t->work / rate, task_finished, t);
      if (t->ev) d->work_events++;
    }
  }
  e->rate = rate;
}

/* ---- requests ---------------------------------------------------------------- */

static void record(sim__dyn *d, dyn_task *t, double now) {
  const int64_t tokens = d->in->tokens;
  const double lat = now - t->arrival, ttft = t->first_token - t->arrival;
  int bad = sim__hist_add(&d->latency, lat) | sim__hist_add(&d->ttft, ttft);
  if (tokens > 1) bad |= sim__hist_add(&d->tpot, (lat - ttft) / (double)(tokens - 1));
  bad |= sim__hist_add(&d->phase[t->arrival >= d->p->phase_at], lat);
  if (bad) sim__dyn_fail(d, SIM_ENOMEM);
  if (d->p->slo > 0 && lat > d->p->slo) d->late++;
  d->completed++;
  /* Decimation: keep every stride-th completion; when the series is full,
   * keep every other row and double the stride, so at most `timeseries`
   * rows stay, evenly spread over the run. */
  sim_dyn_result *r = d->res;
  const size_t cap = (size_t)d->p->timeseries;
  if (cap > 0 && d->ts_seen++ % d->ts_stride == 0) {
    if (r->n_series == cap) {
      size_t w = 0;
      for (size_t k = 0; k < r->n_series; k += 2, w++) {
        r->series_time[w] = r->series_time[k];
        r->series_latency[w] = r->series_latency[k];
      }
      r->n_series = w;
      d->ts_stride *= 2;
    }
    if (r->n_series < cap) {
      r->series_time[r->n_series] = now;
      r->series_latency[r->n_series++] = lat;
    }
  }
}

static void request_advance(sim__dyn *d, dyn_task *t) {
  const double now = sim_des_now(d->des);
  if (++t->step < t->plan->n_steps) {
    sim__dyn_task_enter(d, t);
    return;
  }
  if (t->pass == d->first_decode) t->first_token = now;
  if (++t->pass < d->n_passes) {
    t->step = 0;
    sim__dyn_task_enter(d, t);
    return;
  }
  record(d, t, now);
  sim__pool_put(&d->tasks, t);
}

void sim__dyn_task_enter(sim__dyn *d, dyn_task *t) {
  t->entity = t->kind == DYN_PIECE ? t->entity : t->plan->steps[t->step].entity;
  dyn_entity *e = &d->ents[t->entity];
  if (e->busy < e->slots) {
    e->busy++;
    task_start(d, e, t, task_work(d, t));
    return;
  }
  t->next = NULL;
  if (e->q_tail) e->q_tail->next = t;
  else e->q_head = t;
  e->q_tail = t;
}

static void request_start(sim__dyn *d, dyn_task *t) {
  t->plan = d->current;
  t->pass = 0;
  t->step = 0;
  sim__dyn_task_enter(d, t);
}

/* Starts the held requests, in arrival order, once the current placement
 * can serve them. */
void sim__dyn_release_held(sim__dyn *d) {
  while (d->held_head != NULL && plan_available(d, d->current)) {
    dyn_task *t = d->held_head;
    d->held_head = t->next;
    if (d->held_head == NULL) d->held_tail = NULL;
    request_start(d, t);
  }
}

/* ---- event handlers ----------------------------------------------------------------- */

static void delivered(sim_des *des, void *ctx, void *data) {
  (void)des;
  sim__dyn *d = ctx;
  dyn_task *t = data;
  d->work_events--;
  if (t->kind == DYN_PIECE) sim__dyn_piece_arrived(d, t);
  else request_advance(d, t);
}

static void task_finished(sim_des *des, void *ctx, void *data) {
  sim__dyn *d = ctx;
  dyn_task *t = data;
  const double now = sim_des_now(des);
  dyn_entity *e = &d->ents[t->entity];
  d->work_events--;
  t->ev = NULL;
  serving_remove(e, t);
  if (!e->is_link) {
    const serve_step *st = &t->plan->steps[t->step];
    if (st->hold) {
      t->step++;
      task_start(d, e, t, task_work(d, t));
      return;
    }
    entity_release(d, e);
    request_advance(d, t);
    return;
  }
  /* A transmission: what it took tells the controller the link's factor. */
  const double elapsed = now - t->start;
  const size_t link = t->entity;
  entity_release(d, e);
  const double lat = t->kind == DYN_PIECE ? t->latency : t->plan->steps[t->step].latency;
  if (lat > 0) {
    if (schedule(d, now + lat, delivered, t)) d->work_events++;
  } else {
    d->work_events++;
    delivered(des, ctx, t);
  }
  if (elapsed > 0) sim__dyn_observe(d, link, t->work0 / elapsed);
}

static double next_arrival(sim__dyn *d, double now) {
  if (d->cfg.horizon > 0) {
    const int64_t k = d->cfg.requests - d->arrived;
    d->horizon_m *= pow(gsl_rng_uniform_pos(d->arrival_rng), 1.0 / (double)k);
    return d->cfg.horizon * (1.0 - d->horizon_m);
  }
  const double f = now >= d->p->rate_at ? d->p->rate_factor : 1.0;
  double t = now + gsl_ran_exponential(d->arrival_rng, 1.0 / (d->cfg.rate * f));
  if (now < d->p->rate_at && t > d->p->rate_at && d->p->rate_factor != 1.0)
    /* Poisson arrivals are memoryless: from the change on, draw at the new rate. */
    t = d->p->rate_at + gsl_ran_exponential(d->arrival_rng, 1.0 / (d->cfg.rate * d->p->rate_factor));
  return t;
}

static void arrival(sim_des *des, void *ctx, void *data) {
  (void)data;
  sim__dyn *d = ctx;
  const double now = sim_des_now(des);
  dyn_task *t = sim__pool_get(&d->tasks);
  if (t == NULL) {
    sim__dyn_fail(d, SIM_ENOMEM);
    return;
  }
  memset(t, 0, sizeof *t);
  t->kind = DYN_REQUEST;
  t->id = d->arrived++;
  t->arrival = now;
  t->first_token = NAN;
  if (d->held_head == NULL && plan_available(d, d->current)) {
    request_start(d, t);
  } else {
    if (d->held_tail) d->held_tail->next = t;
    else d->held_head = t;
    d->held_tail = t;
  }
  if (d->arrived < d->cfg.requests) schedule(d, next_arrival(d, now), arrival, NULL);
}

/* A random link process changes; data is the pair index i·M + j. */
static void link_changed(sim_des *des, void *ctx, void *data) {
  sim__dyn *d = ctx;
  const size_t ij = (size_t)(uintptr_t)data;
  d->true_f[ij] = d->links[ij].factor;
  entity_set_rate(d, &d->ents[d->M + ij], d->true_f[ij]);
  sim__dyn_changed(d, 0);
  if (!sim__dyn_alive(d)) return;
  double f;
  const double t = sim_dyn_link_next(&d->links[ij], sim_des_now(des), &f);
  if (isfinite(t)) schedule(d, t, link_changed, data);
}

/* Applies every trace row at the current time, then waits for the next. */
static void trace_step(sim_des *des, void *ctx, void *data) {
  (void)data;
  sim__dyn *d = ctx;
  const double now = sim_des_now(des);
  const size_t M = d->M;
  while (d->trace_next < d->p->n_changes && d->p->changes[d->trace_next].time <= now) {
    const sim_dyn_change *c = &d->p->changes[d->trace_next++];
    if ((size_t)c->from >= M || (size_t)c->to >= M) continue;
    const size_t ij = (size_t)c->from * M + (size_t)c->to;
    const double nominal = d->in->bandwidth[ij];
    if (!(nominal > 0)) continue; /* no route to vary */
    d->true_f[ij] = c->bandwidth / nominal;
    entity_set_rate(d, &d->ents[M + ij], d->true_f[ij]);
  }
  sim__dyn_changed(d, 0);
  if (d->trace_next < d->p->n_changes) schedule(d, d->p->changes[d->trace_next].time, trace_step, NULL);
}

static void server_leaves(sim_des *des, void *ctx, void *data) {
  (void)des;
  (void)data;
  sim__dyn *d = ctx;
  const size_t i = (size_t)d->p->depart;
  d->up[i] = 0;
  entity_set_rate(d, &d->ents[i], 0.0);
  sim__dyn_changed(d, 1);
}

static void server_returns(sim_des *des, void *ctx, void *data) {
  (void)des;
  (void)data;
  sim__dyn *d = ctx;
  const size_t i = (size_t)d->p->depart;
  d->up[i] = 1;
  entity_set_rate(d, &d->ents[i], 1.0);
  sim__dyn_release_held(d);
  sim__dyn_changed(d, 0);
}

/* ---- setup and results ------------------------------------------------------------- */

void sim_dyn_result_init(sim_dyn_result *res) {
  memset(res, 0, sizeof *res);
  res->slo_miss = res->throughput_tokens = NAN;
}

void sim_dyn_result_clear(sim_dyn_result *res) {
  for (size_t k = 0; k < res->n_decisions; k++) solver_placement_free(res->decisions[k].placement);
  free(res->series_time);
  free(res->series_latency);
  sim_dyn_result_init(res);
}

static void dyn_free(sim__dyn *d) {
  if (d == NULL) return;
  while (d->plans != NULL) {
    dyn_plan *n = d->plans->next;
    plan_free(d->plans);
    d->plans = n;
  }
  sim_des_free(d->des);
  if (d->arrival_rng) gsl_rng_free(d->arrival_rng);
  for (size_t k = 0; d->link_rng != NULL && k < d->M * d->M; k++)
    if (d->link_rng[k]) gsl_rng_free(d->link_rng[k]);
  free(d->link_rng);
  free(d->links);
  free(d->ents);
  free(d->up);
  free(d->true_f);
  free(d->est_f);
  free(d->view_bw);
  free(d->view_servers);
  sim__pool_clear(&d->tasks);
  sim__hist_clear(&d->latency);
  sim__hist_clear(&d->ttft);
  sim__hist_clear(&d->tpot);
  sim__hist_clear(&d->phase[0]);
  sim__hist_clear(&d->phase[1]);
  free(d);
}

#define DYN_MAX_SERVERS 256 /* M^2 link entities and processes */

static int check(const solver_instance *in, const solver_placement *p, const sim_serve_config *cfg,
                 const sim_dyn_params *dyn, sim_error *err) {
  if (in->n_layers == 0 || p->n_layers != in->n_layers)
    return sim_error_set(err, SIM_EINPUT, "the placement has %zu layers but the instance %zu",
                         p->n_layers, in->n_layers);
  for (size_t l = 0; l < p->n_layers; l++)
    if (p->server[l] < 0 || (size_t)p->server[l] >= in->n_servers || p->bits[l] < 0 ||
        (size_t)p->bits[l] >= in->n_bits)
      return sim_error_set(err, SIM_EINPUT, "layer %zu: server or bit-width index out of range", l);
  if (in->n_servers > DYN_MAX_SERVERS)
    return sim_error_set(err, SIM_EINPUT, "dynamic runs support at most %d servers", DYN_MAX_SERVERS);
  if (cfg->max_batch != 1 || cfg->compute_cv != 0 || cfg->bandwidth_cv != 0 || cfg->n_outages != 0 ||
      cfg->service != SIM_SERVICE_MODEL || cfg->slots < 1)
    return sim_error_set(err, SIM_EINPUT, "dynamic runs support neither batching, perturbations "
                         "nor outages (the dynamics replace them)");
  if (cfg->requests < 1 || !(cfg->horizon >= 0 && isfinite(cfg->horizon)) ||
      (cfg->horizon == 0 && !(cfg->rate > 0 && isfinite(cfg->rate))))
    return sim_error_set(err, SIM_EINPUT, "a load run needs requests >= 1 and a positive rate or horizon");
  if (!(dyn->rate_factor > 0) || !(dyn->bad_factor > 0 && dyn->bad_factor <= 1) ||
      (dyn->depart >= 0 && (size_t)dyn->depart >= in->n_servers) ||
      (dyn->policy == SIM_POLICY_PERIODIC && !(dyn->period > 0)) || dyn->timeseries < 0)
    return sim_error_set(err, SIM_EINPUT, "dynamics: rate_factor > 0, bad_factor in (0, 1], a "
                         "departing server in range and a period > 0 are required");
  return SIM_OK;
}

static sim__dyn *dyn_alloc(const solver_instance *in, const sim_serve_config *cfg,
                           const sim_dyn_params *dyn, const solver_options *solve,
                           sim_dyn_result *res) {
  sim__dyn *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  const size_t M = in->n_servers;
  d->in = in;
  d->cfg = *cfg;
  d->p = dyn;
  d->solve = *solve;
  d->res = res;
  d->M = M;
  d->n_ents = M + M * M;
  d->n_passes = in->tokens + (in->prompt > 0);
  d->first_decode = in->prompt > 0;
  d->ts_stride = 1;
  d->horizon_m = 1.0;
  sim__pool_init(&d->tasks, sizeof(dyn_task));
  sim__hist_init(&d->latency);
  sim__hist_init(&d->ttft);
  sim__hist_init(&d->tpot);
  sim__hist_init(&d->phase[0]);
  sim__hist_init(&d->phase[1]);
  d->des = sim_des_alloc();
  d->ents = calloc(d->n_ents, sizeof *d->ents);
  d->up = calloc(M, sizeof *d->up);
  d->true_f = calloc(M * M, sizeof *d->true_f);
  d->est_f = calloc(M * M, sizeof *d->est_f);
  d->links = calloc(M * M, sizeof *d->links);
  d->link_rng = calloc(M * M, sizeof *d->link_rng);
  d->view_bw = calloc(M * M, sizeof *d->view_bw);
  d->view_servers = calloc(M, sizeof *d->view_servers);
  d->arrival_rng = sim__serve_stream_alloc(cfg->run_seed, 0);
  if (!d->des || !d->ents || !d->up || !d->true_f || !d->est_f || !d->links || !d->link_rng ||
      !d->view_bw || !d->view_servers || !d->arrival_rng)
    goto oom;
  if (dyn->timeseries > 0) {
    res->series_time = malloc((size_t)dyn->timeseries * sizeof *res->series_time);
    res->series_latency = malloc((size_t)dyn->timeseries * sizeof *res->series_latency);
    if (!res->series_time || !res->series_latency) goto oom;
  }
  for (size_t i = 0; i < M; i++) {
    d->up[i] = 1;
    d->ents[i] = (dyn_entity){.from = (int)i, .to = (int)i, .rate = 1.0, .slots = cfg->slots};
  }
  for (size_t ij = 0; ij < M * M; ij++) {
    d->true_f[ij] = d->est_f[ij] = 1.0;
    d->ents[M + ij] = (dyn_entity){.is_link = 1, .from = (int)(ij / M), .to = (int)(ij % M),
                                   .rate = 1.0, .nominal = in->bandwidth[ij], .slots = 1};
    const int random = dyn->links == SIM_DYN_LINKS_GILBERT || dyn->links == SIM_DYN_LINKS_WALK;
    if (random && ij / M != ij % M && in->bandwidth[ij] > 0) {
      /* Streams of their own, apart from the serving model's entity ids. */
      d->link_rng[ij] = gsl_rng_alloc(gsl_rng_mt19937);
      if (d->link_rng[ij] == NULL) goto oom;
      gsl_rng_set(d->link_rng[ij], sim_seed_derive(cfg->run_seed, SIM_STREAM_DYNAMICS, ij));
    }
    sim_dyn_link_init(&d->links[ij], dyn, d->link_rng[ij]);
  }
  memcpy(d->view_servers, in->servers, M * sizeof *d->view_servers);
  d->view = *in;
  d->view.bandwidth = d->view_bw;
  d->view.servers = d->view_servers;
  return d;
oom:
  dyn_free(d);
  return NULL;
}

static void collect(sim__dyn *d, sim_dyn_result *r) {
  r->arrived = d->arrived;
  r->completed = d->completed;
  r->unserved = d->arrived - d->completed;
  sim__hist_summary(&d->latency, &r->latency);
  sim__hist_summary(&d->ttft, &r->ttft);
  sim__hist_summary(&d->tpot, &r->tpot);
  sim__hist_summary(&d->phase[0], &r->phase[0]);
  sim__hist_summary(&d->phase[1], &r->phase[1]);
  r->end_time = sim_des_now(d->des);
  r->events = sim_des_events(d->des);
  if (d->p->slo > 0 && d->arrived > 0)
    r->slo_miss = 100.0 * (double)(d->late + r->unserved) / (double)d->arrived;
  if (r->end_time > 0)
    r->throughput_tokens = (double)d->completed * (double)d->in->tokens * (double)d->in->batch / r->end_time;
}

int sim_dyn_run(const solver_instance *in, const solver_placement *initial,
                const sim_serve_config *cfg, const sim_dyn_params *dyn,
                const solver_options *solve, sim_dyn_result *res, sim_error *err) {
  sim_dyn_result_init(res);
  if (check(in, initial, cfg, dyn, err) != SIM_OK) return err->code;
  sim__dyn *d = dyn_alloc(in, cfg, dyn, solve, res);
  if (d == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory building the dynamic run");
  int why;
  if ((d->current = sim__dyn_plan_alloc(d, initial, &why)) == NULL) {
    dyn_free(d);
    return why == SIM_ENOMEM ? sim_error_set(err, SIM_ENOMEM, "out of memory")
                             : sim_error_set(err, SIM_EINFEASIBLE, "the placement needs a route "
                                             "that does not exist");
  }
  sim__dyn_view_update(d, 0);
  d->t_ref = sim__dyn_plan_cost(d, initial);
  /* The first events: arrivals, the link processes, the trace, the server
   * that leaves and returns, the controller's clock. */
  schedule(d, next_arrival(d, 0.0), arrival, NULL);
  for (size_t ij = 0; ij < d->M * d->M; ij++) {
    if (d->link_rng[ij] == NULL) continue;
    double f;
    const double t = sim_dyn_link_next(&d->links[ij], 0.0, &f);
    if (isfinite(t)) schedule(d, t, link_changed, (void *)(uintptr_t)ij);
  }
  if (dyn->links == SIM_DYN_LINKS_TRACE && dyn->n_changes > 0)
    schedule(d, dyn->changes[0].time, trace_step, NULL);
  if (dyn->depart >= 0) {
    schedule(d, dyn->depart_at, server_leaves, NULL);
    if (dyn->return_at > dyn->depart_at) schedule(d, dyn->return_at, server_returns, NULL);
  }
  sim__dyn_controller_start(d);
  sim_des_run(d->des, cfg->until, cfg->max_events);
  int rc = SIM_OK;
  if (d->status != SIM_OK) rc = sim_error_set(err, d->status, "the dynamic run stopped: %s",
                                              sim_strerror(d->status));
  else collect(d, res);
  dyn_free(d);
  if (rc != SIM_OK) sim_dyn_result_clear(res);
  return rc;
}
