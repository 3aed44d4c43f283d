/* weights-internal.h: helpers shared by the grouping files (weights.c,
 * weights_arch.c, weights_pattern.c). Internal to sim/. */
#ifndef DILEMMA_SIM_WEIGHTS_INTERNAL_H
#define DILEMMA_SIM_WEIGHTS_INTERNAL_H

#include "sim/weights.h"

typedef enum { SIM__W_EMBED = 0, SIM__W_BLOCK = 1, SIM__W_HEAD = 2 } sim__wregion;

/* s past prefix, or NULL if s does not start with it. */
const char *sim__prefix_skip(const char *s, const char *prefix);

/* Matches `prefix N suffix` at the start of s: sets *block and returns the
 * rest of s, or NULL. */
const char *sim__block_parse(const char *s, const char *prefix, const char *suffix, long *block);

/* The module path of a tensor name without its last component
 * ("self_attn.q_proj.weight" -> "self_attn.q_proj"), or only the module's
 * own name ("q_proj") when last_only. */
void sim__module_of(const char *rest, char *out, size_t len, int last_only);

/* A map with room for the given tensors and layers, zeroed; NULL if out of
 * memory. */
sim_weights_map *sim__wmap_new(size_t n_tensors, size_t n_layers);

/* Index of the layer called name, -1 if none. O(layers). */
long sim__layer_find(const sim_weights_map *m, const char *name);

/* Whether tensor t enters the error: matrices always, vectors on request,
 * and never empty tensors or integer buffers. */
int sim__wmap_quantizable(const sim_st_tensor *t, int vectors, sim_error *err, int *out);

/* Derives an OPT or Llama architecture from tensor shapes, or takes the
 * built-in one those shapes match. */
int sim__arch_derive(const sim_safetensors *st, sim_naming naming, sim_arch *out, sim_error *err);

/* Grouping under a user pattern. */
sim_weights_map *sim__wmap_pattern(const sim_safetensors *st, const sim_weights_options *opt,
                                   sim_error *err);

#endif
