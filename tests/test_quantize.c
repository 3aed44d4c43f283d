/* test_quantize.c: the quantizers and metrics against values worked out by
 * hand (the arithmetic is in the comments), the two kernel paths against
 * each other and against the reference definition, and option parsing. */
#include "tests/st_build.h"

#include <math.h>
#include <string.h>

#include "sim/weights/weights.h"
#include "tests/tap.h"

static sim_quantize_spec make_spec(sim_quantizer q, sim_qscale scale, const char *bits) {
  sim_quantize_spec s;
  memset(&s, 0, sizeof s);
  s.quantizer = q;
  s.scale = scale;
  sim_quantize_bits_parse(bits, &s, NULL);
  return s;
}

/* Runs spec over n doubles stored as F64 rows of `row`. */
static sim_qacc run64(const sim_quantize_spec *s, const double *x, uint64_t n, uint64_t row) {
  sim_qacc acc;
  sim_qacc_init(&acc, s->n_bits);
  sim_error err;
  sim_error_clear(&err);
  if (sim_quantize_array(s, SIM_DTYPE_F64, x, n, row, &acc, &err) != SIM_OK) diag("%s", err.msg);
  return acc;
}

static void test_truncate(void) {
  /* Eight weights, multiples of 1/64 so every step below is exact:
   * 64, -44, 19, 35, -16, 58, -3, 0 (x 1/64). R = max|w| = 1. */
  const double x[8] = {1.0, -44 / 64.0, 19 / 64.0, 35 / 64.0, -16 / 64.0, 58 / 64.0, -3 / 64.0, 0};
  sim_quantize_spec s = make_spec(SIM_QUANT_TRUNCATE, SIM_QSCALE_TENSOR, "2,3,4");
  sim_qacc a = run64(&s, x, 8, 8);
  /* b = 2: step 16/64, codes t <= 3. |w|/64 -> t -> error (1/64):
   * 64 -> 4 capped to 3 -> 16; 44 -> 2 -> 12; 19 -> 1 -> 3; 35 -> 2 -> 3;
   * 16 -> 1 -> 0; 58 -> 3 -> 10; 3 -> 0 -> 3; 0 -> 0.
   * max 16/64 = 0.25; sum of squares (256+144+9+9+100+9)/4096 = 527/4096. */
  ok(a.max_err[0] == 0.25, "truncate b=2: max |w - q| = 0.25 (the largest weight saturates)");
  ok(a.sum_err2[0] == 527.0 / 4096, "truncate b=2: sum of squares 527/4096");
  ok(sim_qacc_metric(&a, SIM_QMETRIC_MAX_ABS_NORM, 0, 2) == 0.0625,
     "truncate b=2: max-abs-norm 0.25 / 2^2 = 0.0625");
  /* b = 3: step 8/64, t <= 7: 64 -> 7 -> 8; 44 -> 5 -> 4; 19 -> 2 -> 3;
   * 35 -> 4 -> 3; 16 -> 2 -> 0; 58 -> 7 -> 2; 3 -> 0 -> 3.
   * max 8/64; squares (64+16+9+9+4+9)/4096 = 111/4096. */
  ok(a.max_err[1] == 0.125 && a.sum_err2[1] == 111.0 / 4096, "truncate b=3: 0.125, 111/4096");
  /* b = 4: step 4/64, t <= 15: 64 -> 15 -> 4; 44 -> 11 -> 0; 19 -> 4 -> 3;
   * 35 -> 8 -> 3; 16 -> 4 -> 0; 58 -> 14 -> 2; 3 -> 0 -> 3.
   * max 4/64; squares (16+9+9+4+9)/4096 = 47/4096. */
  ok(a.max_err[2] == 0.0625 && a.sum_err2[2] == 47.0 / 4096, "truncate b=4: 0.0625, 47/4096");
  ok(sim_qacc_metric(&a, SIM_QMETRIC_MAX_ABS_NORM, 2, 4) == 1.0 / 256,
     "truncate b=4: max-abs-norm 0.0625 / 16 = 1/256 (the analytic R * 4^-b with R = 1)");
  ok_rel(sim_qacc_metric(&a, SIM_QMETRIC_RMSE, 0, 2), sqrt(527.0 / 4096 / 8), 1e-15,
         "rmse b=2 = sqrt(527/4096 / 8)");
  /* sum w^2 = (4096+1936+361+1225+256+3364+9+0)/4096 = 11247/4096. */
  ok_rel(sim_qacc_metric(&a, SIM_QMETRIC_REL_FRO, 0, 2), sqrt(527.0 / 11247), 1e-15,
         "rel-fro b=2 = sqrt(527 / 11247)");
  ok(sim_qacc_metric(&a, SIM_QMETRIC_MAX_ABS, 1, 3) == 0.125, "max-abs b=3 = 0.125");

  /* A fixed grid R = 1 saturates weights beyond it: 1.5 -> 3 steps of 0.25
   * = 0.75 (error 0.75); 0.75 -> 3 steps exactly (error 0). */
  const double y[2] = {1.5, 0.75};
  sim_quantize_spec f = make_spec(SIM_QUANT_TRUNCATE, SIM_QSCALE_TENSOR, "2");
  f.range = 1.0;
  sim_qacc b = run64(&f, y, 2, 2);
  ok(b.max_err[0] == 0.75 && b.sum_err2[0] == 0.5625, "truncate on a fixed grid saturates at R(1 - 2^-b)");

  /* Groups of 2 in a row of 3: [4, 2] with R = 4, b = 1: step 2, t <= 1:
   * 4 -> 1 -> 2 (error 2), 2 -> 1 -> 0. [1] with R = 1: step 0.5, 1 -> 1 ->
   * error 0.5. Max 2, squares 4.25. */
  const double z[3] = {4, 2, 1};
  sim_quantize_spec g = make_spec(SIM_QUANT_TRUNCATE, SIM_QSCALE_GROUP, "1");
  g.group = 2;
  sim_qacc c = run64(&g, z, 3, 3);
  ok(c.max_err[0] == 2 && c.sum_err2[0] == 4.25, "groups restart per row; a short last group has its own scale");
}

static void test_rtn(void) {
  /* rtn-sym, R = 3, ties to even (a tie is equally far from both
   * neighbours, so the error does not depend on the tie rule).
   * b = 3: qmax 3, s = 1: 3 -> 3 (0); -1 -> -1 (0); 1.5 -> 2 (0.5);
   * -2.25 -> -2 (0.25); 0.5 -> 0 (0.5); 0 -> 0.
   * Max 0.5, squares 0.25 + 0.0625 + 0.25 = 0.5625.
   * b = 2: qmax 1, s = 3: 3 -> 1 (0); -1 -> round(-1/3) = 0 (1);
   * 1.5 -> round(0.5) = 0 (1.5); -2.25 -> round(-0.75) = -1 -> -3 (0.75);
   * 0.5 -> 0 (0.5). Max 1.5, squares 1 + 2.25 + 0.5625 + 0.25 = 4.0625. */
  const double x[6] = {3, -1, 1.5, -2.25, 0.5, 0};
  sim_quantize_spec s = make_spec(SIM_QUANT_RTN_SYM, SIM_QSCALE_TENSOR, "2,3");
  sim_qacc a = run64(&s, x, 6, 6);
  ok(a.max_err[0] == 1.5 && a.sum_err2[0] == 4.0625, "rtn-sym b=2: max 1.5, squares 4.0625");
  ok(a.max_err[1] == 0.5 && a.sum_err2[1] == 0.5625, "rtn-sym b=3: max 0.5, squares 0.5625");

  /* Per channel, b = 2 (levels -1, 0, 1 times s): row [1, 0.5] has s = 1:
   * 1 -> 1 (0), 0.5 -> 0 (0.5). Row [4, -1] has s = 4: 4 -> 1 (0),
   * -1 -> round(-0.25) = 0 (1). Max 1, squares 1.25.
   * Per tensor (s = 4): 1 -> 0 (1), 0.5 -> 0 (0.5), 4 (0), -1 -> 0 (1):
   * max 1, squares 2.25. */
  const double m[4] = {1, 0.5, 4, -1};
  sim_quantize_spec ch = make_spec(SIM_QUANT_RTN_SYM, SIM_QSCALE_CHANNEL, "2");
  sim_qacc c = run64(&ch, m, 4, 2);
  ok(c.max_err[0] == 1 && c.sum_err2[0] == 1.25, "rtn-sym per channel: max 1, squares 1.25");
  sim_quantize_spec te = make_spec(SIM_QUANT_RTN_SYM, SIM_QSCALE_TENSOR, "2");
  sim_qacc t = run64(&te, m, 4, 2);
  ok(t.max_err[0] == 1 && t.sum_err2[0] == 2.25, "rtn-sym per tensor: max 1, squares 2.25");

  /* rtn-asym, b = 2 on [-1, 0.5, 2, 1.25]: lo -1, hi 2, n = 3 levels above
   * 0, s = 1, zero point z = round(1) = 1. -1 -> code 0 -> -1 (0);
   * 0.5 -> round(0.5) + 1 = 1 -> 0 (0.5); 2 -> 3 -> 2 (0); 1.25 -> 2 -> 1
   * (0.25). Max 0.5, squares 0.3125. */
  const double y[4] = {-1, 0.5, 2, 1.25};
  sim_quantize_spec as = make_spec(SIM_QUANT_RTN_ASYM, SIM_QSCALE_TENSOR, "2");
  sim_qacc d = run64(&as, y, 4, 4);
  ok(d.max_err[0] == 0.5 && d.sum_err2[0] == 0.3125, "rtn-asym b=2: max 0.5, squares 0.3125");
  /* All positive [0.5, 1], b = 1: the range widens to [0, 1] so 0 stays
   * exact; s = 1, z = 0: 0.5 -> round(0.5) = 0 (0.5); 1 -> 1 (0). */
  const double p[2] = {0.5, 1};
  sim_quantize_spec a1 = make_spec(SIM_QUANT_RTN_ASYM, SIM_QSCALE_TENSOR, "1");
  sim_qacc e = run64(&a1, p, 2, 2);
  ok(e.max_err[0] == 0.5 && e.sum_err2[0] == 0.25, "rtn-asym widens the range to include 0");
  const double zeros[3] = {0, 0, 0};
  sim_qacc zr = run64(&as, zeros, 3, 3);
  ok(zr.max_err[0] == 0 && zr.count == 3, "an all-zero block has no error");
}

static void test_dtypes(void) {
  /* I8 [-128, 64, 3], truncate b = 4: R = 128, step 8, t <= 15:
   * 128 -> 15 -> 120 (8); 64 -> 8 (0); 3 -> 0 (3). At b = 8 an I8 tensor
   * is kept as stored: error 0. */
  const int8_t i8[3] = {-128, 64, 3};
  sim_quantize_spec s = make_spec(SIM_QUANT_TRUNCATE, SIM_QSCALE_TENSOR, "4,8");
  sim_qacc a;
  sim_qacc_init(&a, s.n_bits);
  ok(sim_quantize_array(&s, SIM_DTYPE_I8, i8, 3, 3, &a, NULL) == SIM_OK && a.max_err[0] == 8 &&
     a.sum_err2[0] == 73 && a.max_err[1] == 0, "I8: b=4 max 8, squares 73; b=8 keeps it");
  /* F16 [0.5, -0.375] (0x3800, 0xb600) at b = 16 is kept: 0; at b = 2 R = 0.5,
   * step 0.125: 0.5 -> 3 -> 0.375 (0.125); 0.375 -> 3 (0). */
  const uint16_t h[2] = {0x3800, 0xb600};
  sim_quantize_spec s2 = make_spec(SIM_QUANT_TRUNCATE, SIM_QSCALE_TENSOR, "2,16,32");
  sim_qacc b;
  sim_qacc_init(&b, s2.n_bits);
  sim_quantize_array(&s2, SIM_DTYPE_F16, h, 2, 2, &b, NULL);
  ok(b.max_err[0] == 0.125 && b.max_err[1] == 0 && b.max_err[2] == 0,
     "F16: b=2 error 0.125; b >= 16 keeps the stored value");
  const uint16_t bad[2] = {0x3c00, 0x7c00};
  sim_error err;
  sim_error_clear(&err);
  ok(sim_quantize_array(&s2, SIM_DTYPE_F16, bad, 2, 2, &b, &err) == SIM_EINPUT &&
     strstr(err.msg, "NaN or an infinite") != NULL, "an infinite weight is an input error");
  sim_error_clear(&err);
  const int64_t one_i64[1] = {1}; /* a whole I64 element, not 4 bytes of one */
  ok(sim_quantize_array(&s2, SIM_DTYPE_I64, one_i64, 1, 1, &b, &err) == SIM_EINPUT,
     "an I64 tensor cannot be quantized");
}

/* A deterministic pseudo-random fp16 tensor of n codes around zero. */
static void fill_f16(uint16_t *h, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    uint32_t r = seed >> 8;
    /* Exponents 2..16 (|w| from 2^-13 to 2), random mantissa and sign. */
    h[i] = (uint16_t)((r & 0x8000u) | ((2 + (r >> 16) % 15) << 10) | (r & 0x3ffu));
  }
}

static void test_paths(void) {
  enum { N = 70000, ROW = 350 };
  uint16_t *h = malloc(N * sizeof *h);
  double *x = malloc(N * sizeof *x);
  fill_f16(h, N, 12345);
  for (size_t i = 0; i < N; i++) x[i] = sim_f16_to_float(h[i]);
  for (int q = 0; q < 3; q++) {
    sim_quantize_spec s = make_spec((sim_quantizer)q, SIM_QSCALE_TENSOR, "2:14:2");
    sim_qacc hist, direct;
    sim_qacc_init(&hist, s.n_bits);
    sim_qacc_init(&direct, s.n_bits);
    const int rc_hist = sim_quantize_array(&s, SIM_DTYPE_F16, h, N, ROW, &hist, NULL);
    s.force_direct = 1;
    const int rc_direct = sim_quantize_array(&s, SIM_DTYPE_F16, h, N, ROW, &direct, NULL);
    ok(rc_hist == SIM_OK && rc_direct == SIM_OK && hist.count == N && direct.count == N,
       "%s: both paths quantize all %d weights", sim_quantizer_name((sim_quantizer)q), N);
    int same = hist.count == direct.count;
    for (size_t k = 0; k < s.n_bits; k++)
      same &= hist.max_err[k] == direct.max_err[k] &&
              fabs(hist.sum_err2[k] - direct.sum_err2[k]) <= 1e-12 * direct.sum_err2[k];
    ok(same, "%s: the histogram and direct paths agree on %d fp16 weights",
       sim_quantizer_name((sim_quantizer)q), N);
    /* The kernels against the reference definition, per channel. */
    sim_quantize_spec c = make_spec((sim_quantizer)q, SIM_QSCALE_CHANNEL, "2:14:2");
    sim_qacc got;
    sim_qacc_init(&got, c.n_bits);
    sim_quantize_array(&c, SIM_DTYPE_F16, h, N, ROW, &got, NULL);
    int agree = 1;
    for (size_t k = 0; k < c.n_bits; k++) {
      double mx = 0, s2 = 0;
      for (size_t r = 0; r < N / ROW; r++) {
        double lo = x[r * ROW], hi = lo;
        for (size_t i = 0; i < ROW; i++) {
          lo = fmin(lo, x[r * ROW + i]);
          hi = fmax(hi, x[r * ROW + i]);
        }
        for (size_t i = 0; i < ROW; i++) {
          double w = x[r * ROW + i];
          double e = fabs(w - sim_quantize_point((sim_quantizer)q, c.bits[k], 0, lo, hi, w));
          mx = fmax(mx, e);
          s2 += e * e;
        }
      }
      agree &= got.max_err[k] == mx && fabs(got.sum_err2[k] - s2) <= 1e-12 * s2;
    }
    ok(agree, "%s per channel: kernel equals sim_quantize_point at every width",
       sim_quantizer_name((sim_quantizer)q));
  }
  free(h);
  free(x);
}

static void test_options(void) {
  sim_quantize_spec s;
  memset(&s, 0, sizeof s);
  ok(sim_quantize_bits_parse("4:32:2", &s, NULL) == SIM_OK && s.n_bits == 15 && s.bits[0] == 4 &&
     s.bits[14] == 32, "4:32:2 is 15 widths from 4 to 32");
  ok(sim_quantize_bits_parse("4,8,16", &s, NULL) == SIM_OK && s.n_bits == 3 && s.bits[2] == 16,
     "a list of widths");
  ok(sim_quantize_bits_parse("6", &s, NULL) == SIM_OK && s.n_bits == 1, "a single width");
  const char *bad[] = {"", "x", "8:4", "0", "4,4", "4:65", "4:8:0", "4,8,"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ok(sim_quantize_bits_parse(bad[i], &s, NULL) == SIM_EINPUT, "bits '%s' are refused", bad[i]);
  sim_quantize_spec r = make_spec(SIM_QUANT_RTN_SYM, SIM_QSCALE_TENSOR, "1,4");
  ok(sim_quantize_spec_check(&r, NULL) == SIM_EINPUT, "rtn-sym needs at least 2 bits");
  r = make_spec(SIM_QUANT_RTN_ASYM, SIM_QSCALE_TENSOR, "4");
  r.range = 1;
  ok(sim_quantize_spec_check(&r, NULL) == SIM_EINPUT, "a fixed range is for truncate only");
  r = make_spec(SIM_QUANT_TRUNCATE, SIM_QSCALE_GROUP, "4");
  ok(sim_quantize_spec_check(&r, NULL) == SIM_EINPUT, "a group scale needs a group size");
  ok(sim_quantizer_parse("rtn-asym") == SIM_QUANT_RTN_ASYM && sim_quantizer_parse("rtn") == -1,
     "quantizer names");
  ok(sim_qmetric_parse("rel-fro") == SIM_QMETRIC_REL_FRO && sim_qmetric_parse("max") == -1,
     "metric names");
  /* The reference definition at a few points, by hand: truncate b=2 with
   * R = 1 maps -0.7 to -(2 steps of 0.25) = -0.5. */
  ok(sim_quantize_point(SIM_QUANT_TRUNCATE, 2, 0, -0.7, 1, -0.7) == -0.5, "truncate(-0.7) = -0.5");
  /* b=2: qmax 1, s = 3, 1.5 is half a step: even 0, away 3. b=3: qmax 3,
   * s = 1, 2.5 is a tie: even 2, away 3. (At b=2, 4.5 clamps to 3 either
   * way, so it could not tell the two apart.) */
  ok(sim_quantize_point(SIM_QUANT_RTN_SYM, 2, 0, -3, 3, 1.5) == 0 &&
     sim_quantize_point(SIM_QUANT_RTN_SYM, 3, 0, -3, 3, 2.5) == 2, "rtn-sym rounds ties to even");
}

int main(void) {
  test_truncate();
  test_rtn();
  test_dtypes();
  test_paths();
  test_options();
  return tap_done();
}
