/* des.h: a general discrete-event simulation kernel, independent of LLMs.
 *
 * Events sit in an intrusive binary min-heap ordered by (time, sequence
 * number): each event records its own slot in the heap, so cancelling is a
 * removal at a known position, O(log n), as with libuv's heap-inl.h. The
 * sequence number only grows, so events scheduled for the same instant fire
 * in the order they were scheduled and every run is deterministic.
 *
 * Events come from a pool owned by the kernel: the pool grows in chunks when
 * more events are in flight than ever before and is never shrunk, so a
 * steady-state run allocates nothing per event and its memory is bounded by
 * the largest number of events pending at once, not by the events processed.
 *
 * The kernel draws no random numbers: a model keeps one stream per entity
 * of its own (the serving model's are in serve.c).
 *
 * Ownership rule: sim_des_alloc returns a kernel freed with sim_des_free,
 * which also releases every pooled event; event pointers handed out are
 * borrowed from the kernel. */
#ifndef DILEMMA_SIM_DES_H
#define DILEMMA_SIM_DES_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_des sim_des;
typedef struct sim_event sim_event;

/* A handler runs when its event fires. `ctx` and `data` are what was given
 * to sim_event_schedule. The event itself is already back in the pool, so a
 * handler may schedule and cancel freely, including at the current time. */
typedef void (*sim_event_fn)(sim_des *des, void *ctx, void *data);

/* States of a pooled event. */
enum { SIM_EVENT_FREE = 0, SIM_EVENT_PENDING = 1 };

/* While an event is free, the pool keeps its link in the first member. */
struct sim_event {
  double time;          /* s, simulated time at which the event fires */
  uint64_t seq;         /* scheduling order; breaks ties in time */
  size_t heap_index;    /* the event's slot in the heap: what makes cancel O(log n) */
  sim_event_fn fn;      /* handler */
  void *ctx;            /* handler context, usually the model */
  void *data;           /* per-event payload, e.g. the job concerned */
  int state;            /* SIM_EVENT_FREE or SIM_EVENT_PENDING */
};

/* Why sim_des_run returned. */
typedef enum {
  SIM_DES_EMPTY = 0,   /* no event is pending */
  SIM_DES_UNTIL = 1,   /* the next event lies after `until` */
  SIM_DES_LIMIT = 2,   /* the event limit was reached */
  SIM_DES_STOPPED = 3  /* a handler called sim_des_stop */
} sim_des_stop_reason;

/* An empty kernel at time 0. Returns NULL when out of memory. */
sim_des *sim_des_alloc(void);
void sim_des_free(sim_des *des);

/* Schedules fn(des, ctx, data) at absolute time `time` (s). Returns the
 * event, which stays valid until it fires or is cancelled, or NULL if time
 * is NaN or earlier than now, or the pool cannot grow (out of memory).
 * O(log n) in the number of pending events; no allocation unless more
 * events are pending than ever before in this kernel. */
sim_event *sim_event_schedule(sim_des *des, double time, sim_event_fn fn, void *ctx, void *data);

/* Removes a pending event so it never fires and returns it to the pool.
 * Returns 0, or -1 if the event is not pending (already fired or cancelled;
 * a handle must not be used after its event fired). O(log n). */
int sim_event_cancel(sim_des *des, sim_event *ev);

/* Fires events in (time, seq) order until none is pending, the next one lies
 * after `until` (events exactly at `until` still fire; pass INFINITY for no
 * bound), `max_events` events have fired in this call (0: no limit), or a
 * handler calls sim_des_stop. The clock ends at the last fired event's time.
 * O(k log n) for k events. */
sim_des_stop_reason sim_des_run(sim_des *des, double until, uint64_t max_events);

/* Makes sim_des_run return after the current handler. */
void sim_des_stop(sim_des *des);

double sim_des_now(const sim_des *des);        /* s, the current simulated time */
uint64_t sim_des_events(const sim_des *des);   /* events fired since alloc */
size_t sim_des_pending(const sim_des *des);    /* events scheduled, not yet fired */
size_t sim_des_pool_size(const sim_des *des);  /* events the pool holds (pending + free) */
/* The earliest pending event, or NULL; peeking does not change the order. */
const sim_event *sim_des_peek(const sim_des *des);

#endif
