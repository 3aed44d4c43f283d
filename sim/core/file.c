/* file.c: whole-file reads and atomic writes, for every file the tool
 * writes: a reader (or a user's script) never sees half a file. */
#define _POSIX_C_SOURCE 200809L

#include "sim/core/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


char *sim_file_read(const char *path, size_t *len, sim_error *err) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    if (errno != ENOENT) sim_error_set(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  sim_buf b;
  sim_buf_init(&b);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sim_buf_append(&b, chunk, n);
  int bad = ferror(f) || b.oom;
  fclose(f);
  if (bad) {
    sim_buf_free(&b);
    sim_error_set(err, SIM_EIO, "%s: read error", path);
    return NULL;
  }
  if (b.data == NULL) sim_buf_puts(&b, "");
  *len = b.len;
  return b.data;
}

int sim_file_write_atomic(const char *path, const char *text, size_t len, sim_error *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", tmp, strerror(errno));
  size_t w = fwrite(text, 1, len, f);
  int bad = w != len || fflush(f) != 0;
  if (fclose(f) != 0) bad = 1;
  if (bad || rename(tmp, path) != 0) {
    const int e = errno; /* remove() may change it */
    remove(tmp);
    return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", path, strerror(e));
  }
  return SIM_OK;
}
