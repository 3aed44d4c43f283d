/* run-internal.h: shared between the experiment orchestrator (run.c) and
 * the computation of one task (run_task.c). Internal to sim/. */
#ifndef DILEMMA_SIM_RUN_INTERNAL_H
#define DILEMMA_SIM_RUN_INTERNAL_H

#include "sim/buf.h"
#include "sim/model.h"
#include "sim/quant.h"
#include "sim/run.h"
#include "sim/scenario.h"

/* Read-only context of an experiment, shared by the worker threads. */
typedef struct sim__run_ctx {
  const sim_scenario *sc;       /* the base scenario (runs possibly overridden) */
  size_t n_points;
  sim_scenario *views;          /* n_points sweep-point views of sc */
  sim_model **models;           /* n_points model profiles */
  sim_errtable *table;          /* error table, or NULL for the analytic bound */
  size_t n_methods;
  sim_method methods[SIM_METHOD_COUNT]; /* the scenario's method first, then its baselines */
  int timing;                   /* record wall-clock solve_s */
  int load;                     /* the load experiment runs: load columns present */
} sim__run_ctx;

/* Appends the CSV header line of runs.csv. */
void sim__run_header(const sim__run_ctx *ctx, sim_buf *out);

/* Computes task (point, run): one CSV line per method, appended to out.
 * Solver failures, infeasibility and timeouts become rows with that status;
 * only resource failures (out of memory) return an error. */
int sim__run_task(const sim__run_ctx *ctx, size_t point, uint64_t run, sim_buf *out,
                  sim_error *err);

/* Index of a method name in ctx->methods, -1 if absent. */
int sim__run_method_index(const sim__run_ctx *ctx, const char *name, size_t len);

#endif
