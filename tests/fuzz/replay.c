/* replay.c: runs a harness's LLVMFuzzerTestOneInput on every file of its
 * committed corpus (FUZZ_CORPUS, a directory, set by the Makefile) and
 * reports one TAP line per file. A crash or a sanitizer report fails the
 * test; every crash the fuzzer ever found is in the corpus, so it stays
 * fixed. Built with the ordinary compiler in `make check`. */
#define _POSIX_C_SOURCE 200809L
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : FUZZ_CORPUS;
  DIR *d = opendir(dir);
  if (d == NULL) {
    printf("Bail out! cannot open the corpus %s\n", dir);
    return 1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **g = realloc(names, cap * sizeof *g);
      if (g == NULL) return 1;
      names = g;
    }
    names[n] = malloc(strlen(e->d_name) + 1);
    if (names[n] == NULL) return 1;
    strcpy(names[n++], e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, capb = 0, got;
    unsigned char chunk[65536];
    while (f != NULL && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
      if (len + got > capb) {
        capb = 2 * (len + got);
        unsigned char *g = realloc(buf, capb);
        if (g == NULL) return 1;
        buf = g;
      }
      memcpy(buf + len, chunk, got);
      len += got;
    }
    if (f == NULL) {
      printf("not ok %zu - %s: cannot read\n", i + 1, names[i]);
      failed = 1;
    } else {
      fclose(f);
      /* A copy of exactly len bytes, so ASan sees any read past the input. */
      unsigned char *exact = malloc(len ? len : 1);
      if (exact == NULL) return 1;
      if (len) memcpy(exact, buf, len);
      LLVMFuzzerTestOneInput(exact, len);
      free(exact);
      printf("ok %zu - %s\n", i + 1, names[i]);
    }
    free(buf);
    free(names[i]);
  }
  free(names);
  printf("1..%zu\n", n);
  return failed;
}
