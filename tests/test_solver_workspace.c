/* test_solver_workspace.c: a solver workspace changes speed, never a
 * result, and holds bounded memory.
 *
 * A workspace keeps the bound tables' blocks from one solve to the next
 * (solver/tables.c). Each table is written whole before it is read, so
 * what a reused block held must never reach a result. The checks:
 *   1. the block pool itself: a freed block is taken again by a table of
 *      no more bytes, small tables stay out of it, and when no free block
 *      is large enough the largest free one is released, so that a
 *      sequence of ever larger tables holds two blocks, not all of them
 *      (sizes computed by hand from the 2 MiB rounding);
 *   2. 48 random budget instances of up to 9 layers and 5 servers solved
 *      with fresh memory and again with a workspace whose free blocks are
 *      first filled with one of four byte patterns (0x00, 0xff: NaN floats
 *      and doubles, 0x7f: huge values, 0xa5: arbitrary ones): the status,
 *      proof, objective, bounds, node counts and placement must be
 *      identical, to the bit;
 *   3. the same on run 0 of the budget benchmark at 16 servers (69 383
 *      search nodes, level tables built), and a second solve with the
 *      same workspace holds no more memory.
 * A table read before it is written gives a different bound under some
 * pattern and fails 2 and 3: with the first row of every W block of the
 * storage-charged tables (stab.c) left unset, 6 of the 48 random
 * instances searched a different number of nodes, and so did both solves
 * of the benchmark's run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/budget_fixture.h"

#define MIB ((size_t)1 << 20)

static void pool_checks(void) {
  solver_workspace *ws = solver_workspace_alloc();
  if (!ok(ws != NULL, "a workspace")) return;
  ok_int(solver_workspace_bytes(ws), 0, "holds nothing before a table");
  void *a = solver__table_alloc(ws, 3 * MIB);
  ok(a != NULL, "a 3 MiB table");
  ok_int(solver_workspace_bytes(ws), 4 * MIB, "takes a 4 MiB block (whole 2 MiB pages)");
  void *small = solver__table_alloc(ws, MIB);
  ok_int(solver_workspace_bytes(ws), 4 * MIB, "a 1 MiB table stays out of the workspace");
  solver__table_free(ws, small);
  void *b = solver__table_alloc(ws, 3 * MIB);
  ok(b != NULL && b != a, "a second 3 MiB table while the first lives gets its own block");
  ok_int(solver_workspace_bytes(ws), 8 * MIB, "two blocks held");
  solver__table_free(ws, a);
  void *c = solver__table_alloc(ws, 4 * MIB);
  ok(c == a, "a freed block is taken again by a table of no more bytes");
  ok_int(solver_workspace_bytes(ws), 8 * MIB, "and nothing new is allocated");
  solver__table_free(ws, b);
  solver__table_free(ws, c);
  /* Both blocks free (4 MiB each); a 9 MiB table fits neither: the
   * largest free one goes, a 10 MiB block comes: 4 + 10. */
  void *d = solver__table_alloc(ws, 9 * MIB);
  ok_int(solver_workspace_bytes(ws), 14 * MIB, "a larger table replaces one free block");
  solver__table_free(ws, d);
  /* Ever larger tables, one at a time: 12, 14, ..., 40 MiB. Each releases
   * the previous one, so the workspace holds the 4 MiB block and the
   * last: 4 + 40. */
  for (size_t k = 6; k <= 20; k++) {
    void *e = solver__table_alloc(ws, 2 * k * MIB);
    solver__table_free(ws, e);
  }
  ok_int(solver_workspace_bytes(ws), 44 * MIB, "ever larger tables hold two blocks, not fifteen");
  /* Filling writes the free blocks, and a table that takes one again
   * sees what was written: the 40 MiB block, whole. */
  solver__workspace_fill(ws, 0xa5);
  const unsigned char *f = solver__table_alloc(ws, 40 * MIB);
  ok(f != NULL && f[0] == 0xa5 && f[40 * MIB - 1] == 0xa5,
     "a filled free block is taken again with its bytes");
  ok_int(solver_workspace_bytes(ws), 44 * MIB, "without new memory");
  /* Freeing releases every block, used or not: ASan and valgrind would
   * report a leak. */
  solver_workspace_free(ws);
  solver_workspace_free(NULL);
}

/* Whether two doubles are the same value (NaN equal to NaN). */
static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* Solves `in` with fresh memory and with ws after filling it with
 * `fill`; 1 when every reported number and the placement agree. */
static int solve_both(const solver_instance *in, solver_workspace *ws, unsigned char fill,
                      const char *what) {
  solver_options o = fixture_options(SOLVER_METHOD_ILP, SOLVER_FORM_FLOW, 0, 1);
  solver_result fresh, reused;
  solver_result_init(&fresh);
  solver_result_init(&reused);
  const int rc1 = fixture_solve_with(in, &o, &fresh);
  solver__workspace_fill(ws, fill);
  o.workspace = ws;
  const int rc2 = fixture_solve_with(in, &o, &reused);
  int same_all = rc1 == SIM_OK && rc2 == SIM_OK && fresh.status == reused.status &&
                 fresh.proof == reused.proof && same(fresh.objective, reused.objective) &&
                 same(fresh.lower_bound, reused.lower_bound) &&
                 same(fresh.budget_bound, reused.budget_bound) &&
                 same(fresh.segment_bound, reused.segment_bound) && fresh.nodes == reused.nodes &&
                 fresh.search_nodes == reused.search_nodes &&
                 (fresh.placement == NULL) == (reused.placement == NULL);
  for (size_t l = 0; same_all && fresh.placement != NULL && l < in->n_layers; l++)
    same_all = fresh.placement->server[l] == reused.placement->server[l] &&
               fresh.placement->bits[l] == reused.placement->bits[l];
  if (!same_all)
    diag("%s (fill 0x%02x): fresh %s %.17g s, %lld nodes; reused %s %.17g s, %lld nodes", what,
         fill, solver_status_name(fresh.status), fresh.objective, fresh.search_nodes,
         solver_status_name(reused.status), reused.objective, reused.search_nodes);
  solver_result_clear(&fresh);
  solver_result_clear(&reused);
  return same_all;
}

static const unsigned char fills[4] = {0x00, 0xff, 0x7f, 0xa5};

static void random_checks(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261207);
  solver_workspace *ws = solver_workspace_alloc();
  int agree = 0, used = 0;
  const int n = 48;
  for (int k = 0; k < n; k++) {
    fixture_spec s = budget_shape(r, k);
    s.L = 3 + gsl_rng_uniform_int(r, 7); /* 3-9 layers, 2-5 servers */
    s.M = 2 + gsl_rng_uniform_int(r, 4);
    solver_instance *in = budget_instance_of(r, &s);
    char what[64];
    snprintf(what, sizeof what, "instance %d (L %zu, M %zu)", k, s.L, s.M);
    agree += solve_both(in, ws, fills[k % 4], what);
    used += solver_workspace_bytes(ws) > 0;
    solver_instance_free(in);
  }
  ok_int(agree, n, "every random budget instance solves the same with a filled workspace");
  /* Without tables from the workspace the check above would prove
   * nothing: the bound tables are built whenever the storage-free DP's
   * path is not feasible, on most of these instances. */
  ok(used >= n / 2, "the workspace held the tables' blocks (after %d of %d solves)", used, n);
  solver_workspace_free(ws);
  gsl_rng_free(r);
}

static void bench_checks(void) {
  sim_error err;
  sim_scenario *sc;
  sim_case *one = budget_bench_case(2, 0, &sc, &err); /* point 2: 16 servers */
  if (!ok(one != NULL, "run 0 of bench-budget at 16 servers")) {
    diag("%s", err.msg);
    return;
  }
  solver_workspace *ws = solver_workspace_alloc();
  ok(solve_both(one->instance, ws, 0xff, "bench-budget M = 16 run 0"),
     "the budget benchmark's run solves the same with a filled workspace");
  const size_t held = solver_workspace_bytes(ws);
  /* Every block the workspace keeps is whole 2 MiB pages, and it keeps
   * only blocks a table freed: holding any means the solve's tables came
   * from it. */
  ok(held >= 2 * MIB && held % (2 * MIB) == 0, "the workspace held its tables (%zu MiB)",
     held / MIB);
  ok(solve_both(one->instance, ws, 0x00, "bench-budget M = 16 run 0, again"),
     "and again with the same workspace");
  ok_int(solver_workspace_bytes(ws), held, "which holds no more memory after the second solve");
  solver_workspace_free(ws);
  sim_case_free(one);
  sim_scenario_free(sc);
}

int main(void) {
  pool_checks();
  random_checks();
  bench_checks();
  return tap_done();
}
