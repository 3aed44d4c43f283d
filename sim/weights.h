/* weights.h: a checkpoint's tensors grouped into a model profile's layers,
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
#ifndef DILEMMA_SIM_WEIGHTS_H
#define DILEMMA_SIM_WEIGHTS_H

#include <stdint.h>
#include <stdio.h>

#include "sim/error.h"
#include "sim/model.h"
#include "sim/quantize.h"
#include "sim/safetensors.h"

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
