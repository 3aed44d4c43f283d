/* internal.h: shared between the experiment orchestrator (run.c) and
 * the computation of one task (run_task.c). Internal to sim/run. */
#ifndef DILEMMA_SIM_RUN_INTERNAL_H
#define DILEMMA_SIM_RUN_INTERNAL_H

#include <pthread.h>
#include <time.h>
#include <stdio.h>

#include "sim/core/core.h"
#include "analysis/analysis.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"

/* Read-only context of an experiment, shared by the worker threads. */
typedef struct sim__run_ctx {
  const sim_scenario *sc;       /* the base scenario (runs possibly overridden) */
  size_t n_points;
  size_t n_methods;
  solver_method methods[SOLVER_METHOD_COUNT]; /* the scenario's method first, then its baselines */
  int load;                     /* the load experiment runs: load columns present */
  int dynamic;                  /* simulation.dynamics: dynamic columns present */
  const char *outdir;           /* the experiment's directory (time series go under it) */
  int energy;                   /* servers are catalogue devices: energy columns present */
  int serving;                  /* ... with continuous batching, or several models under load:
                                   serving columns present */
  int multi;                    /* the scenario lists models: (run_multi.c) */
  solver_multi_method multi_methods[SOLVER_MULTI_METHOD_COUNT]; /* multi: exact, then baselines */
} sim__run_ctx;

/* Appends the CSV header line of runs.csv. */
void sim__run_header(const sim__run_ctx *ctx, sim_buf *out);
/* Appends the CSV header line of timing.csv. */
void sim__run_timing_header(const sim__run_ctx *ctx, sim_buf *out);

/* Computes task (point, run): one runs.csv line per method, appended to
 * out, and its wall-clock times, one timing.csv line per method, appended
 * to timing. Solver failures, infeasibility and timeouts become rows with
 * that status; only resource failures (out of memory) return an error.
 * ws is the calling thread's solver workspace (NULL: none), which keeps
 * the bound tables' memory from one solve to the next; it changes the
 * times only, never a row. */
int sim__run_task(const sim__run_ctx *ctx, solver_workspace *ws, size_t point, uint64_t run,
                  sim_buf *out, sim_buf *timing, sim_error *err);

/* run_multi.c: task (point, run) of a scenario with models:, with
 * sim__run_task's contract; rows per method: one per model (model = its
 * label), then the aggregate (model `all`). */
int sim__run_task_multi(const sim__run_ctx *ctx, size_t point, uint64_t run, sim_buf *out,
                        sim_buf *timing, sim_error *err);
/* run_multi.c: rows of one method in a task at a point: 1, or the models
 * placed there + 1. */
size_t sim__run_rows_per_method(const sim__run_ctx *ctx, size_t point);
/* run_multi.c: the multi-model part of the context (methods, rows per
 * method); checks that every point assembles. */
int sim__run_ctx_multi(sim__run_ctx *ctx, sim_error *err);

/* run_task.c helpers shared with run_multi.c. */
/* The latency columns (mean and percentiles) and the TTFT and TPOT means
 * of a load run, shared by the static, dynamic and multi-model rows. */
void sim__run_latency_columns(const sim_serve_latency *latency, const sim_serve_latency *ttft,
                              const sim_serve_latency *tpot, double *col);
/* One row of runs.csv: identity columns, the experiment's metric columns
 * from col (SIM_COL_COUNT entries), then placement p in run-length form
 * (empty when p is NULL). labels holds the sweep point's values. */
void sim__run_row(const sim__run_ctx *ctx, size_t point, const char labels[2][64], uint64_t run,
                  unsigned long topo_seed, const char *method, const char *model, const char *status,
                  const double *col, const solver_instance *in, const solver_placement *p,
                  sim_buf *out);
/* One row of timing.csv: the solve's wall time (s) and, in a dynamic run,
 * the re-plans' (s). */
void sim__run_timing_row(const sim__run_ctx *ctx, size_t point, uint64_t run, const char *method,
                         const char *model, double solve_s, double replan_s, sim_buf *timing);
/* 1 if column c is in this experiment's runs.csv. */
int sim__run_has_column(const sim__run_ctx *ctx, size_t c);
/* Appends a name as a CSV field: the project's CSV has no quoting, so a
 * comma, quote or line break (possible only in a custom model's name)
 * becomes '_'. */
void sim__run_csv_name(sim_buf *out, const char *s);
/* Run-length form of a placement: "server:bits" per layer, repeats as
 * "*count": "0:10*5 3:10*21". */
void sim__run_placement_text(const solver_instance *in, const solver_placement *p, sim_buf *out);
/* Servers that hold at least one layer of p. */
double sim__run_servers_used(const solver_instance *in, const solver_placement *p);
/* Wall-clock seconds (timing.csv only). */
double sim__run_now(void);

/* run_dynamic.c: the load columns and the dynamic columns of one row from a
 * dynamic run of placement p, re-planned with `opt`; writes the run's time
 * series when the scenario asks for one. A run that fails leaves its
 * columns empty; only a time series that cannot be written is an error. */
int sim__run_dynamic(const sim__run_ctx *ctx, const sim_scenario *v, const solver_instance *in,
                     const solver_placement *p, const solver_options *opt, size_t point,
                     uint64_t run, double *col, sim_error *err);

/* Index of a method name in ctx->methods, -1 if absent. */
int sim__run_method_index(const sim__run_ctx *ctx, const char *name, size_t len);

/* --- files of the output directory (run_files.c) --- */

int sim__run_make_dirs(const char *path, sim_error *err);
/* Takes the directory's lock (DIR/.dilemma.lock, an fcntl write lock the
 * system releases when the process ends): two experiments writing one
 * directory would interleave and overwrite each other's files. Returns the
 * descriptor, or -1 with SIM_EINPUT if another process holds it. */
int sim__run_lock(const char *dir, sim_error *err);
/* Writes scenario.resolved.yaml with the SHA-256 of every input file; under
 * resume, refuses a different scenario or input (naming the first key or
 * file that differs) and an existing runs_path without the resolved file. */
int sim__run_write_resolved(const sim_scenario *sc, const char *path, const char *runs_path,
                            int resume, sim_error *err);
/* Keeps the complete tasks of an interrupted runs.csv: marks them in done[],
 * counts them in *skipped and rewrites the file with only their rows. A
 * runs.csv of an earlier schema (1 or 2) is rewritten in this one first
 * (analysis_schema_upgrade). */
int sim__run_resume(const sim__run_ctx *ctx, const char *path, const char *header,
                    unsigned char *done, size_t *skipped, int *existed, sim_error *err);
/* Keeps the rows of timing.csv (header `header`) whose task is marked in
 * done[]; sets *existed when the file holds that header (else it is to be
 * started afresh). */
int sim__run_resume_timing(const sim__run_ctx *ctx, const char *path, const char *header,
                           const unsigned char *done, int *existed, sim_error *err);
/* Sorts runs.csv (or timing.csv) by (point, run, method, model) and hands
 * back the sorted text in *sorted (*sorted_len bytes, NUL-terminated),
 * which the caller frees. */
int sim__run_sort(const sim__run_ctx *ctx, const char *path, char **sorted, size_t *sorted_len,
                  sim_error *err);

/* --- the state of an experiment (run.c), shared by the executors --- */

typedef struct sim__run_state {
  sim_scenario sc;            /* view of the scenario with `runs` overridden */
  sim__run_ctx ctx;
  const sim_run_options *opt;
  int writer;                 /* 1 on the process that owns the output directory */
  char runs_path[4200];
  char timing_path[4200];
  sim_buf header;             /* the runs.csv header line */
  sim_buf timing_header;      /* the timing.csv header line */
  pthread_mutex_t lock;       /* guards everything below */
  int out;                    /* runs.csv, appended to (writer only); -1 if not open */
  int timing_out;             /* timing.csv, likewise */
  int lock_fd;                /* DIR/.dilemma.lock, held while the experiment runs; -1 if none */
  size_t total;               /* tasks: points x runs */
  size_t next;                /* next task index to hand out */
  unsigned char *done;        /* per task: complete (resumed or finished) */
  size_t skipped, finished;
  int failed;                 /* a task hit a fatal error; stop handing out work */
  sim_error err;              /* that error */
  time_t started;             /* wall clock at the start, for metadata.json */
} sim__run_state;

/* Builds the context; on the writer also prepares the directory, the
 * resolved scenario, resume and runs.csv. */
int sim__run_init(sim__run_state *st, const sim_scenario *sc, const sim_run_options *opt,
                  int writer, sim_error *err);
void sim__run_free(sim__run_state *st);

/* Hands out up to `max` tasks not yet done (none once stopping or failed);
 * returns how many were written to `tasks`. Thread-safe. */
size_t sim__run_take(sim__run_state *st, size_t *tasks, size_t max);

/* Records the outcome of task t: its timing rows are appended to
 * timing.csv, then its rows to runs.csv as one write, or the failure is
 * kept. Thread-safe; writer only. */
void sim__run_record(sim__run_state *st, size_t t, int rc, const char *rows, size_t len,
                     const char *timing, size_t timing_len, const sim_error *e);

/* Computes tasks with `threads` threads until sim__run_take has no more. */
void sim__run_local(sim__run_state *st, int threads);

/* Computes a fixed list of tasks with `threads` threads, leaving each
 * task's rows (or failure) in out[k], timing[k], rc[k], errs[k]. For
 * remote workers. */
void sim__run_batch(const sim__run_ctx *ctx, const size_t *tasks, size_t n, int threads, sim_buf *out,
                    sim_buf *timing, int *rc, sim_error *errs);

/* Ends an experiment on the writer: reports interruption or failure, else
 * sorts runs.csv and writes summary.csv. */
int sim__run_finish(sim__run_state *st, sim_run_stats *stats, sim_error *err);

/* DIR/placements.csv from the sorted runs.csv text: one row per (point,
 * run, method, layer) with the server and bit width of every placement. */
int sim__run_write_placements(const sim__run_ctx *ctx, const char *dir, const char *runs,
                              size_t len, sim_error *err);

/* DIR/metadata.json: schema version, experiment, dilemma version, git
 * revision, command line, host, dependency versions, start and end times;
 * `state` is running, complete or interrupted (end time null while running). */
int sim__run_write_metadata(const sim__run_state *st, const char *state, sim_error *err);

/* The index of the header field called name in CSV text (its first line),
 * -1 if none. */
long sim__run_column(const char *text, size_t len, const char *name);

/* Data rows (lines after the header) in the runs.csv at path; 0 when it is
 * missing or holds only a header. */
size_t sim__run_rows_held(const char *path);

/* Rows of runs.csv text with a placement: status optimal or feasible, or a
 * non-empty objective (a timeout with an incumbent). */
size_t sim__run_rows_feasible(const sim__run_ctx *ctx, const char *text, size_t len);

#endif
