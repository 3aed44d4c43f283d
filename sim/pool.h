/* pool.h: a free-list pool of fixed-size objects, shared by the DES kernel
 * (its events) and the serving model (its jobs and requests). Internal to
 * sim/.
 *
 * Objects come from chunks that double from SIM__POOL_CHUNK_FIRST to
 * SIM__POOL_CHUNK_MAX objects, so a small model stays small and a large one
 * makes few allocations; the pool never shrinks, so a steady state allocates
 * nothing. The first word of a free object links the next free one, so an
 * object's first member does not survive its return to the pool.
 *
 * Ownership rule: the pool owns every chunk; sim__pool_clear frees them all,
 * and objects handed out are borrowed until then. */
#ifndef DILEMMA_SIM_POOL_H
#define DILEMMA_SIM_POOL_H

#include <stddef.h>

#define SIM__POOL_CHUNK_FIRST 64
#define SIM__POOL_CHUNK_MAX 65536

typedef struct sim__pool {
  size_t size;     /* bytes per object: at least a pointer, a multiple of its alignment */
  void *free_list; /* the first free object */
  void *chunks;    /* the newest chunk; the first word of a chunk links the next */
  size_t chunk_n;  /* objects in the next chunk */
  size_t n;        /* objects in all chunks */
} sim__pool;

/* An empty pool of objects of `size` bytes; allocates nothing. */
void sim__pool_init(sim__pool *p, size_t size);

/* Adds a chunk to the free list. Returns 0, or -1 when out of memory. */
int sim__pool_grow(sim__pool *p);

/* Frees every chunk and leaves the pool empty, ready for reuse. */
void sim__pool_clear(sim__pool *p);

/* Returns the pool's most recently freed object (cache-warm), growing the
 * pool when none is free, or NULL when out of memory. Inline because the
 * event loop takes one per event. */
static inline void *sim__pool_get(sim__pool *p) {
  if (p->free_list == NULL && sim__pool_grow(p) != 0) return NULL;
  void *obj = p->free_list;
  p->free_list = *(void **)obj;
  return obj;
}

/* Returns obj, which came from sim__pool_get of this pool, to the pool. */
static inline void sim__pool_put(sim__pool *p, void *obj) {
  *(void **)obj = p->free_list;
  p->free_list = obj;
}

#endif
