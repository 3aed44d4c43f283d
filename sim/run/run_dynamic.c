/* run_dynamic.c: the columns of a row under simulation.dynamics: the load
 * experiment replayed under changing conditions with the scenario's
 * controller (sim_dyn_run), and the run's latency time series. */
#include <math.h>
#include <stdio.h>

#include "sim/run/internal.h"
#include "sim/serve/serve.h"

/* OUTDIR/timeseries/p<point>-r<run>-<method>.csv: `time_s,latency_s`, one
 * row per kept completion (decimated evenly over the run). */
static int write_series(const sim__run_ctx *ctx, const sim_dyn_result *r, size_t point,
                        uint64_t run, const solver_options *opt, sim_error *err) {
  char dir[4200], path[4400];
  snprintf(dir, sizeof dir, "%s/timeseries", ctx->outdir);
  if (sim__run_make_dirs(dir, err) != SIM_OK) return err->code;
  snprintf(path, sizeof path, "%s/p%zu-r%llu-%s.csv", dir, point, (unsigned long long)run,
           solver_method_name(opt->method));
  sim_buf b;
  sim_buf_init(&b);
  sim_buf_puts(&b, "time_s,latency_s\n");
  for (size_t k = 0; k < r->n_series; k++) {
    sim_buf_number(&b, r->series_time[k]);
    sim_buf_puts(&b, ",");
    sim_buf_number(&b, r->series_latency[k]);
    sim_buf_puts(&b, "\n");
  }
  int rc = b.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory formatting %s", path)
                 : sim_file_write_atomic(path, b.data, b.len, err);
  sim_buf_free(&b);
  return rc;
}

int sim__run_dynamic(const sim__run_ctx *ctx, const sim_scenario *v, const solver_instance *in,
                     const solver_placement *p, const solver_options *opt, size_t point,
                     uint64_t run, double *col, sim_error *err) {
  sim_serve_config cfg;
  sim_serve_config_from_params(&cfg, &v->sim, v->seed, run);
  sim_dyn_result r;
  sim_error e;
  sim_error_clear(&e);
  if (sim_dyn_run(in, p, &cfg, &v->sim.dyn, opt, &r, &e) != SIM_OK) return SIM_OK;
  sim__run_latency_columns(&r.latency, &r.ttft, &r.tpot, col);
  col[SIM_COL_THROUGHPUT] = r.throughput_tokens;
  /* The analytic T's error against latencies that include re-planning says
   * nothing about the cost model: left empty. */
  col[SIM_COL_LOAD_MAPE] = NAN;
  col[SIM_COL_UNSERVED] = (double)r.unserved;
  col[SIM_COL_SLO_MISS] = r.slo_miss;
  col[SIM_COL_SOLVES] = (double)r.solves;
  col[SIM_COL_MIGRATIONS] = (double)r.migrations;
  col[SIM_COL_LAYERS_MOVED] = (double)r.layers_moved;
  col[SIM_COL_BYTES_MOVED] = r.bytes_moved;
  col[SIM_COL_MIGRATION_S] = r.migration_time;
  col[SIM_COL_REPLAN_S] = r.solve_wall; /* timing.csv */
  col[SIM_COL_PH1_MEAN] = r.phase[0].mean;
  col[SIM_COL_PH1_P95] = r.phase[0].p95;
  col[SIM_COL_PH2_MEAN] = r.phase[1].mean;
  col[SIM_COL_PH2_P95] = r.phase[1].p95;
  int rc = SIM_OK;
  if (v->sim.dyn.timeseries > 0) rc = write_series(ctx, &r, point, run, opt, err);
  sim_dyn_result_clear(&r);
  return rc;
}
