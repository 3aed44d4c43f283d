/* summary.c: summary.csv from runs.csv: per (point, method) counts by
 * status and the mean, standard deviation, 95 % confidence half-width
 * (Student t with n - 1 degrees of freedom), median, min and max of every
 * numeric column, over the rows whose status is optimal or feasible.
 * Statistics come from GSL.
 *
 * Three additions follow the per-column statistics. Paired ratios: the
 * first method of the file is the main (exact) one, and each row of
 * another method whose run the main method also solved gives the ratio of
 * its objective to the main method's on the same topology; the mean, 95 %
 * CI, min and max of those ratios and their count (n_paired) compare a
 * baseline with the optimum on equal terms, where means over each method's
 * own solved runs would not. The premise: with a one_server_fits column,
 * its share over every run of the group (whatever the status). Stability:
 * with an unstable column (the load experiment), rows flagged 1 leave the
 * columns after it (the queueing metrics) out of the statistics, and
 * n_unstable counts them. */
#define _POSIX_C_SOURCE 200809L

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sim/core/core.h"
#include "analysis/analysis.h"

enum { MAX_COLS = 128, MAX_MODELS = 64 };

typedef struct {
  char *names[MAX_COLS]; /* header fields (pointers into a copy of the header) */
  size_t n;
  size_t experiment, point, run, method, model, status, first_metric, end_metric; /* column indices */
  size_t n_keys;         /* swept-key columns, between point and run */
  long fits, unstable, objective; /* optional columns, -1 when absent */
} layout;

/* The main method's objective on one model of the current run. */
typedef struct {
  const char *model;
  double obj;
} main_entry;

/* The values of one metric column in one group. */
typedef struct {
  double *v;
  size_t n, cap;
} series;

typedef struct {
  size_t point;
  char *experiment;
  char *labels;      /* the point's swept values, "v1,v2" */
  char *method;
  char *model;
  size_t counts[4];  /* ok, infeasible, timeout, error */
  series *values;    /* one per metric column */
  series ratios;     /* objective / the main method's objective, paired by run */
  size_t n_fits, n_fits_known; /* runs where one server holds the model; runs with the column */
  size_t n_unstable; /* rows with unstable = 1 */
} group;

/* Appends x to s, doubling its capacity when full. Each group grows with
 * its own rows: sizing every group for all the rows of the file would ask
 * for groups x rows x metrics values. */
static int series_push(series *s, double x) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    double *v = realloc(s->v, cap * sizeof *v);
    if (v == NULL) return -1;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = x;
  return 0;
}

static void stats_append(sim_buf *out, double *v, size_t n) {
  if (n == 0) {
    sim_buf_puts(out, ",,,,,,");
    return;
  }
  gsl_sort(v, 1, n);
  double mean = gsl_stats_mean(v, 1, n);
  double sd = n > 1 ? gsl_stats_sd_m(v, 1, n, mean) : NAN;
  double ci = n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sd / sqrt((double)n) : NAN;
  double med = gsl_stats_median_from_sorted_data(v, 1, n);
  double stats[6] = {mean, sd, ci, med, v[0], v[n - 1]};
  for (int i = 0; i < 6; i++) {
    sim_buf_puts(out, ",");
    sim_buf_real(out, stats[i]);
  }
}

/* mean, ci95, min, max of the paired ratios, after n_paired. */
static void ratios_append(sim_buf *out, series *r) {
  sim_buf_printf(out, ",%zu", r->n);
  if (r->n == 0) {
    sim_buf_puts(out, ",,,,");
    return;
  }
  gsl_sort(r->v, 1, r->n);
  const double mean = gsl_stats_mean(r->v, 1, r->n);
  const double ci = r->n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(r->n - 1)) * gsl_stats_sd_m(r->v, 1, r->n, mean) /
                                   sqrt((double)r->n)
                             : NAN;
  const double stats[4] = {mean, ci, r->v[0], r->v[r->n - 1]};
  for (int i = 0; i < 4; i++) {
    sim_buf_puts(out, ",");
    sim_buf_real(out, stats[i]);
  }
}

int analysis_summary_compute(const char *runs_csv, size_t len, char **summary_csv, sim_error *err) {
  *summary_csv = NULL;
  char *text = NULL;
  if (analysis_schema_version(runs_csv, len) == 2) {
    /* A runs.csv of schema 1 or 2: read in schema 3, without the scenario
     * (experiment and model empty). */
    size_t n;
    int rc = analysis_schema_upgrade(runs_csv, len, NULL, "unknown", &text, &n, err);
    if (rc != SIM_OK) return rc;
    len = n;
  } else {
    text = malloc(len + 1);
    if (text == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
    memcpy(text, runs_csv, len);
    text[len] = '\0';
  }

  layout l;
  memset(&l, 0, sizeof l);
  char *nl = strchr(text, '\n');
  if (nl == NULL) {
    free(text);
    return sim_error_set(err, SIM_ESYNTAX, "runs.csv: no header line");
  }
  *nl = '\0';
  l.n = sim_csv_split(text, l.names, MAX_COLS);
  long ex = sim_csv_index(l.names, l.n, "experiment"), pt = sim_csv_index(l.names, l.n, "point"),
       rn = sim_csv_index(l.names, l.n, "run"), me = sim_csv_index(l.names, l.n, "method"),
       mo = sim_csv_index(l.names, l.n, "model"), st = sim_csv_index(l.names, l.n, "status"),
       pl = sim_csv_index(l.names, l.n, "placement");
  if (ex != 0 || pt != 2 || rn <= pt || me < 0 || mo != me + 1 || st != mo + 1 || (pl >= 0 && pl <= st)) {
    /* The message quotes the header line alone, from the NUL-terminated
     * copy: runs_csv is (pointer, length) and need not end in a NUL. The
     * split left a NUL where each comma was; they are put back. */
    for (size_t i = 1; i < l.n; i++) l.names[i][-1] = ',';
    int rc = sim_error_set(err, SIM_ESYNTAX,
                           "runs.csv: header must start 'experiment,version,point,[keys,]run,seed,method,model,"
                           "status' (got '%s')", text);
    free(text);
    return rc;
  }
  l.experiment = (size_t)ex;
  l.point = (size_t)pt;
  l.run = (size_t)rn;
  l.n_keys = (size_t)(rn - pt - 1);
  l.method = (size_t)me;
  l.model = (size_t)mo;
  l.status = (size_t)st;
  l.first_metric = (size_t)st + 1;
  l.end_metric = pl >= 0 ? (size_t)pl : l.n;
  const size_t n_metrics = l.end_metric - l.first_metric;
  l.fits = sim_csv_index(l.names, l.n, "one_server_fits");
  l.unstable = sim_csv_index(l.names, l.n, "unstable");
  l.objective = sim_csv_index(l.names, l.n, "objective_s");
  /* The main method's objective on the current (point, run), per model:
   * rows are sorted by point, run, method and model with the main method
   * first in each run. */
  char *main_method = NULL;
  size_t main_point = (size_t)-1;
  unsigned long long main_run = 0;
  main_entry main_obj[MAX_MODELS];
  size_t n_main = 0;

  /* Count rows to size the group table: at most one group per row. */
  size_t n_rows = 0;
  for (char *p = nl + 1; *p; p++) n_rows += *p == '\n';
  group *g = calloc(n_rows ? n_rows : 1, sizeof *g);
  size_t n_groups = 0;
  int rc = g ? SIM_OK : sim_error_set(err, SIM_ENOMEM, "out of memory");
  size_t line_no = 1;
  for (char *p = nl + 1; rc == SIM_OK && *p;) {
    char *e = strchr(p, '\n');
    if (e == NULL) break;
    *e = '\0';
    line_no++;
    char *f[MAX_COLS];
    size_t nf = sim_csv_split(p, f, MAX_COLS);
    if (nf != l.n) {
      rc = sim_error_set(err, SIM_ESYNTAX, "runs.csv:%zu: %zu fields, the header has %zu", line_no, nf, l.n);
      break;
    }
    size_t point = (size_t)strtoull(f[l.point], NULL, 10);
    /* Groups are (point, method, model) in order of first appearance. */
    group *gr = NULL;
    for (size_t i = n_groups; i-- > 0;)
      if (g[i].point == point && strcmp(g[i].method, f[l.method]) == 0 && strcmp(g[i].model, f[l.model]) == 0) {
        gr = &g[i];
        break;
      }
    if (gr == NULL) {
      gr = &g[n_groups++];
      gr->point = point;
      gr->experiment = f[l.experiment];
      gr->method = f[l.method];
      gr->model = f[l.model];
      sim_buf lb;
      sim_buf_init(&lb);
      for (size_t k = 0; k < l.n_keys; k++) sim_buf_printf(&lb, ",%s", f[l.point + 1 + k]);
      gr->labels = lb.data ? lb.data : calloc(1, 1);
      gr->values = calloc(n_metrics ? n_metrics : 1, sizeof *gr->values);
      if (!gr->labels || !gr->values) { rc = sim_error_set(err, SIM_ENOMEM, "out of memory"); break; }
    }
    const char *s = f[l.status];
    int ok = strcmp(s, "optimal") == 0 || strcmp(s, "feasible") == 0;
    gr->counts[ok ? 0 : strcmp(s, "infeasible") == 0 ? 1 : strcmp(s, "timeout") == 0 ? 2 : 3]++;
    if (l.fits >= 0 && *f[l.fits] != '\0') {
      gr->n_fits_known++;
      gr->n_fits += strtod(f[l.fits], NULL) != 0.0;
    }
    const int unstable = l.unstable >= 0 && strtod(f[l.unstable], NULL) != 0.0;
    gr->n_unstable += unstable;
    const double obj = ok && l.objective >= 0 && *f[l.objective] ? strtod(f[l.objective], NULL) : NAN;
    const unsigned long long run = strtoull(f[l.run], NULL, 10);
    if (main_method == NULL) main_method = f[l.method];
    if (strcmp(f[l.method], main_method) == 0) {
      if (main_point != point || main_run != run) n_main = 0;
      main_point = point;
      main_run = run;
      if (n_main < MAX_MODELS) main_obj[n_main++] = (main_entry){f[l.model], obj};
    }
    double mobj = NAN;
    for (size_t k = 0; main_point == point && main_run == run && k < n_main; k++)
      if (strcmp(main_obj[k].model, f[l.model]) == 0) mobj = main_obj[k].obj;
    if (!isnan(obj) && !isnan(mobj) && mobj > 0 && series_push(&gr->ratios, obj / mobj) != 0) {
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
      break;
    }
    if (ok) {
      for (size_t m = 0; m < n_metrics; m++) {
        if (unstable && (long)(l.first_metric + m) > l.unstable) continue;
        const char *v = f[l.first_metric + m];
        if (*v == '\0') continue;
        char *end;
        double x = strtod(v, &end);
        if (*end != '\0') {
          rc = sim_error_set(err, SIM_ESYNTAX, "runs.csv:%zu: column %s: '%s' is not a number", line_no,
                             l.names[l.first_metric + m], v);
          break;
        }
        if (series_push(&gr->values[m], x) != 0) {
          rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
          break;
        }
      }
    }
    p = e + 1;
  }

  sim_buf out;
  sim_buf_init(&out);
  if (rc == SIM_OK) {
    sim_buf_puts(&out, "experiment,version,point");
    for (size_t k = 0; k < l.n_keys; k++) sim_buf_printf(&out, ",%s", l.names[l.point + 1 + k]);
    sim_buf_puts(&out, ",method,model,n_ok,n_infeasible,n_timeout,n_error");
    static const char *const suffix[] = {"mean", "sd", "ci95", "median", "min", "max"};
    for (size_t m = 0; m < n_metrics; m++)
      for (int s = 0; s < 6; s++) sim_buf_printf(&out, ",%s_%s", l.names[l.first_metric + m], suffix[s]);
    sim_buf_puts(&out, ",n_paired,paired_ratio_mean,paired_ratio_ci95,paired_ratio_min,paired_ratio_max");
    if (l.fits >= 0) sim_buf_puts(&out, ",one_server_fits_frac");
    if (l.unstable >= 0) sim_buf_puts(&out, ",n_unstable");
    sim_buf_puts(&out, "\n");
    for (size_t i = 0; i < n_groups; i++) {
      /* The version is the one that wrote this summary. */
      sim_buf_printf(&out, "%s,%s,%zu%s,%s,%s,%zu,%zu,%zu,%zu", g[i].experiment, PACKAGE_VERSION, g[i].point,
                     g[i].labels, g[i].method, g[i].model, g[i].counts[0], g[i].counts[1], g[i].counts[2],
                     g[i].counts[3]);
      for (size_t m = 0; m < n_metrics; m++) stats_append(&out, g[i].values[m].v, g[i].values[m].n);
      ratios_append(&out, &g[i].ratios);
      if (l.fits >= 0) {
        sim_buf_puts(&out, ",");
        sim_buf_real(&out, g[i].n_fits_known ? (double)g[i].n_fits / (double)g[i].n_fits_known : NAN);
      }
      if (l.unstable >= 0) sim_buf_printf(&out, ",%zu", g[i].n_unstable);
      sim_buf_puts(&out, "\n");
    }
    if (out.oom) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n_groups; i++) {
    free(g[i].labels);
    if (g[i].values != NULL)
      for (size_t m = 0; m < n_metrics; m++) free(g[i].values[m].v);
    free(g[i].values);
    free(g[i].ratios.v);
  }
  free(g);
  free(text);
  if (rc != SIM_OK) {
    sim_buf_free(&out);
    return rc;
  }
  *summary_csv = out.data;
  return SIM_OK;
}

int analysis_summary_legend(const char *summary_csv, const char *method, const char *model,
                            char *out, size_t size, sim_error *err) {
  static const char *const count_names[4] = {"n_ok", "n_infeasible", "n_timeout", "n_error"};
  static const char *const why[4] = {"", "infeasible", "timeout", "error"};
  snprintf(out, size, "%s", method);
  char *text = strdup(summary_csv);
  if (text == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  layout l;
  memset(&l, 0, sizeof l);
  char *p = strchr(text, '\n');
  if (p != NULL) *p++ = '\0';
  l.n = sim_csv_split(text, l.names, MAX_COLS);
  long col[4], me = sim_csv_index(l.names, l.n, "method"), mo = sim_csv_index(l.names, l.n, "model");
  int good = p != NULL && me >= 0;
  for (int k = 0; k < 4; k++) good = good && (col[k] = sim_csv_index(l.names, l.n, count_names[k])) >= 0;
  if (!good) {
    free(text);
    return sim_error_set(err, SIM_ESYNTAX, "summary.csv: header lacks method or n_ok..n_error");
  }
  /* Sums over every point of the method's rows (of one model when asked:
   * with several models a method has a row per model and the aggregate). */
  unsigned long long n[4] = {0, 0, 0, 0};
  char *f[MAX_COLS];
  while (*p) {
    char *e = strchr(p, '\n');
    if (e != NULL) *e = '\0';
    const size_t nf = sim_csv_split(p, f, MAX_COLS);
    if (nf == l.n && strcmp(f[me], method) == 0 && (model == NULL || (mo >= 0 && strcmp(f[mo], model) == 0)))
      for (int k = 0; k < 4; k++) n[k] += strtoull(f[col[k]], NULL, 10);
    if (e == NULL) break;
    p = e + 1;
  }
  free(text);
  const unsigned long long all = n[0] + n[1] + n[2] + n[3];
  if (n[0] == all) return SIM_OK;
  int w = n[0] == 0 ? snprintf(out, size, "%s (no run of %llu solved", method, all)
                    : snprintf(out, size, "%s (mean of %llu of %llu runs", method, n[0], all);
  const char *sep = "; ";
  for (int k = 1; k < 4; k++)
    if (n[k] > 0 && w >= 0 && (size_t)w < size) {
      w += snprintf(out + w, size - (size_t)w, "%s%llu %s", sep, n[k], why[k]);
      sep = ", ";
    }
  if (w >= 0 && (size_t)w < size) snprintf(out + w, size - (size_t)w, ")");
  return SIM_OK;
}
