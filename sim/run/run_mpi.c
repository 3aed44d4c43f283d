/* run_mpi.c: a Monte Carlo experiment over MPI ranks.
 *
 * Rank 0 owns the output directory: it prepares it (resolved scenario,
 * resume), hands out tasks, writes every task's rows to runs.csv as they
 * arrive, and at the end sorts the file and writes the summary, exactly as
 * a single process does, so the files are byte-identical to `-j 1`. Rank 0
 * also computes with its own threads while its main thread serves the
 * others (MPI_THREAD_FUNNELED: only the main thread calls MPI).
 *
 * Load balancing is dynamic, because runs differ in cost by orders of
 * magnitude: a worker asks for tasks, and the reply carries a chunk whose
 * size shrinks with the work left (guided self-scheduling: remaining work /
 * (2 x workers), between 1 and 64), so cheap runs cost few messages and
 * the last expensive runs still spread over all ranks. Each request also
 * carries the rows of the worker's previous chunk.
 *
 * Messages (all MPI_BYTE):
 *   worker -> 0, TAG_RESULTS: n (uint64), then n x {task, rc, len, tlen}
 *     (uint64), then per task its runs.csv rows (len bytes) and its
 *     timing.csv rows (tlen bytes), concatenated; n = 0 asks for the first
 *     chunk. rc != 0 reports a fatal error (message text in place of rows);
 *     task = UINT64_MAX reports a worker that could not start.
 *   0 -> worker, TAG_TASKS: k task indices (uint64); k = 0 means stop.
 *
 * If a rank dies, MPI ends the job; every row rank 0 wrote is on disk and
 * `--resume` (with MPI or without) completes the experiment. */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#ifdef HAVE_MPI
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/run/internal.h"

enum { TAG_RESULTS = 1, TAG_TASKS = 2, MAX_CHUNK = 64 };

/* Pauses of rank 0's polling loop, ns: from 10 µs doubling to 1 ms. */
#define MIN_BACKOFF_NS 10000L
#define MAX_BACKOFF_NS 1000000L

/* --- rank 0 ---------------------------------------------------------------- */

typedef struct {
  sim__run_state *st;
  int threads;
} local_args;

static void *local_main(void *arg) {
  local_args *a = arg;
  sim__run_local(a->st, a->threads);
  return NULL;
}

/* Records the results carried by one worker message. */
static void record_results(sim__run_state *st, const unsigned char *msg, size_t size) {
  uint64_t n;
  if (size < sizeof n) return;
  memcpy(&n, msg, sizeof n);
  if (n > size / (4 * sizeof(uint64_t))) return;
  size_t head = sizeof n + n * 4 * sizeof(uint64_t);
  if (head > size) return;
  const unsigned char *text = msg + head;
  for (uint64_t k = 0; k < n; k++) {
    uint64_t f[4];
    memcpy(f, msg + sizeof n + k * sizeof f, sizeof f);
    if (f[2] > size || f[3] > size || (size_t)(text - msg) + f[2] + f[3] > size) return;
    sim_error e;
    sim_error_clear(&e);
    if (f[1] != 0) {
      sim_error_set(&e, (int)f[1], "%.*s", (int)f[2], (const char *)text);
      sim__run_record(st, SIZE_MAX, (int)f[1], NULL, 0, NULL, 0, &e);
    } else if (f[0] != UINT64_MAX) {
      sim__run_record(st, (size_t)f[0], SIM_OK, (const char *)text, (size_t)f[2], (const char *)text + f[2],
                      (size_t)f[3], &e);
    }
    text += f[2] + f[3];
  }
}

static int serve(sim__run_state *st, int size) {
  const size_t workers = (size_t)size; /* remote ranks and rank 0 itself */
  int active = size - 1;
  unsigned char *msg = NULL;
  size_t cap = 0;
  long backoff_ns = MIN_BACKOFF_NS;
  while (active > 0) {
    /* Open MPI's blocking probe spins on a core, the core rank 0's own
     * compute threads need; poll instead and sleep between polls, doubling
     * the pause while nothing arrives (so a busy sweep answers in
     * microseconds and an idle wait costs nothing). */
    MPI_Status status;
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULTS, MPI_COMM_WORLD, &flag, &status);
    if (!flag) {
      struct timespec ts = {0, backoff_ns};
      nanosleep(&ts, NULL);
      if (backoff_ns < MAX_BACKOFF_NS) backoff_ns *= 2;
      continue;
    }
    backoff_ns = MIN_BACKOFF_NS;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    if ((size_t)count > cap) {
      unsigned char *g = realloc(msg, (size_t)count);
      if (g == NULL) { MPI_Abort(MPI_COMM_WORLD, 1); return SIM_ENOMEM; }
      msg = g;
      cap = (size_t)count;
    }
    MPI_Recv(msg, count, MPI_BYTE, status.MPI_SOURCE, TAG_RESULTS, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    record_results(st, msg, (size_t)count);
    /* Guided chunk: a share of what is left, so the end stays balanced. */
    pthread_mutex_lock(&st->lock);
    size_t left = st->total - st->next;
    pthread_mutex_unlock(&st->lock);
    size_t chunk = left / (2 * workers);
    if (chunk < 1) chunk = 1;
    if (chunk > MAX_CHUNK) chunk = MAX_CHUNK;
    uint64_t tasks[MAX_CHUNK];
    size_t idx[MAX_CHUNK];
    size_t k = sim__run_take(st, idx, chunk);
    for (size_t i = 0; i < k; i++) tasks[i] = idx[i];
    MPI_Send(tasks, (int)(k * sizeof *tasks), MPI_BYTE, status.MPI_SOURCE, TAG_TASKS, MPI_COMM_WORLD);
    if (k == 0) active--;
  }
  free(msg);
  return SIM_OK;
}

/* --- other ranks ---------------------------------------------------------- */

static int work(const sim__run_ctx *ctx, int threads, int init_rc, const sim_error *init_err) {
  sim_buf msg;
  sim_buf_init(&msg);
  uint64_t zero = 0;
  if (init_rc != SIM_OK) {
    /* Tell rank 0 why this rank cannot work, then wait to be told to stop. */
    uint64_t head[5] = {1, UINT64_MAX, (uint64_t)init_rc, strlen(init_err->msg), 0};
    sim_buf_append(&msg, (const char *)head, sizeof head);
    sim_buf_append(&msg, init_err->msg, strlen(init_err->msg));
  } else {
    sim_buf_append(&msg, (const char *)&zero, sizeof zero);
  }
  sim_buf rows[MAX_CHUNK], timing[MAX_CHUNK];
  sim_error errs[MAX_CHUNK];
  int rc[MAX_CHUNK];
  for (int i = 0; i < MAX_CHUNK; i++) {
    sim_buf_init(&rows[i]);
    sim_buf_init(&timing[i]);
  }
  for (;;) {
    MPI_Send(msg.data, (int)msg.len, MPI_BYTE, 0, TAG_RESULTS, MPI_COMM_WORLD);
    uint64_t tasks[MAX_CHUNK];
    MPI_Status status;
    MPI_Recv(tasks, (int)sizeof tasks, MPI_BYTE, 0, TAG_TASKS, MPI_COMM_WORLD, &status);
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    size_t k = (size_t)count / sizeof(uint64_t);
    if (k == 0) break;
    size_t idx[MAX_CHUNK];
    for (size_t i = 0; i < k; i++) idx[i] = (size_t)tasks[i];
    sim__run_batch(ctx, idx, k, threads, rows, timing, rc, errs);
    sim_buf_clear(&msg);
    uint64_t n = k;
    sim_buf_append(&msg, (const char *)&n, sizeof n);
    for (size_t i = 0; i < k; i++) {
      const char *text = rc[i] == SIM_OK ? rows[i].data : errs[i].msg;
      const char *times = rc[i] == SIM_OK ? timing[i].data : NULL;
      uint64_t f[4] = {tasks[i], (uint64_t)rc[i], text ? strlen(text) : 0, times ? strlen(times) : 0};
      sim_buf_append(&msg, (const char *)f, sizeof f);
    }
    for (size_t i = 0; i < k; i++) {
      const char *text = rc[i] == SIM_OK ? rows[i].data : errs[i].msg;
      if (text) sim_buf_puts(&msg, text);
      if (rc[i] == SIM_OK && timing[i].data) sim_buf_puts(&msg, timing[i].data);
    }
    if (msg.oom) MPI_Abort(MPI_COMM_WORLD, 1);
  }
  for (int i = 0; i < MAX_CHUNK; i++) {
    sim_buf_free(&rows[i]);
    sim_buf_free(&timing[i]);
  }
  sim_buf_free(&msg);
  return SIM_OK;
}

int sim_run_mpi(const sim_scenario *sc, const sim_run_options *opt, sim_run_stats *stats,
                int *is_writer, sim_error *err) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  *is_writer = rank == 0;
  memset(stats, 0, sizeof *stats);
  sim__run_state st;
  /* Only rank 0 writes; its init errors must reach every rank, or the
   * workers would wait for tasks forever. */
  int rc = sim__run_init(&st, sc, opt, rank == 0, err);
  int rc0 = rc;
  MPI_Bcast(&rc0, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (rc0 != SIM_OK) {
    sim__run_free(&st);
    return rank == 0 ? rc : SIM_OK;
  }
  if (rank == 0) {
    local_args a = {&st, opt->threads};
    pthread_t local;
    int have_local = pthread_create(&local, NULL, local_main, &a) == 0;
    serve(&st, size);
    if (have_local) pthread_join(local, NULL);
    else sim__run_local(&st, opt->threads);
    rc = sim__run_finish(&st, stats, err);
  } else {
    work(&st.ctx, opt->threads, rc, err);
    rc = SIM_OK;
  }
  sim__run_free(&st);
  return rc;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int sim__run_mpi_unused;
#endif /* HAVE_MPI */
