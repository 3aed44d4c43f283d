/* check.c: the solution checker, written apart from every formulation.
 *
 * It reads only the instance and the placement: every layer placed once on
 * an existing server, allowed bits, storage per server, the layer cap, routes
 * between consecutive servers (and from and to the origin), the error
 * budget; then it sums the objective from the cost functions of solver/solver.h.
 * Storage and the budget get a relative slack of 1e-9, the tolerance the ILP
 * solver works to; nothing else is approximate. Every violation is recorded,
 * not just the first. */
#include <math.h>
#include <stdlib.h>

#include "solver/solver.h"

#define CHECK_SLACK 1e-9

int solver_check(const solver_instance *in, const solver_placement *p, double *objective,
                 sim_error *err) {
  const size_t L = in->n_layers, M = in->n_servers, B = in->n_bits;
  if (objective) *objective = NAN;
  if (p == NULL) return sim_error_set(err, SIM_EINFEASIBLE, "no placement to check");
  if (p->n_layers != L)
    return sim_error_set(err, SIM_EINFEASIBLE, "the placement has %zu layers but the model has %zu",
                         p->n_layers, L);
  int bad = 0, placed = 1;
  for (size_t l = 0; l < L; l++) {
    const int i = p->server[l], b = p->bits[l];
    if (i < 0 || (size_t)i >= M) {
      sim_error_set(err, SIM_EINFEASIBLE, "layer %zu (%s) is not placed on any server (index %d)",
                    l, in->layers[l].name, i);
      bad = 1, placed = 0;
    }
    if (b < 0 || (size_t)b >= B) {
      sim_error_set(err, SIM_EINFEASIBLE, "layer %zu (%s) has no valid bit width (index %d)", l,
                    in->layers[l].name, b);
      bad = 1, placed = 0;
    } else if (!in->allowed[l * B + (size_t)b]) {
      sim_error_set(err, SIM_EINFEASIBLE,
                    "layer %zu (%s) at %lld bits is not allowed (error %g above the bound)", l,
                    in->layers[l].name, (long long)in->bits[b], in->error[l * B + (size_t)b]);
      bad = 1;
    }
  }
  if (!placed) return SIM_EINFEASIBLE;

  double *used = calloc(M, sizeof *used);
  size_t *count = calloc(M, sizeof *count);
  if (used == NULL || count == NULL) {
    free(used), free(count);
    return sim_error_set(err, SIM_ENOMEM, "out of memory checking a placement");
  }
  double total_err = 0;
  for (size_t l = 0; l < L; l++) {
    const size_t i = (size_t)p->server[l], b = (size_t)p->bits[l];
    used[i] += solver_cost_storage(in, l, b);
    count[i]++;
    total_err += in->error[l * B + b];
  }
  for (size_t i = 0; i < M; i++) {
    if (used[i] > in->servers[i].storage * (1 + CHECK_SLACK)) {
      sim_error_set(err, SIM_EINFEASIBLE, "server %s stores %.17g bytes but holds only %.17g",
                    in->servers[i].name, used[i], in->servers[i].storage);
      bad = 1;
    }
    if (in->max_layers > 0 && count[i] > (size_t)in->max_layers) {
      sim_error_set(err, SIM_EINFEASIBLE, "server %s hosts %zu layers, above the cap of %lld",
                    in->servers[i].name, count[i], (long long)in->max_layers);
      bad = 1;
    }
  }
  if (in->accuracy == SIM_ACC_BUDGET && total_err > in->budget * (1 + CHECK_SLACK)) {
    sim_error_set(err, SIM_EINFEASIBLE, "the total quantization error %g exceeds the budget %g",
                  total_err, in->budget);
    bad = 1;
  }
  free(used), free(count);

  /* The objective, summed here rather than through solver_objective so the
   * check does not rest on the code it checks. */
  double t = 0;
  for (size_t l = 0; l < L; l++) {
    const size_t i = (size_t)p->server[l], b = (size_t)p->bits[l];
    t += solver_cost_compute(in, l, i, b);
    if (l + 1 < L && (size_t)p->server[l + 1] != i) {
      const size_t j = (size_t)p->server[l + 1];
      if (!(in->bandwidth[i * M + j] > 0)) {
        sim_error_set(err, SIM_EINFEASIBLE, "no route from %s to %s after layer %zu",
                      in->servers[i].name, in->servers[j].name, l);
        bad = 1;
      }
      t += solver_cost_transfer(in, l, i, j, b);
    }
  }
  if (in->origin >= 0) {
    const size_t o = (size_t)in->origin, first = (size_t)p->server[0],
                 last = (size_t)p->server[L - 1];
    if (first != o && !(in->bandwidth[o * M + first] > 0)) {
      sim_error_set(err, SIM_EINFEASIBLE, "no route from the origin %s to %s (layer 0)",
                    in->servers[o].name, in->servers[first].name);
      bad = 1;
    }
    if (last != o && !(in->bandwidth[last * M + o] > 0)) {
      sim_error_set(err, SIM_EINFEASIBLE, "no route from %s (last layer) back to the origin %s",
                    in->servers[last].name, in->servers[o].name);
      bad = 1;
    }
    t += solver_cost_input(in, first) + solver_cost_output(in, last, (size_t)p->bits[L - 1]);
  }
  if (objective) *objective = t;
  return bad ? SIM_EINFEASIBLE : SIM_OK;
}
