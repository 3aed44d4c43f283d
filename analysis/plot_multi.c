/* plot_multi.c: the figures of a several-model experiment (models: with
 * a swept key, usually models_used), for `dilemma plot` (plot.c reads the
 * directory and calls this): the joint objective of the exact method and
 * each multi-model baseline, how hard the joint exact solve was, and with
 * the load experiment each model's p95 latency. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/core/core.h"
#include "sim/scenario/scenario.h"
#include "analysis/analysis.h"
#include "analysis/internal.h"

/* One sweep.gp figure of several models: ycol against the first swept
 * key, one line per value of splitcol (`splits`, legend `titles`), rows
 * where filtercol is filterval. */
static int plot_multi_one(const analysis__plot_ctx *c, const char *name, const char *ycol,
                          const char *ylabel, const char *splitcol, const char *splits,
                          const char *titles, const char *filtercol, const char *filterval,
                          sim_error *err) {
  const sim_sweep_dim *d0 = &c->sc->sweep[0];
  char xcol[256], path[ANALYSIS__PATH_LEN];
  sim_scenario_sweep_column(d0->key, xcol, sizeof xcol);
  sim_buf vars;
  sim_buf_init(&vars);
  analysis__vars_common(c, &vars, name, "summary", "summary.csv");
  analysis__vars_caption(c, &vars);
  analysis__gp_string(&vars, "xkey", xcol);
  analysis__gp_string(&vars, "xlabel", strcmp(d0->key, "models_used") == 0 ? "models placed jointly" : d0->key);
  analysis__gp_string(&vars, "ylabel", ylabel);
  analysis__gp_string(&vars, "ycol", ycol);
  analysis__gp_string(&vars, "splitcol", splitcol);
  analysis__gp_string(&vars, "splits", splits);
  analysis__gp_string(&vars, "titles", titles);
  analysis__gp_string(&vars, "filtercol", filtercol);
  analysis__gp_string(&vars, "filterval", filterval);
  analysis__gp_string(&vars, "keypos", "top left");
  char mean[128];
  double lo, hi;
  snprintf(mean, sizeof mean, "%s_mean", ycol);
  analysis__column_range(c->summary, mean, &lo, &hi);
  sim_buf_printf(&vars, "logx=%d; logy=%d; ", d0->log_scale, hi / lo > ANALYSIS_LOGY_SPAN);
  snprintf(path, sizeof path, "%s/sweep.gp", c->adir);
  int rc = vars.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : analysis__gnuplot(vars.data, path, err);
  sim_buf_free(&vars);
  return rc;
}

/* The figure of how hard the joint exact solve was at each point (solve
 * time and gap against the swept key, the paper's hardness claim
 * measured), and its table beside it (figures/multi-solve.csv). The times
 * come from timing.csv; without that file the figure draws the gaps
 * alone. */
static int plot_multi_solve(const analysis__plot_ctx *c, sim_error *err) {
  const sim_sweep_dim *d0 = &c->sc->sweep[0];
  char xcol[256], path[ANALYSIS__PATH_LEN], *table = NULL, *timing = NULL;
  sim_scenario_sweep_column(d0->key, xcol, sizeof xcol);
  snprintf(path, sizeof path, "%s/timing.csv", c->dir);
  struct stat st;
  if (stat(path, &st) == 0) {
    size_t len;
    timing = sim_file_read(path, &len, err);
    if (timing == NULL) return err->code;
  }
  int rc = analysis_solve_table(c->runs, timing, solver_multi_method_name(SOLVER_MULTI_EXACT), "all", xcol,
                                &table, err);
  free(timing);
  snprintf(path, sizeof path, "%s/multi-solve.csv", c->figdir);
  if (rc == SIM_OK) rc = sim_file_write_atomic(path, table, strlen(table), err);
  free(table);
  if (rc != SIM_OK) return rc;
  sim_buf vars;
  sim_buf_init(&vars);
  analysis__gp_string(&vars, "dir", c->adir);
  analysis__gp_string(&vars, "table", path);
  snprintf(path, sizeof path, "%s/multi-solve", c->figdir);
  analysis__gp_string(&vars, "out", path);
  analysis__gp_string(&vars, "title", c->title);
  char caption[160];
  snprintf(caption, sizeof caption, "DILEMMA's joint exact solve, %lld runs per point", (long long)c->sc->runs);
  analysis__gp_string(&vars, "caption", caption);
  analysis__gp_string(&vars, "xlabel", strcmp(d0->key, "models_used") == 0 ? "models placed jointly" : d0->key);
  sim_buf_printf(&vars, "limit=%.17g; ", c->sc->solver.time_limit > 0 ? c->sc->solver.time_limit : 0.0);
  snprintf(path, sizeof path, "%s/solve.gp", c->adir);
  rc = vars.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : analysis__gnuplot(vars.data, path, err);
  sim_buf_free(&vars);
  return rc;
}

/* Several models (models:) with a swept key, usually models_used: the
 * joint objective (the aggregate rows, model `all`) of the exact method
 * and every multi-model baseline, and with the load experiment each
 * model's p95 latency under DILEMMA's placement. */
int analysis__plot_multi(const analysis__plot_ctx *c, int *made, sim_error *err) {
  sim_buf splits, titles;
  sim_buf_init(&splits);
  sim_buf_init(&titles);
  for (int m = 0; m < SOLVER_MULTI_METHOD_COUNT; m++) {
    if (m == SOLVER_MULTI_ILP) continue; /* the same optimum as the exact method */
    const char *name = solver_multi_method_name((solver_multi_method)m);
    sim_buf_printf(&splits, "%s%s", splits.len ? " " : "", name);
    /* Means are over the runs each method finished (timeouts and
     * infeasible runs have none): the legend says how many. */
    const char *label = m == SOLVER_MULTI_EXACT ? "DILEMMA (joint, exact)" : NULL;
    if (!splits.oom && analysis__legend_append(c, name, "all", label, &titles, err) != SIM_OK) {
      sim_buf_free(&splits);
      sim_buf_free(&titles);
      return err->code;
    }
  }
  const char *ylabel = c->sc->solver.aggregate == SOLVER_MULTI_MAX ? "largest completion time max T_m (s)"
                                                                   : "weighted completion time sum w_m T_m (s)";
  int rc = splits.oom || titles.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory")
                                    : plot_multi_one(c, "multi", "objective_s", ylabel, "method", splits.data,
                                                     titles.data, "model", "all", err);
  *made += rc == SIM_OK;
  if (rc == SIM_OK) {
    rc = plot_multi_solve(c, err);
    *made += rc == SIM_OK;
  }
  if (rc == SIM_OK && c->sc->sim.load) {
    sim_buf_clear(&splits);
    sim_buf_clear(&titles);
    for (size_t m = 0; m < c->sc->n_models; m++) {
      char label[128];
      sim_scenario_model_label(c->sc, m, label, sizeof label);
      sim_buf_printf(&splits, "%s%s", m ? " " : "", label);
      sim_buf_printf(&titles, "%s\"%s\"", m ? " " : "", label);
    }
    rc = splits.oom || titles.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory")
                                  : plot_multi_one(c, "multi-load", "lat_p95_s",
                                                   "p95 latency under load, DILEMMA's placement (s)", "model",
                                                   splits.data, titles.data, "method",
                                                   solver_multi_method_name(SOLVER_MULTI_EXACT), err);
    *made += rc == SIM_OK;
  }
  sim_buf_free(&splits);
  sim_buf_free(&titles);
  return rc;
}
