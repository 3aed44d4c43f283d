/* weights_profile.c: the profiling pass over a checkpoint and the error
 * table it writes.
 *
 * Tensors are visited in file order and read through mapped windows of
 * WINDOW_BYTES, each unmapped before the next is mapped, so the resident
 * set stays near one window whatever the checkpoint's size: a checkpoint
 * larger than RAM profiles, at the speed of its storage. */
#define _POSIX_C_SOURCE 200809L
#include "sim/weights/weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"

#define WINDOW_BYTES (32u << 20) /* bytes mapped at a time */

/* A sim_qsource over one tensor of a checkpoint. */
typedef struct {
  const sim_safetensors *st;
  const sim_st_tensor *t;
  size_t esize;
  sim_st_window win;
  uint64_t first, count; /* elements the current window holds */
  uint64_t done_before;  /* bytes of earlier tensors, for progress */
  uint64_t total;
  sim_weights_progress progress;
  void *progress_ctx;
} window_src;

static int window_fetch(void *ctx, uint64_t first, uint64_t count, const void **data,
                        sim_error *err) {
  window_src *w = ctx;
  if (w->win.data == NULL || first < w->first || first + count > w->first + w->count) {
    sim_safetensors_window_unmap(&w->win);
    uint64_t want = WINDOW_BYTES / w->esize;
    if (want < count) want = count;
    if (want > w->t->n_elems - first) want = w->t->n_elems - first;
    int rc = sim_safetensors_window_map(w->st, w->t, first * w->esize, (size_t)(want * w->esize),
                                        &w->win, err);
    if (rc != SIM_OK) return rc;
    w->first = first;
    w->count = want;
    if (w->progress) w->progress(w->progress_ctx, w->done_before + first * w->esize, w->total);
  }
  *data = w->win.data + (first - w->first) * w->esize;
  return SIM_OK;
}

void sim_weights_profile_free(sim_weights_profile *p) {
  if (p == NULL) return;
  free(p->names);
  free(p->acc);
  free(p);
}

sim_weights_profile *sim_weights_profile_alloc(const sim_safetensors *st,
                                               const sim_weights_map *map,
                                               const sim_quantize_spec *spec,
                                               sim_weights_progress progress, void *ctx,
                                               sim_error *err) {
  if (sim_quantize_spec_check(spec, err) != SIM_OK) return NULL;
  if (map->n_tensors != sim_safetensors_n_tensors(st)) {
    sim_error_set(err, SIM_EINTERNAL, "the layer map was built for another checkpoint");
    return NULL;
  }
  sim_weights_profile *p = calloc(1, sizeof *p);
  if (p != NULL) {
    p->names = malloc((map->n_layers ? map->n_layers : 1) * sizeof *p->names);
    p->acc = malloc((map->n_layers ? map->n_layers : 1) * sizeof *p->acc);
  }
  if (p == NULL || p->names == NULL || p->acc == NULL) {
    sim_weights_profile_free(p);
    sim_error_set(err, SIM_ENOMEM, "out of memory profiling");
    return NULL;
  }
  p->n_layers = map->n_layers;
  p->spec = *spec;
  memcpy(p->names, map->names, map->n_layers * sizeof *p->names);
  for (size_t l = 0; l < map->n_layers; l++) sim_qacc_init(&p->acc[l], spec->n_bits);
  uint64_t total = 0;
  for (size_t i = 0; i < map->n_tensors; i++)
    if (map->quantized[i]) total += sim_safetensors_tensor(st, i)->n_bytes;
  int rc = SIM_OK;
  for (size_t i = 0; i < map->n_tensors && rc == SIM_OK; i++) {
    if (!map->quantized[i]) continue;
    const sim_st_tensor *t = sim_safetensors_tensor(st, i);
    window_src w = {st, t, sim_dtype_size(t->dtype), {0}, 0, 0, p->bytes, total, progress, ctx};
    /* The output channels are the rows of the first dimension. */
    sim_qsource src = {t->dtype, t->n_elems, t->ndim >= 2 ? t->n_elems / t->shape[0] : t->n_elems,
                       WINDOW_BYTES / w.esize, window_fetch, &w};
    char what[512];
    snprintf(what, sizeof what, "%s: tensor '%s'", sim_safetensors_file_path(st, t->file),
             t->name);
    sim_qacc acc;
    sim_qacc_init(&acc, spec->n_bits);
    rc = sim_quantize_source(spec, &src, what, &acc, err);
    sim_safetensors_window_unmap(&w.win);
    if (rc != SIM_OK) break;
    sim_qacc_merge(&p->acc[map->layer[i]], &acc);
    if (map->tied_layer >= 0 && map->tied_tensor == i)
      sim_qacc_merge(&p->acc[map->tied_layer], &acc);
    p->bytes += t->n_bytes;
  }
  if (rc == SIM_OK && progress) progress(ctx, total, total);
  if (rc != SIM_OK) {
    sim_weights_profile_free(p);
    return NULL;
  }
  return p;
}

double sim_weights_profile_error(const sim_weights_profile *p, size_t l, size_t k,
                                 sim_qmetric m) {
  if (l >= p->n_layers || k >= p->spec.n_bits) return 0.0;
  return sim_qacc_metric(&p->acc[l], m, k, p->spec.bits[k]);
}

/* The error table as CSV text; b->oom tells of a failed allocation. */
static void csv_build(const sim_weights_profile *p, sim_qmetric m, sim_buf *b) {
  sim_buf_puts(b, "layer,name,bits,error\n");
  for (size_t l = 0; l < p->n_layers; l++)
    for (size_t k = 0; k < p->spec.n_bits; k++) {
      sim_buf_printf(b, "%zu,%s,%d,", l, p->names[l], p->spec.bits[k]);
      sim_buf_number(b, sim_weights_profile_error(p, l, k, m)); /* never NaN */
      sim_buf_puts(b, "\n");
    }
}

int sim_weights_profile_write_csv(const sim_weights_profile *p, sim_qmetric m, FILE *out) {
  sim_buf b;
  sim_buf_init(&b);
  csv_build(p, m, &b);
  int rc = b.oom || fwrite(b.data, 1, b.len, out) != b.len || ferror(out) ? -1 : 0;
  sim_buf_free(&b);
  return rc;
}

int sim_weights_profile_save(const sim_weights_profile *p, sim_qmetric m, const char *path,
                             sim_error *err) {
  sim_buf b;
  sim_buf_init(&b);
  csv_build(p, m, &b);
  int rc = b.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory writing %s", path)
                 : sim_file_write_atomic(path, b.data, b.len, err);
  sim_buf_free(&b);
  return rc;
}
