/* test_solver_stab_level.c: the storage-charged tables with a used
 * server's room cut to a level (solver/stab_level.c).
 *
 * The claim: at a node of the budget search where server i was used by
 * earlier layers and had `had` bytes left, every later segment on i (and
 * the rest of the current one, when layer t is on i) fits `had`, so the
 * tables with i's capacity at the least level holding `had` bound the rest
 * of every completion of that node. They are checked against every
 * completion there is, not only the optimum: for each of 300 small
 * instances (2-4 layers, 1-3 servers, 3-4 widths, the budget shapes of the
 * other budget tests), every placement that solver__feasible accepts is
 * costed by solver__eval (which the tables do not use), and at every
 * layer t < L - 1 along it, for every server i used before t, the cost of
 * layers 0..t plus the tables' lookup (as the search makes it: the room
 * t's server has left, the error left, t's option) must be at most the
 * placement's cost, to 1e-9 relative (the tables hold floats rounded
 * down); so must the bound the search takes for all of a server's
 * children at once (the cost before layer t's compute plus the tables for
 * a segment starting at t there, with the error left before t). The
 * tables are built at the first meeting (demand 0), so every
 * pair the placements meet is checked. Then the budget search alone (the
 * first budget tables, the plain storage-charged ones and the level
 * tables; no incumbent to start from) must finish with the brute force's
 * optimum.
 *
 * That the checks can fail (of 111 instances with lookups and 246
 * searches): a level table given half its level's capacity fails 93 and
 * 12; the level chosen as if the server had half what it has fails 96
 * and 14; the search asking for the level of half its capacity less what
 * it used fails 25 searches, and its bound for all of a server's children
 * made 5 % too high fails 1. That the tables do something: their lookup
 * exceeds the plain storage-charged tables' at some of the checked nodes
 * (counted, at least 50). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "tests/budget_fixture.h"

#define INSTANCES 300

typedef struct {
  long checked, raised;
} level_counts;

/* Every check along one feasible placement (srv, opt) of cost v. Returns
 * 1 when all hold. */
static int placement_holds(const solver__problem *pb, solver__stab_levels *lv,
                           const solver__stab *plain, const int *srv, const int *opt, double v,
                           level_counts *n) {
  const size_t L = pb->L, M = pb->M;
  double *used = calloc(M, sizeof *used), cost = 0, spent = 0;
  size_t *count = calloc(M, sizeof *count);
  if (used == NULL || count == NULL) abort();
  int good = 1;
  for (size_t t = 0; t + 1 < L; t++) {
    const size_t j = (size_t)srv[t], g = (size_t)opt[t];
    if (t > 0 && srv[t - 1] != srv[t])
      cost += solver__cm(pb, (size_t)opt[t - 1], (size_t)srv[t - 1], j);
    /* The bound the search takes for every child on j at once: the cost
     * before layer t's compute plus a segment starting at t on j, with
     * the error units left before t. */
    for (size_t i = 0; i < M; i++) {
      if (count[i] == 0) continue;
      const solver__stab *lt =
          solver__stab_levels_get(lv, i, pb->capacity[i] * (1 + 1e-9) - used[i]);
      if (lt == NULL) continue;
      const size_t q0 = solver__stab_units(lt, pb->budget * (1 + 1e-9) - spent);
      const double lb = cost + solver__stab_start(lt, t, j, q0);
      n->checked++;
      if (!(lb <= v * (1 + 1e-9))) {
        diag("  start at layer %zu on %zu, server %zu: %.12g > placement %.12g", t, j, i, lb, v);
        good = 0;
      }
    }
    cost += solver__cost_x(pb, t, g, j);
    used[j] += pb->storage[g];
    count[j]++;
    spent += pb->error[g];
    const double left = pb->budget * (1 + 1e-9) - spent;
    for (size_t i = 0; i < M; i++) {
      /* i == j too: j's later segments and the rest of this one fit
       * what j had left before layer t, which the level holds. */
      if (count[i] == 0 || (i == j && count[i] == 1)) continue;
      /* The level of what i had left at the node, before layer t's
       * option, as the search takes it. */
      const double had = used[i] - (i == j ? pb->storage[g] : 0);
      const solver__stab *lt = solver__stab_levels_get(lv, i, pb->capacity[i] * (1 + 1e-9) - had);
      if (lt == NULL) continue;
      const size_t r = solver__stab_room(lt, j, pb->capacity[j] * (1 + 1e-9) - used[j]);
      const double lb = cost + solver__stab_after(lt, t, j, g, r, solver__stab_units(lt, left));
      n->checked++;
      if (!(lb <= v * (1 + 1e-9))) {
        diag("  layer %zu on %zu, server %zu had %.6g bytes left: %.12g > placement %.12g", t, j,
             i, pb->capacity[i] * (1 + 1e-9) - had, lb, v);
        good = 0;
      }
      if (plain != NULL) {
        const size_t rp = solver__stab_room(plain, j, pb->capacity[j] * (1 + 1e-9) - used[j]);
        const double lp =
            cost + solver__stab_after(plain, t, j, g, rp, solver__stab_units(plain, left));
        if (lb > lp * (1 + 1e-12)) n->raised++;
      }
    }
  }
  free(used), free(count);
  return good;
}

/* Every feasible placement of pb through placement_holds; returns the
 * number that failed, adds how many were feasible to *feasible and sets
 * *best to the least cost (+inf when none). */
static int instance_fails(const solver__problem *pb, level_counts *n, long *feasible,
                          double *best) {
  const size_t L = pb->L, M = pb->M;
  solver__stab *plain = solver__stab_alloc(pb, NULL);
  solver__stab_levels *lv = solver__stab_levels_alloc(pb, plain, 3 * M, 0);
  if (lv == NULL) abort();
  int *srv = calloc(L, sizeof *srv), *opt = calloc(L, sizeof *opt);
  size_t *pick = calloc(L, sizeof *pick);
  if (srv == NULL || opt == NULL || pick == NULL) abort();
  int fails = 0;
  *best = INFINITY;
  do {
    budget_decode(pb, pick, srv, opt);
    if (solver__feasible(pb, srv, opt)) {
      (*feasible)++;
      const double v = solver__eval(pb, srv, opt);
      if (v < *best) *best = v;
      if (!placement_holds(pb, lv, plain, srv, opt, v, n)) fails++;
    }
  } while (budget_advance(pb, pick));
  free(srv), free(opt), free(pick);
  solver__stab_levels_free(lv);
  solver__stab_free(plain);
  return fails;
}

/* The budget search alone (the first budget tables, the plain
 * storage-charged ones and the level tables built at the first meeting;
 * no incumbent to start from) must finish with the optimum `want`. */
static void search_finds(const solver__problem *pb, double want, int k) {
  solver__btab *bt = solver__btab_alloc(pb, NULL);
  solver__stab *plain = solver__stab_alloc(pb, NULL);
  solver__stab_levels *lv = solver__stab_levels_alloc(pb, plain, 3 * pb->M, 0);
  solver__incumbent inc;
  if (bt == NULL || lv == NULL || solver__incumbent_init(&inc, pb->L)) abort();
  long long nodes = 0;
  const int done = solver__bsearch(pb, bt, NULL, plain, NULL, lv, NULL, NULL, NULL, 0.0, &inc, 0.0,
                                   LLONG_MAX, INFINITY, &nodes, NULL);
  ok(done == 1 && fabs(inc.value - want) <= 1e-9 * want,
     "instance %d: the search with the level tables finds %.12g, brute force %.12g (%lld nodes)", k,
     inc.value, want, nodes);
  solver__incumbent_clear(&inc);
  solver__stab_levels_free(lv);
  solver__stab_free(plain);
  solver__btab_free(bt);
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261207);
  level_counts n = {0, 0};
  long feasible = 0;
  for (int k = 0; k < INSTANCES; k++) {
    solver_instance *in = budget_small_instance(r, k);
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    const long before = n.checked;
    double want = INFINITY;
    const int fails = instance_fails(pb, &n, &feasible, &want);
    if (n.checked > before)
      ok(fails == 0,
         "instance %d (L=%zu M=%zu): the level tables bound the rest of every completion (%ld "
         "checks, %d placements failed)",
         k, pb->L, pb->M, n.checked - before, fails);
    if (isfinite(want)) search_finds(pb, want, k);
    solver__problem_free(pb);
    solver_instance_free(in);
  }
  ok(n.checked >= 1000, "at least 1000 nodes checked (%ld, over %ld feasible placements)",
     n.checked, feasible);
  ok(n.raised >= 50, "the level tables beat the plain ones at 50 or more of them (%ld)", n.raised);
  gsl_rng_free(r);
  return tap_done();
}
