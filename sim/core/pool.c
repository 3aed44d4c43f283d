/* pool.c: growing and freeing the object pool (contracts in sim/core/core.h). */
#include "sim/core/core.h"

#include <stdalign.h>
#include <stdlib.h>

/* Chunks start with one link word, padded so the objects stay aligned. */
#define POOL_HEADER (alignof(max_align_t) > sizeof(void *) ? alignof(max_align_t) : sizeof(void *))

void sim__pool_init(sim__pool *p, size_t size) {
  p->size = size;
  p->free_list = p->chunks = NULL;
  p->chunk_n = SIM__POOL_CHUNK_FIRST;
  p->n = 0;
}

int sim__pool_grow(sim__pool *p) {
  const size_t n = p->chunk_n;
  char *c = malloc(POOL_HEADER + n * p->size);
  if (c == NULL) return -1;
  *(void **)c = p->chunks;
  p->chunks = c;
  /* Thread the new objects onto the free list in address order. */
  for (size_t i = n; i-- > 0;) sim__pool_put(p, c + POOL_HEADER + i * p->size);
  p->n += n;
  p->chunk_n = n < SIM__POOL_CHUNK_MAX ? 2 * n : n;
  return 0;
}

void sim__pool_clear(sim__pool *p) {
  for (void *c = p->chunks, *next; c != NULL; c = next) {
    next = *(void **)c;
    free(c);
  }
  sim__pool_init(p, p->size);
}
