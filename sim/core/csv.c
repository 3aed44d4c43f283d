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
