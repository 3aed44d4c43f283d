/* analysis.h: the public header of analysis/: from an experiment's
 * runs.csv to summary.csv, Table 1 and the figures.
 *
 * Ownership rule: outputs that are allocated (summary text, sim_buf
 * contents) belong to the caller. */

/* The paper's Table 1 from an experiment's output: for each value
 * of the swept δ, the bit widths the method chose per layer and the mean
 * quantization ratio.
 *
 * Ownership rule: the caller owns the sim_buf outputs. */
#ifndef DILEMMA_ANALYSIS_ANALYSIS_H
#define DILEMMA_ANALYSIS_ANALYSIS_H

#include <stddef.h>

#include "sim/core/core.h"
#include "sim/scenario/scenario.h"

/* Reads runs.csv and summary.csv texts of a sweep whose first key's column
 * is `key` (quantization_delta); appends a CSV
 * (`KEY,bits_per_layer,quant_ratio_pct`) to csv and a
 * Markdown table to md. Bits per layer is "12" when every layer has 12
 * bits, else the widths with their layer counts ("10x24 12x2"), and
 * "varies" when the runs of a point disagree. */
int analysis_table1_build(const char *runs_csv, const char *summary_csv, const char *key,
                     const char *method, sim_buf *csv, sim_buf *md, sim_error *err);

/* Computes summary.csv text from runs.csv text: per (point, method) the
 * counts by status and mean, sd, 95 % CI half-width (Student t), median,
 * min and max of every numeric column over the rows with status optimal or
 * feasible. Fails with SIM_ESYNTAX on malformed input. */
int analysis_summary_compute(const char *runs_csv, size_t len, char **summary_csv, sim_error *err);

/* The legend entry of a method in a figure drawn from summary.csv text:
 * the method's name, and when some of its runs have no objective (status
 * infeasible, timeout or error) how many of all its runs the means are
 * over and why, e.g. "single (mean of 890 of 900 runs; 10 infeasible)".
 * Without it a baseline that fails where placements are hard looks better
 * than the optimum, its mean being over the easier runs only. Writes at
 * most size bytes, NUL-terminated. model NULL counts every row of the
 * method; otherwise only that model's (`all`: the aggregate of a
 * multi-model experiment). Returns SIM_ESYNTAX when the header
 * lacks method or the n_ columns. */
int analysis_summary_legend(const char *summary_csv, const char *method, const char *model,
                            char *out, size_t size, sim_error *err);


/* The version of the CSV files this build writes (docs/experiments.md);
 * equal to SIM_RUNS_SCHEMA_VERSION of sim/run. */
#define ANALYSIS_SCHEMA_VERSION 3

/* The schema of runs.csv or summary.csv text from its header: 3 when it
 * starts with "experiment,", 2 when it starts with "point," (schemas 1 and
 * 2 share their CSV files), 0 for anything else. */
int analysis_schema_version(const char *csv, size_t len);

/* 1 if a runs.csv metric column of schema 3 holds counts or 0/1 flags
 * (written as integers), 0 if it holds reals. */
int analysis_schema_is_count(const char *column);

/* Rewrites a runs.csv or summary.csv of schema 1 or 2 into schema 3 (new
 * text in *out, *out_len bytes, NUL-terminated, the caller frees): columns
 * renamed (swept keys with '_' for '.', unit suffixes), experiment and
 * version (the given version: the one that wrote the file) first, model
 * after method, reals written as reals, solve_s and replan_solve_s dropped
 * (schema 3 keeps them in timing.csv). With the scenario the file came from
 * (sc, may be NULL), the experiment name, the model of each point and the
 * swept values in their schema-3 form are filled in; without it they are
 * empty or copied. A torn last line is dropped. SIM_ESYNTAX for a file of
 * another schema or a row with the wrong number of fields. */
int analysis_schema_upgrade(const char *csv, size_t len, const sim_scenario *sc, const char *version,
                            char **out, size_t *out_len, sim_error *err);

/* What `dilemma plot DIR...` overlays (analysis_compare). */
typedef struct analysis_compare_options {
  const char *metric;  /* a numeric column of runs.csv (its _mean and _ci95 are drawn);
                          NULL: objective_s */
  const char *methods; /* methods, comma-separated; NULL: every method of each experiment */
  const char *x;       /* the x column of summary.csv; NULL: the first experiment's first
                          swept column (point without a sweep) */
  const char *out;     /* output path without extension: writes OUT.png, OUT.svg, OUT.dat */
  int quiet;
} analysis_compare_options;

/* One figure over several experiment directories: the metric's mean with
 * its 95 % CI against x, one line per (experiment, method) with a legend
 * entry naming both; the caption gives the runs per point, each
 * experiment's when they differ (and each entry its own then). OUT.dat
 * holds the rows drawn (x mean ci95, one block per line, in legend order).
 * SIM_EINPUT naming the directory and file for a missing or damaged
 * summary.csv, a column that is not there, an x that is not a number or
 * repeats within a method (a second swept key). Older directories are
 * read in schema 3. */
int analysis_compare(const char *const *dirs, size_t n_dirs, const analysis_compare_options *o,
                     sim_error *err);

/* How hard the solve of `method` was at each sweep point, from runs.csv
 * and timing.csv texts: CSV with a header and one row per point
 * (`point[,XCOL],runs,optimal,timeout,other,no_placement,solve_s_median,
 * solve_s_max,gap_frac_median,gap_frac_max`). `other` counts statuses
 * other than optimal and timeout; `no_placement` the timeouts without a
 * placement (their gap is not in the gap columns). Medians and maxima are
 * over the runs that have the value; empty when none has. model NULL
 * takes every row of the method, else only that model's (`all`: a
 * multi-model experiment's joint solve); xcol NULL leaves the swept
 * column out. timing_csv NULL leaves the times empty. Wall-clock times
 * vary from one run to the next, so unlike summary.csv the result is not
 * reproducible byte for byte. *out is the caller's to free. SIM_ESYNTAX
 * when a column is missing. */
int analysis_solve_table(const char *runs_csv, const char *timing_csv, const char *method, const char *model,
                         const char *xcol, char **out, sim_error *err);

/* Draws the figures of a `dilemma run` output directory (DIR/figures). */
int analysis_plot_dir(const char *dir, int quiet, sim_error *err);

#endif
