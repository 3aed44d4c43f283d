/* memory.c: how much memory this process may use, and the allocation of
 * the large matrices (a topology's n x n routes) in huge pages. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */

#include "sim/core/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* The soft limit of one resource in bytes, or +inf when there is none. */
static double limit_of(int resource) {
  struct rlimit r;
  if (getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return INFINITY;
  return (double)r.rlim_cur;
}

double sim_memory_available(void) {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  double have = pages > 0 && page > 0 ? (double)pages * (double)page : INFINITY;
  /* A limit set with `ulimit -v` (or -d) makes malloc fail long before
   * physical memory runs out, so it is what a refusal must compare with. */
  have = fmin(have, limit_of(RLIMIT_AS));
  have = fmin(have, limit_of(RLIMIT_DATA));
  return isinf(have) ? 0.0 : have;
}

/* Below this a matrix is allocated as usual: huge pages pay off only when
 * the page faults of small pages (one per 4 KiB) dominate. */
#define HUGE_FROM ((size_t)8 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

void *sim_memory_big_calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  const size_t bytes = count * size;
  if (bytes < HUGE_FROM) return calloc(count ? count : 1, size ? size : 1);
  void *p = NULL;
  if (posix_memalign(&p, HUGE_PAGE, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  /* Advice only: where transparent huge pages are off it fails, harmlessly. */
  (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
  memset(p, 0, bytes);
  return p;
}
