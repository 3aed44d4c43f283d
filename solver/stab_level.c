/* stab_level.c: the storage-charged tables with one used server's room cut
 * to a level, for the budget search (bsearch.c).
 *
 * Why: the storage-charged tables (stab.c) bound the layers after a node
 * as if every server were empty. A server that earlier layers have
 * filled is then still open to the rest at its whole capacity, and the
 * tables' path for the rest goes back to it: on bench-budget at M = 24,
 * along the optimal placement of six of 20 runs, the search's best lookup
 * sat 0.3-1.6 % below the optimum in the middle of the chain, and 0-0.05 %
 * below (0.63 % on one run) with the tables built without the servers of
 * the closed segments. The search itself almost never goes back to a
 * server (105 of 779 109 nodes), so the bound was weak where the
 * placements were not.
 *
 * The relaxation. At a node where server i has been used and has rho
 * bytes left, every later segment on i fits rho, and so does the rest of
 * the current segment when it is on i. The storage-charged relaxation of
 * the rest with i's capacity set to any level >= rho (every other server
 * as it is) therefore contains every completion, and its lookup is a
 * lower bound on the rest. Several used servers give several bounds; the
 * search takes the largest. The levels are 1, 2 and 4 times the narrowest
 * storage within the budget of the median layer (a block at 10 bits on
 * bench-budget), less 0.1 % so that a server left with just under one
 * such layer falls in the first. A server with more room than the last
 * level, or no less than its capacity, gets no table.
 *
 * A table is a build of the storage-charged tables, so there is one per
 * (server, level) only once the search has met that pair at `demand`
 * nodes, at most `max_tables` in all, each with a sixteenth of their
 * entries (below): on bench-budget at M = 24 the units chosen for that
 * room keep the storage unit within 1 % of a block at two bits a weight
 * and give the budget 13 error units instead of 208, about 2.6 MB a
 * table. The counts depend on the nodes
 * alone, so the search stays deterministic. */
#include "solver/internal_budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS 3
/* Entries of a table's part W (floats, 2 MB): a sixteenth of the
 * storage-charged tables', whose builds took 10-20 ms each at M = 24. On
 * bench-budget at M = 24 (runs 0-19, the room of the server the child is
 * on not yet cut), full-size tables (at most 4, built at 1 000 meetings)
 * cut the search nodes from 779 109 to 452 265 but the time rose by about
 * a tenth; a sixteenth (at most 8, at 1 000) left 356 922 nodes at 0.88
 * of the time without tables (paired) and a 32nd at 0.94; with a 128th
 * (16 tables at 300) 732 982 nodes were left, its units too coarse to see
 * a block. */
#define LEVEL_CELLS (SOLVER__STAB_CELLS / 16)

struct solver__stab_levels {
  const solver__problem *pb;
  const solver__stab *like; /* the plain tables, whose table of transfers the levels share */
  double level[LEVELS];    /* bytes: the capacities the tables give the server */
  long demand;             /* nodes that meet a pair before its table is built */
  size_t max_tables, built;
  long *met;               /* LEVELS x M: nodes that met the pair without a table */
  unsigned char *failed;   /* LEVELS x M: the build ran out of memory */
  solver__stab **tab;      /* LEVELS x M, NULL until built */
  solver__problem *copy;   /* LEVELS x M: the problem with the server's capacity at the level */
  double *capacity;        /* LEVELS x M x M */
};

static int double_cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

solver__stab_levels *solver__stab_levels_alloc(const solver__problem *pb, const solver__stab *like,
                                               size_t max_tables, long demand) {
  const size_t L = pb->L, M = pb->M;
  if (!pb->has_budget || !(pb->budget > 0) || L == 0 || M == 0) return NULL;
  solver__stab_levels *lv = calloc(1, sizeof *lv);
  double *narrow = malloc(L * sizeof *narrow);
  if (lv == NULL || narrow == NULL) goto fail;
  lv->pb = pb, lv->like = like, lv->demand = demand, lv->max_tables = max_tables;
  /* The median layer's narrowest storage among the options within the
   * budget (an option erring more fits no placement). */
  size_t n = 0;
  for (size_t l = 0; l < L; l++) {
    double s = INFINITY;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      if (pb->error[g] <= pb->budget * (1 + 1e-9) && pb->storage[g] < s) s = pb->storage[g];
    if (isfinite(s)) narrow[n++] = s;
  }
  if (n == 0) goto fail;
  qsort(narrow, n, sizeof *narrow, double_cmp);
  for (size_t k = 0; k < LEVELS; k++) lv->level[k] = narrow[n / 2] * (double)(1u << k) * (1 - 1e-3);
  free(narrow);
  narrow = NULL;
  lv->met = calloc(LEVELS * M, sizeof *lv->met);
  lv->failed = calloc(LEVELS * M, 1);
  lv->tab = calloc(LEVELS * M, sizeof *lv->tab);
  lv->copy = malloc(LEVELS * M * sizeof *lv->copy);
  lv->capacity = malloc(LEVELS * M * M * sizeof *lv->capacity);
  if (!lv->met || !lv->failed || !lv->tab || !lv->copy || !lv->capacity) goto fail;
  return lv;
fail:
  free(narrow);
  solver__stab_levels_free(lv);
  return NULL;
}

void solver__stab_levels_free(solver__stab_levels *lv) {
  if (lv == NULL) return;
  for (size_t x = 0; lv->tab != NULL && x < LEVELS * lv->pb->M; x++) solver__stab_free(lv->tab[x]);
  free(lv->met), free(lv->failed), free(lv->tab), free(lv->copy), free(lv->capacity);
  free(lv);
}

/* Builds the table of pair x = k·M + i: the problem with i's capacity at
 * level k, every other field shared. NULL (and never again) without
 * memory or useful units. */
static solver__stab *level_build(solver__stab_levels *lv, size_t k, size_t i) {
  const solver__problem *pb = lv->pb;
  const size_t M = pb->M, x = k * M + i;
  double *cap = &lv->capacity[x * M];
  memcpy(cap, pb->capacity, M * sizeof *cap);
  cap[i] = lv->level[k];
  lv->copy[x] = *pb;
  lv->copy[x].capacity = cap;
  lv->tab[x] = solver__stab_alloc_units(&lv->copy[x], LEVEL_CELLS, lv->like, 0);
  if (lv->tab[x] != NULL && solver__stab_build(lv->tab[x], NULL, 0) != 0) {
    solver__stab_free(lv->tab[x]);
    lv->tab[x] = NULL;
  }
  if (lv->tab[x] == NULL) lv->failed[x] = 1;
  lv->built++;
  return lv->tab[x];
}

const solver__stab *solver__stab_levels_get(solver__stab_levels *lv, size_t i, double bytes_left) {
  if (lv == NULL || !lv->pb->usable[i]) return NULL;
  size_t k = 0;
  while (k < LEVELS && !(bytes_left <= lv->level[k])) k++;
  /* Past the last level, or a level at or above the whole capacity,
   * where the table would be the plain one. */
  if (k == LEVELS || !(lv->level[k] < lv->pb->capacity[i])) return NULL;
  const size_t x = k * lv->pb->M + i;
  if (lv->tab[x] != NULL || lv->failed[x]) return lv->tab[x];
  if (++lv->met[x] < lv->demand || lv->built >= lv->max_tables) return NULL;
  return level_build(lv, k, i);
}
