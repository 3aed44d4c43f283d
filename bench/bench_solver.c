/* bench_solver.c: the solver benchmark of issue 3 (`make bench`).
 *
 * Solves runs 0..R-1 of every sweep point of a scenario (by default
 * scenarios/bench-solver.yaml: OPT-350m, δ = 1e-5, storage that binds,
 * M = 8, 12, 16, 24) with the ILP in each formulation, and prints per point
 * and formulation the median and maximum wall time, how many solves were
 * proven optimal and how (the DP, a bound, lp_solve, or the segment search
 * when lp_solve ran out of time), timeouts, and lp_solve's branch-and-bound
 * nodes. Every placement is verified by the checker inside
 * solver_solve. The machine's load average is printed before and after, as
 * other work on the machine inflates the times.
 *
 * Usage: bench_solver [SCENARIO] [--runs N] [--limit-flow S] [--limit-paper S]
 *                     [--formulation flow|paper] [--max-servers M] [--plain] [--csv FILE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
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

int main(int argc, char **argv) {
  const char *path = "scenarios/bench-solver.yaml", *csv_path = NULL;
  long runs = -1;
  double limit[2] = {60, 20}; /* flow, paper: s per solve */
  int plain = 0, only = -1;
  long long max_servers = -1;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--runs") == 0 && a + 1 < argc) runs = atol(argv[++a]);
    else if (strcmp(argv[a], "--limit-flow") == 0 && a + 1 < argc) limit[0] = atof(argv[++a]);
    else if (strcmp(argv[a], "--limit-paper") == 0 && a + 1 < argc) limit[1] = atof(argv[++a]);
    else if (strcmp(argv[a], "--csv") == 0 && a + 1 < argc) csv_path = argv[++a];
    else if (strcmp(argv[a], "--plain") == 0) plain = 1;
    else if (strcmp(argv[a], "--formulation") == 0 && a + 1 < argc)
      only = strcmp(argv[++a], "paper") == 0 ? 1 : 0;
    else if (strcmp(argv[a], "--max-servers") == 0 && a + 1 < argc) max_servers = atoll(argv[++a]);
    else if (argv[a][0] != '-') path = argv[a];
    else {
      fprintf(stderr, "usage: bench_solver [SCENARIO] [--runs N] [--limit-flow S] "
                      "[--limit-paper S] [--formulation F] [--max-servers M] [--plain] "
                      "[--csv FILE]\n");
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
    fprintf(csv, "point,servers,formulation,run,status,proof,seconds,objective,lower_bound,gap,"
                 "dp_bound,lagrangian_bound,segment_bound,nodes,search_nodes\n");
  char load[128];
  load_average(load, sizeof load);
  printf("solver benchmark: %s, %ld runs per row, time limit %g s (flow) and %g s (paper)%s\n",
         path, runs, limit[0], limit[1], plain ? ", plain lp_solve" : "");
  printf("load average before: %s\n\n", load);
  printf("%4s %-6s %5s %8s %6s %6s %6s %6s %8s %10s %10s %10s %10s\n", "M", "form", "runs",
         "optimal", "dp", "bound", "ilp", "search", "timeout", "median s", "max s", "mean nodes",
         "max nodes");
  double *secs = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *secs);
  int rc = 0;
  for (size_t p = 0; p < sim_scenario_points(sc) && rc == 0; p++) {
    sim_scenario view;
    if (sim_scenario_point(sc, p, &view, &err) != SIM_OK) {
      rc = 1;
      break;
    }
    if (max_servers >= 0 && view.servers.count > max_servers) continue;
    for (int f = 0; f < 2 && rc == 0; f++) {
      if (only >= 0 && f != only) continue;
      int optimal = 0, timeouts = 0, proofs[5] = {0};
      long long nodes = 0, max_nodes = 0;
      for (long r = 0; r < runs; r++) {
        solver_instance *in = solver_instance_build(&view, (uint64_t)r, &err);
        if (in == NULL) {
          fprintf(stderr, "%s\n", err.msg);
          rc = 1;
          break;
        }
        solver_options opt;
        solver_options_from_scenario(&opt, &view, SIM_METHOD_ILP, 0);
        opt.formulation = f ? SIM_FORM_PAPER : SIM_FORM_FLOW;
        opt.time_limit = limit[f];
        opt.plain = plain;
        solver_result res;
        if (solver_solve(in, &opt, &res, &err) != SIM_OK) {
          fprintf(stderr, "point %zu run %ld: %s\n", p, r, err.msg);
          rc = 1;
        }
        secs[r] = res.solve_seconds;
        optimal += res.status == SOLVER_OPTIMAL;
        timeouts += res.status == SOLVER_TIMEOUT;
        proofs[res.proof]++;
        nodes += res.nodes;
        if (res.nodes > max_nodes) max_nodes = res.nodes;
        if (csv)
          fprintf(csv, "%zu,%zu,%s,%ld,%s,%s,%.6f,%.12g,%.12g,%.6g,%.12g,%.12g,%.12g,%lld,%lld\n",
                  p, in->n_servers, sim_formulation_name(opt.formulation), r,
                  solver_status_name(res.status), solver_proof_name(res.proof), res.solve_seconds,
                  res.objective, res.lower_bound, res.gap, res.dp_bound, res.lagrangian_bound,
                  res.segment_bound, res.nodes, res.search_nodes);
        solver_result_clear(&res);
        solver_instance_free(in);
        if (rc) break;
      }
      if (rc) break;
      qsort(secs, (size_t)runs, sizeof *secs, cmp_double);
      const double median = runs % 2 ? secs[runs / 2] : 0.5 * (secs[runs / 2 - 1] + secs[runs / 2]);
      printf("%4lld %-6s %5ld %8d %6d %6d %6d %6d %8d %10.4f %10.4f %10.1f %10lld\n",
             (long long)view.servers.count, f ? "paper" : "flow", runs, optimal,
             proofs[SOLVER_PROOF_DP], proofs[SOLVER_PROOF_BOUND], proofs[SOLVER_PROOF_ILP],
             proofs[SOLVER_PROOF_SEARCH], timeouts, median, secs[runs - 1],
             runs ? (double)nodes / (double)runs : 0.0, max_nodes);
      fflush(stdout);
    }
  }
  load_average(load, sizeof load);
  printf("\nload average after: %s\n", load);
  free(secs);
  if (csv) fclose(csv);
  sim_scenario_free(sc);
  return rc;
}
