/* errtable.c: the quantization enums' names, the analytic quantization
 * error and error tables. */
#include "sim/model/model.h"

#include "sim/core/core.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sim_quantizer_names[] = {"truncate", "rtn-sym", "rtn-asym", NULL};
const char *const sim_error_source_names[] = {"analytic", "table", NULL};
const char *const sim_accuracy_names[] = {"per_layer", "budget", NULL};

const char *sim_quantizer_name(sim_quantizer q) {
  return (unsigned)q <= SIM_QUANT_RTN_ASYM ? sim_quantizer_names[q] : "?";
}

int sim_quantizer_parse(const char *s) {
  for (int i = 0; s != NULL && sim_quantizer_names[i] != NULL; i++)
    if (strcmp(s, sim_quantizer_names[i]) == 0) return i;
  return -1;
}

double sim_quant_error_analytic(int64_t b, int64_t pr, double weight_range) {
  if (b >= pr) return 0.0;
  return weight_range * ldexp(1.0, (int)(-2 * b));
}

void sim_errtable_free(sim_errtable *t) {
  if (t == NULL) return;
  free(t->bits);
  free(t->names);
  free(t->error);
  free(t);
}

double sim_errtable_get(const sim_errtable *t, size_t layer, int64_t b) {
  if (layer >= t->n_layers) return NAN;
  for (size_t k = 0; k < t->n_bits; k++)
    if (t->bits[k] == b) return t->error[layer * t->n_bits + k];
  return NAN;
}

typedef struct {
  long layer;
  char name[48];
  long bits;
  double error;
} row;

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

/* An error table of a million layers at 64 widths is about 2 GB of text;
 * a file larger than this cap is not an error table. */
#define MAX_TABLE_BYTES (1024ul << 20)

sim_errtable *sim_errtable_load(const char *path, sim_error *err) {
  /* A regular file, checked before reading: /dev/zero or a directory
   * would otherwise never end or fail obscurely. */
  FILE *f = sim_file_open_input(path, "error table", err);
  if (f == NULL) return NULL;
  sim_buf b;
  sim_buf_init(&b);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_TABLE_BYTES)
    sim_buf_append(&b, chunk, got);
  int bad = ferror(f);
  fclose(f);
  if (bad || b.oom || b.len > MAX_TABLE_BYTES) {
    if (b.len > MAX_TABLE_BYTES)
      sim_error_set(err, SIM_EINPUT, "%s: error table: larger than %lu MiB", path, MAX_TABLE_BYTES >> 20);
    else
      sim_error_set(err, b.oom ? SIM_ENOMEM : SIM_EIO, "%s: error table: read error", path);
    sim_buf_free(&b);
    return NULL;
  }
  sim_errtable *t = sim_errtable_parse(b.data ? b.data : "", b.len, path, err);
  sim_buf_free(&b);
  return t;
}

sim_errtable *sim_errtable_parse(const char *text, size_t text_len, const char *path, sim_error *err) {
  row *rows = NULL;
  size_t n = 0, cap = 0, lineno = 0;
  char *copy = malloc(text_len + 1);
  if (copy == NULL) {
    sim_error_set(err, SIM_ENOMEM, "%s: out of memory", path);
    return NULL;
  }
  memcpy(copy, text, text_len);
  copy[text_len] = '\0';
  int bad = 0;
  /* Lines of any length, split in place: a long line is one line. */
  for (char *next = copy, *stop = copy + text_len; next < stop;) {
    char *line = next;
    char *nl = memchr(line, '\n', (size_t)(stop - line));
    if (nl) { *nl = '\0'; next = nl + 1; } else next = stop;
    lineno++;
    if (memchr(line, '\0', (size_t)((nl ? nl : stop) - line)) != NULL) {
      sim_error_set(err, SIM_EINPUT, "%s:%zu:1: error: contains NUL bytes; an error table is CSV text",
                    path, lineno);
      bad = 1;
      break;
    }
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0 || line[0] == '#') continue;
    char *fld[5];
    int nf = (int)sim_csv_split(line, fld, 5);
    if (lineno == 1 || (n == 0 && strcmp(fld[0], "layer") == 0)) {
      if (nf != 4 || strcmp(fld[0], "layer") || strcmp(fld[1], "name") || strcmp(fld[2], "bits") ||
          strcmp(fld[3], "error")) {
        sim_error_set(err, SIM_EINPUT, "%s:%zu:1: error: header must be 'layer,name,bits,error'",
                      path, lineno);
        bad = 1;
        break;
      }
      continue;
    }
    if (nf != 4) {
      sim_error_set(err, SIM_EINPUT, "%s:%zu:1: error: expected 4 fields (layer,name,bits,error), got %d",
                    path, lineno, nf);
      bad = 1;
      break;
    }
    row r;
    char *end;
    errno = 0;
    r.layer = strtol(fld[0], &end, 10);
    if (*fld[0] == '\0' || *end || r.layer < 0 || r.layer > 1000000) {
      sim_error_set(err, SIM_EINPUT, "%s:%zu:1: error: layer '%s' is not an index in [0, 1000000]",
                    path, lineno, fld[0]);
      bad = 1;
      break;
    }
    snprintf(r.name, sizeof r.name, "%s", fld[1]);
    r.bits = strtol(fld[2], &end, 10);
    if (*fld[2] == '\0' || *end || r.bits < 1 || r.bits > 64) {
      sim_error_set(err, SIM_EINPUT, "%s:%zu:%zu: error: bits '%s' is not an integer in [1, 64]", path,
                    lineno, (size_t)(fld[2] - line) + 1, fld[2]);
      bad = 1;
      break;
    }
    r.error = strtod(fld[3], &end);
    if (*fld[3] == '\0' || *end || !isfinite(r.error) || r.error < 0) {
      sim_error_set(err, SIM_EINPUT, "%s:%zu:%zu: error: error '%s' is not a finite number >= 0",
                    path, lineno, (size_t)(fld[3] - line) + 1, fld[3]);
      bad = 1;
      break;
    }
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      row *g = realloc(rows, cap * sizeof *g);
      if (g == NULL) { sim_error_set(err, SIM_ENOMEM, "out of memory"); bad = 1; break; }
      rows = g;
    }
    rows[n++] = r;
  }
  free(copy);
  if (!bad && n == 0) {
    sim_error_set(err, SIM_EINPUT, "%s: the error table has no rows", path);
    bad = 1;
  }
  if (bad) {
    free(rows);
    return NULL;
  }
  /* Distinct bit widths, ascending; layers 0..max. */
  long *bits = malloc(n * sizeof *bits);
  long max_layer = 0;
  for (size_t i = 0; i < n; i++) {
    if (bits) bits[i] = rows[i].bits;
    if (rows[i].layer > max_layer) max_layer = rows[i].layer;
  }
  sim_errtable *t = calloc(1, sizeof *t);
  if (bits == NULL || t == NULL) {
    free(bits); free(rows); free(t);
    sim_error_set(err, SIM_ENOMEM, "out of memory");
    return NULL;
  }
  qsort(bits, n, sizeof *bits, cmp_long);
  size_t nb = 0;
  for (size_t i = 0; i < n; i++)
    if (nb == 0 || bits[nb - 1] != bits[i]) bits[nb++] = bits[i];
  t->n_layers = (size_t)max_layer + 1;
  t->n_bits = nb;
  t->bits = malloc(nb * sizeof *t->bits);
  t->names = calloc(t->n_layers, sizeof *t->names);
  t->error = malloc(t->n_layers * nb * sizeof *t->error);
  if (!t->bits || !t->names || !t->error) {
    free(bits); free(rows); sim_errtable_free(t);
    sim_error_set(err, SIM_ENOMEM, "out of memory");
    return NULL;
  }
  for (size_t k = 0; k < nb; k++) t->bits[k] = bits[k];
  for (size_t i = 0; i < t->n_layers * nb; i++) t->error[i] = NAN;
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (t->bits[k] != rows[i].bits) k++;
    t->error[(size_t)rows[i].layer * nb + k] = rows[i].error;
    memcpy(t->names[rows[i].layer], rows[i].name, sizeof t->names[0]);
  }
  free(bits);
  free(rows);
  return t;
}
