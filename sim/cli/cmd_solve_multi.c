/* cmd_solve_multi.c: `dilemma solve` on a scenario with `models:`: places
 * every model on the shared servers jointly and prints each model's
 * placement and time, the servers' storage and utilization, and the proof. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "solver/solver.h"

static void print_json(const solver_multi *mi, const sim_scenario *sc,
                       const solver_multi_options *opt, const solver_multi_result *r) {
  sim_json j;
  sim_json_init(&j, stdout, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "status"); sim_json_string(&j, solver_status_name(r->status));
  sim_json_key(&j, "method"); sim_json_string(&j, solver_multi_method_name(opt->method));
  sim_json_key(&j, "formulation"); sim_json_string(&j, solver_formulation_name(opt->formulation));
  sim_json_key(&j, "objective_kind");
  sim_json_string(&j, solver_multi_objective_names[mi->objective]);
  sim_json_key(&j, "objective_s"); sim_json_number(&j, r->objective);
  sim_json_key(&j, "lower_bound_s"); sim_json_number(&j, r->lower_bound);
  sim_json_key(&j, "gap_frac"); sim_json_number(&j, r->gap);
  sim_json_key(&j, "proof"); sim_json_string(&j, solver_proof_name(r->proof));
  sim_json_key(&j, "lagrangian_bound_s"); sim_json_number(&j, r->lagrangian_bound);
  sim_json_key(&j, "solve_s"); sim_json_number(&j, r->solve_seconds);
  sim_json_key(&j, "lagrange_s"); sim_json_number(&j, r->lagrange_seconds);
  sim_json_key(&j, "iterations"); sim_json_int(&j, r->iterations);
  sim_json_key(&j, "nodes"); sim_json_int(&j, r->nodes);
  sim_json_key(&j, "ilp_fixed"); sim_json_int(&j, (int64_t)r->ilp_fixed);
  sim_json_key(&j, "joint_feasible"); sim_json_bool(&j, r->joint_feasible);
  sim_json_key(&j, "diagnosis");
  if (r->diagnosis[0]) sim_json_string(&j, r->diagnosis);
  else sim_json_null(&j);
  sim_json_key(&j, "models");
  sim_json_array_begin(&j, 0);
  for (size_t m = 0; m < mi->n_models; m++) {
    const solver_instance *in = mi->models[m];
    const solver_placement *p = r->placement[m];
    sim_json_object_begin(&j, 0);
    sim_json_key(&j, "name"); sim_json_string(&j, sc->models[m].name);
    sim_json_key(&j, "rate"); sim_json_number(&j, mi->rate[m]);
    sim_json_key(&j, "weight"); sim_json_number(&j, mi->weight[m]);
    sim_json_key(&j, "objective_s"); sim_json_number(&j, r->model_objective[m]);
    sim_json_key(&j, "objective_alone_s"); sim_json_number(&j, r->model_solo[m]);
    sim_json_key(&j, "placement");
    solver_placement_write_json(&j, in, p);
    sim_json_object_end(&j);
  }
  sim_json_array_end(&j);
  sim_json_key(&j, "servers");
  sim_json_array_begin(&j, 0);
  for (size_t i = 0; i < r->n_servers; i++) {
    sim_json_object_begin(&j, 1);
    sim_json_key(&j, "name"); sim_json_string(&j, mi->models[0]->servers[i].name);
    sim_json_key(&j, "storage"); sim_json_number(&j, mi->models[0]->servers[i].storage);
    sim_json_key(&j, "storage_used"); sim_json_number(&j, r->storage_used[i]);
    sim_json_key(&j, "utilization"); sim_json_number(&j, r->utilization[i]);
    sim_json_object_end(&j);
  }
  sim_json_array_end(&j);
  sim_json_object_end(&j);
  sim_json_finish(&j);
}

/* Layers as runs: "0-5 s3@10, 6-25 s1@10". */
static void print_runs(const solver_instance *in, const solver_placement *p) {
  size_t a = 0;
  for (size_t l = 1; l <= p->n_layers; l++) {
    if (l < p->n_layers && p->server[l] == p->server[a] && p->bits[l] == p->bits[a]) continue;
    printf("%s%zu", a ? ", " : "    layers ", a);
    if (l - 1 > a) printf("-%zu", l - 1);
    printf(" on %s at %lld bits", in->servers[p->server[a]].name, (long long)in->bits[p->bits[a]]);
    a = l;
  }
  printf("\n");
}

static void print_text(const solver_multi *mi, const sim_scenario *sc, size_t point,
                       long long run, const solver_multi_options *opt,
                       const solver_multi_result *r) {
  printf("scenario %s, point %zu, run %lld: %zu models on %zu servers, objective %s, "
         "max_utilization %g\n",
         sc->name, point, run, mi->n_models, mi->models[0]->n_servers,
         solver_multi_objective_names[mi->objective], mi->max_utilization);
  printf("method %s (%s formulation)\n\n", solver_multi_method_name(opt->method),
         solver_formulation_name(opt->formulation));
  for (size_t m = 0; m < mi->n_models; m++) {
    printf("model %zu %s: rate %g /s, weight %g, T = %.9g s (alone %.9g s)\n", m,
           sc->models[m].name, mi->rate[m], mi->weight[m], r->model_objective[m],
           r->model_solo[m]);
    if (r->placement[m] != NULL) print_runs(mi->models[m], r->placement[m]);
  }
  if (r->placement[0] != NULL) {
    printf("\n%-8s %14s %14s %12s\n", "server", "stored MB", "storage MB", "utilization");
    for (size_t i = 0; i < r->n_servers; i++)
      printf("%-8s %14.3f %14.3f %12.4f\n", mi->models[0]->servers[i].name,
             r->storage_used[i] / 1e6, mi->models[0]->servers[i].storage / 1e6,
             r->utilization[i]);
    printf("\nobjective %.9g s; lower bound %.9g s, gap %.3g %%\n", r->objective, r->lower_bound,
           100 * r->gap);
  }
  printf("status %s", solver_status_name(r->status));
  if (r->status == SOLVER_OPTIMAL) printf(" (proof: %s)", solver_proof_name(r->proof));
  printf(", solve time %.4f s (decomposition %.4f s, %d iterations, bound %.9g s), "
         "B&B nodes %lld\n",
         r->solve_seconds, r->lagrange_seconds, r->iterations, r->lagrangian_bound, r->nodes);
  if (r->diagnosis[0]) printf("diagnosis: %s\n", r->diagnosis);
}

/* The multi-instance as JSON (solver_multi_write_json), each model named
 * as runs.csv names it; written whole or not at all. */
static int write_instance(const solver_multi *mi, const sim_scenario *sc, const char *path, sim_error *err) {
  char **names = calloc(mi->n_models, sizeof *names);
  char *text = NULL;
  size_t len = 0;
  FILE *f = names ? open_memstream(&text, &len) : NULL;
  int rc = f ? SIM_OK : sim_error_set(err, SIM_ENOMEM, "out of memory");
  for (size_t m = 0; m < mi->n_models && rc == SIM_OK; m++) {
    names[m] = malloc(128);
    if (names[m] == NULL) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
    else sim_scenario_model_label(sc, m, names[m], 128);
  }
  if (rc == SIM_OK) rc = solver_multi_write_json(mi, (const char *const *)names, f, err);
  if (f != NULL && fclose(f) != 0 && rc == SIM_OK) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  if (rc == SIM_OK) rc = sim_file_write_atomic(path, text, len, err);
  for (size_t m = 0; names && m < mi->n_models; m++) free(names[m]);
  free(names);
  free(text);
  return rc;
}

int cli__solve_multi(const sim_scenario *sc, const cli_target *target, const char *method,
                     int plain, int form, double time_limit, int json, const char *lp_path,
                     const char *mps_path, const char *inst_path) {
  sim_error err;
  sim_error_clear(&err);
  solver_multi_options opt;
  solver_multi_options_init(&opt);
  if (method != NULL) {
    const int m = solver_multi_method_parse(method);
    if (m < 0 || m == SOLVER_MULTI_ILP)
      return cli_usage_error("solve", "unknown method '%s' for several models (ilp, sequential, "
                             "independent, partitioned)", method);
    opt.method = (solver_multi_method)m;
  }
  if (plain) opt.method = SOLVER_MULTI_ILP;
  if ((lp_path || mps_path) && opt.method > SOLVER_MULTI_ILP)
    return cli_usage_error("solve", "--write-lp and --write-mps need --method ilp");
  solver_multi *mi = sim_multi_alloc(sc, (size_t)target->point, (uint64_t)target->run, &err);
  if (mi == NULL) {
    cli_report(&err);
    return cli_exit_code(err.code);
  }
  sim_scenario view;
  sim_scenario_point(sc, (size_t)target->point, &view, &err);
  opt.formulation = form >= 0 ? (solver_formulation)form : view.solver.formulation;
  opt.time_limit = time_limit > 0 ? time_limit : view.solver.time_limit;
  opt.mip_gap = view.solver.mip_gap;
  opt.write_lp = lp_path;
  opt.write_mps = mps_path;
  /* The instance is written before the solve, so a solve that times out
   * still leaves it for another solver. */
  if (inst_path != NULL && write_instance(mi, sc, inst_path, &err) != SIM_OK) {
    cli_report(&err);
    solver_multi_free(mi);
    return cli_exit_code(err.code);
  }
  solver_multi_result res;
  int status = CLI_OK;
  const int rc = solver_multi_solve(mi, &opt, &res, &err);
  if (rc != SIM_OK) {
    cli_report(&err);
    status = cli_exit_code(rc);
  } else {
    if (json) print_json(mi, &view, &opt, &res);
    else print_text(mi, &view, (size_t)target->point, target->run, &opt, &res);
    if (res.status == SOLVER_INFEASIBLE) {
      fprintf(stderr, "dilemma solve: infeasible: %s\n", res.diagnosis);
      status = CLI_EINFEASIBLE;
    } else if (res.status == SOLVER_TIMEOUT && res.placement[0] == NULL) {
      fprintf(stderr, "dilemma solve: the time limit passed before any placement was found\n");
      status = CLI_ERUNTIME;
    }
  }
  solver_multi_result_clear(&res);
  solver_multi_free(mi);
  return status;
}
