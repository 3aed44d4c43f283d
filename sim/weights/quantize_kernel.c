/* quantize_kernel.c: the streaming pass that measures quantization error at
 * every bit width at once.
 *
 * Two paths compute the same numbers:
 * - direct: elements are converted to double in chunks of whole blocks and
 *   each block is scanned once for its range and once per bit width, all in
 *   cache; a block larger than a chunk is streamed twice.
 * - histogram: a tensor of a 16-bit or 8-bit type with one scale for the
 *   whole tensor only needs how often each code occurs. Counting codes is
 *   a single cheap pass; the errors are then computed once per distinct
 *   code (at most 65536) and weighted by its count. This is the path that
 *   keeps `dilemma profile` at memory speed on fp16 and bf16 checkpoints.
 * Both use the per-element error functions below, which agree exactly with
 * sim_quantize_point (tested). */
#include "sim/weights/weights.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/weights/internal.h"

#define CHUNK 16384           /* elements converted to double at a time (128 KiB, in L2):
                                 a whole row of every common matrix */
#define HIST_MIN_ELEMS 16384  /* smaller 16-bit tensors are cheaper the direct way */
#define HIST_SEGMENT (1u << 30) /* elements counted before 32-bit counters are flushed */

/* Per-width constants of one block. */
typedef struct {
  int zero;                            /* the block is all zeros: every error is 0 */
  double s[SIM_QUANTIZE_MAX_BITS];     /* truncate: grid step; rtn: scale */
  double inv[SIM_QUANTIZE_MAX_BITS];   /* truncate: 1 / step (a first guess only) */
  double top[SIM_QUANTIZE_MAX_BITS];   /* truncate: 2^b - 1; rtn-sym: 2^(b-1) - 1; rtn-asym: 2^b - 1 */
  double z[SIM_QUANTIZE_MAX_BITS];     /* rtn-asym: zero point */
} bparams;

typedef struct {
  double lo, hi;
  int bad; /* a NaN or an infinity was seen */
} vrange;

/* The loops below are written without branches (conditional expressions
 * the compiler turns into selects) so that GCC can vectorize them; at -O2 it
 * would only vectorize loops whose trip count is a known multiple of the
 * vector width. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

/* Adding 2^52 to 0 <= x < 2^52 (or 1.5 * 2^52 to |y| < 2^51) leaves no
 * fraction bits, so the sum is rounded to an integer (to nearest, ties to
 * even) and subtracting the constant again is exact. This rounds without a
 * libm call and vectorizes; widths are capped so the bounds hold. */
#define ROUND_NONNEG 0x1p52
#define ROUND_SIGNED 0x1.8p52

/* floor(x) for 0 <= x < 2^52. The comparison is a branch taken about half
 * the time, so the kernels use floor_small where they can. */
static inline double floor_nonneg(double x) {
  double r = (x + ROUND_NONNEG) - ROUND_NONNEG;
  return r > x ? r - 1 : r;
}

/* floor(x) for 0 <= x < 2^31: conversion truncates, without a branch. */
static inline double floor_small(double x) { return (double)(int32_t)x; }

/* The nearest integer to y, ties to even (as nearbyint and torch.round),
 * for |y| < 2^51. */
static inline double round_even(double y) { return (y + ROUND_SIGNED) - ROUND_SIGNED; }

/* |w - q_b(w)| for truncate, given a = |w|, from t0 = a * inv capped at
 * top, whose floor is a first guess for t: the product may be one off, and
 * the exact sign of a - t * step (exact here, see sim_quantize_point)
 * corrects it. The corrections are rare, so their branches are predicted. */
static inline double err_truncate_from(double a, double t, double step, double top) {
  double e = a - t * step;
  if (e < 0) {
    t -= 1;
    e = a - t * step;
  } else if (e >= step && t < top) {
    t += 1;
    e = a - t * step;
  }
  return e;
}

/* err_truncate for top < 2^31 with the corrections as selects instead of
 * branches, so that four lanes can share SIMD registers. */
static inline double err_truncate_select(double a, double inv, double step, double top) {
  double x = a * inv;
  double t = floor_small(x < top ? x : top);
  double e = a - t * step;
  double up = e >= step ? 1.0 : 0.0, down = e < 0 ? 1.0 : 0.0;
  t = t + (t < top ? up : 0.0) - down;
  return a - t * step;
}

static inline double err_truncate(double a, double step, double inv, double top) {
  double x = a * inv;
  x = x < top ? x : top;
  return err_truncate_from(a, top < 0x1p31 ? floor_small(x) : floor_nonneg(x), step, top);
}

static inline double err_rtn_sym(double w, double s, double qmax) {
  double k = round_even(w / s);
  k = k > qmax ? qmax : k;
  k = k < -qmax ? -qmax : k;
  return fabs(w - k * s);
}

static inline double err_rtn_asym(double w, double s, double n, double z) {
  double c = round_even(w / s) + z;
  c = c < 0 ? 0 : c;
  c = c > n ? n : c;
  return fabs(w - (c - z) * s);
}

/* Number of widths that change the tensor: those below its stored
 * precision and at most SIM_QUANTIZE_EXACT_BITS (wider grids are finer than
 * the double arithmetic resolves). Wider ones keep the tensor as stored,
 * error 0; the widths are ascending. */
static size_t active_widths(const sim_quantize_spec *spec, sim_dtype t) {
  int stored = (int)sim_dtype_size(t) * 8;
  size_t k = 0;
  while (k < spec->n_bits && spec->bits[k] < stored && spec->bits[k] <= SIM_QUANTIZE_EXACT_BITS) k++;
  return k;
}

static void params_make(const sim_quantize_spec *spec, size_t n_active, const vrange *r,
                        bparams *p) {
  p->zero = 0;
  if (spec->quantizer == SIM_QUANT_TRUNCATE) {
    double R = spec->range > 0 ? spec->range : fmax(fabs(r->lo), fabs(r->hi));
    if (R == 0) { p->zero = 1; return; }
    for (size_t k = 0; k < n_active; k++) {
      p->s[k] = ldexp(R, -spec->bits[k]);
      p->inv[k] = ldexp(1.0 / R, spec->bits[k]);
      p->z[k] = 0;
      p->top[k] = ldexp(1.0, spec->bits[k]) - 1;
    }
  } else if (spec->quantizer == SIM_QUANT_RTN_SYM) {
    double R = fmax(fabs(r->lo), fabs(r->hi));
    if (R == 0) { p->zero = 1; return; }
    for (size_t k = 0; k < n_active; k++) {
      p->top[k] = ldexp(1.0, spec->bits[k] - 1) - 1;
      p->s[k] = R / p->top[k];
      p->inv[k] = p->z[k] = 0;
    }
  } else {
    double l = fmin(r->lo, 0.0), h = fmax(r->hi, 0.0);
    if (h == l) { p->zero = 1; return; }
    for (size_t k = 0; k < n_active; k++) {
      p->top[k] = ldexp(1.0, spec->bits[k]) - 1;
      p->s[k] = (h - l) / p->top[k];
      p->z[k] = round_even(-l / p->s[k]);
      p->inv[k] = 0;
    }
  }
}

/* The error of one weight at width index k. */
static inline double err_one(sim_quantizer q, const bparams *p, size_t k, double w) {
  if (q == SIM_QUANT_TRUNCATE) return err_truncate(fabs(w), p->s[k], p->inv[k], p->top[k]);
  if (q == SIM_QUANT_RTN_SYM) return err_rtn_sym(w, p->s[k], p->top[k]);
  return err_rtn_asym(w, p->s[k], p->top[k], p->z[k]);
}

/* Range of x[0..m) and whether it holds a NaN or an infinity, in four
 * lanes so the comparisons do not wait on each other. */
static void range_update(vrange *r, const double *x, size_t m) {
  double lo[4] = {r->lo, r->lo, r->lo, r->lo}, hi[4] = {r->hi, r->hi, r->hi, r->hi};
  int bad = 0;
  size_t i = 0;
  for (; i + 4 <= m; i += 4)
    for (int l = 0; l < 4; l++) {
      const double v = x[i + l];
      lo[l] = v < lo[l] ? v : lo[l];
      hi[l] = v > hi[l] ? v : hi[l];
      bad |= !(fabs(v) <= DBL_MAX);
    }
  for (; i < m; i++) {
    lo[0] = x[i] < lo[0] ? x[i] : lo[0];
    hi[0] = x[i] > hi[0] ? x[i] : hi[0];
    bad |= !(fabs(x[i]) <= DBL_MAX);
  }
  for (int l = 1; l < 4; l++) {
    lo[0] = lo[l] < lo[0] ? lo[l] : lo[0];
    hi[0] = hi[l] > hi[0] ? hi[l] : hi[0];
  }
  r->lo = lo[0];
  r->hi = hi[0];
  r->bad |= bad;
}

/* Sum of squares of x[0..m), in four lanes. */
static double sum_squares(const double *x, size_t m) {
  double s4[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= m; i += 4)
    for (int l = 0; l < 4; l++) s4[l] += x[i + l] * x[i + l];
  for (; i < m; i++) s4[0] += x[i] * x[i];
  return (s4[0] + s4[1]) + (s4[2] + s4[3]);
}

/* The error of x[i] at one width, for the loops below. */
#define ERR_TRUNC(i) err_truncate_select(fabs(x[i]), inv, s, top)
#define ERR_TRUNC_WIDE(i) err_truncate(fabs(x[i]), s, inv, top)
#define ERR_SYM(i) err_rtn_sym(x[i], s, top)
#define ERR_ASYM(i) err_rtn_asym(x[i], s, top, z)

/* Accumulates max and sum of squares of ERR over x[0..m) in four
 * independent lanes: one running sum would make every element wait for
 * the previous addition, and the lanes also let the compiler use SIMD. */
#define LANES(ERR)                                                   \
  do {                                                               \
    double m4[4] = {0, 0, 0, 0}, s4[4] = {0, 0, 0, 0};               \
    size_t i = 0;                                                    \
    for (; i + 4 <= m; i += 4)                                       \
      for (int l = 0; l < 4; l++) {                                  \
        double e = ERR(i + l);                                       \
        m4[l] = e > m4[l] ? e : m4[l];                               \
        s4[l] += e * e;                                              \
      }                                                              \
    for (; i < m; i++) {                                             \
      double e = ERR(i);                                             \
      m4[0] = e > m4[0] ? e : m4[0];                                 \
      s4[0] += e * e;                                                \
    }                                                                \
    mx = m4[0] > m4[1] ? m4[0] : m4[1];                              \
    mx = m4[2] > mx ? m4[2] : mx;                                    \
    mx = m4[3] > mx ? m4[3] : mx;                                    \
    s2 = (s4[0] + s4[1]) + (s4[2] + s4[3]);                          \
  } while (0)

/* Adds the errors of m weights of one block, all widths, to acc. The loops
 * are split by quantizer so each inner loop is straight-line code. */
static void errors_add(const sim_quantize_spec *spec, size_t n_active, const bparams *p,
                       const double *x, size_t m, sim_qacc *acc) {
  acc->sum_w2 += sum_squares(x, m);
  acc->count += m;
  if (p->zero) return;
  for (size_t k = 0; k < n_active; k++) {
    double mx = 0, s2 = 0;
    const double s = p->s[k], top = p->top[k], inv = p->inv[k], z = p->z[k];
    if (spec->quantizer == SIM_QUANT_TRUNCATE && top < 0x1p31)
      LANES(ERR_TRUNC); /* every practical width: the floor is a conversion */
    else if (spec->quantizer == SIM_QUANT_TRUNCATE)
      LANES(ERR_TRUNC_WIDE);
    else if (spec->quantizer == SIM_QUANT_RTN_SYM)
      LANES(ERR_SYM);
    else
      LANES(ERR_ASYM);
    if (mx > acc->max_err[k]) acc->max_err[k] = mx;
    acc->sum_err2[k] += s2;
  }
}

/* Converts m little-endian elements to double. */
static void convert(sim_dtype t, const void *src, size_t m, double *dst) {
  const unsigned char *p = src;
  switch (t) {
  case SIM_DTYPE_F16:
    for (size_t i = 0; i < m; i++)
      dst[i] = sim__f16_bits_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    break;
  case SIM_DTYPE_BF16:
    for (size_t i = 0; i < m; i++)
      dst[i] = sim__bf16_bits_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    break;
  case SIM_DTYPE_I8:
    for (size_t i = 0; i < m; i++) dst[i] = (double)(int8_t)p[i];
    break;
  case SIM_DTYPE_F32:
    /* Assembled little-endian and copied into a float, as sim_dtype_load
     * does, but without its call and switch per element. */
    for (size_t i = 0; i < m; i++) {
      const unsigned char *q = p + 4 * i;
      const uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                         (uint32_t)q[3] << 24;
      float f;
      memcpy(&f, &u, sizeof f);
      dst[i] = f;
    }
    break;
  case SIM_DTYPE_F64:
    for (size_t i = 0; i < m; i++) {
      const unsigned char *q = p + 8 * i;
      uint64_t u = 0;
      for (int k = 7; k >= 0; k--) u = u << 8 | q[k];
      memcpy(&dst[i], &u, sizeof dst[i]);
    }
    break;
  default:
    for (size_t i = 0; i < m; i++) dst[i] = sim_dtype_load(t, src, i);
    break;
  }
}

/* Length of the block starting at element pos. */
static uint64_t block_len(const sim_quantize_spec *spec, const sim_qsource *src, uint64_t pos,
                          uint64_t chunk) {
  const uint64_t left = src->n - pos;
  const uint64_t row = src->row ? src->row : src->n;
  uint64_t len;
  if (spec->quantizer == SIM_QUANT_TRUNCATE && spec->range > 0)
    len = chunk; /* a fixed grid: any cut of the data will do */
  else if (spec->scale == SIM_QSCALE_TENSOR)
    len = left;
  else if (spec->scale == SIM_QSCALE_CHANNEL)
    len = row - pos % row;
  else {
    len = row - pos % row;
    if (spec->group < len) len = spec->group;
  }
  return len < left ? len : left;
}

static int nonfinite(const char *what, sim_error *err) {
  return sim_error_set(err, SIM_EINPUT, "%s holds a NaN or an infinite weight, which no "
                       "quantizer can represent", what);
}

static int run_direct(const sim_quantize_spec *spec, const sim_qsource *src, const char *what,
                      sim_qacc *acc, double *buf, sim_error *err) {
  const size_t n_active = active_widths(spec, src->dtype);
  const uint64_t chunk = src->window < CHUNK ? src->window : CHUNK;
  bparams p;
  const void *data;
  int rc;
  uint64_t pos = 0;
  while (pos < src->n) {
    uint64_t blen = block_len(spec, src, pos, chunk);
    if (blen <= chunk) {
      /* As many whole blocks as fit in one chunk. */
      uint64_t cnt = blen;
      while (pos + cnt < src->n) {
        uint64_t l = block_len(spec, src, pos + cnt, chunk);
        if (cnt + l > chunk) break;
        cnt += l;
      }
      if ((rc = src->fetch(src->ctx, pos, cnt, &data, err)) != SIM_OK) return rc;
      convert(src->dtype, data, (size_t)cnt, buf);
      for (uint64_t off = 0; off < cnt;) {
        uint64_t l = block_len(spec, src, pos + off, chunk);
        vrange r = {buf[off], buf[off], 0};
        range_update(&r, buf + off, (size_t)l);
        if (r.bad) return nonfinite(what, err);
        params_make(spec, n_active, &r, &p);
        errors_add(spec, n_active, &p, buf + off, (size_t)l, acc);
        off += l;
      }
      pos += cnt;
      continue;
    }
    /* A block larger than a chunk: one pass for its range, one for errors. */
    vrange r = {INFINITY, -INFINITY, 0};
    for (int pass = 0; pass < 2; pass++) {
      if (pass == 1) {
        if (r.bad) return nonfinite(what, err);
        params_make(spec, n_active, &r, &p);
      }
      for (uint64_t q = pos; q < pos + blen; q += chunk) {
        uint64_t cnt = pos + blen - q < chunk ? pos + blen - q : chunk;
        if ((rc = src->fetch(src->ctx, q, cnt, &data, err)) != SIM_OK) return rc;
        convert(src->dtype, data, (size_t)cnt, buf);
        if (pass == 0) range_update(&r, buf, (size_t)cnt);
        else errors_add(spec, n_active, &p, buf, (size_t)cnt, acc);
      }
    }
    pos += blen;
  }
  return SIM_OK;
}

/* Counts codes of a 16-bit or 8-bit tensor. Two interleaved tables keep
 * runs of equal codes from serializing on one counter. */
static int count_codes(const sim_qsource *src, uint64_t *total, uint32_t *h, size_t ncodes,
                       sim_error *err) {
  const int wide = sim_dtype_size(src->dtype) == 2;
  uint32_t *h0 = h, *h1 = h + ncodes;
  uint64_t since_flush = 0;
  for (uint64_t pos = 0; pos < src->n;) {
    uint64_t cnt = src->n - pos < src->window ? src->n - pos : src->window;
    if (cnt > HIST_SEGMENT) cnt = HIST_SEGMENT;
    const void *data;
    int rc = src->fetch(src->ctx, pos, cnt, &data, err);
    if (rc != SIM_OK) return rc;
    const unsigned char *p = data;
    if (wide) {
      uint64_t i = 0;
      for (; i + 1 < cnt; i += 2) {
        h0[p[2 * i] | p[2 * i + 1] << 8]++;
        h1[p[2 * i + 2] | p[2 * i + 3] << 8]++;
      }
      if (i < cnt) h0[p[2 * i] | p[2 * i + 1] << 8]++;
    } else {
      for (uint64_t i = 0; i < cnt; i++) h0[p[i]]++;
    }
    pos += cnt;
    since_flush += cnt;
    /* A 32-bit counter holds any one segment; flush before the next could
     * overflow it. */
    if (since_flush + HIST_SEGMENT > UINT32_MAX || pos == src->n) {
      for (size_t c = 0; c < ncodes; c++) total[c] += (uint64_t)h0[c] + h1[c];
      memset(h, 0, 2 * ncodes * sizeof *h);
      since_flush = 0;
    }
  }
  return SIM_OK;
}

static double code_value(sim_dtype t, size_t c) {
  if (t == SIM_DTYPE_F16) return sim__f16_bits_to_float((uint16_t)c);
  if (t == SIM_DTYPE_BF16) return sim__bf16_bits_to_float((uint16_t)c);
  return (double)(int8_t)(uint8_t)c;
}

static int run_histogram(const sim_quantize_spec *spec, const sim_qsource *src, const char *what,
                         sim_qacc *acc, sim_error *err) {
  const size_t ncodes = sim_dtype_size(src->dtype) == 2 ? 65536 : 256;
  uint64_t *total = calloc(ncodes, sizeof *total);
  uint32_t *h = calloc(2 * ncodes, sizeof *h);
  if (total == NULL || h == NULL) {
    free(total);
    free(h);
    return sim_error_set(err, SIM_ENOMEM, "out of memory counting the codes of %s", what);
  }
  int rc = count_codes(src, total, h, ncodes, err);
  free(h);
  vrange r = {INFINITY, -INFINITY, 0};
  for (size_t c = 0; rc == SIM_OK && c < ncodes; c++) {
    if (total[c] == 0) continue;
    double v = code_value(src->dtype, c);
    if (!(fabs(v) <= DBL_MAX)) rc = nonfinite(what, err);
    r.lo = v < r.lo ? v : r.lo;
    r.hi = v > r.hi ? v : r.hi;
  }
  if (rc == SIM_OK) {
    const size_t n_active = active_widths(spec, src->dtype);
    bparams p;
    params_make(spec, n_active, &r, &p);
    for (size_t c = 0; c < ncodes; c++) {
      if (total[c] == 0) continue;
      const double v = code_value(src->dtype, c), cnt = (double)total[c];
      acc->count += total[c];
      acc->sum_w2 += cnt * v * v;
      if (p.zero) continue;
      for (size_t k = 0; k < n_active; k++) {
        double e = err_one(spec->quantizer, &p, k, v);
        if (e > acc->max_err[k]) acc->max_err[k] = e;
        acc->sum_err2[k] += cnt * e * e;
      }
    }
  }
  free(total);
  return rc;
}

int sim_quantize_source(const sim_quantize_spec *spec, const sim_qsource *src, const char *what,
                        sim_qacc *acc, sim_error *err) {
  if (!sim_dtype_readable(src->dtype))
    return sim_error_set(err, SIM_EINPUT, "%s has dtype %s; the quantizers read F64, F32, F16, "
                         "BF16 and I8", what, sim_dtype_name(src->dtype));
  if (src->window == 0 || src->fetch == NULL)
    return sim_error_set(err, SIM_EINTERNAL, "a quantizer source needs a fetch window");
  if (src->n == 0) return SIM_OK;
  const int small_codes = src->dtype == SIM_DTYPE_F16 || src->dtype == SIM_DTYPE_BF16 ||
                          src->dtype == SIM_DTYPE_I8;
  const int one_scale = spec->scale == SIM_QSCALE_TENSOR ||
                        (spec->quantizer == SIM_QUANT_TRUNCATE && spec->range > 0);
  if (small_codes && one_scale && !spec->force_direct &&
      (src->dtype == SIM_DTYPE_I8 || src->n >= HIST_MIN_ELEMS))
    return run_histogram(spec, src, what, acc, err);
  double *buf = malloc(CHUNK * sizeof *buf);
  if (buf == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory quantizing %s", what);
  int rc = run_direct(spec, src, what, acc, buf, err);
  free(buf);
  return rc;
}

typedef struct {
  const unsigned char *data;
  size_t esize;
} mem_ctx;

static int mem_fetch(void *ctx, uint64_t first, uint64_t count, const void **data,
                     sim_error *err) {
  (void)count;
  (void)err;
  const mem_ctx *m = ctx;
  *data = m->data + first * m->esize;
  return SIM_OK;
}

int sim_quantize_array(const sim_quantize_spec *spec, sim_dtype dtype, const void *data,
                       uint64_t n, uint64_t row, sim_qacc *acc, sim_error *err) {
  mem_ctx m = {data, sim_dtype_size(dtype)};
  sim_qsource src = {dtype, n, row ? row : n, n ? n : 1, mem_fetch, &m};
  return sim_quantize_source(spec, &src, "an array", acc, err);
}
