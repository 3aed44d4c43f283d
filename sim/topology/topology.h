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
#include "sim/hardware/hardware.h"

/* How a per-server quantity is given. */
typedef enum {
  SIM_SPEC_CONST = 0,   /* every server has `value` */
  SIM_SPEC_UNIFORM = 1, /* each server draws uniformly in [min, max] */
  SIM_SPEC_LIST = 2     /* server i has list[i] */
} sim_spec_kind;

/* Unit of a storage spec: absolute bytes, or a multiple of the model's fp32
 * size (all layers at 32 bits), or of that size divided by the server count. */
typedef enum {
  SIM_UNIT_BYTES = 0,
  SIM_UNIT_MODEL_FP32 = 1,
  SIM_UNIT_MODEL_FP32_SHARE = 2
} sim_unit;

typedef struct sim_spec {
  sim_spec_kind kind;
  double value;  /* CONST */
  double min;    /* UNIFORM lower end */
  double max;    /* UNIFORM upper end; ignored when ratio > 0 */
  double ratio;  /* UNIFORM: if > 0, max = min * ratio (so a sweep of min moves both) */
  double *list;  /* LIST: n_list values, one per server */
  size_t n_list;
  sim_unit unit; /* storage only */
} sim_spec;

typedef enum { SIM_TOPO_FULL = 0, SIM_TOPO_GEOMETRIC = 1 } sim_topology_kind;

/* Names of the values above, indexed by the enums and NULL-terminated: the
 * words a scenario accepts. */
extern const char *const sim_unit_names[];
extern const char *const sim_topology_kind_names[];

/* The edge servers and the optional cloud node (a scenario's `servers`
 * block). */
typedef struct sim_servers_config {
  int64_t count;           /* edge servers M */
  sim_spec ccs;            /* FLOP/s (the roofline model's peak) */
  sim_spec storage;        /* bytes, or a multiple of the fp32 model size */
  double storage_floor;    /* >= 0: each edge server without a device stores at least this
                              many times the model's largest layer at 32 bits (0: none) */
  sim_spec mem_bandwidth;  /* byte/s, roofline only */
  int has_cloud;           /* 1 if a cloud node is appended */
  struct {
    double ccs;           /* FLOP/s */
    double storage;       /* bytes */
    double mem_bandwidth; /* byte/s */
    double bandwidth;     /* bit/s, each edge server <-> cloud */
    double latency;       /* s */
  } cloud;
  /* Devices from the catalogue: a list (server i runs devices[i]) or a
   * mixture (each server draws a device with the given probabilities).
   * n_devices = 0: servers are the abstract numbers above. */
  char **devices;          /* n_devices catalogue names */
  double *device_probs;    /* mixture: n_devices probabilities; NULL for a list */
  size_t n_devices;
  char *catalog;           /* user's device/link file (resolved path), or NULL */
  /* Borrowed: the loaded catalogue (needed with devices) and the calibrated
   * model's parameters (NULL unless the cost model is calibrated). */
  const sim_catalog *hw_catalog;
  const sim_calibration *calibration;
} sim_servers_config;

/* The links between edge servers (a scenario's `links` block). */
typedef struct sim_links_config {
  double omega_min;    /* bit/s, lower end of the D2D bandwidth draw */
  double omega_ratio;  /* upper end = omega_min * ratio (paper: 10) */
  double latency;      /* s per hop */
  int symmetric;       /* 1: Ω_ij = Ω_ji */
  sim_topology_kind topology;
  double radius;       /* geometric: link range in the unit square */
  char *profile;       /* link profile from the catalogue, or NULL */
  const sim_catalog *hw_catalog; /* borrowed; needed with a profile */
} sim_links_config;

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

/* Servers named by servers->devices take compute speed, memory bandwidth,
 * storage (the device's memory) and power from the catalogue; a mixture
 * draws each server's device from a stream of its own (SIM_STREAM_DEVICES),
 * so the draws above are the same with or without devices. A link profile
 * replaces the bandwidth draw (the uniforms are still drawn) with its
 * payload rate and the latency with its latency plus message overhead.
 *
 * Draws the topology of run `run` of an experiment with master seed `seed`
 * (the draws use sim_seed_derive(seed, SIM_STREAM_TOPOLOGY, run)).
 * model_fp32_bytes is the model's size at 32 bits, for storage given in
 * model units. O(M^2) draws and memory; routes for `geometric` by one
 * Dijkstra search per source (sim/topology/routes.c), about O(M^2 log M)
 * for sparse graphs and a few times more for dense ones. */
sim_topology *sim_topology_alloc(const sim_servers_config *servers, const sim_links_config *links,
                                 uint64_t seed, uint64_t run, double model_fp32_bytes,
                                 sim_error *err);

void sim_topology_free(sim_topology *t);

/* Raises the storage of every edge server without a catalogue device to at
 * least `bytes` (servers.storage_floor times the largest layer at 32 bits,
 * computed by the caller, which knows the model). A no-op for bytes <= 0.
 * Applied after the draws, so the draws are the same with or without it. */
void sim_topology_floor_storage(sim_topology *t, double bytes);

/* Bandwidth and latency of the route i -> j. */
static inline double sim_topology_bandwidth(const sim_topology *t, size_t i, size_t j) {
  return t->bandwidth[i * t->n + j];
}
static inline double sim_topology_latency(const sim_topology *t, size_t i, size_t j) {
  return t->latency[i * t->n + j];
}

#endif
