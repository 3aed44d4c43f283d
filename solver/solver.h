/* solver.h: the public header of solver/: a placement instance and the
 * cost model every solver, the checker and the simulator share; solving an
 * instance with the ILP, the exact DP or a baseline; checking a placement
 * independently; reading a placement from JSON. */

/* One placement problem (a run of an experiment at a sweep point) and the
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
#ifndef DILEMMA_SOLVER_SOLVER_H
#define DILEMMA_SOLVER_SOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/core/core.h"
#include "sim/hardware/hardware.h"
#include "sim/model/model.h"
#include "sim/topology/topology.h"

/* The cost model: the paper's equations, or a roofline (docs/model.md). */
typedef enum {
  SOLVER_COST_PAPER = 0,
  SOLVER_COST_ROOFLINE = 1,
  SOLVER_COST_CALIBRATED = 2 /* the roofline fitted to published measurements (docs/hardware.md) */
} solver_cost_model;

/* How a bit width b is stored (calibrated model): plain b bits, llama.cpp's
 * block-32 formats with an fp16 scale (q4_0 = 4.5, q8_0 = 8.5), or groups of
 * 128 with an fp16 scale and a b-bit zero point (int4-g128 = 4.156). */
typedef enum {
  SOLVER_FORMAT_PLAIN = 0,
  SOLVER_FORMAT_GGML = 1,
  SOLVER_FORMAT_G128 = 2
} solver_format;

/* The ILP formulation (docs/solver.md). */
typedef enum { SOLVER_FORM_FLOW = 0, SOLVER_FORM_PAPER = 1 } solver_formulation;

/* Placement methods: the ILP and the baselines. Values are bit positions in
 * solver_config.baselines. */
typedef enum {
  SOLVER_METHOD_ILP = 0,
  SOLVER_METHOD_DP = 1,
  SOLVER_METHOD_SINGLE = 2,
  SOLVER_METHOD_GREEDY = 3,
  SOLVER_METHOD_UNIFORM = 4,
  SOLVER_METHOD_RANDOM = 5,
  SOLVER_METHOD_CLOUD = 6,
  SOLVER_METHOD_COUNT = 7
} solver_method;

/* What an exact solve minimizes (docs/solver.md): the completion time T of
 * one request, or the bottleneck stage time of the pipeline (the slowest
 * server's per-token work plus its outgoing transfers), whose inverse is the
 * throughput of a saturated pipeline. */
typedef enum { SOLVER_OBJECTIVE_LATENCY = 0, SOLVER_OBJECTIVE_THROUGHPUT = 1 } solver_objective_kind;

/* Names of the values above, indexed by the enums and NULL-terminated: the
 * words a scenario and the command line accept. */
extern const char *const solver_objective_names[];
extern const char *const solver_cost_model_names[];
extern const char *const solver_format_names[];
extern const char *const solver_formulation_names[];
extern const char *const solver_method_names[];

/* Name of a value ("?" if out of range) and, for methods, the reverse
 * lookup (-1 for an unknown name). */
const char *solver_cost_model_name(solver_cost_model c);
const char *solver_formulation_name(solver_formulation f);
const char *solver_method_name(solver_method m);
int solver_method_parse(const char *s);

/* The version of the linked lp_solve, "major.minor.release.build", into buf. */
void solver_lpsolve_version(char *buf, size_t len);

/* What one request is (a scenario's `workload` block). */
typedef struct solver_workload {
  int64_t tokens;  /* n, generated tokens per request */
  int64_t batch;   /* β, sequences per pass */
  int64_t prompt;  /* P, prompt tokens (prefill) */
  int64_t context; /* tokens attended per generated token; -1 = auto (prompt + tokens/2) */
} solver_workload;

/* The resolved context: w->context, or prompt + tokens/2 when auto. */
int64_t solver_workload_context(const solver_workload *w);

/* The cost model and its parameters (a scenario's `cost` block). */
typedef struct solver_cost_config {
  solver_cost_model model;
  double activation_bits; /* roofline: bits per activation element on the wire */
  double kv_bits;         /* roofline: bits per KV-cache element */
  solver_format format;   /* calibrated: how b-bit weights are stored */
  char *calibration;      /* calibrated: fitted parameters file, or NULL (shipped) */
} solver_cost_config;

/* How to solve (a scenario's `solver` block). */
typedef struct solver_config {
  solver_method method;
  solver_formulation formulation;
  double time_limit;             /* s per solve */
  unsigned baselines;            /* bit set of 1u << solver_method, solved besides `method` */
  int64_t max_layers_per_server; /* 0 = no cap */
  int64_t origin;                /* server where prompts arrive and outputs return; -1 = none */
  int presolve;                  /* 1: drop dominated bit options where provably safe */
  double mip_gap;                /* relative gap at which a solve counts as optimal */
  double max_utilization;        /* several models: cap on each server's busy fraction */
  int aggregate;                 /* several models: a solver_multi_objective (sum or max) */
  solver_objective_kind objective; /* latency (T) or throughput (bottleneck stage time) */
  double latency_cap;            /* s, throughput: T of the placement <= cap; 0 = none */
  int64_t kv_requests;           /* requests whose KV cache storage reserves; -1 = auto
                                    (0 under paper, else 1) */
} solver_config;

typedef struct solver_instance {
  solver_cost_model cost_model;
  int64_t tokens;          /* n, decode passes */
  int64_t batch;           /* β */
  int64_t prompt;          /* P, prompt tokens (0: no prefill pass) */
  int64_t context;         /* tokens attended per decode step */
  int64_t precision;       /* pr, bits of the original weights (= b_max) */
  double activation_bits;  /* roofline: bits per activation element */
  double kv_bits;          /* roofline: bits per KV-cache element */
  solver_format format;    /* calibrated: how b-bit weights are stored */

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
  int64_t kv_requests;     /* requests whose full KV cache the storage row reserves; -1 = auto */
} solver_instance;

/* Builds the instance of a workload, cost model, quantization and solver
 * configuration (the caps and the origin), a model and a topology. With
 * `table` (may be NULL) errors come from it, else from the analytic bound.
 * Fails with SIM_EINPUT if the table does not cover the model's layers.
 * sim/run's sim_case_alloc is the one place that assembles these from a
 * scenario. */
solver_instance *solver_instance_alloc(const solver_workload *workload,
                                       const solver_cost_config *cost,
                                       const sim_quant_config *quant, const solver_config *solver,
                                       const sim_model *model, const sim_topology *topo,
                                       const sim_errtable *table, sim_error *err);
void solver_instance_free(solver_instance *inst);

/* The bit widths a quantization configuration allows (b_min to b_max in
 * steps of step): the instance's n_bits. */
size_t solver_bits_count(const sim_quant_config *quant);

/* Bytes the solver's cost tables take for L layers, B bit widths and M
 * servers (the transfer tables, (L - 1) x B x M^2 doubles, dominate). Every
 * method builds them in solver_solve (the throughput objective's ILP and DP
 * aside), so a caller can refuse work that cannot fit before it draws the
 * topology; solver_solve itself refuses with SIM_EINPUT naming
 * servers.count. In doubles, so no product overflows. */
double solver_tables_bytes(size_t n_layers, size_t n_bits, size_t n_servers);

static inline int solver_instance_allowed(const solver_instance *in, size_t l, size_t b) {
  return in->allowed[l * in->n_bits + b];
}

/* Durations of one pass over `k` tokens (k = prompt for prefill, 1 for a
 * decode step), in seconds:
 *   paper:    compute  = k·F_l/CCS_i · b/pr
 *             transfer = k·β·a_l·b/Ω_ij + λ_ij
 *   roofline: compute  = max(k·β·F_l/peak_i, (p_l·b/8 + β·kv_l·ctx·kv_bits/8)/membw_i)
 *             transfer = k·β·a_l·act_bits/Ω_ij + λ_ij
 *   calibrated: compute = solver_calibrated_layer_time (below), transfer as roofline
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

/* Bytes layer l needs on its server at bit width index b: weights p_l·b/8
 * (calibrated: p_l·bpw(b)/8), plus the KV cache of kv_requests requests,
 * kv_requests·β·kv_l·(prompt + tokens)·kv_bits/8 (kv_requests is 1 under
 * roofline and calibrated and 0 under paper unless solver.kv_requests says
 * how many concurrent requests to reserve for, e.g. the batch limit of
 * continuous batching). */
double solver_cost_storage(const solver_instance *in, size_t l, size_t b);

/* The requests whose KV cache storage reserves: kv_requests, or for auto
 * (-1) 1 under roofline and calibrated and 0 under paper. */
int64_t solver_instance_kv_requests(const solver_instance *in);

/* The calibrated cost model (cost_calibrated.c, docs/hardware.md).
 * Bits per weight a format stores at width b (pr: the original precision,
 * stored as is): plain b; ggml b + 0.5; g128 b + (16 + b)/128. */
double solver_format_bits(solver_format format, double b, double precision);
/* 1 if a layer is a lookup table read one row per token (its name starts
 * with "embed"). */
int solver_layer_is_gather(const sim_layer *ly);
/* One pass over k tokens of layer ly on server s with bpw bits per weight:
 *   bytes/(bw_fraction·membw) + k·β·F/(compute_fraction·ccs) + overhead
 * with bytes = weights·bpw/8 + β·kv·ctx·kv_bits/8, where a gather layer
 * reads min(p, k·β·a) weights. The experiment costs and `dilemma
 * validate` both call it. */
double solver_calibrated_layer_time(const sim_layer *ly, const sim_server *s, double bpw,
                                    double k, double batch, double ctx, double kv_bits);

/* Fits the calibrated model to published measurements (calibrate.c states
 * the procedure): fills out with the pooled and per-class parameters and the
 * in-sample and leave-one-device-out median and worst relative errors of
 * tokens/s; loo_tokens_per_s (m->n entries, may be NULL) receives each row's
 * prediction from the fit without its device. */
int solver_calibration_fit(const sim_catalog *cat, const sim_measurements *m, sim_calibration *out,
                           double *loo_tokens_per_s, sim_error *err);
/* The decode speed the calibrated model predicts for a measurement's device,
 * model and bits per weight from the device's datasheet and c. */
int solver_calibration_predict(const sim_catalog *cat, const sim_measurement *r,
                               const sim_calibration *c, double *tokens_per_s, sim_error *err);
/* One step of iteration-level batching on a server: the member passes a
 * batch runs together through a layer. Built with solver_step_add, one call
 * per member request (β sequences each). */
typedef struct solver_step {
  double tokens;    /* Σ_members k·β: tokens processed */
  double kv_tokens; /* Σ_members β·ctx: (sequence, context token) pairs whose KV is read */
  int64_t max_k;    /* the longest member pass, tokens */
} solver_step;

/* Adds a member pass over k tokens (k = prompt: prefill, 1: decode) of one
 * request of the instance's batch β, with the context solver_pass_compute
 * uses (k/2 for a prefill, the instance's context for a decode step). */
void solver_step_add(solver_step *s, const solver_instance *in, int64_t k);

/* Durations of a batch step, s. Roofline: the weights are read once for the
 * whole batch and the KV cache per sequence,
 *   compute = max(tokens·F_l/peak_i, (p_l·b/8 + kv_l·kv_tokens·kv_bits/8)/membw_i);
 * paper: batching is free, the step takes as long as its longest member,
 *   compute = max_k·F_l/CCS_i·b/pr.
 * calibrated: solver_calibrated_layer_time with the batch's tokens and KV
 *   context, its fixed overhead once per step.
 * Transfers carry every member's activations in one message:
 *   λ_ij + tokens·a_l·bits/Ω_ij (0 for i == j, +inf without a route).
 * With one member these equal the solver_pass_* functions (to rounding). */
double solver_step_compute(const solver_instance *in, size_t l, size_t i, size_t b,
                           const solver_step *s);
double solver_step_transfer(const solver_instance *in, size_t l, size_t i, size_t j, size_t b,
                            const solver_step *s);
double solver_step_input(const solver_instance *in, size_t j, const solver_step *s);
double solver_step_output(const solver_instance *in, size_t i, size_t b, const solver_step *s);

/* Bytes of layer l's weights at bit width index b (the calibrated model's
 * format bits per weight, else b): what a server holds for it besides KV. */
double solver_weight_bytes(const solver_instance *in, size_t l, size_t b);

/* Bytes of KV cache one request (β sequences) holds for layer l when its
 * context is full (prompt + tokens): β·kv_l·(P + n)·kv_bits/8, whatever the
 * cost model. */
double solver_kv_bytes(const solver_instance *in, size_t l);

/* A placement: for each layer its server and bit-width index. */
typedef struct solver_placement {
  size_t n_layers;
  int *server;   /* n_layers server indices */
  int *bits;     /* n_layers indices into inst->bits */
} solver_placement;

/* The least storage any feasible placement needs, bytes: every layer at
 * its smallest allowed width (exact under per-layer accuracy, a lower bound
 * under a budget). O(L x bit widths). */
double solver_storage_least(const solver_instance *in);

/* The paper's premise, measured: 1 if some edge server (the cloud node
 * aside) can hold every layer at its smallest allowed width, else 0 (the
 * model must then be split). */
int solver_one_server_fits(const solver_instance *in);

solver_placement *solver_placement_alloc(size_t n_layers);
void solver_placement_free(solver_placement *p);
void solver_placement_copy(solver_placement *dst, const solver_placement *src);

/* Energy of one request under a placement (energy.c, docs/hardware.md):
 * each server the placement uses draws idle + (peak - idle) · u over the
 * request's T, with u = its busy (compute) time / T; an absent idle power
 * counts as 0. Fills J per generated token and the average power in W; both
 * NaN when a used server has no peak power or T is not finite. */
void solver_energy(const solver_instance *in, const solver_placement *p,
                   double *joules_per_token, double *watts);


/* The analytic completion time T of a placement (seconds), split into
 * compute and communication (either pointer may be NULL). Does not check
 * feasibility; see solver_check. +inf if a needed route does not exist. */
double solver_objective(const solver_instance *in, const solver_placement *p, double *compute,
                        double *comm);

/* The bottleneck stage time of a placement, s per decode step: the largest
 * over servers of its per-token work, Σ of solver_pass_compute (k = 1) over
 * its layers plus solver_pass_transfer of every hand-over it sends (and, for
 * the origin, the input it sends; for the last layer's server, the output
 * back to the origin). A saturated pipeline completes one decode pass of a
 * request per bottleneck time. *server (may be NULL) gets the bottleneck
 * server. +inf if a needed route does not exist. O(L·M). */
double solver_bottleneck(const solver_instance *in, const solver_placement *p, int *server);

/* Quantization ratio Σ_l p_l·b_l / Σ_l p_l·pr × 100 (Table 1's last column). */
double solver_quant_ratio(const solver_instance *in, const solver_placement *p);

/* Solving a placement instance with the ILP, the exact DP or a
 * baseline, and checking any placement independently.
 *
 * Ownership rule: a solver_result owns its placement; release it with
 * solver_result_clear. Instances are borrowed. */



typedef enum {
  SOLVER_OPTIMAL = 0,    /* proven optimal (within mip_gap) */
  SOLVER_FEASIBLE = 1,   /* a feasible placement without an optimality proof (baselines;
                            ilp when lp_solve failed numerically, with the reason in
                            diagnosis) */
  SOLVER_INFEASIBLE = 2, /* no feasible placement exists (or the method found none) */
  SOLVER_TIMEOUT = 3,    /* the time limit stopped the search; placement = incumbent if any */
  SOLVER_ERROR = 4       /* the solver failed */
} solver_status;

const char *solver_status_name(solver_status s); /* "optimal", "feasible", ... */

/* Memory the solver keeps from one solve to the next. Under a budget a
 * solve builds bound tables of tens of megabytes; fresh memory for them
 * costs the kernel's zeroing and a fault per page, about a sixth of an
 * easy solve on the budget benchmark. Solves given the same workspace
 * (solver_options.workspace) reuse its blocks instead. It changes speed
 * only, never a result. One solve at a time may use a workspace: a
 * thread keeps its own. It holds at most the tables one solve has at
 * once (84 MB at 24 servers on the budget benchmark) until freed. */
typedef struct solver_workspace solver_workspace;
solver_workspace *solver_workspace_alloc(void); /* NULL when out of memory */
void solver_workspace_free(solver_workspace *ws);
size_t solver_workspace_bytes(const solver_workspace *ws); /* bytes held */

typedef struct solver_options {
  solver_method method;           /* ilp, dp, single, greedy, uniform, random, cloud */
  solver_formulation formulation; /* ilp: flow or paper */
  double time_limit;           /* s; <= 0 means none */
  int presolve;                /* drop dominated bit options where provably safe */
  double mip_gap;              /* relative gap accepted as optimal */
  uint64_t seed;               /* random baseline: the GSL seed, i.e.
                                  sim_seed_derive(scenario seed, SIM_STREAM_BASELINE, run) */
  const char *write_lp;        /* if set, write the ILP in LP format here */
  const char *write_mps;       /* if set, write the ILP in (free) MPS format here */
  int plain;                   /* ilp: 1 hands the whole model to lp_solve without the
                                  structural bounds, incumbents, fixing and cutoff (for
                                  cross-checks); 0 (default) uses them */
  long long search_budget;     /* nodes of the segment search (or the budget search)
                                  before lp_solve takes over: 0 = the default, no node
                                  limit (the search keeps the time, docs/solver.md);
                                  < 0 = no search, so that lp_solve's accelerated path can
                                  be tested on its own */
  solver_objective_kind objective; /* ilp and dp: latency (default) or throughput */
  double latency_cap;          /* s, throughput: T <= cap (0: none) */
  solver_workspace *workspace; /* memory kept between solves (NULL: none); see below */
} solver_options;

/* Options from a solver configuration (a scenario's `solver` block), for
 * `method`, with the random baseline's seed. */
void solver_options_from_config(solver_options *opt, const solver_config *cfg, solver_method method,
                                uint64_t seed);

/* How an `optimal` status was proven. */
typedef enum {
  SOLVER_PROOF_NONE = 0,    /* no optimality proof (baselines, timeouts, infeasible) */
  SOLVER_PROOF_DP = 1,      /* the storage-free DP's path is feasible, so it is optimal */
  SOLVER_PROOF_BOUND = 2,   /* the placement meets a lower bound (segment or Lagrangian) */
  SOLVER_PROOF_ILP = 3,     /* lp_solve's branch and bound closed the gap */
  SOLVER_PROOF_SEARCH = 4   /* the segment branch and bound finished */
} solver_proof;

const char *solver_proof_name(solver_proof p); /* "none", "dp", "bound", "ilp", "search" */

typedef struct solver_result {
  solver_status status;
  solver_placement *placement; /* NULL when no placement was found */
  double objective;            /* s, T of the placement (NaN without one) */
  double compute;              /* s, compute part of T */
  double comm;                 /* s, communication part of T */
  double quant_ratio;          /* % */
  double solve_seconds;        /* wall time of the solve */
  double lower_bound;          /* s, best proven lower bound (NaN if none) */
  double gap;                  /* (objective - lower_bound) / objective */
  double dp_bound;             /* s, the DP value: exact without binding storage/caps, else a bound */
  double lagrangian_bound;     /* s, Lagrangian bound on storage (NaN if not computed) */
  long long nodes;             /* lp_solve's branch-and-bound nodes */
  long long search_nodes;      /* nodes of the segment branch and bound (docs/solver.md) */
  size_t presolve_removed;     /* (layer, bits) options removed as dominated */
  size_t presolve_total;       /* (layer, bits) options allowed before presolve */
  char diagnosis[512];         /* infeasible: the binding resource, in words; feasible from
                                  ilp: why there is no proof */
  solver_proof proof;          /* how `optimal` was proven */
  double segment_bound;        /* s, segment relaxation with Lagrangian penalties (NaN if not
                                  computed) */
  size_t ilp_columns;          /* columns of the last model lp_solve solved (0: none) */
  size_t ilp_rows;             /* its rows */
  size_t ilp_fixed;            /* x columns left out because a bound excludes them */
  double packing_bound;        /* s, packing bound: whole layers per server (NaN if not
                                  computed) */
  double budget_bound;         /* s, under budget accuracy: the best of the bounds that see
                                  the budget (the dual over the budget multiplier and the
                                  budgeted segment DP); NaN otherwise */
  double bottleneck;           /* s, solver_bottleneck of the placement (NaN without one);
                                  under the throughput objective, lower_bound and gap refer
                                  to it rather than to T */
} solver_result;

void solver_result_init(solver_result *res);
void solver_result_clear(solver_result *res);

/* Solves `in` with opt->method. Returns SIM_OK when the solver ran (even if
 * the status is infeasible or timeout); an error code when it could not. */
int solver_solve(const solver_instance *in, const solver_options *opt, solver_result *res,
                 sim_error *err);

/* Writes every parameter the costs come from as JSON (schema in
 * docs/solver.md). Returns SIM_OK or SIM_EIO. */
int solver_instance_write_json(const solver_instance *in, FILE *out, sim_error *err);

/* The independent checker: recomputes feasibility (every layer placed once,
 * allowed bits, storage, caps, routes, budget) and the objective from the
 * instance alone. Returns SIM_OK if feasible, SIM_EINFEASIBLE with the
 * violations in err otherwise; *objective gets the recomputed T. */
int solver_check(const solver_instance *in, const solver_placement *p, double *objective,
                 sim_error *err);

/* Reading a placement from JSON, the form `dilemma solve
 * --json` prints:
 *     {"placement": [{"layer": 0, "server": 2, "bits": 10}, ...], ...}
 * with one entry per layer, `bits` the bit WIDTH (not an index), any order,
 * and other top-level keys ignored.
 *
 * Ownership rule: the loaders return a placement freed with
 * solver_placement_free. */



/* Reads a placement for instance `in` from a file. Fails with SIM_EIO when
 * the file cannot be read, SIM_ESYNTAX for malformed JSON (with line and
 * column) and SIM_EINPUT when a layer is missing, repeated or out of range,
 * a server does not exist or a width is not one of the instance's. */
solver_placement *sim_placement_load_json(const char *path, const solver_instance *in,
                                          sim_error *err);

/* Writes p as the array the loaders read, one {"layer", "server", "bits"}
 * object per layer with the bit WIDTH; an empty array when p is NULL. */
void solver_placement_write_json(sim_json *j, const solver_instance *in, const solver_placement *p);

/* The same from a string; `name` stands in for the file name in messages. */
solver_placement *sim_placement_load_json_string(const char *text, size_t len, const char *name,
                                                 const solver_instance *in, sim_error *err);

/* --- Several models sharing the servers (multi.c, multi_lagrange.c,
 * multi_ilp.c; docs/model.md and docs/solver.md) ---------------------------
 *
 * K models, each a single-model instance on the same servers and routes,
 * share every server's storage and compute:
 *   storage:      Σ_m Σ_l s_m(l, b) x_m(l, i, b) <= κ_i
 *   utilization:  Σ_m rate_m · busy_m(i) <= max_utilization, where busy_m(i)
 *                 is the compute time (s) model m's layers spend on server i
 *                 per request (Σ_l cp_m(l, i, b) x_m(l, i, b))
 * Everything else (allowed bits, the budget, the layer cap, routes, the
 * origin) stays each model's own. The objective is Σ_m weight_m · T_m
 * (`sum`) or max_m T_m (`max`).
 *
 * Ownership rule: solver_multi_alloc returns a multi-instance that owns its
 * instances (set models[m] to an instance from solver_instance_alloc; they
 * are freed with it). A solver_multi_result owns its placements. */

typedef enum { SOLVER_MULTI_SUM = 0, SOLVER_MULTI_MAX = 1 } solver_multi_objective;

/* "sum", "max", NULL: the words solver.aggregate accepts. */
extern const char *const solver_multi_objective_names[];

typedef struct solver_multi {
  size_t n_models;
  solver_instance **models;  /* n_models owned instances, same servers and routes */
  double *rate;              /* n_models, requests/s (>= 0) */
  double *weight;            /* n_models, objective weights (> 0; `sum` only) */
  double max_utilization;    /* busy fraction every server must stay within (> 0) */
  solver_multi_objective objective;
} solver_multi;

/* Writes a multi-instance as JSON: the objective (`sum` or `max`), the
 * utilization cap, and per model its name (names[m], or null when names is
 * NULL), rate (requests/s), weight and its instance in the schema of
 * solver_instance_write_json (docs/solver.md). Returns SIM_OK or SIM_EIO. */
int solver_multi_write_json(const solver_multi *mi, const char *const *names, FILE *out, sim_error *err);

/* An empty multi-instance for n_models models: models NULL, rates 0,
 * weights 1, max_utilization 1, objective sum. NULL without memory. */
solver_multi *solver_multi_alloc(size_t n_models);
void solver_multi_free(solver_multi *mi);

/* Checks that every model is set, the instances share their servers
 * (count, storage, speeds) and routes, and rates, weights and the cap are in
 * range. Returns SIM_OK or SIM_EINPUT naming the first problem. */
int solver_multi_validate(const solver_multi *mi, sim_error *err);

typedef enum {
  SOLVER_MULTI_EXACT = 0,       /* decomposition + lp_solve: optimal with a proof */
  SOLVER_MULTI_ILP = 1,         /* the joint ILP on lp_solve alone (cross-checks) */
  SOLVER_MULTI_SEQUENTIAL = 2,  /* models in turn by weight, each optimal on what is left */
  SOLVER_MULTI_INDEPENDENT = 3, /* each model optimal as if alone; reports if the union fits */
  SOLVER_MULTI_PARTITIONED = 4, /* each model alone on its own group of servers */
  SOLVER_MULTI_METHOD_COUNT = 5
} solver_multi_method;

/* "ilp" (exact), "plain", "sequential", "independent", "partitioned": the
 * words of --method and of runs.csv, like the single-model methods (ilp is
 * the exact method). The baselines are the methods after
 * SOLVER_MULTI_ILP. */
const char *solver_multi_method_name(solver_multi_method m);
int solver_multi_method_parse(const char *s); /* -1 if unknown */

typedef struct solver_multi_options {
  solver_multi_method method;
  solver_formulation formulation; /* joint ILP: flow or paper */
  double time_limit;           /* s for the whole solve; <= 0 means none */
  double mip_gap;              /* relative gap accepted as optimal */
  int lagrange_iterations;     /* subgradient iterations; 0 = the default (60) */
  long long ilp_node_limit;    /* stop lp_solve after this many branch-and-bound nodes, like the
                                  time limit (no proof, status timeout); 0 = none. Unlike the
                                  time limit it stops at the same point on every machine. */
  const char *write_lp;        /* if set, write the joint ILP in LP format here */
  const char *write_mps;       /* if set, write the joint ILP in free MPS format here */
} solver_multi_options;

void solver_multi_options_init(solver_multi_options *opt);

typedef struct solver_multi_result {
  solver_status status;
  solver_proof proof;          /* bound (Lagrangian meets the incumbent) or ilp */
  size_t n_models;
  solver_placement **placement; /* n_models; all NULL when no placement was found */
  double *model_objective;     /* n_models, s, T_m of each model's placement */
  double *model_solo;          /* n_models, s, each model's optimum alone (NaN if unknown) */
  double objective;            /* s, Σ weight·T or max T (NaN without a placement) */
  double lower_bound;          /* s, best proven bound on the objective (NaN if none) */
  double gap;                  /* (objective - lower_bound) / objective */
  double lagrangian_bound;     /* s, the decomposition's bound (NaN if not computed) */
  double solve_seconds;
  int iterations;              /* subgradient iterations done */
  double lagrange_seconds;     /* wall time of the decomposition (bound and incumbents) */
  size_t ilp_fixed;            /* x columns the decomposition's bounds left out of the ILP */
  long long nodes;             /* lp_solve's branch-and-bound nodes */
  int joint_feasible;          /* 1 if the placements together meet the shared rows */
  size_t n_servers;
  double *storage_used;        /* n_servers, bytes over all models */
  double *utilization;         /* n_servers, Σ_m rate_m · busy_m(i) */
  char diagnosis[512];
} solver_multi_result;

void solver_multi_result_init(solver_multi_result *res);
void solver_multi_result_clear(solver_multi_result *res);

/* Solves a multi-instance with opt->method. Returns SIM_OK when the solver
 * ran (whatever the status), an error code when it could not. Every
 * returned placement passes solver_multi_check. */
int solver_multi_solve(const solver_multi *mi, const solver_multi_options *opt,
                       solver_multi_result *res, sim_error *err);

/* The independent checker: each model's own constraints (solver_check),
 * then the shared storage and utilization rows (relative slack 1e-9), from
 * the cost functions alone. Fills T (n_models, may be NULL) and *objective.
 * Returns SIM_OK if feasible, SIM_EINFEASIBLE naming the violations. */
int solver_multi_check(const solver_multi *mi, solver_placement *const *placement, double *T,
                       double *objective, sim_error *err);

#endif
