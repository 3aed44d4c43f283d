/* dirs.c: reading an experiment directory's files for the figures: a check
 * that a CSV file is whole (a damaged one is named, not drawn), and the
 * version an older directory records. Shared by plot.c and compare.c. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/internal.h"

int analysis__csv_check(const char *path, const char *text, sim_error *err) {
  const char *nl = strchr(text, '\n');
  if (nl == NULL || analysis_schema_version(text, strlen(text)) == 0)
    return sim_error_set(err, SIM_EINPUT, "%s: damaged: its first line is not a header of dilemma's "
                         "(rerun `dilemma run ... --resume` on this directory to rewrite it)", path);
  size_t fields = 1, line = 1;
  for (const char *p = text; p < nl; p++) fields += *p == ',';
  for (const char *p = nl + 1; *p;) {
    const char *e = strchr(p, '\n');
    size_t n = 1;
    line++;
    for (const char *q = p; q < (e ? e : p + strlen(p)); q++) n += *q == ',';
    if (e == NULL || n != fields)
      return sim_error_set(err, SIM_EINPUT, "%s: damaged: line %zu %s (rerun `dilemma run ... --resume` on "
                           "this directory to rewrite it)", path, line,
                           e == NULL ? "is cut short (no line end)" : "has not as many fields as the header");
    p = e + 1;
  }
  return SIM_OK;
}

void analysis__dir_version(const char *dir, char *out, size_t len) {
  char path[4400];
  snprintf(out, len, "unknown");
  snprintf(path, sizeof path, "%s/metadata.json", dir);
  sim_error ignore;
  sim_error_clear(&ignore);
  size_t n;
  char *text = sim_file_read(path, &n, &ignore);
  const char *key = "\"dilemma_version\": \"";
  const char *v = text ? strstr(text, key) : NULL;
  if (v == NULL) {
    free(text);
    snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
    text = sim_file_read(path, &n, &ignore);
    key = "written by dilemma ";
    v = text ? strstr(text, key) : NULL;
  }
  if (v != NULL) {
    v += strlen(key);
    size_t k = strcspn(v, "\" ,\n");
    if (k > 0 && k < len) snprintf(out, len, "%.*s", (int)k, v);
  }
  free(text);
}
