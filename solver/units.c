/* units.c: the units in which the budget tables count storage and error.
 *
 * Why it exists: the tables of budget.c, stab.c and order.c count storage
 * and error in whole units, rounded (down for a bound, up for a placement
 * that must fit), and the rounding is what they lose. Values that are
 * multiples of one another (the analytic errors 4^-b, the storage of a
 * block at b bits) fall on whole units for some divisions of the scale and
 * not for others, so each table picks its division by the share it loses,
 * computed here once for all three. It also says where a table's rows
 * may stop: past the units the layers after a layer can spend, every
 * entry is the same. */
#include "solver/internal_budget.h"

#include <math.h>

double solver__unit_share(const double *v, const size_t *first, size_t groups, double scale,
                          size_t N, int up) {
  const double unit = scale / (double)N;
  double loss = 0;
  for (size_t k = 0; k < groups; k++) {
    double worst = 0;
    for (size_t g = first[k]; g < first[k + 1]; g++) {
      const double x = v[g] / unit;
      if (x > 0 && x <= (double)N) worst = fmax(worst, up ? ceil(x - 1e-6) - x : x - floor(x));
    }
    loss += worst;
  }
  return loss / (double)N;
}

size_t solver__unit_choose(const double *v, const size_t *first, size_t groups, double scale,
                           size_t lo, size_t hi) {
  size_t best_n = hi;
  double best = INFINITY;
  for (size_t N = lo; N <= hi; N++) {
    const double share = solver__unit_share(v, first, groups, scale, N, 0);
    if (share < best * (1 - 1e-9)) best = share, best_n = N;
  }
  return best_n;
}

void solver__units_after(const int *units, const size_t *first, size_t groups, size_t Q,
                         size_t *qt) {
  size_t after = 0;
  for (size_t t = groups; t-- > 0;) {
    qt[t] = after;
    int most = 0;
    for (size_t g = first[t]; g < first[t + 1]; g++)
      if (units[g] <= (int)Q && units[g] > most) most = units[g];
    after = after + (size_t)most < Q ? after + (size_t)most : Q;
  }
}
