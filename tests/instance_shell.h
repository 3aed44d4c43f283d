/* instance_shell.h: a solver_instance with its arrays allocated and zeroed,
 * for tests that build instances by hand (solver_instance_free releases
 * it). abort()s if memory runs out: a test cannot go on without it. */
#ifndef DILEMMA_TESTS_INSTANCE_SHELL_H
#define DILEMMA_TESTS_INSTANCE_SHELL_H

#include <stdlib.h>

#include "solver/solver.h"

static inline solver_instance *instance_shell(size_t L, size_t M, size_t B) {
  solver_instance *in = calloc(1, sizeof *in);
  if (in == NULL) abort();
  in->n_layers = L;
  in->n_servers = M;
  in->n_bits = B;
  in->activation_bits = 16;
  in->kv_bits = 16;
  in->kv_requests = -1; /* auto: the cost model decides, as for scenario instances */
  in->layers = calloc(L, sizeof *in->layers);
  in->servers = calloc(M, sizeof *in->servers);
  in->bandwidth = calloc(M * M, sizeof *in->bandwidth);
  in->latency = calloc(M * M, sizeof *in->latency);
  in->bits = calloc(B, sizeof *in->bits);
  in->error = calloc(L * B, sizeof *in->error);
  in->allowed = calloc(L * B, 1);
  if (!in->layers || !in->servers || !in->bandwidth || !in->latency || !in->bits || !in->error ||
      !in->allowed)
    abort();
  return in;
}

#endif
