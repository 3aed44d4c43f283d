/* model.h: the public header of sim/model: LLM architectures and their
 * per-layer profiles, and the quantization error of a (layer, bit width)
 * pair, from the analytic bound or from an error table. */

/* LLM architectures and their per-layer profiles.
 *
 * A profile is the chain of layers the placement problem assigns to servers:
 * for each layer its parameter count, the FLOPs it spends per generated token
 * (attention over a given context), the activation elements it hands to the
 * next layer and the KV-cache elements it keeps per token of context.
 * Profiles are computed from hyperparameters, never from hard-coded totals.
 *
 * Ownership rule: sim_model_alloc returns a model the caller releases with
 * sim_model_free; sim_arch values are plain data. */
#ifndef DILEMMA_SIM_MODEL_MODEL_H
#define DILEMMA_SIM_MODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"

typedef enum {
  SIM_FAMILY_OPT = 0,  /* learned positions, LayerNorm, ReLU MLP, biases */
  SIM_FAMILY_LLAMA = 1 /* rotary positions, RMSNorm, SwiGLU MLP, no biases */
} sim_family;

typedef enum {
  SIM_GRAN_BLOCK = 0, /* embedding, each decoder block, head: L = blocks + 2 */
  SIM_GRAN_LINEAR = 1 /* every weight matrix is a layer */
} sim_granularity;

/* Hyperparameters of a decoder-only transformer. */
typedef struct sim_arch {
  char name[64];
  sim_family family;
  int64_t hidden;     /* model width e */
  int64_t ffn;        /* MLP inner width */
  int64_t blocks;     /* decoder blocks */
  int64_t heads;      /* attention heads */
  int64_t kv_heads;   /* key/value heads (grouped-query attention); = heads if not grouped */
  int64_t vocab;      /* vocabulary size */
  int64_t positions;  /* learned position rows (OPT adds an offset of 2 to max positions) */
  int64_t embed_proj; /* word-embedding width when it differs from hidden (OPT-350m: 512), else 0 */
  int tied;           /* 1 if the output head shares the token-embedding matrix */
  int pre_norm;       /* 1 if normalization precedes each sublayer (and a final norm exists) */
} sim_arch;

/* One layer of the chain. Counts are per sequence; the batch multiplies them. */
typedef struct sim_layer {
  char name[48];
  int64_t params;   /* weights, biases and norm parameters attributed to the layer */
  double flops;     /* FLOPs per generated token (a multiply-add counts 2) */
  double act_elems; /* elements sent to the next layer per token */
  double kv_elems;  /* KV-cache elements stored per token of context */
} sim_layer;

/* The largest total parameter count a model may have: sizes in bits (at
 * most 64 bits per weight) of any set of layers then fit an int64_t. */
#define SIM_MODEL_MAX_PARAMS ((int64_t)100000000000000000) /* 1e17 */

typedef struct sim_model {
  char name[64];
  sim_granularity granularity;
  int64_t context;      /* tokens attended to when counting attention FLOPs */
  size_t n_layers;
  sim_layer *layers;    /* n_layers entries, in execution order */
  int64_t total_params; /* sum of layers[].params */
} sim_model;

/* Built-in architectures, looked up by name (opt-125m, opt-350m, opt-1.3b,
 * opt-6.7b, llama-2-7b, llama-3-8b). Returns NULL if name is unknown. */
const sim_arch *sim_arch_find(const char *name);

/* The i-th built-in architecture, NULL past the end; for listings. */
const sim_arch *sim_arch_builtin(size_t i);

/* Checks that an architecture is self-consistent (positive sizes, heads
 * divide hidden, kv_heads divide heads). Records each problem in err. */
int sim_arch_validate(const sim_arch *arch, sim_error *err);

/* Builds the layer profile of arch at the given granularity, counting
 * attention over `context` tokens. Returns NULL and fills err on failure.
 * O(blocks) time and memory. */
sim_model *sim_model_alloc(const sim_arch *arch, sim_granularity gran,
                           int64_t context, sim_error *err);

/* Builds a model from an explicit list of layers (a custom profile); the
 * layers are copied. */
sim_model *sim_model_alloc_layers(const char *name, const sim_layer *layers,
                                  size_t n_layers, sim_error *err);

void sim_model_free(sim_model *model);

/* Name of a granularity ("block", "linear") and the reverse lookup
 * (returns -1 for an unknown name). */
const char *sim_granularity_name(sim_granularity g);
int sim_granularity_parse(const char *s);
const char *sim_family_name(sim_family f);
int sim_family_parse(const char *s);

/* Quantization error per (layer, bit width).
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

/* How weights are rounded to b bits (docs/quantization.md). */
typedef enum {
  SIM_QUANT_TRUNCATE = 0,
  SIM_QUANT_RTN_SYM = 1,
  SIM_QUANT_RTN_ASYM = 2
} sim_quantizer;
/* Where err(l, b) comes from. */
typedef enum { SIM_ERRSRC_ANALYTIC = 0, SIM_ERRSRC_TABLE = 1 } sim_error_source;
/* The accuracy rule: each layer within delta, or the sum within a budget. */
typedef enum { SIM_ACC_PER_LAYER = 0, SIM_ACC_BUDGET = 1 } sim_accuracy;

/* Names of the values above, indexed by the enums and NULL-terminated: the
 * words a scenario and the command line accept. */
extern const char *const sim_quantizer_names[];
extern const char *const sim_error_source_names[];
extern const char *const sim_accuracy_names[];

/* Name of a quantizer ("truncate", "rtn-sym", "rtn-asym"; "?" if out of
 * range) and the reverse lookup (-1 for an unknown name). */
const char *sim_quantizer_name(sim_quantizer q);
int sim_quantizer_parse(const char *s);

/* The bit widths and the accuracy rule of an experiment (a scenario's
 * `quantization` block). */
typedef struct sim_quant_config {
  int64_t b_min, b_max, step; /* bit widths b_min, b_min+step, ..., b_max */
  sim_quantizer quantizer;
  sim_error_source error;
  char *error_table;          /* CSV from `dilemma profile`, when error = table */
  double weight_range;        /* analytic bound: weights assumed in [-R, R] */
  sim_accuracy accuracy;
  double delta;               /* per_layer: err(l, b) <= delta */
  double budget;              /* budget: sum_l err(l, b_l) <= budget */
} sim_quant_config;

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
/* The same from text_len bytes of CSV text; path names it in messages. */
sim_errtable *sim_errtable_parse(const char *text, size_t text_len, const char *path, sim_error *err);
void sim_errtable_free(sim_errtable *t);

/* The table's error for (layer, b), NaN if absent. */
double sim_errtable_get(const sim_errtable *t, size_t layer, int64_t b);

#endif
