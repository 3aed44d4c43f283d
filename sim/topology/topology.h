/* topology.h: the servers and links of one Monte Carlo run.
 *
 * A topology is drawn from (scenario at a sweep point, run index). Draws are
 * made in a fixed order that does not depend on any swept value: per server
 * i = 0..M-1 the uniforms for compute speed, storage, memory bandwidth and a
 * position (x, y); then per pair i < j the uniforms for Ω_ij and Ω_ji. A
 * swept parameter only rescales the same uniforms, so all sweep points of a
 * run see the same random numbers.
 *
 * Ownership rule: sim_topology_alloc returns a topology freed with
 * sim_topology_free. */
#ifndef DILEMMA_SIM_TOPOLOGY_H
#define DILEMMA_SIM_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"
#include "sim/scenario/scenario.h"

typedef struct sim_server {
  char name[24];        /* "s0", "s1", ..., "cloud" */
  double ccs;           /* FLOP/s (roofline: peak) */
  double storage;       /* bytes */
  double mem_bandwidth; /* byte/s */
  double x, y;          /* position in the unit square (geometric topology) */
  int is_cloud;
  /* From the catalogue (servers.devices); "" and -1 for abstract servers. */
  char device[32];
  int kind;                /* sim_hw_kind, or -1 */
  double idle_power;       /* W; NaN if unknown */
  double peak_power;       /* W; NaN if unknown */
  /* Calibrated cost model: the parameters of the server's class (the pooled
   * ones for abstract servers); unused by the other models. */
  double bw_fraction;      /* achievable fraction of mem_bandwidth */
  double compute_fraction; /* achievable fraction of ccs */
  double overhead;         /* s per layer per pass */
} sim_server;

typedef struct sim_topology {
  size_t n;            /* servers, the cloud node last when present */
  size_t n_edge;       /* edge servers (n or n - 1) */
  sim_server *servers; /* n entries */
  /* End-to-end figures of the route from i to j (row-major n x n). In the
   * full mesh every route is the direct link. In the geometric topology a
   * route of hops h has bandwidth = 1 / Σ_h 1/Ω_h (store and forward) and
   * latency = Σ_h λ_h, chosen to minimize Σ_h 1/Ω_h. 0 bandwidth means
   * unreachable; the diagonal is 0. */
  double *bandwidth;   /* bit/s */
  double *latency;     /* s */
  /* The physical links: direct bandwidth (0 = no link) and latency, and the
   * first hop of each route (-1 on the diagonal and when unreachable). */
  double *link_bandwidth; /* bit/s */
  double *link_latency;   /* s */
  int *next_hop;
  size_t unreachable;  /* ordered pairs with no route */
} sim_topology;

/* Draws the topology of run `run` for a scenario (a sweep-point view).
 * Servers named by servers.devices take compute speed, memory bandwidth,
 * storage (the device's memory) and power from the catalogue; a mixture
 * draws each server's device from a stream of its own (SIM_STREAM_DEVICES),
 * so the draws above are the same with or without devices. A link profile
 * replaces the bandwidth draw (the uniforms are still drawn) with its
 * payload rate and the latency with its latency plus message overhead.
 * model_fp32_bytes is the model's size at 32 bits, for storage given in
 * model units. O(M^2) draws; O(M^3) route computation for `geometric`. */
sim_topology *sim_topology_alloc(const sim_scenario *sc, uint64_t run, double model_fp32_bytes,
                                 sim_error *err);

void sim_topology_free(sim_topology *t);

/* Bandwidth and latency of the route i -> j. */
static inline double sim_topology_bandwidth(const sim_topology *t, size_t i, size_t j) {
  return t->bandwidth[i * t->n + j];
}
static inline double sim_topology_latency(const sim_topology *t, size_t i, size_t j) {
  return t->latency[i * t->n + j];
}

#endif
