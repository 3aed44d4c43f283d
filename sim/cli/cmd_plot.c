/* cmd_plot.c: `dilemma plot DIR`, redrawing the figures of an experiment, and
 * `dilemma plot DIR...`, one figure over several. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "sim/cli/cli.h"


static void help(void) {
  printf("Usage: dilemma plot DIR [--quiet]\n"
         "       dilemma plot DIR... [--metric COLUMN] [--methods M,M...] [--x COLUMN] [-o OUT]\n"
         "\n"
         "With one directory: draw the figures of an experiment written by `dilemma run`\n"
         "into DIR/figures, as PNG and SVG with 95%% CI error bars, using the gnuplot\n"
         "scripts in analysis/: the objective against the swept key for every method (fig5\n"
         "for links.omega_min, fig6 for servers.ccs, fig3 with table1.csv/.md for\n"
         "quantization.delta, load for simulation.rate), and validation (analytic against\n"
         "simulated completion time) when runs were replayed.\n"
         "\n"
         "With several directories, or any option below: one figure overlaying them, a\n"
         "metric against a swept column, one line per experiment and method, the legend\n"
         "naming both; the caption says when the experiments have different numbers of\n"
         "runs per point.\n"
         "\n"
         "      --metric COLUMN   a numeric column of runs.csv (default objective_s)\n"
         "      --methods LIST    methods to draw, comma-separated (default: all)\n"
         "      --x COLUMN        x axis (default: the first directory's first swept column)\n"
         "  -o, --output OUT      writes OUT.png, OUT.svg and OUT.dat (default compare-METRIC)\n"
         "  -q, --quiet           print nothing on success\n"
         "  -h, --help            show this help\n");
}

int cli_cmd_plot(int argc, char **argv) {
  static const struct option opts[] = {
    {"metric", required_argument, 0, 'm'}, {"methods", required_argument, 0, 'M'},
    {"x", required_argument, 0, 'x'},      {"output", required_argument, 0, 'o'},
    {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  analysis_compare_options o = {0};
  int compare = 0, c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'm': o.metric = optarg; compare = 1; break;
    case 'M': o.methods = optarg; compare = 1; break;
    case 'x': o.x = optarg; compare = 1; break;
    case 'o': o.out = optarg; compare = 1; break;
    case 'q': o.quiet = 1; break;
    case 'h': help(); return CLI_OK;
    default: return cli_option_error("plot", argv, "o:qh", opts);
    }
  }
  const int n = argc - optind;
  if (n < 1) return cli_usage_error("plot", "give the output directory of a `dilemma run` (or several)");
  sim_error err;
  sim_error_clear(&err);
  int rc;
  if (n == 1 && !compare) {
    rc = analysis_plot_dir(argv[optind], o.quiet, &err);
  } else {
    char out[512];
    snprintf(out, sizeof out, "compare-%s", o.metric ? o.metric : "objective_s");
    if (o.out == NULL) o.out = out;
    rc = analysis_compare((const char *const *)argv + optind, (size_t)n, &o, &err);
  }
  if (rc != SIM_OK) {
    cli_report(&err);
    return rc == SIM_EINPUT ? CLI_EUSAGE : CLI_ERUNTIME;
  }
  return CLI_OK;
}
