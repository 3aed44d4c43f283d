/* safetensors_map.c: the checkpoint object (open, look up, free) and the
 * bounded windows through which tensor bytes are read. */
#define _POSIX_C_SOURCE 200809L
#include "sim/weights/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp_file_order(const void *a, const void *b) {
  const sim_st_tensor *x = a, *y = b;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  /* Empty tensors may share an offset; their names keep the order total. */
  return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b) {
  const sim_st_tensor *x = *(const sim_st_tensor *const *)a, *y = *(const sim_st_tensor *const *)b;
  return strcmp(x->name, y->name);
}

int sim__st_finish(sim_safetensors *st, sim_error *err) {
  const size_t n = st->n_tensors;
  qsort(st->tensors, n, sizeof *st->tensors, cmp_file_order);
  free(st->by_name);
  st->by_name = malloc((n ? n : 1) * sizeof *st->by_name);
  if (st->by_name == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory indexing tensors");
  for (size_t i = 0; i < n; i++) st->by_name[i] = &st->tensors[i];
  qsort(st->by_name, n, sizeof *st->by_name, cmp_name);
  for (size_t i = 1; i < n; i++) {
    const sim_st_tensor *a = st->by_name[i - 1], *b = st->by_name[i];
    if (strcmp(a->name, b->name) == 0)
      return sim_error_set(err, SIM_EINPUT, "%s: error: tensor '%s' is also in %s",
                           st->files[b->file].path, b->name, st->files[a->file].path);
  }
  return SIM_OK;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

sim_safetensors *sim_safetensors_alloc(const char *path, sim_error *err) {
  sim_safetensors *st = calloc(1, sizeof *st);
  if (st == NULL) {
    sim_error_set(err, SIM_ENOMEM, "out of memory opening %s", path);
    return NULL;
  }
  struct stat sb;
  int rc;
  char *inner = NULL;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    /* A model directory: prefer the index of a sharded checkpoint. */
    size_t len = strlen(path) + 40;
    inner = malloc(len);
    if (inner == NULL) {
      free(st);
      sim_error_set(err, SIM_ENOMEM, "out of memory opening %s", path);
      return NULL;
    }
    snprintf(inner, len, "%s/model.safetensors.index.json", path);
    if (!is_file(inner)) snprintf(inner, len, "%s/model.safetensors", path);
    if (!is_file(inner)) {
      sim_error_set(err, SIM_EINPUT, "%s: error: the directory holds neither "
                    "model.safetensors.index.json nor model.safetensors", path);
      free(inner);
      free(st);
      return NULL;
    }
    path = inner;
  }
  if (ends_with(path, ".json")) {
    rc = sim__st_add_index(st, path, err);
  } else {
    rc = sim__st_add_file(st, path, err);
    if (rc == SIM_OK) rc = sim__st_finish(st, err);
  }
  free(inner);
  if (rc != SIM_OK) {
    sim_safetensors_free(st);
    return NULL;
  }
  return st;
}

void sim_safetensors_free(sim_safetensors *st) {
  if (st == NULL) return;
  for (size_t i = 0; i < st->n_files; i++) {
    if (st->files[i].fd >= 0) close(st->files[i].fd);
    free(st->files[i].path);
  }
  for (size_t i = 0; i < st->n_tensors; i++) free((char *)st->tensors[i].name);
  free(st->files);
  free(st->tensors);
  free(st->by_name);
  free(st);
}

size_t sim_safetensors_n_tensors(const sim_safetensors *st) { return st->n_tensors; }

const sim_st_tensor *sim_safetensors_tensor(const sim_safetensors *st, size_t i) {
  return i < st->n_tensors ? &st->tensors[i] : NULL;
}

const sim_st_tensor *sim_safetensors_find(const sim_safetensors *st, const char *name) {
  if (st->by_name == NULL) return NULL;
  size_t lo = 0, hi = st->n_tensors;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(st->by_name[mid]->name, name);
    if (c == 0) return st->by_name[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

size_t sim_safetensors_n_files(const sim_safetensors *st) { return st->n_files; }

const char *sim_safetensors_file_path(const sim_safetensors *st, size_t file) {
  return file < st->n_files ? st->files[file].path : NULL;
}

uint64_t sim_safetensors_total_bytes(const sim_safetensors *st) { return st->total_bytes; }

int sim_safetensors_window_map(const sim_safetensors *st, const sim_st_tensor *t,
                               uint64_t byte_off, size_t n_bytes, sim_st_window *w,
                               sim_error *err) {
  memset(w, 0, sizeof *w);
  if (t->file >= st->n_files || byte_off > t->n_bytes || n_bytes > t->n_bytes - byte_off)
    return sim_error_set(err, SIM_EINTERNAL, "window [%llu, +%zu) outside tensor '%s'",
                         (unsigned long long)byte_off, n_bytes, t->name);
  if (n_bytes == 0) return SIM_OK;
  const sim__st_file *f = &st->files[t->file];
  const uint64_t start = t->offset + byte_off;
  /* Reading a mapped page past the end of a file raises SIGBUS; a file cut
   * short since it was opened is reported here instead. */
  struct stat sb;
  if (fstat(f->fd, &sb) != 0 || (uint64_t)sb.st_size < start + n_bytes)
    return sim_error_set(err, SIM_EIO, "%s: error: the file shrank to %llu bytes while being read",
                         f->path, (unsigned long long)sb.st_size);
  const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  const uint64_t base = start - start % page;
  const size_t len = (size_t)(start + n_bytes - base);
  void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd, (off_t)base);
  if (m == MAP_FAILED)
    return sim_error_set(err, SIM_EIO, "%s: error: cannot map %zu bytes at %llu: %s", f->path,
                         len, (unsigned long long)base, strerror(errno));
  /* The window is read once, front to back: ask for read-ahead and let the
   * kernel drop pages behind us. */
  (void)posix_madvise(m, len, POSIX_MADV_SEQUENTIAL);
  (void)posix_madvise(m, len, POSIX_MADV_WILLNEED);
  w->map_base = m;
  w->map_len = len;
  w->data = (const unsigned char *)m + (start - base);
  w->n_bytes = n_bytes;
  return SIM_OK;
}

void sim_safetensors_window_unmap(sim_st_window *w) {
  if (w->map_base != NULL) munmap(w->map_base, w->map_len);
  memset(w, 0, sizeof *w);
}
