/* main.c: the dilemma command: dispatch to subcommands. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "sim/cli/cli.h"

typedef struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} command;

/* In the order a study uses them: describe, solve, simulate, experiment. */
static const command commands[] = {
  {"check", cli_cmd_check, "validate scenario files"},
  {"models", cli_cmd_models, "list built-in models or print a model's per-layer profile"},
  {"profile", cli_cmd_profile, "measure each layer's quantization error from safetensors weights"},
  {"topology", cli_cmd_topology, "draw the servers and links of one run"},
  {"solve", cli_cmd_solve, "place and quantize the layers of one run (ILP, DP, baselines)"},
  {"simulate", cli_cmd_simulate, "replay a placement in the discrete-event simulator"},
  {"run", cli_cmd_run, "run a scenario's Monte Carlo experiment into CSV"},
  {"plot", cli_cmd_plot, "draw the figures of an experiment directory"},
  {"devices", cli_cmd_devices, "list the device and link catalogue"},
  {"calibrate", cli_cmd_calibrate, "fit the calibrated cost model to published measurements"},
  {"validate", cli_cmd_validate, "compare the calibrated model with published measurements"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fprintf(out,
          "Usage: dilemma COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Joint layer placement and quantization of an LLM on edge servers.\n"
          "\n"
          "Commands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\n"
          "Options:\n"
          "  -h, --help     show this help\n"
          "  -V, --version  show the version\n"
          "\n"
          "'dilemma COMMAND --help' describes a command. Exit status: 0 ok, 1 runtime\n"
          "failure, 2 usage or input error, 3 infeasible. See dilemma(1).\n");
}

int main(int argc, char **argv) {
  /* Past a file size limit (ulimit -f) the default action of SIGXFSZ kills
   * the process mid-row; ignored, the write fails with EFBIG instead and
   * the command reports it as the I/O error it is (exit 1). */
  signal(SIGXFSZ, SIG_IGN);
  if (argc < 2) {
    usage(stderr);
    return CLI_EUSAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
    printf("dilemma %s\n", PACKAGE_VERSION);
    return CLI_OK;
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(cmd, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "dilemma: unknown command '%s'\n", cmd);
  usage(stderr);
  return CLI_EUSAGE;
}
