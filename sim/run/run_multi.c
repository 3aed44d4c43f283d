/* run_multi.c: one Monte Carlo task of a scenario with `models:` (several
 * LLMs sharing the servers): the joint exact solve and every multi-model
 * baseline on the run's topology, each checked jointly, replayed per
 * model and, with the load experiment, simulated with one request stream
 * per model (sim_serve_multi_load). Rows: per method, one per model (the
 * `model` column is the model's label) and one aggregate row, model `all`.
 *
 * Column meaning on a model's row is the single-model meaning for that
 * model (objective_s is its T), except that lower_bound_s, gap_frac and
 * nodes belong to the joint solve and are on the aggregate row only, and
 * rho_frac, unstable and util_*_frac describe the shared servers. On the
 * aggregate row every time column is the objective's aggregate of the
 * model rows (Σ weight·x with aggregate: sum, max x with max), so its
 * objective_s is the joint objective and lat_p99_s the weighted p99;
 * throughput_tps is the total; servers_used counts servers holding any
 * model. docs/experiments.md describes the rows. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "sim/core/core.h"
#include "sim/run/internal.h"
#include "sim/serve/serve.h"
#include "solver/solver.h"

size_t sim__run_rows_per_method(const sim__run_ctx *ctx, size_t point) {
  if (!ctx->multi) return 1;
  sim_scenario v;
  sim_error e;
  sim_error_clear(&e);
  if (sim_scenario_point(ctx->sc, point, &v, &e) != SIM_OK) return 1;
  return sim_scenario_models_used(&v) + 1;
}

int sim__run_ctx_multi(sim__run_ctx *ctx, sim_error *err) {
  ctx->multi = 1;
  /* A scenario's `solver.method` and `baselines` name single-model
   * methods; several models are always solved exactly, against every
   * baseline the solver has (the methods after the two exact ones), so a
   * baseline added to solver_multi_method appears here by itself. */
  ctx->n_methods = 0;
  ctx->multi_methods[ctx->n_methods++] = SOLVER_MULTI_EXACT;
  for (int m = SOLVER_MULTI_ILP + 1; m < SOLVER_MULTI_METHOD_COUNT; m++)
    ctx->multi_methods[ctx->n_methods++] = (solver_multi_method)m;
  /* The load experiment reports percentiles and utilization in the
   * serving columns. */
  ctx->serving = ctx->load;
  for (size_t i = 0; i < ctx->n_points; i++) {
    solver_multi *mi = sim_multi_alloc(ctx->sc, i, 0, err);
    if (mi == NULL) return err->code == SIM_EIO ? SIM_EINPUT : err->code;
    solver_multi_free(mi);
  }
  return SIM_OK;
}

/* The objective's aggregate of per-model values x (NaN if any is NaN). */
static double aggregate(const solver_multi *mi, const double *x) {
  double a = 0;
  for (size_t m = 0; m < mi->n_models; m++) {
    if (isnan(x[m])) return NAN;
    a = mi->objective == SOLVER_MULTI_MAX ? fmax(a, x[m]) : a + mi->weight[m] * x[m];
  }
  return a;
}

/* Utilization of the busiest server holding a layer of a placement in
 * placements pl[0..K) (or of model m only when m < K), and the mean over
 * those servers. */
static void utilization(const solver_multi *mi, solver_placement *const *pl, size_t only,
                        const sim_serve_multi_result *r, double *umax, double *umean) {
  const size_t M = mi->models[0]->n_servers;
  double top = 0, sum = 0;
  size_t used = 0;
  for (size_t i = 0; i < M && i < r->n_entities; i++) {
    int holds = 0;
    for (size_t m = 0; m < mi->n_models && !holds; m++) {
      if (only < mi->n_models && m != only) continue;
      for (size_t l = 0; l < pl[m]->n_layers && !holds; l++) holds = pl[m]->server[l] == (int)i;
    }
    if (!holds) continue;
    top = fmax(top, r->entities[i].utilization);
    sum += r->entities[i].utilization;
    used++;
  }
  *umax = top;
  *umean = used > 0 ? sum / (double)used : NAN;
}

/* col[m * SIM_COL_COUNT + c]: the DES columns of every model's row, then
 * the aggregate row's (index K). A simulation that fails leaves its
 * columns empty. */
static int simulate(const sim__run_ctx *ctx, const sim_scenario *v, const solver_multi *mi,
                    solver_placement *const *pl, uint64_t run, double *col, sim_error *err) {
  const size_t K = mi->n_models;
  sim_serve_config cfg;
  sim_serve_config_from_params(&cfg, &v->sim, v->seed, run);
  sim_serve_multi_result r;
  sim_error e;
  double x[64], y[64];
  if (v->sim.replay) {
    for (size_t m = 0; m < K; m++) {
      sim_error_clear(&e);
      int rc = sim_serve_multi_replay(mi, pl, m, &cfg, &r, &e);
      if (rc == SIM_OK && r.stop == SIM_DES_LIMIT) rc = SIM_EINPUT;
      if (rc == SIM_EINPUT) {
        sim_serve_multi_result_clear(&r);
        return sim_error_set(err, rc, "%s: run %llu: replay of model %zu: %s",
                             ctx->sc->path ? ctx->sc->path : "(scenario)", (unsigned long long)run, m,
                             r.stop == SIM_DES_LIMIT ? "simulation.max_events reached" : e.msg);
      }
      double *c = col + m * SIM_COL_COUNT;
      if (rc == SIM_OK) {
        c[SIM_COL_SIM_S] = r.model[m].latency.mean;
        c[SIM_COL_SIM_REL_ERROR] = fabs(c[SIM_COL_SIM_S] - r.model[m].analytic) / r.model[m].analytic;
      }
      x[m] = c[SIM_COL_SIM_S];
      sim_serve_multi_result_clear(&r);
    }
    double *a = col + K * SIM_COL_COUNT;
    a[SIM_COL_SIM_S] = aggregate(mi, x);
    a[SIM_COL_SIM_REL_ERROR] = fabs(a[SIM_COL_SIM_S] - a[SIM_COL_OBJECTIVE]) / a[SIM_COL_OBJECTIVE];
  }
  if (!ctx->load) return SIM_OK;
  sim_error_clear(&e);
  int rc = sim_serve_multi_load(mi, pl, &cfg, &r, &e);
  if (rc == SIM_OK && r.stop == SIM_DES_LIMIT) {
    rc = sim_error_set(&e, SIM_EINPUT, "simulation.max_events: the simulation reached its cap of "
                       "%llu events; raise it (0: no cap) or shorten the workload",
                       (unsigned long long)cfg.max_events);
  }
  if (rc == SIM_EINPUT) {
    sim_serve_multi_result_clear(&r);
    return sim_error_set(err, rc, "%s: run %llu: load: %s", ctx->sc->path ? ctx->sc->path : "(scenario)",
                         (unsigned long long)run, e.msg);
  }
  if (rc != SIM_OK) return SIM_OK;
  /* Columns that aggregate like the objective (times), one table per column. */
  static const sim_column times[] = {SIM_COL_LAT_MEAN, SIM_COL_LAT_P50, SIM_COL_LAT_P95,
                                     SIM_COL_LAT_P99, SIM_COL_TTFT, SIM_COL_TPOT,
                                     SIM_COL_TTFT_P50, SIM_COL_TTFT_P95, SIM_COL_TTFT_P99,
                                     SIM_COL_TPOT_P50, SIM_COL_TPOT_P95, SIM_COL_TPOT_P99,
                                     SIM_COL_STAGE};
  double total_tps = 0;
  for (size_t m = 0; m < K; m++) {
    const sim_serve_multi_model *o = &r.model[m];
    double *c = col + m * SIM_COL_COUNT;
    c[SIM_COL_RHO] = r.rho;
    c[SIM_COL_UNSTABLE] = r.rho >= 1.0;
    sim__run_latency_columns(&o->latency, &o->ttft, &o->tpot, c);
    c[SIM_COL_THROUGHPUT] = o->throughput_tokens;
    c[SIM_COL_TTFT_P50] = o->ttft.p50;
    c[SIM_COL_TTFT_P95] = o->ttft.p95;
    c[SIM_COL_TTFT_P99] = o->ttft.p99;
    c[SIM_COL_TPOT_P50] = o->tpot.p50;
    c[SIM_COL_TPOT_P95] = o->tpot.p95;
    c[SIM_COL_TPOT_P99] = o->tpot.p99;
    utilization(mi, pl, m, &r, &c[SIM_COL_UTIL_MAX], &c[SIM_COL_UTIL_MEAN]);
    c[SIM_COL_STAGE] = solver_bottleneck(mi->models[m], pl[m], NULL);
    c[SIM_COL_STAGE_TPS] = (double)mi->models[m]->batch / c[SIM_COL_STAGE];
    if (o->completed > 0) total_tps += o->throughput_tokens;
  }
  double *a = col + K * SIM_COL_COUNT;
  a[SIM_COL_RHO] = r.rho;
  a[SIM_COL_UNSTABLE] = r.rho >= 1.0;
  for (size_t t = 0; t < sizeof times / sizeof times[0]; t++) {
    for (size_t m = 0; m < K; m++) y[m] = col[m * SIM_COL_COUNT + times[t]];
    a[times[t]] = aggregate(mi, y);
  }
  a[SIM_COL_THROUGHPUT] = total_tps;
  utilization(mi, pl, K, &r, &a[SIM_COL_UTIL_MAX], &a[SIM_COL_UTIL_MEAN]);
  sim_serve_multi_result_clear(&r);
  return SIM_OK;
}

int sim__run_task_multi(const sim__run_ctx *ctx, size_t point, uint64_t run, sim_buf *out,
                        sim_buf *timing, sim_error *err) {
  solver_multi *mi = sim_multi_alloc(ctx->sc, point, run, err);
  if (mi == NULL) return err->code;
  sim_scenario view;
  if (sim_scenario_point(ctx->sc, point, &view, err) != SIM_OK) {
    solver_multi_free(mi);
    return err->code;
  }
  const size_t K = mi->n_models, M = mi->models[0]->n_servers;
  char labels[2][64];
  for (size_t d = 0; d < ctx->sc->n_sweep; d++)
    sim_scenario_point_value(ctx->sc, point, d, labels[d], sizeof labels[d]);
  const unsigned long topo_seed = sim_seed_derive(ctx->sc->seed, SIM_STREAM_TOPOLOGY, run);
  double *col = malloc((K + 1) * SIM_COL_COUNT * sizeof *col);
  if (col == NULL || K > 64) {
    free(col);
    solver_multi_free(mi);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  int rc = SIM_OK;
  for (size_t me = 0; me < ctx->n_methods && rc == SIM_OK; me++) {
    solver_multi_options opt;
    solver_multi_options_init(&opt);
    opt.method = ctx->multi_methods[me];
    opt.formulation = view.solver.formulation;
    opt.time_limit = view.solver.time_limit;
    opt.mip_gap = view.solver.mip_gap;
    solver_multi_result res;
    sim_error serr;
    sim_error_clear(&serr);
    const double t0 = sim__run_now();
    const int src = solver_multi_solve(mi, &opt, &res, &serr);
    const double wall = sim__run_now() - t0;
    if (src == SIM_ENOMEM) {
      solver_multi_result_clear(&res);
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory solving point %zu run %llu", point,
                         (unsigned long long)run);
      break;
    }
    const char *status = src == SIM_OK ? solver_status_name(res.status) : "error";
    for (size_t k = 0; k < (K + 1) * SIM_COL_COUNT; k++) col[k] = NAN;
    double *a = col + K * SIM_COL_COUNT;
    /* A placement is reported only when the models together pass the
     * independent checker: the independent baseline's union may break the
     * shared rows, and that finding is its status (infeasible), with each
     * model's placement kept but no objective. */
    const int placed = src == SIM_OK && res.placement[0] != NULL && res.joint_feasible;
    if (placed) {
      double T[64], checked = NAN;
      sim_error cerr;
      sim_error_clear(&cerr);
      if (solver_multi_check(mi, res.placement, T, &checked, &cerr) != SIM_OK) {
        status = "error";
      } else {
        unsigned char any[4096] = {0};
        for (size_t m = 0; m < K; m++) {
          const solver_instance *in = mi->models[m];
          double *c = col + m * SIM_COL_COUNT;
          c[SIM_COL_OBJECTIVE] = T[m];
          solver_objective(in, res.placement[m], &c[SIM_COL_COMPUTE], &c[SIM_COL_COMM]);
          c[SIM_COL_QUANT_RATIO] = solver_quant_ratio(in, res.placement[m]);
          c[SIM_COL_SERVERS_USED] = sim__run_servers_used(in, res.placement[m]);
          c[SIM_COL_ONE_SERVER_FITS] = (double)solver_one_server_fits(in);
          for (size_t l = 0; l < res.placement[m]->n_layers; l++)
            if ((size_t)res.placement[m]->server[l] < sizeof any) any[res.placement[m]->server[l]] = 1;
          if (ctx->energy)
            solver_energy(in, res.placement[m], &c[SIM_COL_ENERGY], &c[SIM_COL_POWER]);
        }
        size_t used = 0;
        for (size_t i = 0; i < M && i < sizeof any; i++) used += any[i];
        a[SIM_COL_OBJECTIVE] = checked;
        a[SIM_COL_SERVERS_USED] = (double)used;
        rc = simulate(ctx, &view, mi, res.placement, run, col, err);
      }
    }
    if (src == SIM_OK) {
      a[SIM_COL_LOWER_BOUND] = res.lower_bound;
      a[SIM_COL_GAP] = res.gap;
      a[SIM_COL_NODES] = (double)res.nodes;
    }
    const char *method = solver_multi_method_name(opt.method);
    for (size_t m = 0; m <= K && rc == SIM_OK; m++) {
      char label[128];
      /* The label is unique, so (method, model) keys a row. */
      if (m < K) sim_scenario_model_label(ctx->sc, m, label, sizeof label);
      else snprintf(label, sizeof label, "all");
      const int keep = m < K && src == SIM_OK && res.placement[0] != NULL && strcmp(status, "error") != 0;
      sim__run_row(ctx, point, labels, run, topo_seed, method, label, status, col + m * SIM_COL_COUNT,
          m < K ? mi->models[m] : NULL, keep ? res.placement[m] : NULL, out);
      /* The solve is joint: its time is on the aggregate row. */
      sim__run_timing_row(ctx, point, run, method, label, m == K ? wall : NAN, NAN, timing);
    }
    solver_multi_result_clear(&res);
  }
  free(col);
  solver_multi_free(mi);
  if (rc != SIM_OK) return rc;
  return out->oom || timing->oom ? sim_error_set(err, SIM_ENOMEM, "out of memory formatting rows") : SIM_OK;
}
