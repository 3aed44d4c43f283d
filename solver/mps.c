/* mps.c: writes an lp_solve model as free-format MPS.
 *
 * lp_solve has its own MPS writer, but it prints 12 significant digits
 * (a rebuilt model then differs from ours in the last digits) and its
 * number formatting copies overlapping strings, which AddressSanitizer
 * rejects. This writer reads the model back through lp_solve's getters and
 * prints every number with 17 significant digits, enough to read back the
 * same double. Binary columns are marked integer between MARKER lines and
 * bounded with BV, which CBC, GLPK, HiGHS and lp_solve all read.
 *
 * The NAME line ends with FREE: CBC (CoinMpsIO) guesses fixed or free
 * format from the first lines, and without that word it took our files for
 * fixed MPS and rejected names longer than eight characters ("Bad image").
 * GLPK (--freemps) and lp_solve read the word as part of the header. */
#include <lp_lib.h>
#include <stdio.h>
#include <stdlib.h>

#include "solver/internal.h"

static const char *row_type(lprec *lp, int r) {
  switch (get_constr_type(lp, r)) {
  case LE: return "L";
  case GE: return "G";
  default: return "E";
  }
}

int solver__mps_write(struct _lprec *lp, const char *path, sim_error *err) {
  const int rows = get_Nrows(lp), cols = get_Ncolumns(lp);
  REAL *val = malloc((size_t)(rows + 1) * sizeof *val);
  int *idx = malloc((size_t)(rows + 1) * sizeof *idx);
  FILE *f = fopen(path, "w");
  int rc = SIM_OK;
  if (val == NULL || idx == NULL) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory writing %s", path);
    goto done;
  }
  if (f == NULL) {
    rc = sim_error_set(err, SIM_EIO, "%s: cannot write the MPS file", path);
    goto done;
  }
  fprintf(f, "NAME dilemma FREE\nROWS\n N R0\n");
  for (int r = 1; r <= rows; r++) fprintf(f, " %s %s\n", row_type(lp, r), get_row_name(lp, r));
  fprintf(f, "COLUMNS\n");
  int in_int = 0;
  for (int c = 1; c <= cols; c++) {
    const int integer = is_int(lp, c) ? 1 : 0;
    if (integer != in_int) {
      fprintf(f, " MARKER 'MARKER' '%s'\n", integer ? "INTORG" : "INTEND");
      in_int = integer;
    }
    const int n = get_columnex(lp, c, val, idx);
    const char *name = get_col_name(lp, c);
    for (int k = 0; k < n; k++)
      if (val[k] != 0)
        fprintf(f, " %s %s %.17g\n", name, idx[k] == 0 ? "R0" : get_row_name(lp, idx[k]), val[k]);
  }
  if (in_int) fprintf(f, " MARKER 'MARKER' 'INTEND'\n");
  fprintf(f, "RHS\n");
  for (int r = 1; r <= rows; r++)
    if (get_rh(lp, r) != 0) fprintf(f, " RHS %s %.17g\n", get_row_name(lp, r), get_rh(lp, r));
  fprintf(f, "BOUNDS\n");
  for (int c = 1; c <= cols; c++) {
    const REAL lo = get_lowbo(lp, c), up = get_upbo(lp, c);
    if (is_binary(lp, c)) fprintf(f, " BV BND %s\n", get_col_name(lp, c));
    else if (lo != 0 || !is_infinite(lp, up)) {
      if (lo != 0) fprintf(f, " LO BND %s %.17g\n", get_col_name(lp, c), lo);
      if (!is_infinite(lp, up)) fprintf(f, " UP BND %s %.17g\n", get_col_name(lp, c), up);
    }
  }
  fprintf(f, "ENDATA\n");
  if (ferror(f)) rc = sim_error_set(err, SIM_EIO, "%s: write failed", path);
done:
  if (f != NULL && fclose(f) != 0 && rc == SIM_OK)
    rc = sim_error_set(err, SIM_EIO, "%s: write failed", path);
  free(val);
  free(idx);
  return rc;
}
