/* devices.c: servers from the device catalogue (servers.devices) and the
 * calibrated model's per-server parameters. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>

#include "sim/topology/internal.h"

int sim_topology_devices(sim_topology *t, const sim_servers_config *sv, uint64_t seed,
                         uint64_t run, sim_error *err) {
  const size_t m = t->n_edge;
  gsl_rng *r = NULL;
  if (sv->device_probs != NULL) {
    if ((r = gsl_rng_alloc(gsl_rng_mt19937)) == NULL)
      return sim_error_set(err, SIM_ENOMEM, "out of memory drawing devices");
    gsl_rng_set(r, sim_seed_derive(seed, SIM_STREAM_DEVICES, run));
  }
  for (size_t i = 0; i < m; i++) {
    sim_server *s = &t->servers[i];
    s->kind = -1;
    s->idle_power = s->peak_power = NAN;
    const sim_device *d = NULL;
    if (sv->n_devices > 0) {
      size_t k = i % sv->n_devices;
      if (r != NULL) {
        /* Inverse CDF over the mixture; the last entry takes rounding slack. */
        double u = gsl_rng_uniform(r), acc = 0;
        for (k = 0; k + 1 < sv->n_devices; k++) {
          acc += sv->device_probs[k];
          if (u < acc) break;
        }
      }
      d = sim_catalog_device(sv->hw_catalog, sv->devices[k]);
      if (d == NULL) {
        gsl_rng_free(r);
        return sim_error_set(err, SIM_EINPUT, "unknown device '%s'", sv->devices[k]);
      }
      snprintf(s->device, sizeof s->device, "%s", d->name);
      s->kind = (int)d->kind;
      double f = sim_device_flops(d);
      /* Without a FLOP/s figure only the calibrated model may run (the
       * scenario check enforces it); arithmetic then costs nothing. */
      s->ccs = isnan(f) ? INFINITY : f;
      s->mem_bandwidth = d->mem_bandwidth;
      s->storage = d->memory;
      s->idle_power = d->idle_power;
      s->peak_power = d->peak_power;
    }
    if (sv->calibration != NULL) {
      sim_calib_class c = sim_calibration_class(sv->calibration, s->kind);
      s->bw_fraction = c.bw_fraction;
      s->compute_fraction = c.compute_fraction;
      s->overhead = c.overhead;
    }
  }
  gsl_rng_free(r);
  return SIM_OK;
}
