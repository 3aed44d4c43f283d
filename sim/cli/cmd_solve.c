/* cmd_solve.c: `dilemma solve` places one run of a scenario with the ILP, the
 * exact DP or a baseline and prints the placement, the objective and how
 * good the proof is. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "solver/solver.h"

static void help(void) {
  printf(
      "Usage: dilemma solve SCENARIO [--point P] [--run K] [--method M] [--formulation F]\n"
      "                     [--time-limit S] [--json] [--write-lp FILE] [--write-mps FILE]\n"
      "                     [--write-instance FILE] [--plain] [--no-presolve]\n"
      "\n"
      "Place every layer of the scenario's model on a server and choose its bit width for\n"
      "run K at sweep point P (both default 0), minimizing the completion time T. A\n"
      "scenario with models: places several models on the shared servers jointly.\n"
      "\n"
      "  -p, --point P           sweep point (row-major over the swept keys)\n"
      "  -r, --run K             run index (selects the topology and the random baseline)\n"
      "      --method M          ilp (exact), dp (exact without storage coupling), single,\n"
      "                          greedy, uniform, random, cloud (default: the scenario's);\n"
      "                          with models: ilp (exact), sequential, independent,\n"
      "                          partitioned\n"
      "  -f, --formulation F     ilp: flow (tight) or paper (default: the scenario's)\n"
      "  -t, --time-limit S      seconds; on expiry the status is 'timeout' with the best\n"
      "                          placement found and its gap (default: the scenario's)\n"
      "      --json              print the result as JSON\n"
      "      --set KEY=VALUE     override a scenario key (repeatable; the value is YAML)\n"
      "      --write-lp FILE     write the ILP in LP format (ilp method)\n"
      "      --write-mps FILE    write the ILP in free MPS format (ilp method)\n"
      "      --write-instance F  write every parameter of the instance as JSON (with\n"
      "                          models:, each model's with its rate and weight)\n"
      "      --plain             ilp: hand the whole model to lp_solve, without the\n"
      "                          structural bounds, incumbent and cutoff (slow)\n"
      "      --no-presolve       keep dominated bit options\n"
      "  -h, --help              show this help\n"
      "\n"
      "Exit status: 0 placed (optimal, feasible or timeout with a placement), 1 runtime\n"
      "failure or timeout without a placement, 2 usage or input error, 3 infeasible.\n"
      "docs/solver.md describes the methods, formulations, bounds and the JSON.\n");
}

static void print_json(const solver_instance *in, const solver_options *opt,
                       const solver_result *r) {
  sim_json j;
  sim_json_init(&j, stdout, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "status"); sim_json_string(&j, solver_status_name(r->status));
  sim_json_key(&j, "method"); sim_json_string(&j, solver_method_name(opt->method));
  sim_json_key(&j, "formulation"); sim_json_string(&j, solver_formulation_name(opt->formulation));
  sim_json_key(&j, "objective_s"); sim_json_number(&j, r->objective);
  sim_json_key(&j, "compute_s"); sim_json_number(&j, r->compute);
  sim_json_key(&j, "comm_s"); sim_json_number(&j, r->comm);
  sim_json_key(&j, "quant_ratio_pct"); sim_json_number(&j, r->quant_ratio);
  sim_json_key(&j, "solve_s"); sim_json_number(&j, r->solve_seconds);
  sim_json_key(&j, "lower_bound_s"); sim_json_number(&j, r->lower_bound);
  sim_json_key(&j, "gap_frac"); sim_json_number(&j, r->gap);
  sim_json_key(&j, "proof"); sim_json_string(&j, solver_proof_name(r->proof));
  sim_json_key(&j, "dp_bound_s"); sim_json_number(&j, r->dp_bound);
  sim_json_key(&j, "lagrangian_bound_s"); sim_json_number(&j, r->lagrangian_bound);
  sim_json_key(&j, "segment_bound_s"); sim_json_number(&j, r->segment_bound);
  sim_json_key(&j, "packing_bound_s"); sim_json_number(&j, r->packing_bound);
  sim_json_key(&j, "budget_bound_s"); sim_json_number(&j, r->budget_bound);
  sim_json_key(&j, "objective_kind"); sim_json_string(&j, solver_objective_names[opt->objective == SOLVER_OBJECTIVE_THROUGHPUT]);
  sim_json_key(&j, "bottleneck_s"); sim_json_number(&j, r->bottleneck);
  sim_json_key(&j, "nodes"); sim_json_int(&j, r->nodes);
  sim_json_key(&j, "search_nodes"); sim_json_int(&j, r->search_nodes);
  sim_json_key(&j, "ilp_columns"); sim_json_int(&j, (int64_t)r->ilp_columns);
  sim_json_key(&j, "ilp_rows"); sim_json_int(&j, (int64_t)r->ilp_rows);
  sim_json_key(&j, "ilp_fixed"); sim_json_int(&j, (int64_t)r->ilp_fixed);
  sim_json_key(&j, "presolve_removed"); sim_json_int(&j, (int64_t)r->presolve_removed);
  sim_json_key(&j, "presolve_total"); sim_json_int(&j, (int64_t)r->presolve_total);
  sim_json_key(&j, "diagnosis");
  if (r->diagnosis[0]) sim_json_string(&j, r->diagnosis);
  else sim_json_null(&j);
  sim_json_key(&j, "placement");
  solver_placement_write_json(&j, in, r->placement);
  sim_json_object_end(&j);
  sim_json_finish(&j);
}

static void print_text(const sim_scenario *view, size_t point, long long run,
                       const solver_instance *in, const solver_options *opt,
                       const solver_result *r) {
  printf("scenario %s, point %zu", view->name, point);
  for (size_t d = 0; d < view->n_sweep; d++) {
    char v[64];
    sim_scenario_point_label(view, point, d, v, sizeof v);
    printf("%s%s = %s", d ? ", " : " (", view->sweep[d].key, v);
  }
  printf("%s, run %lld: %zu layers on %zu servers\n", view->n_sweep ? ")" : "", run, in->n_layers,
         in->n_servers);
  printf("method %s", solver_method_name(opt->method));
  if (opt->method == SOLVER_METHOD_ILP)
    printf(" (%s formulation%s)", solver_formulation_name(opt->formulation), opt->plain ? ", plain" : "");
  printf("; presolve removed %zu of %zu allowed (layer, bits) options\n", r->presolve_removed,
         r->presolve_total);
  const solver_placement *p = r->placement;
  if (p != NULL) {
    printf("\n%5s  %-18s %-8s %5s %12s %12s\n", "layer", "name", "server", "bits", "compute s",
           "transfer s");
    for (size_t l = 0; l < p->n_layers; l++) {
      const size_t i = (size_t)p->server[l], b = (size_t)p->bits[l];
      double tr = 0;
      if (l + 1 < p->n_layers && (size_t)p->server[l + 1] != i)
        tr = solver_cost_transfer(in, l, i, (size_t)p->server[l + 1], b);
      if (l + 1 == p->n_layers) tr = solver_cost_output(in, i, b);
      printf("%5zu  %-18s %-8s %5lld %12.6g %12.6g\n", l, in->layers[l].name, in->servers[i].name,
             (long long)in->bits[b], solver_cost_compute(in, l, i, b), tr);
    }
    if (in->origin >= 0)
      printf("input from the origin %s: %.6g s; the last row's transfer is the output back\n",
             in->servers[in->origin].name, solver_cost_input(in, (size_t)p->server[0]));
    printf("\nobjective T = %.9g s = compute %.9g s + communication %.9g s\n", r->objective,
           r->compute, r->comm);
    printf("quantization ratio %.4g %%\n", r->quant_ratio);
    printf("bottleneck stage %.9g s per token (a saturated pipeline: %.6g tokens/s)%s\n",
           r->bottleneck, (double)in->batch / r->bottleneck,
           opt->objective == SOLVER_OBJECTIVE_THROUGHPUT ? ", the objective" : "");
  }
  printf("status %s", solver_status_name(r->status));
  if (r->status == SOLVER_OPTIMAL) printf(" (proof: %s)", solver_proof_name(r->proof));
  printf(", solve time %.4f s, B&B nodes %lld", r->solve_seconds, r->nodes);
  if (r->search_nodes)
    printf(", %s search nodes %lld",
           opt->objective == SOLVER_OBJECTIVE_THROUGHPUT ? "throughput" : "segment", r->search_nodes);
  if (r->ilp_columns)
    printf(", last ILP %zu columns x %zu rows (%zu layer-server pairs fixed by bounds)",
           r->ilp_columns, r->ilp_rows, r->ilp_fixed);
  printf("\n");
  if (p != NULL)
    printf("lower bound %.9g s, gap %.3g %%; ", r->lower_bound, 100 * r->gap);
  printf("bounds: dp %.9g s, lagrangian %.9g s, segment %.9g s, packing %.9g s", r->dp_bound,
         r->lagrangian_bound, r->segment_bound, r->packing_bound);
  if (!isnan(r->budget_bound)) printf(", budget %.9g s", r->budget_bound);
  printf("\n");
  if (r->diagnosis[0]) printf("diagnosis: %s\n", r->diagnosis);
}

static int write_instance(const solver_instance *in, const char *path, sim_error *err) {
  FILE *f = fopen(path, "w");
  if (f == NULL) return sim_error_set(err, SIM_EIO, "%s: cannot open for writing: %s", path, strerror(errno));
  int rc = solver_instance_write_json(in, f, err);
  if (fclose(f) != 0 && rc == SIM_OK) rc = sim_error_set(err, SIM_EIO, "%s: write failed", path);
  return rc;
}

int cli_cmd_solve(int argc, char **argv) {
  enum { OPT_LP = 256, OPT_MPS, OPT_INSTANCE, OPT_PLAIN, OPT_NOPRESOLVE };
  static const struct option opts[] = {
    CLI_TARGET_OPTIONS,
    {"method", required_argument, 0, 'm'}, {"formulation", required_argument, 0, 'f'},
    {"time-limit", required_argument, 0, 't'}, {"json", no_argument, 0, 'j'},
    {"write-lp", required_argument, 0, OPT_LP}, {"write-mps", required_argument, 0, OPT_MPS},
    {"write-instance", required_argument, 0, OPT_INSTANCE}, {"plain", no_argument, 0, OPT_PLAIN},
    {"no-presolve", no_argument, 0, OPT_NOPRESOLVE}, {"help", no_argument, 0, 'h'}, CLI_SET_OPTION,
    {0, 0, 0, 0}};
  cli_target target = {0, 0};
  cli_sets sets = {.n = 0};
  int json = 0, method = -1, form = -1, plain = 0, no_presolve = 0, c;
  const char *method_name = NULL; /* parsed once the scenario says one model or several */
  double time_limit = -1;
  const char *lp_path = NULL, *mps_path = NULL, *inst_path = NULL;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":p:r:f:t:h", opts, NULL)) != -1) {
    switch (c) {
    case CLI_OPT_SET:
      if (cli_sets_add("solve", &sets, optarg) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'p':
    case 'r':
      if (cli_target_option("solve", c, optarg, &target) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'm': method_name = optarg; break;
    case 'f':
      if (strcmp(optarg, "flow") == 0) form = SOLVER_FORM_FLOW;
      else if (strcmp(optarg, "paper") == 0) form = SOLVER_FORM_PAPER;
      else return cli_usage_error("solve", "unknown formulation '%s' (flow, paper)", optarg);
      break;
    case 't':
      if ((time_limit = cli_parse_positive(optarg)) < 0)
        return cli_usage_error("solve", "--time-limit takes a positive number of seconds, got '%s'",
                               optarg);
      break;
    case 'j': json = 1; break;
    case OPT_LP: lp_path = optarg; break;
    case OPT_MPS: mps_path = optarg; break;
    case OPT_INSTANCE: inst_path = optarg; break;
    case OPT_PLAIN: plain = 1; break;
    case OPT_NOPRESOLVE: no_presolve = 1; break;
    case 'h': help(); return CLI_OK;
    default: return cli_option_error("solve", argv, ":p:r:f:t:h", opts);
    }
  }
  if (optind != argc - 1) return cli_usage_error("solve", "give exactly one scenario file");

  sim_scenario *sc = cli_scenario_load(argv[optind], &sets);
  if (sc == NULL) return CLI_EUSAGE;
  if (sc->n_models > 0) {
    int st;
    if (no_presolve)
      st = cli_usage_error("solve", "--no-presolve applies to one model, not to a scenario with models:");
    else
      st = cli__solve_multi(sc, &target, method_name, plain, form, time_limit, json, lp_path,
                            mps_path, inst_path);
    sim_scenario_free(sc);
    return st;
  }
  if (method_name != NULL && (method = solver_method_parse(method_name)) < 0) {
    sim_scenario_free(sc);
    return cli_usage_error("solve", "unknown method '%s' (ilp, dp, single, greedy, uniform, "
                           "random, cloud)", method_name);
  }
  sim_error err;
  sim_error_clear(&err);
  int status = CLI_OK;
  const sim_scenario *view = NULL;
  const solver_instance *in = NULL;
  solver_result res;
  solver_result_init(&res);
  solver_options opt;
  sim_case *one = sim_case_alloc(sc, (size_t)target.point, (uint64_t)target.run, &err);
  if (one == NULL) {
    status = cli_exit_code(err.code);
    goto out;
  }
  view = &one->view;
  in = one->instance;
  if (inst_path != NULL && write_instance(in, inst_path, &err) != SIM_OK) {
    status = cli_exit_code(err.code);
    goto out;
  }
  solver_options_from_config(&opt, &view->solver,
                             method >= 0 ? (solver_method)method : view->solver.method,
                             sim_seed_derive(view->seed, SIM_STREAM_BASELINE, (uint64_t)target.run));
  if (form >= 0) opt.formulation = (solver_formulation)form;
  if (time_limit > 0) opt.time_limit = time_limit;
  if (no_presolve) opt.presolve = 0;
  opt.plain = plain;
  opt.write_lp = lp_path;
  opt.write_mps = mps_path;
  if ((lp_path || mps_path) && opt.method != SOLVER_METHOD_ILP) {
    status = cli_usage_error("solve", "--write-lp and --write-mps need --method ilp");
    goto out;
  }
  const int rc = solver_solve(in, &opt, &res, &err);
  if (rc != SIM_OK) {
    status = cli_exit_code(rc);
    goto out;
  }
  if (json) print_json(in, &opt, &res);
  else print_text(view, (size_t)target.point, target.run, in, &opt, &res);
  if (res.status == SOLVER_INFEASIBLE) {
    fprintf(stderr, "dilemma solve: infeasible: %s\n", res.diagnosis);
    status = CLI_EINFEASIBLE;
  } else if (res.status == SOLVER_TIMEOUT && res.placement == NULL) {
    fprintf(stderr, "dilemma solve: the time limit passed before any placement was found\n");
    status = CLI_ERUNTIME;
  }
out:
  if (err.code != SIM_OK) cli_report(&err);
  solver_result_clear(&res);
  sim_case_free(one);
  sim_scenario_free(sc);
  return status;
}
