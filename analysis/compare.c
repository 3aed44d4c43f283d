/* compare.c: one figure over several experiments (`dilemma plot DIR...`):
 * a summary metric (mean with its 95 % CI) against a swept column, one line
 * per (experiment, method), each legend entry naming both. Experiments are
 * read through their summary.csv (an older one through its runs.csv, read
 * in schema 3). Means over different numbers of runs are never shown side
 * by side without saying so: the caption gives each experiment's runs per
 * point when they differ, and each legend entry its own count. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/internal.h"

enum { MAX_FIELDS = 1024, MAX_SERIES = 64 };

/* One experiment directory, read. */
typedef struct {
  const char *dir;
  sim_scenario *sc;
  char *summary;          /* summary.csv text, schema 3 */
  char *names[MAX_FIELDS];/* its header, split in `head` */
  char *head;
  size_t n;
  long runs_lo, runs_hi;  /* runs per point over its rows (n_ok + ... + n_error) */
} experiment;

/* One line of the figure. */
typedef struct {
  size_t exp;
  char method[32];
  sim_buf rows;           /* "x mean ci95" lines, in point order */
  size_t n_rows;
  long runs_lo, runs_hi;  /* runs per point of its rows */
} series;

static void experiment_free(experiment *e) {
  sim_scenario_free(e->sc);
  free(e->summary);
  free(e->head);
}

/* Reads DIR/scenario.resolved.yaml and DIR/summary.csv (or, for a
 * directory of schema 1 or 2, its runs.csv in schema 3 and the summary
 * recomputed from it) and splits the summary's header. */
static int experiment_read(experiment *e, const char *dir, sim_error *err) {
  char path[4400];
  memset(e, 0, sizeof *e);
  e->dir = dir;
  e->runs_lo = e->runs_hi = -1;
  snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
  e->sc = sim_scenario_load(path, err);
  if (e->sc == NULL) return SIM_EINPUT;
  size_t len;
  const size_t before = err->count;
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  e->summary = sim_file_read(path, &len, err);
  if (e->summary == NULL)
    return err->count > before && err->code != SIM_EINPUT
               ? err->code
               : sim_error_set(err, SIM_EINPUT, "%s: no summary.csv here; run `dilemma run` first", dir);
  int rc = analysis__csv_check(path, e->summary, err);
  if (rc == SIM_OK && analysis_schema_version(e->summary, len) != ANALYSIS_SCHEMA_VERSION) {
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    char *runs = sim_file_read(path, &len, err), *now = NULL, version[64];
    rc = runs ? analysis__csv_check(path, runs, err) : SIM_EINPUT;
    analysis__dir_version(dir, version, sizeof version);
    if (rc == SIM_OK) rc = analysis_schema_upgrade(runs, len, e->sc, version, &now, &len, err);
    free(runs);
    free(e->summary);
    e->summary = NULL;
    if (rc == SIM_OK) rc = analysis_summary_compute(now, len, &e->summary, err);
    free(now);
    if (rc != SIM_OK) return rc;
  }
  if (rc != SIM_OK) return rc;
  const char *nl = strchr(e->summary, '\n');
  e->head = strndup(e->summary, (size_t)(nl - e->summary));
  if (e->head == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  e->n = sim_csv_split(e->head, e->names, MAX_FIELDS);
  return SIM_OK;
}

/* The column `name` of experiment e, or an error naming its file. */
static long column(const experiment *e, const char *name, const char *what, sim_error *err) {
  const long c = sim_csv_index(e->names, e->n, name);
  if (c < 0) sim_error_set(err, SIM_EINPUT, "%s/summary.csv: no column %s (%s)", e->dir, name, what);
  return c;
}

/* Appends the methods of e's summary, in their order, to list (space
 * separated) when not already there. */
static void methods_of(const experiment *e, long cm, sim_buf *list) {
  const char *p = strchr(e->summary, '\n');
  for (p = p ? p + 1 : NULL; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t fl;
    const char *f = sim_csv_field(p, (size_t)(nl ? nl - p : (long)strlen(p)), (size_t)cm, &fl);
    if (f) {
      char m[64];
      snprintf(m, sizeof m, " %.*s ", (int)(fl < 60 ? fl : 60), f);
      char padded[4200];
      snprintf(padded, sizeof padded, " %s ", list->data ? list->data : "");
      if (strstr(padded, m) == NULL) sim_buf_printf(list, "%s%.*s", list->len ? " " : "", (int)fl, f);
    }
    p = nl ? nl + 1 : NULL;
  }
}

/* The rows of one series: e's summary rows of `method`, x from column cx,
 * the metric's mean and CI; fails on an x that is not a number or one x
 * twice (a second swept key the figure cannot tell apart). */
static int series_fill(const experiment *e, series *s, long cx, long cmean, long cci, long cm, const long cn[4],
                       sim_error *err) {
  char *text = strdup(e->summary);
  if (text == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  char *p = strchr(text, '\n') + 1, *f[MAX_FIELDS];
  double seen[4096];
  size_t n_seen = 0;
  int rc = SIM_OK;
  s->runs_lo = -1;
  s->runs_hi = -1;
  while (rc == SIM_OK && *p) {
    char *nl = strchr(p, '\n');
    *nl = '\0';
    if (sim_csv_split(p, f, MAX_FIELDS) == e->n && strcmp(f[cm], s->method) == 0) {
      char *end;
      const double x = strtod(f[cx], &end);
      if (*f[cx] == '\0' || *end != '\0') {
        rc = sim_error_set(err, SIM_EINPUT, "%s/summary.csv: column %s holds '%s', not a number; compare "
                           "draws numeric x axes (choose another with --x)", e->dir, e->names[cx], f[cx]);
        break;
      }
      for (size_t k = 0; k < n_seen; k++)
        if (seen[k] == x) {
          rc = sim_error_set(err, SIM_EINPUT, "%s/summary.csv: %s = %s appears on several rows of method %s "
                             "(the experiment sweeps a second key); draw it alone with `dilemma plot %s`",
                             e->dir, e->names[cx], f[cx], s->method, e->dir);
          break;
        }
      if (rc != SIM_OK) break;
      if (n_seen < sizeof seen / sizeof seen[0]) seen[n_seen++] = x;
      long runs = 0;
      for (int k = 0; k < 4; k++) runs += strtol(f[cn[k]], NULL, 10);
      if (s->runs_lo < 0 || runs < s->runs_lo) s->runs_lo = runs;
      if (runs > s->runs_hi) s->runs_hi = runs;
      if (*f[cmean] != '\0') {
        sim_buf_printf(&s->rows, "%s %s %s\n", f[cx], f[cmean], *f[cci] ? f[cci] : "0");
        s->n_rows++;
      }
    }
    p = nl + 1;
  }
  free(text);
  return rc;
}

/* "12" or "4-12": a range of runs per point. */
static void runs_text(long lo, long hi, char *out, size_t len) {
  if (lo == hi) snprintf(out, len, "%ld", lo);
  else snprintf(out, len, "%ld-%ld", lo, hi);
}

int analysis_compare(const char *const *dirs, size_t n_dirs, const analysis_compare_options *o,
                     sim_error *err) {
  experiment *e = calloc(n_dirs ? n_dirs : 1, sizeof *e);
  series *s = calloc(MAX_SERIES, sizeof *s);
  size_t n_series = 0, n_read = 0;
  sim_buf methods, vars, titles, dat, caption;
  sim_buf_init(&methods);
  sim_buf_init(&vars);
  sim_buf_init(&titles);
  sim_buf_init(&dat);
  sim_buf_init(&caption);
  const char *metric = o->metric ? o->metric : "objective_s";
  char xcol[256] = "point", mean[300], ci[300];
  int rc = e && s ? SIM_OK : sim_error_set(err, SIM_ENOMEM, "out of memory");
  /* The files go next to o->out: a directory that is not there is named
   * before the experiments are read. */
  if (rc == SIM_OK && o->out != NULL) rc = sim_file_dir_check(o->out, err);
  for (size_t i = 0; rc == SIM_OK && i < n_dirs; i++) {
    rc = experiment_read(&e[i], dirs[i], err);
    n_read = i + 1;
  }
  if (rc == SIM_OK) {
    if (o->x) snprintf(xcol, sizeof xcol, "%s", o->x);
    else if (e[0].sc->n_sweep > 0) sim_scenario_sweep_column(e[0].sc->sweep[0].key, xcol, sizeof xcol);
    snprintf(mean, sizeof mean, "%s_mean", metric);
    snprintf(ci, sizeof ci, "%s_ci95", metric);
  }
  /* The lines: every (experiment, method) asked for that has rows. */
  for (size_t i = 0; rc == SIM_OK && i < n_dirs; i++) {
    long cx = column(&e[i], xcol, "the x axis: give --x with a column every experiment has", err), cm = -1,
         cmean = -1, cci = -1, cn[4] = {-1, -1, -1, -1};
    static const char *const counts[4] = {"n_ok", "n_infeasible", "n_timeout", "n_error"};
    if (cx >= 0) cm = column(&e[i], "method", "a summary.csv of dilemma's", err);
    if (cm >= 0) cmean = column(&e[i], mean, "the metric: --metric names a numeric column of runs.csv", err);
    if (cmean >= 0) cci = column(&e[i], ci, "the metric's CI", err);
    for (int k = 0; k < 4 && cci >= 0; k++) cn[k] = column(&e[i], counts[k], "the run counts", err);
    if (cn[3] < 0) {
      rc = SIM_EINPUT;
      break;
    }
    sim_buf_clear(&methods);
    if (o->methods) sim_buf_puts(&methods, o->methods);
    else methods_of(&e[i], cm, &methods);
    for (char *tok = methods.data, *save = NULL; rc == SIM_OK && (tok = strtok_r(tok, " ,", &save)) != NULL;
         tok = NULL) {
      if (n_series == MAX_SERIES) {
        rc = sim_error_set(err, SIM_EINPUT, "more than %d lines; choose fewer methods (--methods)", MAX_SERIES);
        break;
      }
      series *sr = &s[n_series];
      sr->exp = i;
      snprintf(sr->method, sizeof sr->method, "%s", tok);
      sim_buf_init(&sr->rows);
      rc = series_fill(&e[i], sr, cx, cmean, cci, cm, cn, err);
      if (rc == SIM_OK && sr->n_rows == 0) {
        sim_buf_free(&sr->rows);
        continue; /* the method is not in this experiment, or never solved */
      }
      n_series++;
      if (e[i].runs_lo < 0 || sr->runs_lo < e[i].runs_lo) e[i].runs_lo = sr->runs_lo;
      if (sr->runs_hi > e[i].runs_hi) e[i].runs_hi = sr->runs_hi;
    }
  }
  if (rc == SIM_OK && n_series == 0)
    rc = sim_error_set(err, SIM_EINPUT, "nothing to draw: no experiment has a value of %s for %s", metric,
                       o->methods ? o->methods : "any method");
  /* Runs per point: one number for the whole figure, or each experiment's. */
  long lo = -1, hi = -1;
  for (size_t k = 0; rc == SIM_OK && k < n_series; k++) {
    if (lo < 0 || s[k].runs_lo < lo) lo = s[k].runs_lo;
    if (s[k].runs_hi > hi) hi = s[k].runs_hi;
  }
  const int same = lo == hi;
  if (rc == SIM_OK) {
    if (same) {
      sim_buf_printf(&caption, "%ld runs per point; bars: 95 %% CI", lo);
    } else {
      sim_buf_puts(&caption, "runs per point differ:");
      for (size_t i = 0; i < n_dirs; i++) {
        char r[48];
        if (e[i].runs_lo < 0) continue;
        runs_text(e[i].runs_lo, e[i].runs_hi, r, sizeof r);
        sim_buf_printf(&caption, "%s %s %s", i ? "," : "", e[i].sc->name, r);
      }
      sim_buf_puts(&caption, " (means over different runs); bars: 95 % CI");
    }
    sim_buf_printf(&dat, "# %s: %s_mean %s_ci95, one block per line:", xcol, metric, metric);
    for (size_t k = 0; k < n_series; k++) {
      const experiment *x = &e[s[k].exp];
      char legend[256], r[48];
      analysis_summary_legend(x->summary, s[k].method, NULL, legend, sizeof legend, err);
      runs_text(s[k].runs_lo, s[k].runs_hi, r, sizeof r);
      sim_buf_printf(&titles, "%s\"%s: %s%s%s%s%s\"", k ? " " : "", x->sc->name, analysis_method_label(s[k].method),
                     legend + strlen(s[k].method), same ? "" : " [", same ? "" : r, same ? "" : " runs per point]");
      sim_buf_printf(&dat, " %s/%s", x->sc->name, s[k].method);
    }
    sim_buf_puts(&dat, "\n");
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t k = 0; k < n_series; k++) {
      if (k) sim_buf_puts(&dat, "\n\n");
      sim_buf_append(&dat, s[k].rows.data, s[k].rows.len);
      for (const char *p = s[k].rows.data; p && *p;) {
        char *end;
        const double xv = strtod(p, &end), yv = strtod(end, NULL);
        xlo = fmin(xlo, xv);
        xhi = fmax(xhi, xv);
        ylo = fmin(ylo, yv);
        yhi = fmax(yhi, yv);
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
      }
    }
    char path[4400];
    snprintf(path, sizeof path, "%s.dat", o->out);
    rc = dat.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : sim_file_write_atomic(path, dat.data, dat.len, err);
    sim_buf title;
    sim_buf_init(&title);
    for (size_t i = 0; i < n_dirs; i++) sim_buf_printf(&title, "%s%s", i ? " vs " : "", e[i].sc->name);
    analysis__gp_string(&vars, "data", path);
    analysis__gp_string(&vars, "out", o->out);
    analysis__gp_string(&vars, "titles", titles.data ? titles.data : "");
    analysis__gp_string(&vars, "title", title.data ? title.data : "");
    analysis__gp_string(&vars, "caption", caption.data ? caption.data : "");
    analysis__gp_string(&vars, "xlabel", xcol);
    analysis__gp_string(&vars, "ylabel", metric);
    sim_buf_printf(&vars, "n=%zu; logx=%d; logy=%d; ", n_series, xlo > 0 && xhi / xlo > ANALYSIS_LOGY_SPAN,
                   ylo > 0 && yhi / ylo > ANALYSIS_LOGY_SPAN);
    sim_buf_free(&title);
    snprintf(path, sizeof path, "%s/compare.gp", analysis__scripts_dir());
    if (rc == SIM_OK) rc = vars.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : analysis__gnuplot(vars.data, path, err);
    if (rc == SIM_OK && !o->quiet)
      fprintf(stderr, "dilemma plot: %zu line%s in %s.png and %s.svg (%s)\n", n_series, n_series == 1 ? "" : "s",
              o->out, o->out, caption.data);
  }
  for (size_t k = 0; k < n_series; k++) sim_buf_free(&s[k].rows);
  for (size_t i = 0; i < n_read; i++) experiment_free(&e[i]);
  free(e);
  free(s);
  sim_buf_free(&methods);
  sim_buf_free(&vars);
  sim_buf_free(&titles);
  sim_buf_free(&dat);
  sim_buf_free(&caption);
  return rc;
}
