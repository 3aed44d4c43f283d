/* des.c: the event kernel: an intrusive binary min-heap of pooled events
 * and the run loop (contracts in des.h). */
#include "sim/des/des.h"

#include <stdlib.h>

#include "sim/core/core.h"

struct sim_des {
  struct heap_entry *heap; /* the heap, heap_cap entries */
  size_t heap_cap;
  size_t n_pending;     /* entries in the heap */
  double now;           /* s */
  uint64_t next_seq;    /* sequence number of the next scheduled event */
  uint64_t fired;       /* events fired since alloc */
  int stopped;          /* set by sim_des_stop, cleared by sim_des_run */

  sim__pool pool;        /* the events, pending or free */
};

/* ---- heap ----------------------------------------------------------------
 * A binary heap in an array of (time, event) entries: the times sit in the
 * array, so sifting compares without touching the events, and each event
 * keeps its slot so it can be removed from the middle. libuv links the
 * events themselves into a pointer tree instead; measured with the hold
 * benchmark (bench_des), that design spent about twice as long per event at
 * 16 to 65,536 pending events (pointer chasing, and the relinking in every
 * swap), so only its contract is kept. Sifting moves a hole rather than
 * swapping: one write per level. */

typedef struct heap_entry {
  double time;   /* a copy of the event's time */
  sim_event *ev;
} heap_entry;

static inline int entry_less(const heap_entry *a, const heap_entry *b) {
  /* Compare sequence numbers when both have the same time (rare enough
   * that reading them from the events costs nothing measurable). */
  return a->time < b->time || (a->time == b->time && a->ev->seq < b->ev->seq);
}

static inline void heap_put(sim_des *des, size_t i, heap_entry e) {
  des->heap[i] = e;
  e.ev->heap_index = i;
}

static void sift_up(sim_des *des, size_t i, heap_entry e) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!entry_less(&e, &des->heap[parent])) break;
    heap_put(des, i, des->heap[parent]);
    i = parent;
  }
  heap_put(des, i, e);
}

static void sift_down(sim_des *des, size_t i, heap_entry e) {
  const size_t n = des->n_pending;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && entry_less(&des->heap[c + 1], &des->heap[c])) c++;
    if (!entry_less(&des->heap[c], &e)) break;
    heap_put(des, i, des->heap[c]);
    i = c;
  }
  heap_put(des, i, e);
}

static int heap_insert(sim_des *des, sim_event *ev) {
  if (des->n_pending == des->heap_cap) {
    /* Grows only when more events are pending than ever before. */
    size_t cap = des->heap_cap ? 2 * des->heap_cap : 64;
    heap_entry *h = realloc(des->heap, cap * sizeof *h);
    if (h == NULL) return -1;
    des->heap = h;
    des->heap_cap = cap;
  }
  sift_up(des, des->n_pending++, (heap_entry){ev->time, ev});
  return 0;
}

static void heap_remove(sim_des *des, size_t i) {
  heap_entry last = des->heap[--des->n_pending];
  if (i == des->n_pending) return;
  /* The last entry fills the hole, moving up or down as its key demands. */
  if (i > 0 && entry_less(&last, &des->heap[(i - 1) / 2])) sift_up(des, i, last);
  else sift_down(des, i, last);
}

/* ---- pool ----------------------------------------------------------------
 * Events come from a sim__pool; a free event's first word is the pool's
 * link, so only its state is kept meaningful. */

static inline void pool_put(sim_des *des, sim_event *ev) {
  ev->state = SIM_EVENT_FREE;
  sim__pool_put(&des->pool, ev);
}

/* ---- kernel -------------------------------------------------------------- */

sim_des *sim_des_alloc(void) {
  sim_des *des = calloc(1, sizeof *des);
  if (des == NULL) return NULL;
  sim__pool_init(&des->pool, sizeof(sim_event));
  if (sim__pool_grow(&des->pool) != 0) {
    sim_des_free(des);
    return NULL;
  }
  return des;
}

void sim_des_free(sim_des *des) {
  if (des == NULL) return;
  sim__pool_clear(&des->pool);
  free(des->heap);
  free(des);
}

sim_event *sim_event_schedule(sim_des *des, double time, sim_event_fn fn, void *ctx, void *data) {
  /* The negated test also rejects NaN. */
  if (!(time >= des->now)) return NULL;
  sim_event *ev = sim__pool_get(&des->pool);
  if (ev == NULL) return NULL;
  ev->time = time;
  ev->seq = des->next_seq;
  ev->fn = fn;
  ev->ctx = ctx;
  ev->data = data;
  if (heap_insert(des, ev) != 0) {
    pool_put(des, ev);
    return NULL;
  }
  des->next_seq++;
  ev->state = SIM_EVENT_PENDING;
  return ev;
}

int sim_event_cancel(sim_des *des, sim_event *ev) {
  if (ev == NULL || ev->state != SIM_EVENT_PENDING) return -1;
  heap_remove(des, ev->heap_index);
  pool_put(des, ev);
  return 0;
}

sim_des_stop_reason sim_des_run(sim_des *des, double until, uint64_t max_events) {
  uint64_t fired = 0;
  des->stopped = 0;
  for (;;) {
    if (des->n_pending == 0) return SIM_DES_EMPTY;
    sim_event *ev = des->heap[0].ev;
    if (ev->time > until) return SIM_DES_UNTIL;
    if (max_events != 0 && fired >= max_events) return SIM_DES_LIMIT;
    heap_remove(des, 0);
    des->now = ev->time;
    /* Copy what the handler needs and recycle the event first, so the
     * handler's own scheduling reuses this (cache-warm) slot. */
    sim_event_fn fn = ev->fn;
    void *ctx = ev->ctx, *data = ev->data;
    pool_put(des, ev);
    fired++;
    des->fired++;
    fn(des, ctx, data);
    if (des->stopped) return SIM_DES_STOPPED;
  }
}

void sim_des_stop(sim_des *des) { des->stopped = 1; }
double sim_des_now(const sim_des *des) { return des->now; }
uint64_t sim_des_events(const sim_des *des) { return des->fired; }
size_t sim_des_pending(const sim_des *des) { return des->n_pending; }
size_t sim_des_pool_size(const sim_des *des) { return des->pool.n; }
const sim_event *sim_des_peek(const sim_des *des) {
  return des->n_pending ? des->heap[0].ev : NULL;
}
