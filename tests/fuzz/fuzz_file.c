/* fuzz_file.c: a private temporary directory for the harnesses that need
 * their input in a file. */
#define _POSIX_C_SOURCE 200809L
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory lives as long as the process: a harness is one process
 * that runs many inputs, and mkdtemp on every input would be slow. The
 * state is test-only and confined to this file. */
static char dir[256];

static void cleanup(void) {
  char cmd[300];
  if (dir[0] == '\0') return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) { /* a leftover temporary directory is harmless */ }
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size) {
  static char path[512];
  if (dir[0] == '\0') {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/dilemma-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) { dir[0] = '\0'; return NULL; }
    atexit(cleanup);
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) return NULL;
  const int bad = fwrite(data, 1, size, f) != size;
  if (fclose(f) != 0 || bad) return NULL;
  return path;
}
