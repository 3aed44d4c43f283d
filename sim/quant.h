/* quant.h: quantization error per (layer, bit width).
 *
 * Without weights, the error is the analytic bound of the truncation
 * quantizer (docs/quantization.md): weights in [-R, R] kept as sign and
 * b fraction bits of a fixed-point grid scaled to R lose at most R * 2^-b,
 * and the paper normalizes by 2^b, so
 *     err(b) = R * 2^-b / 2^b = R * 4^-b   for b < pr,   err(pr) = 0.
 * With weights, `dilemma profile` measures it and writes an error table:
 * a CSV with header `layer,name,bits,error`, one row per (layer, bits).
 *
 * Ownership rule: sim_errtable_load returns a table freed with
 * sim_errtable_free. */
#ifndef DILEMMA_SIM_QUANT_H
#define DILEMMA_SIM_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"

/* The analytic bound above; 0 when b >= pr. */
double sim_quant_error_analytic(int64_t b, int64_t pr, double weight_range);

typedef struct sim_errtable {
  size_t n_layers;   /* rows are layers 0..n_layers-1 */
  size_t n_bits;     /* columns are the bit widths in `bits` */
  int64_t *bits;     /* n_bits, ascending */
  char (*names)[48]; /* n_layers layer names as written in the table */
  double *error;     /* n_layers x n_bits; NaN where the table has no entry */
} sim_errtable;

/* Reads an error table. Errors name the file, line and column. */
sim_errtable *sim_errtable_load(const char *path, sim_error *err);
void sim_errtable_free(sim_errtable *t);

/* The table's error for (layer, b), NaN if absent. */
double sim_errtable_get(const sim_errtable *t, size_t layer, int64_t b);

#endif
