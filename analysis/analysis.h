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

/* Reads runs.csv and summary.csv texts of a sweep whose first key is
 * `key`; appends a CSV (`delta,bits_per_layer,quant_ratio`) to csv and a
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
 * most size bytes, NUL-terminated. Returns SIM_ESYNTAX when the header
 * lacks method or the n_ columns. */
int analysis_summary_legend(const char *summary_csv, const char *method, char *out, size_t size,
                       sim_error *err);


/* Draws the figures of a `dilemma run` output directory (DIR/figures). */
int analysis_plot_dir(const char *dir, int quiet, sim_error *err);

#endif
