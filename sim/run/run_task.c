/* run_task.c: one Monte Carlo task: the topology of a run at a sweep point,
 * every configured method on it, the independent check and the DES replay,
 * formatted as runs.csv rows. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "sim/core/core.h"
#include "sim/run/internal.h"
#include "sim/serve/serve.h"
#include "solver/solver.h"

/* Every quantity carries its unit: _s seconds, _pct percent, _frac a ratio
 * of like quantities (1 = 100 %), _tps tokens/s, _rps requests/s, _w watts,
 * _j_per_token, _bytes; counts and 0/1 flags are bare. */
static const char *const column_names[SIM_COL_COUNT] = {
  "objective_s", "compute_s", "comm_s", "quant_ratio_pct", "servers_used", "one_server_fits",
  "solve_s", "lower_bound_s", "gap_frac", "nodes", "sim_s", "sim_rel_error_frac", "rho_frac", "unstable",
  "lat_mean_s", "lat_p50_s", "lat_p95_s", "lat_p99_s", "ttft_s", "tpot_s", "throughput_tps", "load_mape_pct",
  "unserved", "slo_miss_pct", "solves", "migrations", "layers_moved", "moved_bytes", "migration_s",
  "replan_solve_s", "ph1_mean_s", "ph1_p95_s", "ph2_mean_s", "ph2_p95_s",
  "energy_j_per_token", "power_w",
  "ttft_p50_s", "ttft_p95_s", "ttft_p99_s", "tpot_p50_s", "tpot_p95_s", "tpot_p99_s",
  "itl_p50_s", "itl_p95_s", "itl_p99_s", "goodput_rps", "mean_batch", "mem_peak_frac",
  "util_max_frac", "util_mean_frac", "stage_s", "stage_tps"};

const char *sim_column_name(sim_column c) {
  return (unsigned)c < SIM_COL_COUNT ? column_names[c] : "?";
}

int sim_column_is_count(sim_column c) {
  switch (c) {
  case SIM_COL_SERVERS_USED: case SIM_COL_ONE_SERVER_FITS: case SIM_COL_NODES: case SIM_COL_UNSTABLE:
  case SIM_COL_UNSERVED: case SIM_COL_SOLVES: case SIM_COL_MIGRATIONS: case SIM_COL_LAYERS_MOVED:
    return 1;
  default:
    return 0;
  }
}

int sim_column_is_timing(sim_column c) { return c == SIM_COL_SOLVE_S || c == SIM_COL_REPLAN_S; }

int sim__run_has_column(const sim__run_ctx *ctx, size_t c) {
  if (sim_column_is_timing((sim_column)c)) return 0;
  if (c >= SIM_COL_FIRST_SERVING) return ctx->serving;
  if (c >= SIM_COL_FIRST_ENERGY) return ctx->energy;
  if (c >= SIM_COL_FIRST_DYN) return ctx->dynamic;
  if (c >= SIM_COL_FIRST_LOAD) return ctx->load;
  return 1;
}

void sim__run_header(const sim__run_ctx *ctx, sim_buf *out) {
  sim_buf_puts(out, "experiment,version,point");
  for (size_t d = 0; d < ctx->sc->n_sweep; d++) {
    char col[256];
    sim_scenario_sweep_column(ctx->sc->sweep[d].key, col, sizeof col);
    sim_buf_printf(out, ",%s", col);
  }
  sim_buf_puts(out, ",run,seed,method,model,status");
  for (size_t c = 0; c < SIM_COL_COUNT; c++)
    if (sim__run_has_column(ctx, c)) sim_buf_printf(out, ",%s", column_names[c]);
  sim_buf_puts(out, ",placement\n");
}

void sim__run_timing_header(const sim__run_ctx *ctx, sim_buf *out) {
  sim_buf_puts(out, "experiment,version,point,run,method,model,solve_s");
  if (ctx->dynamic) sim_buf_puts(out, ",replan_solve_s");
  sim_buf_puts(out, "\n");
}

void sim__run_csv_name(sim_buf *out, const char *s) {
  for (; *s; s++) {
    const char c = strchr(",\"\r\n", *s) ? '_' : *s;
    sim_buf_append(out, &c, 1);
  }
}

int sim__run_method_index(const sim__run_ctx *ctx, const char *name, size_t len) {
  for (size_t m = 0; m < ctx->n_methods; m++) {
    const char *s = ctx->multi ? solver_multi_method_name(ctx->multi_methods[m])
                               : solver_method_name(ctx->methods[m]);
    if (strlen(s) == len && strncmp(s, name, len) == 0) return (int)m;
  }
  return -1;
}

void sim__run_placement_text(const solver_instance *in, const solver_placement *p, sim_buf *out) {
  size_t l = 0;
  while (l < p->n_layers) {
    size_t k = l + 1;
    while (k < p->n_layers && p->server[k] == p->server[l] && p->bits[k] == p->bits[l]) k++;
    sim_buf_printf(out, "%s%d:%lld", l ? " " : "", p->server[l], (long long)in->bits[p->bits[l]]);
    if (k - l > 1) sim_buf_printf(out, "*%zu", k - l);
    l = k;
  }
}

double sim__run_servers_used(const solver_instance *in, const solver_placement *p) {
  size_t used = 0;
  for (size_t i = 0; i < in->n_servers; i++)
    for (size_t l = 0; l < p->n_layers; l++)
      if (p->server[l] == (int)i) { used++; break; }
  return (double)used;
}

double sim__run_now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Offered load of the busiest server or link of a placement at the
 * configured arrival rate: the rate times the entity's busy time for one
 * request alone, per slot (utilization x end time of the replay). At
 * rho >= 1 work arrives faster than it can be done. Batching is not
 * credited: this is the load of requests served one at a time. */
static double offered_load(const sim_serve_result *alone, double rate) {
  double busiest = 0.0;
  for (size_t e = 0; e < alone->n_entities; e++)
    busiest = fmax(busiest, alone->entities[e].utilization * alone->end_time);
  return rate * busiest;
}

void sim__run_latency_columns(const sim_serve_latency *latency, const sim_serve_latency *ttft,
                              const sim_serve_latency *tpot, double *col) {
  col[SIM_COL_LAT_MEAN] = latency->mean;
  col[SIM_COL_LAT_P50] = latency->p50;
  col[SIM_COL_LAT_P95] = latency->p95;
  col[SIM_COL_LAT_P99] = latency->p99;
  col[SIM_COL_TTFT] = ttft->mean;
  col[SIM_COL_TPOT] = tpot->mean;
}

/* The serving columns of a continuous-batching load run. */
static void serving_columns(const solver_instance *in, const solver_placement *p,
                            const sim_serve_result *r, double *col) {
  col[SIM_COL_TTFT_P50] = r->ttft.p50;
  col[SIM_COL_TTFT_P95] = r->ttft.p95;
  col[SIM_COL_TTFT_P99] = r->ttft.p99;
  col[SIM_COL_TPOT_P50] = r->tpot.p50;
  col[SIM_COL_TPOT_P95] = r->tpot.p95;
  col[SIM_COL_TPOT_P99] = r->tpot.p99;
  col[SIM_COL_ITL_P50] = r->itl.p50;
  col[SIM_COL_ITL_P95] = r->itl.p95;
  col[SIM_COL_ITL_P99] = r->itl.p99;
  col[SIM_COL_GOODPUT] = r->goodput_requests;
  col[SIM_COL_MEAN_BATCH] = r->mean_batch;
  double peak = 0, umax = 0, usum = 0;
  size_t used = 0;
  for (size_t i = 0; i < in->n_servers && i < r->n_entities; i++) {
    int holds = 0;
    for (size_t l = 0; l < p->n_layers && !holds; l++) holds = p->server[l] == (int)i;
    if (!holds) continue;
    const sim_serve_entity *e = &r->entities[i];
    if (in->servers[i].storage > 0 && e->mem_peak / in->servers[i].storage > peak)
      peak = e->mem_peak / in->servers[i].storage;
    if (e->utilization > umax) umax = e->utilization;
    usum += e->utilization;
    used++;
  }
  col[SIM_COL_MEM_PEAK] = peak;
  col[SIM_COL_UTIL_MAX] = umax;
  col[SIM_COL_UTIL_MEAN] = used > 0 ? usum / (double)used : NAN;
  col[SIM_COL_STAGE] = solver_bottleneck(in, p, NULL);
  col[SIM_COL_STAGE_TPS] = (double)in->batch / col[SIM_COL_STAGE];
}

/* The DES columns of a row: the replay of one request (sim_s and its
 * relative error against the analytic T) and, when configured, the load
 * experiment with its offered load rho. A simulation that fails leaves its
 * columns empty; the row's placement and objective still stand. */
static int simulate(const sim__run_ctx *ctx, const sim_scenario *v, const solver_instance *in,
                    const solver_placement *p, const solver_options *opt, size_t point,
                    uint64_t run, double *col, sim_error *err) {
  sim_serve_config cfg;
  sim_serve_config_from_params(&cfg, &v->sim, v->seed, run);
  sim_serve_result r;
  sim_error e;
  if (v->sim.replay || ctx->load) {
    sim_serve_result_init(&r);
    sim_error_clear(&e);
    int rc = sim_serve_replay(in, p, &cfg, &r, &e);
    if (rc == SIM_OK) rc = sim_serve_check_limit(&r, &cfg, &e);
    if (rc == SIM_EINPUT) { /* simulation.max_events reached: the scenario's error */
      sim_serve_result_clear(&r);
      return sim_error_set(err, rc, "%s: run %llu: replay: %s", ctx->sc->path ? ctx->sc->path : "(scenario)",
                           (unsigned long long)run, e.msg);
    }
    if (rc == SIM_OK) {
      if (v->sim.replay) {
        col[SIM_COL_SIM_S] = r.simulated;
        col[SIM_COL_SIM_REL_ERROR] = r.rel_error;
      }
      if (ctx->load) {
        /* Continuous batching credits full batches (a lower bound on the
         * load); static batching is charged one request at a time. */
        col[SIM_COL_RHO] = ctx->serving ? sim_serve_batch_rho(in, p, &cfg) : offered_load(&r, cfg.rate);
        col[SIM_COL_UNSTABLE] = col[SIM_COL_RHO] >= 1.0;
      }
    }
    sim_serve_result_clear(&r);
  }
  if (ctx->dynamic) return sim__run_dynamic(ctx, v, in, p, opt, point, run, col, err);
  if (ctx->load) {
    sim_serve_result_init(&r);
    sim_error_clear(&e);
    int rc = sim_serve_load(in, p, &cfg, &r, &e);
    if (rc == SIM_OK) rc = sim_serve_check_limit(&r, &cfg, &e);
    if (rc == SIM_EINPUT) {
      sim_serve_result_clear(&r);
      return sim_error_set(err, rc, "%s: run %llu: load: %s", ctx->sc->path ? ctx->sc->path : "(scenario)",
                           (unsigned long long)run, e.msg);
    }
    if (rc == SIM_OK) {
      sim__run_latency_columns(&r.latency, &r.ttft, &r.tpot, col);
      col[SIM_COL_THROUGHPUT] = r.throughput_tokens;
      col[SIM_COL_LOAD_MAPE] = r.mape;
      if (ctx->serving) serving_columns(in, p, &r, col);
    }
    sim_serve_result_clear(&r);
  }
  return SIM_OK;
}

void sim__run_row(const sim__run_ctx *ctx, size_t point, const char labels[2][64], uint64_t run,
                  unsigned long topo_seed, const char *method, const char *model, const char *status,
                  const double *col, const solver_instance *in, const solver_placement *p,
                  sim_buf *out) {
  sim__run_csv_name(out, ctx->sc->name);
  sim_buf_printf(out, ",%s,%zu", PACKAGE_VERSION, point);
  for (size_t d = 0; d < ctx->sc->n_sweep; d++) sim_buf_printf(out, ",%s", labels[d]);
  sim_buf_printf(out, ",%llu,%lu,%s,", (unsigned long long)run, topo_seed, method);
  sim__run_csv_name(out, model);
  sim_buf_printf(out, ",%s", status);
  for (size_t c = 0; c < SIM_COL_COUNT; c++) {
    if (!sim__run_has_column(ctx, c)) continue;
    sim_buf_puts(out, ",");
    if (sim_column_is_count((sim_column)c)) sim_buf_number(out, col[c]);
    else sim_buf_real(out, col[c]);
  }
  sim_buf_puts(out, ",");
  if (p != NULL) sim__run_placement_text(in, p, out);
  sim_buf_puts(out, "\n");
}

void sim__run_timing_row(const sim__run_ctx *ctx, size_t point, uint64_t run, const char *method,
                         const char *model, double solve_s, double replan_s, sim_buf *timing) {
  sim__run_csv_name(timing, ctx->sc->name);
  sim_buf_printf(timing, ",%s,%zu,%llu,%s,", PACKAGE_VERSION, point, (unsigned long long)run, method);
  sim__run_csv_name(timing, model);
  sim_buf_puts(timing, ",");
  sim_buf_real(timing, solve_s);
  if (ctx->dynamic) {
    sim_buf_puts(timing, ",");
    sim_buf_real(timing, replan_s);
  }
  sim_buf_puts(timing, "\n");
}

int sim__run_task(const sim__run_ctx *ctx, solver_workspace *ws, size_t point, uint64_t run,
                  sim_buf *out, sim_buf *timing, sim_error *err) {
  if (ctx->multi) return sim__run_task_multi(ctx, point, run, out, timing, err);
  sim_case *one = sim_case_alloc(ctx->sc, point, run, err);
  if (one == NULL) return err->code;
  const sim_scenario *v = &one->view;
  const solver_instance *in = one->instance;

  char labels[2][64];
  for (size_t d = 0; d < ctx->sc->n_sweep; d++)
    sim_scenario_point_value(ctx->sc, point, d, labels[d], sizeof labels[d]);
  const unsigned long topo_seed = sim_seed_derive(ctx->sc->seed, SIM_STREAM_TOPOLOGY, run);
  /* A property of the run, the same on every method's row. */
  const double fits = (double)solver_one_server_fits(in);

  for (size_t m = 0; m < ctx->n_methods; m++) {
    solver_options opt;
    solver_options_from_config(&opt, &v->solver, ctx->methods[m],
                               sim_seed_derive(ctx->sc->seed, SIM_STREAM_BASELINE, run));
    opt.workspace = ws;
    solver_result res;
    solver_result_init(&res);
    sim_error serr;
    sim_error_clear(&serr);
    double t0 = sim__run_now();
    int rc = solver_solve(in, &opt, &res, &serr);
    double wall = sim__run_now() - t0;
    if (rc == SIM_ENOMEM) {
      solver_result_clear(&res);
      sim_case_free(one);
      return sim_error_set(err, SIM_ENOMEM, "out of memory solving point %zu run %llu", point,
                           (unsigned long long)run);
    }
    const char *status = rc == SIM_OK ? solver_status_name(res.status) : "error";
    double col[SIM_COL_COUNT];
    for (size_t c = 0; c < SIM_COL_COUNT; c++) col[c] = NAN;
    col[SIM_COL_ONE_SERVER_FITS] = fits;
    if (rc == SIM_OK && res.placement != NULL) {
      /* Every placement passes the independent checker before it is
       * reported; a placement the checker rejects is a solver bug, and the
       * row says so rather than carrying a wrong objective. */
      double checked = NAN;
      sim_error cerr;
      sim_error_clear(&cerr);
      if (solver_check(in, res.placement, &checked, &cerr) != SIM_OK) {
        status = "error";
      } else {
        col[SIM_COL_OBJECTIVE] = checked;
        solver_objective(in, res.placement, &col[SIM_COL_COMPUTE], &col[SIM_COL_COMM]);
        col[SIM_COL_QUANT_RATIO] = solver_quant_ratio(in, res.placement);
        col[SIM_COL_SERVERS_USED] = sim__run_servers_used(in, res.placement);
        if (simulate(ctx, v, in, res.placement, &opt, point, run, col, err) != SIM_OK) {
          solver_result_clear(&res);
          sim_case_free(one);
          return err->code;
        }
        if (ctx->energy)
          solver_energy(in, res.placement, &col[SIM_COL_ENERGY], &col[SIM_COL_POWER]);
      }
    }
    if (rc == SIM_OK) {
      col[SIM_COL_LOWER_BOUND] = res.lower_bound;
      col[SIM_COL_GAP] = res.gap;
      col[SIM_COL_NODES] = (double)res.nodes;
    }
    col[SIM_COL_SOLVE_S] = wall;

    const char *method = solver_method_name(ctx->methods[m]);
    sim__run_row(ctx, point, labels, run, topo_seed, method, v->model.name, status, col, in,
                 strcmp(status, "error") != 0 ? res.placement : NULL, out);
    sim__run_timing_row(ctx, point, run, method, v->model.name, col[SIM_COL_SOLVE_S],
                        col[SIM_COL_REPLAN_S], timing);
    solver_result_clear(&res);
  }
  sim_case_free(one);
  return out->oom || timing->oom ? sim_error_set(err, SIM_ENOMEM, "out of memory formatting rows") : SIM_OK;
}
