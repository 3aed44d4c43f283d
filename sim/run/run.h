/* run.h: assembling one run of a scenario (sim_case), and Monte Carlo
 * experiments: every (sweep point, run) of a scenario through topology ->
 * solve (the method and its baselines) -> DES, into runs.csv and
 * summary.csv.
 *
 * Guarantees: rows are written whole, a task's rows (one per method) in one
 * write; the final runs.csv is sorted by (point, run, method) so it is
 * byte-identical for any thread count; an interrupted run keeps every
 * completed row and `resume` finishes it to the same result; summary.csv is
 * written (atomically) only when every task is done.
 *
 * Ownership rule: sim_run borrows everything it is given; sim_case below has
 * its own rule. */
#ifndef DILEMMA_SIM_RUN_H
#define DILEMMA_SIM_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"
#include "sim/model/model.h"
#include "sim/scenario/scenario.h"
#include "sim/topology/topology.h"
#include "solver/solver.h"

/* Everything one run of an experiment at one sweep point needs: the
 * scenario at the point, the model profile, the error table (when the
 * scenario names one), the run's topology and the solver instance built
 * from them. sim_case_alloc is the one place that assembles a run.
 *
 * Ownership rule: a case owns its model, table, topology and instance and is
 * freed with sim_case_free; `view` is a view of the base scenario (shares its
 * strings and arrays), so the base must outlive the case. */
typedef struct sim_case {
  sim_scenario view;         /* the base with the sweep point applied */
  size_t point;              /* sweep point */
  uint64_t run;              /* run index */
  sim_model *model;          /* the profile, with the workload's context */
  sim_errtable *table;       /* quant.error = table: the error table; else NULL */
  sim_topology *topology;    /* drawn from (seed, run) */
  solver_instance *instance; /* costs of the model on the topology */
} sim_case;

/* Assembles run `run` at sweep point `point` of `base`. Fails with
 * SIM_EINPUT for a scenario with models: (see sim_multi_alloc), a point that does not exist or an error table that does
 * not fit the model (naming the file), SIM_EIO when the table cannot be
 * read, SIM_ENOMEM. O(M^2) draws (O(M^3) routes for a geometric topology)
 * plus O(L x bit widths) for the instance. */
sim_case *sim_case_alloc(const sim_scenario *base, size_t point, uint64_t run, sim_error *err);
void sim_case_free(sim_case *c);

/* What the caller will do with a case: solve it (sim_case_alloc), or only
 * look at its topology and instance (`dilemma topology`, the storage test of
 * `dilemma check`). */
typedef enum { SIM_CASE_SOLVE, SIM_CASE_INSPECT } sim_case_use;

/* sim_case_alloc for a given use. Before anything is drawn, a case whose
 * routes (and, for SIM_CASE_SOLVE, the solver's cost tables:
 * solver_tables_bytes) need more than sim_memory_available() is refused
 * with SIM_EINPUT naming the file, servers.count and both byte counts; the
 * estimate takes O(1) after the model's profile. */
sim_case *sim_case_alloc_for(const sim_scenario *base, size_t point, uint64_t run, sim_case_use use,
                             sim_error *err);

/* The memory estimate of sim_case_alloc_for alone, for sweep point `point`
 * (`dilemma check` refuses what `run` would). SIM_OK, or the refusal (or
 * the error of building the point's model profile). */
int sim_case_memory_check(const sim_scenario *base, size_t point, sim_case_use use, sim_error *err);

/* A cheap proof that a run cannot be placed at any draw: the model at its
 * smallest allowed widths (*need, bytes) is larger than every server's
 * largest storage together (*room, bytes: each edge server's storage spec
 * at its maximum, plus the cloud's). Returns 1 then, else 0 (which proves
 * nothing). With catalogue devices (servers.devices) no claim is made:
 * returns 0. Used by `dilemma check`. O(L x bit widths + servers). */
int sim_case_storage_short(const sim_case *c, double *need, double *room);

/* The multi-model instance of run `run` at sweep point `point` of a
 * scenario with `models:`: each entry's instance on one topology (storage
 * in model units relative to all models' fp32 size together), the rates,
 * weights (default: the rates, or 1 for a model without load), the
 * utilization cap and the objective. Freed with solver_multi_free. Fails
 * with SIM_EINPUT without `models:`, SIM_ENOMEM. */
solver_multi *sim_multi_alloc(const sim_scenario *base, size_t point, uint64_t run,
                              sim_error *err);

/* Numeric columns of runs.csv, in file order (names in sim_column_name; the
 * schema is documented in docs/experiments.md). The two wall-clock columns
 * (SIM_COL_SOLVE_S, SIM_COL_REPLAN_S) go to timing.csv instead, so runs.csv
 * stays byte-identical at any thread or rank count. Load columns appear only when
 * the scenario runs the load experiment, dynamic ones only when it has
 * simulation.dynamics (then the load columns come from the dynamic run),
 * energy columns only when it names catalogue devices (servers.devices), so
 * scenarios of abstract servers keep their files byte for byte. */
typedef enum {
  SIM_COL_OBJECTIVE,     /* objective_s: analytic T of the placement, s */
  SIM_COL_COMPUTE,       /* compute_s */
  SIM_COL_COMM,          /* comm_s */
  SIM_COL_QUANT_RATIO,   /* quant_ratio_pct: Σ p_l·b_l / Σ p_l·pr × 100, % */
  SIM_COL_SERVERS_USED,  /* servers_used */
  SIM_COL_ONE_SERVER_FITS, /* one_server_fits: 1 if one edge server holds the model at its
                              smallest allowed widths (the paper assumes 0), else 0 */
  SIM_COL_SOLVE_S,       /* solve_s: wall time of the solve (timing.csv) */
  SIM_COL_LOWER_BOUND,   /* lower_bound_s */
  SIM_COL_GAP,           /* gap_frac: (objective - lower bound) / objective */
  SIM_COL_NODES,         /* nodes: branch-and-bound nodes */
  SIM_COL_SIM_S,         /* sim_s: DES replay of one request, s */
  SIM_COL_SIM_REL_ERROR, /* sim_rel_error_frac: |sim - analytic| / analytic */
  SIM_COL_RHO,           /* rho_frac: load experiment, offered load of the busiest server or
                            link: rate x its busy time for one request alone / its slots */
  SIM_COL_UNSTABLE,      /* unstable: 1 if rho_frac >= 1 (the queue never settles), else 0;
                            the summary leaves such runs out of the columns that follow */
  SIM_COL_LAT_MEAN,      /* lat_mean_s: end-to-end latency */
  SIM_COL_LAT_P50,
  SIM_COL_LAT_P95,
  SIM_COL_LAT_P99,
  SIM_COL_TTFT,          /* ttft_s: time to first token */
  SIM_COL_TPOT,          /* tpot_s: time per output token */
  SIM_COL_THROUGHPUT,    /* throughput_tps: tokens/s */
  SIM_COL_LOAD_MAPE,     /* load_mape_pct: %, mean over requests of |latency - T| / latency */
  SIM_COL_UNSERVED,      /* unserved: dynamic run, requests never served */
  SIM_COL_SLO_MISS,      /* slo_miss_pct: %, late or unserved requests */
  SIM_COL_SOLVES,        /* solves: exact solves by the controller */
  SIM_COL_MIGRATIONS,    /* migrations: placements changed */
  SIM_COL_LAYERS_MOVED,  /* layers_moved */
  SIM_COL_BYTES_MOVED,   /* moved_bytes */
  SIM_COL_MIGRATION_S,   /* migration_s: s from decisions to completed moves, summed */
  SIM_COL_REPLAN_S,      /* replan_solve_s: wall time of the controller's solves (timing.csv) */
  SIM_COL_PH1_MEAN,      /* ph1_mean_s: latency of requests arriving before phase_at */
  SIM_COL_PH1_P95,       /* ph1_p95_s */
  SIM_COL_PH2_MEAN,      /* ph2_mean_s: ... arriving from phase_at on */
  SIM_COL_PH2_P95,       /* ph2_p95_s */
  SIM_COL_ENERGY,        /* energy_j_per_token: J per generated token (devices only) */
  SIM_COL_POWER,         /* power_w: average power of the servers used over a request, W */
  /* Serving columns: only with continuous batching (docs/experiments.md). */
  SIM_COL_TTFT_P50,      /* ttft_p50_s, ttft_p95_s, ttft_p99_s */
  SIM_COL_TTFT_P95,
  SIM_COL_TTFT_P99,
  SIM_COL_TPOT_P50,      /* tpot_p50_s, ... */
  SIM_COL_TPOT_P95,
  SIM_COL_TPOT_P99,
  SIM_COL_ITL_P50,       /* itl_p50_s: inter-token latency, ... */
  SIM_COL_ITL_P95,
  SIM_COL_ITL_P99,
  SIM_COL_GOODPUT,       /* goodput_rps: requests/s within simulation.goodput */
  SIM_COL_MEAN_BATCH,    /* mean_batch: requests per server step, weighted by step time */
  SIM_COL_MEM_PEAK,      /* mem_peak_frac: largest peak memory / storage over servers */
  SIM_COL_UTIL_MAX,      /* util_max_frac: utilization of the busiest server */
  SIM_COL_UTIL_MEAN,     /* util_mean_frac: mean utilization of the servers holding layers */
  SIM_COL_STAGE,         /* stage_s: bottleneck stage time of the placement (solver_bottleneck) */
  SIM_COL_STAGE_TPS,     /* stage_tps: β / stage_s, tokens/s of a saturated pipeline at batch 1 */
  SIM_COL_COUNT
} sim_column;

#define SIM_COL_FIRST_LOAD SIM_COL_RHO
#define SIM_COL_FIRST_DYN SIM_COL_UNSERVED /* dynamic columns appear only with simulation.dynamics */
#define SIM_COL_FIRST_ENERGY SIM_COL_ENERGY
#define SIM_COL_FIRST_SERVING SIM_COL_TTFT_P50

const char *sim_column_name(sim_column c);

/* 1 if column c holds counts or 0/1 flags, written as integers; every other
 * column holds reals, written with a decimal point or an exponent ("0.0",
 * "25.0", "1e-05") so its type is the same in every experiment. */
int sim_column_is_count(sim_column c);

/* 1 if column c is a wall-clock time, written to timing.csv, never to
 * runs.csv (it differs from one execution to the next). */
int sim_column_is_timing(sim_column c);

/* The version of the files an experiment directory holds (runs.csv,
 * summary.csv, timing.csv, placements.csv, metadata.json), documented in
 * docs/experiments.md and recorded in metadata.json. Version 3: experiment,
 * version and model columns, dot-free swept-key columns, a unit suffix on
 * every quantity, reals always written as reals, solve times in timing.csv.
 * Files of versions 1 and 2 are still read (analysis_schema_upgrade). */
#define SIM_RUNS_SCHEMA_VERSION 3

/* Progress reports: called from worker threads, serialized by the runner. */
typedef void (*sim_run_progress_fn)(void *ctx, size_t done, size_t total, size_t skipped);

typedef struct sim_run_options {
  const char *outdir;       /* output directory (created if missing) */
  int threads;              /* worker threads, >= 1 */
  int64_t runs;             /* runs per point; 0 = the scenario's */
  int resume;               /* 1: keep the complete tasks already in runs.csv; the run
                             * count may differ from the earlier one (runs are seeded
                             * per run, so extending keeps the rows already there) */
  const char *command_line; /* recorded in metadata.json; NULL if unknown */
  int force;                /* 1: replace the runs of an earlier experiment in outdir;
                             * without it or resume such a directory is refused */
  int timing;               /* accepted for compatibility: timing.csv is always written */
  const volatile sig_atomic_t *stop; /* set asynchronously to stop after the current tasks */
  sim_run_progress_fn progress;
  void *progress_ctx;
} sim_run_options;

typedef struct sim_run_stats {
  size_t tasks;        /* (point, run) pairs in the experiment */
  size_t skipped;      /* already complete in runs.csv (resume) */
  size_t done;         /* completed by this call */
  size_t rows;         /* rows in the final runs.csv */
  size_t feasible;     /* rows with a placement (optimal, feasible or timeout with one) */
  int interrupted;     /* 1 if `stop` ended the run early */
} sim_run_stats;

/* Runs the experiment. Returns SIM_OK, SIM_EINTERRUPT (rows kept, no
 * summary), SIM_EINPUT for problems found before any task runs (an error
 * table that does not match, a changed scenario under resume, an output
 * directory holding rows of an earlier run without resume or force), or
 * SIM_EIO. */
int sim_run(const sim_scenario *sc, const sim_run_options *opt, sim_run_stats *stats,
            sim_error *err);

/* The same experiment over MPI (configure --with-mpi; call between
 * MPI_Init_thread with MPI_THREAD_FUNNELED and MPI_Finalize, on every rank).
 * Rank 0 writes the output, which is byte-identical to sim_run's; the other
 * ranks compute and return SIM_OK. *is_writer tells the caller whether this
 * rank owns the output (and the stats). opt->threads threads per rank. */
int sim_run_mpi(const sim_scenario *sc, const sim_run_options *opt, sim_run_stats *stats,
                int *is_writer, sim_error *err);

#endif
