/* test_tap.c: the checks of tap.h say where and what failed.
 *
 * Each check below is run once failing with stdout sent to a temporary file;
 * the test then reads that file back and asserts that it holds the
 * "not ok" line, this file's name with the check's line number, the
 * expression text and both values (for ok_rel also the tolerance and the
 * relative error). Without this test a change to tap.h could drop the
 * diagnostics and every other test would still pass. */
#include <string.h>
#include <unistd.h>

#include "tests/tap.h"

/* The output of one failing check, captured from stdout. */
typedef struct {
  char text[4096];
  int line; /* the line of the check in this file */
} captured;

static FILE *capture_file;
static int capture_saved_fd = -1;
static int capture_count, capture_failures;

/* Sends stdout to a temporary file and saves the TAP counters, so the
 * deliberate failure is neither seen by the TAP driver nor counted. */
static void capture_begin(void) {
  fflush(stdout);
  capture_file = tmpfile();
  if (!capture_file) {
    perror("tmpfile");
    exit(99);
  }
  capture_saved_fd = dup(STDOUT_FILENO);
  if (capture_saved_fd < 0 || dup2(fileno(capture_file), STDOUT_FILENO) < 0) {
    perror("dup");
    exit(99);
  }
  capture_count = tap_count;
  capture_failures = tap_failures;
}

/* Restores stdout and the counters; copies what was printed into c. */
static void capture_end(captured *c) {
  size_t n;
  fflush(stdout);
  if (dup2(capture_saved_fd, STDOUT_FILENO) < 0) {
    perror("dup2");
    exit(99);
  }
  close(capture_saved_fd);
  rewind(capture_file);
  n = fread(c->text, 1, sizeof c->text - 1, capture_file);
  c->text[n] = '\0';
  fclose(capture_file);
  tap_count = capture_count;
  tap_failures = capture_failures;
}

/* One check that the captured output holds needle, printing it when not. The
 * test's name shows needle up to a newline, which TAP names cannot hold. */
static void expect_text(const captured *c, const char *what, const char *needle) {
  int shown = (int)strcspn(needle, "\n");
  if (!ok(strstr(c->text, needle) != NULL, "%s: prints \"%.*s%s\"", what, shown, needle,
          needle[shown] ? "\\n" : "")) {
    diag("  the failing check printed:");
    diag("%s", c->text);
  }
}

/* The file:line a failing check at line `line` of this file must print. */
static void expect_where(const captured *c, const char *what) {
  char where[64];
  snprintf(where, sizeof where, "test_tap.c:%d:", c->line);
  expect_text(c, what, where);
}

/* Runs check (one tap.h check, written on the same line as CAPTURE) with
 * stdout captured into c and its return value in r. */
#define CAPTURE(c, r, check)  \
  do {                        \
    capture_begin();          \
    (c).line = __LINE__;      \
    (r) = (check);            \
    capture_end(&(c));        \
  } while (0)

/* The common part of what a failing check at c->line printed: the
 * "not ok" line and the place; r is what the check returned. */
static void expect_failure(const captured *c, int r, const char *what) {
  ok_int(r, 0, "%s returns 0 on failure", what);
  expect_text(c, what, "not ok");
  expect_where(c, what);
}

int main(void) {
  captured c;
  int counter = 7, got_int = 41, want_int = 42, r;
  double got = 1.5, want = 1.0;

  CAPTURE(c, r, ok(counter == 8, "a false condition"));
  expect_failure(&c, r, "ok");
  expect_text(&c, "ok", "- a false condition\n");
  expect_text(&c, "ok", "# ");
  expect_text(&c, "ok", "ok(counter == 8)");

  CAPTURE(c, r, ok_int(got_int, want_int, "an integer off by one"));
  expect_failure(&c, r, "ok_int");
  expect_text(&c, "ok_int", "got_int, want_int");
  expect_text(&c, "ok_int", "got:  41\n");
  expect_text(&c, "ok_int", "want: 42\n");

  CAPTURE(c, r, ok_rel(got, want, 1e-9, "a double off by half"));
  expect_failure(&c, r, "ok_rel");
  expect_text(&c, "ok_rel", "got, want, 1e-9");
  expect_text(&c, "ok_rel", "got:  1.5\n");
  expect_text(&c, "ok_rel", "want: 1\n");
  expect_text(&c, "ok_rel", "relative tolerance 1e-09");
  expect_text(&c, "ok_rel", "relative error 0.5");

  /* A passing check prints one line and no diagnostics. */
  CAPTURE(c, r, ok_rel(got, 1.5, 0.0, "an exact double"));
  ok_int(r, 1, "ok_rel returns 1 on success");
  ok(strncmp(c.text, "ok ", 3) == 0 && strchr(c.text, '#') == NULL, "a pass prints no diagnostics");
  return tap_done();
}
