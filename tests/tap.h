/* tap.h: a tiny TAP producer for the test programs (Automake's tap-driver
 * reads the output). Failed checks print both values and the tolerance.
 * Header-only: each test program includes it once. */
#ifndef DILEMMA_TESTS_TAP_H
#define DILEMMA_TESTS_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count = 0, tap_failures = 0;

static void tap_result(int pass, const char *fmt, va_list ap) {
  tap_count++;
  if (!pass) tap_failures++;
  printf("%sok %d - ", pass ? "" : "not ", tap_count);
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
}

/* ok(cond, "name %d", ...) */
static inline int ok(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int ok(int pass, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tap_result(pass, fmt, ap);
  va_end(ap);
  return pass;
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...) {
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

/* |got - want| <= tol * |want| (absolute when want == 0). */
static inline int ok_rel(double got, double want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int ok_rel(double got, double want, double tol, const char *fmt, ...) {
  double scale = want == 0 ? 1.0 : fabs(want);
  int pass = fabs(got - want) <= tol * scale || (got == want);
  va_list ap;
  va_start(ap, fmt);
  tap_result(pass, fmt, ap);
  va_end(ap);
  if (!pass) diag("  got %.17g, want %.17g (relative tolerance %g, off by %.3g)", got, want, tol,
                  fabs(got - want) / scale);
  return pass;
}

static inline int ok_int(long long got, long long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int ok_int(long long got, long long want, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tap_result(got == want, fmt, ap);
  va_end(ap);
  if (got != want) diag("  got %lld, want %lld", got, want);
  return got == want;
}

/* Prints the plan and returns the exit status for main. */
static inline int tap_done(void) {
  printf("1..%d\n", tap_count);
  return tap_failures ? 1 : 0;
}

#endif
