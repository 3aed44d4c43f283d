/* cmd_run.c: `dilemma run` runs a scenario's Monte Carlo experiment. */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "sim/cli/cli.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"

#ifdef HAVE_MPI
#include <mpi.h>
#endif

/* Set by SIGINT/SIGTERM. A signal handler can only talk to the program
 * through a static flag; it lives here in the command, not in the library,
 * which receives a pointer to it. */
static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  stop_requested = 1;
  /* A second signal kills at once, as users expect from a second Ctrl-C. */
  signal(sig, SIG_DFL);
}

static void help(void) {
  printf("Usage: dilemma run SCENARIO [-o DIR] [-j N] [--runs N] [--resume] [--quiet] [--timing]\n"
         "\n"
         "Run every sweep point and Monte Carlo run of a scenario: topology, solve (the\n"
         "scenario's method and its baselines), check, DES replay. Writes DIR/runs.csv\n"
         "(one row per point, run and method), DIR/summary.csv (mean, sd, 95%% CI, median,\n"
         "min, max per point and method) and DIR/scenario.resolved.yaml.\n"
         "\n"
         "  -o, --output DIR  output directory (default: the scenario's `output`)\n"
         "  -j, --jobs N      worker threads (default: the number of cores)\n"
         "      --runs N      runs per sweep point (default: the scenario's `runs`)\n"
         "      --resume      keep the complete runs already in DIR/runs.csv, do the rest\n"
         "      --timing      record the wall-clock solve time (solve_s); not reproducible\n"
         "      --no-plot     do not draw DIR/figures\n"
         "      --mpi         distribute the runs over MPI ranks (automatic under mpirun\n"
         "                    or srun when built with --with-mpi); -j is then per rank\n"
         "  -q, --quiet       no progress bar\n"
         "  -h, --help        show this help\n"
         "\n"
         "runs.csv and summary.csv are byte-identical for any -j. On SIGINT or SIGTERM the\n"
         "completed rows are kept, no summary is written, and the exit status is 130;\n"
         "`--resume` then finishes the experiment. Exit status 2 for input errors.\n");
}

typedef struct {
  int enabled;
  double start;     /* s, when the first task started */
  double last_draw; /* s */
} progress;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_eta(char *buf, size_t len, double s) {
  if (!(s >= 0) || s > 1e7) snprintf(buf, len, "--");
  else if (s >= 3600) snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
  else if (s >= 60) snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
  else snprintf(buf, len, "%ds", (int)s);
}

/* A bar on stderr, redrawn at most ten times a second. */
static void draw(void *ctx, size_t done, size_t total, size_t skipped) {
  progress *p = ctx;
  if (!p->enabled) return;
  double t = now();
  if (done < total && t - p->last_draw < 0.1) return;
  p->last_draw = t;
  double rate = (double)(done - skipped) / (t - p->start + 1e-9);
  char eta[16];
  fmt_eta(eta, sizeof eta, rate > 0 ? (double)(total - done) / rate : -1);
  int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : width;
  fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs  %.1f/s  ETA %s ", fill, "##############################",
          width - fill, "", done, total, rate, eta);
  if (done == total) fputc('\n', stderr);
  fflush(stderr);
}

int cli_cmd_run(int argc, char **argv) {
  static const struct option opts[] = {
    {"output", required_argument, 0, 'o'}, {"jobs", required_argument, 0, 'j'},
    {"runs", required_argument, 0, 'R'},   {"resume", no_argument, 0, 'r'},
    {"quiet", no_argument, 0, 'q'},        {"timing", no_argument, 0, 't'},
    {"no-plot", no_argument, 0, 'P'},      {"mpi", no_argument, 0, 'M'},
    {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
  const char *outdir = NULL;
  long long jobs = 0, runs = 0;
  int resume = 0, quiet = 0, timing = 0, plot = 1, mpi = 0, c;
  while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'o': outdir = optarg; break;
    case 'j':
      if ((jobs = cli_parse_count(optarg)) < 1 || jobs > 256)
        return cli_usage_error("run", "-j takes an integer in [1, 256], got '%s'", optarg);
      break;
    case 'R':
      if ((runs = cli_parse_count(optarg)) < 1 || runs > 1000000)
        return cli_usage_error("run", "--runs takes an integer in [1, 1000000], got '%s'", optarg);
      break;
    case 'r': resume = 1; break;
    case 'q': quiet = 1; break;
    case 't': timing = 1; break;
    case 'P': plot = 0; break;
    case 'M': mpi = 1; break;
    case 'h': help(); return CLI_OK;
    default: return cli_usage_error("run", "unknown option");
    }
  }
  if (optind != argc - 1) return cli_usage_error("run", "give exactly one scenario file");
  /* Under mpirun or srun the launcher says so in the environment; then the
   * runs are distributed without asking for --mpi. */
  const int launched = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
#ifdef HAVE_MPI
  if (launched) mpi = 1;
#else
  /* Without MPI every launched process would run the whole experiment
   * into the same directory, and all but one would fail on its lock. */
  if (launched)
    return cli_usage_error("run", "started by an MPI launcher, but this dilemma was built without MPI "
                                  "(configure --with-mpi)");
  if (mpi) return cli_usage_error("run", "--mpi: this dilemma was built without MPI (configure --with-mpi)");
#endif
  sim_scenario *sc = cli_scenario_load(argv[optind]);
  if (sc == NULL) return CLI_EUSAGE;
  sim_error err;
  sim_error_clear(&err);
#ifdef HAVE_MPI
  int writer = 1;
  if (mpi) {
    int provided = 0, rank = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    writer = rank == 0;
    if (!writer) quiet = 1;
    /* One rank per core is the MPI convention, so ranks default to one
     * thread each; -j gives more. */
    if (jobs == 0) jobs = 1;
  }
#endif
  if (jobs == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = n > 0 ? n : 1;
  }
  progress prog = {.enabled = !quiet && isatty(STDERR_FILENO), .start = now(), .last_draw = 0};
  sim_run_options opt = {.outdir = outdir ? outdir : sc->output,
                         .threads = (int)jobs,
                         .runs = runs,
                         .resume = resume,
                         .timing = timing,
                         .stop = &stop_requested,
                         .progress = draw,
                         .progress_ctx = &prog};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  sim_run_stats st;
  int rc;
#ifdef HAVE_MPI
  if (mpi) {
    rc = sim_run_mpi(sc, &opt, &st, &writer, &err);
    MPI_Finalize();
    if (!writer) {
      sim_scenario_free(sc);
      return CLI_OK;
    }
  } else
#endif
    rc = sim_run(sc, &opt, &st, &err);
  int status;
  if (rc == SIM_OK) {
    if (!quiet)
      fprintf(stderr, "dilemma run: %zu runs (%zu resumed) -> %s/runs.csv (%zu rows), %s/summary.csv\n",
              st.tasks, st.skipped, opt.outdir, st.rows, opt.outdir);
    status = CLI_OK;
    /* Figures are a convenience of the command; without gnuplot the CSV
     * files are still the result, so a plotting failure is only reported. */
    if (plot) {
      sim_error perr;
      sim_error_clear(&perr);
      if (analysis_plot_dir(opt.outdir, quiet, &perr) != SIM_OK) {
        fprintf(stderr, "dilemma run: figures skipped:\n");
        cli_report(&perr);
      }
    }
  } else {
    if (prog.enabled) fputc('\n', stderr);
    cli_report(&err);
    /* 130 = 128 + SIGINT, as shells report an interrupted command. */
    status = rc == SIM_EINTERRUPT ? 130 : cli_exit_code(rc);
  }
  sim_scenario_free(sc);
  return status;
}
