/* test_solver_units.c: the units of the budget tables (solver/units.c).
 *
 * solver__unit_shares computes each distinct group's fraction once and
 * sums the groups in order, so its shares must be the very doubles of the
 * direct sum group by group (reference() below, the definition written
 * out). Checked bit for bit on:
 *   1. a case by hand: values 1.5 and 3 in one group, scale 3;
 *   2. 200 random instances of 1-40 groups of 1-8 values each, where most
 *      groups repeat an earlier one (as identical blocks do) and some
 *      differ from it in one value only, down and up, N in [1, 300];
 *   3. the storage and errors of bench-budget's problem at 24 servers
 *      (OPT-350m: 26 layers, 24 identical blocks), with the ranges the
 *      tables use.
 * solver__unit_choose must pick the N the reference's shares give. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/budget_fixture.h"

/* The share by its definition (internal_budget.h), group by group. */
static double reference(const double *v, const size_t *first, size_t groups, double scale, size_t N,
                        int up) {
  const double unit = scale / (double)N;
  double loss = 0;
  for (size_t k = 0; k < groups; k++) {
    double worst = 0;
    for (size_t g = first[k]; g < first[k + 1]; g++) {
      const double x = v[g] / unit;
      if (x > 0 && x <= (double)N) worst = fmax(worst, up ? ceil(x - 1e-6) - x : x - floor(x));
    }
    loss += worst;
  }
  return loss / (double)N;
}

static size_t reference_choose(const double *v, const size_t *first, size_t groups, double scale,
                               size_t lo, size_t hi) {
  size_t best_n = hi;
  double best = INFINITY;
  for (size_t N = lo; N <= hi; N++) {
    const double s = reference(v, first, groups, scale, N, 0);
    if (s < best * (1 - 1e-9)) best = s, best_n = N;
  }
  return best_n;
}

/* Shares for N in [lo, hi] both ways; the number of N that differ. */
static size_t compare(const double *v, const size_t *first, size_t groups, double scale, size_t lo,
                      size_t hi, int up) {
  double *got = malloc((hi - lo + 1) * sizeof *got);
  if (got == NULL) abort();
  solver__unit_shares(v, first, groups, scale, lo, hi, up, got);
  size_t bad = 0;
  for (size_t N = lo; N <= hi; N++) {
    const double want = reference(v, first, groups, scale, N, up);
    if (memcmp(&got[N - lo], &want, sizeof want) != 0) {
      if (bad == 0) diag("N %zu (up %d): %.17g, by definition %.17g", N, up, got[N - lo], want);
      bad++;
    }
  }
  free(got);
  return bad;
}

static void by_hand(void) {
  const double v[] = {1.5, 3.0};
  const size_t first[] = {0, 2};
  double s[3];
  solver__unit_shares(v, first, 1, 3.0, 1, 3, 0, s);
  /* N = 1: unit 3, x = 0.5 and 1: drops 0.5. N = 2: unit 1.5, x = 1 and
   * 2: whole. N = 3: unit 1, x = 1.5 and 3: drops 0.5, over 3. */
  ok(s[0] == 0.5 && s[1] == 0.0 && s[2] == 0.5 / 3, "down: %g %g %g (0.5, 0, 1/6)", s[0], s[1], s[2]);
  solver__unit_shares(v, first, 1, 3.0, 1, 3, 1, s);
  ok(s[0] == 0.5 && s[1] == 0.0 && s[2] == 0.5 / 3, "up: %g %g %g (0.5, 0, 1/6)", s[0], s[1], s[2]);
  ok_int(solver__unit_choose(v, first, 1, 3.0, 1, 3), 2, "and the choice is N = 2");
}

static void random_groups(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261207);
  size_t bad = 0, wrong_choice = 0, repeated = 0;
  const int n = 200;
  for (int k = 0; k < n; k++) {
    const size_t groups = 1 + gsl_rng_uniform_int(r, 40);
    size_t first[41];
    double v[41 * 8];
    first[0] = 0;
    for (size_t gi = 0; gi < groups; gi++) {
      const size_t copy = gi > 0 && gsl_rng_uniform(r) < 0.7 ? gsl_rng_uniform_int(r, gi) : gi;
      const size_t len = copy < gi ? first[copy + 1] - first[copy] : 1 + gsl_rng_uniform_int(r, 8);
      first[gi + 1] = first[gi] + len;
      for (size_t i = 0; i < len; i++)
        v[first[gi] + i] = copy < gi ? v[first[copy] + i] : fx_uniform(r, 0.0, 12.0);
      if (copy < gi) {
        repeated++;
        if (gsl_rng_uniform(r) < 0.3) v[first[gi] + gsl_rng_uniform_int(r, len)] *= 1 + 1e-12;
      }
    }
    const double scale = fx_uniform(r, 5.0, 40.0);
    bad += compare(v, first, groups, scale, 1, 300, 0) + compare(v, first, groups, scale, 1, 300, 1);
    const size_t lo = 1 + gsl_rng_uniform_int(r, 50), hi = lo + gsl_rng_uniform_int(r, 250);
    wrong_choice += solver__unit_choose(v, first, groups, scale, lo, hi) !=
                    reference_choose(v, first, groups, scale, lo, hi);
  }
  ok_int(bad, 0, "200 random instances: every share equals the direct sum bit for bit");
  ok_int(wrong_choice, 0, "and every choice is the direct one");
  ok(repeated > 1000, "with %zu groups repeating an earlier one", repeated);
  gsl_rng_free(r);
}

static void bench_problem(void) {
  sim_error err;
  sim_scenario *sc;
  sim_case *one = budget_bench_case(3, 0, &sc, &err); /* point 3: 24 servers */
  solver__problem *pb = one ? budget_problem(one->instance) : NULL;
  if (!ok(pb != NULL, "the problem of bench-budget at 24 servers, run 0")) {
    diag("%s", err.msg);
    sim_case_free(one);
    sim_scenario_free(sc);
    return;
  }
  double widest = 0;
  for (size_t j = 0; j < pb->M; j++) widest = fmax(widest, pb->capacity[j]);
  /* The ranges of stab.c (storage 8-1024, error 8-512) and order.c (up). */
  ok_int(compare(pb->storage, pb->opt_begin, pb->L, widest, 8, 1024, 0), 0,
         "storage shares, N 8-1024, as by definition");
  ok_int(compare(pb->storage, pb->opt_begin, pb->L, widest, 8, 1024, 1), 0, "and rounded up");
  ok_int(compare(pb->error, pb->opt_begin, pb->L, pb->budget, 8, 512, 0), 0,
         "error shares, N 8-512, as by definition");
  ok_int(solver__unit_choose(pb->storage, pb->opt_begin, pb->L, widest, 8, 1024),
         reference_choose(pb->storage, pb->opt_begin, pb->L, widest, 8, 1024), "the storage unit chosen");
  ok_int(solver__unit_choose(pb->error, pb->opt_begin, pb->L, pb->budget, 8, 512),
         reference_choose(pb->error, pb->opt_begin, pb->L, pb->budget, 8, 512), "the error unit chosen");
  solver__problem_free(pb);
  sim_case_free(one);
  sim_scenario_free(sc);
}

int main(void) {
  by_hand();
  random_groups();
  bench_problem();
  return tap_done();
}
