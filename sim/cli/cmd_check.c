/* cmd_check.c: `dilemma check` validates scenario files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/model/model.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"

static void help(void) {
  printf("Usage: dilemma check [--quiet] [--resolved] [--set KEY=VALUE]... FILE...\n"
         "       dilemma check --keys\n"
         "\n"
         "Validate scenario files. Problems are printed as FILE:LINE:COL: error: KEY: message,\n"
         "with the allowed values and, for a misspelled key, the nearest valid one.\n"
         "\n"
         "  -q, --quiet     print nothing for valid files\n"
         "      --resolved  print each valid scenario with every default made explicit\n"
         "  -k, --keys      list every key the schema accepts\n"
         "      --set K=V   override key K of every file with the YAML value V (repeatable)\n"
         "  -h, --help      show this help\n"
         "\n"
         "Warnings (valid, but a model is blind to a setting, e.g. batching under the paper\n"
         "cost model) go to stderr and leave the status 0. A scenario whose model fits on\n"
         "the servers at no sweep point (at its smallest allowed widths it needs more\n"
         "storage than all servers hold at their largest draw) is warned about too.\n"
         "\n"
         "Exit status: 0 if every file is valid, 2 if one is not, 3 if every file is valid\n"
         "but in one the model fits at no sweep point (as `dilemma run` would exit).\n");
}

/* Warns, on stderr, about settings a model cannot see: under the paper
 * cost model compute does not grow with the batch (eq. 3 has no batch
 * factor), so requests batched by the simulator (simulation.max_batch > 1,
 * set or swept) share each pass's compute for free. The scenario is
 * valid; the warning keeps the result from being read as a property of
 * the hardware. */
static void warn_blind(const char *path, const sim_scenario *sc) {
  int batched = sc->sim.max_batch > 1;
  for (size_t d = 0; d < sc->n_sweep; d++)
    if (strcmp(sc->sweep[d].key, "simulation.max_batch") == 0) batched = 1;
  if (batched && sc->cost.model == SOLVER_COST_PAPER)
    fprintf(stderr,
            "%s: warning: simulation.max_batch: batching under cost.model: paper, whose compute does not grow "
            "with the batch (docs/model.md): a batch of r requests computes as fast as one; use cost.model: "
            "roofline to charge for it\n",
            path);
}

/* 1 if a swept key can change a run's memory estimate (the server count,
 * the cloud node, the model or the bit widths), else 0. */
static int sweeps_size(const sim_scenario *sc) {
  for (size_t d = 0; d < sc->n_sweep; d++) {
    const char *k = sc->sweep[d].key;
    if (strcmp(k, "servers.count") == 0 || strncmp(k, "servers.cloud", 13) == 0 ||
        strncmp(k, "model", 5) == 0 || strncmp(k, "quantization.b_", 15) == 0 ||
        strcmp(k, "quantization.step") == 0)
      return 1;
  }
  return 0;
}

/* Warns, on stderr, when the model cannot fit on the servers at some sweep
 * points or at all of them, by the cheap storage test of
 * sim_case_storage_short on run 0 of each point (the test uses each spec's
 * largest value, not the run's draw, so one run stands for all). Returns 1 when no point can fit: every run of the sweep
 * would be infeasible, and `dilemma run` would exit with status 3. Points
 * that cannot be assembled (their errors are the run's to report) and
 * scenarios with models: are not tested. */
static int warn_storage(const char *path, const sim_scenario *sc) {
  if (sc->n_models > 0) return 0;
  const size_t points = sim_scenario_points(sc);
  size_t short_at = 0, first = 0;
  double need = 0, room = 0;
  for (size_t p = 0; p < points; p++) {
    sim_error e;
    sim_error_clear(&e);
    sim_case *c = sim_case_alloc_for(sc, p, 0, SIM_CASE_INSPECT, &e);
    if (c == NULL) return 0;
    double n, r;
    if (sim_case_storage_short(c, &n, &r)) {
      if (short_at++ == 0) {
        first = p;
        need = n;
        room = r;
      }
    }
    sim_case_free(c);
  }
  if (short_at == 0) return 0;
  char where[64] = "";
  if (sc->n_sweep > 0) snprintf(where, sizeof where, " (sweep point %zu)", first);
  if (short_at == points)
    fprintf(stderr,
            "%s: warning: the model fits on the servers at no sweep point: at its smallest allowed widths it "
            "needs %.4g bytes, more than all servers hold together at their largest storage, %.4g bytes%s; "
            "every run would be infeasible (servers.storage, servers.count, quantization)\n",
            path, need, room, where);
  else
    fprintf(stderr,
            "%s: warning: the model fits on the servers at no draw at %zu of %zu sweep points: at the first%s "
            "it needs %.4g bytes at its smallest allowed widths, more than all servers' largest storage, "
            "%.4g bytes\n",
            path, short_at, points, where, need, room);
  return short_at == points;
}

int cli_cmd_check(int argc, char **argv) {
  static const struct option opts[] = {
    {"quiet", no_argument, 0, 'q'}, {"resolved", no_argument, 0, 'r'},
    {"keys", no_argument, 0, 'k'},  {"help", no_argument, 0, 'h'}, CLI_SET_OPTION,
    {0, 0, 0, 0}};
  cli_sets sets = {.n = 0};
  int quiet = 0, resolved = 0, keys = 0, c;
  while ((c = getopt_long(argc, argv, "qkh", opts, NULL)) != -1) {
    switch (c) {
    case 'q': quiet = 1; break;
    case 'r': resolved = 1; break;
    case 'k': keys = 1; break;
    case CLI_OPT_SET:
      if (cli_sets_add("check", &sets, optarg) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'h': help(); return CLI_OK;
    default: return cli_option_error("check", argv, "qkh", opts);
    }
  }
  if (keys) {
    sim_scenario_schema_print(stdout);
    return CLI_OK;
  }
  if (optind >= argc) return cli_usage_error("check", "no scenario file given");
  int status = CLI_OK, nowhere = 0;
  for (int i = optind; i < argc; i++) {
    sim_error err;
    sim_error_clear(&err);
    sim_scenario *sc = sim_scenario_load_set(argv[i], sets.v, sets.n, &err);
    if (sc == NULL) {
      cli_report(&err);
      /* An unreadable or malformed scenario is an input error. */
      int code = err.code == SIM_EIO || err.code == SIM_EINPUT || err.code == SIM_ESYNTAX
                     ? CLI_EUSAGE : cli_exit_code(err.code);
      if (code > status) status = code;
      continue;
    }
    /* What `run` would refuse before drawing anything is refused here. The
     * estimate depends on the servers, the model and the widths: unless the
     * sweep changes one of them, point 0 stands for all. */
    int too_big = 0;
    const size_t points = sweeps_size(sc) ? sim_scenario_points(sc) : 1;
    for (size_t p = 0; p < points && !too_big; p++)
      too_big = sim_case_memory_check(sc, p, SIM_CASE_SOLVE, &err) != SIM_OK;
    if (too_big) {
      cli_report(&err);
      if (CLI_EUSAGE > status) status = CLI_EUSAGE;
      sim_scenario_free(sc);
      continue;
    }
    if (!quiet && !resolved) {
      sim_model *m = sim_scenario_model_alloc(sc, &err);
      printf("%s: ok: %s, %zu layers, %lld servers%s, %zu sweep point%s x %lld runs\n", argv[i],
             sc->model.name, m ? m->n_layers : (size_t)0, (long long)sc->servers.count,
             sc->servers.has_cloud ? " + cloud" : "", sim_scenario_points(sc),
             sim_scenario_points(sc) == 1 ? "" : "s", (long long)sc->runs);
      sim_model_free(m);
    }
    warn_blind(argv[i], sc);
    nowhere |= warn_storage(argv[i], sc);
    if (resolved && sim_scenario_write(sc, stdout, NULL, &err) != SIM_OK) {
      cli_report(&err);
      status = CLI_ERUNTIME;
    }
    sim_scenario_free(sc);
  }
  /* An invalid file (2) or a failure (1) says more than a valid scenario
   * that cannot be placed (3). */
  return status == CLI_OK && nowhere ? CLI_EINFEASIBLE : status;
}
