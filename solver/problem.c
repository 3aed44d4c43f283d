/* problem.c: the cost tables every method works on, and the presolve that
 * drops dominated bit options.
 *
 * Presolve rule: option (l, b) is dominated by (l, b') when b' costs no more
 * storage, no more compute on every usable server, no more transfer on every
 * route (or output back to the origin, for the last layer), and b != b'. Any
 * placement using b then stays feasible and gets no worse with b' instead,
 * because under `per_layer` accuracy whether b' is allowed does not depend on
 * the other layers. Under `budget` accuracy the errors couple the layers and
 * a cheaper option may spend budget another layer needs, so nothing is
 * removed there. Exact ties keep the smaller bit width. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void solver__restrict_init(solver__restrict *r) {
  r->presolve = 1;
  r->only_bits = -1;
  r->only_server = -1;
}

void solver__problem_free(solver__problem *pb) {
  if (pb == NULL) return;
  free(pb->opt_begin);
  free(pb->opt_bits);
  free(pb->opt_layer);
  free(pb->storage);
  free(pb->smin);
  free(pb->error);
  free(pb->cp);
  free(pb->cm);
  free(pb->cin);
  free(pb->cout);
  free(pb->capacity);
  free(pb->usable);
  free(pb);
}

/* Full tables of one layer's candidate options, before compaction. */
typedef struct {
  size_t n;      /* candidate options */
  int *bits;     /* n bit indices */
  double *st;    /* n, bytes */
  double *cp;    /* n x M */
  double *tr;    /* n x M x M transfers, or n x M outputs for the last layer */
} layer_opts;

/* 1 if candidate a is dominated by candidate c (see the file comment). */
static int dominated(const solver__problem *pb, const layer_opts *lo, size_t a, size_t c,
                     size_t l) {
  const size_t M = pb->M;
  if (lo->st[c] > lo->st[a]) return 0;
  int strict = lo->st[c] < lo->st[a];
  for (size_t i = 0; i < M; i++) {
    if (!pb->usable[i]) continue;
    if (lo->cp[c * M + i] > lo->cp[a * M + i]) return 0;
    strict |= lo->cp[c * M + i] < lo->cp[a * M + i];
  }
  const size_t w = l + 1 < pb->L ? M : 1;
  for (size_t i = 0; i < M; i++) {
    if (!pb->usable[i]) continue;
    for (size_t j = 0; j < w; j++) {
      if (w > 1 && !pb->usable[j]) continue;
      const double x = lo->tr[(c * M + i) * w + j], y = lo->tr[(a * M + i) * w + j];
      if (x > y) return 0;
      strict |= x < y;
    }
  }
  /* Identical options: keep the smaller bit width, drop the other. */
  return strict || lo->bits[c] < lo->bits[a];
}

double solver_tables_bytes(size_t n_layers, size_t n_bits, size_t n_servers) {
  const double L = (double)n_layers, B = (double)n_bits, M = (double)n_servers;
  return 8.0 * M * M * ((L > 1 ? L - 1 : 1) * B + B) + 8.0 * L * B * M;
}

solver__problem *solver__problem_alloc(const solver_instance *in, const solver__restrict *r,
                                       sim_error *err) {
  const size_t L = in->n_layers, M = in->n_servers, B = in->n_bits;
  if (L == 0 || M == 0 || B == 0) {
    sim_error_set(err, SIM_EINPUT, "the instance has no layers, servers or bit widths");
    return NULL;
  }
  /* The transfer tables dominate, allocated before the presolve thins
   * them. At the 4096-server maximum a 26-layer model with 15 widths needs
   * about 50 GB, which malloc may grant lazily and the kernel then kill;
   * refusing here names the key to change. sim_case_alloc makes the same
   * estimate before it draws the topology. */
  const double need = solver_tables_bytes(L, B, M);
  const double have = sim_memory_available();
  if (have > 0 && need > have) {
    sim_error_set(err, SIM_EINPUT,
                  "servers.count: the solver's cost tables for %zu layers x %zu bit widths x "
                  "%zu^2 server pairs need about %.0f bytes (%.3g GB), more than the %.0f bytes "
                  "(%.3g GB) of memory available (physical memory or ulimit -v); use fewer "
                  "servers, a coarser model.granularity or fewer widths (quantization.b_min, b_max)",
                  L, B, M, need, need / 1e9, have, have / 1e9);
    return NULL;
  }
  solver__problem *pb = calloc(1, sizeof *pb);
  layer_opts lo = {0, NULL, NULL, NULL, NULL};
  unsigned char *keep = NULL;
  if (pb == NULL) goto oom;
  pb->in = in;
  pb->L = L;
  pb->M = M;
  pb->cap = in->max_layers > 0 && (size_t)in->max_layers < L ? in->max_layers : 0;
  pb->has_budget = in->accuracy == SIM_ACC_BUDGET;
  pb->budget = in->budget;
  pb->opt_begin = calloc(L + 1, sizeof *pb->opt_begin);
  pb->capacity = malloc(M * sizeof *pb->capacity);
  pb->usable = malloc(M);
  pb->cin = malloc(M * sizeof *pb->cin);
  /* At most B options per layer: the option arrays are sized for that and
   * the first n_opt entries are used. */
  pb->opt_bits = malloc(L * B * sizeof *pb->opt_bits);
  pb->opt_layer = malloc(L * B * sizeof *pb->opt_layer);
  pb->storage = malloc(L * B * sizeof *pb->storage);
  pb->smin = malloc(L * sizeof *pb->smin);
  pb->error = malloc(L * B * sizeof *pb->error);
  pb->cp = malloc(L * B * M * sizeof *pb->cp);
  pb->cm = malloc((L > 1 ? (L - 1) * B : 1) * M * M * sizeof *pb->cm);
  pb->cout = malloc(B * M * sizeof *pb->cout);
  lo.bits = malloc(B * sizeof *lo.bits);
  lo.st = malloc(B * sizeof *lo.st);
  lo.cp = malloc(B * M * sizeof *lo.cp);
  lo.tr = malloc(B * M * M * sizeof *lo.tr);
  keep = malloc(B);
  if (!pb->opt_begin || !pb->capacity || !pb->usable || !pb->cin || !pb->opt_bits ||
      !pb->opt_layer || !pb->storage || !pb->smin || !pb->error || !pb->cp || !pb->cm || !pb->cout ||
      !lo.bits || !lo.st || !lo.cp || !lo.tr || !keep)
    goto oom;

  for (size_t i = 0; i < M; i++) {
    pb->capacity[i] = in->servers[i].storage;
    pb->usable[i] = r->only_server < 0 || (size_t)r->only_server == i;
    pb->cin[i] = solver_cost_input(in, i);
  }
  const int presolve = r->presolve && !pb->has_budget && r->only_bits < 0;
  size_t n = 0;
  for (size_t l = 0; l < L; l++) {
    const int last = l + 1 == L;
    lo.n = 0;
    for (size_t b = 0; b < B; b++) {
      if (!solver_instance_allowed(in, l, b)) continue;
      if (r->only_bits >= 0 && (size_t)r->only_bits != b) continue;
      pb->presolve_total++;
      const size_t k = lo.n++;
      lo.bits[k] = (int)b;
      lo.st[k] = solver_cost_storage(in, l, b);
      for (size_t i = 0; i < M; i++) {
        lo.cp[k * M + i] = solver_cost_compute(in, l, i, b);
        if (last) {
          lo.tr[k * M + i] = solver_cost_output(in, i, b);
          continue;
        }
        for (size_t j = 0; j < M; j++)
          lo.tr[(k * M + i) * M + j] = i == j ? 0.0 : solver_cost_transfer(in, l, i, j, b);
      }
    }
    if (lo.n == 0) {
      sim_error_set(err, SIM_EINPUT, "layer %zu (%s) has no allowed bit width", l,
                    in->layers[l].name);
      goto fail;
    }
    for (size_t a = 0; a < lo.n; a++) {
      keep[a] = 1;
      for (size_t c = 0; presolve && c < lo.n && keep[a]; c++)
        if (c != a && dominated(pb, &lo, a, c, l)) keep[a] = 0;
    }
    pb->opt_begin[l] = n;
    for (size_t a = 0; a < lo.n; a++) {
      if (!keep[a]) {
        pb->presolve_removed++;
        continue;
      }
      pb->opt_bits[n] = lo.bits[a];
      pb->opt_layer[n] = (int)l;
      pb->storage[n] = lo.st[a];
      pb->error[n] = in->error[l * B + (size_t)lo.bits[a]];
      memcpy(&pb->cp[n * M], &lo.cp[a * M], M * sizeof *pb->cp);
      if (last)
        memcpy(&pb->cout[(n - pb->opt_begin[l]) * M], &lo.tr[a * M], M * sizeof *pb->cout);
      else
        memcpy(&pb->cm[n * M * M], &lo.tr[a * M * M], M * M * sizeof *pb->cm);
      n++;
    }
  }
  pb->opt_begin[L] = n;
  pb->n_opt = n;
  for (size_t l = 0; l < L; l++) {
    pb->smin[l] = INFINITY;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      if (pb->storage[g] < pb->smin[l]) pb->smin[l] = pb->storage[g];
  }
  free(lo.bits);
  free(lo.st);
  free(lo.cp);
  free(lo.tr);
  free(keep);
  return pb;
oom:
  sim_error_set(err, SIM_ENOMEM, "out of memory building the solver's cost tables");
fail:
  free(lo.bits);
  free(lo.st);
  free(lo.cp);
  free(lo.tr);
  free(keep);
  solver__problem_free(pb);
  return NULL;
}

double solver__eval(const solver__problem *pb, const int *srv, const int *opt) {
  double t = 0;
  for (size_t l = 0; l < pb->L; l++) {
    t += solver__cost_x(pb, l, (size_t)opt[l], (size_t)srv[l]);
    if (l + 1 < pb->L) t += solver__cm(pb, (size_t)opt[l], (size_t)srv[l], (size_t)srv[l + 1]);
  }
  return t;
}

double solver__usage(const solver__problem *pb, const int *srv, const int *opt, double *used,
                     size_t *count) {
  double err = 0;
  for (size_t i = 0; i < pb->M; i++) used[i] = 0, count[i] = 0;
  for (size_t l = 0; l < pb->L; l++) {
    used[srv[l]] += pb->storage[opt[l]];
    count[srv[l]]++;
    err += pb->error[opt[l]];
  }
  return err;
}

int solver__feasible(const solver__problem *pb, const int *srv, const int *opt) {
  const size_t M = pb->M;
  double used[M > 0 ? M : 1];
  size_t count[M > 0 ? M : 1];
  for (size_t l = 0; l < pb->L; l++)
    if (!pb->usable[srv[l]]) return 0;
  const double err = solver__usage(pb, srv, opt, used, count);
  for (size_t i = 0; i < M; i++) {
    if (used[i] > pb->capacity[i] * (1 + 1e-9)) return 0;
    if (pb->cap > 0 && count[i] > (size_t)pb->cap) return 0;
  }
  if (pb->has_budget && err > pb->budget * (1 + 1e-9)) return 0;
  return isfinite(solver__eval(pb, srv, opt));
}

void solver__to_placement(const solver__problem *pb, const int *srv, const int *opt,
                          solver_placement *p) {
  for (size_t l = 0; l < pb->L; l++) {
    p->server[l] = srv[l];
    p->bits[l] = pb->opt_bits[opt[l]];
  }
}
