/* cmd_simulate.c: `dilemma simulate` replays a placement in the
 * discrete-event simulator, alone or under load (docs/simulation.md). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "solver/solver.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/serve/serve.h"

static void help(void) {
  printf("Usage: dilemma simulate SCENARIO [--point P] [--run K] [--mode replay|load]\n"
         "                         [--rate R] [--requests N] [--placement F.json] [--json]\n"
         "                         [--trace F.csv] [--trace-chrome F.json] [--series F.csv]\n"
         "\n"
         "Replay a placement in the discrete-event simulator. Unless --placement is given, the\n"
         "placement comes from solving run K at sweep point P with the scenario's method.\n"
         "replay runs one request and compares its completion time with the analytic T;\n"
         "load runs a stream of requests (simulation.rate, .requests, .horizon, .max_batch)\n"
         "and reports latency percentiles, time to first token, time per output token,\n"
         "throughput, utilization and the gap to T. Perturbations and outages come from the\n"
         "scenario's simulation section. Times are in seconds.\n"
         "\n"
         "  -p, --point P            sweep point (default 0)\n"
         "  -r, --run K              run index: topology and random streams (default 0)\n"
         "      --mode M             replay or load (default: replay, or load when the\n"
         "                           scenario sets simulation.replay: false, load: true)\n"
         "  -R, --rate R             load: arrival rate in requests/s (overrides the scenario)\n"
         "  -n, --requests N         load: number of requests (overrides the scenario)\n"
         "  -P, --placement F.json   simulate this placement instead of solving\n"
         "                           ({\"placement\": [{\"layer\", \"server\", \"bits\"}, ...]})\n"
         "      --json               print JSON\n"
         "      --set KEY=VALUE      override a scenario key (repeatable; the value is YAML)\n"
         "      --trace F.csv        write every event: time,entity,event,request,token,layer\n"
         "      --trace-chrome F.json  write a Chrome trace (Perfetto, chrome://tracing)\n"
         "      --series F.csv       continuous batching: one row per server step,\n"
         "                           time,server,batch,queue,memory_bytes\n"
         "  -h, --help               show this help\n"
         "\n"
         "Exit status: 0 ok, 1 runtime failure, 2 usage or input error, 3 infeasible.\n");
}

/* Options after parsing. */
typedef struct sim_opts {
  cli_target target;
  cli_sets sets; /* --set overrides */
  long long requests;
  double rate;
  int mode; /* -1: from the scenario, 0 replay, 1 load */
  int json;
  const char *placement, *trace_csv, *trace_chrome, *series;
} sim_opts;

static int parse_args(int argc, char **argv, sim_opts *o) {
  static const struct option opts[] = {
    CLI_TARGET_OPTIONS,
    {"mode", required_argument, 0, 'm'},      {"rate", required_argument, 0, 'R'},
    {"requests", required_argument, 0, 'n'},  {"placement", required_argument, 0, 'P'},
    {"json", no_argument, 0, 'j'},            {"trace", required_argument, 0, 't'},
    {"trace-chrome", required_argument, 0, 'c'}, {"series", required_argument, 0, 's'},
    {"help", no_argument, 0, 'h'}, CLI_SET_OPTION,
    {0, 0, 0, 0}};
  memset(o, 0, sizeof *o);
  o->mode = -1;
  o->requests = -1;
  o->rate = -1;
  int c;
  while ((c = getopt_long(argc, argv, "p:r:R:n:P:h", opts, NULL)) != -1) {
    switch (c) {
    case CLI_OPT_SET:
      if (cli_sets_add("simulate", &o->sets, optarg) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'p':
    case 'r':
      if (cli_target_option("simulate", c, optarg, &o->target) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'm':
      if (strcmp(optarg, "replay") == 0) o->mode = 0;
      else if (strcmp(optarg, "load") == 0) o->mode = 1;
      else return cli_usage_error("simulate", "--mode is replay or load, got '%s'", optarg);
      break;
    case 'R':
      if ((o->rate = cli_parse_positive(optarg)) < 0 || o->rate > 1e9)
        return cli_usage_error("simulate", "--rate takes a number of requests/s in (0, 1e9], got '%s'",
                               optarg);
      break;
    case 'n':
      o->requests = cli_parse_count(optarg);
      if (o->requests < 1 || o->requests > 100000000)
        return cli_usage_error("simulate", "--requests takes an integer in [1, 100000000], got '%s'",
                               optarg);
      break;
    case 'P': o->placement = optarg; break;
    case 'j': o->json = 1; break;
    case 't': o->trace_csv = optarg; break;
    case 'c': o->trace_chrome = optarg; break;
    case 's': o->series = optarg; break;
    case 'h': help(); return -1;
    default: return cli_option_error("simulate", argv, "p:r:R:n:P:h", opts);
    }
  }
  if (optind != argc - 1) return cli_usage_error("simulate", "give exactly one scenario file");
  return CLI_OK;
}

/* The placement to simulate: read from a file, or solved with the
 * scenario's method. Returns a CLI status and sets *out. */
static int get_placement(const sim_opts *o, const sim_scenario *view, const solver_instance *in,
                         solver_placement **out, sim_error *err) {
  if (o->placement != NULL) {
    *out = sim_placement_load_json(o->placement, in, err);
    return *out ? CLI_OK : err->code == SIM_ENOMEM ? CLI_ERUNTIME : CLI_EUSAGE;
  }
  solver_options opt;
  solver_options_from_config(&opt, &view->solver, view->solver.method,
                             sim_seed_derive(view->seed, SIM_STREAM_BASELINE, (uint64_t)o->target.run));
  solver_result res;
  solver_result_init(&res);
  int rc = solver_solve(in, &opt, &res, err);
  if (rc != SIM_OK) {
    sim_error_set(err, rc, "solving with method '%s' failed; --placement F.json simulates a given "
                  "placement", solver_method_name(view->solver.method));
    return cli_exit_code(rc);
  }
  if (res.status == SOLVER_INFEASIBLE) {
    sim_error_set(err, SIM_EINFEASIBLE, "no feasible placement%s%s",
                  res.diagnosis[0] ? ": " : "", res.diagnosis);
    solver_result_clear(&res);
    return CLI_EINFEASIBLE;
  }
  if (res.placement == NULL) {
    sim_error_set(err, SIM_ESOLVER, "the solver returned no placement (status %s)",
                  solver_status_name(res.status));
    solver_result_clear(&res);
    return CLI_ERUNTIME;
  }
  if (res.status == SOLVER_TIMEOUT)
    fprintf(stderr, "dilemma simulate: warning: the solver hit its time limit; simulating the best "
            "placement found (gap %.3g)\n", res.gap);
  *out = res.placement;
  res.placement = NULL;
  solver_result_clear(&res);
  return CLI_OK;
}

static void json_summary(sim_json *j, const char *key, const sim_serve_latency *s) {
  sim_json_key(j, key);
  sim_json_object_begin(j, 1);
  sim_json_key(j, "mean"); sim_json_number(j, s->mean);
  sim_json_key(j, "p50"); sim_json_number(j, s->p50);
  sim_json_key(j, "p95"); sim_json_number(j, s->p95);
  sim_json_key(j, "p99"); sim_json_number(j, s->p99);
  sim_json_key(j, "max"); sim_json_number(j, s->max);
  sim_json_object_end(j);
}

static const char *stop_name(sim_des_stop_reason s) {
  return s == SIM_DES_EMPTY ? "complete" : s == SIM_DES_UNTIL ? "until" :
         s == SIM_DES_LIMIT ? "event_limit" : "stopped";
}

static void print_replay(const sim_serve_result *r, int json) {
  if (json) {
    sim_json j;
    sim_json_init(&j, stdout, 1);
    sim_json_object_begin(&j, 0);
    /* Names as in runs.csv: the analytic T is objective_s. */
    sim_json_key(&j, "objective_s"); sim_json_number(&j, r->analytic);
    sim_json_key(&j, "sim_s"); sim_json_number(&j, r->simulated);
    sim_json_key(&j, "sim_rel_error_frac"); sim_json_number(&j, r->rel_error);
    sim_json_key(&j, "events"); sim_json_int(&j, (int64_t)r->events);
    sim_json_object_end(&j);
    sim_json_finish(&j);
    return;
  }
  printf("analytic T   %.9g s (compute %.9g s, communication %.9g s)\n", r->analytic,
         r->analytic_compute, r->analytic_comm);
  printf("simulated T  %.9g s\n", r->simulated);
  printf("rel. error   %.3g\n", r->rel_error);
  printf("events       %llu\n", (unsigned long long)r->events);
}

static void print_load(const sim_serve_result *r, const sim_serve_config *cfg, int json) {
  if (json) {
    sim_json j;
    sim_json_init(&j, stdout, 1);
    sim_json_object_begin(&j, 0);
    sim_json_key(&j, "mode"); sim_json_string(&j, "load");
    sim_json_key(&j, "arrivals"); sim_json_string(&j, cfg->horizon > 0 ? "horizon" : "poisson");
    sim_json_key(&j, "rate_rps"); sim_json_number(&j, cfg->rate);
    sim_json_key(&j, "horizon_s"); sim_json_number(&j, cfg->horizon);
    sim_json_key(&j, "requests"); sim_json_int(&j, cfg->requests);
    sim_json_key(&j, "completed"); sim_json_int(&j, r->completed);
    sim_json_key(&j, "batches"); sim_json_int(&j, r->batches);
    sim_json_key(&j, "peak_in_flight"); sim_json_int(&j, r->peak_in_flight);
    sim_json_key(&j, "objective_s"); sim_json_number(&j, r->analytic);
    json_summary(&j, "latency_s", &r->latency);
    json_summary(&j, "ttft_s", &r->ttft);
    json_summary(&j, "tpot_s", &r->tpot);
    sim_json_key(&j, "throughput_rps"); sim_json_number(&j, r->throughput_requests);
    sim_json_key(&j, "throughput_tps"); sim_json_number(&j, r->throughput_tokens);
    sim_json_key(&j, "load_mape_pct"); sim_json_number(&j, r->mape);
    sim_json_key(&j, "mean_gap_pct"); sim_json_number(&j, r->mean_gap);
    sim_json_key(&j, "end_time_s"); sim_json_number(&j, r->end_time);
    sim_json_key(&j, "events"); sim_json_int(&j, (int64_t)r->events);
    sim_json_key(&j, "stop"); sim_json_string(&j, stop_name(r->stop));
    const int cont = cfg->batching == SIM_BATCHING_CONTINUOUS;
    if (cont) {
      sim_json_key(&j, "batching"); sim_json_string(&j, "continuous");
      json_summary(&j, "itl_s", &r->itl);
      sim_json_key(&j, "good"); sim_json_int(&j, r->good);
      sim_json_key(&j, "goodput_rps"); sim_json_number(&j, r->goodput_requests);
      sim_json_key(&j, "mean_batch"); sim_json_number(&j, r->mean_batch);
      sim_json_key(&j, "steps"); sim_json_int(&j, r->steps);
    }
    for (int links = 0; links < 2; links++) {
      sim_json_key(&j, links ? "links" : "servers");
      sim_json_array_begin(&j, 0);
      for (size_t k = 0; k < r->n_entities; k++) {
        const sim_serve_entity *e = &r->entities[k];
        if (e->is_link != links) continue;
        sim_json_object_begin(&j, 1);
        sim_json_key(&j, "name"); sim_json_string(&j, e->name);
        if (links) {
          sim_json_key(&j, "from"); sim_json_int(&j, e->from);
          sim_json_key(&j, "to"); sim_json_int(&j, e->to);
        } else {
          sim_json_key(&j, "server"); sim_json_int(&j, e->from);
        }
        sim_json_key(&j, "util_frac"); sim_json_number(&j, e->utilization);
        sim_json_key(&j, "busy_s"); sim_json_number(&j, e->busy);
        sim_json_key(&j, "jobs"); sim_json_int(&j, (int64_t)e->jobs);
        if (cont && !links) {
          sim_json_key(&j, "mean_batch"); sim_json_number(&j, e->mean_batch);
          sim_json_key(&j, "mem_mean_bytes"); sim_json_number(&j, e->mem_mean);
          sim_json_key(&j, "mem_peak_bytes"); sim_json_number(&j, e->mem_peak);
        }
        sim_json_object_end(&j);
      }
      sim_json_array_end(&j);
    }
    sim_json_object_end(&j);
    sim_json_finish(&j);
    return;
  }
  if (cfg->horizon > 0)
    printf("load         %lld requests over %.6g s, %lld completed, %lld batches (%s)\n",
           (long long)cfg->requests, cfg->horizon, (long long)r->completed, (long long)r->batches,
           stop_name(r->stop));
  else
    printf("load         %lld requests at %.6g requests/s (Poisson), %lld completed, %lld batches "
           "(%s)\n", (long long)cfg->requests, cfg->rate, (long long)r->completed,
           (long long)r->batches, stop_name(r->stop));
  printf("analytic T   %.9g s\n", r->analytic);
  const sim_serve_latency *s[3] = {&r->latency, &r->ttft, &r->tpot};
  const char *names[3] = {"latency", "TTFT", "TPOT"};
  for (int k = 0; k < 3; k++)
    printf("%-12s mean %.6g  p50 %.6g  p95 %.6g  p99 %.6g  max %.6g s\n", names[k], s[k]->mean,
           s[k]->p50, s[k]->p95, s[k]->p99, s[k]->max);
  printf("throughput   %.6g requests/s, %.6g tokens/s\n", r->throughput_requests,
         r->throughput_tokens);
  if (cfg->batching == SIM_BATCHING_CONTINUOUS) {
    printf("%-12s mean %.6g  p50 %.6g  p95 %.6g  p99 %.6g  max %.6g s\n", "ITL", r->itl.mean,
           r->itl.p50, r->itl.p95, r->itl.p99, r->itl.max);
    printf("goodput      %lld requests within the SLO, %.6g requests/s\n", (long long)r->good,
           r->goodput_requests);
    printf("batching     continuous, %lld steps, mean batch %.4g requests\n", (long long)r->steps,
           r->mean_batch);
  }
  printf("gap to T     MAPE %.4g %%, mean latency %+.4g %%\n", r->mape, r->mean_gap);
  printf("events       %llu, end time %.9g s, at most %lld requests in flight\n",
         (unsigned long long)r->events, r->end_time, (long long)r->peak_in_flight);
  printf("utilization ");
  for (size_t k = 0; k < r->n_entities; k++)
    if (r->entities[k].jobs > 0) printf(" %s %.4f", r->entities[k].name, r->entities[k].utilization);
  printf("\n");
}

/* Opens an output file named on the command line; NULL name gives NULL. */
static int open_out(const char *path, FILE **f) {
  *f = NULL;
  if (path == NULL) return CLI_OK;
  if ((*f = fopen(path, "w")) == NULL) {
    fprintf(stderr, "dilemma simulate: cannot write '%s': %s\n", path, strerror(errno));
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

/* Builds the instance, gets the placement, runs the simulation and prints. */
static int simulate(const sim_opts *o, sim_scenario *sc, sim_error *err) {
  sim_case *one = sim_case_alloc(sc, (size_t)o->target.point, (uint64_t)o->target.run, err);
  if (one == NULL) return cli_exit_code(err->code);
  sim_scenario *view = &one->view;
  const solver_instance *in = one->instance;
  if (o->rate > 0) view->sim.rate = o->rate;
  if (o->requests > 0) view->sim.requests = o->requests;
  const int load = o->mode >= 0 ? o->mode : (!view->sim.replay && view->sim.load);

  int status = CLI_OK;
  solver_placement *p = NULL;
  FILE *csv = NULL, *chrome = NULL, *series = NULL;
  sim_trace *trace = NULL;
  sim_serve_result res;
  sim_serve_result_init(&res);

  if ((status = get_placement(o, view, in, &p, err)) != CLI_OK) goto done;
  if ((status = open_out(o->trace_csv, &csv)) != CLI_OK ||
      (status = open_out(o->trace_chrome, &chrome)) != CLI_OK ||
      (status = open_out(o->series, &series)) != CLI_OK)
    goto done;
  if ((csv || chrome) && (trace = sim_trace_alloc(csv, chrome, err)) == NULL) {
    status = CLI_ERUNTIME;
    goto done;
  }
  sim_serve_config cfg;
  sim_serve_config_from_params(&cfg, &view->sim, view->seed, (uint64_t)o->target.run);
  cfg.trace = trace;
  if (view->sim.dyn.enabled)
    fprintf(stderr, "dilemma simulate: warning: simulation.dynamics applies to `dilemma run` only; "
            "simulating constant conditions\n");
  cfg.series = series;
  int rc = load ? sim_serve_load(in, p, &cfg, &res, err) : sim_serve_replay(in, p, &cfg, &res, err);
  if (rc == SIM_OK) rc = sim_serve_check_limit(&res, &cfg, err);
  if (rc == SIM_OK) rc = sim_trace_finish(trace, err);
  if (rc != SIM_OK) {
    status = cli_exit_code(rc);
    goto done;
  }
  if (load) print_load(&res, &cfg, o->json);
  else print_replay(&res, o->json);
  if (fflush(stdout) != 0) status = CLI_ERUNTIME;
done:
  sim_serve_result_clear(&res);
  sim_trace_free(trace);
  if (csv != NULL && fclose(csv) != 0 && status == CLI_OK) status = CLI_ERUNTIME;
  if (chrome != NULL && fclose(chrome) != 0 && status == CLI_OK) status = CLI_ERUNTIME;
  if (series != NULL && (ferror(series) | fclose(series)) && status == CLI_OK) status = CLI_ERUNTIME;
  solver_placement_free(p);
  sim_case_free(one);
  return status;
}

int cli_cmd_simulate(int argc, char **argv) {
  sim_opts o;
  int rc = parse_args(argc, argv, &o);
  if (rc < 0) return CLI_OK; /* --help */
  if (rc != CLI_OK) return rc;
  sim_scenario *sc = cli_scenario_load(argv[optind], &o.sets);
  if (sc == NULL) return CLI_EUSAGE;
  sim_error err;
  sim_error_clear(&err);
  int status = simulate(&o, sc, &err);
  if (status != CLI_OK && err.count > 0) {
    /* Messages from the simulator name the key; the file is ours to add. */
    if (strncmp(err.msg, argv[optind], strlen(argv[optind])) != 0) fprintf(stderr, "%s: ", argv[optind]);
    cli_report(&err);
  }
  sim_scenario_free(sc);
  return status;
}
