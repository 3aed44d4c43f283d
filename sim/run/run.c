/* run.c: the state of a Monte Carlo experiment and its local executor: a
 * dispenser of tasks, worker threads, and the end (sorted runs.csv, atomic
 * summary.csv). run_mpi.c distributes the same tasks over MPI ranks. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/core.h"
#include "sim/run/internal.h"

/* Counts the points and methods, and checks before any output that every
 * point can be assembled (a missing or unreadable error table, or one that
 * does not fit the model, is an input error, not a column of failed rows). */
static int ctx_init(sim__run_ctx *ctx, const sim_scenario *sc, const sim_run_options *opt,
                    sim_error *err) {
  memset(ctx, 0, sizeof *ctx);
  ctx->sc = sc;
  ctx->load = sc->sim.load;
  ctx->dynamic = sc->sim.dyn.enabled;
  ctx->outdir = opt->outdir != NULL ? opt->outdir : sc->output;
  ctx->energy = sc->servers.n_devices > 0;
  ctx->serving = sc->sim.load && sc->sim.batching == SIM_BATCHING_CONTINUOUS;
  ctx->n_points = sim_scenario_points(sc);
  if (sc->n_models > 0) return sim__run_ctx_multi(ctx, err);
  ctx->n_methods = sim_scenario_methods(sc, ctx->methods);
  for (size_t i = 0; i < ctx->n_points; i++) {
    sim_case *c = sim_case_alloc(sc, i, 0, err);
    if (c == NULL) return err->code == SIM_EIO ? SIM_EINPUT : err->code;
    sim_case_free(c);
  }
  return SIM_OK;
}

/* Appends len bytes to the descriptor as one unit: on failure the file is
 * truncated back to its length before the call, so it never ends in a torn
 * row, and -1 is returned with errno set. */
static int write_rows(int fd, const char *rows, size_t len) {
  const off_t before = lseek(fd, 0, SEEK_END);
  if (before < 0) return -1;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, rows + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = w < 0 ? errno : EIO;
      if (ftruncate(fd, before) != 0) { /* the torn row is dropped on resume */ }
      errno = e;
      return -1;
    }
    done += (size_t)w;
  }
  return 0;
}

int sim__run_init(sim__run_state *st, const sim_scenario *sc, const sim_run_options *opt,
                  int writer, sim_error *err) {
  memset(st, 0, sizeof *st);
  st->sc = *sc; /* a view: only `runs` may change */
  if (opt->runs > 0) st->sc.runs = opt->runs;
  st->opt = opt;
  st->writer = writer;
  st->lock_fd = -1;
  st->out = -1;
  st->timing_out = -1;
  sim_buf_init(&st->header);
  sim_buf_init(&st->timing_header);
  pthread_mutex_init(&st->lock, NULL);
  /* --runs may have grown the experiment past what check accepted. */
  int rc = sim_scenario_check_size(&st->sc, st->sc.runs, err);
  if (rc != SIM_OK) return rc;
  rc = ctx_init(&st->ctx, &st->sc, opt, err);
  if (rc != SIM_OK) return rc;
  st->total = st->ctx.n_points * (size_t)st->sc.runs;
  st->done = calloc(st->total ? st->total : 1, 1);
  sim__run_header(&st->ctx, &st->header);
  sim__run_timing_header(&st->ctx, &st->timing_header);
  if (st->done == NULL || st->header.oom || st->timing_header.oom)
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  if (!writer) return SIM_OK;

  snprintf(st->runs_path, sizeof st->runs_path, "%s/runs.csv", opt->outdir);
  rc = sim__run_make_dirs(opt->outdir, err);
  if (rc == SIM_OK && (st->lock_fd = sim__run_lock(opt->outdir, err)) < 0) rc = err->code;
  char path[4200];
  snprintf(st->runs_path, sizeof st->runs_path, "%s/runs.csv", opt->outdir);
  snprintf(st->timing_path, sizeof st->timing_path, "%s/timing.csv", opt->outdir);
  /* Replacing finished runs is never silent: a rerun that forgot --resume
   * would otherwise discard hours of results. */
  if (rc == SIM_OK && !opt->resume && !opt->force) {
    const size_t held = sim__run_rows_held(st->runs_path);
    if (held > 0)
      rc = sim_error_set(err, SIM_EINPUT,
                         "%s already holds %zu row%s of an earlier run; resume it (--resume), replace "
                         "it (--force) or choose another output directory",
                         st->runs_path, held, held == 1 ? "" : "s");
  }
  st->started = time(NULL);
  if (rc == SIM_OK) {
    snprintf(path, sizeof path, "%s/scenario.resolved.yaml", opt->outdir);
    rc = sim__run_write_resolved(&st->sc, path, st->runs_path, opt->resume, err);
  }
  int existed = 0, timing_existed = 0;
  if (rc == SIM_OK && opt->resume)
    rc = sim__run_resume(&st->ctx, st->runs_path, st->header.data, st->done, &st->skipped, &existed, err);
  if (rc == SIM_OK && existed)
    rc = sim__run_resume_timing(&st->ctx, st->timing_path, st->timing_header.data, st->done, &timing_existed,
                                err);
  if (rc == SIM_OK) rc = sim__run_write_metadata(st, "running", err);
  if (rc != SIM_OK) return rc;
  /* Without resume, start afresh; the summary of an old run is removed so
   * it can never be mistaken for this one's. */
  snprintf(path, sizeof path, "%s/summary.csv", opt->outdir);
  remove(path);
  st->out = open(st->runs_path, O_WRONLY | O_CREAT | O_CLOEXEC | (existed ? O_APPEND : O_TRUNC), 0666);
  if (st->out < 0) return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", st->runs_path, strerror(errno));
  if (!existed && write_rows(st->out, st->header.data, st->header.len) != 0)
    return sim_error_set(err, SIM_EIO, "%s: write failed: %s", st->runs_path, strerror(errno));
  st->timing_out =
      open(st->timing_path, O_WRONLY | O_CREAT | O_CLOEXEC | (timing_existed ? O_APPEND : O_TRUNC), 0666);
  if (st->timing_out < 0)
    return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", st->timing_path, strerror(errno));
  if (!timing_existed && write_rows(st->timing_out, st->timing_header.data, st->timing_header.len) != 0)
    return sim_error_set(err, SIM_EIO, "%s: write failed: %s", st->timing_path, strerror(errno));
  return SIM_OK;
}

void sim__run_free(sim__run_state *st) {
  if (st->out >= 0) close(st->out);
  st->out = -1;
  if (st->timing_out >= 0) close(st->timing_out);
  st->timing_out = -1;
  if (st->lock_fd >= 0) close(st->lock_fd);
  st->lock_fd = -1;
  pthread_mutex_destroy(&st->lock);
  sim_buf_free(&st->header);
  sim_buf_free(&st->timing_header);
  free(st->done);
}

/* Task t covers run t / points at point t % points: every point gets its
 * first runs early, so an interrupted sweep is already useful. */
size_t sim__run_take(sim__run_state *st, size_t *tasks, size_t max) {
  size_t n = 0;
  pthread_mutex_lock(&st->lock);
  int stop = st->failed || (st->opt->stop && *st->opt->stop);
  while (!stop && n < max) {
    while (st->next < st->total && st->done[st->next]) st->next++;
    if (st->next >= st->total) break;
    tasks[n++] = st->next++;
  }
  pthread_mutex_unlock(&st->lock);
  return n;
}

void sim__run_record(sim__run_state *st, size_t t, int rc, const char *rows, size_t len,
                     const char *timing, size_t timing_len, const sim_error *e) {
  pthread_mutex_lock(&st->lock);
  if (rc != SIM_OK) {
    if (!st->failed) st->err = *e;
    st->failed = 1;
  } else if (timing_len > 0 && write_rows(st->timing_out, timing, timing_len) != 0) {
    /* Timing first: a task whose rows reach runs.csv has its times, and
     * times without rows are dropped on resume. */
    if (!st->failed)
      sim_error_set(&st->err, SIM_EIO, "%s: write failed: %s", st->timing_path, strerror(errno));
    st->failed = 1;
  } else if (write_rows(st->out, rows, len) != 0) {
    /* One write per task: a task's rows land together or not at all. A
     * short write (disk full, a file size limit) is cut back to the last
     * whole task, so the file never ends in a torn row. */
    if (!st->failed)
      sim_error_set(&st->err, SIM_EIO, "%s: write failed: %s%s", st->runs_path, strerror(errno),
                    errno == EFBIG ? " (the file size limit, ulimit -f, was reached)" : "");
    st->failed = 1;
  } else if (t < st->total && !st->done[t]) {
    st->done[t] = 1;
    st->finished++;
    if (st->opt->progress)
      st->opt->progress(st->opt->progress_ctx, st->skipped + st->finished, st->total, st->skipped);
  }
  pthread_mutex_unlock(&st->lock);
}

static int compute(const sim__run_ctx *ctx, solver_workspace *ws, size_t t, sim_buf *rows,
                   sim_buf *timing, sim_error *e) {
  sim_error_clear(e);
  sim_buf_clear(rows);
  sim_buf_clear(timing);
  return sim__run_task(ctx, ws, t % ctx->n_points, t / ctx->n_points, rows, timing, e);
}

/* Each worker keeps one solver workspace for all its tasks, so that only
 * its first solve under a budget pays for fresh table memory. Without
 * memory for it the solves allocate their own, as they would anyway. */
static void *local_worker(void *arg) {
  sim__run_state *st = arg;
  sim_buf rows, timing;
  sim_buf_init(&rows);
  sim_buf_init(&timing);
  solver_workspace *ws = solver_workspace_alloc();
  size_t t;
  while (sim__run_take(st, &t, 1) == 1) {
    sim_error e;
    int rc = compute(&st->ctx, ws, t, &rows, &timing, &e);
    sim__run_record(st, t, rc, rows.data, rows.len, timing.data, timing.len, &e);
  }
  solver_workspace_free(ws);
  sim_buf_free(&rows);
  sim_buf_free(&timing);
  return NULL;
}

/* Starts up to n threads running fn(arg), or runs it inline if none can be
 * started; joins them. */
static void run_threads(int n, void *(*fn)(void *), void *arg) {
  pthread_t tid[256];
  if (n < 1) n = 1;
  if (n > 256) n = 256;
  int started = 0;
  for (int i = 0; i < n; i++)
    if (pthread_create(&tid[i], NULL, fn, arg) == 0) started++;
  if (started == 0) fn(arg);
  for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
}

void sim__run_local(sim__run_state *st, int threads) {
  size_t todo = st->total - st->skipped;
  if ((size_t)threads > todo) threads = todo > 0 ? (int)todo : 1;
  run_threads(threads, local_worker, st);
}

typedef struct {
  const sim__run_ctx *ctx;
  const size_t *tasks;
  size_t n;
  sim_buf *out;
  sim_buf *timing;
  int *rc;
  sim_error *errs;
  pthread_mutex_t lock;
  size_t next;
} batch;

static void *batch_worker(void *arg) {
  batch *b = arg;
  solver_workspace *ws = solver_workspace_alloc(); /* as in local_worker */
  for (;;) {
    pthread_mutex_lock(&b->lock);
    size_t k = b->next < b->n ? b->next++ : b->n;
    pthread_mutex_unlock(&b->lock);
    if (k >= b->n) break;
    b->rc[k] = compute(b->ctx, ws, b->tasks[k], &b->out[k], &b->timing[k], &b->errs[k]);
  }
  solver_workspace_free(ws);
  return NULL;
}

void sim__run_batch(const sim__run_ctx *ctx, const size_t *tasks, size_t n, int threads, sim_buf *out,
                    sim_buf *timing, int *rc, sim_error *errs) {
  batch b = {.ctx = ctx, .tasks = tasks, .n = n, .out = out, .timing = timing, .rc = rc, .errs = errs,
             .next = 0};
  pthread_mutex_init(&b.lock, NULL);
  if ((size_t)threads > n) threads = n > 0 ? (int)n : 1;
  run_threads(threads, batch_worker, &b);
  pthread_mutex_destroy(&b.lock);
}

int sim__run_finish(sim__run_state *st, sim_run_stats *stats, sim_error *err) {
  memset(stats, 0, sizeof *stats);
  stats->tasks = st->total;
  stats->skipped = st->skipped;
  stats->done = st->finished;
  int rc = SIM_OK;
  /* The rows reach the disk before the sorted copy is published. */
  if (st->out >= 0 && !st->failed && (fsync(st->out) != 0 || close(st->out) != 0))
    rc = sim_error_set(err, SIM_EIO, "%s: write failed: %s", st->runs_path, strerror(errno));
  else if (st->out >= 0)
    close(st->out);
  st->out = -1;
  if (st->timing_out >= 0 && !st->failed && rc == SIM_OK && (fsync(st->timing_out) != 0 || close(st->timing_out) != 0))
    rc = sim_error_set(err, SIM_EIO, "%s: write failed: %s", st->timing_path, strerror(errno));
  else if (st->timing_out >= 0)
    close(st->timing_out);
  st->timing_out = -1;
  if (rc != SIM_OK) return rc;
  if (st->failed) {
    int code = st->err.code ? st->err.code : SIM_EINTERNAL;
    sim_error_set(err, code, "%s", st->err.msg);
    return code;
  }
  if (st->skipped + st->finished < st->total) {
    sim_error ignore;
    sim_error_clear(&ignore);
    sim__run_write_metadata(st, "interrupted", &ignore); /* the rows are what matters */
    stats->interrupted = 1;
    return sim_error_set(err, SIM_EINTERRUPT, "interrupted after %zu of %zu runs; rerun with --resume",
                         st->skipped + st->finished, st->total);
  }
  /* The summary is computed from the sorted text, not from the file read
   * back. */
  size_t len;
  char *text = NULL, *summary = NULL;
  rc = sim__run_sort(&st->ctx, st->timing_path, &text, &len, err);
  free(text);
  text = NULL;
  if (rc == SIM_OK) rc = sim__run_sort(&st->ctx, st->runs_path, &text, &len, err);
  if (rc != SIM_OK) return rc;
  stats->feasible = sim__run_rows_feasible(&st->ctx, text, len);
  rc = sim__run_write_placements(&st->ctx, st->opt->outdir, text, len, err);
  if (rc == SIM_OK) rc = sim__run_write_metadata(st, "complete", err);
  if (rc != SIM_OK) {
    free(text);
    return rc;
  }
  rc = analysis_summary_compute(text, len, &summary, err);
  if (rc == SIM_OK) {
    char path[4200];
    /* The rows of the sorted file (several models add rows per method). */
    size_t lines = 0;
    for (size_t k = 0; k < len; k++) lines += text[k] == '\n';
    stats->rows = lines > 0 ? lines - 1 : 0;
    snprintf(path, sizeof path, "%s/summary.csv", st->opt->outdir);
    rc = sim_file_write_atomic(path, summary, strlen(summary), err);
  }
  free(summary);
  free(text);
  return rc;
}

int sim_run(const sim_scenario *sc, const sim_run_options *opt, sim_run_stats *stats,
            sim_error *err) {
  sim__run_state st;
  memset(stats, 0, sizeof *stats);
  int rc = sim__run_init(&st, sc, opt, 1, err);
  if (rc == SIM_OK) {
    sim__run_local(&st, opt->threads);
    rc = sim__run_finish(&st, stats, err);
  }
  sim__run_free(&st);
  return rc;
}
