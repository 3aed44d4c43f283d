/* quantize.c: the quantizers' definitions, their options and the error
 * metrics. The streaming kernels are in quantize_kernel.c. */
#include "sim/weights/weights.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The quantizer names are sim/model's (sim_quantizer_names), so
 * `quantization: quantizer:` and `dilemma profile -q` accept the same words. */
static const char *const metric_names[] = {"max-abs-norm", "max-abs", "rmse", "rel-fro", NULL};

const char *sim_qmetric_name(sim_qmetric m) {
  return (unsigned)m < sizeof metric_names / sizeof *metric_names - 1 ? metric_names[m] : "?";
}

int sim_qmetric_parse(const char *s) {
  for (int i = 0; s != NULL && metric_names[i] != NULL; i++)
    if (strcmp(s, metric_names[i]) == 0) return i;
  return -1;
}

int sim_quantize_spec_check(const sim_quantize_spec *spec, sim_error *err) {
  if ((unsigned)spec->quantizer > SIM_QUANT_RTN_ASYM)
    return sim_error_set(err, SIM_EINPUT, "unknown quantizer %d", (int)spec->quantizer);
  if (spec->n_bits == 0 || spec->n_bits > SIM_QUANTIZE_MAX_BITS)
    return sim_error_set(err, SIM_EINPUT, "between 1 and %d bit widths are needed, got %zu",
                         SIM_QUANTIZE_MAX_BITS, spec->n_bits);
  /* rtn-sym spends one bit on the sign and keeps +-(2^(b-1) - 1): b = 1
   * would leave no level but zero. */
  const int lo = spec->quantizer == SIM_QUANT_RTN_SYM ? 2 : 1;
  for (size_t k = 0; k < spec->n_bits; k++) {
    if (spec->bits[k] < lo || spec->bits[k] > SIM_QUANTIZE_MAX_BITS)
      return sim_error_set(err, SIM_EINPUT, "bit width %d is out of range for %s; allowed [%d, %d]",
                           spec->bits[k], sim_quantizer_name(spec->quantizer), lo,
                           SIM_QUANTIZE_MAX_BITS);
    if (k > 0 && spec->bits[k] <= spec->bits[k - 1])
      return sim_error_set(err, SIM_EINPUT, "bit widths must be ascending without repeats");
  }
  if (spec->scale == SIM_QSCALE_GROUP && spec->group == 0)
    return sim_error_set(err, SIM_EINPUT, "a group scale needs a group size >= 1");
  if ((unsigned)spec->scale > SIM_QSCALE_GROUP)
    return sim_error_set(err, SIM_EINPUT, "unknown scale granularity %d", (int)spec->scale);
  if (!(spec->range >= 0) || !isfinite(spec->range))
    return sim_error_set(err, SIM_EINPUT, "range must be a finite number >= 0");
  if (spec->range > 0 && spec->quantizer != SIM_QUANT_TRUNCATE)
    return sim_error_set(err, SIM_EINPUT, "a fixed range applies to truncate only; %s scales "
                         "each block by its own weights", sim_quantizer_name(spec->quantizer));
  return SIM_OK;
}

/* Parses a decimal integer in [1, 64] at *s, advancing it. */
static int parse_width(const char **s, long *out) {
  char *end;
  errno = 0;
  long v = strtol(*s, &end, 10);
  if (end == *s || errno || v < 1 || v > SIM_QUANTIZE_MAX_BITS) return -1;
  *s = end;
  *out = v;
  return 0;
}

int sim_quantize_bits_parse(const char *s, sim_quantize_spec *spec, sim_error *err) {
  const char *p = s;
  long a, b, step = 1;
  spec->n_bits = 0;
  if (parse_width(&p, &a) != 0) goto bad;
  if (*p == ':') {
    /* from:to[:step] */
    p++;
    if (parse_width(&p, &b) != 0) goto bad;
    if (*p == ':') {
      p++;
      if (parse_width(&p, &step) != 0) goto bad;
    }
    if (*p != '\0' || b < a) goto bad;
    for (long v = a; v <= b; v += step) spec->bits[spec->n_bits++] = (int)v;
    return SIM_OK;
  }
  spec->bits[spec->n_bits++] = (int)a;
  while (*p == ',') {
    p++;
    if (parse_width(&p, &b) != 0 || b <= a) goto bad;
    spec->bits[spec->n_bits++] = (int)b;
    a = b;
  }
  if (*p == '\0') return SIM_OK;
bad:
  spec->n_bits = 0;
  return sim_error_set(err, SIM_EINPUT,
                       "bit widths '%s' are not FROM:TO[:STEP] or an ascending list like 4,8,16 "
                       "with each width in [1, %d]", s, SIM_QUANTIZE_MAX_BITS);
}

void sim_qacc_init(sim_qacc *acc, size_t n_bits) {
  memset(acc, 0, sizeof *acc);
  acc->n_bits = n_bits;
}

void sim_qacc_merge(sim_qacc *into, const sim_qacc *from) {
  into->count += from->count;
  into->sum_w2 += from->sum_w2;
  for (size_t k = 0; k < into->n_bits && k < from->n_bits; k++) {
    if (from->max_err[k] > into->max_err[k]) into->max_err[k] = from->max_err[k];
    into->sum_err2[k] += from->sum_err2[k];
  }
}

double sim_qacc_metric(const sim_qacc *acc, sim_qmetric m, size_t k, int bits) {
  if (k >= acc->n_bits || acc->count == 0) return 0.0;
  switch (m) {
  case SIM_QMETRIC_MAX_ABS_NORM: return ldexp(acc->max_err[k], -bits);
  case SIM_QMETRIC_MAX_ABS: return acc->max_err[k];
  case SIM_QMETRIC_RMSE: return sqrt(acc->sum_err2[k] / (double)acc->count);
  case SIM_QMETRIC_REL_FRO: return acc->sum_w2 > 0 ? sqrt(acc->sum_err2[k] / acc->sum_w2) : 0.0;
  }
  return 0.0;
}

double sim_quantize_point(sim_quantizer q, int bits, double range, double lo, double hi,
                          double w) {
  if (bits > SIM_QUANTIZE_EXACT_BITS) return w;
  if (q == SIM_QUANT_TRUNCATE) {
    /* Sign and b fraction bits of a fixed-point grid scaled to R: the
     * magnitude keeps t steps of R * 2^-b, the largest t with t * step <=
     * |w|, at most 2^b - 1 (so |w| >= R saturates just below R). */
    double r = range > 0 ? range : fmax(fabs(lo), fabs(hi));
    if (r == 0) return w;
    double step = ldexp(r, -bits), kmax = ldexp(1.0, bits) - 1, a = fabs(w);
    double t = floor(a / step);
    /* The division rounds; step back or forward so t * step <= |w| holds
     * exactly (a - t * step is exact here, so its sign is right). */
    if (a - t * step < 0) t -= 1;
    else if (a - t * step >= step) t += 1;
    if (t > kmax) t = kmax;
    return copysign(t * step, w);
  }
  if (q == SIM_QUANT_RTN_SYM) {
    /* Round to nearest (ties to even, as torch.round) on the symmetric grid
     * s * {-(2^(b-1) - 1), ..., 2^(b-1) - 1} with s = max|w| / (2^(b-1) - 1). */
    double r = fmax(fabs(lo), fabs(hi));
    if (r == 0) return w;
    double qmax = ldexp(1.0, bits - 1) - 1, s = r / qmax;
    double k = nearbyint(w / s);
    if (k > qmax) k = qmax;
    if (k < -qmax) k = -qmax;
    return k * s;
  }
  /* rtn-asym: min-max over the block widened to include 0 (so 0 is exact),
   * 2^b levels, zero point z = nearbyint(-lo / s). */
  double l = fmin(lo, 0.0), h = fmax(hi, 0.0);
  if (h == l) return w;
  double n = ldexp(1.0, bits) - 1, s = (h - l) / n, z = nearbyint(-l / s);
  double c = nearbyint(w / s) + z;
  if (c < 0) c = 0;
  if (c > n) c = n;
  return (c - z) * s;
}
