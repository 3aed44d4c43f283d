/* solve_table.c: how hard the exact solve was at each sweep point — how
 * many runs it proved optimal, how long it took (from timing.csv) and how
 * far from its bound it stopped (gap_frac in runs.csv). The table behind
 * the figure of solve time and gap against the number of models. */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

/* One run of the chosen method and model. */
typedef struct {
  long point, run;
  int status;     /* 0 optimal, 1 timeout, 2 anything else (feasible, infeasible, error) */
  double gap;     /* gap_frac; NaN when the row has none (a timeout without a placement) */
  double solve_s; /* wall-clock seconds from timing.csv; NaN until matched */
  char x[64];     /* the swept value as runs.csv writes it */
} solve_rec;

static int rec_cmp(const void *a, const void *b) {
  const solve_rec *x = a, *y = b;
  if (x->point != y->point) return x->point < y->point ? -1 : 1;
  return (x->run > y->run) - (x->run < y->run);
}

/* The fields of one CSV text, line by line: a copy split in place. */
typedef struct {
  char *text, *next; /* the copy; the start of the next unread line */
  char **f;          /* the fields of the current line */
  size_t cap, n;     /* room in f; fields in the current line */
} csv_reader;

static int reader_open(csv_reader *r, const char *csv) {
  memset(r, 0, sizeof *r);
  size_t fields = 1;
  for (const char *p = csv; *p && *p != '\n'; p++) fields += *p == ',';
  r->cap = fields + 1; /* one more, so a line with extra fields is seen as such */
  r->text = strdup(csv);
  r->f = malloc(r->cap * sizeof *r->f);
  r->next = r->text;
  return r->text && r->f ? 0 : -1;
}

/* Splits the next non-empty line; 0 at the end. */
static int reader_line(csv_reader *r) {
  while (r->next && *r->next) {
    char *line = r->next, *e = strchr(line, '\n');
    if (e) *e = '\0';
    r->next = e ? e + 1 : NULL;
    if (*line == '\0') continue;
    r->n = sim_csv_split(line, r->f, r->cap);
    return 1;
  }
  return 0;
}

static void reader_close(csv_reader *r) {
  free(r->text);
  free(r->f);
}

static long reader_index(const csv_reader *r, const char *name) { return sim_csv_index(r->f, r->n, name); }

static const char *field(const csv_reader *r, long i) { return i >= 0 && (size_t)i < r->n ? r->f[i] : ""; }

/* Appends a median and a maximum of v[0..n) (sorted in place), or two
 * empty fields when n is 0. */
static void put_stats(sim_buf *b, double *v, size_t n) {
  if (n == 0) {
    sim_buf_puts(b, ",,");
    return;
  }
  gsl_sort(v, 1, n);
  sim_buf_puts(b, ",");
  sim_buf_real(b, gsl_stats_median_from_sorted_data(v, 1, n));
  sim_buf_puts(b, ",");
  sim_buf_real(b, v[n - 1]);
}

int analysis_solve_table(const char *runs_csv, const char *timing_csv, const char *method, const char *model,
                         const char *xcol, char **out, sim_error *err) {
  *out = NULL;
  csv_reader r;
  solve_rec *recs = NULL;
  size_t n = 0, cap = 0;
  int rc = SIM_OK;
  if (reader_open(&r, runs_csv) != 0) {
    reader_close(&r);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  if (!reader_line(&r)) {
    reader_close(&r);
    return sim_error_set(err, SIM_ESYNTAX, "runs.csv: empty");
  }
  const long ip = reader_index(&r, "point"), irun = reader_index(&r, "run"), im = reader_index(&r, "method"),
             imodel = reader_index(&r, "model"), is = reader_index(&r, "status"),
             ig = reader_index(&r, "gap_frac"), ix = xcol ? reader_index(&r, xcol) : -1;
  const char *missing = ip < 0 ? "point" : irun < 0 ? "run" : im < 0 ? "method" : is < 0 ? "status"
                       : ig < 0 ? "gap_frac" : model && imodel < 0 ? "model" : xcol && ix < 0 ? xcol : NULL;
  if (missing != NULL) {
    reader_close(&r);
    return sim_error_set(err, SIM_ESYNTAX, "runs.csv: no %s column", missing);
  }
  while (rc == SIM_OK && reader_line(&r)) {
    if (strcmp(field(&r, im), method) != 0 || (model && strcmp(field(&r, imodel), model) != 0)) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      solve_rec *g = realloc(recs, cap * sizeof *g);
      if (g == NULL) {
        rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
        break;
      }
      recs = g;
    }
    solve_rec *x = &recs[n++];
    const char *s = field(&r, is), *gap = field(&r, ig);
    x->point = strtol(field(&r, ip), NULL, 10);
    x->run = strtol(field(&r, irun), NULL, 10);
    x->status = strcmp(s, "optimal") == 0 ? 0 : strcmp(s, "timeout") == 0 ? 1 : 2;
    x->gap = *gap ? strtod(gap, NULL) : NAN;
    x->solve_s = NAN;
    snprintf(x->x, sizeof x->x, "%s", field(&r, ix));
  }
  reader_close(&r);
  if (rc == SIM_OK) qsort(recs, n, sizeof *recs, rec_cmp);
  /* Solve times: timing.csv rows are in the order runs finished, so each
   * is looked up by (point, run). */
  if (rc == SIM_OK && timing_csv != NULL) {
    if (reader_open(&r, timing_csv) != 0) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
    else if (reader_line(&r)) {
      const long tp = reader_index(&r, "point"), tr = reader_index(&r, "run"), tm = reader_index(&r, "method"),
                 tmodel = reader_index(&r, "model"), tsec = reader_index(&r, "solve_s");
      const char *lack = tp < 0 ? "point" : tr < 0 ? "run" : tm < 0 ? "method" : tsec < 0 ? "solve_s"
                         : model && tmodel < 0 ? "model" : NULL;
      if (lack != NULL) rc = sim_error_set(err, SIM_ESYNTAX, "timing.csv: no %s column", lack);
      while (rc == SIM_OK && reader_line(&r)) {
        if (strcmp(field(&r, tm), method) != 0 || (model && strcmp(field(&r, tmodel), model) != 0)) continue;
        const solve_rec key = {.point = strtol(field(&r, tp), NULL, 10), .run = strtol(field(&r, tr), NULL, 10)};
        solve_rec *x = bsearch(&key, recs, n, sizeof *recs, rec_cmp);
        const char *sec = field(&r, tsec);
        if (x != NULL && *sec) x->solve_s = strtod(sec, NULL);
      }
    }
    reader_close(&r);
  }
  sim_buf b;
  sim_buf_init(&b);
  double *times = malloc((n ? n : 1) * sizeof *times), *gaps = malloc((n ? n : 1) * sizeof *gaps);
  if (rc == SIM_OK && (times == NULL || gaps == NULL)) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  if (rc == SIM_OK) {
    sim_buf_printf(&b, "point%s%s,runs,optimal,timeout,other,no_placement,solve_s_median,solve_s_max,"
                       "gap_frac_median,gap_frac_max\n",
                   xcol ? "," : "", xcol ? xcol : "");
    for (size_t i = 0; i < n;) {
      size_t j = i, counts[3] = {0, 0, 0}, no_placement = 0, nt = 0, ng = 0;
      for (; j < n && recs[j].point == recs[i].point; j++) {
        counts[recs[j].status]++;
        if (!isnan(recs[j].solve_s)) times[nt++] = recs[j].solve_s;
        if (!isnan(recs[j].gap)) gaps[ng++] = recs[j].gap;
        else no_placement += recs[j].status == 1;
      }
      sim_buf_printf(&b, "%ld", recs[i].point);
      if (xcol) sim_buf_printf(&b, ",%s", recs[i].x);
      sim_buf_printf(&b, ",%zu,%zu,%zu,%zu,%zu", j - i, counts[0], counts[1], counts[2], no_placement);
      put_stats(&b, times, nt);
      put_stats(&b, gaps, ng);
      sim_buf_puts(&b, "\n");
      i = j;
    }
    if (b.oom) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  free(times);
  free(gaps);
  free(recs);
  if (rc == SIM_OK) {
    *out = b.data;
    return SIM_OK;
  }
  sim_buf_free(&b);
  return rc;
}
