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

int cli_sets_add(const char *cmd, cli_sets *s, const char *arg) {
  if (s->n == CLI_SETS_MAX) return cli_usage_error(cmd, "at most %d --set options", CLI_SETS_MAX);
  s->v[s->n++] = arg;
  return CLI_OK;
}

/* Words people type for an option that has another name here. */
static const struct { const char *typed, *meant; } synonyms[] = {
  {"threads", "jobs"}, {"nthreads", "jobs"}, {"cores", "jobs"}, {"workers", "jobs"},
  {"parallel", "jobs"}, {"out", "output"}, {"outdir", "output"}, {"dir", "output"},
  {"continue", "resume"}, {"overwrite", "force"}, {"silent", "quiet"}, {"n-runs", "runs"},
};

static int has_long(const struct option *opts, const char *name) {
  for (const struct option *o = opts; o->name; o++)
    if (strcmp(o->name, name) == 0) return 1;
  return 0;
}

int cli_option_error(const char *cmd, char **argv, const char *shorts, const struct option *opts) {
  const char *arg = argv[optind - 1] ? argv[optind - 1] : "";
  if (*shorts == ':') shorts++;
  /* A known option without its value: getopt sets optopt to its value. */
  if (optopt != 0) {
    for (const struct option *o = opts; o->name; o++)
      if (o->val == optopt && strncmp(arg, "--", 2) == 0) {
        if (o->has_arg == no_argument)
          return cli_usage_error(cmd, "option '--%s' takes no value", o->name);
        return cli_usage_error(cmd, "option '--%s' needs a value", o->name);
      }
    if (optopt < 0x100 && strchr(shorts, optopt) != NULL)
      return cli_usage_error(cmd, "option '-%c' needs a value", optopt);
    if (optopt < 0x100) {
      /* A short option this command spells only long (one meaning per
       * letter across commands): name the long one. */
      for (const struct option *o = opts; o->name; o++)
        if (o->val == optopt)
          return cli_usage_error(cmd, "unknown option '-%c'; did you mean '--%s'?", optopt, o->name);
      return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    }
  }
  char name[64];
  const char *dash = strncmp(arg, "--", 2) == 0 ? arg + 2 : arg + (*arg == '-');
  snprintf(name, sizeof name, "%.*s", (int)strcspn(dash, "="), dash);
  for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
    if (strcmp(name, synonyms[i].typed) == 0 && has_long(opts, synonyms[i].meant))
      return cli_usage_error(cmd, "unknown option '%s'; did you mean '--%s'?", arg, synonyms[i].meant);
  const char *names[128];
  size_t n = 0;
  for (const struct option *o = opts; o->name && n < 128; o++) names[n++] = o->name;
  const char *near = sim_suggest(name, names, n);
  /* A prefix of two long options is ambiguous rather than unknown. */
  size_t prefixed = 0;
  for (size_t i = 0; i < n; i++) prefixed += *name && strncmp(names[i], name, strlen(name)) == 0;
  if (prefixed > 1) return cli_usage_error(cmd, "option '%s' is ambiguous", arg);
  if (near) return cli_usage_error(cmd, "unknown option '%s'; did you mean '--%s'?", arg, near);
  return cli_usage_error(cmd, "unknown option '%s'", arg);
}

struct sim_scenario *cli_scenario_load(const char *path, const cli_sets *sets) {
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load_set(path, sets ? sets->v : NULL, sets ? sets->n : 0, &err);
  if (sc == NULL) cli_report(&err);
  return sc;
}
