/* run_outputs.c: the experiment files besides runs.csv and summary.csv:
 * placements.csv (every placement in long form, derived from the sorted
 * runs.csv so it is as deterministic as that file) and metadata.json (what
 * produced the directory: versions, revision, command line, host, times;
 * it varies from run to run, so it is kept out of the CSV files). */
#define _POSIX_C_SOURCE 200809L

#include <gsl/gsl_version.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <yaml.h>

#include "config.h"
#include "sim/core/core.h"
#include "sim/run/internal.h"
#include "solver/solver.h"

int sim__run_write_placements(const sim__run_ctx *ctx, const char *dir, const char *runs,
                              size_t len, sim_error *err) {
  (void)ctx;
  const long cp = sim__run_column(runs, len, "point"), cr = sim__run_column(runs, len, "run"),
             cm = sim__run_column(runs, len, "method"), co = sim__run_column(runs, len, "model");
  sim_buf out;
  sim_buf_init(&out);
  sim_buf_puts(&out, "point,run,method,model,layer,server,bits\n");
  const char *p = memchr(runs, '\n', len), *end = runs + len;
  for (p = p ? p + 1 : end; p < end && cp >= 0 && cr >= 0 && cm >= 0 && co >= 0;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
    /* The placement is the last field: "server:bits[*count]" runs. */
    const char *last = p + ll;
    while (last > p && last[-1] != ',') last--;
    size_t pl, rl, ml, ol;
    const char *f0 = sim_csv_field(p, ll, (size_t)cp, &pl), *fr = sim_csv_field(p, ll, (size_t)cr, &rl),
               *fm = sim_csv_field(p, ll, (size_t)cm, &ml), *fo = sim_csv_field(p, ll, (size_t)co, &ol);
    if (f0 && fr && fm && fo) {
      size_t layer = 0;
      const char *q = last, *qe = p + ll;
      while (q < qe) {
        char tok[64];
        const char *sp = memchr(q, ' ', (size_t)(qe - q));
        const size_t tl = sp ? (size_t)(sp - q) : (size_t)(qe - q);
        snprintf(tok, sizeof tok, "%.*s", (int)(tl < 63 ? tl : 63), q);
        long server = -1, bits = -1, count = 1;
        char *e1, *e2;
        server = strtol(tok, &e1, 10);
        if (*e1 == ':') {
          bits = strtol(e1 + 1, &e2, 10);
          if (*e2 == '*') count = strtol(e2 + 1, NULL, 10);
        }
        for (long k = 0; k < count && bits >= 0; k++, layer++)
          sim_buf_printf(&out, "%.*s,%.*s,%.*s,%.*s,%zu,%ld,%ld\n", (int)pl, f0, (int)rl, fr, (int)ml, fm,
                         (int)ol, fo, layer, server, bits);
        q += tl + (sp ? 1 : 0);
      }
    }
    p = nl ? nl + 1 : end;
  }
  char path[4200];
  snprintf(path, sizeof path, "%s/placements.csv", dir);
  int rc = out.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory")
                   : sim_file_write_atomic(path, out.data, out.len, err);
  sim_buf_free(&out);
  return rc;
}

static void iso_utc(time_t t, char *buf, size_t len) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sim__run_write_metadata(const sim__run_state *st, const char *state, sim_error *err) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  sim_json j;
  sim_json_init(&j, f, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "schema"); sim_json_int(&j, SIM_RUNS_SCHEMA_VERSION);
  sim_json_key(&j, "experiment"); sim_json_string(&j, st->sc.name);
  /* Which CSV column holds each swept key (docs/experiments.md). */
  sim_json_key(&j, "sweep");
  sim_json_array_begin(&j, 0);
  for (size_t d = 0; d < st->sc.n_sweep; d++) {
    char col[256];
    sim_scenario_sweep_column(st->sc.sweep[d].key, col, sizeof col);
    sim_json_object_begin(&j, 1);
    sim_json_key(&j, "key"); sim_json_string(&j, st->sc.sweep[d].key);
    sim_json_key(&j, "column"); sim_json_string(&j, col);
    sim_json_object_end(&j);
  }
  sim_json_array_end(&j);
  sim_json_key(&j, "dilemma_version"); sim_json_string(&j, PACKAGE_VERSION);
  sim_json_key(&j, "git_revision"); sim_json_string(&j, DILEMMA_GIT_REVISION);
  sim_json_key(&j, "command_line");
  if (st->opt->command_line) sim_json_string(&j, st->opt->command_line);
  else sim_json_null(&j);
  sim_json_key(&j, "scenario"); sim_json_string(&j, st->sc.path ? st->sc.path : "(string)");
  sim_json_key(&j, "state"); sim_json_string(&j, state);
  char t[32];
  iso_utc(st->started, t, sizeof t);
  sim_json_key(&j, "start_utc"); sim_json_string(&j, t);
  sim_json_key(&j, "end_utc");
  if (strcmp(state, "running") == 0) {
    sim_json_null(&j);
  } else {
    iso_utc(time(NULL), t, sizeof t);
    sim_json_string(&j, t);
  }
  sim_json_key(&j, "threads"); sim_json_int(&j, st->opt->threads);
  sim_json_key(&j, "host");
  struct utsname u;
  sim_json_object_begin(&j, 0);
  if (uname(&u) == 0) {
    sim_json_key(&j, "name"); sim_json_string(&j, u.nodename);
    sim_json_key(&j, "system"); sim_json_string(&j, u.sysname);
    sim_json_key(&j, "release"); sim_json_string(&j, u.release);
    sim_json_key(&j, "machine"); sim_json_string(&j, u.machine);
  }
  sim_json_object_end(&j);
  sim_json_key(&j, "dependencies");
  sim_json_object_begin(&j, 0);
  char lp[32];
  solver_lpsolve_version(lp, sizeof lp);
  sim_json_key(&j, "lp_solve"); sim_json_string(&j, lp);
  sim_json_key(&j, "gsl"); sim_json_string(&j, gsl_version);
  sim_json_key(&j, "libyaml"); sim_json_string(&j, yaml_get_version_string());
  sim_json_key(&j, "jansson"); sim_json_string(&j, JANSSON_VERSION);
  sim_json_key(&j, "compiler"); sim_json_string(&j,
#ifdef __VERSION__
                                               __VERSION__
#else
                                               "unknown"
#endif
  );
  sim_json_object_end(&j);
  sim_json_object_end(&j);
  sim_json_finish(&j);
  if (fclose(f) != 0) {
    free(text);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  char path[4200];
  snprintf(path, sizeof path, "%s/metadata.json", st->opt->outdir);
  int rc = sim_file_write_atomic(path, text, len, err);
  free(text);
  return rc;
}
