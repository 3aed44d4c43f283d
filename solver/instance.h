/* instance.h: one placement problem (scenario at a sweep point, run) and the
 * cost model shared by every solver, the solution checker and the DES.
 *
 * The instance holds what the costs come from: layers, servers, routes, the
 * bit widths and which (layer, bits) pairs the accuracy rule allows. Costs are
 * computed by the functions below and nowhere else, so the ILP, the DP, the
 * baselines, the checker and the simulator all agree by construction.
 *
 * A request is one prefill pass over the prompt (when prompt > 0) followed by
 * `tokens` decode passes. Each pass runs every layer in order; between
 * consecutive layers on different servers the activations cross the route.
 * With an origin server, each pass also carries the input from the origin to
 * the first layer's server and the output of the last layer back.
 *
 * Ownership rule: solver_instance_alloc returns an instance freed with
 * solver_instance_free; it copies what it needs and borrows nothing. */
#ifndef DILEMMA_SOLVER_INSTANCE_H
#define DILEMMA_SOLVER_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"
#include "sim/model.h"
#include "sim/quant.h"
#include "sim/scenario.h"
#include "sim/topology.h"

typedef struct solver_instance {
  sim_cost_kind cost_model;
  int64_t tokens;          /* n, decode passes */
  int64_t batch;           /* β */
  int64_t prompt;          /* P, prompt tokens (0: no prefill pass) */
  int64_t context;         /* tokens attended per decode step */
  int64_t precision;       /* pr, bits of the original weights (= b_max) */
  double activation_bits;  /* roofline: bits per activation element */
  double kv_bits;          /* roofline: bits per KV-cache element */

  size_t n_layers;
  sim_layer *layers;       /* copies of the model's layers */

  size_t n_servers;        /* edge servers, then the cloud node if any */
  sim_server *servers;     /* copies */
  double *bandwidth;       /* n_servers^2, bit/s, route i -> j; 0 = unreachable */
  double *latency;         /* n_servers^2, s */

  size_t n_bits;
  int64_t *bits;           /* bit widths, ascending; the last is precision */
  double *error;           /* n_layers x n_bits quantization error */
  unsigned char *allowed;  /* n_layers x n_bits, 1 if (l, b) may be chosen */
  sim_accuracy accuracy;
  double delta;            /* per_layer bound */
  double budget;           /* budget: Σ_l error(l, b_l) <= budget */

  int64_t max_layers;      /* cap on layers per server; 0 = none */
  long origin;             /* server index, or -1 */
} solver_instance;

/* Builds the instance for a scenario view, its model and a topology. With
 * `table` (may be NULL) errors come from it, else from the analytic bound.
 * Fails with SIM_EINPUT if the table does not cover the model's layers. */
solver_instance *solver_instance_alloc(const sim_scenario *sc, const sim_model *model,
                                       const sim_topology *topo, const sim_errtable *table,
                                       sim_error *err);
void solver_instance_free(solver_instance *inst);

static inline int solver_instance_allowed(const solver_instance *in, size_t l, size_t b) {
  return in->allowed[l * in->n_bits + b];
}

/* Durations of one pass over `k` tokens (k = prompt for prefill, 1 for a
 * decode step), in seconds:
 *   paper:    compute  = k·F_l/CCS_i · b/pr
 *             transfer = k·β·a_l·b/Ω_ij + λ_ij
 *   roofline: compute  = max(k·β·F_l/peak_i, (p_l·b/8 + β·kv_l·ctx·kv_bits/8)/membw_i)
 *             transfer = k·β·a_l·act_bits/Ω_ij + λ_ij
 * where ctx is the context of a decode step, or k/2 for the prefill pass.
 * Transfers are 0 for i == j and +inf when there is no route.
 * `b` is an index into inst->bits. */
double solver_pass_compute(const solver_instance *in, size_t l, size_t i, size_t b, int64_t k);
double solver_pass_transfer(const solver_instance *in, size_t l, size_t i, size_t j, size_t b,
                            int64_t k);
/* The origin's input to layer 0 (a_in = activation of the embedding input:
 * one token id per sequence) and the last layer's output back, for a pass. */
double solver_pass_input(const solver_instance *in, size_t j, int64_t k);
double solver_pass_output(const solver_instance *in, size_t i, size_t b, int64_t k);

/* Totals over a whole request (prefill + tokens decode passes), the
 * coefficients of the ILP objective:
 *   cp(l,i,b) = Σ_passes compute,  cm(l,i,j,b) = Σ_passes transfer. */
double solver_cost_compute(const solver_instance *in, size_t l, size_t i, size_t b);
double solver_cost_transfer(const solver_instance *in, size_t l, size_t i, size_t j, size_t b);
double solver_cost_input(const solver_instance *in, size_t j);
double solver_cost_output(const solver_instance *in, size_t i, size_t b);

/* Bytes layer l needs on its server at bit width index b: weights p_l·b/8,
 * plus (roofline) its KV cache β·kv_l·(prompt + tokens)·kv_bits/8. */
double solver_cost_storage(const solver_instance *in, size_t l, size_t b);

/* A placement: for each layer its server and bit-width index. */
typedef struct solver_placement {
  size_t n_layers;
  int *server;   /* n_layers server indices */
  int *bits;     /* n_layers indices into inst->bits */
} solver_placement;

solver_placement *solver_placement_alloc(size_t n_layers);
void solver_placement_free(solver_placement *p);
void solver_placement_copy(solver_placement *dst, const solver_placement *src);

/* The analytic completion time T of a placement (seconds), split into
 * compute and communication (either pointer may be NULL). Does not check
 * feasibility; see solver_check. +inf if a needed route does not exist. */
double solver_objective(const solver_instance *in, const solver_placement *p, double *compute,
                        double *comm);

/* Quantization ratio Σ_l p_l·b_l / Σ_l p_l·pr × 100 (Table 1's last column). */
double solver_quant_ratio(const solver_instance *in, const solver_placement *p);

#endif
