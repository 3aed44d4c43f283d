/* cmd_plot.c: `dilemma plot DIR`, redrawing the figures of an experiment. */
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "sim/cli/cli.h"


static void help(void) {
  printf("Usage: dilemma plot DIR [--quiet]\n"
         "\n"
         "Draw the figures of an experiment directory written by `dilemma run` into\n"
         "DIR/figures, as PNG and SVG with 95%% CI error bars, using the gnuplot scripts in\n"
         "analysis/: the objective against the swept key for every method (fig5 for\n"
         "links.omega_min, fig6 for servers.ccs, fig3 with table1.csv/.md for\n"
         "quantization.delta, load for simulation.rate), and validation (analytic against\n"
         "simulated completion time) when runs were replayed.\n"
         "\n"
         "  -q, --quiet   print nothing on success\n"
         "  -h, --help    show this help\n");
}

int cli_cmd_plot(int argc, char **argv) {
  int quiet = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { help(); return CLI_OK; }
    if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) { quiet = 1; continue; }
    if (argv[i][0] == '-') return cli_usage_error("plot", "unknown option '%s'", argv[i]);
  }
  const char *dir = NULL;
  for (int i = 1; i < argc; i++)
    if (argv[i][0] != '-') {
      if (dir) return cli_usage_error("plot", "give one directory");
      dir = argv[i];
    }
  if (dir == NULL) return cli_usage_error("plot", "give the output directory of a `dilemma run`");
  sim_error err;
  sim_error_clear(&err);
  int rc = analysis_plot_dir(dir, quiet, &err);
  if (rc != SIM_OK) {
    cli_report(&err);
    return rc == SIM_EINPUT ? CLI_EUSAGE : CLI_ERUNTIME;
  }
  return CLI_OK;
}
