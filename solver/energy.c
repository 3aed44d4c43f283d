/* energy.c: the device power model: energy per generated token and average
 * power of a request (solver.h states the model). */
#include <math.h>
#include <stdlib.h>

#include "solver/solver.h"

void solver_energy(const solver_instance *in, const solver_placement *p, double *joules_per_token,
                   double *watts) {
  *joules_per_token = *watts = NAN;
  const double T = solver_objective(in, p, NULL, NULL);
  if (!(T > 0) || !isfinite(T) || in->tokens <= 0) return;
  double *busy = calloc(in->n_servers, sizeof *busy);
  if (busy == NULL) return;
  for (size_t l = 0; l < p->n_layers; l++)
    busy[p->server[l]] += solver_cost_compute(in, l, (size_t)p->server[l], (size_t)p->bits[l]);
  double joules = 0;
  int known = 1;
  for (size_t i = 0; i < in->n_servers; i++) {
    int used = 0;
    for (size_t l = 0; l < p->n_layers && !used; l++) used = p->server[l] == (int)i;
    if (!used) continue; /* a server the placement leaves out is assumed off */
    const sim_server *s = &in->servers[i];
    if (isnan(s->peak_power)) { known = 0; break; }
    const double idle = isnan(s->idle_power) ? 0.0 : s->idle_power;
    const double u = fmin(1.0, busy[i] / T);
    joules += (idle + (s->peak_power - idle) * u) * T;
  }
  free(busy);
  if (!known) return;
  *joules_per_token = joules / (double)in->tokens;
  *watts = joules / T;
}
