/* test_solve_table.c: the per-point table of how hard the exact solve was
 * (analysis_solve_table), against counts, medians and maxima worked out by
 * hand for a small runs.csv and timing.csv. */
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "tests/tap.h"

/* Text equality, showing both texts when they differ. */
static void same(const char *got, const char *want, const char *name) {
  if (!ok(strcmp(got, want) == 0, "%s", name)) {
    diag("got:\n%s", got);
    diag("want:\n%s", want);
  }
}

int main(void) {
  /* Point 0 (two models placed): run 0 stopped at the 10 s limit with a
   * placement 5 % above its bound, run 1 proven in 1 s, run 2 stopped at the
   * limit without a placement (empty gap). Point 1: runs 0 and 1 proven in
   * 0.25 s and 0.5 s. Rows of another method and of single models must be
   * ignored; their values would change every statistic below. */
  const char *runs =
      "experiment,version,point,models_used,run,seed,method,model,status,objective_s,gap_frac\n"
      "x,0.1,0,2,0,1,ilp,all,timeout,2.0,0.05\n"
      "x,0.1,0,2,0,1,ilp,a,optimal,0.5,\n"
      "x,0.1,0,2,0,1,sequential,all,feasible,1.5,0.9\n"
      "x,0.1,0,2,1,2,ilp,all,optimal,1.0,0.0\n"
      "x,0.1,0,2,2,3,ilp,all,timeout,,\n"
      "x,0.1,1,3,0,4,ilp,all,optimal,3.0,0.0\n"
      "x,0.1,1,3,1,5,ilp,all,optimal,4.0,0.0\n";
  /* In the order the runs finished, not the order of runs.csv. */
  const char *timing =
      "experiment,version,point,run,method,model,solve_s\n"
      "x,0.1,1,1,ilp,all,0.5\n"
      "x,0.1,0,2,ilp,all,10.0\n"
      "x,0.1,0,0,sequential,all,99.0\n"
      "x,0.1,0,0,ilp,a,\n"
      "x,0.1,0,1,ilp,all,1.0\n"
      "x,0.1,1,0,ilp,all,0.25\n"
      "x,0.1,0,0,ilp,all,10.0\n";
  sim_error err = {0};
  char *out = NULL;
  ok_int(analysis_solve_table(runs, timing, "ilp", "all", "models_used", &out, &err), SIM_OK, "table of the ilp rows");
  /* Point 0: times by run {10, 1, 10}, sorted {1, 10, 10}: median 10
   * (unsorted, the middle one would be 1), max 10; gaps {0.05, 0} (run 2
   * has none): median 0.025, max 0.05; one timeout without a placement.
   * Point 1: times {0.25, 0.5}: median 0.375 (the mean of the middle two,
   * exact in binary), max 0.5; gaps {0, 0}. */
  const char *want =
      "point,models_used,runs,optimal,timeout,other,no_placement,solve_s_median,solve_s_max,gap_frac_median,"
      "gap_frac_max\n"
      "0,2,3,1,2,0,1,10.0,10.0,0.025,0.05\n"
      "1,3,2,2,0,0,0,0.375,0.5,0.0,0.0\n";
  same(out ? out : "", want, "counts, medians and maxima per point");
  free(out);

  /* Without timing.csv the times are empty; without a swept column it is
   * left out. The sequential baseline's one row counts as `other`. */
  out = NULL;
  ok_int(analysis_solve_table(runs, NULL, "sequential", "all", NULL, &out, &err), SIM_OK, "table without times");
  same(out ? out : "",
         "point,runs,optimal,timeout,other,no_placement,solve_s_median,solve_s_max,gap_frac_median,gap_frac_max\n"
         "0,1,0,0,1,0,,,0.9,0.9\n",
         "a feasible row is other; no times without timing.csv");
  free(out);

  /* A runs.csv without gap_frac is refused, naming what is missing. */
  out = NULL;
  ok_int(analysis_solve_table("point,run,method,model,status\n0,0,ilp,all,optimal\n", NULL, "ilp", "all", NULL, &out,
                          &err),
     SIM_ESYNTAX, "runs.csv without gap_frac is refused");
  ok(strstr(err.msg, "gap_frac") != NULL, "the message names gap_frac: %s", err.msg);
  ok(out == NULL, "nothing is returned on error");
  return tap_done();
}
