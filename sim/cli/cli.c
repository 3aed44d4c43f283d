/* cli.c: helpers shared by the subcommands. */
#include "sim/cli/cli.h"

#include "sim/scenario/scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_code(int sim_code) {
  switch (sim_code) {
  case SIM_OK: return CLI_OK;
  case SIM_EINPUT:
  case SIM_ESYNTAX: return CLI_EUSAGE;
  case SIM_EINFEASIBLE: return CLI_EINFEASIBLE;
  default: return CLI_ERUNTIME;
  }
}

void cli_report(const sim_error *err) {
  const char *p = err->msg;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    /* "file:line:col: error: ..." and "file: ..." already say where. */
    int positioned = memchr(p, ':', n) != NULL && strstr(p, ": ") != NULL;
    fprintf(stderr, "%s%.*s\n", positioned ? "" : "dilemma: ", (int)n, p);
    p += n + (nl ? 1 : 0);
  }
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "dilemma %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'dilemma %s --help'.\n", cmd);
  return CLI_EUSAGE;
}

long long cli_parse_count(const char *s) {
  if (s == NULL || *s == '\0') return -1;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end != '\0' || errno == ERANGE || v < 0) return -1;
  return v;
}

int cli_target_option(const char *cmd, int opt, const char *arg, cli_target *t) {
  const char *name = opt == 'p' ? "--point" : "--run";
  const long long v = cli_parse_count(arg);
  if (v < 0) return cli_usage_error(cmd, "%s takes a non-negative integer, got '%s'", name, arg);
  if (opt == 'p') t->point = v;
  else t->run = v;
  return CLI_OK;
}

double cli_parse_positive(const char *s) {
  if (s == NULL || *s == '\0') return -1;
  errno = 0;
  char *end;
  const double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !(v > 0) || !isfinite(v)) return -1;
  return v;
}

struct sim_scenario *cli_scenario_load(const char *path) {
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load(path, &err);
  if (sc == NULL) cli_report(&err);
  return sc;
}
