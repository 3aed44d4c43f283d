/* test_summary.c: summary.csv statistics against values computed by hand
 * for a small runs.csv. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "sim/run/run.h"
#include "tests/tap.h"

/* Field `name` of line `row` (0 = header) of a CSV text, as a double. */
static double get(const char *csv, int row, const char *name) {
  char *copy = strdup(csv), *save = NULL;
  char *lines[16];
  int n = 0;
  for (char *l = strtok_r(copy, "\n", &save); l && n < 16; l = strtok_r(NULL, "\n", &save)) lines[n++] = l;
  int col = -1, c = 0;
  for (char *p = lines[0], *q; p; p = q ? q + 1 : NULL, c++) {
    q = strchr(p, ',');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (strlen(name) == len && strncmp(p, name, len) == 0) col = c;
  }
  double v = NAN;
  if (col >= 0 && row < n) {
    char *p = lines[row];
    for (int k = 0; k < col && p; k++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    if (p && *p != ',' && *p) v = strtod(p, NULL);
  }
  free(copy);
  return v;
}

int main(void) {
  /* Point 0, method ilp: five optimal rows with objectives 1, 2, 3, 4, 10,
   * plus one infeasible and one timeout row, which count but do not enter
   * the statistics. Point 0 also has one greedy row; point 1 one ilp row. */
  const char *runs =
      "experiment,version,point,links_omega_min,run,seed,method,model,status,objective_s,sim_s,placement\n"
      "x,0.1,0,1e+06,0,11,ilp,opt-350m,optimal,1.0,2.0,0:4*26\n"
      "x,0.1,0,1e+06,0,11,greedy,opt-350m,feasible,5.0,,0:4*26\n"
      "x,0.1,0,1e+06,1,12,ilp,opt-350m,optimal,2.0,,0:4*26\n"
      "x,0.1,0,1e+06,2,13,ilp,opt-350m,optimal,3.0,,0:4*26\n"
      "x,0.1,0,1e+06,3,14,ilp,opt-350m,infeasible,,,\n"
      "x,0.1,0,1e+06,4,15,ilp,opt-350m,optimal,4.0,4.0,0:4*26\n"
      "x,0.1,0,1e+06,5,16,ilp,opt-350m,timeout,7.0,,0:4*26\n"
      "x,0.1,0,1e+06,6,17,ilp,opt-350m,optimal,10.0,,0:4*26\n"
      "x,0.1,1,1e+07,0,11,ilp,opt-350m,optimal,0.5,,1:4*26\n";
  char *sum = NULL;
  sim_error err;
  sim_error_clear(&err);
  int rc = analysis_summary_compute(runs, strlen(runs), &sum, &err);
  if (!ok(rc == SIM_OK && sum != NULL, "summary of a 9-row runs.csv")) {
    diag("%s", err.msg);
    return tap_done();
  }
  const char *head = "experiment,version,point,links_omega_min,method,model,n_ok,n_infeasible,n_timeout,n_error,"
                     "objective_s_mean,";
  ok(strncmp(sum, head, strlen(head)) == 0, "header: experiment, version, point, keys, method, model, counts, then "
     "statistics per column");
  ok(strstr(sum, "\nx,") != NULL && strstr(sum, ",ilp,opt-350m,5,1,1,0,4.0,") != NULL,
     "rows carry the experiment, method and model; an integral mean is written as a real (4.0)");
  /* Row 1 is (point 0, ilp). Counts: 5 optimal, 1 infeasible, 1 timeout. */
  ok_rel(get(sum, 1, "n_ok"), 5, 0, "n_ok = 5");
  ok_rel(get(sum, 1, "n_infeasible"), 1, 0, "n_infeasible = 1");
  ok_rel(get(sum, 1, "n_timeout"), 1, 0, "n_timeout = 1");
  /* By hand for 1, 2, 3, 4, 10: mean = 20/5 = 4; squared deviations
   * 9 + 4 + 1 + 0 + 36 = 50, sample variance 50/4 = 12.5, sd = sqrt(12.5)
   * = 3.5355339059327378; t(0.975, 4 dof) = 2.7764451051977987, so the CI
   * half-width = 2.7764451051977987 * 3.5355339059327378 / sqrt(5)
   * = 4.3899437... ; median 3, min 1, max 10. */
  ok_rel(get(sum, 1, "objective_s_mean"), 4.0, 1e-15, "mean = 4");
  ok_rel(get(sum, 1, "objective_s_sd"), 3.5355339059327378, 1e-14, "sd = sqrt(12.5)");
  ok_rel(get(sum, 1, "objective_s_ci95"), 2.7764451051977987 * 3.5355339059327378 / 2.2360679774997898, 1e-9,
         "95%% CI half-width = t(0.975, 4) sd / sqrt(5)");
  ok_rel(get(sum, 1, "objective_s_median"), 3.0, 0, "median = 3");
  ok_rel(get(sum, 1, "objective_s_min"), 1.0, 0, "min = 1");
  ok_rel(get(sum, 1, "objective_s_max"), 10.0, 0, "max = 10");
  /* sim_s has values only in rows 0 and 4 of ilp: 2 and 4 -> mean 3,
   * sd = sqrt(2) = 1.4142135623730951, t(0.975, 1) = 12.706204736174698. */
  ok_rel(get(sum, 1, "sim_s_mean"), 3.0, 0, "empty fields are skipped: sim_s mean = 3");
  ok_rel(get(sum, 1, "sim_s_ci95"), 12.706204736174698 * 1.4142135623730951 / 1.4142135623730951, 1e-9,
         "CI with 2 values uses t(0.975, 1)");
  /* Row 2 is (point 0, greedy): a single value has no sd or CI. */
  ok_rel(get(sum, 2, "objective_s_mean"), 5.0, 0, "greedy mean = 5");
  ok(isnan(get(sum, 2, "objective_s_sd")), "one value: sd left empty");
  ok(isnan(get(sum, 2, "sim_s_mean")), "no values: statistics left empty");
  /* Row 3 is point 1. */
  ok_rel(get(sum, 3, "point"), 1, 0, "point 1 follows");
  ok_rel(get(sum, 3, "links_omega_min"), 1e7, 0, "with its swept value");

  /* Legends: ilp has 5 + 1 ok rows of 8 over both points (1 infeasible,
   * 1 timeout); greedy's one row is ok, so its legend is its name. */
  char legend[128];
  sim_error_clear(&err);
  ok(analysis_summary_legend(sum, "ilp", NULL, legend, sizeof legend, &err) == SIM_OK &&
         strcmp(legend, "ilp (mean of 6 of 8 runs; 1 infeasible, 1 timeout)") == 0,
     "legend counts the runs without an objective over every point: '%s'", legend);
  ok(analysis_summary_legend(sum, "greedy", NULL, legend, sizeof legend, &err) == SIM_OK &&
         strcmp(legend, "greedy") == 0,
     "a method with every run solved is just its name: '%s'", legend);
  ok(analysis_summary_legend(sum, "ilp", NULL, legend, 12, &err) == SIM_OK && strcmp(legend, "ilp (mean o") == 0,
     "a short buffer truncates and stays terminated: '%s'", legend);
  ok(analysis_summary_legend("point,method\n0,ilp\n", "ilp", NULL, legend, sizeof legend, &err) == SIM_ESYNTAX,
     "a summary without the count columns is rejected");
  /* Several models: a method has a row per model and the aggregate `all`;
   * the multi-model figure counts the aggregate's runs only. By hand: all
   * has 3 ok + 17 timeout at point 0 and 20 ok at point 1, so 23 of 40;
   * summing every row would add opt-a's 20 ok and say 43 of 60. */
  const char *multi = "point,method,model,n_ok,n_infeasible,n_timeout,n_error\n"
                      "0,ilp,opt-a,20,0,0,0\n0,ilp,all,3,0,17,0\n1,ilp,all,20,0,0,0\n";
  ok(analysis_summary_legend(multi, "ilp", "all", legend, sizeof legend, &err) == SIM_OK &&
         strcmp(legend, "ilp (mean of 23 of 40 runs; 17 timeout)") == 0,
     "legend of one model's rows: '%s'", legend);
  ok(analysis_summary_legend(multi, "ilp", NULL, legend, sizeof legend, &err) == SIM_OK &&
         strcmp(legend, "ilp (mean of 43 of 60 runs; 17 timeout)") == 0,
     "without a model every row of the method counts: '%s'", legend);
  free(sum);

  /* Paired ratios, the premise share and unstable runs, from a runs.csv of
   * schema 2 (read in schema 3: rho is rho_frac, the share
   * one_server_fits_frac). The main method is the file's first (ilp). Run 0: single infeasible, greedy 3 vs ilp 2.
   * Run 1 (rho 1.5, unstable): single 5 and greedy 4 vs ilp 4. Run 2: ilp
   * infeasible, so greedy's 7 has no pair. */
  const char *paired =
      "point,run,seed,method,status,objective_s,one_server_fits,rho,unstable,lat_mean_s,placement\n"
      "0,0,1,ilp,optimal,2,0,0.5,0,3,0:4\n"
      "0,0,1,single,infeasible,,0,,,,\n"
      "0,0,1,greedy,feasible,3,0,0.5,0,4,0:4\n"
      "0,1,2,ilp,optimal,4,1,1.5,1,100,0:4\n"
      "0,1,2,single,feasible,5,1,1.5,1,200,0:4\n"
      "0,1,2,greedy,feasible,4,1,1.5,1,100,0:4\n"
      "0,2,3,ilp,infeasible,,0,,,,\n"
      "0,2,3,greedy,feasible,7,0,0.2,0,9,0:4\n";
  sim_error_clear(&err);
  ok(analysis_summary_compute(paired, strlen(paired), &sum, &err) == SIM_OK, "summary with paired runs");
  /* Rows: 1 ilp, 2 single, 3 greedy. */
  ok_rel(get(sum, 1, "n_paired"), 2, 0, "ilp pairs with itself on its 2 solved runs");
  ok_rel(get(sum, 1, "paired_ratio_mean"), 1, 0, "ilp's ratio to itself is 1");
  ok_rel(get(sum, 2, "n_paired"), 1, 0, "single: 1 paired run (run 0 infeasible)");
  ok_rel(get(sum, 2, "paired_ratio_mean"), 1.25, 0, "single: 5 / 4");
  ok_rel(get(sum, 3, "n_paired"), 2, 0, "greedy: 2 paired runs (ilp infeasible in run 2)");
  ok_rel(get(sum, 3, "paired_ratio_mean"), 1.25, 1e-15, "greedy: mean of 3/2 and 4/4");
  ok_rel(get(sum, 3, "paired_ratio_min"), 1, 0, "greedy: min ratio 1");
  ok_rel(get(sum, 3, "paired_ratio_max"), 1.5, 0, "greedy: max ratio 1.5");
  /* sd of {1.5, 1} = sqrt(2 * 0.25^2 / 1) = 0.25 sqrt(2); half-width
   * t(0.975, 1) sd / sqrt(2) = 12.706204736174698 * 0.25. */
  ok_rel(get(sum, 3, "paired_ratio_ci95"), 12.706204736174698 * 0.25, 1e-9, "greedy: CI of the ratios");
  ok_rel(get(sum, 1, "one_server_fits_frac"), 1.0 / 3.0, 1e-15, "ilp: premise fails in 1 of 3 runs");
  ok_rel(get(sum, 2, "one_server_fits_frac"), 0.5, 0, "single: 1 of 2, infeasible rows included");
  ok_rel(get(sum, 1, "n_unstable"), 1, 0, "ilp: run 1 is unstable");
  ok_rel(get(sum, 1, "lat_mean_s_mean"), 3, 0, "ilp: latency over the stable run only");
  ok_rel(get(sum, 1, "rho_frac_mean"), 1, 0, "rho itself keeps every run: (0.5 + 1.5) / 2");
  ok(isnan(get(sum, 2, "lat_mean_s_mean")), "single: its one solved run is unstable, no latency");
  ok_rel(get(sum, 3, "lat_mean_s_mean"), 6.5, 0, "greedy: (4 + 9) / 2 over stable runs");
  free(sum);

  /* Two models in one run: each baseline is paired with the main method on
   * its own model (2 / 1 and 9 / 3). */
  const char *models =
      "experiment,version,point,run,seed,method,model,status,objective_s,placement\n"
      "x,0.1,0,0,1,ilp,a,optimal,1.0,0:4\n"
      "x,0.1,0,0,1,ilp,b,optimal,3.0,0:4\n"
      "x,0.1,0,0,1,greedy,a,feasible,2.0,0:4\n"
      "x,0.1,0,0,1,greedy,b,feasible,9.0,0:4\n";
  sim_error_clear(&err);
  ok(analysis_summary_compute(models, strlen(models), &sum, &err) == SIM_OK, "summary of two models");
  ok_rel(get(sum, 3, "paired_ratio_mean"), 2, 0, "greedy on model a: 2 / 1");
  ok_rel(get(sum, 4, "paired_ratio_mean"), 3, 0, "greedy on model b: 9 / 3");
  free(sum);

  /* The integer columns analysis/ knows are those sim/run writes. */
  int agree = 1;
  for (int c = 0; c < SIM_COL_COUNT; c++)
    if (!sim_column_is_timing((sim_column)c))
      agree &= analysis_schema_is_count(sim_column_name((sim_column)c)) == sim_column_is_count((sim_column)c);
  ok(agree, "analysis_schema_is_count agrees with sim_column_is_count on every column");

  sim_error_clear(&err);
  const char *bad = "point,run,method,status,objective_s\n0,0,ilp,optimal,abc\n";
  ok(analysis_summary_compute(bad, strlen(bad), &sum, &err) == SIM_ESYNTAX && strstr(err.msg, "'abc' is not a number"),
     "a malformed number is reported with its column");
  sim_error_clear(&err);
  const char *bad2 = "run,point\n";
  ok(analysis_summary_compute(bad2, strlen(bad2), &sum, &err) == SIM_ESYNTAX, "a wrong header is rejected");
  /* The text is (pointer, length): the message quotes the header line
   * alone and reads nothing past the length. */
  sim_error_clear(&err);
  const char bad3[] = {'r', 'u', 'n', ',', 'p', 'o', 'i', 'n', 't', '\n', '0', ',', '1', '\n', 'X', 'Y', 'Z'};
  ok(analysis_summary_compute(bad3, 14, &sum, &err) == SIM_ESYNTAX && strstr(err.msg, "(got 'run,point')") != NULL &&
         strstr(err.msg, "XYZ") == NULL,
     "a wrong header is quoted alone, from a text without a NUL");
  return tap_done();
}
