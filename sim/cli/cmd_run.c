/* cmd_run.c: `dilemma run` runs a scenario's Monte Carlo experiment. */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
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
  printf("Usage: dilemma run SCENARIO [-o DIR] [-j N] [--runs N] [--resume | --force]\n"
         "                    [--set KEY=VALUE]... [--progress MODE] [--quiet] [--timing]\n"
         "\n"
         "Run every sweep point and Monte Carlo run of a scenario: topology, solve (the\n"
         "scenario's method and its baselines), check, DES replay. Writes DIR/runs.csv\n"
         "(one row per point, run and method), DIR/summary.csv (mean, sd, 95%% CI, median,\n"
         "min, max per point and method), DIR/timing.csv (wall-clock solve times),\n"
         "DIR/placements.csv, DIR/metadata.json and DIR/scenario.resolved.yaml\n"
         "(docs/experiments.md: schema 3).\n"
         "\n"
         "  -o, --output DIR        output directory (default: the scenario's `output`)\n"
         "  -j, --jobs N            worker threads (default: the number of cores)\n"
         "      --runs N            runs per sweep point (default: the scenario's `runs`)\n"
         "      --resume            keep the complete runs already in DIR/runs.csv, do the\n"
         "                          rest; with a larger --runs, extends the experiment\n"
         "      --force             replace the runs already in DIR (without --resume or\n"
         "                          --force a DIR holding runs is refused)\n"
         "      --set KEY=VALUE     override a scenario key (repeatable; the value is YAML)\n"
         "      --progress MODE     auto (a bar on a terminal, else lines), bar, lines, none\n"
         "      --progress-interval S  seconds between progress lines (default 30)\n"
         "      --timing            accepted for compatibility: timing.csv is always written\n"
         "      --no-plot           do not draw DIR/figures\n"
         "      --mpi               distribute the runs over MPI ranks (automatic under mpirun\n"
         "                          or srun when built with --with-mpi); -j is then per rank\n"
         "  -q, --quiet             no progress and no summary line (--progress none)\n"
         "  -h, --help              show this help\n"
         "\n"
         "runs.csv and summary.csv are byte-identical for any -j. On SIGINT or SIGTERM the\n"
         "completed rows are kept, no summary is written, and the exit status is 130;\n"
         "`--resume` then finishes the experiment. Exit status 2 for input errors (and for\n"
         "a DIR that holds runs without --resume or --force), 3 with a warning when no run\n"
         "of the whole sweep has a feasible placement (the files are still written).\n");
}

typedef enum { PROGRESS_NONE, PROGRESS_BAR, PROGRESS_LINES } progress_mode;

typedef struct {
  progress_mode mode;
  double interval;  /* s between lines (PROGRESS_LINES) */
  double start;     /* s, when the first task started */
  double last_draw; /* s */
  int drawn;        /* a bar is on the screen (a newline is owed before other output) */
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

/* Columns of the terminal on stderr: the kernel's idea, then $COLUMNS, then 80. */
static int term_columns(void) {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  const char *c = getenv("COLUMNS");
  long n = c ? strtol(c, NULL, 10) : 0;
  return n > 0 && n < 10000 ? (int)n : 80;
}

/* A bar on stderr sized to the terminal, redrawn at most ten times a second;
 * or, when stderr is a log file, one line every `interval` seconds (and at
 * the end) so a batch job's log shows how far a long sweep is. */
static void draw(void *ctx, size_t done, size_t total, size_t skipped) {
  progress *p = ctx;
  if (p->mode == PROGRESS_NONE) return;
  double t = now();
  const double gap = p->mode == PROGRESS_BAR ? 0.1 : p->interval;
  if (done < total && t - p->last_draw < gap) return;
  p->last_draw = t;
  double rate = (double)(done - skipped) / (t - p->start + 1e-9);
  char eta[16], text[128];
  fmt_eta(eta, sizeof eta, rate > 0 ? (double)(total - done) / rate : -1);
  int tl = snprintf(text, sizeof text, "%zu/%zu runs  %.1f/s  ETA %s", done, total, rate, eta);
  if (p->mode == PROGRESS_LINES) {
    char el[16];
    fmt_eta(el, sizeof el, t - p->start);
    fprintf(stderr, "dilemma run: %s  elapsed %s\n", text, el);
    fflush(stderr);
    return;
  }
  /* "[" bar "] " text " ": the bar takes what the text leaves, 10..50. */
  int cols = term_columns(), width = cols - tl - 5;
  if (width > 50) width = 50;
  static const char hashes[] = "##################################################";
  if (width < 10) {
    fprintf(stderr, "\r%.*s", cols > 1 ? cols - 1 : 1, text);
  } else {
    int fill = total ? (int)((double)width * (double)done / (double)total) : width;
    fprintf(stderr, "\r[%.*s%*s] %s ", fill, hashes, width - fill, "", text);
  }
  p->drawn = done < total;
  if (done == total) fputc('\n', stderr);
  fflush(stderr);
}

int cli_cmd_run(int argc, char **argv) {
  static const struct option opts[] = {
    {"output", required_argument, 0, 'o'}, {"jobs", required_argument, 0, 'j'},
    {"runs", required_argument, 0, 'R'},   {"resume", no_argument, 0, 'r'},
    {"quiet", no_argument, 0, 'q'},        {"timing", no_argument, 0, 't'},
    {"no-plot", no_argument, 0, 'P'},      {"mpi", no_argument, 0, 'M'},
    {"force", no_argument, 0, 'F'},        {"progress", required_argument, 0, 'g'},
    {"progress-interval", required_argument, 0, 'I'},
    {"help", no_argument, 0, 'h'},         CLI_SET_OPTION, {0, 0, 0, 0}};
  const char *outdir = NULL, *progress_s = "auto";
  long long jobs = 0, runs = 0;
  double interval = 30;
  int resume = 0, force = 0, quiet = 0, timing = 0, plot = 1, mpi = 0, c;
  cli_sets sets = {.n = 0};
  /* The command line for metadata.json, taken before getopt reorders argv
   * (words with a space or a quote in single quotes; cut at 4 KiB). */
  char cmdline[4096];
  size_t used = (size_t)snprintf(cmdline, sizeof cmdline, "dilemma");
  for (int i = 0; i < argc && used < sizeof cmdline; i++)
    used += (size_t)snprintf(cmdline + used, sizeof cmdline - used,
                             strpbrk(argv[i], " \t'\"") ? " '%s'" : " %s", argv[i]);
  while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
    switch (c) {
    case CLI_OPT_SET:
      if (cli_sets_add("run", &sets, optarg) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'F': force = 1; break;
    case 'g':
      if (strcmp(optarg, "auto") && strcmp(optarg, "bar") && strcmp(optarg, "lines") && strcmp(optarg, "none"))
        return cli_usage_error("run", "--progress is auto, bar, lines or none, got '%s'", optarg);
      progress_s = optarg;
      break;
    case 'I':
      if ((interval = cli_parse_positive(optarg)) < 0 || interval > 86400)
        return cli_usage_error("run", "--progress-interval takes seconds in (0, 86400], got '%s'", optarg);
      break;
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
    default: return cli_option_error("run", argv, "o:j:qh", opts);
    }
  }
  if (optind != argc - 1) return cli_usage_error("run", "give exactly one scenario file");
  if (resume && force)
    return cli_usage_error("run", "--resume keeps the runs in the directory and --force replaces "
                                  "them; give one");
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
  sim_scenario *sc = cli_scenario_load(argv[optind], &sets);
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
  progress prog = {.mode = PROGRESS_NONE, .interval = interval, .start = now(), .last_draw = now()};
  if (!quiet && strcmp(progress_s, "none") != 0) {
    if (strcmp(progress_s, "bar") == 0) prog.mode = PROGRESS_BAR;
    else if (strcmp(progress_s, "lines") == 0) prog.mode = PROGRESS_LINES;
    else prog.mode = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_LINES;
  }
  sim_run_options opt = {.outdir = outdir ? outdir : sc->output,
                         .command_line = cmdline,
                         .threads = (int)jobs,
                         .runs = runs,
                         .resume = resume,
                         .force = force,
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
    /* A sweep in which the model fits nowhere is a result worth a loud
     * word, not "0 figures" and success. */
    if (st.rows > 0 && st.feasible == 0) {
      fprintf(stderr, "dilemma run: warning: none of the %zu rows has a feasible placement: the model "
              "fits on the servers at no sweep point and run (exit status 3)\n", st.rows);
      status = CLI_EINFEASIBLE;
    }
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
    if (prog.drawn) fputc('\n', stderr);
    cli_report(&err);
    /* 130 = 128 + SIGINT, as shells report an interrupted command. */
    status = rc == SIM_EINTERRUPT ? 130 : cli_exit_code(rc);
  }
  sim_scenario_free(sc);
  return status;
}
