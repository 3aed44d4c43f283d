/* table1.h: the paper's Table 1 from an experiment's output: for each value
 * of the swept δ, the bit widths the method chose per layer and the mean
 * quantization ratio.
 *
 * Ownership rule: the caller owns the sim_buf outputs. */
#ifndef DILEMMA_SIM_TABLE1_H
#define DILEMMA_SIM_TABLE1_H

#include <stddef.h>

#include "sim/buf.h"
#include "sim/error.h"

/* Reads runs.csv and summary.csv texts of a sweep whose first key is
 * `key`; appends a CSV (`delta,bits_per_layer,quant_ratio`) to csv and a
 * Markdown table to md. Bits per layer is "12" when every layer has 12
 * bits, else the widths with their layer counts ("10x24 12x2"), and
 * "varies" when the runs of a point disagree. */
int sim_table1_build(const char *runs_csv, const char *summary_csv, const char *key,
                     const char *method, sim_buf *csv, sim_buf *md, sim_error *err);

#endif
