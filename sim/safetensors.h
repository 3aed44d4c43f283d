/* safetensors.h: reading Hugging Face safetensors checkpoints.
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
#ifndef DILEMMA_SIM_SAFETENSORS_H
#define DILEMMA_SIM_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"

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

#endif
