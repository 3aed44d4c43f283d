/* instance.c: building an instance and the one cost model every solver,
 * the checker and the DES use (formulas in solver/solver.h and docs/model.md). */
#include "solver/solver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Token ids travel as 32-bit integers whatever the cost model. */
#define TOKEN_ID_BITS 32.0

void solver_instance_free(solver_instance *in) {
  if (in == NULL) return;
  free(in->layers);
  free(in->servers);
  free(in->bandwidth);
  free(in->latency);
  free(in->bits);
  free(in->error);
  free(in->allowed);
  free(in);
}

/* Values inside their documented ranges can still give costs past the
 * largest double (servers.ccs: 1e-300 makes a pass take 1e309 s); an
 * infinite cost would then read as "not allowed" and the instance as
 * infeasible. This reports the overflow for what it is, naming the key.
 * Costs grow with a layer's FLOPs, bytes and activations and with the bit
 * width, so the largest layer of each kind at the widest width on every
 * server (and over the slowest link) bounds them all; the sum over the
 * layers must be finite too. O(M^2 + L M). */
static int costs_finite(const solver_instance *in, sim_error *err) {
  const size_t L = in->n_layers, M = in->n_servers, top = in->n_bits - 1;
  size_t lf = 0, lb = 0, la = 0;
  for (size_t l = 1; l < L; l++) {
    const sim_layer *y = &in->layers[l];
    if (y->flops > in->layers[lf].flops) lf = l;
    if ((double)y->params + y->kv_elems > (double)in->layers[lb].params + in->layers[lb].kv_elems) lb = l;
    if (y->act_elems > in->layers[la].act_elems) la = l;
  }
  double worst = 0;
  for (size_t i = 0; i < M; i++) {
    const size_t cand[2] = {lf, lb};
    for (size_t c = 0; c < 2; c++) {
      const double t = solver_cost_compute(in, cand[c], i, top);
      if (!isfinite(t))
        return sim_error_set(err, SIM_EINPUT,
                             "servers.%s: the compute time of layer %zu (%s) on server %zu overflows "
                             "(ccs %g FLOP/s, mem_bandwidth %g byte/s): the costs must be finite numbers",
                             in->cost_model == SOLVER_COST_PAPER || in->servers[i].ccs <= in->servers[i].mem_bandwidth
                                 ? "ccs" : "mem_bandwidth",
                             cand[c], in->layers[cand[c]].name, i, in->servers[i].ccs,
                             in->servers[i].mem_bandwidth);
      if (t > worst) worst = t;
    }
  }
  /* The slowest link carries the largest activation the longest. */
  size_t si = 0, sj = 0;
  double slow = INFINITY;
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < M; j++) {
      const double bw = in->bandwidth[i * M + j];
      if (i != j && bw > 0 && bw < slow) { slow = bw; si = i; sj = j; }
    }
  if (isfinite(slow)) {
    const double t = solver_cost_transfer(in, la, si, sj, top);
    if (!isfinite(t))
      return sim_error_set(err, SIM_EINPUT,
                           "links.omega_min: the transfer time of layer %zu (%s) from server %zu to %zu "
                           "overflows (bandwidth %g bit/s): the costs must be finite numbers",
                           la, in->layers[la].name, si, sj, slow);
    if (t > worst) worst = t;
  }
  if (!isfinite(worst * 2.0 * (double)L))
    return sim_error_set(err, SIM_EINPUT,
                         "servers.ccs: the total time of %zu layers overflows (a single layer takes up to "
                         "%g s): the costs must be finite numbers", L, worst);
  return SIM_OK;
}

int64_t solver_workload_context(const solver_workload *w) {
  return w->context >= 0 ? w->context : w->prompt + w->tokens / 2;
}

size_t solver_bits_count(const sim_quant_config *quant) {
  return (size_t)((quant->b_max - quant->b_min) / quant->step) + 1;
}

solver_instance *solver_instance_alloc(const solver_workload *workload,
                                       const solver_cost_config *cost,
                                       const sim_quant_config *quant, const solver_config *solver,
                                       const sim_model *model, const sim_topology *topo,
                                       const sim_errtable *table, sim_error *err) {
  solver_instance *in = calloc(1, sizeof *in);
  if (in == NULL) goto oom;
  in->cost_model = cost->model;
  in->tokens = workload->tokens;
  in->batch = workload->batch;
  in->prompt = workload->prompt;
  in->context = solver_workload_context(workload);
  in->precision = quant->b_max;
  in->activation_bits = cost->activation_bits;
  in->kv_bits = cost->kv_bits;
  in->format = cost->format;
  in->accuracy = quant->accuracy;
  in->delta = quant->delta;
  in->budget = quant->budget;
  in->max_layers = solver->max_layers_per_server;
  in->origin = (long)solver->origin;
  in->kv_requests = solver->kv_requests;

  const size_t L = model->n_layers, M = topo->n;
  in->n_layers = L;
  in->n_servers = M;
  in->n_bits = solver_bits_count(quant);
  const size_t B = in->n_bits;
  in->layers = malloc(L * sizeof *in->layers);
  in->servers = malloc(M * sizeof *in->servers);
  in->bandwidth = malloc(M * M * sizeof *in->bandwidth);
  in->latency = malloc(M * M * sizeof *in->latency);
  in->bits = malloc(B * sizeof *in->bits);
  in->error = malloc(L * B * sizeof *in->error);
  in->allowed = malloc(L * B);
  if (!in->layers || !in->servers || !in->bandwidth || !in->latency || !in->bits || !in->error ||
      !in->allowed)
    goto oom;
  memcpy(in->layers, model->layers, L * sizeof *in->layers);
  memcpy(in->servers, topo->servers, M * sizeof *in->servers);
  memcpy(in->bandwidth, topo->bandwidth, M * M * sizeof *in->bandwidth);
  memcpy(in->latency, topo->latency, M * M * sizeof *in->latency);
  for (size_t b = 0; b < B; b++) in->bits[b] = quant->b_min + (int64_t)b * quant->step;

  if (table != NULL && table->n_layers != L) {
    sim_error_set(err, SIM_EINPUT,
                  "the error table has %zu layers but model '%s' at %s granularity has %zu",
                  table->n_layers, model->name, sim_granularity_name(model->granularity), L);
    solver_instance_free(in);
    return NULL;
  }
  /* Every pair (l, b) with error within the bound is allowed; the original
   * precision always is. Under a budget each single error must fit the whole
   * budget; the solver enforces the sum. */
  const double bound = in->accuracy == SIM_ACC_BUDGET ? in->budget : in->delta;
  for (size_t l = 0; l < L; l++)
    for (size_t b = 0; b < B; b++) {
      double e;
      if (in->bits[b] >= in->precision) e = 0.0;
      else if (table != NULL) e = sim_errtable_get(table, l, in->bits[b]);
      else e = sim_quant_error_analytic(in->bits[b], in->precision, quant->weight_range);
      if (isnan(e)) {
        sim_error_set(err, SIM_EINPUT, "the error table has no entry for layer %zu (%s) at %lld bits",
                      l, model->layers[l].name, (long long)in->bits[b]);
        solver_instance_free(in);
        return NULL;
      }
      in->error[l * B + b] = e;
      in->allowed[l * B + b] = e <= bound || in->bits[b] >= in->precision;
    }
  if (costs_finite(in, err) != SIM_OK) {
    solver_instance_free(in);
    return NULL;
  }
  return in;
oom:
  solver_instance_free(in);
  sim_error_set(err, SIM_ENOMEM, "out of memory building an instance");
  return NULL;
}

double solver_pass_compute(const solver_instance *in, size_t l, size_t i, size_t b, int64_t k) {
  const sim_layer *ly = &in->layers[l];
  const sim_server *s = &in->servers[i];
  const double bits = (double)in->bits[b];
  if (in->cost_model == SOLVER_COST_PAPER)
    return (double)k * ly->flops / s->ccs * bits / (double)in->precision;
  /* Roofline: the pass is bound by arithmetic or by reading the weights and
   * this step's KV cache, whichever takes longer. */
  const double ctx = k > 1 ? (double)k / 2.0 : (double)in->context;
  if (in->cost_model == SOLVER_COST_CALIBRATED)
    return solver_calibrated_layer_time(ly, s, solver_format_bits(in->format, bits, (double)in->precision),
                                        (double)k, (double)in->batch, ctx, in->kv_bits);
  const double t_flops = (double)k * (double)in->batch * ly->flops / s->ccs;
  const double bytes = (double)ly->params * bits / 8.0 +
                       (double)in->batch * ly->kv_elems * ctx * in->kv_bits / 8.0;
  const double t_mem = bytes / s->mem_bandwidth;
  return t_flops > t_mem ? t_flops : t_mem;
}

/* Bits per activation element on the wire after layer l at width index b. */
static double wire_bits(const solver_instance *in, size_t b) {
  return in->cost_model == SOLVER_COST_PAPER ? (double)in->bits[b] : in->activation_bits;
}

static double route(const solver_instance *in, size_t i, size_t j, double bits) {
  if (i == j) return 0.0;
  const double bw = in->bandwidth[i * in->n_servers + j];
  if (!(bw > 0)) return INFINITY;
  return bits / bw + in->latency[i * in->n_servers + j];
}

double solver_pass_transfer(const solver_instance *in, size_t l, size_t i, size_t j, size_t b,
                            int64_t k) {
  return route(in, i, j, (double)k * (double)in->batch * in->layers[l].act_elems * wire_bits(in, b));
}

double solver_pass_input(const solver_instance *in, size_t j, int64_t k) {
  if (in->origin < 0) return 0.0;
  return route(in, (size_t)in->origin, j, (double)k * (double)in->batch * TOKEN_ID_BITS);
}

double solver_pass_output(const solver_instance *in, size_t i, size_t b, int64_t k) {
  if (in->origin < 0) return 0.0;
  const size_t last = in->n_layers - 1;
  return route(in, i, (size_t)in->origin,
               (double)k * (double)in->batch * in->layers[last].act_elems * wire_bits(in, b));
}

double solver_cost_compute(const solver_instance *in, size_t l, size_t i, size_t b) {
  double t = (double)in->tokens * solver_pass_compute(in, l, i, b, 1);
  if (in->prompt > 0) t += solver_pass_compute(in, l, i, b, in->prompt);
  return t;
}

double solver_cost_transfer(const solver_instance *in, size_t l, size_t i, size_t j, size_t b) {
  double t = (double)in->tokens * solver_pass_transfer(in, l, i, j, b, 1);
  if (in->prompt > 0) t += solver_pass_transfer(in, l, i, j, b, in->prompt);
  return t;
}

double solver_cost_input(const solver_instance *in, size_t j) {
  double t = (double)in->tokens * solver_pass_input(in, j, 1);
  if (in->prompt > 0) t += solver_pass_input(in, j, in->prompt);
  return t;
}

double solver_cost_output(const solver_instance *in, size_t i, size_t b) {
  double t = (double)in->tokens * solver_pass_output(in, i, b, 1);
  if (in->prompt > 0) t += solver_pass_output(in, i, b, in->prompt);
  return t;
}

int64_t solver_instance_kv_requests(const solver_instance *in) {
  if (in->kv_requests >= 0) return in->kv_requests;
  return in->cost_model == SOLVER_COST_PAPER ? 0 : 1;
}

double solver_cost_storage(const solver_instance *in, size_t l, size_t b) {
  const sim_layer *ly = &in->layers[l];
  double bytes = (double)ly->params * (double)in->bits[b] / 8.0;
  if (in->cost_model == SOLVER_COST_CALIBRATED)
    bytes = (double)ly->params * solver_format_bits(in->format, (double)in->bits[b], (double)in->precision) / 8.0;
  /* One request's term is the product as it always was (so k = 1 changes
   * no bit); more requests multiply it. */
  const int64_t kv = solver_instance_kv_requests(in);
  if (kv > 0)
    bytes += (double)kv *
             ((double)in->batch * ly->kv_elems * (double)(in->prompt + in->tokens) * in->kv_bits / 8.0);
  return bytes;
}

double solver_storage_least(const solver_instance *in) {
  /* Each layer at its cheapest allowed width. Under per-layer accuracy this
   * is exact; under a budget it is a lower bound, so "does not fit" stays
   * true. */
  double need = 0.0;
  for (size_t l = 0; l < in->n_layers; l++) {
    double least = INFINITY;
    for (size_t b = 0; b < in->n_bits; b++)
      if (solver_instance_allowed(in, l, b)) least = fmin(least, solver_cost_storage(in, l, b));
    need += least;
  }
  return need;
}

int solver_one_server_fits(const solver_instance *in) {
  const double need = solver_storage_least(in);
  for (size_t i = 0; i < in->n_servers; i++)
    if (!in->servers[i].is_cloud && in->servers[i].storage >= need) return 1;
  return 0;
}

solver_placement *solver_placement_alloc(size_t n_layers) {
  solver_placement *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->n_layers = n_layers;
  p->server = calloc(n_layers ? n_layers : 1, sizeof *p->server);
  p->bits = calloc(n_layers ? n_layers : 1, sizeof *p->bits);
  if (p->server == NULL || p->bits == NULL) {
    solver_placement_free(p);
    return NULL;
  }
  return p;
}

void solver_placement_free(solver_placement *p) {
  if (p == NULL) return;
  free(p->server);
  free(p->bits);
  free(p);
}

void solver_placement_copy(solver_placement *dst, const solver_placement *src) {
  memcpy(dst->server, src->server, src->n_layers * sizeof *dst->server);
  memcpy(dst->bits, src->bits, src->n_layers * sizeof *dst->bits);
}

double solver_objective(const solver_instance *in, const solver_placement *p, double *compute,
                        double *comm) {
  double cp = 0, cm = 0;
  const size_t L = in->n_layers;
  for (size_t l = 0; l < L; l++) {
    const size_t i = (size_t)p->server[l], b = (size_t)p->bits[l];
    cp += solver_cost_compute(in, l, i, b);
    if (l + 1 < L && p->server[l + 1] != p->server[l])
      cm += solver_cost_transfer(in, l, i, (size_t)p->server[l + 1], b);
  }
  if (in->origin >= 0 && L > 0) {
    cm += solver_cost_input(in, (size_t)p->server[0]);
    cm += solver_cost_output(in, (size_t)p->server[L - 1], (size_t)p->bits[L - 1]);
  }
  if (compute) *compute = cp;
  if (comm) *comm = cm;
  return cp + cm;
}

double solver_quant_ratio(const solver_instance *in, const solver_placement *p) {
  double num = 0, den = 0;
  for (size_t l = 0; l < in->n_layers; l++) {
    num += (double)in->layers[l].params * (double)in->bits[p->bits[l]];
    den += (double)in->layers[l].params * (double)in->precision;
  }
  return den > 0 ? 100.0 * num / den : 0.0;
}

/* ---- batch steps (iteration-level batching in the DES) ---------------------- */

void solver_step_add(solver_step *s, const solver_instance *in, int64_t k) {
  const double beta = (double)in->batch;
  const double ctx = k > 1 ? (double)k / 2.0 : (double)in->context;
  s->tokens += (double)k * beta;
  s->kv_tokens += beta * ctx;
  if (k > s->max_k) s->max_k = k;
}

double solver_step_compute(const solver_instance *in, size_t l, size_t i, size_t b,
                           const solver_step *s) {
  const sim_layer *ly = &in->layers[l];
  const sim_server *sv = &in->servers[i];
  const double bits = (double)in->bits[b];
  if (in->cost_model == SOLVER_COST_PAPER)
    return (double)s->max_k * ly->flops / sv->ccs * bits / (double)in->precision;
  /* The weights stream from memory once per step whatever the batch; each
   * sequence reads its own KV cache. The calibrated model's layer time
   * takes the batch's totals as one member of `tokens` tokens whose KV
   * context is kv_tokens, so its overhead is paid once per step. */
  if (in->cost_model == SOLVER_COST_CALIBRATED)
    return solver_calibrated_layer_time(ly, sv, solver_format_bits(in->format, bits, (double)in->precision),
                                        s->tokens, 1.0, s->kv_tokens, in->kv_bits);
  const double t_flops = s->tokens * ly->flops / sv->ccs;
  const double bytes = (double)ly->params * bits / 8.0 + ly->kv_elems * s->kv_tokens * in->kv_bits / 8.0;
  const double t_mem = bytes / sv->mem_bandwidth;
  return t_flops > t_mem ? t_flops : t_mem;
}

double solver_step_transfer(const solver_instance *in, size_t l, size_t i, size_t j, size_t b,
                            const solver_step *s) {
  return route(in, i, j, s->tokens * in->layers[l].act_elems * wire_bits(in, b));
}

double solver_step_input(const solver_instance *in, size_t j, const solver_step *s) {
  if (in->origin < 0) return 0.0;
  return route(in, (size_t)in->origin, j, s->tokens * TOKEN_ID_BITS);
}

double solver_step_output(const solver_instance *in, size_t i, size_t b, const solver_step *s) {
  if (in->origin < 0) return 0.0;
  return route(in, i, (size_t)in->origin,
               s->tokens * in->layers[in->n_layers - 1].act_elems * wire_bits(in, b));
}

double solver_weight_bytes(const solver_instance *in, size_t l, size_t b) {
  const double bits = (double)in->bits[b];
  const double bpw = in->cost_model == SOLVER_COST_CALIBRATED
                         ? solver_format_bits(in->format, bits, (double)in->precision) : bits;
  return (double)in->layers[l].params * bpw / 8.0;
}

double solver_kv_bytes(const solver_instance *in, size_t l) {
  return (double)in->batch * in->layers[l].kv_elems * (double)(in->prompt + in->tokens) *
         in->kv_bits / 8.0;
}

double solver_bottleneck(const solver_instance *in, const solver_placement *p, int *server) {
  const size_t L = in->n_layers, M = in->n_servers;
  double worst = 0;
  int arg = L > 0 ? p->server[0] : -1;
  /* One walk over the layers per server keeps this free of allocation;
   * O(L·M) is small next to anything that calls it. */
  for (size_t i = 0; i < M; i++) {
    double w = 0;
    int used = 0;
    if (in->origin == (long)i && L > 0) w += solver_pass_input(in, (size_t)p->server[0], 1);
    for (size_t l = 0; l < L; l++) {
      if ((size_t)p->server[l] != i) continue;
      used = 1;
      const size_t b = (size_t)p->bits[l];
      w += solver_pass_compute(in, l, i, b, 1);
      if (l + 1 < L && (size_t)p->server[l + 1] != i)
        w += solver_pass_transfer(in, l, i, (size_t)p->server[l + 1], b, 1);
      if (l + 1 == L) w += solver_pass_output(in, i, b, 1);
    }
    if ((used || in->origin == (long)i) && !(w <= worst)) {
      worst = w;
      arg = (int)i;
    }
  }
  if (server) *server = arg;
  return worst;
}
