/* internal.h: what the files of sim/weights share and nobody else uses. */

/* The checkpoint record shared by the single-file
 * reader (safetensors.c) and the sharded-index reader (safetensors_index.c).
 *  */
#ifndef DILEMMA_SIM_WEIGHTS_INTERNAL_H
#define DILEMMA_SIM_WEIGHTS_INTERNAL_H

#include <string.h>

#include "sim/weights/weights.h"

/* Inline twins of sim_f16_to_float and sim_bf16_to_float for the streaming
 * loops, which convert every weight and should not pay for a call. */
static inline float sim__f16_bits_to_float(uint16_t h) {
  uint32_t u;
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {
    float v = (float)mant * 0x1p-24f;
    return sign ? -v : v;
  }
  u = sign | (exp == 31 ? 0x7f800000u : (exp + 112u) << 23) | (mant << 13);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static inline float sim__bf16_bits_to_float(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* The format's own limit on the JSON header, which also bounds what a
 * hostile file can make us allocate. */
#define SIM__ST_HEADER_MAX 100000000u

typedef struct sim__st_file {
  char *path;
  int fd;              /* open for the checkpoint's lifetime; -1 if not open */
  uint64_t size;       /* bytes, at open time */
  uint64_t data_start; /* 8 + header length */
} sim__st_file;

struct sim_safetensors {
  sim__st_file *files;
  size_t n_files, cap_files;
  sim_st_tensor *tensors; /* sorted by (file, offset) once complete */
  size_t n_tensors, cap_tensors;
  sim_st_tensor **by_name; /* the tensors sorted by name */
  uint64_t total_bytes;
};

/* Reads and validates one safetensors file and appends its tensors as file
 * number st->n_files. Returns SIM_OK or an error code with err filled. */
int sim__st_add_file(sim_safetensors *st, const char *path, sim_error *err);

/* Sorts the tensors into file order, builds the name index and rejects a
 * name present in two files. */
int sim__st_finish(sim_safetensors *st, sim_error *err);

/* Reads a sharded checkpoint's index and every shard it names. */
int sim__st_add_index(sim_safetensors *st, const char *index_path, sim_error *err);

/* Helpers shared by the grouping files (weights.c,
 * weights_arch.c, weights_pattern.c).  */


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
