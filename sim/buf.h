/* buf.h: a growable text buffer for building CSV rows and files.
 *
 * Ownership rule: the buffer owns `data`; sim_buf_free releases it. After an
 * allocation failure the buffer stays valid and `oom` is set; later appends
 * are ignored, so callers check once at the end. */
#ifndef DILEMMA_SIM_BUF_H
#define DILEMMA_SIM_BUF_H

#include <stddef.h>

typedef struct sim_buf {
  char *data;  /* NUL-terminated contents (NULL while empty) */
  size_t len;  /* bytes used, excluding the NUL */
  size_t cap;  /* bytes allocated */
  int oom;     /* 1 after an allocation failure */
} sim_buf;

void sim_buf_init(sim_buf *b);
void sim_buf_free(sim_buf *b);
void sim_buf_clear(sim_buf *b);
void sim_buf_append(sim_buf *b, const char *s, size_t n);
void sim_buf_puts(sim_buf *b, const char *s);
void sim_buf_printf(sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a CSV number: shortest round-trip form, empty for NaN. */
void sim_buf_number(sim_buf *b, double x);

/* Splits a CSV line in place at its commas into at most max fields and
 * returns how many. Our CSV files never quote: names, statuses and numbers
 * hold no commas. */
size_t sim_csv_split(char *line, char **fields, size_t max);

/* Index of the field called name among n split header fields, -1 if none. */
long sim_csv_index(char *const *names, size_t n, const char *name);

#endif
