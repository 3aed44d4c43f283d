/* table1.c: Table 1 (δ -> bits per layer -> quantization ratio). */
#define _POSIX_C_SOURCE 200809L
#include "analysis/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FIELDS = 128, MAX_POINTS = 4096 };

/* "0:10*5 3:12*21" -> "10x5 12x21" with widths ascending and merged, or
 * "10" when one width covers every layer. */
static void bits_profile(const char *placement, char *out, size_t len) {
  long widths[64], counts[64];
  size_t n = 0;
  const char *p = placement;
  while (*p) {
    const char *colon = strchr(p, ':');
    if (colon == NULL) break;
    char *end;
    long b = strtol(colon + 1, &end, 10), c = 1;
    if (*end == '*') c = strtol(end + 1, &end, 10);
    size_t k = 0;
    while (k < n && widths[k] != b) k++;
    if (k == n && n < 64) { widths[n] = b; counts[n] = 0; n++; }
    if (k < n) counts[k] += c;
    p = end;
    while (*p == ' ') p++;
  }
  for (size_t i = 1; i < n; i++) /* insertion sort by width */
    for (size_t j = i; j > 0 && widths[j] < widths[j - 1]; j--) {
      long t = widths[j]; widths[j] = widths[j - 1]; widths[j - 1] = t;
      t = counts[j]; counts[j] = counts[j - 1]; counts[j - 1] = t;
    }
  out[0] = '\0';
  if (n == 1) { snprintf(out, len, "%ld", widths[0]); return; }
  size_t used = 0;
  for (size_t i = 0; i < n && used < len; i++)
    used += (size_t)snprintf(out + used, len - used, "%s%ldx%ld", i ? " " : "", widths[i], counts[i]);
}

int analysis_table1_build(const char *runs_csv, const char *summary_csv, const char *key,
                     const char *method, sim_buf *csv, sim_buf *md, sim_error *err) {
  char *runs = strdup(runs_csv), *sum = strdup(summary_csv);
  char (*profile)[128] = calloc(MAX_POINTS, sizeof *profile);
  char (*label)[64] = calloc(MAX_POINTS, sizeof *label);
  int rc = SIM_OK;
  if (!runs || !sum || !profile || !label) { rc = sim_error_set(err, SIM_ENOMEM, "out of memory"); goto done; }

  /* Bits per layer per point, from the method's rows with a placement. */
  char *save = NULL, *names[MAX_FIELDS], *f[MAX_FIELDS];
  char *line = strtok_r(runs, "\n", &save);
  size_t nh = line ? sim_csv_split(line, names, MAX_FIELDS) : 0;
  long c_point = sim_csv_index(names, nh, "point"), c_key = sim_csv_index(names, nh, key),
       c_method = sim_csv_index(names, nh, "method"), c_status = sim_csv_index(names, nh, "status"),
       c_place = sim_csv_index(names, nh, "placement");
  if (c_point < 0 || c_key < 0 || c_method < 0 || c_status < 0 || c_place < 0) {
    rc = sim_error_set(err, SIM_ESYNTAX, "runs.csv lacks a column among point, %s, method, status, placement", key);
    goto done;
  }
  size_t n_points = 0;
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
    if (sim_csv_split(line, f, MAX_FIELDS) != nh) continue;
    size_t pt = (size_t)strtoul(f[c_point], NULL, 10);
    if (pt >= MAX_POINTS || strcmp(f[c_method], method) != 0 || *f[c_place] == '\0') continue;
    if (strcmp(f[c_status], "optimal") != 0 && strcmp(f[c_status], "feasible") != 0) continue;
    char prof[128];
    bits_profile(f[c_place], prof, sizeof prof);
    if (profile[pt][0] == '\0') snprintf(profile[pt], sizeof profile[pt], "%s", prof);
    else if (strcmp(profile[pt], prof) != 0) snprintf(profile[pt], sizeof profile[pt], "varies");
    snprintf(label[pt], sizeof label[pt], "%s", f[c_key]);
    if (pt + 1 > n_points) n_points = pt + 1;
  }

  /* The mean ratio per point from the summary. */
  save = NULL;
  line = strtok_r(sum, "\n", &save);
  nh = line ? sim_csv_split(line, names, MAX_FIELDS) : 0;
  long s_point = sim_csv_index(names, nh, "point"), s_method = sim_csv_index(names, nh, "method"),
       s_ratio = sim_csv_index(names, nh, "quant_ratio_pct_mean");
  if (s_point < 0 || s_method < 0 || s_ratio < 0) {
    rc = sim_error_set(err, SIM_ESYNTAX, "summary.csv lacks point, method or quant_ratio_pct_mean");
    goto done;
  }
  sim_buf_printf(csv, "%s,bits_per_layer,quant_ratio_pct\n", key);
  sim_buf_printf(md, "| %s | bits per layer | quantization ratio (%%) |\n|---|---|---|\n", key);
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
    if (sim_csv_split(line, f, MAX_FIELDS) != nh || strcmp(f[s_method], method) != 0) continue;
    size_t pt = (size_t)strtoul(f[s_point], NULL, 10);
    if (pt >= n_points || profile[pt][0] == '\0') continue;
    double ratio = strtod(f[s_ratio], NULL);
    sim_buf_printf(csv, "%s,%s,%s\n", label[pt], profile[pt], f[s_ratio]);
    sim_buf_printf(md, "| %s | %s | %.2f |\n", label[pt], profile[pt], ratio);
  }
  if (csv->oom || md->oom) rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
done:
  free(runs);
  free(sum);
  free(profile);
  free(label);
  return rc;
}
