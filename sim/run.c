/* run.c: the Monte Carlo orchestrator: output directory, resume, worker
 * threads, and the final sorted runs.csv and summary.csv. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "sim/run-internal.h"

/* --- small file helpers ----------------------------------------------------- */

/* mkdir -p. */
static int make_dirs(const char *path, sim_error *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return sim_error_set(err, SIM_EINPUT, "output path too long: %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return sim_error_set(err, SIM_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return sim_error_set(err, SIM_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
  return SIM_OK;
}

/* Reads a whole file; returns NULL (and *len = 0) if it does not exist. */
static char *read_file(const char *path, size_t *len, sim_error *err) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    if (errno != ENOENT) sim_error_set(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  sim_buf b;
  sim_buf_init(&b);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sim_buf_append(&b, chunk, n);
  int bad = ferror(f) || b.oom;
  fclose(f);
  if (bad) {
    sim_buf_free(&b);
    sim_error_set(err, SIM_EIO, "%s: read error", path);
    return NULL;
  }
  if (b.data == NULL) sim_buf_puts(&b, "");
  *len = b.len;
  return b.data;
}

/* Writes text to path atomically: a temporary file, then rename, so a
 * reader never sees half a file. */
static int write_atomic(const char *path, const char *text, size_t len, sim_error *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", tmp, strerror(errno));
  size_t w = fwrite(text, 1, len, f);
  int bad = w != len || fflush(f) != 0;
  if (fclose(f) != 0) bad = 1;
  if (bad || rename(tmp, path) != 0) {
    remove(tmp);
    return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", path, strerror(errno));
  }
  return SIM_OK;
}

/* --- the experiment ---------------------------------------------------------- */

typedef struct {
  const sim__run_ctx *ctx;
  const sim_run_options *opt;
  pthread_mutex_t lock;
  FILE *out;             /* runs.csv, appended to */
  size_t next;           /* next task index to hand out */
  size_t total;          /* tasks */
  unsigned char *done;   /* per task: 1 if already complete (resume) */
  size_t skipped, finished;
  int failed;            /* a worker hit a fatal error */
  sim_error err;         /* its message */
} pool;

/* Task t covers run t / points at point t % points: every point gets its
 * first runs early, so an interrupted sweep is already useful. */
static void *worker(void *arg) {
  pool *p = arg;
  sim_buf rows;
  sim_buf_init(&rows);
  for (;;) {
    pthread_mutex_lock(&p->lock);
    int stop = p->failed || (p->opt->stop && *p->opt->stop);
    while (!stop && p->next < p->total && p->done[p->next]) p->next++;
    if (stop || p->next >= p->total) {
      pthread_mutex_unlock(&p->lock);
      break;
    }
    size_t t = p->next++;
    pthread_mutex_unlock(&p->lock);

    size_t point = t % p->ctx->n_points;
    uint64_t run = t / p->ctx->n_points;
    sim_error e;
    sim_error_clear(&e);
    sim_buf_clear(&rows);
    int rc = sim__run_task(p->ctx, point, run, &rows, &e);

    pthread_mutex_lock(&p->lock);
    if (rc != SIM_OK) {
      if (!p->failed) p->err = e;
      p->failed = 1;
    } else {
      /* One write per task: a task's rows land together or not at all
       * (a torn final line is dropped on resume). */
      if (fwrite(rows.data, 1, rows.len, p->out) != rows.len || fflush(p->out) != 0) {
        if (!p->failed) sim_error_set(&p->err, SIM_EIO, "runs.csv: write failed: %s", strerror(errno));
        p->failed = 1;
      } else {
        p->done[t] = 1;
        p->finished++;
        if (p->opt->progress)
          p->opt->progress(p->opt->progress_ctx, p->skipped + p->finished, p->total, p->skipped);
      }
    }
    pthread_mutex_unlock(&p->lock);
  }
  sim_buf_free(&rows);
  return NULL;
}

/* Sort key of a runs.csv line: (point, run, method index). */
typedef struct {
  const char *line;
  size_t len;
  size_t point;
  unsigned long long run;
  int method;
} row_ref;

static int row_cmp(const void *a, const void *b) {
  const row_ref *x = a, *y = b;
  if (x->point != y->point) return x->point < y->point ? -1 : 1;
  if (x->run != y->run) return x->run < y->run ? -1 : 1;
  return (x->method > y->method) - (x->method < y->method);
}

/* Field k of a line (0-based), its length in *n. */
static const char *field(const char *line, size_t len, size_t k, size_t *n) {
  const char *p = line, *end = line + len;
  for (size_t i = 0; i < k; i++) {
    const char *c = memchr(p, ',', (size_t)(end - p));
    if (c == NULL) return NULL;
    p = c + 1;
  }
  const char *c = memchr(p, ',', (size_t)(end - p));
  *n = c ? (size_t)(c - p) : (size_t)(end - p);
  return p;
}

/* Parses the rows of runs.csv text after its header. Lines that do not
 * parse or lack their newline (a torn write) are dropped. */
static row_ref *parse_rows(const sim__run_ctx *ctx, const char *text, size_t len, size_t *n_rows,
                           size_t n_runs) {
  size_t cap = 1024, n = 0;
  row_ref *rows = malloc(cap * sizeof *rows);
  if (rows == NULL) return NULL;
  const char *p = memchr(text, '\n', len);
  p = p ? p + 1 : text + len; /* skip the header */
  const char *end = text + len;
  const size_t ks = ctx->sc->n_sweep;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) break; /* torn final line */
    row_ref r = {p, (size_t)(nl - p), 0, 0, -1};
    size_t fl;
    const char *f0 = field(p, r.len, 0, &fl), *fr, *fm;
    size_t rl, ml;
    if (f0 && (fr = field(p, r.len, 1 + ks, &rl)) && (fm = field(p, r.len, 3 + ks, &ml))) {
      char tmp[32];
      snprintf(tmp, sizeof tmp, "%.*s", (int)(fl < 31 ? fl : 31), f0);
      r.point = (size_t)strtoull(tmp, NULL, 10);
      snprintf(tmp, sizeof tmp, "%.*s", (int)(rl < 31 ? rl : 31), fr);
      r.run = strtoull(tmp, NULL, 10);
      r.method = sim__run_method_index(ctx, fm, ml);
      if (r.method >= 0 && r.point < ctx->n_points && r.run < n_runs) {
        if (n == cap) {
          row_ref *g = realloc(rows, 2 * cap * sizeof *rows);
          if (g == NULL) { free(rows); return NULL; }
          rows = g;
          cap *= 2;
        }
        rows[n++] = r;
      }
    }
    p = nl + 1;
  }
  *n_rows = n;
  return rows;
}

/* Keeps the complete tasks of an earlier, interrupted run: marks them done
 * and rewrites runs.csv with only their rows. */
static int resume_rows(const sim__run_ctx *ctx, const char *path, const char *header, pool *p,
                       size_t n_runs, int *existed, sim_error *err) {
  size_t len;
  size_t before = err->count;
  *existed = 0;
  char *text = read_file(path, &len, err);
  if (text == NULL) return err->count > before ? err->code : SIM_OK; /* missing: nothing to resume */
  *existed = 1;
  if (len < strlen(header) || strncmp(text, header, strlen(header)) != 0) {
    free(text);
    return sim_error_set(err, SIM_EINPUT,
                         "%s: its columns differ from this scenario's; resume needs the same scenario "
                         "(or choose another output directory)", path);
  }
  size_t n;
  row_ref *rows = parse_rows(ctx, text, len, &n, n_runs);
  if (rows == NULL) { free(text); return sim_error_set(err, SIM_ENOMEM, "out of memory"); }
  qsort(rows, n, sizeof *rows, row_cmp);
  sim_buf keep;
  sim_buf_init(&keep);
  sim_buf_puts(&keep, header);
  /* A task counts when all its methods are present exactly once. */
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && rows[j].point == rows[i].point && rows[j].run == rows[i].run) j++;
    int complete = j - i == ctx->n_methods;
    for (size_t k = i; complete && k < j; k++) complete = rows[k].method == (int)(k - i);
    if (complete) {
      p->done[rows[i].run * ctx->n_points + rows[i].point] = 1;
      p->skipped++;
      for (size_t k = i; k < j; k++) {
        sim_buf_append(&keep, rows[k].line, rows[k].len);
        sim_buf_puts(&keep, "\n");
      }
    }
    i = j;
  }
  free(rows);
  free(text);
  int rc = keep.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : write_atomic(path, keep.data, keep.len, err);
  sim_buf_free(&keep);
  return rc;
}

/* Sorts runs.csv by (point, run, method): the file is the same whatever
 * order the threads finished in. */
static int sort_rows(const sim__run_ctx *ctx, const char *path, size_t n_runs, sim_error *err) {
  size_t len;
  char *text = read_file(path, &len, err);
  if (text == NULL) return sim_error_set(err, SIM_EIO, "%s: vanished during the run", path);
  size_t n;
  row_ref *rows = parse_rows(ctx, text, len, &n, n_runs);
  if (rows == NULL) { free(text); return sim_error_set(err, SIM_ENOMEM, "out of memory"); }
  qsort(rows, n, sizeof *rows, row_cmp);
  sim_buf b;
  sim_buf_init(&b);
  const char *nl = memchr(text, '\n', len);
  sim_buf_append(&b, text, nl ? (size_t)(nl - text) + 1 : len);
  for (size_t i = 0; i < n; i++) {
    sim_buf_append(&b, rows[i].line, rows[i].len);
    sim_buf_puts(&b, "\n");
  }
  int rc = b.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : write_atomic(path, b.data, b.len, err);
  sim_buf_free(&b);
  free(rows);
  free(text);
  return rc;
}

/* The resolved scenario, with a header naming the version; under resume an
 * existing file must say the same, or the rows would mix two experiments. */
static int write_resolved(const sim_scenario *sc, const char *path, int resume, sim_error *err) {
  FILE *f = tmpfile();
  if (f == NULL) return sim_error_set(err, SIM_EIO, "cannot create a temporary file: %s", strerror(errno));
  char header[512];
  snprintf(header, sizeof header,
           "scenario.resolved.yaml: written by dilemma %s from %s\n"
           "Every default is explicit; `dilemma run` on this file repeats the experiment.",
           PACKAGE_VERSION, sc->path ? sc->path : "(string)");
  int rc = sim_scenario_write(sc, f, header, err);
  long n = ftell(f);
  char *text = NULL;
  if (rc == SIM_OK && n >= 0 && (text = malloc((size_t)n + 1)) != NULL) {
    rewind(f);
    if (fread(text, 1, (size_t)n, f) != (size_t)n) rc = sim_error_set(err, SIM_EIO, "temporary file read failed");
    text[n] = '\0';
  } else if (rc == SIM_OK) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  fclose(f);
  if (rc == SIM_OK && resume) {
    size_t olen;
    sim_error ignore;
    sim_error_clear(&ignore);
    char *old = read_file(path, &olen, &ignore);
    /* Compare the YAML after the two header lines (the source path may differ). */
    const char *a = old, *b = text;
    for (int k = 0; a && k < 2; k++) a = strchr(a, '\n') ? strchr(a, '\n') + 1 : NULL;
    for (int k = 0; k < 2; k++) b = strchr(b, '\n') ? strchr(b, '\n') + 1 : b;
    if (old != NULL && (a == NULL || strcmp(a, b) != 0))
      rc = sim_error_set(err, SIM_EINPUT,
                         "%s: the scenario differs from the one this directory was run with; "
                         "--resume needs the same scenario (or choose another output directory)", path);
    free(old);
  }
  if (rc == SIM_OK) rc = write_atomic(path, text, strlen(text), err);
  free(text);
  return rc;
}

static void ctx_free(sim__run_ctx *ctx) {
  if (ctx->models)
    for (size_t i = 0; i < ctx->n_points; i++) sim_model_free(ctx->models[i]);
  free(ctx->models);
  free(ctx->views);
  sim_errtable_free(ctx->table);
}

/* Builds the per-point views and models, and checks before any output that
 * an instance can be built at every point (an error table that does not fit
 * the model is an input error, not a column of failed rows). */
static int ctx_init(sim__run_ctx *ctx, const sim_scenario *sc, const sim_run_options *opt,
                    sim_error *err) {
  memset(ctx, 0, sizeof *ctx);
  ctx->sc = sc;
  ctx->timing = opt->timing;
  ctx->load = sc->sim.load;
  ctx->n_points = sim_scenario_points(sc);
  ctx->methods[ctx->n_methods++] = sc->solver.method;
  for (int m = 0; m < SIM_METHOD_COUNT; m++)
    if ((sc->solver.baselines & (1u << m)) && (sim_method)m != sc->solver.method)
      ctx->methods[ctx->n_methods++] = (sim_method)m;
  ctx->views = calloc(ctx->n_points, sizeof *ctx->views);
  ctx->models = calloc(ctx->n_points, sizeof *ctx->models);
  if (!ctx->views || !ctx->models) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  if (sc->quant.error == SIM_ERRSRC_TABLE) {
    ctx->table = sim_errtable_load(sc->quant.error_table, err);
    if (ctx->table == NULL) return err->code == SIM_EIO ? SIM_EINPUT : err->code;
  }
  for (size_t i = 0; i < ctx->n_points; i++) {
    int rc = sim_scenario_point(sc, i, &ctx->views[i], err);
    if (rc != SIM_OK) return rc;
    ctx->models[i] = sim_scenario_model_alloc(&ctx->views[i], err);
    if (ctx->models[i] == NULL) return err->code;
    if (ctx->table != NULL && ctx->table->n_layers != ctx->models[i]->n_layers)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: the error table has %zu layers but %s at %s granularity has %zu",
                           sc->quant.error_table, ctx->table->n_layers, ctx->models[i]->name,
                           sim_granularity_name(ctx->models[i]->granularity), ctx->models[i]->n_layers);
  }
  return SIM_OK;
}

int sim_run(const sim_scenario *base, const sim_run_options *opt, sim_run_stats *stats,
            sim_error *err) {
  memset(stats, 0, sizeof *stats);
  sim_scenario sc = *base; /* a view: only `runs` may change */
  if (opt->runs > 0) sc.runs = opt->runs;
  sim__run_ctx ctx;
  int rc = ctx_init(&ctx, &sc, opt, err);
  if (rc != SIM_OK) { ctx_free(&ctx); return rc; }

  char path[4200];
  pool p;
  memset(&p, 0, sizeof p);
  p.ctx = &ctx;
  p.opt = opt;
  p.total = ctx.n_points * (size_t)sc.runs;
  stats->tasks = p.total;
  p.done = calloc(p.total ? p.total : 1, 1);
  sim_buf header;
  sim_buf_init(&header);
  sim__run_header(&ctx, &header);
  if (p.done == NULL || header.oom) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");

  if (rc == SIM_OK) rc = make_dirs(opt->outdir, err);
  if (rc == SIM_OK) {
    snprintf(path, sizeof path, "%s/scenario.resolved.yaml", opt->outdir);
    rc = write_resolved(&sc, path, opt->resume, err);
  }
  snprintf(path, sizeof path, "%s/runs.csv", opt->outdir);
  int existed = 0;
  if (rc == SIM_OK && opt->resume) rc = resume_rows(&ctx, path, header.data, &p, (size_t)sc.runs, &existed, err);
  if (rc == SIM_OK) {
    /* Without resume, start afresh; the summary of an old run is removed
     * so it can never be mistaken for this one's. */
    p.out = fopen(path, existed ? "ab" : "wb");
    if (p.out == NULL) rc = sim_error_set(err, SIM_EIO, "%s: cannot write: %s", path, strerror(errno));
    else if (!existed && (fputs(header.data, p.out) < 0 || fflush(p.out) != 0))
      rc = sim_error_set(err, SIM_EIO, "%s: write failed", path);
    char sum[4200];
    snprintf(sum, sizeof sum, "%s/summary.csv", opt->outdir);
    remove(sum);
  }
  stats->skipped = p.skipped;

  if (rc == SIM_OK) {
    pthread_mutex_init(&p.lock, NULL);
    size_t todo = p.total - p.skipped;
    int nt = opt->threads < 1 ? 1 : opt->threads;
    if ((size_t)nt > todo) nt = todo > 0 ? (int)todo : 1;
    pthread_t tid[256];
    if (nt > 256) nt = 256;
    int started = 0;
    for (int i = 0; i < nt; i++)
      if (pthread_create(&tid[i], NULL, worker, &p) == 0) started++;
    if (started == 0) worker(&p); /* no threads available: work inline */
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&p.lock);
    stats->done = p.finished;
    if (p.failed) {
      sim_error_set(err, p.err.code ? p.err.code : SIM_EINTERNAL, "%s", p.err.msg);
      rc = p.err.code ? p.err.code : SIM_EINTERNAL;
    } else if (p.skipped + p.finished < p.total) {
      stats->interrupted = 1;
      rc = sim_error_set(err, SIM_EINTERRUPT, "interrupted after %zu of %zu tasks; rerun with --resume",
                         p.skipped + p.finished, p.total);
    }
  }
  if (p.out != NULL && fclose(p.out) != 0 && rc == SIM_OK)
    rc = sim_error_set(err, SIM_EIO, "%s: write failed", path);

  if (rc == SIM_OK) rc = sort_rows(&ctx, path, (size_t)sc.runs, err);
  if (rc == SIM_OK) {
    size_t len;
    char *text = read_file(path, &len, err), *summary = NULL;
    if (text == NULL) rc = sim_error_set(err, SIM_EIO, "%s: cannot read back", path);
    else rc = sim_summary_compute(text, len, &summary, err);
    if (rc == SIM_OK) {
      stats->rows = p.total * ctx.n_methods;
      snprintf(path, sizeof path, "%s/summary.csv", opt->outdir);
      rc = write_atomic(path, summary, strlen(summary), err);
    }
    free(summary);
    free(text);
  }
  sim_buf_free(&header);
  free(p.done);
  ctx_free(&ctx);
  return rc;
}
