/* tables.c: memory for the solver's large bound tables, and the workspace
 * that keeps it from one solve to the next.
 *
 * Why it exists: under a budget the solve builds several tables of 2 to
 * 32 MB (budget.c, stab.c, stab_level.c), each written whole right after
 * it is allocated. Fresh memory costs a page fault per page on its first
 * write, and the kernel zeroes every page it hands out. With 4 KiB pages
 * that first write took, on the budget benchmark at 24 servers, 15 800
 * faults and about a quarter of an easy solve's CPU time. Asking for
 * transparent huge pages on these blocks (2 MiB each, where the kernel
 * offers them on request) cuts the faults about tenfold; the zeroing
 * stays, about 15 % of the same benchmark's time.
 *
 * A workspace (solver_workspace_alloc) removes it for every solve but the
 * first: a block freed into it is kept, and a later table of no more bytes
 * takes it instead of fresh memory. Monte Carlo runs many solves on each
 * thread, so a thread that keeps one workspace pays for its memory once.
 * A table is written whole before it is read (each file says how), so
 * what a reused block held never reaches a result; the tests solve with
 * blocks filled with garbage to check it.
 *
 * The advice and the reuse change only speed: where the advice is unknown
 * or refused the block is ordinary memory. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "solver/internal.h"

/* The huge page size the advice is aligned to, and the smallest block
 * worth aligning or keeping (below it the rounding would waste more than
 * it saves, and malloc reuses small blocks itself). */
#define TABLES_HUGE ((size_t)2 << 20)

typedef struct {
  void *p;
  size_t bytes; /* rounded up to TABLES_HUGE */
  int used;     /* 1 while a table holds it */
} tables_block;

struct solver_workspace {
  tables_block *block;
  size_t n, cap;
};

solver_workspace *solver_workspace_alloc(void) { return calloc(1, sizeof(solver_workspace)); }

void solver_workspace_free(solver_workspace *ws) {
  if (ws == NULL) return;
  for (size_t k = 0; k < ws->n; k++) free(ws->block[k].p);
  free(ws->block);
  free(ws);
}

size_t solver_workspace_bytes(const solver_workspace *ws) {
  size_t bytes = 0;
  for (size_t k = 0; ws != NULL && k < ws->n; k++) bytes += ws->block[k].bytes;
  return bytes;
}

void solver__workspace_fill(solver_workspace *ws, unsigned char byte) {
  for (size_t k = 0; ws != NULL && k < ws->n; k++)
    if (!ws->block[k].used) memset(ws->block[k].p, byte, ws->block[k].bytes);
}

/* Fresh memory of `size` bytes (a multiple of TABLES_HUGE), huge pages
 * asked for. */
static void *huge_alloc(size_t size) {
  void *p = NULL;
  if (posix_memalign(&p, TABLES_HUGE, size) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, size, MADV_HUGEPAGE); /* advice: refused, the pages stay small */
#endif
  return p;
}

/* The workspace's smallest free block of at least `size` bytes, or a new
 * one. Memory stays bounded: when no free block is large enough, the
 * largest free one (too small) is released first, so the workspace never
 * holds more blocks than a solve has tables at once. */
static void *workspace_take(solver_workspace *ws, size_t size) {
  size_t best = ws->n, small = ws->n;
  for (size_t k = 0; k < ws->n; k++) {
    const tables_block *b = &ws->block[k];
    if (b->used) continue;
    if (b->bytes >= size && (best == ws->n || b->bytes < ws->block[best].bytes)) best = k;
    if (b->bytes < size && (small == ws->n || b->bytes > ws->block[small].bytes)) small = k;
  }
  if (best < ws->n) {
    ws->block[best].used = 1;
    return ws->block[best].p;
  }
  if (small < ws->n) {
    free(ws->block[small].p);
    ws->block[small] = ws->block[--ws->n];
  }
  if (ws->n == ws->cap) {
    const size_t cap = ws->cap ? 2 * ws->cap : 16;
    tables_block *grown = realloc(ws->block, cap * sizeof *grown);
    if (grown == NULL) return NULL;
    ws->block = grown, ws->cap = cap;
  }
  void *p = huge_alloc(size);
  if (p == NULL) return NULL;
  ws->block[ws->n++] = (tables_block){p, size, 1};
  return p;
}

void *solver__table_alloc(solver_workspace *ws, size_t bytes) {
  if (bytes < TABLES_HUGE) return malloc(bytes > 0 ? bytes : 1);
  const size_t size = (bytes + TABLES_HUGE - 1) / TABLES_HUGE * TABLES_HUGE;
  return ws != NULL ? workspace_take(ws, size) : huge_alloc(size);
}

void solver__table_free(solver_workspace *ws, void *p) {
  for (size_t k = 0; p != NULL && ws != NULL && k < ws->n; k++)
    if (ws->block[k].p == p) {
      ws->block[k].used = 0;
      return;
    }
  free(p);
}
