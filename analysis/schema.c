/* schema.c: reading the runs.csv and summary.csv of earlier versions.
 *
 * Schema 3 (docs/experiments.md) renamed columns of schemas 1 and 2 (which
 * share their CSV files): it added experiment, version and model, named a
 * swept key's column with '_' for '.', gave every quantity a unit suffix,
 * wrote reals always as reals and moved the wall-clock columns to
 * timing.csv. An old file is rewritten here, in memory, into schema 3, so
 * `dilemma plot`, `--resume` and the summary read one schema. The renames
 * are a table; the Python reader (python/dilemma) holds the same table. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "sim/core/core.h"

enum { MAX_FIELDS = 128 };

/* Old metric names and their schema-3 names; NULL: the column is dropped
 * (wall-clock times, which schema 3 keeps in timing.csv). */
static const struct { const char *old, *now; } renames[] = {
  {"quant_ratio", "quant_ratio_pct"},
  {"lower_bound", "lower_bound_s"},
  {"gap", "gap_frac"},
  {"sim_rel_error", "sim_rel_error_frac"},
  {"rho", "rho_frac"},
  {"load_mape", "load_mape_pct"},
  {"util_max", "util_max_frac"},
  {"util_mean", "util_mean_frac"},
  {"one_server_fits_share", "one_server_fits_frac"},
  {"solve_s", NULL},
  {"replan_solve_s", NULL},
};

/* Metric columns of runs.csv written as integers (counts and 0/1 flags);
 * every other metric is a real. The same set as sim_column_is_count in
 * sim/run (tests/test_summary.c checks that they agree). */
static const char *const counts[] = {"servers_used", "one_server_fits", "nodes", "unstable",
                                     "unserved", "solves", "migrations", "layers_moved"};

int analysis_schema_is_count(const char *column) {
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    if (strcmp(counts[i], column) == 0) return 1;
  return 0;
}

int analysis_schema_version(const char *csv, size_t len) {
  if (len >= 11 && strncmp(csv, "experiment,", 11) == 0) return ANALYSIS_SCHEMA_VERSION;
  if (len >= 6 && strncmp(csv, "point,", 6) == 0) return 2;
  return 0;
}

/* The schema-3 name of an old metric (stat: its summary suffix, or NULL in
 * runs.csv) into buf; returns 0 when the column is dropped. */
static int metric_name(const char *old, int summary, char *buf, size_t len) {
  static const char *const stats[] = {"_mean", "_sd", "_ci95", "_median", "_min", "_max"};
  char base[256];
  const char *stat = "";
  snprintf(base, sizeof base, "%s", old);
  if (summary) {
    for (size_t s = 0; s < sizeof stats / sizeof stats[0]; s++) {
      const size_t n = strlen(base), k = strlen(stats[s]);
      if (n > k && strcmp(base + n - k, stats[s]) == 0 && strncmp(base, "paired_ratio", 12) != 0) {
        base[n - k] = '\0';
        stat = stats[s];
        break;
      }
    }
  }
  for (size_t i = 0; i < sizeof renames / sizeof renames[0]; i++)
    if (strcmp(renames[i].old, base) == 0) {
      if (renames[i].now == NULL) return 0;
      snprintf(buf, len, "%s%s", renames[i].now, stat);
      return 1;
    }
  snprintf(buf, len, "%s%s", base, stat);
  return 1;
}

/* What one old column becomes. */
typedef enum { COL_COPY, COL_DROP, COL_REAL, COL_SWEEP } col_kind;

/* A name for a CSV field: the project's CSV has no quoting. */
static void put_name(sim_buf *out, const char *s) {
  for (; *s; s++) {
    const char c = strchr(",\"\r\n", *s) ? '_' : *s;
    sim_buf_append(out, &c, 1);
  }
}

int analysis_schema_upgrade(const char *csv, size_t len, const sim_scenario *sc, const char *version,
                            char **out_text, size_t *out_len, sim_error *err) {
  *out_text = NULL;
  *out_len = 0;
  if (analysis_schema_version(csv, len) != 2)
    return sim_error_set(err, SIM_ESYNTAX, "not a runs.csv or summary.csv of schema 1 or 2 (its header "
                         "does not start with 'point,')");
  char *text = malloc(len + 1);
  if (text == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  memcpy(text, csv, len);
  text[len] = '\0';
  char *nl = strchr(text, '\n');
  if (nl != NULL) *nl = '\0';
  char *names[MAX_FIELDS];
  const size_t n = sim_csv_split(text, names, MAX_FIELDS);
  const long run = sim_csv_index(names, n, "run"), method = sim_csv_index(names, n, "method"),
             status = sim_csv_index(names, n, "status");
  const int summary = run < 0;
  /* Swept keys sit between point and run (runs.csv) or method (summary). */
  const long keys_end = summary ? method : run;
  if (method < 1 || keys_end < 1 || (!summary && status != method + 1)) {
    free(text);
    return sim_error_set(err, SIM_ESYNTAX, "header must start 'point,[keys,]run,seed,method,status' (runs.csv) "
                         "or 'point,[keys,]method' (summary.csv)");
  }
  col_kind kind[MAX_FIELDS];
  sim_buf out;
  sim_buf_init(&out);
  sim_buf_puts(&out, "experiment,version");
  for (size_t i = 0; i < n; i++) {
    char name[300];
    kind[i] = COL_COPY;
    if (i > 0 && (long)i < keys_end) {
      sim_scenario_sweep_column(names[i], name, sizeof name);
      kind[i] = sc != NULL && sc->n_sweep == (size_t)keys_end - 1 ? COL_SWEEP : COL_COPY;
    } else if ((long)i > (summary ? method : status) && strcmp(names[i], "placement") != 0 &&
               strncmp(names[i], "n_", 2) != 0) {
      if (!metric_name(names[i], summary, name, sizeof name)) {
        kind[i] = COL_DROP;
        continue;
      }
      kind[i] = summary || !analysis_schema_is_count(name) ? COL_REAL : COL_COPY;
    } else {
      snprintf(name, sizeof name, "%s", names[i]);
    }
    sim_buf_printf(&out, ",%s", name);
    if ((long)i == method) sim_buf_puts(&out, ",model");
  }
  sim_buf_puts(&out, "\n");

  int rc = SIM_OK;
  size_t line_no = 1;
  for (char *p = nl ? nl + 1 : text + len; rc == SIM_OK && *p;) {
    char *e = strchr(p, '\n');
    if (e == NULL) break; /* a torn last line: dropped, as resume would */
    *e = '\0';
    line_no++;
    char *f[MAX_FIELDS];
    if (sim_csv_split(p, f, MAX_FIELDS) != n) {
      rc = sim_error_set(err, SIM_ESYNTAX, "line %zu: not as many fields as the header", line_no);
      break;
    }
    const size_t point = (size_t)strtoull(f[0], NULL, 10);
    sim_scenario view;
    sim_error ignore;
    sim_error_clear(&ignore);
    const int have_view = sc != NULL && sim_scenario_point(sc, point, &view, &ignore) == SIM_OK;
    put_name(&out, sc != NULL ? sc->name : "");
    sim_buf_printf(&out, ",%s", version);
    for (size_t i = 0; i < n; i++) {
      if (kind[i] == COL_DROP) continue;
      sim_buf_puts(&out, ",");
      if (kind[i] == COL_SWEEP && have_view) {
        char v[128];
        sim_scenario_point_value(sc, point, i - 1, v, sizeof v);
        sim_buf_puts(&out, v);
      } else if (kind[i] == COL_REAL && *f[i] != '\0') {
        char *end;
        const double x = strtod(f[i], &end);
        if (*end == '\0') sim_buf_real(&out, x);
        else sim_buf_puts(&out, f[i]);
      } else {
        sim_buf_puts(&out, f[i]);
      }
      if ((long)i == method) {
        sim_buf_puts(&out, ",");
        if (have_view) put_name(&out, view.model.name);
      }
    }
    sim_buf_puts(&out, "\n");
    p = e + 1;
  }
  free(text);
  if (rc == SIM_OK && out.oom) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  if (rc != SIM_OK) {
    sim_buf_free(&out);
    return rc;
  }
  *out_text = out.data;
  *out_len = out.len;
  return SIM_OK;
}
