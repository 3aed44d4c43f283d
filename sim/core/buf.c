/* buf.c: growable text buffer. */
#include "sim/core/core.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_buf_init(sim_buf *b) { memset(b, 0, sizeof *b); }

void sim_buf_free(sim_buf *b) {
  free(b->data);
  sim_buf_init(b);
}

void sim_buf_clear(sim_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

static int reserve(sim_buf *b, size_t extra) {
  if (b->oom) return -1;
  if (b->len + extra + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  char *d = realloc(b->data, cap);
  if (d == NULL) { b->oom = 1; return -1; }
  b->data = d;
  b->cap = cap;
  return 0;
}

void sim_buf_append(sim_buf *b, const char *s, size_t n) {
  if (reserve(b, n) != 0) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void sim_buf_puts(sim_buf *b, const char *s) { sim_buf_append(b, s, strlen(s)); }

void sim_buf_printf(sim_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || reserve(b, (size_t)n) != 0) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void sim_buf_number(sim_buf *b, double x) {
  if (isnan(x)) return;
  char tmp[40];
  sim_fmt_double(tmp, sizeof tmp, x);
  sim_buf_puts(b, tmp);
}

void sim_buf_real(sim_buf *b, double x) {
  if (isnan(x)) return;
  char tmp[40];
  sim_fmt_real(tmp, sizeof tmp, x);
  sim_buf_puts(b, tmp);
}
