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
#include <stdlib.h>

/* The largest fraction of a unit scale/N that a value of one group gains
 * (up) or drops (down) when rounded, values above scale left out. */
static double group_worst(const double *v, size_t begin, size_t end, double unit, size_t N,
                          int up) {
  double worst = 0;
  for (size_t g = begin; g < end; g++) {
    const double x = v[g] / unit;
    if (x > 0 && x <= (double)N) {
      const double d = up ? ceil(x - 1e-6) - x : x - floor(x);
      if (d > worst) worst = d; /* d is finite and >= 0: as fmax, without the call */
    }
  }
  return worst;
}

/* Groups that hold the same values in the same order lose the same
 * fraction for every N; on a chain of identical blocks (24 of OPT-350m's
 * 26 layers) that is one computation where there were 24. cls[k] is the
 * class of group k and rep[c] the first group of class c; returns the
 * number of classes. */
static size_t group_classes(const double *v, const size_t *first, size_t groups, size_t *cls,
                            size_t *rep) {
  size_t n = 0;
  for (size_t k = 0; k < groups; k++) {
    const size_t len = first[k + 1] - first[k];
    size_t c = 0;
    for (; c < n; c++) {
      const size_t r = rep[c];
      if (first[r + 1] - first[r] != len) continue;
      size_t i = 0;
      while (i < len && v[first[r] + i] == v[first[k] + i]) i++;
      if (i == len) break;
    }
    if (c == n) rep[n++] = k;
    cls[k] = c;
  }
  return n;
}

/* The share for each N in [lo, hi] into share[N - lo]. The sum runs over
 * the groups in their order, each adding its class's fraction, so every
 * share is the same double as group by group (the tests compare them
 * with that direct sum bit for bit). Without memory for the classes each
 * group is its own. */
void solver__unit_shares(const double *v, const size_t *first, size_t groups, double scale,
                         size_t lo, size_t hi, int up, double *share) {
  if (lo > hi) return;
  size_t *cls = malloc((groups ? groups : 1) * sizeof *cls);
  size_t *rep = malloc((groups ? groups : 1) * sizeof *rep);
  double *worst = malloc((groups ? groups : 1) * sizeof *worst);
  size_t n = groups;
  if (cls && rep && worst) n = group_classes(v, first, groups, cls, rep);
  for (size_t N = lo; N <= hi; N++) {
    const double unit = scale / (double)N;
    double loss = 0;
    if (cls && rep && worst) {
      for (size_t c = 0; c < n; c++)
        worst[c] = group_worst(v, first[rep[c]], first[rep[c] + 1], unit, N, up);
      for (size_t k = 0; k < groups; k++) loss += worst[cls[k]];
    } else {
      for (size_t k = 0; k < groups; k++) loss += group_worst(v, first[k], first[k + 1], unit, N, up);
    }
    share[N - lo] = loss / (double)N;
  }
  free(cls), free(rep), free(worst);
}

size_t solver__unit_choose(const double *v, const size_t *first, size_t groups, double scale,
                           size_t lo, size_t hi) {
  /* All shares at once; without memory for them, one N at a time. */
  double *all = lo <= hi ? malloc((hi - lo + 1) * sizeof *all) : NULL;
  if (all != NULL) solver__unit_shares(v, first, groups, scale, lo, hi, 0, all);
  size_t best_n = hi;
  double best = INFINITY;
  for (size_t N = lo; N <= hi; N++) {
    double s;
    if (all != NULL) s = all[N - lo];
    else solver__unit_shares(v, first, groups, scale, N, N, 0, &s);
    if (s < best * (1 - 1e-9)) best = s, best_n = N;
  }
  free(all);
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
