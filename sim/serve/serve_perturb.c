/* serve_perturb.c: the two ways the world departs from the cost model in a
 * simulation: random variation of durations and outages. */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "sim/serve/serve.h"

double sim_lognormal_unit(gsl_rng *r, double cv) {
  /* ln X ~ N(mu, s^2) has mean exp(mu + s^2/2) and CV sqrt(exp(s^2) - 1);
   * mean 1 and CV cv give s^2 = ln(1 + cv^2) and mu = -s^2/2. At cv = 0
   * both are 0 and exp(0) is exactly 1, whatever Z is. */
  const double s2 = log1p(cv * cv);
  return exp(sqrt(s2) * gsl_ran_gaussian_ziggurat(r, 1.0) - 0.5 * s2);
}

double sim_outage_finish(const double *lo, const double *hi, size_t n, double start, double work) {
  double t = start, left = work;
  for (size_t k = 0; k < n; k++) {
    if (hi[k] <= t) continue;
    if (lo[k] > t) {
      /* Work until the outage begins, or finish before it. */
      if (t + left <= lo[k]) return t + left;
      left -= lo[k] - t;
    }
    t = hi[k]; /* paused until the outage ends */
  }
  return t + left;
}
