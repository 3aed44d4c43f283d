/* export.c: an instance as JSON, with every parameter the costs come from,
 * so the model can be rebuilt in another solver (docs/solver.md, schema). */
#include <math.h>

#include "sim/core/core.h"
#include "solver/solver.h"

/* The instance as one JSON object on an open writer. */
static void instance_object(sim_json *j, const solver_instance *in) {
  const size_t L = in->n_layers, M = in->n_servers, B = in->n_bits;
  sim_json_object_begin(j, 0);
  sim_json_key(j, "cost_model"); sim_json_string(j, solver_cost_model_name(in->cost_model));
  sim_json_key(j, "tokens"); sim_json_int(j, in->tokens);
  sim_json_key(j, "batch"); sim_json_int(j, in->batch);
  sim_json_key(j, "prompt"); sim_json_int(j, in->prompt);
  sim_json_key(j, "context"); sim_json_int(j, in->context);
  sim_json_key(j, "precision"); sim_json_int(j, in->precision);
  sim_json_key(j, "activation_bits"); sim_json_number(j, in->activation_bits);
  sim_json_key(j, "kv_bits"); sim_json_number(j, in->kv_bits);
  sim_json_key(j, "accuracy");
  sim_json_string(j, in->accuracy == SIM_ACC_BUDGET ? "budget" : "per_layer");
  sim_json_key(j, "delta"); sim_json_number(j, in->delta);
  sim_json_key(j, "budget"); sim_json_number(j, in->budget);
  sim_json_key(j, "bits");
  sim_json_array_begin(j, 1);
  for (size_t b = 0; b < B; b++) sim_json_int(j, in->bits[b]);
  sim_json_array_end(j);
  sim_json_key(j, "layers");
  sim_json_array_begin(j, 0);
  for (size_t l = 0; l < L; l++) {
    const sim_layer *ly = &in->layers[l];
    sim_json_object_begin(j, 1);
    sim_json_key(j, "name"); sim_json_string(j, ly->name);
    sim_json_key(j, "params"); sim_json_int(j, ly->params);
    sim_json_key(j, "flops"); sim_json_number(j, ly->flops);
    sim_json_key(j, "act_elems"); sim_json_number(j, ly->act_elems);
    sim_json_key(j, "kv_elems"); sim_json_number(j, ly->kv_elems);
    sim_json_key(j, "allowed_bits");
    sim_json_array_begin(j, 1);
    for (size_t b = 0; b < B; b++)
      if (solver_instance_allowed(in, l, b)) sim_json_int(j, in->bits[b]);
    sim_json_array_end(j);
    sim_json_key(j, "error");
    sim_json_array_begin(j, 1);
    for (size_t b = 0; b < B; b++) sim_json_number(j, in->error[l * B + b]);
    sim_json_array_end(j);
    sim_json_object_end(j);
  }
  sim_json_array_end(j);
  sim_json_key(j, "servers");
  sim_json_array_begin(j, 0);
  for (size_t i = 0; i < M; i++) {
    const sim_server *s = &in->servers[i];
    sim_json_object_begin(j, 1);
    sim_json_key(j, "name"); sim_json_string(j, s->name);
    sim_json_key(j, "ccs"); sim_json_number(j, s->ccs);
    sim_json_key(j, "storage"); sim_json_number(j, s->storage);
    sim_json_key(j, "mem_bandwidth"); sim_json_number(j, s->mem_bandwidth);
    sim_json_key(j, "cloud"); sim_json_bool(j, s->is_cloud);
    sim_json_object_end(j);
  }
  sim_json_array_end(j);
  const double *mats[2] = {in->bandwidth, in->latency};
  const char *names[2] = {"bandwidth", "latency"};
  for (int k = 0; k < 2; k++) {
    sim_json_key(j, names[k]);
    sim_json_array_begin(j, 0);
    for (size_t i = 0; i < M; i++) {
      sim_json_array_begin(j, 1);
      for (size_t c = 0; c < M; c++) sim_json_number(j, mats[k][i * M + c]);
      sim_json_array_end(j);
    }
    sim_json_array_end(j);
  }
  sim_json_key(j, "max_layers_per_server"); sim_json_int(j, in->max_layers);
  sim_json_key(j, "kv_requests"); sim_json_int(j, solver_instance_kv_requests(in));
  sim_json_key(j, "origin");
  if (in->origin >= 0) sim_json_int(j, in->origin);
  else sim_json_null(j);
  sim_json_object_end(j);
}

int solver_instance_write_json(const solver_instance *in, FILE *out, sim_error *err) {
  sim_json j;
  sim_json_init(&j, out, 1);
  instance_object(&j, in);
  if (sim_json_finish(&j) != 0) return sim_error_set(err, SIM_EIO, "cannot write the instance JSON");
  return SIM_OK;
}

int solver_multi_write_json(const solver_multi *mi, const char *const *names, FILE *out, sim_error *err) {
  sim_json j;
  sim_json_init(&j, out, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "objective"); sim_json_string(&j, solver_multi_objective_names[mi->objective]);
  sim_json_key(&j, "max_utilization"); sim_json_number(&j, mi->max_utilization);
  sim_json_key(&j, "models");
  sim_json_array_begin(&j, 0);
  for (size_t m = 0; m < mi->n_models; m++) {
    sim_json_object_begin(&j, 0);
    sim_json_key(&j, "name");
    if (names != NULL) sim_json_string(&j, names[m]);
    else sim_json_null(&j);
    sim_json_key(&j, "rate"); sim_json_number(&j, mi->rate[m]);
    sim_json_key(&j, "weight"); sim_json_number(&j, mi->weight[m]);
    sim_json_key(&j, "instance");
    instance_object(&j, mi->models[m]);
    sim_json_object_end(&j);
  }
  sim_json_array_end(&j);
  sim_json_object_end(&j);
  if (sim_json_finish(&j) != 0) return sim_error_set(err, SIM_EIO, "cannot write the instance JSON");
  return SIM_OK;
}
