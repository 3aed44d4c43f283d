/* des.c: the event kernel: an intrusive binary min-heap of pooled events,
 * the run loop and the per-entity random streams (contracts in des.h). */
#include "sim/des.h"

#include <math.h>
#include <stdlib.h>

#include "sim/rng.h"

/* Pool chunks double from FIRST to MAX events so a small model stays small
 * and a large one does not make many allocations. */
#define POOL_CHUNK_FIRST 64
#define POOL_CHUNK_MAX 65536

typedef struct pool_chunk {
  struct pool_chunk *next;
  size_t n;
  sim_event events[]; /* n events */
} pool_chunk;

/* One entry of the stream table: open addressing with linear probing. */
typedef struct stream_slot {
  uint64_t entity;
  gsl_rng *rng; /* NULL: empty slot */
} stream_slot;

struct sim_des {
  sim_heap_node *min;   /* heap root, the earliest event */
  size_t n_pending;     /* nodes in the heap */
  double now;           /* s */
  uint64_t next_seq;    /* sequence number of the next scheduled event */
  uint64_t fired;       /* events fired since alloc */
  int stopped;          /* set by sim_des_stop, cleared by sim_des_run */

  sim_event *free_list; /* pooled events not in the heap */
  pool_chunk *chunks;
  size_t pool_size;     /* events in all chunks */

  uint64_t run_seed;
  stream_slot *streams; /* n_stream_slots entries, a power of two */
  size_t n_stream_slots;
  size_t n_streams;
};

/* ---- heap ----------------------------------------------------------------
 * A pointer-linked complete binary tree: node k (1-based, in level order) has
 * children 2k and 2k+1, so the path from the root to node k is spelled by the
 * bits of k after its leading 1. No array is needed, and removing any node is
 * O(log n) because each node knows its parent. */

static inline int node_less(const sim_heap_node *a, const sim_heap_node *b) {
  const sim_event *x = (const sim_event *)a, *y = (const sim_event *)b;
  /* Compare sequence numbers when both have the same time. */
  return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

/* Exchanges a parent with one of its children by relinking, so the events
 * themselves never move in memory. */
static void node_swap(sim_des *des, sim_heap_node *parent, sim_heap_node *child) {
  sim_heap_node *sibling, t = *parent;
  *parent = *child;
  *child = t;
  parent->parent = child;
  if (child->left == child) {
    child->left = parent;
    sibling = child->right;
  } else {
    child->right = parent;
    sibling = child->left;
  }
  if (sibling != NULL) sibling->parent = child;
  if (parent->left != NULL) parent->left->parent = parent;
  if (parent->right != NULL) parent->right->parent = parent;
  if (child->parent == NULL) des->min = child;
  else if (child->parent->left == parent) child->parent->left = child;
  else child->parent->right = child;
}

/* The link that points at node k (1-based level order). */
static sim_heap_node **node_slot(sim_des *des, size_t k, sim_heap_node **parent) {
  size_t path = 0, depth = 0;
  for (size_t n = k; n >= 2; n /= 2, depth++) path = (path << 1) | (n & 1);
  sim_heap_node **slot = &des->min;
  *parent = NULL;
  while (depth-- > 0) {
    *parent = *slot;
    slot = (path & 1) ? &(*slot)->right : &(*slot)->left;
    path >>= 1;
  }
  return slot;
}

static void heap_insert(sim_des *des, sim_heap_node *node) {
  node->left = node->right = NULL;
  sim_heap_node *parent;
  sim_heap_node **slot = node_slot(des, des->n_pending + 1, &parent);
  node->parent = parent;
  *slot = node;
  des->n_pending++;
  while (node->parent != NULL && node_less(node, node->parent)) node_swap(des, node->parent, node);
}

static void heap_remove(sim_des *des, sim_heap_node *node) {
  sim_heap_node *parent;
  sim_heap_node **last_slot = node_slot(des, des->n_pending, &parent);
  sim_heap_node *last = *last_slot;
  *last_slot = NULL;
  des->n_pending--;
  if (last == node) {
    if (node == des->min) des->min = NULL;
    return;
  }
  /* Put the last node where the removed one was, then restore the order in
   * whichever direction it is broken. */
  last->left = node->left;
  last->right = node->right;
  last->parent = node->parent;
  if (last->left != NULL) last->left->parent = last;
  if (last->right != NULL) last->right->parent = last;
  if (node->parent == NULL) des->min = last;
  else if (node->parent->left == node) node->parent->left = last;
  else node->parent->right = last;
  for (;;) {
    sim_heap_node *smallest = last;
    if (last->left != NULL && node_less(last->left, smallest)) smallest = last->left;
    if (last->right != NULL && node_less(last->right, smallest)) smallest = last->right;
    if (smallest == last) break;
    node_swap(des, last, smallest);
  }
  while (last->parent != NULL && node_less(last, last->parent)) node_swap(des, last->parent, last);
}

/* ---- pool ---------------------------------------------------------------- */

static int pool_grow(sim_des *des) {
  size_t n = des->chunks == NULL ? POOL_CHUNK_FIRST : des->chunks->n * 2;
  if (n > POOL_CHUNK_MAX) n = POOL_CHUNK_MAX;
  pool_chunk *c = malloc(sizeof *c + n * sizeof(sim_event));
  if (c == NULL) return -1;
  c->n = n;
  c->next = des->chunks;
  des->chunks = c;
  /* Thread the new events onto the free list in address order. */
  for (size_t i = n; i-- > 0;) {
    c->events[i].state = SIM_EVENT_FREE;
    c->events[i].next_free = des->free_list;
    des->free_list = &c->events[i];
  }
  des->pool_size += n;
  return 0;
}

static inline void pool_put(sim_des *des, sim_event *ev) {
  ev->state = SIM_EVENT_FREE;
  ev->next_free = des->free_list;
  des->free_list = ev;
}

/* ---- kernel -------------------------------------------------------------- */

sim_des *sim_des_alloc(uint64_t run_seed) {
  sim_des *des = calloc(1, sizeof *des);
  if (des == NULL) return NULL;
  des->run_seed = run_seed;
  if (pool_grow(des) != 0) {
    sim_des_free(des);
    return NULL;
  }
  return des;
}

void sim_des_free(sim_des *des) {
  if (des == NULL) return;
  for (pool_chunk *c = des->chunks, *next; c != NULL; c = next) {
    next = c->next;
    free(c);
  }
  for (size_t i = 0; i < des->n_stream_slots; i++)
    if (des->streams[i].rng != NULL) gsl_rng_free(des->streams[i].rng);
  free(des->streams);
  free(des);
}

sim_event *sim_event_schedule(sim_des *des, double time, sim_event_fn fn, void *ctx, void *data) {
  /* The negated test also rejects NaN. */
  if (!(time >= des->now)) return NULL;
  if (des->free_list == NULL && pool_grow(des) != 0) return NULL;
  sim_event *ev = des->free_list;
  des->free_list = ev->next_free;
  ev->time = time;
  ev->seq = des->next_seq++;
  ev->fn = fn;
  ev->ctx = ctx;
  ev->data = data;
  ev->state = SIM_EVENT_PENDING;
  heap_insert(des, &ev->node);
  return ev;
}

int sim_event_cancel(sim_des *des, sim_event *ev) {
  if (ev == NULL || ev->state != SIM_EVENT_PENDING) return -1;
  heap_remove(des, &ev->node);
  pool_put(des, ev);
  return 0;
}

sim_des_stop_reason sim_des_run(sim_des *des, double until, uint64_t max_events) {
  uint64_t fired = 0;
  des->stopped = 0;
  for (;;) {
    if (des->min == NULL) return SIM_DES_EMPTY;
    sim_event *ev = (sim_event *)des->min;
    if (ev->time > until) return SIM_DES_UNTIL;
    if (max_events != 0 && fired >= max_events) return SIM_DES_LIMIT;
    heap_remove(des, &ev->node);
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
size_t sim_des_pool_size(const sim_des *des) { return des->pool_size; }
const sim_event *sim_des_peek(const sim_des *des) { return (const sim_event *)des->min; }

/* ---- streams ------------------------------------------------------------- */

static size_t stream_hash(uint64_t entity, size_t mask) {
  return (size_t)(sim_splitmix64(entity) & mask);
}

static int streams_grow(sim_des *des) {
  size_t n = des->n_stream_slots ? des->n_stream_slots * 2 : 16;
  stream_slot *s = calloc(n, sizeof *s);
  if (s == NULL) return -1;
  for (size_t i = 0; i < des->n_stream_slots; i++) {
    if (des->streams[i].rng == NULL) continue;
    size_t h = stream_hash(des->streams[i].entity, n - 1);
    while (s[h].rng != NULL) h = (h + 1) & (n - 1);
    s[h] = des->streams[i];
  }
  free(des->streams);
  des->streams = s;
  des->n_stream_slots = n;
  return 0;
}

gsl_rng *sim_des_stream(sim_des *des, uint64_t entity) {
  /* Keep the table at most half full so probes stay short. */
  if (2 * (des->n_streams + 1) > des->n_stream_slots && streams_grow(des) != 0) return NULL;
  size_t mask = des->n_stream_slots - 1, h = stream_hash(entity, mask);
  while (des->streams[h].rng != NULL) {
    if (des->streams[h].entity == entity) return des->streams[h].rng;
    h = (h + 1) & mask;
  }
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (r == NULL) return NULL;
  gsl_rng_set(r, sim_seed_derive(des->run_seed, SIM_STREAM_DES, entity));
  des->streams[h].entity = entity;
  des->streams[h].rng = r;
  des->n_streams++;
  return r;
}
