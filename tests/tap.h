/* tap.h: a tiny TAP producer for the test programs (Automake's tap-driver
 * reads the output). Header-only: each test program includes it once.
 *
 * The checks are macros so that a failure can say where it happened and what
 * was compared: each failed check prints, as TAP diagnostic lines ("# ..."),
 * its file:line, the expression text and the values on both sides (for
 * ok_rel also the tolerance and the relative error), the way libuv's
 * ASSERT_EQ does. A passing check prints only its "ok N - name" line.
 *
 *   ok(cond, "name %d", ...)             cond is true
 *   ok_int(got, want, "name", ...)       got == want as long long
 *   ok_rel(got, want, tol, "name", ...)  |got - want| <= tol * |want|
 *                                        (absolute when want == 0)
 *   diag("text %d", ...)                 a "# text" line
 *   return tap_done();                   prints the plan, returns the status
 *
 * tests/test_tap.c checks these diagnostics, so they cannot silently stop
 * printing. */
#ifndef DILEMMA_TESTS_TAP_H
#define DILEMMA_TESTS_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count = 0, tap_failures = 0;

#define ok(cond, ...) tap__ok(__FILE__, __LINE__, #cond, (cond) ? 1 : 0, __VA_ARGS__)
#define ok_int(got, want, ...) \
  tap__int(__FILE__, __LINE__, #got, #want, (got), (want), __VA_ARGS__)
#define ok_rel(got, want, tol, ...) \
  tap__rel(__FILE__, __LINE__, #got, #want, #tol, (got), (want), (tol), __VA_ARGS__)

static void tap__result(int pass, const char *fmt, va_list ap) {
  tap_count++;
  if (!pass) tap_failures++;
  printf("%sok %d - ", pass ? "" : "not ", tap_count);
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...) {
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

/* The "ok"/"not ok" line of one check, and on failure the line that says
 * where the check is; returns pass. */
static int tap__report(int pass, const char *file, int line, const char *fmt, va_list ap) {
  tap__result(pass, fmt, ap);
  if (!pass) diag("  %s:%d: check failed", file, line);
  return pass;
}

/* The body of ok(): pass is the already-evaluated condition, expr its text. */
static inline int tap__ok(const char *file, int line, const char *expr, int pass, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));
static inline int tap__ok(const char *file, int line, const char *expr, int pass, const char *fmt,
                          ...) {
  va_list ap;
  va_start(ap, fmt);
  tap__report(pass, file, line, fmt, ap);
  va_end(ap);
  if (!pass) {
    diag("    ok(%s)", expr);
    diag("    the condition is false");
  }
  return pass;
}

/* The body of ok_int(): an exact comparison of two integers. */
static inline int tap__int(const char *file, int line, const char *got_expr,
                           const char *want_expr, long long got, long long want, const char *fmt,
                           ...) __attribute__((format(printf, 7, 8)));
static inline int tap__int(const char *file, int line, const char *got_expr,
                           const char *want_expr, long long got, long long want, const char *fmt,
                           ...) {
  int pass = got == want;
  va_list ap;
  va_start(ap, fmt);
  tap__report(pass, file, line, fmt, ap);
  va_end(ap);
  if (!pass) {
    diag("    ok_int(%s, %s)", got_expr, want_expr);
    diag("    got:  %lld", got);
    diag("    want: %lld", want);
  }
  return pass;
}

/* The body of ok_rel(): |got - want| <= tol * |want|, absolute when want is
 * 0; equal infinities pass, a NaN on either side fails. */
static inline int tap__rel(const char *file, int line, const char *got_expr,
                           const char *want_expr, const char *tol_expr, double got, double want,
                           double tol, const char *fmt, ...) __attribute__((format(printf, 9, 10)));
static inline int tap__rel(const char *file, int line, const char *got_expr,
                           const char *want_expr, const char *tol_expr, double got, double want,
                           double tol, const char *fmt, ...) {
  double scale = want == 0 ? 1.0 : fabs(want);
  int pass = fabs(got - want) <= tol * scale || (got == want);
  va_list ap;
  va_start(ap, fmt);
  tap__report(pass, file, line, fmt, ap);
  va_end(ap);
  if (!pass) {
    diag("    ok_rel(%s, %s, %s)", got_expr, want_expr, tol_expr);
    diag("    got:  %.17g", got);
    diag("    want: %.17g", want);
    diag("    %s tolerance %g, %s error %.3g", want == 0 ? "absolute" : "relative", tol,
         want == 0 ? "absolute" : "relative", fabs(got - want) / scale);
  }
  return pass;
}

/* Prints the plan and returns the exit status for main. */
static inline int tap_done(void) {
  printf("1..%d\n", tap_count);
  return tap_failures ? 1 : 0;
}

#endif
