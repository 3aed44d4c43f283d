/* diagnose.c: why an instance has no feasible placement, in words.
 *
 * The counting arguments here are proofs on their own: a layer that fits no
 * server even at its smallest allowed width, a model that exceeds the total
 * storage, a layer cap that leaves too few slots. When none applies, the
 * text names the resource that remains (packing the layers into the
 * servers' storage, with the cap and the budget if present) and the caller
 * relies on a solver's proof. */
#include <math.h>
#include <stdio.h>

#include "solver/internal.h"

static double smallest_storage(const solver__problem *pb, size_t l, int *bits) {
  double s = INFINITY;
  for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
    if (pb->storage[g] < s) s = pb->storage[g], *bits = pb->opt_bits[g];
  return s;
}

int solver__diagnose(const solver__problem *pb, char *buf, size_t len) {
  const solver_instance *in = pb->in;
  double total = 0, need = 0, biggest = 0;
  size_t usable = 0, big_i = 0;
  for (size_t i = 0; i < pb->M; i++) {
    if (!pb->usable[i]) continue;
    usable++;
    total += pb->capacity[i];
    if (pb->capacity[i] > biggest || usable == 1) biggest = pb->capacity[i], big_i = i;
  }
  if (usable == 0) {
    snprintf(buf, len, "no server is available to the method");
    return 1;
  }
  for (size_t l = 0; l < pb->L; l++) {
    int b = 0;
    const double s = smallest_storage(pb, l, &b);
    need += s;
    if (s > biggest * (1 + 1e-9)) {
      snprintf(buf, len,
               "storage: layer %zu (%s) needs %.3f MB at its smallest allowed width (%lld bits) "
               "but the largest server, %s, stores %.3f MB",
               l, in->layers[l].name, s / 1e6, (long long)in->bits[b], in->servers[big_i].name,
               biggest / 1e6);
      return 1;
    }
  }
  if (need > total * (1 + 1e-9)) {
    snprintf(buf, len,
             "storage: the model needs %.3f MB at the smallest allowed bit widths but the %zu "
             "server%s store %.3f MB together",
             need / 1e6, usable, usable == 1 ? "" : "s", total / 1e6);
    return 1;
  }
  if (pb->cap > 0 && (size_t)pb->cap * usable < pb->L) {
    snprintf(buf, len,
             "layer cap: max_layers_per_server = %lld lets %zu server%s host %zu layers but the "
             "model has %zu",
             (long long)pb->cap, usable, usable == 1 ? "" : "s", (size_t)pb->cap * usable, pb->L);
    return 1;
  }
  snprintf(buf, len,
           "storage%s%s: the layers need %.3f MB at the smallest allowed bit widths and the "
           "servers store %.3f MB together, but the layers cannot be packed into the servers' "
           "capacities%s%s",
           pb->cap > 0 ? " and the layer cap" : "", pb->has_budget ? " and the error budget" : "",
           need / 1e6, total / 1e6, pb->has_budget ? " within the error budget" : "",
           pb->cap > 0 ? " under the layer cap" : "");
  return 0;
}
