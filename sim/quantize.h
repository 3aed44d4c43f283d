/* quantize.h: quantizers and error metrics over real weights.
 *
 * A quantizer maps each weight w of a block (a tensor, an output channel or
 * a group of g consecutive weights) to q_b(w) at each bit width b; the exact
 * definitions are in docs/quantization.md and sim_quantize_point. One
 * streaming pass over a tensor accumulates, for every requested bit width at
 * once, the largest |w - q_b(w)| and the sum of (w - q_b(w))^2, from which
 * every metric follows:
 *   max-abs-norm  max |w - q_b(w)| / 2^b   (the paper's)
 *   max-abs       max |w - q_b(w)|
 *   rmse          sqrt(mean (w - q_b(w))^2)
 *   rel-fro       ||W - Q_b(W)||_F / ||W||_F
 * At b at or above the bits of the tensor's stored type (or above
 * SIM_QUANTIZE_EXACT_BITS) the tensor is kept as stored and its error is 0.
 *
 * Ownership rule: everything here is caller-owned plain data; nothing is
 * allocated that outlives a call. */
#ifndef DILEMMA_SIM_QUANTIZE_H
#define DILEMMA_SIM_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"
#include "sim/safetensors.h"
#include "sim/scenario.h" /* sim_quantizer: truncate, rtn-sym, rtn-asym */

#define SIM_QUANTIZE_MAX_BITS 64 /* bit widths per pass, and the widest width */
#define SIM_QUANTIZE_EXACT_BITS 50 /* wider widths keep the weights (finer than doubles resolve) */

typedef enum {
  SIM_QMETRIC_MAX_ABS_NORM = 0,
  SIM_QMETRIC_MAX_ABS = 1,
  SIM_QMETRIC_RMSE = 2,
  SIM_QMETRIC_REL_FRO = 3
} sim_qmetric;

/* Which weights share one scale. */
typedef enum {
  SIM_QSCALE_TENSOR = 0,  /* the whole tensor */
  SIM_QSCALE_CHANNEL = 1, /* each output channel: a row of a [out, in, ...] tensor */
  SIM_QSCALE_GROUP = 2    /* groups of `group` consecutive weights within a row */
} sim_qscale;

typedef struct sim_quantize_spec {
  sim_quantizer quantizer;
  sim_qscale scale;
  uint64_t group;    /* weights per group, SIM_QSCALE_GROUP only */
  double range;      /* truncate: fixed R > 0, or 0 to use each block's max |w| */
  int force_direct;  /* 1: never take the 16-bit histogram shortcut (tests, benchmarks) */
  size_t n_bits;
  int bits[SIM_QUANTIZE_MAX_BITS]; /* ascending, each in [1, 64] (rtn-sym: [2, 64]) */
} sim_quantize_spec;

/* Error sums of one tensor, or of a layer's tensors merged. */
typedef struct sim_qacc {
  size_t n_bits;
  uint64_t count;                           /* weights seen */
  double sum_w2;                            /* sum of w^2 */
  double max_err[SIM_QUANTIZE_MAX_BITS];    /* max |w - q_b(w)| per width */
  double sum_err2[SIM_QUANTIZE_MAX_BITS];   /* sum of (w - q_b(w))^2 per width */
} sim_qacc;

/* Names: "truncate", "rtn-sym", "rtn-asym"; "max-abs-norm", "max-abs",
 * "rmse", "rel-fro". Parsers return -1 for an unknown name. */
const char *sim_quantizer_name(sim_quantizer q);
int sim_quantizer_parse(const char *s);
const char *sim_qmetric_name(sim_qmetric m);
int sim_qmetric_parse(const char *s);

/* Checks a spec: bit widths ascending and in range, group > 0 when used,
 * range finite and >= 0 and only with truncate. */
int sim_quantize_spec_check(const sim_quantize_spec *spec, sim_error *err);

/* Parses "4:32:2" (from:to:step), "8" or "4,8,16" into spec->bits. */
int sim_quantize_bits_parse(const char *s, sim_quantize_spec *spec, sim_error *err);

void sim_qacc_init(sim_qacc *acc, size_t n_bits);
void sim_qacc_merge(sim_qacc *into, const sim_qacc *from);
/* The metric at width index k (bits = spec bits[k]); 0 for an empty acc. */
double sim_qacc_metric(const sim_qacc *acc, sim_qmetric m, size_t k, int bits);

/* The quantizer's definition for one weight: q_b(w) for a block whose
 * smallest and largest weights are lo and hi (range R > 0 overrides the
 * block for truncate). This is the reference the fast kernels must match. */
double sim_quantize_point(sim_quantizer q, int bits, double range, double lo, double hi, double w);

/* Where the elements of a tensor come from: fetch makes elements
 * [first, first + count) readable at *data (count <= window elements) and
 * keeps them valid until the next fetch. */
typedef struct sim_qsource {
  sim_dtype dtype;
  uint64_t n;        /* elements */
  uint64_t row;      /* elements per output channel (n for a vector) */
  uint64_t window;   /* largest count fetch accepts, >= 1 */
  int (*fetch)(void *ctx, uint64_t first, uint64_t count, const void **data, sim_error *err);
  void *ctx;
} sim_qsource;

/* Quantizes every element of src at every width of spec and adds the
 * errors to acc (initialized by the caller for spec->n_bits widths).
 * One pass over the data when the scale is per channel or group (each block
 * is re-read from cache) or when a 16-bit or 8-bit tensor has a per-tensor
 * scale (a histogram of codes); a per-tensor scale over F32 or F64 needs a
 * first pass for the block's range. Memory: O(window + 2^16).
 * Weights that are NaN or infinite are an input error naming `what`. */
int sim_quantize_source(const sim_quantize_spec *spec, const sim_qsource *src, const char *what,
                        sim_qacc *acc, sim_error *err);

/* The same over an array in memory: n elements of dtype, rows of `row`. */
int sim_quantize_array(const sim_quantize_spec *spec, sim_dtype dtype, const void *data,
                       uint64_t n, uint64_t row, sim_qacc *acc, sim_error *err);

#endif
