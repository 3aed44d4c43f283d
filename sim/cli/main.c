/* main.c: the dilemma command: dispatch to subcommands. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <getopt.h>
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

/* Index of the command word in argv: the first argument that names a
 * command, so options may come before it (`dilemma -j 2 run x.yaml`);
 * failing that, the first one close to a command name, then the first not
 * starting with '-' (both reported as unknown commands); 0 if there is none. */
static int find_command(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    for (size_t k = 0; k < N_COMMANDS; k++)
      if (strcmp(argv[i], commands[k].name) == 0) return i;
  const char *names[N_COMMANDS];
  for (size_t k = 0; k < N_COMMANDS; k++) names[k] = commands[k].name;
  for (int i = 1; i < argc; i++)
    if (argv[i][0] != '-' && sim_suggest(argv[i], names, N_COMMANDS) != NULL) return i;
  for (int i = 1; i < argc; i++)
    if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) return i;
  return 0;
}

int main(int argc, char **argv) {
  /* Past a file size limit (ulimit -f) the default action of SIGXFSZ kills
   * the process mid-row; ignored, the write fails with EFBIG instead and
   * the command reports it as the I/O error it is (exit 1). */
  signal(SIGXFSZ, SIG_IGN);
  /* The commands report refused options themselves, with suggestions. */
  opterr = 0;
  const int at = find_command(argc, argv);
  /* Without a command, the program's own options. */
  for (int i = 1; i < (at ? at : argc); i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      if (at) break; /* `dilemma --help run`: the command's help */
      usage(stdout);
      return CLI_OK;
    }
    if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
      printf("dilemma %s\n", PACKAGE_VERSION);
      return CLI_OK;
    }
  }
  if (at == 0) {
    if (argc > 1) fprintf(stderr, "dilemma: options '%s'... but no command\n", argv[1]);
    usage(stderr);
    return CLI_EUSAGE;
  }
  const char *cmd = argv[at];
  if (strcmp(cmd, "help") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  for (size_t i = 0; i < N_COMMANDS; i++) {
    if (strcmp(cmd, commands[i].name) != 0) continue;
    /* Options given before the command go after it, where the command's
     * parser finds them: argv becomes COMMAND, those options, the rest. */
    for (int k = at; k > 1; k--) argv[k] = argv[k - 1];
    argv[1] = (char *)cmd;
    return commands[i].fn(argc - 1, argv + 1);
  }
  const char *names[N_COMMANDS + 1];
  for (size_t i = 0; i < N_COMMANDS; i++) names[i] = commands[i].name;
  names[N_COMMANDS] = "help";
  const char *near = sim_suggest(cmd, names, N_COMMANDS + 1);
  fprintf(stderr, "dilemma: unknown command '%s'%s%s%s\n", cmd, near ? "; did you mean '" : "",
          near ? near : "", near ? "'?" : "");
  usage(stderr);
  return CLI_EUSAGE;
}
