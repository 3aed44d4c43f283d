/* calibrate.c: fitting the calibrated cost model to published decode
 * measurements, and predicting a measurement from a device's datasheet.
 *
 * The procedure (docs/hardware.md): for each row, a single decode step of
 * the row's model (block granularity, batch 1, context 64 = the mean of a
 * 128-token generation without prompt, fp16 KV cache) on the row's device
 * takes
 *     t = A / f_bw + C / f_c + L · o
 * with A = Σ_l bytes_l / membw (bytes at the row's bits per weight, the
 * embedding as a row gather), C = Σ_l F_l / peak FLOP/s (0 without a FLOP/s
 * figure) and L the number of layers. f_c is fixed at 1: at batch 1 the
 * compute term is small next to the memory term on every device measured,
 * so the data cannot identify it. The fit minimizes the squared relative
 * error of t over the rows (weighted least squares, closed form in 1/f_bw
 * and o) with f_bw <= 1 and o >= 0, separately for each device class that
 * has at least two devices measured, and once over all rows (pooled) for
 * the others. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver/solver.h"

#define CALIB_CONTEXT 64
#define CALIB_KV_BITS 16.0
#define MIN_DEVICES_PER_CLASS 2

/* Features of one row. */
typedef struct {
  double a;   /* s: bytes / nominal bandwidth */
  double c;   /* s: FLOPs / peak FLOP/s */
  double l;   /* layers */
  double t;   /* s per token, measured */
  int kind;
  size_t dev; /* index of the device among the distinct devices */
} feat;

/* Time of one decode step of `model` on a server with the given parameters:
 * the same function the experiments' costs use. */
static double step_time(const sim_model *model, const sim_server *s, double bpw) {
  double t = 0;
  for (size_t l = 0; l < model->n_layers; l++)
    t += solver_calibrated_layer_time(&model->layers[l], s, bpw, 1.0, 1.0, CALIB_CONTEXT, CALIB_KV_BITS);
  return t;
}

static sim_server device_server(const sim_device *d, sim_calib_class k) {
  sim_server s;
  memset(&s, 0, sizeof s);
  double f = sim_device_flops(d);
  s.ccs = isnan(f) ? INFINITY : f;
  s.mem_bandwidth = d->mem_bandwidth;
  s.storage = d->memory;
  s.kind = (int)d->kind;
  s.bw_fraction = k.bw_fraction;
  s.compute_fraction = k.compute_fraction;
  s.overhead = k.overhead;
  return s;
}

static sim_model *row_model(const sim_measurement *r, sim_error *err) {
  const sim_arch *a = sim_arch_find(r->model);
  if (a == NULL) {
    sim_error_set(err, SIM_EINPUT, "measurements line %zu: unknown model '%s'", r->line, r->model);
    return NULL;
  }
  return sim_model_alloc(a, SIM_GRAN_BLOCK, CALIB_CONTEXT, err);
}

static const sim_device *row_device(const sim_catalog *cat, const sim_measurement *r, sim_error *err) {
  const sim_device *d = sim_catalog_device(cat, r->device);
  if (d == NULL) {
    const char *near = sim_catalog_device_suggest(cat, r->device);
    sim_error_set(err, SIM_EINPUT, "measurements line %zu: unknown device '%s'%s%s%s", r->line,
                  r->device, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
  }
  return d;
}

int solver_calibration_predict(const sim_catalog *cat, const sim_measurement *r,
                               const sim_calibration *c, double *tokens_per_s, sim_error *err) {
  const sim_device *d = row_device(cat, r, err);
  if (d == NULL) return SIM_EINPUT;
  sim_model *m = row_model(r, err);
  if (m == NULL) return err && err->code ? err->code : SIM_EINPUT;
  sim_server s = device_server(d, sim_calibration_class(c, (int)d->kind));
  *tokens_per_s = 1.0 / step_time(m, &s, r->bits_per_weight);
  sim_model_free(m);
  return SIM_OK;
}

/* Features from the unit-parameter decomposition of step_time: with
 * f_bw = f_c = 1 and o = 0 the memory and compute parts separate because the
 * step time is linear in 1/f_bw, 1/f_c and o. */
static int features(const sim_catalog *cat, const sim_measurement *r, feat *f, sim_error *err) {
  const sim_device *d = row_device(cat, r, err);
  if (d == NULL) return SIM_EINPUT;
  sim_model *m = row_model(r, err);
  if (m == NULL) return err && err->code ? err->code : SIM_EINPUT;
  sim_calib_class mem_only = {1.0, 1.0, 0.0};
  sim_server s = device_server(d, mem_only);
  double total = step_time(m, &s, r->bits_per_weight);
  s.ccs = INFINITY;
  f->a = step_time(m, &s, r->bits_per_weight);
  f->c = total - f->a;
  f->l = (double)m->n_layers;
  f->t = 1.0 / r->tokens_per_s;
  f->kind = (int)d->kind;
  sim_model_free(m);
  return SIM_OK;
}

/* Weighted least squares over rows with use[r] set: minimizes
 * Σ ((x·a + c + o·l − t)/t)² over x = 1/f_bw >= 1 and o >= 0. */
static sim_calib_class fit(const feat *f, size_t n, const unsigned char *use) {
  double s11 = 0, s12 = 0, s22 = 0, b1 = 0, b2 = 0;
  for (size_t r = 0; r < n; r++) {
    if (!use[r]) continue;
    double x1 = f[r].a / f[r].t, x2 = f[r].l / f[r].t, y = (f[r].t - f[r].c) / f[r].t;
    s11 += x1 * x1; s12 += x1 * x2; s22 += x2 * x2; b1 += x1 * y; b2 += x2 * y;
  }
  double x = 1, o = 0, det = s11 * s22 - s12 * s12;
  if (det > 1e-12 * s11 * s22) {
    x = (b1 * s22 - b2 * s12) / det;
    o = (s11 * b2 - s12 * b1) / det;
  }
  if (!(det > 1e-12 * s11 * s22) || o < 0) { /* no overhead identifiable, or a negative one */
    o = 0;
    x = s11 > 0 ? b1 / s11 : 1;
  }
  if (x < 1) { /* faster than the nominal bandwidth: clamp and refit the overhead */
    x = 1;
    o = s22 > 0 ? fmax(0.0, (b2 - s12) / s22) : 0;
  }
  return (sim_calib_class){.bw_fraction = 1.0 / x, .compute_fraction = 1.0, .overhead = o};
}

/* Fits the pooled and per-class parameters on the rows with use[r] set. */
static void fit_all(const feat *f, size_t n, const unsigned char *use, size_t n_dev,
                    sim_calibration *c) {
  memset(c, 0, sizeof *c);
  c->pooled = fit(f, n, use);
  unsigned char *sub = malloc(n ? n : 1), *seen = calloc(n_dev ? n_dev : 1, 1);
  for (int k = 0; sub && seen && k < SIM_HW_KINDS; k++) {
    size_t devices = 0;
    memset(seen, 0, n_dev ? n_dev : 1);
    for (size_t r = 0; r < n; r++) {
      sub[r] = use[r] && f[r].kind == k;
      if (sub[r] && !seen[f[r].dev]) { seen[f[r].dev] = 1; devices++; }
    }
    if (devices >= MIN_DEVICES_PER_CLASS) {
      c->kind[k] = fit(f, n, sub);
      c->fitted[k] = 1;
    }
  }
  free(sub);
  free(seen);
}

static double predict(const feat *f, const sim_calibration *c) {
  sim_calib_class k = sim_calibration_class(c, f->kind);
  return 1.0 / (f->a / k.bw_fraction + f->c / k.compute_fraction + f->l * k.overhead);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int solver_calibration_fit(const sim_catalog *cat, const sim_measurements *m, sim_calibration *out,
                           double *loo_tokens_per_s, sim_error *err) {
  const size_t n = m->n;
  feat *f = calloc(n, sizeof *f);
  unsigned char *use = calloc(n ? n : 1, 1);
  double *e = malloc(n * sizeof *e), *el = malloc(n * sizeof *el);
  size_t *dev_of = calloc(n, sizeof *dev_of);
  int rc = SIM_OK;
  if (!f || !use || !e || !el || !dev_of) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory fitting the calibration");
    goto done;
  }
  size_t n_dev = 0;
  for (size_t r = 0; r < n && rc == SIM_OK; r++) {
    rc = features(cat, &m->rows[r], &f[r], err);
    size_t d = 0;
    while (d < r && strcmp(m->rows[d].device, m->rows[r].device) != 0) d++;
    f[r].dev = d < r ? f[d].dev : n_dev++;
  }
  if (rc != SIM_OK) goto done;
  for (size_t r = 0; r < n; r++) use[r] = 1;
  fit_all(f, n, use, n_dev, out);
  /* Leave one device out: refit without it, predict its rows. */
  for (size_t d = 0; d < n_dev; d++) {
    sim_calibration c;
    for (size_t r = 0; r < n; r++) use[r] = f[r].dev != d;
    fit_all(f, n, use, n_dev, &c);
    for (size_t r = 0; r < n; r++)
      if (f[r].dev == d) {
        double p = predict(&f[r], &c);
        if (loo_tokens_per_s) loo_tokens_per_s[r] = p;
        el[r] = fabs(p - m->rows[r].tokens_per_s) / m->rows[r].tokens_per_s;
      }
  }
  for (size_t r = 0; r < n; r++)
    e[r] = fabs(predict(&f[r], out) - m->rows[r].tokens_per_s) / m->rows[r].tokens_per_s;
  out->rows = n;
  out->median_error = median(e, n);
  out->worst_error = e[n - 1];
  out->loo_median_error = median(el, n);
  out->loo_worst_error = el[n - 1];
done:
  free(f);
  free(use);
  free(e);
  free(el);
  free(dev_of);
  return rc;
}
