/* cmd_topology.c: `dilemma topology` prints the servers and links of one
 * run of a scenario. */
#include <getopt.h>
#include <stdio.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/topology/topology.h"

static void help(void) {
  printf("Usage: dilemma topology SCENARIO [--point P] [--run K] [--json]\n"
         "\n"
         "Draw the servers and links of run K at sweep point P (both default 0). The same\n"
         "scenario, seed and run give the same topology at every sweep point.\n"
         "Units: FLOP/s, bytes, bit/s, seconds. A bandwidth of 0 off the diagonal means the\n"
         "servers have no route (geometric topology).\n"
         "\n"
         "  -p, --point P   sweep point (row-major over the swept keys)\n"
         "  -r, --run K     run index\n"
         "      --json      print JSON\n"
         "      --set K=V   override scenario key K with the YAML value V (repeatable)\n"
         "  -h, --help      show this help\n");
}

static void print_json(const sim_topology *t, size_t point, long long run) {
  sim_json j;
  sim_json_init(&j, stdout, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "point"); sim_json_int(&j, (int64_t)point);
  sim_json_key(&j, "run"); sim_json_int(&j, run);
  sim_json_key(&j, "servers");
  sim_json_array_begin(&j, 0);
  for (size_t i = 0; i < t->n; i++) {
    sim_json_object_begin(&j, 1);
    sim_json_key(&j, "name"); sim_json_string(&j, t->servers[i].name);
    sim_json_key(&j, "ccs"); sim_json_number(&j, t->servers[i].ccs);
    sim_json_key(&j, "storage"); sim_json_number(&j, t->servers[i].storage);
    sim_json_key(&j, "mem_bandwidth"); sim_json_number(&j, t->servers[i].mem_bandwidth);
    if (t->servers[i].device[0] != '\0') {
      sim_json_key(&j, "device"); sim_json_string(&j, t->servers[i].device);
    }
    sim_json_object_end(&j);
  }
  sim_json_array_end(&j);
  const double *mats[2] = {t->bandwidth, t->latency};
  const char *names[2] = {"bandwidth", "latency"};
  for (int k = 0; k < 2; k++) {
    sim_json_key(&j, names[k]);
    sim_json_array_begin(&j, 0);
    for (size_t i = 0; i < t->n; i++) {
      sim_json_array_begin(&j, 1);
      for (size_t c = 0; c < t->n; c++) sim_json_number(&j, mats[k][i * t->n + c]);
      sim_json_array_end(&j);
    }
    sim_json_array_end(&j);
  }
  sim_json_object_end(&j);
  sim_json_finish(&j);
}

static void print_text(const sim_topology *t) {
  /* Catalogue devices add a column; abstract servers print as before. */
  int devices = 0;
  for (size_t i = 0; i < t->n; i++) devices |= t->servers[i].device[0] != '\0';
  printf("%-6s %14s %14s %14s%s\n", "server", "GFLOP/s", "storage MB", "mem GB/s",
         devices ? "  device" : "");
  for (size_t i = 0; i < t->n; i++)
    printf("%-6s %14.4f %14.3f %14.3f%s%s\n", t->servers[i].name, t->servers[i].ccs / 1e9,
           t->servers[i].storage / 1e6, t->servers[i].mem_bandwidth / 1e9, devices ? "  " : "",
           devices ? t->servers[i].device : "");
  printf("\nbandwidth (Mbit/s, row = from, column = to; '-' = no route)\n%-6s", "");
  for (size_t c = 0; c < t->n; c++) printf(" %9s", t->servers[c].name);
  printf("\n");
  for (size_t i = 0; i < t->n; i++) {
    printf("%-6s", t->servers[i].name);
    for (size_t c = 0; c < t->n; c++) {
      double b = t->bandwidth[i * t->n + c];
      if (i == c) printf(" %9s", ".");
      else if (b == 0) printf(" %9s", "-");
      else printf(" %9.2f", b / 1e6);
    }
    printf("\n");
  }
  if (t->unreachable) printf("\n%zu ordered pairs have no route.\n", t->unreachable);
}

int cli_cmd_topology(int argc, char **argv) {
  static const struct option opts[] = {
    CLI_TARGET_OPTIONS,
    {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, CLI_SET_OPTION, {0, 0, 0, 0}};
  cli_target target = {0, 0};
  cli_sets sets = {.n = 0};
  int json = 0, c;
  while ((c = getopt_long(argc, argv, "p:r:h", opts, NULL)) != -1) {
    switch (c) {
    case CLI_OPT_SET:
      if (cli_sets_add("topology", &sets, optarg) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'p':
    case 'r':
      if (cli_target_option("topology", c, optarg, &target) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'j': json = 1; break;
    case 'h': help(); return CLI_OK;
    default: return cli_option_error("topology", argv, "p:r:h", opts);
    }
  }
  if (optind != argc - 1) return cli_usage_error("topology", "give exactly one scenario file");
  sim_scenario *sc = cli_scenario_load(argv[optind], &sets);
  if (sc == NULL) return CLI_EUSAGE;
  sim_error err;
  sim_error_clear(&err);
  int status = CLI_OK;
  sim_case *one =
      sim_case_alloc_for(sc, (size_t)target.point, (uint64_t)target.run, SIM_CASE_INSPECT, &err);
  if (one == NULL) status = cli_exit_code(err.code);
  else if (json) print_json(one->topology, (size_t)target.point, target.run);
  else print_text(one->topology);
  if (status != CLI_OK) cli_report(&err);
  sim_case_free(one);
  sim_scenario_free(sc);
  return status;
}
