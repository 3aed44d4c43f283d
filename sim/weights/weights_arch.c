/* weights_arch.c: the architecture of an OPT or Llama checkpoint from its
 * tensor shapes, so a checkpoint can be profiled without naming its model
 * and its layers still match sim_model_alloc's exactly. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "sim/weights/internal.h"

/* The tensor called name, also tried without OPT's optional "model.". */
static const sim_st_tensor *get(const sim_safetensors *st, const char *name, int opt) {
  const sim_st_tensor *t = sim_safetensors_find(st, name);
  if (t == NULL && opt) t = sim_safetensors_find(st, name + strlen("model."));
  return t;
}

static int need(const sim_safetensors *st, const char *name, int opt, const sim_st_tensor **out,
                sim_error *err) {
  *out = get(st, name, opt);
  if (*out == NULL || (*out)->ndim != 2)
    return sim_error_set(err, SIM_EINPUT, "cannot derive the architecture: %s '%s'; name the "
                         "model with --model", *out ? "expected a matrix for" : "no tensor",
                         name);
  return SIM_OK;
}

static int same_shape(const sim_arch *a, const sim_arch *b) {
  return a->family == b->family && a->hidden == b->hidden && a->ffn == b->ffn &&
         a->blocks == b->blocks && a->vocab == b->vocab && a->positions == b->positions &&
         a->embed_proj == b->embed_proj && a->tied == b->tied && a->pre_norm == b->pre_norm &&
         a->heads / a->kv_heads == b->heads / b->kv_heads;
}

int sim__arch_derive(const sim_safetensors *st, sim_naming naming, sim_arch *out, sim_error *err) {
  const size_t nt = sim_safetensors_n_tensors(st);
  int opt = naming == SIM_NAMING_OPT ? 1 : naming == SIM_NAMING_LLAMA ? 0 : -1;
  long blocks = 0;
  for (size_t i = 0; i < nt; i++) {
    const char *s = sim_safetensors_tensor(st, i)->name;
    long b;
    const char *o = sim__prefix_skip(s, "model.");
    int is_opt = sim__block_parse(o ? o : s, "decoder.layers.", ".", &b) != NULL;
    int is_llama = !is_opt && sim__block_parse(s, "model.layers.", ".", &b) != NULL;
    if (opt < 0 && (is_opt || is_llama)) opt = is_opt;
    if ((opt == 1 && is_opt) || (opt == 0 && is_llama))
      if (b + 1 > blocks) blocks = b + 1;
  }
  if (opt < 0 || blocks == 0)
    return sim_error_set(err, SIM_EINPUT, "no tensor is named like an OPT block "
                         "(model.decoder.layers.N.) or a Llama block (model.layers.N.); give "
                         "--pattern for other names");
  sim_arch a;
  memset(&a, 0, sizeof a);
  snprintf(a.name, sizeof a.name, "checkpoint");
  a.family = opt ? SIM_FAMILY_OPT : SIM_FAMILY_LLAMA;
  a.blocks = blocks;
  const sim_st_tensor *emb, *q, *k, *f;
  const char *pre = opt ? "model.decoder." : "model.";
  char name[128];
  int rc;
  snprintf(name, sizeof name, "%sembed_tokens.weight", pre);
  if ((rc = need(st, name, opt, &emb, err)) != SIM_OK) return rc;
  snprintf(name, sizeof name, "%slayers.0.self_attn.q_proj.weight", pre);
  if ((rc = need(st, name, opt, &q, err)) != SIM_OK) return rc;
  snprintf(name, sizeof name, "%slayers.0.self_attn.k_proj.weight", pre);
  if ((rc = need(st, name, opt, &k, err)) != SIM_OK) return rc;
  snprintf(name, sizeof name, "%slayers.0.%s.weight", pre, opt ? "fc1" : "mlp.gate_proj");
  if ((rc = need(st, name, opt, &f, err)) != SIM_OK) return rc;
  a.vocab = (int64_t)emb->shape[0];
  a.hidden = (int64_t)q->shape[1];
  a.ffn = (int64_t)f->shape[0];
  a.tied = get(st, "lm_head.weight", 0) == NULL;
  if (opt) {
    const sim_st_tensor *pos, *proj;
    if ((rc = need(st, "model.decoder.embed_positions.weight", 1, &pos, err)) != SIM_OK) return rc;
    a.positions = (int64_t)pos->shape[0];
    proj = get(st, "model.decoder.project_in.weight", 1);
    a.embed_proj = proj != NULL && proj->ndim == 2 ? (int64_t)proj->shape[1] : 0;
    /* Post-norm OPT (350m) has no final norm; pre-norm OPT has one. */
    a.pre_norm = get(st, "model.decoder.final_layer_norm.weight", 1) != NULL;
  } else {
    a.pre_norm = 1;
  }
  /* Shapes do not show the head count; the ratio of query to key/value
   * width (grouped-query attention) is all the parameter counts need. */
  const int64_t q_dim = (int64_t)q->shape[0], kv_dim = (int64_t)k->shape[0];
  if (q_dim != a.hidden || kv_dim == 0 || q_dim % kv_dim != 0)
    return sim_error_set(err, SIM_EINPUT, "cannot derive the architecture: q_proj is %lld wide "
                         "and k_proj %lld for hidden size %lld; name the model with --model",
                         (long long)q_dim, (long long)kv_dim, (long long)a.hidden);
  a.heads = q_dim / kv_dim;
  a.kv_heads = 1;
  const sim_arch *b;
  for (size_t i = 0; (b = sim_arch_builtin(i)) != NULL; i++)
    if (same_shape(&a, b)) {
      *out = *b;
      return SIM_OK;
    }
  *out = a;
  return SIM_OK;
}
