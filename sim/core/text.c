/* text.c: number formatting and spelling suggestions used in files and
 * messages. */
#include "sim/core/core.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_fmt_double(char *buf, size_t len, double x) {
  if (isnan(x)) { snprintf(buf, len, ".nan"); return; }
  if (isinf(x)) { snprintf(buf, len, x < 0 ? "-.inf" : ".inf"); return; }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) break;
  }
  /* Integers read better written out ("3840", not "3.84e+03") unless the
   * exponent form is shorter ("1e+09"). */
  if (x == floor(x) && fabs(x) < 1e15) {
    char alt[32];
    snprintf(alt, sizeof alt, "%.0f", x);
    if (strlen(alt) <= strlen(buf) && strlen(alt) < len) memcpy(buf, alt, strlen(alt) + 1);
  }
}

void sim_fmt_real(char *buf, size_t len, double x) {
  sim_fmt_double(buf, len, x);
  if (strpbrk(buf, ".eEni") == NULL && strlen(buf) + 2 < len) strcat(buf, ".0");
}

size_t sim_edit_distance(const char *a, const char *b) {
  enum { N = 33 };
  size_t la = strlen(a), lb = strlen(b);
  if (la > N - 1) la = N - 1;
  if (lb > N - 1) lb = N - 1;
  size_t d[N][N];
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

const char *sim_suggest(const char *word, const char *const *candidates, size_t n) {
  size_t limit = strlen(word) / 3;
  if (limit < 1) limit = 1;
  if (limit > 3) limit = 3;
  const char *best = NULL;
  size_t best_d = limit + 1;
  for (size_t i = 0; i < n; i++) {
    size_t d = sim_edit_distance(word, candidates[i]);
    if (d < best_d) { best_d = d; best = candidates[i]; }
  }
  return best;
}
