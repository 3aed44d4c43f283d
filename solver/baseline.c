/* baseline.c: the layer-by-layer baselines, greedy and random.
 *
 * Both walk the chain once. A (server, option) choice for layer l is
 * admissible when it fits the server's remaining storage and cap, keeps the
 * error budget, has a route from the previous layer's server, and leaves
 * enough total storage and cap slots for the remaining layers at their
 * smallest options. That look-ahead is necessary, not sufficient (the rest
 * may still not pack), so either may fail on a feasible instance; the random
 * baseline restarts a few times before giving up. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "solver/internal.h"

typedef struct {
  const solver__problem *pb;
  double *used;    /* M, bytes */
  size_t *count;   /* M */
  double *rest;    /* L + 1: Σ_{k >= l} smallest storage of layer k */
  double err;
  double free_bytes;
  long free_slots; /* < 0: no cap */
} walk;

static int walk_init(walk *w, const solver__problem *pb) {
  w->pb = pb;
  w->used = calloc(pb->M, sizeof *w->used);
  w->count = calloc(pb->M, sizeof *w->count);
  w->rest = calloc(pb->L + 1, sizeof *w->rest);
  if (!w->used || !w->count || !w->rest) return -1;
  for (size_t l = pb->L; l-- > 0;) w->rest[l] = w->rest[l + 1] + pb->smin[l];
  w->err = 0;
  w->free_bytes = 0;
  w->free_slots = pb->cap > 0 ? 0 : -1;
  for (size_t i = 0; i < pb->M; i++)
    if (pb->usable[i]) {
      w->free_bytes += pb->capacity[i];
      if (pb->cap > 0) w->free_slots += pb->cap;
    }
  return 0;
}

static void walk_free(walk *w) {
  free(w->used), free(w->count), free(w->rest);
}

static int admissible(const walk *w, size_t l, int prev_srv, int prev_opt, size_t j, size_t g) {
  const solver__problem *pb = w->pb;
  if (!pb->usable[j]) return 0;
  if (w->used[j] + pb->storage[g] > pb->capacity[j] * (1 + 1e-9)) return 0;
  if (pb->cap > 0 && w->count[j] + 1 > (size_t)pb->cap) return 0;
  if (pb->has_budget && w->err + pb->error[g] > pb->budget * (1 + 1e-9)) return 0;
  if (w->free_bytes - pb->storage[g] < w->rest[l + 1] * (1 - 1e-9)) return 0;
  if (w->free_slots >= 0 && w->free_slots - 1 < (long)(pb->L - l - 1)) return 0;
  if (!isfinite(solver__cost_x(pb, l, g, j))) return 0;
  if (l > 0 && !isfinite(solver__cm(pb, (size_t)prev_opt, (size_t)prev_srv, j))) return 0;
  return 1;
}

static void take(walk *w, size_t j, size_t g) {
  const solver__problem *pb = w->pb;
  w->used[j] += pb->storage[g];
  w->count[j]++;
  w->err += pb->error[g];
  w->free_bytes -= pb->storage[g];
  if (w->free_slots >= 0) w->free_slots--;
}

int solver__greedy(const solver__problem *pb, int *srv, int *opt) {
  walk w;
  int ok = walk_init(&w, pb) == 0;
  for (size_t l = 0; ok && l < pb->L; l++) {
    double best = INFINITY;
    int bj = -1, bg = -1;
    const int ps = l > 0 ? srv[l - 1] : -1, po = l > 0 ? opt[l - 1] : -1;
    for (size_t j = 0; j < pb->M; j++)
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) {
        if (!admissible(&w, l, ps, po, j, g)) continue;
        const double c = solver__cost_x(pb, l, g, j) +
                         (l > 0 ? solver__cm(pb, (size_t)po, (size_t)ps, j) : 0.0);
        if (c < best) best = c, bj = (int)j, bg = (int)g;
      }
    if (bj < 0) ok = 0;
    else srv[l] = bj, opt[l] = bg, take(&w, (size_t)bj, (size_t)bg);
  }
  walk_free(&w);
  return ok && solver__feasible(pb, srv, opt);
}

/* One random walk; returns 1 if it placed every layer. */
static int random_walk(const solver__problem *pb, gsl_rng *r, int *srv, int *opt, size_t *cand) {
  walk w;
  int ok = walk_init(&w, pb) == 0;
  for (size_t l = 0; ok && l < pb->L; l++) {
    const int ps = l > 0 ? srv[l - 1] : -1, po = l > 0 ? opt[l - 1] : -1;
    size_t n = 0;
    for (size_t j = 0; j < pb->M; j++)
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        if (admissible(&w, l, ps, po, j, g)) {
          cand[n++] = j;
          break;
        }
    if (n == 0) {
      ok = 0;
      break;
    }
    const size_t j = cand[gsl_rng_uniform_int(r, n)];
    int bg = -1;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      if (admissible(&w, l, ps, po, j, g) && (bg < 0 || pb->storage[g] < pb->storage[bg]))
        bg = (int)g;
    srv[l] = (int)j, opt[l] = bg;
    take(&w, j, (size_t)bg);
  }
  walk_free(&w);
  return ok && solver__feasible(pb, srv, opt);
}

int solver__random(const solver__problem *pb, uint64_t seed, int attempts, int *srv, int *opt) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  size_t *cand = malloc(pb->M * sizeof *cand);
  int ok = 0;
  if (r != NULL && cand != NULL) {
    gsl_rng_set(r, (unsigned long)seed);
    for (int a = 0; a < attempts && !ok; a++) ok = random_walk(pb, r, srv, opt, cand);
  }
  if (r != NULL) gsl_rng_free(r);
  free(cand);
  return ok;
}
