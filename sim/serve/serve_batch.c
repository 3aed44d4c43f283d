/* serve_batch.c: continuous (iteration-level) batching on a pipeline of
 * servers, as in Orca and vLLM, with KV-cache memory.
 *
 * The placement cuts the chain of layers into units: a unit is a maximal run
 * of consecutive layers on one server followed by the hand-over it sends
 * (activations to the next server, or the output back to the origin), plus,
 * with an origin that does not run layer 0, a first unit on the origin that
 * only sends the input. A request walks the units of one pass in order, then
 * starts its next pass at the first unit (the next token needs this one), so
 * different requests occupy different units at once: the pipeline.
 *
 * Each server keeps a FIFO of the requests ready for one of its units. When
 * it is idle it takes the head's unit and up to max_batch ready requests of
 * that unit (in FIFO order) and runs one step for all of them: a request
 * joins or leaves the batch at every step, i.e. at token boundaries. The
 * step's time is the batch-aware cost of solver_step_compute summed over the
 * unit's layers (weights read once per step, KV per sequence; prefill and
 * decode members mix, each with its own token count), plus the transmission
 * of the batch's activations as one message (solver_step_transfer without
 * the latency): the server stays busy while it sends, which is the stage
 * time of the throughput objective (solver_bottleneck), so a saturated
 * pipeline completes a pass per bottleneck time. The latency then delays
 * the delivery without occupying anyone.
 *
 * Memory: a server holds its layers' weights (solver_weight_bytes) and, for every
 * admitted request, that request's full KV cache on its layers
 * (solver_kv_bytes: β·kv_l·(P + n)·kv_bits/8), reserved at admission and
 * released at completion. With kv_memory `wait` requests are admitted in
 * arrival order, each only when every server has room for its reservation
 * (head-of-line: a later, smaller request does not overtake). Reserving the
 * whole context at admission means a running request never needs memory it
 * cannot get, so nothing is ever preempted.
 *
 * Nothing here allocates per event except the request pool, which grows
 * only when more requests are in flight than ever before. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/serve/internal.h"

enum { SEND_ACT = 0, SEND_INPUT = 1, SEND_OUTPUT = 2 }; /* as serve.c's step.what */

typedef struct breq {
  struct breq *next;    /* queue, batch or delivery link (the pool's link while free) */
  int64_t id;           /* arrival order */
  double arrival;       /* s */
  double first_token;   /* s, end of the first decode pass */
  double last_token;    /* s, end of the latest decode pass */
  int64_t pass;         /* 0 .. n_passes-1; pass 0 is the prefill when prompt > 0 */
  size_t unit;          /* index into the units of a pass */
} breq;

typedef struct bunit {
  size_t server;        /* entity (server index) that runs the unit */
  size_t first, end;    /* its compute steps: sv->steps[first, end) (empty: input only) */
  long send;            /* the send step's index in sv->steps, or -1 */
  double latency;       /* s, of the send */
} bunit;

typedef struct bserver {
  breq *q_head, *q_tail;  /* requests ready for one of this server's units */
  size_t q_len;
  breq *batch;            /* the members of the running step */
  int64_t batch_n;
  size_t batch_unit;
  int busy;
  double weights;         /* bytes of the layers placed here */
  double kv_used;         /* bytes of KV reserved by admitted requests */
  double kv_cap;          /* bytes left for KV: storage - weights */
  double mem_t, mem_area, mem_peak; /* time-average bookkeeping: last change, ∫ bytes dt, max */
  double batch_area;      /* Σ batch size · step time */
  double step_time;       /* Σ step time */
  double step_begin;      /* s, when the running step started (traces) */
} bserver;

typedef struct sim__batch {
  size_t n_units;
  bunit *units;
  bserver *srv;           /* one per server */
  double *kv_req;         /* one per server: bytes one request reserves there */
  breq *adm_head, *adm_tail; /* arrived, waiting for admission */
  sim__pool reqs;
  sim__hist itl;
  int64_t good, steps;
} sim__batch;

static void fail(sim__serve *sv, int code) {
  if (sv->status == SIM_OK) sv->status = code;
  sim_des_stop(sv->des);
}

static void schedule(sim__serve *sv, double t, sim_event_fn fn, void *data) {
  if (sim_event_schedule(sv->des, t, fn, sv, data) != NULL) return;
  fail(sv, t >= sim_des_now(sv->des) ? SIM_ENOMEM : SIM_EINTERNAL);
}

static void mem_change(bserver *s, double now, double delta) {
  s->mem_area += (s->weights + s->kv_used) * (now - s->mem_t);
  s->mem_t = now;
  s->kv_used += delta;
  if (s->weights + s->kv_used > s->mem_peak) s->mem_peak = s->weights + s->kv_used;
}

static void step_done(sim_des *des, void *ctx, void *data);
static void deliver(sim_des *des, void *ctx, void *data);

static void enqueue(sim__batch *b, breq *r) {
  bserver *s = &b->srv[b->units[r->unit].server];
  r->next = NULL;
  if (s->q_tail != NULL) s->q_tail->next = r;
  else s->q_head = r;
  s->q_tail = r;
  s->q_len++;
}

/* Starts a step on server i if it is idle and has ready requests. */
static void server_kick(sim__serve *sv, size_t i) {
  sim__batch *b = sv->batch;
  bserver *s = &b->srv[i];
  if (s->busy || s->q_head == NULL) return;
  const solver_instance *in = sv->in;
  const size_t u = s->q_head->unit;
  const bunit *un = &b->units[u];
  /* Take up to max_batch requests of the head's unit, in FIFO order. */
  breq **link = &s->q_head, *prev = NULL, *tail = NULL;
  solver_step st = {0, 0, 0};
  s->batch = NULL;
  s->batch_n = 0;
  while (*link != NULL && s->batch_n < sv->cfg.max_batch) {
    breq *r = *link;
    if (r->unit != u) {
      prev = r;
      link = &r->next;
      continue;
    }
    *link = r->next; /* unlink */
    if (s->q_tail == r) s->q_tail = prev;
    s->q_len--;
    r->next = NULL;
    if (tail != NULL) tail->next = r;
    else s->batch = r;
    tail = r;
    s->batch_n++;
    solver_step_add(&st, in, r->pass < sv->first_decode ? in->prompt : 1);
  }
  s->batch_unit = u;
  s->busy = 1;
  const solver_placement *p = sv->pl;
  serve_entity *e = &sv->ents[i];
  double comp = 0;
  for (size_t k = un->first; k < un->end; k++) {
    const size_t l = (size_t)sv->steps[k].layer;
    comp += solver_step_compute(in, l, i, (size_t)p->bits[l], &st);
  }
  if (sv->cfg.service == SIM_SERVICE_EXPONENTIAL && comp > 0) comp = gsl_ran_exponential(e->rng, comp);
  if (sv->cfg.compute_cv > 0 && comp > 0) comp *= sim_lognormal_unit(e->rng, sv->cfg.compute_cv);
  double send = 0;
  if (un->send >= 0) {
    const serve_step *ss = &sv->steps[un->send];
    const serve_entity *le = &sv->ents[ss->entity];
    if (ss->what == SEND_INPUT) send = solver_step_input(in, (size_t)le->to, &st);
    else if (ss->what == SEND_OUTPUT)
      send = solver_step_output(in, i, (size_t)p->bits[ss->layer], &st);
    else send = solver_step_transfer(in, (size_t)ss->layer, i, (size_t)le->to,
                                     (size_t)p->bits[ss->layer], &st);
    send -= ss->latency; /* (a + b) - b >= 0 for a, b >= 0 */
    if (sv->cfg.bandwidth_cv > 0) send /= sim_lognormal_unit(sv->ents[ss->entity].rng, sv->cfg.bandwidth_cv);
    sv->ents[ss->entity].busy += send;
    sv->ents[ss->entity].jobs++;
  }
  const double now = sim_des_now(sv->des), d = comp + send;
  double begin = now, end = now + d;
  if (e->n_out > 0) {
    while (e->out_cursor < e->n_out && e->out_hi[e->out_cursor] <= now) e->out_cursor++;
    const size_t c = e->out_cursor;
    if (c < e->n_out) {
      if (e->out_lo[c] <= now) begin = e->out_hi[c];
      end = sim_outage_finish(e->out_lo + c, e->out_hi + c, e->n_out - c, now, d);
    }
  }
  e->busy += d;
  e->jobs++;
  b->steps++;
  s->batch_area += (double)s->batch_n * d;
  s->step_time += d;
  const int layer = un->end > un->first ? sv->steps[un->first].layer : -1;
  s->step_begin = begin;
  if (sv->cfg.trace != NULL)
    sim_trace_event(sv->cfg.trace, begin, (int)i, SIM_TRACE_COMPUTE_START, s->batch->id,
                    s->batch->pass - sv->first_decode, layer);
  if (sv->cfg.series != NULL)
    fprintf(sv->cfg.series, "%.17g,%zu,%lld,%zu,%.17g\n", begin, i, (long long)s->batch_n, s->q_len,
            s->weights + s->kv_used);
  schedule(sv, end, step_done, &b->srv[i]);
}

/* Requests that arrived wait here until every server has room for their KV
 * cache (kv_memory wait), then start their first pass in arrival order. */
static void admit(sim__serve *sv) {
  sim__batch *b = sv->batch;
  const double now = sim_des_now(sv->des);
  const size_t M = sv->n_servers;
  size_t kick = M; /* the first unit's server, kicked once after the loop */
  while (b->adm_head != NULL) {
    if (sv->cfg.kv_memory == SIM_KV_WAIT)
      for (size_t i = 0; i < M; i++)
        if (b->kv_req[i] > 0 && b->srv[i].kv_used + b->kv_req[i] > b->srv[i].kv_cap * (1 + 1e-12))
          goto blocked;
    breq *r = b->adm_head;
    b->adm_head = r->next;
    if (b->adm_head == NULL) b->adm_tail = NULL;
    for (size_t i = 0; i < M; i++)
      if (b->kv_req[i] > 0) mem_change(&b->srv[i], now, b->kv_req[i]);
    r->pass = 0;
    r->unit = 0;
    enqueue(b, r);
    kick = b->units[0].server;
  }
blocked:
  if (kick < M) server_kick(sv, kick);
}

static void finish(sim__serve *sv, breq *r, double now) {
  sim__batch *b = sv->batch;
  const int64_t tokens = sv->in->tokens;
  const double lat = now - r->arrival, ttft = r->first_token - r->arrival;
  const double tpot = tokens > 1 ? (lat - ttft) / (double)(tokens - 1) : NAN;
  int bad = sim__hist_add(&sv->latency, lat) | sim__hist_add(&sv->ttft, ttft);
  if (tokens > 1) bad |= sim__hist_add(&sv->tpot, tpot);
  if (bad) fail(sv, SIM_ENOMEM);
  if (lat > 0) sv->ape_sum += fabs(lat - sv->analytic) / lat;
  if ((sv->cfg.slo_ttft <= 0 || ttft <= sv->cfg.slo_ttft) &&
      (sv->cfg.slo_tpot <= 0 || tokens < 2 || tpot <= sv->cfg.slo_tpot))
    b->good++;
  if (sv->cfg.trace != NULL) sim_trace_event(sv->cfg.trace, now, -1, SIM_TRACE_DONE, r->id, tokens - 1, -1);
  for (size_t i = 0; i < sv->n_servers; i++)
    if (b->kv_req[i] > 0) mem_change(&b->srv[i], now, -b->kv_req[i]);
  sv->completed++;
  sim__pool_put(&b->reqs, r);
}

/* The end of a pass: token bookkeeping, then the next pass or the end. */
static int pass_done(sim__serve *sv, breq *r, double now) {
  sim__batch *b = sv->batch;
  if (r->pass == sv->first_decode) {
    r->first_token = now;
    if (sv->cfg.trace != NULL) sim_trace_event(sv->cfg.trace, now, -1, SIM_TRACE_FIRST_TOKEN, r->id, 0, -1);
  } else if (r->pass > sv->first_decode && sim__hist_add(&b->itl, now - r->last_token)) {
    fail(sv, SIM_ENOMEM);
  }
  r->last_token = now;
  if (++r->pass < sv->n_passes) {
    r->unit = 0;
    enqueue(b, r);
    return 1;
  }
  finish(sv, r, now);
  return 0;
}

/* Moves a delivered group (linked by next) on to its next unit. */
static void move_on(sim__serve *sv, breq *group) {
  sim__batch *b = sv->batch;
  const double now = sim_des_now(sv->des);
  size_t kick = sv->n_servers, unit_kick = sv->n_servers;
  int done = 0;
  for (breq *r = group, *next; r != NULL; r = next) {
    next = r->next;
    if (++r->unit < b->n_units) {
      enqueue(b, r);
      kick = b->units[r->unit].server;
    } else if (pass_done(sv, r, now)) {
      unit_kick = b->units[0].server;
    } else {
      done = 1;
    }
  }
  if (kick < sv->n_servers) server_kick(sv, kick);
  if (unit_kick < sv->n_servers) server_kick(sv, unit_kick);
  if (done) admit(sv);
}

static void deliver(sim_des *des, void *ctx, void *data) {
  (void)des;
  move_on(ctx, data);
}

static void step_done(sim_des *des, void *ctx, void *data) {
  sim__serve *sv = ctx;
  bserver *s = data;
  const size_t i = (size_t)(s - sv->batch->srv);
  const bunit *un = &sv->batch->units[s->batch_unit];
  breq *group = s->batch;
  if (sv->cfg.trace != NULL) {
    const int layer = un->end > un->first ? sv->steps[un->first].layer : -1;
    const int64_t tok = group->pass - sv->first_decode;
    sim_trace_event(sv->cfg.trace, sim_des_now(des), (int)i, SIM_TRACE_COMPUTE_END, group->id, tok,
                    layer);
    sim_trace_span(sv->cfg.trace, (int)i, 0, s->step_begin, sim_des_now(des), group->id, tok, layer,
                   s->batch_n);
  }
  s->batch = NULL;
  s->busy = 0;
  if (un->latency > 0) schedule(sv, sim_des_now(des) + un->latency, deliver, group);
  else move_on(sv, group);
  server_kick(sv, i);
}

static void arrival(sim_des *des, void *ctx, void *data) {
  (void)data;
  sim__serve *sv = ctx;
  sim__batch *b = sv->batch;
  const double now = sim_des_now(des);
  breq *r = sim__pool_get(&b->reqs);
  if (r == NULL) {
    fail(sv, SIM_ENOMEM);
    return;
  }
  memset(r, 0, sizeof *r);
  r->id = sv->arrived++;
  r->arrival = now;
  r->first_token = r->last_token = NAN;
  sv->batches++;
  if (sv->arrived - sv->completed > sv->peak_in_flight) sv->peak_in_flight = sv->arrived - sv->completed;
  if (sv->cfg.trace != NULL) sim_trace_event(sv->cfg.trace, now, -1, SIM_TRACE_ARRIVE, r->id, -1, -1);
  if (b->adm_tail != NULL) b->adm_tail->next = r;
  else b->adm_head = r;
  b->adm_tail = r;
  admit(sv);
  if (sv->arrived < sv->cfg.requests) schedule(sv, sim__serve_next_arrival(sv, now), arrival, NULL);
}

/* ---- setup and results ------------------------------------------------------------- */

void sim__batch_free(sim__serve *sv) {
  sim__batch *b = sv->batch;
  if (b == NULL) return;
  free(b->units);
  free(b->srv);
  free(b->kv_req);
  sim__pool_clear(&b->reqs);
  sim__hist_clear(&b->itl);
  free(b);
  sv->batch = NULL;
}

int sim__batch_start(sim__serve *sv, double t0, sim_error *err) {
  const solver_instance *in = sv->in;
  const solver_placement *p = sv->pl;
  const size_t M = sv->n_servers;
  sim__batch *b = sv->batch = calloc(1, sizeof *b);
  if (b == NULL) goto oom;
  sim__pool_init(&b->reqs, sizeof(breq));
  sim__hist_init(&b->itl);
  b->units = calloc(sv->n_steps + 1, sizeof *b->units);
  b->srv = calloc(M, sizeof *b->srv);
  b->kv_req = calloc(M, sizeof *b->kv_req);
  if (b->units == NULL || b->srv == NULL || b->kv_req == NULL) goto oom;
  /* Units from the steps: a run of compute steps on one server and the send
   * after it; a leading send (the origin's input) is a unit of its own. */
  for (size_t k = 0; k < sv->n_steps;) {
    bunit *u = &b->units[b->n_units++];
    u->send = -1;
    u->first = u->end = k;
    if (sv->steps[k].kind == STEP_SEND) {
      u->server = (size_t)sv->ents[sv->steps[k].entity].from;
    } else {
      u->server = sv->steps[k].entity;
      while (k < sv->n_steps && sv->steps[k].kind == STEP_COMPUTE && sv->steps[k].entity == u->server)
        k++;
      u->end = k;
    }
    if (k < sv->n_steps && sv->steps[k].kind == STEP_SEND) {
      u->send = (long)k;
      u->latency = sv->steps[k].latency;
      k++;
    }
  }
  for (size_t l = 0; l < in->n_layers; l++) {
    const size_t i = (size_t)p->server[l];
    b->srv[i].weights += solver_weight_bytes(in, l, (size_t)p->bits[l]);
    b->kv_req[i] += solver_kv_bytes(in, l);
  }
  for (size_t i = 0; i < M; i++) {
    bserver *s = &b->srv[i];
    s->kv_cap = in->servers[i].storage - s->weights;
    s->mem_peak = s->weights;
    if (sv->cfg.kv_memory == SIM_KV_WAIT && b->kv_req[i] > 0 && b->kv_req[i] > s->kv_cap * (1 + 1e-12))
      return sim_error_set(err, SIM_EINFEASIBLE,
                           "server %s cannot hold one request: its layers' weights take %.6g bytes "
                           "and one request's KV cache %.6g bytes, but it stores %.6g bytes",
                           in->servers[i].name, s->weights, b->kv_req[i], in->servers[i].storage);
  }
  if (sv->cfg.series != NULL) fputs("time,server,batch,queue,memory_bytes\n", sv->cfg.series);
  sv->horizon_m = 1.0;
  if (isnan(t0)) t0 = sim__serve_next_arrival(sv, 0.0);
  if (sim_event_schedule(sv->des, t0, arrival, sv, NULL) == NULL) goto oom;
  return SIM_OK;
oom:
  return sim_error_set(err, SIM_ENOMEM, "out of memory starting the simulation");
}

void sim__batch_collect(const sim__serve *sv, sim_serve_result *res) {
  const sim__batch *b = sv->batch;
  const double end = res->end_time;
  sim__hist_summary(&b->itl, &res->itl);
  res->good = b->good;
  res->steps = b->steps;
  res->goodput_requests = end > 0 ? (double)b->good / end : NAN;
  double area = 0, time = 0;
  for (size_t i = 0; i < sv->n_servers; i++) {
    const bserver *s = &b->srv[i];
    sim_serve_entity *o = &res->entities[i];
    o->mean_batch = s->step_time > 0 ? s->batch_area / s->step_time : NAN;
    /* The last change up to the end of the run. */
    const double a = s->mem_area + (s->weights + s->kv_used) * (end - s->mem_t);
    o->mem_mean = end > 0 ? a / end : s->weights;
    o->mem_peak = s->mem_peak;
    area += s->batch_area;
    time += s->step_time;
  }
  res->mean_batch = time > 0 ? area / time : NAN;
}

/* The work of one full step of B members of pass size k on every server
 * (compute of its layers and its sends, without latency), added to w. */
static void full_step(const solver_instance *in, const solver_placement *p, int64_t B, int64_t k,
                      double scale, double *w) {
  solver_step st = {0, 0, 0};
  for (int64_t m = 0; m < B; m++) solver_step_add(&st, in, k);
  const size_t L = in->n_layers, M = in->n_servers;
  if (in->origin >= 0 && p->server[0] != in->origin)
    w[in->origin] += scale * (solver_step_input(in, (size_t)p->server[0], &st) -
                              in->latency[(size_t)in->origin * M + (size_t)p->server[0]]);
  for (size_t l = 0; l < L; l++) {
    const size_t i = (size_t)p->server[l], b = (size_t)p->bits[l];
    double d = solver_step_compute(in, l, i, b, &st);
    if (l + 1 < L && (size_t)p->server[l + 1] != i)
      d += solver_step_transfer(in, l, i, (size_t)p->server[l + 1], b, &st) -
           in->latency[i * M + (size_t)p->server[l + 1]];
    if (l + 1 == L && in->origin >= 0 && (size_t)in->origin != i)
      d += solver_step_output(in, i, b, &st) - in->latency[i * M + (size_t)in->origin];
    w[i] += scale * d;
  }
}

double sim_serve_batch_rho(const solver_instance *in, const solver_placement *p,
                           const sim_serve_config *cfg) {
  const size_t M = in->n_servers;
  double *w = calloc(2 * M, sizeof *w);
  if (w == NULL) return NAN;
  double *kv = w + M;
  int64_t B = cfg->max_batch > 0 ? cfg->max_batch : 1;
  if (cfg->kv_memory == SIM_KV_WAIT) {
    /* Requests held at once: the KV room left next to the weights. */
    for (size_t l = 0; l < in->n_layers; l++) {
      const size_t i = (size_t)p->server[l];
      w[i] += solver_weight_bytes(in, l, (size_t)p->bits[l]);
      kv[i] += solver_kv_bytes(in, l);
    }
    for (size_t i = 0; i < M; i++)
      if (kv[i] > 0) {
        const double fit = floor((in->servers[i].storage - w[i]) / kv[i]);
        if (fit < (double)B) B = fit < 1 ? 1 : (int64_t)fit;
      }
    memset(w, 0, 2 * M * sizeof *w);
  }
  if (in->prompt > 0) full_step(in, p, B, in->prompt, 1.0 / (double)B, w);
  full_step(in, p, B, 1, (double)in->tokens / (double)B, w);
  double worst = 0;
  for (size_t i = 0; i < M; i++)
    if (w[i] > worst) worst = w[i];
  free(w);
  return cfg->rate * worst;
}
