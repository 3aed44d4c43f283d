/* st_build.h: writes small safetensors files for the tests, valid or
 * deliberately broken. Header-only; each test program includes it once.
 *
 * A builder collects tensors (name, dtype, shape, bytes); st_write lays them
 * out back to back the way the format requires and writes
 * [8-byte length][JSON header][data]. Tests that need a broken file write
 * the header text themselves with st_write_raw. */
#ifndef DILEMMA_TESTS_ST_BUILD_H
#define DILEMMA_TESTS_ST_BUILD_H

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ST_MAX_TENSORS 512

typedef struct {
  char name[128];
  const char *dtype;
  size_t ndim;
  uint64_t shape[4];
  size_t esize;
  unsigned char *data; /* NULL: zeros (written sparse when the file is large) */
  uint64_t n_bytes;
} st_tensor;

typedef struct {
  size_t n;
  st_tensor t[ST_MAX_TENSORS];
} st_builder;

static inline size_t st_esize(const char *dtype) {
  if (!strcmp(dtype, "F64") || !strcmp(dtype, "I64")) return 8;
  if (!strcmp(dtype, "F32") || !strcmp(dtype, "I32")) return 4;
  if (!strcmp(dtype, "F16") || !strcmp(dtype, "BF16")) return 2;
  return 1;
}

/* Adds a tensor; data (n_elems * esize bytes, little-endian) is copied, or
 * NULL for zeros. Shape has ndim entries (up to 4). */
static inline void st_add(st_builder *b, const char *name, const char *dtype, size_t ndim,
                          const uint64_t *shape, const void *data) {
  st_tensor *t = &b->t[b->n++];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  t->dtype = dtype;
  t->ndim = ndim;
  uint64_t n = 1;
  for (size_t d = 0; d < ndim; d++) n *= (t->shape[d] = shape[d]);
  t->esize = st_esize(dtype);
  t->n_bytes = n * t->esize;
  if (data != NULL) {
    t->data = malloc(t->n_bytes ? t->n_bytes : 1);
    memcpy(t->data, data, t->n_bytes);
  }
}

static inline void st_add2(st_builder *b, const char *name, const char *dtype, uint64_t r,
                           uint64_t c, const void *data) {
  uint64_t s[2] = {r, c};
  st_add(b, name, dtype, 2, s, data);
}

static inline void st_add1(st_builder *b, const char *name, const char *dtype, uint64_t n,
                           const void *data) {
  st_add(b, name, dtype, 1, &n, data);
}

static inline void st_clear(st_builder *b) {
  for (size_t i = 0; i < b->n; i++) free(b->t[i].data);
  b->n = 0;
}

/* Writes header text and data_len bytes of data (zeros if data is NULL,
 * as a hole so large files cost no disk). Returns 0 on success. */
static inline int st_write_raw(const char *path, const char *header, uint64_t header_len,
                               const void *data, uint64_t data_len) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return -1;
  unsigned char len8[8];
  for (int k = 0; k < 8; k++) len8[k] = (unsigned char)(header_len >> (8 * k));
  fwrite(len8, 1, 8, f);
  fwrite(header, 1, strlen(header), f);
  if (data != NULL) fwrite(data, 1, data_len, f);
  fflush(f);
  int rc = ferror(f) ? -1 : 0;
  if (data == NULL && data_len > 0)
    rc |= ftruncate(fileno(f), (off_t)(8 + strlen(header) + data_len));
  fclose(f);
  return rc;
}

/* Writes the builder's tensors as one valid file. */
static inline int st_write(const st_builder *b, const char *path) {
  size_t cap = 256 + b->n * 256, used = 0;
  char *h = malloc(cap);
  uint64_t off = 0;
  used += (size_t)snprintf(h + used, cap - used, "{\"__metadata__\":{\"format\":\"pt\"}");
  for (size_t i = 0; i < b->n; i++) {
    const st_tensor *t = &b->t[i];
    used += (size_t)snprintf(h + used, cap - used, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", t->name,
                             t->dtype);
    for (size_t d = 0; d < t->ndim; d++)
      used += (size_t)snprintf(h + used, cap - used, "%s%llu", d ? "," : "",
                               (unsigned long long)t->shape[d]);
    used += (size_t)snprintf(h + used, cap - used, "],\"data_offsets\":[%llu,%llu]}",
                             (unsigned long long)off, (unsigned long long)(off + t->n_bytes));
    off += t->n_bytes;
  }
  used += (size_t)snprintf(h + used, cap - used, "}");
  /* Pad with spaces to a multiple of 8, as the reference writer does. */
  while (used % 8 != 0) h[used++] = ' ';
  h[used] = '\0';
  FILE *f = fopen(path, "wb");
  if (f == NULL) { free(h); return -1; }
  unsigned char len8[8];
  for (int k = 0; k < 8; k++) len8[k] = (unsigned char)((uint64_t)used >> (8 * k));
  fwrite(len8, 1, 8, f);
  fwrite(h, 1, used, f);
  /* Zero tensors are skipped over; the final ftruncate turns the skipped
   * ranges into holes that read as zeros. */
  for (size_t i = 0; i < b->n; i++) {
    if (b->t[i].data != NULL) fwrite(b->t[i].data, 1, b->t[i].n_bytes, f);
    else fseek(f, (long)b->t[i].n_bytes, SEEK_CUR);
  }
  fflush(f);
  int rc = ferror(f) ? -1 : 0;
  rc |= ftruncate(fileno(f), (off_t)(8 + used + off));
  fclose(f);
  free(h);
  return rc;
}

/* A fresh temporary directory in dir (64 bytes); removed by st_tmp_rm. */
static inline char *st_tmpdir(char *dir) {
  const char *base = getenv("TMPDIR");
  snprintf(dir, 64, "%s/dilemma-st.XXXXXX", base && strlen(base) < 40 ? base : "/tmp");
  return mkdtemp(dir);
}

static inline void st_tmp_rm(const char *dir) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
