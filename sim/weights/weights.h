/* weights.h: the public header of sim/weights: reading safetensors
 * checkpoints, quantizing their tensors and measuring the error, and
 * grouping tensors into a model profile's layers (`dilemma profile`). */

/* Reading Hugging Face safetensors checkpoints.
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes of
 * JSON mapping each tensor name to {dtype, shape, data_offsets}, then the
 * tensors' bytes. A sharded checkpoint adds `model.safetensors.index.json`,
 * whose "weight_map" names the shard holding each tensor.
 *
 * Every number in a header is checked against the file before any tensor
 * byte is read: offsets within the data section, byte length equal to
 * shape x dtype size (without overflow), tensors tiling the data section
 * without gap or overlap (as the format requires). A corrupt or hostile file
 * gets an error naming the file and the problem (SIM_ESYNTAX for bytes that
 * do not parse, SIM_EINPUT for values that are inconsistent), never a crash.
 *
 * Tensor bytes are never copied into the heap: callers map bounded windows
 * of a tensor (sim_safetensors_window_map), so a checkpoint larger than RAM
 * can be streamed with memory bounded by the window size.
 *
 * Ownership rule: sim_safetensors_alloc returns a checkpoint released with
 * sim_safetensors_free; tensor records and names it hands out live as long as
 * the checkpoint; a window is released with sim_safetensors_window_unmap. */
#ifndef DILEMMA_SIM_WEIGHTS_WEIGHTS_H
#define DILEMMA_SIM_WEIGHTS_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/core/core.h"
#include "sim/model/model.h"

/* Element types of the format. All are parsed and bounds-checked; the
 * quantizers read F64, F32, F16, BF16 and I8 (sim_dtype_readable). */
typedef enum {
  SIM_DTYPE_BOOL = 0,
  SIM_DTYPE_U8,
  SIM_DTYPE_I8,
  SIM_DTYPE_F8_E4M3,
  SIM_DTYPE_F8_E5M2,
  SIM_DTYPE_I16,
  SIM_DTYPE_U16,
  SIM_DTYPE_F16,
  SIM_DTYPE_BF16,
  SIM_DTYPE_I32,
  SIM_DTYPE_U32,
  SIM_DTYPE_F32,
  SIM_DTYPE_I64,
  SIM_DTYPE_U64,
  SIM_DTYPE_F64,
  SIM_DTYPE_COUNT
} sim_dtype;

/* The format's spelling ("F16"), and the reverse lookup (-1 if unknown). */
const char *sim_dtype_name(sim_dtype t);
int sim_dtype_parse(const char *s);
/* Bytes per element. */
size_t sim_dtype_size(sim_dtype t);
/* 1 if the quantizers can read elements of this type as numbers. */
int sim_dtype_readable(sim_dtype t);

/* IEEE binary16 and bfloat16 to single precision, exact for every input
 * (both formats are subsets of binary32): subnormals keep their value,
 * infinities stay infinite, NaNs stay NaN with their payload shifted up. */
float sim_f16_to_float(uint16_t h);
float sim_bf16_to_float(uint16_t h);

/* Element i of a little-endian array of a readable dtype, as a double. */
double sim_dtype_load(sim_dtype t, const void *data, uint64_t i);

#define SIM_ST_MAX_DIMS 16 /* deeper shapes are rejected as hostile */

/* One tensor of a checkpoint. */
typedef struct sim_st_tensor {
  const char *name;
  sim_dtype dtype;
  size_t ndim;
  uint64_t shape[SIM_ST_MAX_DIMS];
  uint64_t n_elems;  /* product of shape (1 for a scalar) */
  uint64_t n_bytes;  /* n_elems * dtype size */
  uint64_t offset;   /* bytes from the start of its file */
  size_t file;       /* index of the shard holding it */
} sim_st_tensor;

typedef struct sim_safetensors sim_safetensors;

/* Opens a checkpoint: a .safetensors file, a model.safetensors.index.json
 * (its shards are found beside it), or a directory holding one of those.
 * Validates every header completely; tensors are then listed in file order
 * (shard, offset), the order that reads each file sequentially.
 * Returns NULL and fills err on failure. O(tensors log tensors). */
sim_safetensors *sim_safetensors_alloc(const char *path, sim_error *err);
void sim_safetensors_free(sim_safetensors *st);

size_t sim_safetensors_n_tensors(const sim_safetensors *st);
const sim_st_tensor *sim_safetensors_tensor(const sim_safetensors *st, size_t i);
/* The tensor called name, NULL if none. O(log tensors). */
const sim_st_tensor *sim_safetensors_find(const sim_safetensors *st, const char *name);
size_t sim_safetensors_n_files(const sim_safetensors *st);
const char *sim_safetensors_file_path(const sim_safetensors *st, size_t file);
/* Sum of every tensor's bytes. */
uint64_t sim_safetensors_total_bytes(const sim_safetensors *st);

/* A read-only view of bytes [offset, offset + n_bytes) of one tensor. */
typedef struct sim_st_window {
  const unsigned char *data; /* first requested byte */
  size_t n_bytes;
  void *map_base;            /* page-aligned mapping, for unmapping */
  size_t map_len;
} sim_st_window;

/* Maps bytes [byte_off, byte_off + n_bytes) of tensor t, which must lie in
 * the tensor. The file's size is checked again first, so a file truncated
 * after opening is reported instead of faulting. The mapping is advised
 * sequential; unmapping it drops its pages from the process. */
int sim_safetensors_window_map(const sim_safetensors *st, const sim_st_tensor *t,
                               uint64_t byte_off, size_t n_bytes, sim_st_window *w,
                               sim_error *err);
void sim_safetensors_window_unmap(sim_st_window *w);

/* Quantizers and error metrics over real weights.
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

/* Names: "max-abs-norm", "max-abs", "rmse", "rel-fro" (the quantizers'
 * names are in sim/model/model.h). The parser returns -1 for an unknown
 * name. */
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

/* A checkpoint's tensors grouped into a model profile's layers,
 * and the profiling pass that turns them into an error table.
 *
 * Names decide the grouping. OPT checkpoints keep blocks under
 * `model.decoder.layers.N.` (the `model.` is optional), Llama under
 * `model.layers.N.`; a user pattern such as `transformer.h.{N}.` covers other
 * families. At `block` granularity a layer is the embedding, one decoder
 * block or the head; at `linear` granularity each weight matrix is a layer,
 * named as sim_model_alloc names it (`block.3.q_proj`, `lm_head`), and
 * biases and norm scales go with the matrix the profile folds them into.
 *
 * Only matrices (tensors of two or more dimensions) are quantized unless
 * vectors are asked for: the paper quantizes weights and leaves biases
 * alone. A tied head (no `lm_head.weight`) multiplies by the token
 * embedding, so its error is the embedding's, while its parameters stay 0.
 *
 * Ownership rule: _alloc results are released with the matching _free; a
 * map borrows nothing, a profile copies what it needs from its map. */



typedef enum {
  SIM_NAMING_AUTO = 0,   /* OPT or Llama, whichever the names follow */
  SIM_NAMING_OPT = 1,
  SIM_NAMING_LLAMA = 2,
  SIM_NAMING_PATTERN = 3 /* blocks named by a user pattern with {N} */
} sim_naming;

typedef struct sim_weights_options {
  sim_naming naming;
  const char *pattern;         /* SIM_NAMING_PATTERN: e.g. "transformer.h.{N}." */
  sim_granularity granularity;
  const sim_arch *arch;        /* the architecture to match; NULL: detect or derive */
  int quantize_vectors;        /* 1: quantize biases and norm scales too */
} sim_weights_options;

#define SIM_WEIGHTS_NAME_MAX 48 /* as in sim_layer and sim_errtable */

typedef struct sim_weights_map {
  sim_naming naming;           /* the naming the tensors follow */
  char model[64];              /* built-in architecture matched, or "checkpoint" */
  sim_arch arch;               /* the architecture used (derived when none matched) */
  int has_arch;                /* 0 for a user pattern */
  size_t n_layers;
  char (*names)[SIM_WEIGHTS_NAME_MAX]; /* layer names in execution order */
  int64_t *params;             /* elements of every tensor grouped into each layer */
  int64_t *profile_params;     /* the profile's parameters per layer, -1 if no profile */
  size_t n_tensors;            /* tensors of the checkpoint, in its file order */
  long *layer;                 /* per tensor: its layer */
  unsigned char *quantized;    /* per tensor: 1 if it is quantized */
  long tied_layer;             /* layer that reuses tensor tied_tensor's error, or -1 */
  size_t tied_tensor;
} sim_weights_map;

/* Groups every tensor of st into layers. Fails with SIM_EINPUT naming the
 * tensor when a name fits no layer of the profile, or the layer when a
 * profile layer has no tensor. With no arch given, a built-in of the family
 * whose shapes match is used, else an architecture derived from the shapes.
 * O(tensors x layers). */
sim_weights_map *sim_weights_map_alloc(const sim_safetensors *st, const sim_weights_options *opt,
                                       sim_error *err);
void sim_weights_map_free(sim_weights_map *map);

/* Called with bytes done and bytes in all while a profile runs. */
typedef void (*sim_weights_progress)(void *ctx, uint64_t done, uint64_t total);

typedef struct sim_weights_profile {
  size_t n_layers;
  char (*names)[SIM_WEIGHTS_NAME_MAX];
  sim_quantize_spec spec;
  sim_qacc *acc;          /* per layer, over its quantized tensors */
  uint64_t bytes;         /* tensor bytes read */
} sim_weights_profile;

/* Quantizes every quantized tensor of st once, in file order, through
 * mapped windows of bounded size, and sums the errors per layer. Memory is
 * O(window + layers), whatever the size of the checkpoint. */
sim_weights_profile *sim_weights_profile_alloc(const sim_safetensors *st,
                                               const sim_weights_map *map,
                                               const sim_quantize_spec *spec,
                                               sim_weights_progress progress, void *ctx,
                                               sim_error *err);
void sim_weights_profile_free(sim_weights_profile *p);

/* The error of layer l at width index k under metric m. */
double sim_weights_profile_error(const sim_weights_profile *p, size_t l, size_t k, sim_qmetric m);

/* Writes the error table (`layer,name,bits,error`, the format
 * sim_errtable_load reads) with numbers in shortest round-trip form. */
int sim_weights_profile_write_csv(const sim_weights_profile *p, sim_qmetric m, FILE *out);

/* The same into a file, written whole or not at all (a temporary file is
 * renamed over path). */
int sim_weights_profile_save(const sim_weights_profile *p, sim_qmetric m, const char *path,
                             sim_error *err);

#endif
