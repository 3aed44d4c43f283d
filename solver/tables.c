/* tables.c: memory for the solver's large bound tables.
 *
 * Why it exists: under a budget the solve builds several tables of 10 to
 * 32 MB (budget.c, stab.c) and a table of visited states (memo.c), each
 * written once from start to end right after it is allocated. With 4 KiB
 * pages that first write takes one page fault per page: on the budget
 * benchmark at 24 servers, 15 800 faults and about a quarter of an easy
 * solve's CPU time. Asking the kernel for transparent huge pages on these
 * blocks (2 MiB each, where the kernel offers them on request) cuts the
 * faults about tenfold. The advice changes only speed: the memory and its
 * contents are the same, and where the advice is unknown or refused the
 * block is ordinary memory. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include <stdlib.h>
#include <sys/mman.h>

#include "solver/internal.h"

/* The huge page size the advice is aligned to, and the smallest block
 * worth aligning (below it the rounding would waste more than it saves). */
#define TABLES_HUGE ((size_t)2 << 20)

void *solver__table_alloc(size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (bytes >= TABLES_HUGE) {
    const size_t size = (bytes + TABLES_HUGE - 1) / TABLES_HUGE * TABLES_HUGE;
    void *p = NULL;
    if (posix_memalign(&p, TABLES_HUGE, size) != 0) return NULL;
    (void)madvise(p, size, MADV_HUGEPAGE); /* advice: refused, the pages stay small */
    return p;
  }
#endif
  return malloc(bytes > 0 ? bytes : 1);
}
