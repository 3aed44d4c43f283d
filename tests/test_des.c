/* test_des.c: the DES kernel: event order (ties in scheduling order), random
 * schedule/cancel sequences against a sorted reference, run limits and the
 * pool's bound. The per-entity random streams are tested in
 * test_serve_perturb.c, with the serving model that owns them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "sim/des/des.h"
#include "tests/tap.h"

/* Records the order in which events fire. */
typedef struct log {
  int *ids;
  double *times;
  size_t n, cap;
} log_t;

static void record(sim_des *des, void *ctx, void *data) {
  log_t *lg = ctx;
  if (lg->n < lg->cap) {
    lg->ids[lg->n] = (int)(intptr_t)data;
    lg->times[lg->n] = sim_des_now(des);
  }
  lg->n++;
}

static void log_init(log_t *lg, size_t cap) {
  lg->ids = malloc(cap * sizeof *lg->ids);
  lg->times = malloc(cap * sizeof *lg->times);
  lg->n = 0;
  lg->cap = cap;
}

static void log_free(log_t *lg) {
  free(lg->ids);
  free(lg->times);
}

/* 1000 events at three instants, scheduled interleaved: within an instant
 * they must fire in the order they were scheduled. */
static void test_ties(void) {
  sim_des *des = sim_des_alloc();
  log_t lg;
  log_init(&lg, 1000);
  const double when[3] = {2.0, 1.0, 3.0};
  for (int k = 0; k < 1000; k++) sim_event_schedule(des, when[k % 3], record, &lg, (void *)(intptr_t)k);
  ok(sim_des_run(des, INFINITY, 0) == SIM_DES_EMPTY, "ties: run empties the queue");
  ok_int((long long)lg.n, 1000, "ties: every event fired");
  /* Expected: ids with k%3 == 1 (time 1) ascending, then k%3 == 0, then 2. */
  int expect[1000], n = 0;
  const int order[3] = {1, 0, 2};
  for (int c = 0; c < 3; c++)
    for (int k = 0; k < 1000; k++)
      if (k % 3 == order[c]) expect[n++] = k;
  int same = 1;
  for (int k = 0; k < 1000; k++) same &= lg.ids[k] == expect[k];
  ok(same, "ties: equal times fire in scheduling order");
  log_free(&lg);
  sim_des_free(des);
}

/* A handler that schedules more events at the current time: they must run
 * after the events already due at that time. */
typedef struct chain {
  log_t *lg;
  int spawned;
} chain;

static void spawn(sim_des *des, void *ctx, void *data) {
  chain *c = ctx;
  record(des, c->lg, data);
  if (!c->spawned) {
    c->spawned = 1;
    sim_event_schedule(des, sim_des_now(des), record, c->lg, (void *)(intptr_t)100);
    sim_event_schedule(des, sim_des_now(des), record, c->lg, (void *)(intptr_t)101);
  }
}

static void test_same_time_from_handler(void) {
  sim_des *des = sim_des_alloc();
  log_t lg;
  log_init(&lg, 16);
  chain c = {&lg, 0};
  sim_event_schedule(des, 5.0, spawn, &c, (void *)(intptr_t)0);
  sim_event_schedule(des, 5.0, record, &lg, (void *)(intptr_t)1);
  sim_event_schedule(des, 6.0, record, &lg, (void *)(intptr_t)2);
  sim_des_run(des, INFINITY, 0);
  const int expect[5] = {0, 1, 100, 101, 2};
  int same = lg.n == 5;
  for (int k = 0; same && k < 5; k++) same &= lg.ids[k] == expect[k];
  ok(same, "events scheduled at now by a handler fire after those already due then");
  log_free(&lg);
  sim_des_free(des);
}

/* The reference: pending (time, seq, id) kept in an array; the next to fire
 * is the least by time then seq, found by a linear scan. */
typedef struct ref_ev {
  double time;
  uint64_t seq;
  int id;
  sim_event *ev;
} ref_ev;

static int ref_min(const ref_ev *r, size_t n) {
  int best = -1;
  for (size_t k = 0; k < n; k++)
    if (best < 0 || r[k].time < r[best].time ||
        (r[k].time == r[best].time && r[k].seq < r[best].seq))
      best = (int)k;
  return best;
}

/* 200,000 random operations: schedule (times from a coarse grid, so ties
 * are common), cancel a random pending event, or fire the next one; the
 * fired event must always be the reference's minimum. */
static void test_random_against_reference(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 42);
  sim_des *des = sim_des_alloc();
  log_t lg;
  log_init(&lg, 1);
  const size_t cap = 4096;
  ref_ev *ref = malloc(cap * sizeof *ref);
  size_t n = 0, fired = 0, cancelled = 0, mismatches = 0, max_pending = 0;
  uint64_t seq = 0;
  int next_id = 0;
  for (int op = 0; op < 200000; op++) {
    unsigned long u = gsl_rng_uniform_int(r, 10);
    if ((u < 5 && n < cap) || n == 0) {
      /* Grid of 1/8 s ahead of now: many exact ties. */
      double t = sim_des_now(des) + (double)gsl_rng_uniform_int(r, 64) / 8.0;
      sim_event *ev = sim_event_schedule(des, t, record, &lg, (void *)(intptr_t)next_id);
      ref[n++] = (ref_ev){t, seq++, next_id++, ev};
    } else if (u < 7) {
      size_t k = gsl_rng_uniform_int(r, n);
      if (sim_event_cancel(des, ref[k].ev) != 0) mismatches++;
      ref[k] = ref[--n];
      cancelled++;
    } else {
      int m = ref_min(ref, n);
      lg.n = 0;
      sim_des_run(des, INFINITY, 1);
      if (lg.n != 1 || (int)(intptr_t)lg.ids[0] != ref[m].id || sim_des_now(des) != ref[m].time)
        mismatches++;
      ref[m] = ref[--n];
      fired++;
    }
    if (sim_des_pending(des) != n) mismatches++;
    if (n > max_pending) max_pending = n;
  }
  /* Drain: the rest must come out sorted as well. */
  while (n > 0) {
    int m = ref_min(ref, n);
    lg.n = 0;
    sim_des_run(des, INFINITY, 1);
    if (lg.ids[0] != ref[m].id) mismatches++;
    ref[m] = ref[--n];
  }
  ok_int((long long)mismatches, 0, "random schedule/cancel/fire: kernel order equals the sorted "
         "reference (%zu fired, %zu cancelled, up to %zu pending)", fired, cancelled, max_pending);
  ok_int((long long)sim_des_pending(des), 0, "random: nothing left pending");
  free(ref);
  log_free(&lg);
  sim_des_free(des);
  gsl_rng_free(r);
}

static void test_cancel_rules(void) {
  sim_des *des = sim_des_alloc();
  log_t lg;
  log_init(&lg, 8);
  sim_event *a = sim_event_schedule(des, 1.0, record, &lg, (void *)(intptr_t)1);
  sim_event_schedule(des, 2.0, record, &lg, (void *)(intptr_t)2);
  ok_int(sim_event_cancel(des, a), 0, "cancel a pending event");
  ok_int(sim_event_cancel(des, a), -1, "cancel it again is refused");
  sim_des_run(des, INFINITY, 0);
  ok(lg.n == 1 && lg.ids[0] == 2, "the cancelled event never fires");
  ok(sim_event_schedule(des, 1.0, record, &lg, NULL) == NULL, "scheduling in the past is refused");
  ok(sim_event_schedule(des, NAN, record, &lg, NULL) == NULL, "scheduling at NaN is refused");
  ok(sim_event_cancel(des, NULL) == -1, "cancel NULL is refused");
  log_free(&lg);
  sim_des_free(des);
}

static void stopper(sim_des *des, void *ctx, void *data) {
  record(des, ctx, data);
  sim_des_stop(des);
}

static void test_limits(void) {
  sim_des *des = sim_des_alloc();
  log_t lg;
  log_init(&lg, 32);
  for (int k = 0; k < 10; k++) sim_event_schedule(des, (double)k, record, &lg, (void *)(intptr_t)k);
  ok(sim_des_run(des, 4.0, 0) == SIM_DES_UNTIL, "until: stops before later events");
  ok(lg.n == 5 && sim_des_now(des) == 4.0, "until: events at exactly `until` fire (5 fired, now 4)");
  ok(sim_des_run(des, INFINITY, 3) == SIM_DES_LIMIT && lg.n == 8, "limit: three more events fire");
  ok(sim_des_peek(des) != NULL && sim_des_peek(des)->time == 8.0, "peek shows the next event (t = 8)");
  sim_event_schedule(des, 8.5, stopper, &lg, (void *)(intptr_t)99);
  ok(sim_des_run(des, INFINITY, 0) == SIM_DES_STOPPED && lg.n == 10 && lg.ids[9] == 99,
     "a handler stops the run after itself");
  ok(sim_des_run(des, INFINITY, 0) == SIM_DES_EMPTY && lg.n == 11, "the run resumes to the end");
  ok_int((long long)sim_des_events(des), 11, "events fired are counted");
  log_free(&lg);
  sim_des_free(des);
}

/* A self-rescheduling ticker keeps at most `k` events pending; a million
 * events must not grow the pool beyond its first chunk (64 events). */
typedef struct ticker {
  uint64_t left;
} ticker;

static void tick(sim_des *des, void *ctx, void *data) {
  ticker *t = ctx;
  (void)data;
  if (t->left > 0) {
    t->left--;
    sim_event_schedule(des, sim_des_now(des) + 1.0, tick, ctx, NULL);
  }
}

static void test_pool_bounded(void) {
  sim_des *des = sim_des_alloc();
  ticker t = {1000000};
  for (int k = 0; k < 10; k++) sim_event_schedule(des, 0.1 * k, tick, &t, NULL);
  sim_des_run(des, INFINITY, 0);
  ok_int((long long)sim_des_events(des), 1000010, "pool: a million events fired");
  ok_int((long long)sim_des_pool_size(des), 64, "pool: never grew past its first chunk");
  /* 1000 events pending at once do grow it, to a bounded size. */
  for (int k = 0; k < 1000; k++) sim_event_schedule(des, sim_des_now(des) + k, tick, &t, NULL);
  /* Chunks double from 64: 64 + 128 + 256 + 512 = 960 < 1000, so one more
   * chunk of 1024 makes 1984. */
  ok_int((long long)sim_des_pool_size(des), 1984, "pool: holds 1000 pending events in 1984 slots");
  sim_des_free(des);
}

int main(void) {
  test_ties();
  test_same_time_from_handler();
  test_random_against_reference();
  test_cancel_rules();
  test_limits();
  test_pool_bounded();
  return tap_done();
}
