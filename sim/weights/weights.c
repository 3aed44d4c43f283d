/* weights.c: grouping a checkpoint's tensors into the layers of a model
 * profile by their names (OPT and Llama naming; user patterns are in
 * weights_pattern.c). */
#define _POSIX_C_SOURCE 200809L
#include "sim/weights/weights.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sim/weights/internal.h"

/* Where a tensor goes: region, block and, at linear granularity, the
 * profile's matrix name within the region ("q_proj", "embed_tokens"). */
typedef struct {
  sim__wregion region;
  long block;
  char matrix[SIM_WEIGHTS_NAME_MAX];
} place;

const char *sim__prefix_skip(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

const char *sim__block_parse(const char *s, const char *prefix, const char *suffix, long *block) {
  const char *p = sim__prefix_skip(s, prefix);
  if (p == NULL || !isdigit((unsigned char)*p)) return NULL;
  long n = 0;
  while (isdigit((unsigned char)*p)) {
    if (n > 1000000) return NULL;
    n = n * 10 + (*p++ - '0');
  }
  if ((p = sim__prefix_skip(p, suffix)) == NULL) return NULL;
  *block = n;
  return p;
}

void sim__module_of(const char *rest, char *out, size_t len, int last_only) {
  /* "self_attn.q_proj.weight" -> "self_attn.q_proj" -> "q_proj". */
  const char *end = strrchr(rest, '.');
  size_t n = end ? (size_t)(end - rest) : strlen(rest);
  const char *start = rest;
  if (last_only)
    for (const char *q = rest; q < rest + n; q++)
      if (*q == '.') start = q + 1;
  n -= (size_t)(start - rest);
  if (n >= len) n = len - 1;
  memcpy(out, start, n);
  out[n] = '\0';
}

/* The matrix a block tensor belongs to in the profile (model.c folds norms
 * into the matrix they precede, or follow in a post-norm model). */
static void block_matrix(const sim_arch *a, const char *rest, char *out) {
  static const char *const opt_m[] = {"q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2", NULL};
  static const char *const llama_m[] = {"q_proj",    "k_proj",  "v_proj",    "o_proj",
                                        "gate_proj", "up_proj", "down_proj", NULL};
  char mod[SIM_WEIGHTS_NAME_MAX];
  sim__module_of(rest, mod, sizeof mod, 1);
  const char *const *known = a->family == SIM_FAMILY_OPT ? opt_m : llama_m;
  for (size_t i = 0; known[i]; i++)
    if (strcmp(mod, known[i]) == 0) {
      snprintf(out, SIM_WEIGHTS_NAME_MAX, "%s", mod);
      return;
    }
  /* Other vectors of a block (the input norm, rotary buffers) go with
   * q_proj, the block's first matrix, where model.c counts them. Matrices
   * never get here: place_named keeps their own name, so an unknown one
   * matches no layer and is reported. */
  const char *to = "q_proj";
  if (a->family == SIM_FAMILY_OPT) {
    if (strcmp(mod, "self_attn_layer_norm") == 0) to = a->pre_norm ? "q_proj" : "out_proj";
    else if (strcmp(mod, "final_layer_norm") == 0) to = a->pre_norm ? "fc1" : "fc2";
  } else if (strcmp(mod, "post_attention_layernorm") == 0) {
    to = "gate_proj";
  }
  snprintf(out, SIM_WEIGHTS_NAME_MAX, "%s", to);
}

/* Places one tensor under OPT or Llama naming; -1 if the name fits neither. */
static int place_named(const sim_arch *a, const sim_st_tensor *t, place *pl) {
  const char *s = t->name, *rest;
  const int opt = a->family == SIM_FAMILY_OPT;
  memset(pl, 0, sizeof *pl);
  if (opt) {
    const char *m = sim__prefix_skip(s, "model.");
    if (m != NULL) s = m;
  }
  if ((rest = sim__block_parse(s, opt ? "decoder.layers." : "model.layers.", ".", &pl->block))) {
    pl->region = SIM__W_BLOCK;
    /* A matrix keeps its own name so that an unexpected one is caught; a
     * vector joins the matrix block_matrix picks. */
    if (t->ndim >= 2) sim__module_of(rest, pl->matrix, sizeof pl->matrix, 1);
    else block_matrix(a, rest, pl->matrix);
    return 0;
  }
  const char *mod = opt ? sim__prefix_skip(s, "decoder.") : sim__prefix_skip(s, "model.");
  const char *head_first = a->embed_proj > 0 ? "project_out" : "lm_head";
  if (sim__prefix_skip(t->name, "lm_head.")) {
    pl->region = SIM__W_HEAD;
    snprintf(pl->matrix, sizeof pl->matrix, "lm_head");
    return 0;
  }
  if (mod == NULL) return -1;
  static const char *const embeds[] = {"embed_tokens.", "embed_positions.", "project_in.", NULL};
  for (size_t i = 0; embeds[i]; i++)
    if (sim__prefix_skip(mod, embeds[i])) {
      pl->region = SIM__W_EMBED;
      sim__module_of(mod, pl->matrix, sizeof pl->matrix, 0);
      return 0;
    }
  if (sim__prefix_skip(mod, "project_out.")) {
    pl->region = SIM__W_HEAD;
    snprintf(pl->matrix, sizeof pl->matrix, "project_out");
    return 0;
  }
  if (sim__prefix_skip(mod, opt ? "final_layer_norm." : "norm.")) {
    pl->region = SIM__W_HEAD;
    snprintf(pl->matrix, sizeof pl->matrix, "%s", head_first);
    return 0;
  }
  return -1;
}

/* The profile's name for a placed tensor's layer; out holds 128 bytes, so
 * an overlong name stays whole and then matches no layer. */
static void layer_name(const place *pl, sim_granularity g, char *out) {
  if (pl->region == SIM__W_EMBED)
    snprintf(out, 128, "%s", g == SIM_GRAN_BLOCK ? "embed" : pl->matrix);
  else if (pl->region == SIM__W_HEAD)
    snprintf(out, 128, "%s", g == SIM_GRAN_BLOCK ? "head" : pl->matrix);
  else if (g == SIM_GRAN_BLOCK)
    snprintf(out, 128, "block.%ld", pl->block);
  else
    snprintf(out, 128, "block.%ld.%s", pl->block, pl->matrix);
}

sim_weights_map *sim__wmap_new(size_t n_tensors, size_t n_layers) {
  sim_weights_map *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->n_tensors = n_tensors;
  m->n_layers = n_layers;
  m->tied_layer = -1;
  m->names = calloc(n_layers ? n_layers : 1, sizeof *m->names);
  m->params = calloc(n_layers ? n_layers : 1, sizeof *m->params);
  m->profile_params = calloc(n_layers ? n_layers : 1, sizeof *m->profile_params);
  m->layer = calloc(n_tensors ? n_tensors : 1, sizeof *m->layer);
  m->quantized = calloc(n_tensors ? n_tensors : 1, 1);
  if (!m->names || !m->params || !m->profile_params || !m->layer || !m->quantized) {
    sim_weights_map_free(m);
    return NULL;
  }
  return m;
}

void sim_weights_map_free(sim_weights_map *m) {
  if (m == NULL) return;
  free(m->names);
  free(m->params);
  free(m->profile_params);
  free(m->layer);
  free(m->quantized);
  free(m);
}

int sim__wmap_quantizable(const sim_st_tensor *t, int vectors, sim_error *err, int *out) {
  *out = 0;
  if (t->n_elems == 0 || (t->ndim < 2 && !vectors)) return SIM_OK;
  if (!sim_dtype_readable(t->dtype)) {
    /* Integer buffers (position ids and the like) are not weights; a matrix
     * in a type we cannot read would silently drop out of the error. */
    if (t->ndim < 2) return SIM_OK;
    return sim_error_set(err, SIM_EINPUT, "tensor '%s' is a matrix of dtype %s, which the "
                         "quantizers cannot read (F64, F32, F16, BF16, I8)", t->name,
                         sim_dtype_name(t->dtype));
  }
  *out = 1;
  return SIM_OK;
}

/* Groups tensors into the layers of arch's profile at the granularity asked. */
static sim_weights_map *map_by_arch(const sim_safetensors *st, const sim_weights_options *opt,
                                    const sim_arch *a, sim_error *err) {
  sim_model *model = sim_model_alloc(a, opt->granularity, 0, err);
  if (model == NULL) return NULL;
  const size_t nt = sim_safetensors_n_tensors(st);
  sim_weights_map *m = sim__wmap_new(nt, model->n_layers);
  if (m == NULL) {
    sim_model_free(model);
    sim_error_set(err, SIM_ENOMEM, "out of memory grouping tensors");
    return NULL;
  }
  m->naming = a->family == SIM_FAMILY_OPT ? SIM_NAMING_OPT : SIM_NAMING_LLAMA;
  m->arch = *a;
  m->has_arch = 1;
  snprintf(m->model, sizeof m->model, "%s", a->name);
  for (size_t l = 0; l < model->n_layers; l++) {
    snprintf(m->names[l], sizeof m->names[l], "%s", model->layers[l].name);
    m->profile_params[l] = model->layers[l].params;
  }
  size_t *seen = calloc(model->n_layers, sizeof *seen);
  int rc = seen ? SIM_OK : sim_error_set(err, SIM_ENOMEM, "out of memory grouping tensors");
  const sim_st_tensor *lm_head = sim_safetensors_find(st, "lm_head.weight");
  long embed_tensor = -1;
  for (size_t i = 0; i < nt && rc == SIM_OK; i++) {
    const sim_st_tensor *t = sim_safetensors_tensor(st, i);
    place pl;
    char name[128];
    if (place_named(a, t, &pl) != 0) {
      rc = sim_error_set(err, SIM_EINPUT, "tensor '%s' does not follow %s naming (%s)", t->name,
                         sim_family_name(a->family),
                         a->family == SIM_FAMILY_OPT ? "model.decoder.layers.N., "
                         "model.decoder.embed_tokens, lm_head, ..." : "model.layers.N., "
                         "model.embed_tokens, model.norm, lm_head");
      break;
    }
    layer_name(&pl, opt->granularity, name);
    long l = sim__layer_find(m, name);
    if (l < 0) {
      rc = sim_error_set(err, SIM_EINPUT, "tensor '%s' belongs to layer '%s', which model '%s' "
                         "at %s granularity does not have", t->name, name, a->name,
                         sim_granularity_name(opt->granularity));
      break;
    }
    m->layer[i] = l;
    m->params[l] += (int64_t)t->n_elems;
    seen[l]++;
    int q;
    rc = sim__wmap_quantizable(t, opt->quantize_vectors, err, &q);
    m->quantized[i] = (unsigned char)q;
    if (pl.region == SIM__W_EMBED && strcmp(pl.matrix, "embed_tokens") == 0 && t->ndim >= 2)
      embed_tensor = (long)i;
  }
  /* A tied head computes its logits with the token embedding. */
  if (rc == SIM_OK && a->tied && lm_head == NULL && embed_tensor >= 0) {
    m->tied_layer = (long)model->n_layers - 1;
    m->tied_tensor = (size_t)embed_tensor;
  }
  for (size_t l = 0; l < model->n_layers && rc == SIM_OK; l++)
    if (seen[l] == 0 && (long)l != m->tied_layer)
      rc = sim_error_set(err, SIM_EINPUT, "layer '%s' of model '%s' at %s granularity has no "
                         "tensor in the checkpoint", m->names[l], a->name,
                         sim_granularity_name(opt->granularity));
  free(seen);
  sim_model_free(model);
  if (rc != SIM_OK) {
    sim_weights_map_free(m);
    return NULL;
  }
  return m;
}

long sim__layer_find(const sim_weights_map *m, const char *name) {
  for (size_t l = 0; l < m->n_layers; l++)
    if (strcmp(m->names[l], name) == 0) return (long)l;
  return -1;
}

sim_weights_map *sim_weights_map_alloc(const sim_safetensors *st, const sim_weights_options *opt,
                                       sim_error *err) {
  if (opt->naming == SIM_NAMING_PATTERN) return sim__wmap_pattern(st, opt, err);
  sim_naming naming = opt->naming;
  if (opt->arch != NULL) {
    sim_naming want = opt->arch->family == SIM_FAMILY_OPT ? SIM_NAMING_OPT : SIM_NAMING_LLAMA;
    if (naming != SIM_NAMING_AUTO && naming != want) {
      sim_error_set(err, SIM_EINPUT, "model '%s' is of the %s family, not %s", opt->arch->name,
                    sim_family_name(opt->arch->family), naming == SIM_NAMING_OPT ? "opt" : "llama");
      return NULL;
    }
    return map_by_arch(st, opt, opt->arch, err);
  }
  sim_arch a;
  if (sim__arch_derive(st, naming, &a, err) != SIM_OK) return NULL;
  return map_by_arch(st, opt, &a, err);
}
