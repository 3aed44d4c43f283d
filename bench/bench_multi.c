/* bench_multi.c: the multi-model benchmark (`make bench`): time to a proven
 * optimum for 2, 3, 4 and 6 models sharing M = 8, 12, 16 servers.
 *
 * Instances: the scenario's topology of run r (by default
 * scenarios/bench-solver.yaml: δ = 1e-5, Ω_min = 100 Mbit/s, CCS in
 * [1e9, 1e10] FLOP/s), with the models OPT-1.3b, OPT-350m, OPT-125m, a
 * second OPT-350m, a second OPT-125m and a second OPT-1.3b (the first K of
 * them) at block granularity. Storage:
 * each server keeps its draw from the scenario (uniform in [1, 3] x the
 * first model's fp32 size / M), scaled by the models' total fp32 size over
 * the first model's, so that storage binds for the models together as it
 * does for one model in the single-model benchmark. Rates: model m gets
 * rate_m = load · M / (K · b_m), where b_m is its compute time per request
 * on a server of average speed, so that at load 0.5 the models together
 * would keep half of all servers' time busy if spread evenly; the fast
 * servers everyone prefers saturate first, so utilization binds. Weights
 * are the rates (the default), objective `sum` (or --max).
 *
 * Prints per (M, K) the runs proven optimal (by the bound or by lp_solve),
 * timeouts, the median and maximum wall time, the median gap left by
 * timeouts, and how many runs the independent baseline (each model alone)
 * got wrong, i.e. its union broke a shared row. Every placement is verified
 * by the joint checker inside solver_multi_solve.
 *
 * Usage: bench_multi [SCENARIO] [--runs N] [--first R] [--limit S] [--load X]
 *                    [--max] [--models K] [--servers M] [--iterations N]
 *                    [--write-mps DIR [--export-only]] [--csv FILE]
 *
 * --iterations sets the decomposition's subgradient iterations (default:
 * the solver's). --first starts at run R (runs R .. R+N-1). --write-mps
 * writes each joint ILP as DIR/multi-M<M>-K<K>-r<R>.mps (the files
 * bench/bench_ref.sh --multi solves with CBC); with --export-only nothing
 * is solved and the table stays empty. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "solver/solver.h"

static const char *const model_names[] = {"opt-1.3b", "opt-350m", "opt-125m",
                                          "opt-350m", "opt-125m", "opt-1.3b"};
#define MAX_MODELS 6

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(const double *v, size_t n) {
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void load_average(char *buf, size_t len) {
  FILE *f = fopen("/proc/loadavg", "r");
  if (f == NULL || fgets(buf, (int)len, f) == NULL) snprintf(buf, len, "unknown");
  if (f) fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
}

/* Σ_l params of an instance's model: its fp32 size is 4 bytes each. */
static double params_of(const solver_instance *in) {
  double p = 0;
  for (size_t l = 0; l < in->n_layers; l++) p += (double)in->layers[l].params;
  return p;
}

/* Builds the multi-instance of run r with K models at sweep point p. */
static solver_multi *build(const sim_scenario *sc, size_t p, uint64_t r, size_t K, double load,
                           int max_obj, sim_error *err) {
  solver_multi *mi = solver_multi_alloc(K);
  if (mi == NULL) {
    sim_error_set(err, SIM_ENOMEM, "out of memory");
    return NULL;
  }
  double total = 0;
  for (size_t m = 0; m < K; m++) {
    /* The same scenario with another built-in model: the topology of a
     * run depends only on (seed, run), so every model sees the same one. */
    sim_scenario v = *sc;
    v.model.name = (char *)model_names[m];
    v.model.has_arch = 0;
    v.model.layers = NULL;
    v.model.n_layers = 0;
    sim_case *c = sim_case_alloc(&v, p, r, err);
    if (c == NULL) {
      solver_multi_free(mi);
      return NULL;
    }
    mi->models[m] = c->instance;
    c->instance = NULL;
    sim_case_free(c);
    total += params_of(mi->models[m]);
  }
  const solver_instance *first = mi->models[0];
  const size_t M = first->n_servers;
  const double scale = total / params_of(first);
  double base[M];
  for (size_t i = 0; i < M; i++) base[i] = first->servers[i].storage;
  for (size_t m = 0; m < K; m++) {
    solver_instance *in = mi->models[m];
    for (size_t i = 0; i < M; i++) in->servers[i].storage = base[i] * scale;
    /* Compute time per request on a server of average speed, at the
     * smallest allowed width of each layer. */
    double busy = 0;
    for (size_t l = 0; l < in->n_layers; l++) {
      size_t b = 0;
      while (b + 1 < in->n_bits && !solver_instance_allowed(in, l, b)) b++;
      double s = 0;
      for (size_t i = 0; i < M; i++) s += solver_cost_compute(in, l, i, b);
      busy += s / (double)M;
    }
    mi->rate[m] = load * (double)M / ((double)K * busy);
    mi->weight[m] = mi->rate[m];
  }
  mi->objective = max_obj ? SOLVER_MULTI_MAX : SOLVER_MULTI_SUM;
  return mi;
}

int main(int argc, char **argv) {
  const char *path = "scenarios/bench-solver.yaml", *csv_path = NULL, *mps_dir = NULL;
  long runs = 20, first = 0, only_k = -1, only_m = -1;
  double limit = 60, load = 0.5;
  int max_obj = 0, iterations = 0, export_only = 0;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--runs") == 0 && a + 1 < argc) runs = atol(argv[++a]);
    else if (strcmp(argv[a], "--limit") == 0 && a + 1 < argc) limit = atof(argv[++a]);
    else if (strcmp(argv[a], "--load") == 0 && a + 1 < argc) load = atof(argv[++a]);
    else if (strcmp(argv[a], "--models") == 0 && a + 1 < argc) only_k = atol(argv[++a]);
    else if (strcmp(argv[a], "--servers") == 0 && a + 1 < argc) only_m = atol(argv[++a]);
    else if (strcmp(argv[a], "--csv") == 0 && a + 1 < argc) csv_path = argv[++a];
    else if (strcmp(argv[a], "--write-mps") == 0 && a + 1 < argc) mps_dir = argv[++a];
    else if (strcmp(argv[a], "--first") == 0 && a + 1 < argc) first = atol(argv[++a]);
    else if (strcmp(argv[a], "--export-only") == 0) export_only = 1;
    else if (strcmp(argv[a], "--max") == 0) max_obj = 1;
    else if (strcmp(argv[a], "--iterations") == 0 && a + 1 < argc) iterations = atoi(argv[++a]);
    else if (argv[a][0] != '-') path = argv[a];
    else {
      fprintf(stderr, "usage: bench_multi [SCENARIO] [--runs N] [--first R] [--limit S] "
                      "[--load X] [--max] [--models K] [--servers M] [--iterations N] "
                      "[--write-mps DIR [--export-only]] [--csv FILE]\n");
      return 2;
    }
  }
  if (runs < 1 || first < 0 || !(limit > 0) || !(load > 0) || (export_only && !mps_dir)) {
    fprintf(stderr, "bench_multi: --runs, --limit and --load must be positive, --first >= 0, "
                    "and --export-only needs --write-mps\n");
    return 2;
  }
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load(path, &err);
  if (sc == NULL) {
    fprintf(stderr, "%s\n", err.msg);
    return 2;
  }
  FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
  if (csv_path && csv == NULL) {
    fprintf(stderr, "bench_multi: cannot write %s\n", csv_path);
    sim_scenario_free(sc);
    return 1;
  }
  if (csv)
    fprintf(csv, "servers,models,run,status,proof,seconds,objective,lower_bound,gap,"
                 "lagrangian_bound,iterations,lagrange_seconds,nodes,ilp_fixed,independent_fits\n");
  char la[128];
  load_average(la, sizeof la);
  printf("multi-model benchmark: %s, objective %s, load %g, %ld runs per row, time limit %g s\n",
         path, max_obj ? "max" : "sum", load, runs, limit);
  printf("load average before: %s\n\n", la);
  printf("%4s %3s %5s %8s %6s %5s %8s %10s %10s %10s %12s\n", "M", "K", "runs", "optimal",
         "bound", "ilp", "timeout", "median s", "max s", "median gap", "indep. wrong");
  double *secs = malloc((size_t)runs * sizeof *secs), *gaps = malloc((size_t)runs * sizeof *gaps);
  int rc = secs == NULL || gaps == NULL;
  const size_t points = sim_scenario_points(sc);
  for (size_t p = 0; p < points && rc == 0; p++) {
    sim_scenario view;
    if (sim_scenario_point(sc, p, &view, &err) != SIM_OK) {
      fprintf(stderr, "%s\n", err.msg);
      rc = 1;
      break;
    }
    const long M = (long)view.servers.count;
    if (M > 16 || (only_m > 0 && M != only_m)) continue;
    for (size_t K = 2; K <= MAX_MODELS && rc == 0; K++) {
      /* 2, 3, 4 and 6 models: five is left out unless asked for. */
      if (only_k > 0 ? (long)K != only_k : K == 5) continue;
      int optimal = 0, by_bound = 0, by_ilp = 0, timeouts = 0, wrong = 0;
      size_t ngap = 0;
      for (long k = 0; k < runs && rc == 0; k++) {
        const long r = first + k;
        solver_multi *mi = build(sc, p, (uint64_t)r, K, load, max_obj, &err);
        if (mi == NULL) {
          fprintf(stderr, "%s\n", err.msg);
          rc = 1;
          break;
        }
        solver_multi_options opt;
        solver_multi_options_init(&opt);
        opt.time_limit = limit;
        opt.mip_gap = view.solver.mip_gap;
        opt.lagrange_iterations = iterations;
        char mps[512];
        if (mps_dir) {
          snprintf(mps, sizeof mps, "%s/multi-M%ld-K%zu-r%ld.mps", mps_dir, M, K, r);
          opt.write_mps = mps;
        }
        /* Exporting only: the file is written before the solve starts,
         * which the smallest time limit then ends at once. */
        if (export_only) opt.time_limit = 1e-9;
        solver_multi_result res;
        if (solver_multi_solve(mi, &opt, &res, &err) != SIM_OK) {
          fprintf(stderr, "M=%ld K=%zu run %ld: %s\n", M, K, r, err.msg);
          rc = 1;
        }
        if (export_only) {
          solver_multi_result_clear(&res);
          solver_multi_free(mi);
          continue;
        }
        secs[k] = res.solve_seconds;
        optimal += res.status == SOLVER_OPTIMAL;
        by_bound += res.proof == SOLVER_PROOF_BOUND;
        by_ilp += res.proof == SOLVER_PROOF_ILP;
        /* A timeout without a placement has no gap; the median is over the others. */
        if (res.status == SOLVER_TIMEOUT) timeouts++;
        if (res.status == SOLVER_TIMEOUT && isfinite(res.gap)) gaps[ngap++] = res.gap;
        solver_multi_result ind;
        solver_multi_result_init(&ind);
        opt.method = SOLVER_MULTI_INDEPENDENT;
        opt.write_mps = NULL;
        int fits = -1;
        if (rc == 0 && solver_multi_solve(mi, &opt, &ind, &err) == SIM_OK) {
          fits = ind.joint_feasible;
          wrong += !ind.joint_feasible;
        }
        solver_multi_result_clear(&ind);
        if (csv)
          fprintf(csv, "%ld,%zu,%ld,%s,%s,%.6f,%.12g,%.12g,%.6g,%.12g,%d,%.6f,%lld,%zu,%d\n", M, K, r,
                  solver_status_name(res.status), solver_proof_name(res.proof),
                  res.solve_seconds, res.objective, res.lower_bound, res.gap,
                  res.lagrangian_bound, res.iterations, res.lagrange_seconds, res.nodes, res.ilp_fixed, fits);
        solver_multi_result_clear(&res);
        solver_multi_free(mi);
      }
      if (rc) break;
      if (export_only) continue;
      qsort(secs, (size_t)runs, sizeof *secs, cmp_double);
      qsort(gaps, ngap, sizeof *gaps, cmp_double);
      printf("%4ld %3zu %5ld %8d %6d %5d %8d %10.3f %10.3f %10.2g %12d\n", M, K, runs, optimal,
             by_bound, by_ilp, timeouts, median_of(secs, (size_t)runs), secs[runs - 1],
             ngap ? median_of(gaps, ngap) : 0.0, wrong);
      fflush(stdout);
    }
  }
  load_average(la, sizeof la);
  printf("\nload average after: %s\n", la);
  free(secs), free(gaps);
  if (csv) fclose(csv);
  sim_scenario_free(sc);
  return rc;
}
