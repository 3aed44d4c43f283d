/* cli.h: the dilemma command line. Each subcommand is a function taking its
 * own argv (argv[0] is the subcommand name) and returning an exit status. */
#ifndef DILEMMA_CLI_H
#define DILEMMA_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "sim/core/core.h"

/* Exit statuses, documented in dilemma(1) and README. */
enum {
  CLI_OK = 0,        /* success */
  CLI_ERUNTIME = 1,  /* a runtime failure: I/O, out of memory, solver error */
  CLI_EUSAGE = 2,    /* bad usage or bad input (options, scenario, files) */
  CLI_EINFEASIBLE = 3/* the placement problem has no feasible solution */
};

/* Exit status for a library status code; input errors are EUSAGE. */
int cli_exit_code(int sim_code);

/* Prints every message of err to stderr. Messages that already name a file
 * position are printed as they are, others get a "dilemma: " prefix. */
void cli_report(const sim_error *err);

/* Prints "dilemma CMD: message" to stderr and returns CLI_EUSAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long values of long options without a short one that several
 * commands share (above the range of characters). */
enum { CLI_OPT_SET = 0x200 };

/* `--set KEY=VALUE`, repeatable, on every command that reads a scenario. */
#define CLI_SET_OPTION {"set", required_argument, 0, CLI_OPT_SET}
#define CLI_SETS_MAX 64
typedef struct cli_sets {
  const char *v[CLI_SETS_MAX]; /* borrowed from argv */
  size_t n;
} cli_sets;

/* Adds one --set value; prints a usage error and returns CLI_EUSAGE when
 * there are too many. The value itself is checked when the scenario loads. */
int cli_sets_add(const char *cmd, cli_sets *s, const char *arg);

/* Loads a scenario for a command with the --set overrides (sets may be
 * NULL); on failure prints why and returns NULL, and the command exits with
 * CLI_EUSAGE (a scenario that cannot be read or validated is an input
 * error). */
struct sim_scenario *cli_scenario_load(const char *path, const cli_sets *sets);

/* Reports the option getopt_long just refused ('?' or ':' with opterr = 0):
 * an unknown option with the nearest known one ("did you mean"), or an
 * option missing its value. Returns CLI_EUSAGE. */
int cli_option_error(const char *cmd, char **argv, const char *shorts, const struct option *opts);

/* Which run of a scenario a command works on: `--point P --run K`. */
typedef struct cli_target {
  long long point; /* sweep point (row-major over the swept keys), default 0 */
  long long run;   /* run index, default 0 */
} cli_target;

/* The getopt_long entries of --point and --run; their short options are
 * "p:" and "r:". */
#define CLI_TARGET_OPTIONS \
  {"point", required_argument, 0, 'p'}, {"run", required_argument, 0, 'r'}

/* Takes option `opt` ('p' or 'r') of command `cmd` with value `arg` into
 * t->point or t->run. Returns CLI_OK, or prints a usage error and returns
 * CLI_EUSAGE when the value is not a non-negative integer. */
int cli_target_option(const char *cmd, int opt, const char *arg, cli_target *t);

/* Parses a non-negative integer option value; returns -1 if malformed. */
long long cli_parse_count(const char *s);
/* Parses a finite number > 0 (an option value); returns -1 if malformed,
 * out of range, not positive or not finite. */
double cli_parse_positive(const char *s);

int cli_cmd_simulate(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_models(int argc, char **argv);
int cli_cmd_profile(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);
int cli_cmd_plot(int argc, char **argv);

int cli_cmd_topology(int argc, char **argv);
int cli_cmd_solve(int argc, char **argv);
int cli_cmd_devices(int argc, char **argv);
int cli_cmd_calibrate(int argc, char **argv);
int cli_cmd_validate(int argc, char **argv);

/* `dilemma solve` on a scenario with models: (cmd_solve_multi.c). method
 * may be NULL (the exact method); form < 0 and time_limit <= 0 take the
 * scenario's. Returns the exit status. */
int cli__solve_multi(const struct sim_scenario *sc, const cli_target *target, const char *method,
                     int plain, int form, double time_limit, int json, const char *lp_path,
                     const char *mps_path, const char *inst_path);

#endif
