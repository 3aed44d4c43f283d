/* csv.c: splitting our unquoted CSV lines and finding columns by name. */
#include "sim/core/core.h"

#include <string.h>

size_t sim_csv_split(char *line, char **fields, size_t max) {
  size_t n = 0;
  char *p = line;
  while (n < max) {
    fields[n++] = p;
    char *c = strchr(p, ',');
    if (c == NULL) break;
    *c = '\0';
    p = c + 1;
  }
  return n;
}

long sim_csv_index(char *const *names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) return (long)i;
  return -1;
}

const char *sim_csv_field(const char *line, size_t len, size_t k, size_t *n) {
  const char *p = line, *end = line + len;
  for (size_t i = 0; i < k; i++) {
    const char *c = memchr(p, ',', (size_t)(end - p));
    if (c == NULL) return NULL;
    p = c + 1;
  }
  const char *c = memchr(p, ',', (size_t)(end - p));
  *n = c ? (size_t)(c - p) : (size_t)(end - p);
  return p;
}

