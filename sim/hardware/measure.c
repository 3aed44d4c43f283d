/* measure.c: the published measurements CSV and the calibration file. */
#include "sim/hardware/hardware.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void sim_measurements_free(sim_measurements *m) {
  if (m == NULL) return;
  free(m->rows);
  free(m);
}

static int positive(const char *s, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || !(v > 0)) return -1;
  *out = v;
  return 0;
}

sim_measurements *sim_measurements_load(const char *path, sim_error *err) {
  char def[4096];
  if (path == NULL) {
    snprintf(def, sizeof def, "%s/measurements.csv", sim_hw_data_dir());
    path = def;
  }
  size_t len = 0;
  sim_error ferr;
  sim_error_clear(&ferr);
  char *text = sim_file_read(path, &len, &ferr);
  if (text == NULL) {
    if (ferr.code == SIM_OK) sim_error_set(err, SIM_EINPUT, "%s: no such file", path);
    else sim_error_set(err, ferr.code, "%s", ferr.msg);
    return NULL;
  }
  sim_measurements *m = calloc(1, sizeof *m);
  if (m == NULL) {
    free(text);
    sim_error_set(err, SIM_ENOMEM, "out of memory");
    return NULL;
  }
  static const char *const header[] = {"device", "model", "weights", "bits_per_weight",
                                       "tokens_per_s", "source"};
  int seen_header = 0, bad = 0;
  size_t line_no = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    line_no++;
    size_t ll = strlen(line);
    if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
    if (ll == 0 || line[0] == '#') continue;
    /* The source is the last field and may itself hold commas. */
    char *f[6];
    size_t nf = 0;
    char *p = line;
    while (nf < 5) {
      f[nf++] = p;
      char *c = strchr(p, ',');
      if (c == NULL) { p = NULL; break; }
      *c = '\0';
      p = c + 1;
    }
    if (p != NULL) f[nf++] = p;
    if (!seen_header) {
      for (size_t i = 0; i < 6; i++)
        if (nf != 6 || strcmp(f[i], header[i]) != 0) {
          sim_error_set(err, SIM_EINPUT,
                        "%s:%zu: error: expected the header "
                        "device,model,weights,bits_per_weight,tokens_per_s,source",
                        path, line_no);
          bad = 1;
          break;
        }
      seen_header = 1;
      if (bad) break;
      continue;
    }
    sim_measurement r;
    memset(&r, 0, sizeof r);
    r.line = line_no;
    if (nf != 6 || strlen(f[0]) >= sizeof r.device || strlen(f[1]) >= sizeof r.model ||
        strlen(f[2]) >= sizeof r.weights || strlen(f[5]) >= sizeof r.source || *f[5] == '\0' ||
        positive(f[3], &r.bits_per_weight) != 0 || positive(f[4], &r.tokens_per_s) != 0) {
      sim_error_set(err, SIM_EINPUT,
                    "%s:%zu: error: expected device,model,weights,bits_per_weight > 0,"
                    "tokens_per_s > 0,source (a row needs its source)",
                    path, line_no);
      bad = 1;
      continue;
    }
    snprintf(r.device, sizeof r.device, "%s", f[0]);
    snprintf(r.model, sizeof r.model, "%s", f[1]);
    snprintf(r.weights, sizeof r.weights, "%s", f[2]);
    snprintf(r.source, sizeof r.source, "%s", f[5]);
    sim_measurement *g = realloc(m->rows, (m->n + 1) * sizeof *g);
    if (g == NULL) {
      sim_error_set(err, SIM_ENOMEM, "out of memory");
      bad = 1;
      break;
    }
    m->rows = g;
    m->rows[m->n++] = r;
  }
  free(text);
  if (!bad && m->n == 0) {
    sim_error_set(err, SIM_EINPUT, "%s: no measurement rows", path);
    bad = 1;
  }
  if (bad) {
    sim_measurements_free(m);
    return NULL;
  }
  return m;
}

sim_calib_class sim_calibration_class(const sim_calibration *c, int kind) {
  if (kind >= 0 && kind < SIM_HW_KINDS && c->fitted[kind]) return c->kind[kind];
  return c->pooled;
}

/* The calibration file is a mapping of sections (pooled, gpu, soc, cpu,
 * fit), each a flat mapping of numbers. */
static const char *const section_names[] = {"pooled", "gpu", "soc", "cpu", "fit", NULL};
static const char *const class_keys[] = {"bw_fraction", "compute_fraction", "overhead", NULL};
static const char *const fit_keys[] = {"rows", "median_error", "worst_error", "loo_median_error",
                                       "loo_worst_error", NULL};

static int index_of(const char *const *names, const char *s) {
  for (int i = 0; s && names[i]; i++)
    if (strcmp(names[i], s) == 0) return i;
  return -1;
}

int sim_calibration_load(const char *path, sim_calibration *out, sim_error *err) {
  char def[4096];
  if (path == NULL) {
    snprintf(def, sizeof def, "%s/calibration.yaml", sim_hw_data_dir());
    path = def;
  }
  memset(out, 0, sizeof *out);
  size_t len = 0;
  sim_error ferr;
  sim_error_clear(&ferr);
  char *text = sim_file_read(path, &len, &ferr);
  if (text == NULL) {
    if (ferr.code == SIM_OK) return sim_error_set(err, SIM_EINPUT, "%s: no such file", path);
    return sim_error_set(err, ferr.code, "%s", ferr.msg);
  }
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) {
    free(text);
    return sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int ok = yaml_parser_load(&parser, &doc);
  yaml_parser_delete(&parser);
  free(text);
  if (!ok) return sim_error_set(err, SIM_ESYNTAX, "%s: error: YAML syntax", path);
  int bad = 0, have_pooled = 0;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (root == NULL || root->type != YAML_MAPPING_NODE) bad = 1;
  for (yaml_node_pair_t *p = bad ? NULL : root->data.mapping.pairs.start;
       p && p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = yaml_document_get_node(&doc, p->key), *vn = yaml_document_get_node(&doc, p->value);
    int s = kn->type == YAML_SCALAR_NODE ? index_of(section_names, (char *)kn->data.scalar.value) : -1;
    if (s < 0 || vn->type != YAML_MAPPING_NODE) {
      sim_error_set(err, SIM_EINPUT, "%s:%zu: error: expected a section pooled, gpu, soc, cpu or fit",
                    path, kn->start_mark.line + 1);
      bad = 1;
      continue;
    }
    sim_calib_class *cls = s == 0 ? &out->pooled : s <= SIM_HW_KINDS ? &out->kind[s - 1] : NULL;
    if (s == 0) have_pooled = 1;
    else if (cls) out->fitted[s - 1] = 1;
    for (yaml_node_pair_t *q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
      yaml_node_t *k2 = yaml_document_get_node(&doc, q->key), *v2 = yaml_document_get_node(&doc, q->value);
      const char *key = k2->type == YAML_SCALAR_NODE ? (char *)k2->data.scalar.value : "";
      const char *val = v2->type == YAML_SCALAR_NODE ? (char *)v2->data.scalar.value : "";
      char *end = NULL;
      double x = strtod(val, &end);
      int i = index_of(cls ? class_keys : fit_keys, key);
      if (i < 0 || end == val || *end != '\0' || !isfinite(x) || x < 0) {
        sim_error_set(err, SIM_EINPUT, "%s:%zu: error: %s.%s: expected a known key and a number >= 0",
                      path, k2->start_mark.line + 1, section_names[s], key);
        bad = 1;
        continue;
      }
      if (cls) {
        if (i == 0) cls->bw_fraction = x;
        else if (i == 1) cls->compute_fraction = x;
        else cls->overhead = x;
      } else if (i == 0) out->rows = (size_t)x;
      else if (i == 1) out->median_error = x;
      else if (i == 2) out->worst_error = x;
      else if (i == 3) out->loo_median_error = x;
      else out->loo_worst_error = x;
    }
  }
  yaml_document_delete(&doc);
  if (!bad && !have_pooled) {
    sim_error_set(err, SIM_EINPUT, "%s: error: the 'pooled' section is missing", path);
    bad = 1;
  }
  const sim_calib_class *all[] = {&out->pooled, &out->kind[0], &out->kind[1], &out->kind[2]};
  for (size_t i = 0; !bad && i < 4; i++) {
    if (i > 0 && !out->fitted[i - 1]) continue;
    if (!(all[i]->bw_fraction > 0 && all[i]->bw_fraction <= 1 && all[i]->compute_fraction > 0 &&
          all[i]->compute_fraction <= 1)) {
      sim_error_set(err, SIM_EINPUT, "%s: error: %s: fractions must lie in (0, 1]", path,
                    section_names[i]);
      bad = 1;
    }
  }
  return bad ? (err && err->code ? err->code : SIM_EINPUT) : SIM_OK;
}

static void write_class(sim_buf *b, const char *name, const sim_calib_class *c) {
  sim_buf_printf(b, "%s:\n  bw_fraction: %.6g\n  compute_fraction: %.6g\n  overhead: %.6g\n", name,
                 c->bw_fraction, c->compute_fraction, c->overhead);
}

void sim_calibration_format(const sim_calibration *c, sim_buf *b) {
  sim_buf_puts(b,
               "# calibration.yaml: parameters of the calibrated cost model, written by\n"
               "# `dilemma calibrate` from data/measurements.csv and data/devices.yaml\n"
               "# (`make calibrate` regenerates it). Do not edit by hand.\n"
               "# bw_fraction: achievable fraction of the nominal memory bandwidth;\n"
               "# compute_fraction: of the peak FLOP/s; overhead: s per layer per pass.\n"
               "# A class is fitted when at least two of its devices have measurements;\n"
               "# otherwise its devices use the pooled parameters.\n");
  write_class(b, "pooled", &c->pooled);
  for (int k = 0; k < SIM_HW_KINDS; k++)
    if (c->fitted[k]) write_class(b, sim_hw_kind_name((sim_hw_kind)k), &c->kind[k]);
  sim_buf_printf(b,
                 "fit:\n  rows: %zu\n  median_error: %.4f\n  worst_error: %.4f\n"
                 "  loo_median_error: %.4f\n  loo_worst_error: %.4f\n",
                 c->rows, c->median_error, c->worst_error, c->loo_median_error, c->loo_worst_error);
}
