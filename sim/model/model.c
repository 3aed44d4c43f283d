/* model.c: per-layer profiles of decoder-only transformers from their
 * hyperparameters.
 *
 * The profile is always built at `linear` granularity first (one entry per
 * weight matrix, with norms, biases, attention and elementwise work folded
 * into the matrix that owns them); `block` granularity sums those entries by
 * group (embedding, each decoder block, head). Both granularities therefore
 * agree on totals by construction. The FLOP conventions are documented in
 * docs/models.md. */
#include "sim/model/model.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

/* FLOPs per element of the elementwise operations we count. */
#define FLOP_LAYERNORM 5.0 /* mean, variance, normalize, scale, shift */
#define FLOP_RMSNORM 4.0   /* square-sum, rsqrt, normalize, scale */
#define FLOP_SOFTMAX 5.0   /* scale, max-subtract, exp, sum, divide */
#define FLOP_ROPE 3.0      /* a 2x2 rotation per pair: 6 FLOPs per 2 elements */
#define FLOP_RELU 1.0
#define FLOP_SILU_GATE 5.0 /* negate, exp, add, divide, gate multiply */

static const sim_arch builtin_archs[] = {
  /* name         family            hidden  ffn    blocks heads kv  vocab   pos   proj tied pre */
  {"opt-125m",   SIM_FAMILY_OPT,   768,   3072,  12, 12, 12, 50272,  2050, 0,   1, 1},
  {"opt-350m",   SIM_FAMILY_OPT,   1024,  4096,  24, 16, 16, 50272,  2050, 512, 1, 0},
  {"opt-1.3b",   SIM_FAMILY_OPT,   2048,  8192,  24, 32, 32, 50272,  2050, 0,   1, 1},
  {"opt-6.7b",   SIM_FAMILY_OPT,   4096,  16384, 32, 32, 32, 50272,  2050, 0,   1, 1},
  {"llama-2-7b", SIM_FAMILY_LLAMA, 4096,  11008, 32, 32, 32, 32000,  0,    0,   0, 1},
  {"llama-3-8b", SIM_FAMILY_LLAMA, 4096,  14336, 32, 32, 8,  128256, 0,    0,   0, 1},
};
#define N_BUILTIN (sizeof builtin_archs / sizeof builtin_archs[0])

const sim_arch *sim_arch_find(const char *name) {
  if (name == NULL) return NULL;
  for (size_t i = 0; i < N_BUILTIN; i++)
    if (strcmp(builtin_archs[i].name, name) == 0) return &builtin_archs[i];
  return NULL;
}

const sim_arch *sim_arch_builtin(size_t i) {
  return i < N_BUILTIN ? &builtin_archs[i] : NULL;
}

const char *sim_granularity_name(sim_granularity g) {
  return g == SIM_GRAN_LINEAR ? "linear" : "block";
}

int sim_granularity_parse(const char *s) {
  if (s == NULL) return -1;
  if (strcmp(s, "block") == 0) return SIM_GRAN_BLOCK;
  if (strcmp(s, "linear") == 0) return SIM_GRAN_LINEAR;
  return -1;
}

const char *sim_family_name(sim_family f) {
  return f == SIM_FAMILY_LLAMA ? "llama" : "opt";
}

int sim_family_parse(const char *s) {
  if (s == NULL) return -1;
  if (strcmp(s, "opt") == 0) return SIM_FAMILY_OPT;
  if (strcmp(s, "llama") == 0) return SIM_FAMILY_LLAMA;
  return -1;
}

/* Upper bounds that keep every count well inside int64 and double precision:
 * a 1e6-wide, 1e4-block model has ~1e16 parameters, far beyond any LLM. */
#define ARCH_MAX_WIDTH 1000000
#define ARCH_MAX_BLOCKS 10000
#define ARCH_MAX_VOCAB 10000000

int sim_arch_validate(const sim_arch *a, sim_error *err) {
  int rc = SIM_OK;
  struct { const char *key; int64_t v; int64_t lo, hi; } f[] = {
    {"hidden", a->hidden, 1, ARCH_MAX_WIDTH},
    {"ffn", a->ffn, 1, ARCH_MAX_WIDTH},
    {"blocks", a->blocks, 1, ARCH_MAX_BLOCKS},
    {"heads", a->heads, 1, ARCH_MAX_WIDTH},
    {"kv_heads", a->kv_heads, 1, ARCH_MAX_WIDTH},
    {"vocab", a->vocab, 1, ARCH_MAX_VOCAB},
    {"positions", a->positions, 0, ARCH_MAX_VOCAB},
    {"embed_proj", a->embed_proj, 0, ARCH_MAX_WIDTH},
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    if (f[i].v < f[i].lo || f[i].v > f[i].hi)
      rc = sim_error_set(err, SIM_EINPUT,
                         "architecture '%s': %s = %lld is out of range; allowed [%lld, %lld]",
                         a->name, f[i].key, (long long)f[i].v, (long long)f[i].lo,
                         (long long)f[i].hi);
  }
  if (rc != SIM_OK) return rc;
  if (a->hidden % a->heads != 0)
    rc = sim_error_set(err, SIM_EINPUT,
                       "architecture '%s': heads = %lld must divide hidden = %lld", a->name,
                       (long long)a->heads, (long long)a->hidden);
  if (a->heads % a->kv_heads != 0)
    rc = sim_error_set(err, SIM_EINPUT,
                       "architecture '%s': kv_heads = %lld must divide heads = %lld", a->name,
                       (long long)a->kv_heads, (long long)a->heads);
  if (a->family == SIM_FAMILY_OPT && a->positions < 1)
    rc = sim_error_set(err, SIM_EINPUT,
                       "architecture '%s': an opt-family model needs positions >= 1", a->name);
  return rc;
}

/* A growing list of linear-granularity layers, each tagged with its group
 * (0 = embedding, 1..blocks = decoder blocks, blocks+1 = head). */
typedef struct {
  sim_layer *v;
  int64_t *group;
  size_t n, cap;
  int oom;
} layer_list;

static sim_layer *list_push(layer_list *l, int64_t group, const char *name) {
  if (l->oom) return NULL;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    sim_layer *v = realloc(l->v, cap * sizeof *v);
    if (v == NULL) { l->oom = 1; return NULL; }
    l->v = v;
    int64_t *g = realloc(l->group, cap * sizeof *g);
    if (g == NULL) { l->oom = 1; return NULL; }
    l->group = g;
    l->cap = cap;
  }
  sim_layer *x = &l->v[l->n];
  memset(x, 0, sizeof *x);
  snprintf(x->name, sizeof x->name, "%s", name);
  l->group[l->n] = group;
  l->n++;
  return x;
}

/* Sets a matrix layer in -> out with an optional bias. */
static void set_linear(sim_layer *x, int64_t in, int64_t out, int bias, double act) {
  if (x == NULL) return;
  x->params = in * out + (bias ? out : 0);
  x->flops = 2.0 * (double)in * (double)out + (bias ? (double)out : 0.0);
  x->act_elems = act;
}

static void build_linear(const sim_arch *a, int64_t ctx, layer_list *l) {
  const int opt = a->family == SIM_FAMILY_OPT;
  const int64_t e = a->hidden, f = a->ffn, V = a->vocab;
  const int64_t head_dim = e / a->heads;
  const int64_t q_dim = a->heads * head_dim;
  const int64_t kv_dim = a->kv_heads * head_dim;
  const int64_t w = a->embed_proj > 0 ? a->embed_proj : e; /* word-embedding width */
  const double norm_flops = opt ? FLOP_LAYERNORM : FLOP_RMSNORM;
  const int64_t norm_params = opt ? 2 * e : e; /* LayerNorm has weight and bias */
  const int bias = opt;
  char name[48];
  sim_layer *x;

  /* Embedding (group 0). */
  x = list_push(l, 0, "embed_tokens");
  if (x) { x->params = V * w; x->act_elems = (double)w; }
  if (a->embed_proj > 0) set_linear(list_push(l, 0, "project_in"), w, e, 0, (double)e);
  if (opt) {
    x = list_push(l, 0, "embed_positions");
    if (x) { x->params = a->positions * e; x->flops = (double)e; x->act_elems = (double)e; }
  }

  for (int64_t b = 0; b < a->blocks; b++) {
    const int64_t g = b + 1;
#define NAME(s) (snprintf(name, sizeof name, "block.%lld.%s", (long long)b, (s)), name)
    /* Attention: the block input x (e elements) travels with q, k, v until
     * the attention core, which lives in the output projection with the
     * KV cache it reads. */
    x = list_push(l, g, NAME("q_proj"));
    set_linear(x, e, q_dim, bias, (double)(e + q_dim));
    if (x && a->pre_norm) { x->params += norm_params; x->flops += norm_flops * (double)e; }
    if (x && !opt) x->flops += FLOP_ROPE * (double)q_dim;
    x = list_push(l, g, NAME("k_proj"));
    set_linear(x, e, kv_dim, bias, (double)(e + q_dim + kv_dim));
    if (x && !opt) x->flops += FLOP_ROPE * (double)kv_dim;
    set_linear(list_push(l, g, NAME("v_proj")), e, kv_dim, bias, (double)(e + q_dim + 2 * kv_dim));
    x = list_push(l, g, NAME(opt ? "out_proj" : "o_proj"));
    set_linear(x, q_dim, e, bias, (double)e);
    if (x) {
      x->flops += 4.0 * (double)ctx * (double)q_dim            /* scores and weighted sum */
                  + FLOP_SOFTMAX * (double)ctx * (double)a->heads /* softmax over the context */
                  + (double)e;                                    /* residual add */
      x->kv_elems = 2.0 * (double)kv_dim;
      if (!a->pre_norm) { x->params += norm_params; x->flops += norm_flops * (double)e; }
    }
    /* MLP. */
    if (opt) {
      x = list_push(l, g, NAME("fc1"));
      set_linear(x, e, f, 1, (double)(e + f));
      if (x) {
        x->flops += FLOP_RELU * (double)f;
        if (a->pre_norm) { x->params += norm_params; x->flops += norm_flops * (double)e; }
      }
      x = list_push(l, g, NAME("fc2"));
      set_linear(x, f, e, 1, (double)e);
      if (x) {
        x->flops += (double)e; /* residual add */
        if (!a->pre_norm) { x->params += norm_params; x->flops += norm_flops * (double)e; }
      }
    } else {
      x = list_push(l, g, NAME("gate_proj"));
      set_linear(x, e, f, 0, (double)(e + f));
      if (x) { x->params += norm_params; x->flops += norm_flops * (double)e; }
      x = list_push(l, g, NAME("up_proj"));
      set_linear(x, e, f, 0, (double)(e + f)); /* SiLU(gate) * up is formed here */
      if (x) x->flops += FLOP_SILU_GATE * (double)f;
      x = list_push(l, g, NAME("down_proj"));
      set_linear(x, f, e, 0, (double)e);
      if (x) x->flops += (double)e; /* residual add */
    }
#undef NAME
  }

  /* Head (group blocks + 1): the final norm folds into the first matrix. */
  const int64_t gh = a->blocks + 1;
  const int final_norm = a->pre_norm;
  int norm_pending = final_norm;
  if (a->embed_proj > 0) {
    x = list_push(l, gh, "project_out");
    set_linear(x, e, w, 0, (double)w);
    if (x && norm_pending) { x->params += norm_params; x->flops += norm_flops * (double)e; }
    norm_pending = 0;
  }
  x = list_push(l, gh, "lm_head");
  /* The next layer receives one sampled token id. A tied head stores no
   * parameters of its own: the checkpoint keeps the matrix once, with the
   * embedding, and the totals follow the published counts. */
  set_linear(x, w, V, 0, 1.0);
  if (x) {
    if (a->tied) x->params = 0;
    if (norm_pending) { x->params += norm_params; x->flops += norm_flops * (double)e; }
  }
}

static sim_model *model_new(const char *name, size_t n, sim_error *err) {
  sim_model *m = calloc(1, sizeof *m);
  if (m == NULL) { sim_error_set(err, SIM_ENOMEM, "out of memory allocating a model"); return NULL; }
  m->layers = calloc(n ? n : 1, sizeof *m->layers);
  if (m->layers == NULL) {
    free(m);
    sim_error_set(err, SIM_ENOMEM, "out of memory allocating %zu layers", n);
    return NULL;
  }
  snprintf(m->name, sizeof m->name, "%s", name);
  m->n_layers = n;
  return m;
}

/* Sets m->total_params, checking the sum against SIM_MODEL_MAX_PARAMS
 * before each addition: the sum, and sizes in bits derived from it (at most
 * 64 bits per weight), must fit a 64-bit integer. */
static int sum_params(sim_model *m, sim_error *err) {
  int64_t total = 0;
  for (size_t k = 0; k < m->n_layers; k++) {
    const int64_t p = m->layers[k].params;
    if (p < 0 || p > SIM_MODEL_MAX_PARAMS - total)
      return sim_error_set(err, SIM_EINPUT,
                           "model '%s': the parameter count overflows: layers 0..%zu hold more "
                           "than %.0e parameters (the largest total the sizes in bits can hold)",
                           m->name, k, (double)SIM_MODEL_MAX_PARAMS);
    total += p;
  }
  m->total_params = total;
  return SIM_OK;
}

sim_model *sim_model_alloc(const sim_arch *arch, sim_granularity gran, int64_t context,
                           sim_error *err) {
  if (sim_arch_validate(arch, err) != SIM_OK) return NULL;
  if (context < 0) {
    sim_error_set(err, SIM_EINPUT, "context = %lld must be >= 0", (long long)context);
    return NULL;
  }
  layer_list l = {0};
  build_linear(arch, context, &l);
  if (l.oom) {
    free(l.v); free(l.group);
    sim_error_set(err, SIM_ENOMEM, "out of memory building the profile of '%s'", arch->name);
    return NULL;
  }
  size_t n = gran == SIM_GRAN_LINEAR ? l.n : (size_t)arch->blocks + 2;
  sim_model *m = model_new(arch->name, n, err);
  if (m == NULL) { free(l.v); free(l.group); return NULL; }
  m->granularity = gran;
  m->context = context;
  if (gran == SIM_GRAN_LINEAR) {
    memcpy(m->layers, l.v, l.n * sizeof *l.v);
  } else {
    for (size_t g = 0; g < n; g++) {
      sim_layer *y = &m->layers[g];
      if (g == 0) snprintf(y->name, sizeof y->name, "embed");
      else if (g == n - 1) snprintf(y->name, sizeof y->name, "head");
      else snprintf(y->name, sizeof y->name, "block.%zu", g - 1);
    }
    /* Sum each group; the group's activation is that of its last matrix. */
    for (size_t k = 0; k < l.n; k++) {
      sim_layer *y = &m->layers[l.group[k]];
      y->params += l.v[k].params;
      y->flops += l.v[k].flops;
      y->kv_elems += l.v[k].kv_elems;
      y->act_elems = l.v[k].act_elems;
    }
  }
  free(l.v);
  free(l.group);
  if (sum_params(m, err) != SIM_OK) {
    sim_model_free(m);
    return NULL;
  }
  return m;
}

sim_model *sim_model_alloc_layers(const char *name, const sim_layer *layers, size_t n,
                                  sim_error *err) {
  if (n == 0) {
    sim_error_set(err, SIM_EINPUT, "model '%s' has no layers", name);
    return NULL;
  }
  sim_model *m = model_new(name, n, err);
  if (m == NULL) return NULL;
  memcpy(m->layers, layers, n * sizeof *layers);
  if (sum_params(m, err) != SIM_OK) {
    sim_model_free(m);
    return NULL;
  }
  return m;
}

void sim_model_free(sim_model *model) {
  if (model == NULL) return;
  free(model->layers);
  free(model);
}
