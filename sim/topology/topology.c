/* topology.c: drawing servers and links for one run (see topology.h for the
 * draw order that gives common random numbers across sweep points). */
#include "sim/topology/internal.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"

const char *const sim_unit_names[] = {"bytes", "model_fp32", "model_fp32_share", NULL};
const char *const sim_topology_kind_names[] = {"full", "geometric", NULL};

static double spec_value(const sim_spec *s, size_t i, double u) {
  switch (s->kind) {
  case SIM_SPEC_CONST: return s->value;
  case SIM_SPEC_LIST: return s->list[i];
  case SIM_SPEC_UNIFORM:
  default: {
    double hi = s->ratio > 0 ? s->min * s->ratio : s->max;
    return s->min + u * (hi - s->min);
  }
  }
}

void sim_topology_free(sim_topology *t) {
  if (t == NULL) return;
  free(t->servers);
  free(t->bandwidth);
  free(t->latency);
  free(t->link_bandwidth);
  free(t->link_latency);
  free(t->next_hop);
  free(t);
}

sim_topology *sim_topology_alloc(const sim_servers_config *servers, const sim_links_config *links,
                                 uint64_t seed, uint64_t run, double model_fp32_bytes,
                                 sim_error *err) {
  const size_t m = (size_t)servers->count;
  const size_t n = m + (servers->has_cloud ? 1 : 0);
  sim_topology *t = calloc(1, sizeof *t);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (t) {
    t->n = n;
    t->n_edge = m;
    t->servers = calloc(n, sizeof *t->servers);
    t->bandwidth = sim_memory_big_calloc(n * n, sizeof *t->bandwidth);
    t->latency = sim_memory_big_calloc(n * n, sizeof *t->latency);
    t->link_bandwidth = sim_memory_big_calloc(n * n, sizeof *t->link_bandwidth);
    t->link_latency = sim_memory_big_calloc(n * n, sizeof *t->link_latency);
    t->next_hop = sim_memory_big_calloc(n * n, sizeof *t->next_hop);
  }
  if (!t || !r || !t->servers || !t->bandwidth || !t->latency || !t->link_bandwidth ||
      !t->link_latency || !t->next_hop) {
    gsl_rng_free(r);
    sim_topology_free(t);
    sim_error_set(err, SIM_ENOMEM, "out of memory drawing a topology of %zu servers", n);
    return NULL;
  }
  gsl_rng_set(r, sim_seed_derive(seed, SIM_STREAM_TOPOLOGY, run));

  double unit = 1.0;
  if (servers->storage.unit == SIM_UNIT_MODEL_FP32) unit = model_fp32_bytes;
  if (servers->storage.unit == SIM_UNIT_MODEL_FP32_SHARE) unit = model_fp32_bytes / (double)m;
  for (size_t i = 0; i < m; i++) {
    sim_server *s = &t->servers[i];
    double u_ccs = gsl_rng_uniform(r), u_st = gsl_rng_uniform(r), u_mb = gsl_rng_uniform(r);
    s->x = gsl_rng_uniform(r);
    s->y = gsl_rng_uniform(r);
    snprintf(s->name, sizeof s->name, "s%zu", i);
    s->ccs = spec_value(&servers->ccs, i, u_ccs);
    s->storage = spec_value(&servers->storage, i, u_st) * unit;
    s->mem_bandwidth = spec_value(&servers->mem_bandwidth, i, u_mb);
  }
  if (sim_topology_devices(t, servers, seed, run, err) != SIM_OK) {
    gsl_rng_free(r);
    sim_topology_free(t);
    return NULL;
  }
  const sim_link_profile *prof =
      links->profile ? sim_catalog_link(links->hw_catalog, links->profile) : NULL;
  if (links->profile != NULL && prof == NULL) {
    gsl_rng_free(r);
    sim_topology_free(t);
    sim_error_set(err, SIM_EINPUT, "unknown link profile '%s'", links->profile);
    return NULL;
  }

  const double lo = links->omega_min, hi = links->omega_min * links->omega_ratio;
  const int geo = links->topology == SIM_TOPO_GEOMETRIC;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++) {
      double u1 = gsl_rng_uniform(r), u2 = gsl_rng_uniform(r);
      double bij = lo + u1 * (hi - lo);
      double bji = links->symmetric ? bij : lo + u2 * (hi - lo);
      double lat = links->latency;
      if (prof != NULL) {
        bij = bji = prof->bandwidth * prof->efficiency;
        lat = prof->latency + prof->message_overhead;
      }
      if (geo) {
        double dx = t->servers[i].x - t->servers[j].x, dy = t->servers[i].y - t->servers[j].y;
        if (sqrt(dx * dx + dy * dy) > links->radius) continue;
      }
      t->link_bandwidth[i * n + j] = bij;
      t->link_bandwidth[j * n + i] = bji;
      t->link_latency[i * n + j] = t->link_latency[j * n + i] = lat;
    }

  if (servers->has_cloud) {
    sim_server *c = &t->servers[m];
    snprintf(c->name, sizeof c->name, "cloud");
    c->ccs = servers->cloud.ccs;
    c->storage = servers->cloud.storage;
    c->mem_bandwidth = servers->cloud.mem_bandwidth;
    c->x = c->y = -1; /* off the map: reached over the backhaul, not by radius */
    c->is_cloud = 1;
    c->kind = -1;
    c->idle_power = c->peak_power = NAN;
    if (servers->calibration) {
      sim_calib_class k = sim_calibration_class(servers->calibration, -1);
      c->bw_fraction = k.bw_fraction;
      c->compute_fraction = k.compute_fraction;
      c->overhead = k.overhead;
    }
    for (size_t i = 0; i < m; i++) {
      t->link_bandwidth[i * n + m] = t->link_bandwidth[m * n + i] = servers->cloud.bandwidth;
      t->link_latency[i * n + m] = t->link_latency[m * n + i] = servers->cloud.latency;
    }
  }
  gsl_rng_free(r);
  if (sim_topology_routes(t, geo) != 0) {
    sim_topology_free(t);
    sim_error_set(err, SIM_ENOMEM, "out of memory computing routes");
    return NULL;
  }
  return t;
}

void sim_topology_floor_storage(sim_topology *t, double bytes) {
  if (!(bytes > 0)) return;
  for (size_t i = 0; i < t->n_edge; i++)
    if (t->servers[i].device[0] == '\0' && t->servers[i].storage < bytes) t->servers[i].storage = bytes;
}
