/* weights_pattern.c: grouping under a user pattern for checkpoints that are
 * neither OPT nor Llama (e.g. GPT-2's `transformer.h.{N}.`).
 *
 * A name matching the pattern belongs to block N. Other names belong to the
 * embedding if they contain "emb", "wte" or "wpe", else to the head. At
 * linear granularity each matrix is a layer: `block.N.<module path>` in a
 * block, `<module>` outside; the matrices of a region are ordered by name
 * (safetensors files list no execution order). A vector goes to the matrix
 * of its own module (a bias), else to the first matrix of its region. A
 * head without a matrix is tied to the embedding's largest matrix. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/weights/internal.h"

typedef struct {
  sim__wregion region;
  long block;
  char module[160]; /* module path of the tensor, without its last component */
  char name[SIM_WEIGHTS_NAME_MAX + 16];
} entry;

static int cmp_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->region != y->region) return x->region < y->region ? -1 : 1;
  if (x->block != y->block) return x->block < y->block ? -1 : 1;
  return strcmp(x->name, y->name);
}

static void locate(const char *name, const char *prefix, const char *suffix, entry *e) {
  const char *rest = sim__block_parse(name, prefix, suffix, &e->block);
  if (rest != NULL) {
    e->region = SIM__W_BLOCK;
    sim__module_of(rest, e->module, sizeof e->module, 0);
    snprintf(e->name, sizeof e->name, "block.%ld.%s", e->block, e->module);
    return;
  }
  e->block = 0;
  e->region = strstr(name, "emb") || strstr(name, "wte") || strstr(name, "wpe") ? SIM__W_EMBED
                                                                                  : SIM__W_HEAD;
  sim__module_of(name, e->module, sizeof e->module, 0);
  sim__module_of(name, e->name, sizeof e->name, 1);
}

static int cmp_long(const void *a, const void *b) {
  const long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

/* At block granularity every block number below the largest is a layer, so
 * one with no tensor would be an empty layer of zero error, and a stray
 * large number would make as many of them. Fails on the first such block,
 * as the OPT and Llama grouping fails on a layer without a tensor, before
 * any layer is allocated. */
static int blocks_check(const entry *e, size_t nt, const char *pat, sim_error *err) {
  long *num = malloc((nt ? nt : 1) * sizeof *num);
  if (num == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory grouping tensors");
  size_t n = 0;
  for (size_t i = 0; i < nt; i++)
    if (e[i].region == SIM__W_BLOCK) num[n++] = e[i].block;
  qsort(num, n, sizeof *num, cmp_long);
  long want = 0;
  for (size_t k = 0; k < n && num[k] <= want; k++)
    if (num[k] == want) want++;
  const long last = n ? num[n - 1] : -1;
  free(num);
  if (want > last) return SIM_OK;
  return sim_error_set(err, SIM_EINPUT, "layer 'block.%ld' at block granularity has no tensor "
                       "in the checkpoint (no name matches the pattern '%s' with %ld, yet "
                       "block %ld does)", want, pat, want, last);
}

sim_weights_map *sim__wmap_pattern(const sim_safetensors *st, const sim_weights_options *opt,
                                   sim_error *err) {
  const char *pat = opt->pattern ? opt->pattern : "";
  const char *mark = strstr(pat, "{N}");
  if (mark == NULL || mark == pat) {
    sim_error_set(err, SIM_EINPUT, "pattern '%s' must be a block prefix with {N} for the block "
                  "number, like 'transformer.h.{N}.'", pat);
    return NULL;
  }
  char prefix[256];
  snprintf(prefix, sizeof prefix, "%.*s", (int)(mark - pat), pat);
  const char *suffix = mark + 3;
  const size_t nt = sim_safetensors_n_tensors(st);
  entry *e = calloc(nt ? nt : 1, sizeof *e), *mats = calloc(nt + 1, sizeof *mats);
  sim_weights_map *m = NULL;
  long blocks = 0;
  size_t nm = 0;
  int rc = e && mats ? SIM_OK : sim_error_set(err, SIM_ENOMEM, "out of memory grouping tensors");
  for (size_t i = 0; i < nt && rc == SIM_OK; i++) {
    const sim_st_tensor *t = sim_safetensors_tensor(st, i);
    locate(t->name, prefix, suffix, &e[i]);
    if (e[i].region == SIM__W_BLOCK && e[i].block + 1 > blocks) blocks = e[i].block + 1;
    if (t->ndim >= 2) mats[nm++] = e[i];
  }
  if (rc == SIM_OK && blocks == 0)
    rc = sim_error_set(err, SIM_EINPUT, "no tensor name matches the pattern '%s'", pat);
  if (rc == SIM_OK && opt->granularity == SIM_GRAN_BLOCK) rc = blocks_check(e, nt, pat, err);
  if (rc != SIM_OK) goto done;
  int head_matrix = 0;
  long embed_big = -1;
  for (size_t i = 0; i < nt; i++) {
    const sim_st_tensor *t = sim_safetensors_tensor(st, i);
    if (e[i].region == SIM__W_HEAD && t->ndim >= 2) head_matrix = 1;
    if (e[i].region == SIM__W_EMBED && t->ndim >= 2 &&
        (embed_big < 0 || t->shape[0] > sim_safetensors_tensor(st, (size_t)embed_big)->shape[0]))
      embed_big = (long)i;
  }
  if (!head_matrix && embed_big >= 0) { /* the tied head gets a layer of its own */
    mats[nm].region = SIM__W_HEAD;
    snprintf(mats[nm].name, sizeof mats[nm].name, "lm_head");
    mats[nm].module[0] = '\0';
    nm++;
  }
  size_t n_layers;
  if (opt->granularity == SIM_GRAN_BLOCK) {
    n_layers = (size_t)blocks + 2;
  } else {
    qsort(mats, nm, sizeof *mats, cmp_entry);
    size_t u = 0;
    for (size_t i = 0; i < nm; i++)
      if (u == 0 || cmp_entry(&mats[u - 1], &mats[i]) != 0) mats[u++] = mats[i];
    n_layers = nm = u;
  }
  m = sim__wmap_new(nt, n_layers);
  if (m == NULL) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory grouping tensors");
    goto done;
  }
  m->naming = SIM_NAMING_PATTERN;
  snprintf(m->model, sizeof m->model, "checkpoint");
  for (size_t l = 0; l < n_layers && rc == SIM_OK; l++) {
    m->profile_params[l] = -1;
    const char *nm_l = opt->granularity == SIM_GRAN_LINEAR ? mats[l].name : NULL;
    char buf[32];
    if (nm_l == NULL) {
      if (l == 0) nm_l = "embed";
      else if (l == n_layers - 1) nm_l = "head";
      else snprintf(buf, sizeof buf, "block.%zu", l - 1), nm_l = buf;
    }
    if (strlen(nm_l) >= SIM_WEIGHTS_NAME_MAX)
      rc = sim_error_set(err, SIM_EINPUT, "layer name '%s' is longer than %d characters", nm_l,
                         SIM_WEIGHTS_NAME_MAX - 1);
    else
      snprintf(m->names[l], sizeof m->names[l], "%s", nm_l);
  }
  for (size_t i = 0; i < nt && rc == SIM_OK; i++) {
    const sim_st_tensor *t = sim_safetensors_tensor(st, i);
    long l = -1;
    if (opt->granularity == SIM_GRAN_BLOCK) {
      l = e[i].region == SIM__W_EMBED ? 0
          : e[i].region == SIM__W_HEAD ? (long)n_layers - 1 : e[i].block + 1;
    } else {
      /* Its own matrix, else the first matrix of its region and block. */
      for (size_t k = 0; k < n_layers && l < 0; k++)
        if (mats[k].region == e[i].region && mats[k].block == e[i].block &&
            strcmp(mats[k].module, e[i].module) == 0)
          l = (long)k;
      for (size_t k = 0; k < n_layers && l < 0; k++)
        if (mats[k].region == e[i].region && mats[k].block == e[i].block) l = (long)k;
      if (l < 0) {
        rc = sim_error_set(err, SIM_EINPUT, "tensor '%s' has no matrix in its %s to join",
                           t->name, e[i].region == SIM__W_BLOCK ? "block" : "region");
        break;
      }
    }
    m->layer[i] = l;
    m->params[l] += (int64_t)t->n_elems;
    int q;
    rc = sim__wmap_quantizable(t, opt->quantize_vectors, err, &q);
    m->quantized[i] = (unsigned char)q;
  }
  if (rc == SIM_OK && !head_matrix && embed_big >= 0) {
    m->tied_layer = (long)n_layers - 1;
    m->tied_tensor = (size_t)embed_big;
  }
done:
  free(e);
  free(mats);
  if (rc != SIM_OK) {
    sim_weights_map_free(m);
    return NULL;
  }
  return m;
}
