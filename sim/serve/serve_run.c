/* serve_run.c: the serving model's event handlers: arrivals, FIFO service
 * on servers and links, propagation, and the end of passes and requests.
 *
 * A job (a batch) is always in exactly one place: waiting in an entity's
 * queue, being served by it (one pending completion event), or propagating
 * on a link (one pending delivery event). Zero-latency deliveries and the
 * move to the next step happen inside the handler that ends the previous
 * step, so they cost no event. Nothing here allocates except the job and
 * request pools, which grow only when more requests are in flight than ever
 * before. */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "sim/serve/internal.h"

static void fail(sim__serve *sv, int code) {
  if (sv->status == SIM_OK) sv->status = code;
  sim_des_stop(sv->des);
}

static void schedule(sim__serve *sv, double t, sim_event_fn fn, void *data) {
  if (sim_event_schedule(sv->des, t, fn, sv, data) != NULL) return;
  /* The kernel refuses only a time in the past (our bug) or a full pool. */
  fail(sv, t >= sim_des_now(sv->des) ? SIM_ENOMEM : SIM_EINTERNAL);
}

static inline int pass_kind(const sim__serve *sv, const serve_job *job) {
  return job->pass < sv->first_decode ? PASS_PREFILL : PASS_DECODE;
}

/* The trace's token column: the decode step, or -1 for the prefill. */
static inline int64_t trace_token(const sim__serve *sv, const serve_job *job) {
  return job->pass - sv->first_decode;
}

static void compute_done(sim_des *des, void *ctx, void *data);
static void send_done(sim_des *des, void *ctx, void *data);

/* Starts the job's current step on entity e, whose slot it already holds. */
static void job_run(sim__serve *sv, serve_entity *e, serve_job *job) {
  if (job == sv->open_job) sv->open_job = NULL; /* the batch is closed once it starts */
  const serve_step *st = &sv->steps[job->step];
  const double now = sim_des_now(sv->des);
  double d = sim__step_duration(sv, st, pass_kind(sv, job), job->r);
  if (st->kind == STEP_COMPUTE) {
    if (sv->cfg.service == SIM_SERVICE_EXPONENTIAL) d = gsl_ran_exponential(e->rng, d);
    if (sv->cfg.compute_cv > 0) d *= sim_lognormal_unit(e->rng, sv->cfg.compute_cv);
  } else if (sv->cfg.bandwidth_cv > 0) {
    /* The bandwidth is scaled, so the transmission time is divided. */
    d /= sim_lognormal_unit(e->rng, sv->cfg.bandwidth_cv);
  }
  e->busy += d;
  e->jobs++;
  double begin = now, end = now + d;
  if (e->n_out > 0) {
    while (e->out_cursor < e->n_out && e->out_hi[e->out_cursor] <= now) e->out_cursor++;
    const size_t c = e->out_cursor;
    if (c < e->n_out) {
      if (e->out_lo[c] <= now) begin = e->out_hi[c];
      end = sim_outage_finish(e->out_lo + c, e->out_hi + c, e->n_out - c, now, d);
    }
  }
  job->started = begin;
  if (sv->cfg.trace != NULL)
    sim_trace_event(sv->cfg.trace, begin, (int)st->entity,
                    st->kind == STEP_COMPUTE ? SIM_TRACE_COMPUTE_START : SIM_TRACE_SEND_START,
                    job->id, trace_token(sv, job), st->layer);
  schedule(sv, end, st->kind == STEP_COMPUTE ? compute_done : send_done, job);
}

/* Frees one slot of e and gives it to the first waiting job. */
static void entity_release(sim__serve *sv, serve_entity *e) {
  serve_job *next = e->q_head;
  if (next == NULL) {
    e->busy_slots--;
    return;
  }
  e->q_head = next->next;
  if (e->q_head == NULL) e->q_tail = NULL;
  job_run(sv, e, next);
}

/* Queues the job at its current step's entity, or starts it if a slot is
 * free. Returns 1 if it started. A non-empty queue means every slot is busy. */
static int job_enter_at(sim__serve *sv, serve_job *job) {
  serve_entity *e = &sv->ents[sv->steps[job->step].entity];
  if (e->busy_slots < e->slots) {
    e->busy_slots++;
    job_run(sv, e, job);
    return 1;
  }
  job->next = NULL;
  if (e->q_tail != NULL) e->q_tail->next = job;
  else e->q_head = job;
  e->q_tail = job;
  return 0;
}

static void job_enter(sim__serve *sv, serve_job *job) { (void)job_enter_at(sv, job); }

/* Every member's latency, first-token time and error against the analytic
 * T go into the summaries; then the job and its requests return to the pools. */
static void job_finish(sim__serve *sv, serve_job *job, double now) {
  const int64_t tokens = sv->in->tokens;
  for (serve_request *q = job->members, *next; q != NULL; q = next) {
    next = q->next;
    const double lat = now - q->arrival, ttft = q->first_token - q->arrival;
    int bad = sim__hist_add(&sv->latency, lat) | sim__hist_add(&sv->ttft, ttft);
    if (tokens > 1) bad |= sim__hist_add(&sv->tpot, (lat - ttft) / (double)(tokens - 1));
    if (bad) fail(sv, SIM_ENOMEM);
    if (lat > 0) sv->ape_sum += fabs(lat - sv->analytic) / lat;
    if (sv->cfg.trace != NULL)
      sim_trace_event(sv->cfg.trace, now, -1, SIM_TRACE_DONE, q->id, tokens - 1, -1);
    sim__pool_put(&sv->requests, q);
  }
  sv->completed += job->r;
  sim__pool_put(&sv->jobs, job);
}

static void pass_done(sim__serve *sv, serve_job *job) {
  const double now = sim_des_now(sv->des);
  if (job->pass == sv->first_decode)
    for (serve_request *q = job->members; q != NULL; q = q->next) {
      q->first_token = now;
      if (sv->cfg.trace != NULL)
        sim_trace_event(sv->cfg.trace, now, -1, SIM_TRACE_FIRST_TOKEN, q->id, 0, -1);
    }
  if (++job->pass < sv->n_passes) {
    /* The next token needs this one: the pass starts over at the first step,
     * behind whatever queued at that entity meanwhile. */
    job->step = 0;
    job_enter(sv, job);
  } else {
    job_finish(sv, job, now);
  }
}

static void job_advance(sim__serve *sv, serve_job *job) {
  if (++job->step < sv->n_steps) job_enter(sv, job);
  else pass_done(sv, job);
}

static void trace_end(sim__serve *sv, const serve_job *job, const serve_step *st,
                      sim_trace_kind kind) {
  const double now = sim_des_now(sv->des);
  const int64_t tok = trace_token(sv, job);
  sim_trace_event(sv->cfg.trace, now, (int)st->entity, kind, job->id, tok, st->layer);
  sim_trace_span(sv->cfg.trace, (int)st->entity, st->kind == STEP_SEND, job->started, now, job->id,
                 tok, st->layer, job->r);
}

static void compute_done(sim_des *des, void *ctx, void *data) {
  (void)des;
  sim__serve *sv = ctx;
  serve_job *job = data;
  const serve_step *st = &sv->steps[job->step];
  serve_entity *e = &sv->ents[st->entity];
  if (sv->cfg.trace != NULL) trace_end(sv, job, st, SIM_TRACE_COMPUTE_END);
  if (st->hold) {
    /* The next layer is on this server: keep the slot and go on. */
    job->step++;
    job_run(sv, e, job);
    return;
  }
  entity_release(sv, e);
  job_advance(sv, job);
}

static void deliver(sim_des *des, void *ctx, void *data) {
  sim__serve *sv = ctx;
  serve_job *job = data;
  const serve_step *st = &sv->steps[job->step];
  if (sv->cfg.trace != NULL)
    sim_trace_event(sv->cfg.trace, sim_des_now(des), (int)st->entity, SIM_TRACE_RECEIVE, job->id,
                    trace_token(sv, job), st->layer);
  job_advance(sv, job);
}

static void send_done(sim_des *des, void *ctx, void *data) {
  sim__serve *sv = ctx;
  serve_job *job = data;
  const serve_step *st = &sv->steps[job->step];
  if (sv->cfg.trace != NULL) trace_end(sv, job, st, SIM_TRACE_SEND_END);
  entity_release(sv, &sv->ents[st->entity]);
  if (st->latency > 0) schedule(sv, sim_des_now(des) + st->latency, deliver, job);
  else deliver(des, ctx, data);
}

/* The time of the next arrival after `now`. Horizon mode draws the order
 * statistics of `requests` uniforms on [0, horizon] one at a time, largest
 * first by the recursion M_k = M_{k+1} U^{1/k} (then mirrored, t = H(1 - M)),
 * so no array of arrival times is needed. */
double sim__serve_next_arrival(sim__serve *sv, double now) {
  if (sv->cfg.horizon > 0) {
    const int64_t k = sv->cfg.requests - sv->arrived;
    sv->horizon_m *= pow(gsl_rng_uniform_pos(sv->arrival_rng), 1.0 / (double)k);
    return sv->cfg.horizon * (1.0 - sv->horizon_m);
  }
  return now + gsl_ran_exponential(sv->arrival_rng, 1.0 / sv->cfg.rate);
}

static void arrival(sim_des *des, void *ctx, void *data) {
  (void)data;
  sim__serve *sv = ctx;
  const double now = sim_des_now(des);
  serve_request *q = sim__pool_get(&sv->requests);
  if (q == NULL) {
    fail(sv, SIM_ENOMEM);
    return;
  }
  q->next = NULL;
  q->id = sv->arrived++;
  q->arrival = now;
  q->first_token = NAN;
  if (sv->arrived - sv->completed > sv->peak_in_flight)
    sv->peak_in_flight = sv->arrived - sv->completed; /* requests in flight */
  if (sv->cfg.trace != NULL) sim_trace_event(sv->cfg.trace, now, -1, SIM_TRACE_ARRIVE, q->id, -1, -1);

  serve_job *open = sv->open_job;
  if (open != NULL && open->r < sv->cfg.max_batch) {
    /* Join the batch that still waits at the entry; keep arrival order. */
    open->tail->next = q;
    open->tail = q;
    open->r++;
  } else {
    serve_job *job = sim__pool_get(&sv->jobs);
    if (job == NULL) {
      sim__pool_put(&sv->requests, q);
      fail(sv, SIM_ENOMEM);
      return;
    }
    job->next = NULL;
    job->members = job->tail = q;
    job->r = 1;
    job->id = q->id;
    job->pass = 0;
    job->step = 0;
    job->started = now;
    sv->batches++;
    if (!job_enter_at(sv, job) && sv->cfg.max_batch > 1) sv->open_job = job;
  }
  if (sv->arrived < sv->cfg.requests) schedule(sv, sim__serve_next_arrival(sv, now), arrival, NULL);
}

int sim__serve_start(sim__serve *sv, double t0) {
  sv->horizon_m = 1.0;
  if (isnan(t0)) t0 = sim__serve_next_arrival(sv, 0.0);
  if (sim_event_schedule(sv->des, t0, arrival, sv, NULL) == NULL) return SIM_ENOMEM;
  return SIM_OK;
}
