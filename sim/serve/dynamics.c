/* dynamics.c: conditions that change in simulated time: each link's
 * bandwidth factor as a Gilbert-Elliott channel or a random walk in log
 * space, and bandwidth traces read from CSV. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/serve/serve.h"

const char *const sim_dyn_links_names[] = {"constant", "gilbert", "walk", "trace", NULL};
const char *const sim_policy_names[] = {"static", "periodic", "threshold", "oracle", NULL};

void sim_dyn_link_init(sim_dyn_link *k, const sim_dyn_params *p, gsl_rng *rng) {
  memset(k, 0, sizeof *k);
  k->p = p;
  k->rng = rng;
  k->factor = 1.0;
}

double sim_dyn_link_next(sim_dyn_link *k, double now, double *factor) {
  const sim_dyn_params *p = k->p;
  switch (p->links) {
  case SIM_DYN_LINKS_GILBERT: {
    /* A continuous-time two-state chain: the sojourn in the good state is
     * exponential with rate to_bad, in the bad state with rate to_good, so
     * the long-run fraction of time in the bad state is
     * to_bad / (to_bad + to_good). */
    const double rate = k->bad ? p->to_good : p->to_bad;
    if (!(rate > 0)) return INFINITY;
    const double t = now + gsl_ran_exponential(k->rng, 1.0 / rate);
    k->bad = !k->bad;
    k->factor = k->bad ? p->bad_factor : 1.0;
    *factor = k->factor;
    return t;
  }
  case SIM_DYN_LINKS_WALK: {
    /* ln f moves by a normal step of sd sigma·sqrt(step) and is clamped to
     * [ln bad_factor, 0]: a link never beats the bandwidth it was drawn
     * with, nor falls below the floor. */
    if (!(p->walk_sigma > 0 && p->walk_step > 0)) return INFINITY;
    const double lo = log(p->bad_factor);
    k->log_f += gsl_ran_gaussian_ziggurat(k->rng, p->walk_sigma * sqrt(p->walk_step));
    if (k->log_f > 0) k->log_f = 0;
    if (k->log_f < lo) k->log_f = lo;
    k->factor = exp(k->log_f);
    *factor = k->factor;
    return now + p->walk_step;
  }
  default:
    return INFINITY;
  }
}

/* Reads "i-j" into two server indices. */
static int parse_link(const char *s, long *a, long *b) {
  char *end;
  errno = 0;
  *a = strtol(s, &end, 10);
  if (end == s || *end != '-' || errno) return -1;
  const char *t = end + 1;
  *b = strtol(t, &end, 10);
  if (end == t || *end != '\0' || errno || *a < 0 || *b < 0 || *a == *b) return -1;
  return 0;
}

static int parse_number(const char *s, double *x) {
  char *end;
  errno = 0;
  *x = strtod(s, &end);
  return end == s || *end != '\0' || errno || !isfinite(*x) ? -1 : 0;
}

int sim_dyn_trace_parse(const char *text, size_t len, const char *name, sim_dyn_change **out,
                        size_t *n, sim_error *err) {
  *out = NULL;
  *n = 0;
  char *copy = malloc(len + 1);
  size_t cap = 16;
  sim_dyn_change *rows = malloc(cap * sizeof *rows);
  if (copy == NULL || rows == NULL) {
    free(copy);
    free(rows);
    return sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", name);
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  int rc = SIM_OK;
  size_t line_no = 0, m = 0;
  char *line = copy;
  while (line != NULL && *line != '\0') {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    line_no++;
    size_t ll = strlen(line);
    if (ll > 0 && line[ll - 1] == '\r') line[--ll] = '\0';
    char *f[4];
    if (ll == 0 || line[0] == '#') {
      line = nl ? nl + 1 : NULL;
      continue;
    }
    const size_t nf = sim_csv_split(line, f, 4);
    if (line_no == 1) {
      if (nf != 3 || strcmp(f[0], "time") || strcmp(f[1], "link") || strcmp(f[2], "bandwidth")) {
        rc = sim_error_set(err, SIM_EINPUT, "%s:1: the header must be `time,link,bandwidth`", name);
        break;
      }
      line = nl ? nl + 1 : NULL;
      continue;
    }
    sim_dyn_change c;
    if (nf != 3 || parse_number(f[0], &c.time) || parse_link(f[1], &c.from, &c.to) ||
        parse_number(f[2], &c.bandwidth)) {
      rc = sim_error_set(err, SIM_EINPUT, "%s:%zu: expected `time,i-j,bandwidth` with numbers, "
                         "i != j", name, line_no);
      break;
    }
    if (c.time < 0 || c.bandwidth < 0 || (m > 0 && c.time < rows[m - 1].time)) {
      rc = sim_error_set(err, SIM_EINPUT, "%s:%zu: time must be >= 0 and non-decreasing, "
                         "bandwidth >= 0 (bit/s)", name, line_no);
      break;
    }
    if (m == cap) {
      sim_dyn_change *grown = realloc(rows, 2 * cap * sizeof *rows);
      if (grown == NULL) {
        rc = sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", name);
        break;
      }
      rows = grown;
      cap *= 2;
    }
    rows[m++] = c;
    line = nl ? nl + 1 : NULL;
  }
  if (rc == SIM_OK && line_no == 0)
    rc = sim_error_set(err, SIM_EINPUT, "%s:1: empty; the header must be `time,link,bandwidth`", name);
  free(copy);
  if (rc != SIM_OK) {
    free(rows);
    return rc;
  }
  *out = rows;
  *n = m;
  return SIM_OK;
}
