/* serve_stats.c: streaming summaries of latencies in bounded memory.
 *
 * A run may simulate far more requests than it would be reasonable to keep
 * one number for, so percentiles come from a log-bucketed histogram: each
 * power of two is split into 2^SIM_HIST_SUB_BITS equal buckets, and a bucket
 * is reported by its midpoint. The relative error of a percentile is then at
 * most half a bucket over the bucket's lower end, 2^-(SUB_BITS+1) (2.4e-4).
 * Mean, minimum and maximum are kept exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/serve/internal.h"

#define SUB (1 << SIM_HIST_SUB_BITS)

void sim__hist_init(sim__hist *h) {
  memset(h, 0, sizeof *h);
  h->min = INFINITY;
  h->max = -INFINITY;
}

void sim__hist_clear(sim__hist *h) {
  for (int o = 0; o < SIM_HIST_OCTAVES; o++) free(h->octave[o]);
  sim__hist_init(h);
}

int sim__hist_add(sim__hist *h, double x) {
  h->n++;
  h->sum += x;
  if (x < h->min) h->min = x;
  if (x > h->max) h->max = x;
  if (!(x > 0)) {
    h->n_zero++;
    return 0;
  }
  int e;
  double f = frexp(x, &e); /* x = f 2^e, f in [0.5, 1) */
  int o = e - SIM_HIST_EXP_MIN;
  if (o < 0) {
    o = 0;
    f = 0.5;
  } else if (o >= SIM_HIST_OCTAVES) {
    o = SIM_HIST_OCTAVES - 1;
    f = 1.0 - 1.0 / (4.0 * SUB);
  }
  int sub = (int)((f - 0.5) * 2.0 * SUB);
  if (sub >= SUB) sub = SUB - 1;
  if (h->octave[o] == NULL && (h->octave[o] = calloc(SUB, sizeof(uint32_t))) == NULL) return -1;
  h->octave[o][sub]++;
  return 0;
}

/* The value of nearest rank `rank` (1-based): the midpoint of its bucket,
 * clamped to the exact range seen. */
static double hist_rank(const sim__hist *h, uint64_t rank) {
  if (rank <= h->n_zero) return h->min;
  uint64_t seen = h->n_zero;
  for (int o = 0; o < SIM_HIST_OCTAVES; o++) {
    if (h->octave[o] == NULL) continue;
    for (int s = 0; s < SUB; s++) {
      seen += h->octave[o][s];
      if (seen >= rank) {
        double v = ldexp(0.5 + (s + 0.5) / (2.0 * SUB), o + SIM_HIST_EXP_MIN);
        return v < h->min ? h->min : v > h->max ? h->max : v;
      }
    }
  }
  return h->max;
}

static double hist_percentile(const sim__hist *h, double p) {
  double r = ceil(p * (double)h->n);
  uint64_t rank = r < 1 ? 1 : (uint64_t)r;
  if (rank > h->n) rank = h->n;
  return hist_rank(h, rank);
}

void sim__hist_summary(const sim__hist *h, sim_serve_latency *s) {
  s->n = h->n;
  if (h->n == 0) {
    s->mean = s->p50 = s->p95 = s->p99 = s->min = s->max = NAN;
    return;
  }
  s->mean = h->sum / (double)h->n;
  s->min = h->min;
  s->max = h->max;
  s->p50 = hist_percentile(h, 0.50);
  s->p95 = hist_percentile(h, 0.95);
  s->p99 = hist_percentile(h, 0.99);
}
