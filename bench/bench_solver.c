/* bench_solver.c: the solver benchmark of issue 3 (`make bench`).
 *
 * Solves runs 0..R-1 of every sweep point of a scenario (by default
 * scenarios/bench-solver.yaml: OPT-350m, δ = 1e-5, storage that binds,
 * M = 8, 12, 16, 24) with the ILP in each formulation, or with one baseline
 * (--method), and prints per point and formulation the median and maximum
 * wall time, how many solves were proven optimal and how (the DP, a bound,
 * lp_solve, or the segment search), timeouts, and lp_solve's and the
 * segment search's nodes; a last line sums every row. Rows are labelled by
 * the server count and the swept values. Every placement is verified by the
 * checker inside solver_solve. The machine's load average is printed before
 * and after, as other work on the machine inflates the times.
 *
 * `make bench` runs it on bench-solver.yaml and on the 900 `ilp` and 900
 * `uniform` solves of fig5-d2d-speed.yaml (the paper's Fig. 5: from slow
 * links, where transfers decide, to fast ones, where packing whole blocks
 * into the servers does).
 *
 * Usage: bench_solver [SCENARIO] [--runs N] [--method M] [--limit S]
 *                     [--limit-flow S] [--limit-paper S] [--formulation flow|paper]
 *                     [--max-servers M] [--min-servers M] [--plain] [--no-search]
 *                     [--search-budget N] [--cold] [--csv FILE]
 *
 * --no-search skips the segment search, so that lp_solve's accelerated path
 * (bounds, fixing, cutoff and the rounded capacity cuts) is timed alone;
 * --search-budget N hands over to lp_solve after N search nodes (the
 * default lets the search keep the time).
 *
 * The solves share one solver workspace, as the Monte Carlo runner's
 * threads do, so every solve but the first reuses the memory of the bound
 * tables (solver_workspace_alloc says why); --cold gives each solve fresh
 * memory instead, as a single `dilemma solve` has. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "solver/solver.h"

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void load_average(char *buf, size_t len) {
  FILE *f = fopen("/proc/loadavg", "r");
  buf[0] = '\0';
  if (f == NULL) {
    snprintf(buf, len, "unknown");
    return;
  }
  if (fgets(buf, (int)len, f) == NULL) snprintf(buf, len, "unknown");
  buf[strcspn(buf, "\n")] = '\0';
  fclose(f);
}

/* Median of n sorted values. */
static double median_of(const double *v, size_t n) {
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv) {
  const char *path = "scenarios/bench-solver.yaml", *csv_path = NULL;
  long runs = -1;
  double limit[2] = {60, 20}; /* flow, paper: s per solve */
  int plain = 0, only = -1, method = SOLVER_METHOD_ILP, no_search = 0, cold = 0;
  long long search_budget = 0;
  long long max_servers = -1, min_servers = -1;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--runs") == 0 && a + 1 < argc) runs = atol(argv[++a]);
    else if (strcmp(argv[a], "--limit-flow") == 0 && a + 1 < argc) limit[0] = atof(argv[++a]);
    else if (strcmp(argv[a], "--limit-paper") == 0 && a + 1 < argc) limit[1] = atof(argv[++a]);
    else if (strcmp(argv[a], "--csv") == 0 && a + 1 < argc) csv_path = argv[++a];
    else if (strcmp(argv[a], "--plain") == 0) plain = 1;
    else if (strcmp(argv[a], "--no-search") == 0) no_search = 1;
    else if (strcmp(argv[a], "--cold") == 0) cold = 1;
    else if (strcmp(argv[a], "--search-budget") == 0 && a + 1 < argc)
      search_budget = atoll(argv[++a]);
    else if (strcmp(argv[a], "--limit") == 0 && a + 1 < argc) limit[0] = limit[1] = atof(argv[++a]);
    else if (strcmp(argv[a], "--method") == 0 && a + 1 < argc) {
      method = solver_method_parse(argv[++a]);
      if (method < 0) {
        fprintf(stderr, "bench_solver: unknown method %s\n", argv[a]);
        return 2;
      }
    }
    else if (strcmp(argv[a], "--formulation") == 0 && a + 1 < argc)
      only = strcmp(argv[++a], "paper") == 0 ? 1 : 0;
    else if (strcmp(argv[a], "--max-servers") == 0 && a + 1 < argc) max_servers = atoll(argv[++a]);
    else if (strcmp(argv[a], "--min-servers") == 0 && a + 1 < argc) min_servers = atoll(argv[++a]);
    else if (argv[a][0] != '-') path = argv[a];
    else {
      fprintf(stderr, "usage: bench_solver [SCENARIO] [--runs N] [--method M] [--limit S] "
                      "[--limit-flow S] [--limit-paper S] [--formulation F] [--max-servers M] "
                      "[--min-servers M] [--plain] [--no-search] [--search-budget N] [--cold] [--csv FILE]\n");
      return 2;
    }
  }
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load(path, &err);
  if (sc == NULL) {
    fprintf(stderr, "%s\n", err.msg);
    return 2;
  }
  if (runs < 0) runs = sc->runs;
  FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
  if (csv_path && csv == NULL) {
    fprintf(stderr, "bench_solver: cannot write %s\n", csv_path);
    sim_scenario_free(sc);
    return 1;
  }
  if (csv)
    fprintf(csv, "point,label,servers,method,formulation,run,status,proof,seconds,objective,"
                 "lower_bound,gap,dp_bound,lagrangian_bound,segment_bound,packing_bound,budget_bound,"
                 "nodes,search_nodes\n");
  char load[128];
  load_average(load, sizeof load);
  const int ilp = method == SOLVER_METHOD_ILP;
  printf("solver benchmark: %s, method %s, %ld runs per row, time limit %g s (flow) and %g s "
         "(paper)%s%s%s\n",
         path, solver_method_name((solver_method)method), runs, limit[0], limit[1],
         plain ? ", plain lp_solve" : "", no_search ? ", no segment search" : "",
         cold ? ", fresh memory per solve" : ", one workspace");
  printf("load average before: %s\n\n", load);
  printf("%4s %-14s %-6s %5s %8s %6s %6s %6s %6s %8s %10s %10s %10s %10s\n", "M", "point", "form",
         "runs", "optimal", "dp", "bound", "ilp", "search", "timeout", "median s", "max s",
         "max nodes", "max search");
  const size_t points = sim_scenario_points(sc);
  double *secs = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *secs);
  double *all = malloc((size_t)(runs > 0 ? runs : 1) * 2 * points * sizeof *all);
  size_t n_all = 0;
  solver_workspace *ws = cold ? NULL : solver_workspace_alloc();
  int rc = secs == NULL || all == NULL || (!cold && ws == NULL);
  long total_optimal = 0, total_timeouts = 0;
  for (size_t p = 0; p < points && rc == 0; p++) {
    sim_scenario view;
    if (sim_scenario_point(sc, p, &view, &err) != SIM_OK) {
      rc = 1;
      break;
    }
    if (max_servers >= 0 && view.servers.count > max_servers) continue;
    if (min_servers >= 0 && view.servers.count < min_servers) continue;
    char label[64] = "-";
    if (sc->n_sweep > 0) sim_scenario_point_label(sc, p, 0, label, sizeof label);
    for (int f = 0; f < 2 && rc == 0; f++) {
      if (only >= 0 && f != only) continue;
      if (!ilp && only < 0 && f > 0) continue; /* a baseline: one formulation row */
      int optimal = 0, timeouts = 0, proofs[5] = {0};
      long long max_nodes = 0, max_search = 0;
      for (long r = 0; r < runs; r++) {
        sim_case *one = sim_case_alloc(sc, p, (uint64_t)r, &err);
        if (one == NULL) {
          fprintf(stderr, "%s\n", err.msg);
          rc = 1;
          break;
        }
        const solver_instance *in = one->instance;
        solver_options opt;
        solver_options_from_config(&opt, &view.solver, (solver_method)method,
                                   sim_seed_derive(sc->seed, SIM_STREAM_BASELINE, (uint64_t)r));
        opt.formulation = f ? SOLVER_FORM_PAPER : SOLVER_FORM_FLOW;
        opt.time_limit = limit[f];
        opt.plain = plain;
        opt.search_budget = no_search ? -1 : search_budget;
        opt.workspace = ws;
        solver_result res;
        if (solver_solve(in, &opt, &res, &err) != SIM_OK) {
          fprintf(stderr, "point %zu run %ld: %s\n", p, r, err.msg);
          rc = 1;
        }
        secs[r] = all[n_all++] = res.solve_seconds;
        /* A baseline proven on its restricted problem reports `feasible`. */
        optimal += res.status == SOLVER_OPTIMAL || (!ilp && res.status == SOLVER_FEASIBLE);
        timeouts += res.status == SOLVER_TIMEOUT;
        proofs[res.proof]++;
        if (res.nodes > max_nodes) max_nodes = res.nodes;
        if (res.search_nodes > max_search) max_search = res.search_nodes;
        if (csv)
          fprintf(csv,
                  "%zu,%s,%zu,%s,%s,%ld,%s,%s,%.6f,%.12g,%.12g,%.6g,%.12g,%.12g,%.12g,%.12g,%.12g,"
                  "%lld,%lld\n",
                  p, label, in->n_servers, solver_method_name((solver_method)method),
                  solver_formulation_name(opt.formulation), r, solver_status_name(res.status),
                  solver_proof_name(res.proof), res.solve_seconds, res.objective,
                  res.lower_bound, res.gap, res.dp_bound, res.lagrangian_bound,
                  res.segment_bound, res.packing_bound, res.budget_bound, res.nodes, res.search_nodes);
        solver_result_clear(&res);
        sim_case_free(one);
        if (rc) break;
      }
      if (rc) break;
      total_optimal += optimal;
      total_timeouts += timeouts;
      qsort(secs, (size_t)runs, sizeof *secs, cmp_double);
      printf("%4lld %-14s %-6s %5ld %8d %6d %6d %6d %6d %8d %10.4f %10.4f %10lld %10lld\n",
             (long long)view.servers.count, label, f ? "paper" : "flow", runs, optimal,
             proofs[SOLVER_PROOF_DP], proofs[SOLVER_PROOF_BOUND], proofs[SOLVER_PROOF_ILP],
             proofs[SOLVER_PROOF_SEARCH], timeouts, median_of(secs, (size_t)runs),
             runs > 0 ? secs[runs - 1] : 0.0, max_nodes, max_search);
      fflush(stdout);
    }
  }
  if (rc == 0 && n_all > 0) {
    qsort(all, n_all, sizeof *all, cmp_double);
    double sum = 0;
    for (size_t k = 0; k < n_all; k++) sum += all[k];
    printf("\nall rows: %zu solves, %ld %s, %ld timeouts, median %.4f s, max %.4f s, "
           "total %.1f s\n",
           n_all, total_optimal, ilp ? "optimal" : "proven (optimal or feasible)", total_timeouts,
           median_of(all, n_all), all[n_all - 1], sum);
  }
  if (ws != NULL) printf("\nworkspace held at the end: %.1f MB\n", (double)solver_workspace_bytes(ws) / 1e6);
  load_average(load, sizeof load);
  printf("\nload average after: %s\n", load);
  free(secs);
  free(all);
  solver_workspace_free(ws);
  if (csv) fclose(csv);
  sim_scenario_free(sc);
  return rc;
}
