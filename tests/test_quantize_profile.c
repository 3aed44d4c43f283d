/* test_quantize_profile.c: grouping tensors into a model's layers and the
 * profile pass end to end: a two-layer checkpoint (F32, F16, BF16) whose
 * every error-table entry is worked out by hand, written as CSV and read
 * back with sim_errtable_load; opt-125m's real tensor names and shapes
 * grouped into exactly the opt-125m profile; derived OPT and Llama
 * architectures, tied heads, shards, and grouping errors. */
#include "tests/st_build.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/model/model.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/weights/weights.h"
#include "solver/solver.h"
#include "tests/tap.h"

static sim_quantize_spec make_spec(const char *bits) {
  sim_quantize_spec s;
  memset(&s, 0, sizeof s);
  s.quantizer = SIM_QUANT_TRUNCATE;
  sim_quantize_bits_parse(bits, &s, NULL);
  return s;
}

static void progress_last(void *ctx, uint64_t done, uint64_t total) {
  uint64_t *last = ctx;
  last[0] = done;
  last[1] = total;
}

/* Two layers under the pattern "layers.{N}.":
 *   layers.0.w    F32  [2,4]  64, -44, 19, 35, -16, 58, -3, 0 (x 1/64)
 *   layers.0.v    F16  [2,2]  0.5, -0.375, 0.125, -0.0625
 *   layers.1.w    BF16 [2,2]  2, -1.5, 0.75, -0.1875
 *   layers.1.bias F32  [2]    not quantized (the paper leaves biases alone)
 * Truncate, one scale per tensor (R = its max |w|), widths 2, 3, 4, 16. */
static void test_hand_table(const char *dir) {
  char path[256], csv[256];
  snprintf(path, sizeof path, "%s/two.safetensors", dir);
  snprintf(csv, sizeof csv, "%s/two.csv", dir);
  st_builder b = {0};
  const float w0[8] = {1.0f, -44 / 64.0f, 19 / 64.0f, 35 / 64.0f, -16 / 64.0f, 58 / 64.0f,
                       -3 / 64.0f, 0};
  const uint16_t v0[4] = {0x3800, 0xb600, 0x3000, 0xac00};
  const uint16_t w1[4] = {0x4000, 0xbfc0, 0x3f40, 0xbe40};
  const float bias[2] = {100, -100};
  st_add2(&b, "layers.0.w", "F32", 2, 4, w0);
  st_add2(&b, "layers.0.v", "F16", 2, 2, v0);
  st_add2(&b, "layers.1.w", "BF16", 2, 2, w1);
  st_add1(&b, "layers.1.bias", "F32", 2, bias);
  st_write(&b, path);
  st_clear(&b);

  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  sim_weights_options o = {SIM_NAMING_PATTERN, "layers.{N}.", SIM_GRAN_BLOCK, NULL, 0};
  sim_weights_map *map = st ? sim_weights_map_alloc(st, &o, &err) : NULL;
  ok(map != NULL && map->n_layers == 4, "pattern grouping: embed, block.0, block.1, head");
  if (map == NULL) { diag("%s", err.msg); sim_safetensors_free(st); return; }
  sim_quantize_spec spec = make_spec("2,3,4,16");
  uint64_t last[2] = {0, 1};
  sim_weights_profile *p = sim_weights_profile_alloc(st, map, &spec, progress_last, last, &err);
  ok(p != NULL, "profiled");
  if (p == NULL) { diag("%s", err.msg); goto out; }
  ok(last[0] == last[1] && last[1] == 32 + 8 + 8, "progress ends at the 48 quantized bytes");

  /* max-abs-norm = max |w - q| / 2^b, per layer over its tensors.
   * block.0: w has R = 1, so its largest error is the saturated top weight,
   *   exactly one step 2^-b; v (R = 0.5) has at most 0.5 * 2^-b:
   *   b=2: 0.25/4 = 1/16; b=3: 0.125/8 = 1/64; b=4: 0.0625/16 = 1/256;
   *   b=16: w's top weight 1 -> (2^16 - 1) steps, error 2^-16, over 2^16 =
   *   2^-32; v is F16, kept at 16 bits (0).
   * block.1: R = 2: b=2: step 0.5 (2 -> 1.5), 0.5/4 = 1/8; b=3: 0.25/8 =
   *   1/32; b=4: 0.125/16 = 1/128; b=16: BF16 is kept (0).
   * embed and head hold no tensor: 0. */
  const double mx[4][4] = {{0, 0, 0, 0},
                           {1.0 / 16, 1.0 / 64, 1.0 / 256, ldexp(1, -32)},
                           {1.0 / 8, 1.0 / 32, 1.0 / 128, 0},
                           {0, 0, 0, 0}};
  /* rmse = sqrt(sum (w - q)^2 / n) over quantized weights.
   * block.0 (n = 12): w's squares 527, 111, 47 (/4096) at b = 2, 3, 4
   *   (test_quantize works them out); v: b=2 0.5 -> 0.375 (0.125) and
   *   0.0625 -> 0 (0.0625): 80/4096; b=3 0.5 -> 0.4375: 16/4096; b=4
   *   0.5 -> 15/32: 4/4096. Totals 607, 127, 51 (/4096); b=16 2^-32.
   * block.1 (n = 4): b=2 0.5^2 + 0.25^2 (0.75 -> 0.5) + 0.1875^2
   *   = 0.34765625; b=3 0.25^2 + 0.1875^2 = 0.09765625; b=4 0.125^2 +
   *   0.0625^2 (0.1875 -> 0.125) = 0.01953125. */
  const double rm[4][4] = {{0, 0, 0, 0},
                           {sqrt(607.0 / 4096 / 12), sqrt(127.0 / 4096 / 12), sqrt(51.0 / 4096 / 12),
                            sqrt(ldexp(1, -32) / 12)},
                           {sqrt(0.34765625 / 4), sqrt(0.09765625 / 4), sqrt(0.01953125 / 4), 0},
                           {0, 0, 0, 0}};
  const char *names[4] = {"embed", "block.0", "block.1", "head"};
  for (int metric = 0; metric < 2; metric++) {
    sim_qmetric m = metric ? SIM_QMETRIC_RMSE : SIM_QMETRIC_MAX_ABS_NORM;
    ok(sim_weights_profile_save(p, m, csv, &err) == SIM_OK, "wrote the %s table", sim_qmetric_name(m));
    sim_errtable *t = sim_errtable_load(csv, &err);
    ok(t != NULL && t->n_layers == 4 && t->n_bits == 4, "sim_errtable_load reads it back: 4 x 4");
    if (t == NULL) { diag("%s", err.msg); continue; }
    for (size_t l = 0; l < 4; l++) {
      ok(strcmp(t->names[l], names[l]) == 0, "%s row %zu is named %s", sim_qmetric_name(m), l, names[l]);
      for (size_t k = 0; k < 4; k++) {
        double want = metric ? rm[l][k] : mx[l][k];
        ok_rel(sim_errtable_get(t, l, spec.bits[k]), want, 1e-15, "%s %s b=%d", sim_qmetric_name(m),
               names[l], spec.bits[k]);
      }
    }
    sim_errtable_free(t);
  }
  sim_weights_profile_free(p);
out:
  sim_weights_map_free(map);
  sim_safetensors_free(st);
}

/* OPT tensors in Hugging Face naming. values: NULL writes zeros (sparse);
 * else small pseudo-random fp16 codes. */
static void build_opt(st_builder *b, int64_t e, int64_t f, int64_t V, int64_t P, int blocks,
                      int lm_head, int random) {
  enum { NBUF = 1 << 16 };
  uint16_t *buf = random ? malloc(NBUF * sizeof *buf) : NULL;
  uint32_t seed = 7;
  const uint16_t *d = NULL;
  if (buf != NULL) {
    for (size_t i = 0; i < NBUF; i++) {
      seed = seed * 1664525u + 1013904223u;
      buf[i] = (uint16_t)(((seed >> 16) & 0x8000u) | ((8 + (seed >> 20) % 6) << 10) | ((seed >> 8) & 0x3ffu));
    }
    d = buf;
  }
  char n[128];
  st_add2(b, "model.decoder.embed_tokens.weight", "F16", (uint64_t)V, (uint64_t)e, d);
  st_add2(b, "model.decoder.embed_positions.weight", "F16", (uint64_t)P, (uint64_t)e, d);
  st_add1(b, "model.decoder.final_layer_norm.weight", "F16", (uint64_t)e, d);
  st_add1(b, "model.decoder.final_layer_norm.bias", "F16", (uint64_t)e, d);
  for (int l = 0; l < blocks; l++) {
    static const char *const proj[] = {"k_proj", "v_proj", "q_proj", "out_proj"};
    for (int k = 0; k < 4; k++) {
      snprintf(n, sizeof n, "model.decoder.layers.%d.self_attn.%s.weight", l, proj[k]);
      st_add2(b, n, "F16", (uint64_t)e, (uint64_t)e, d);
      snprintf(n, sizeof n, "model.decoder.layers.%d.self_attn.%s.bias", l, proj[k]);
      st_add1(b, n, "F16", (uint64_t)e, d);
    }
    static const char *const vec[] = {"self_attn_layer_norm.weight", "self_attn_layer_norm.bias",
                                      "final_layer_norm.weight", "final_layer_norm.bias", "fc2.bias"};
    for (int k = 0; k < 5; k++) {
      snprintf(n, sizeof n, "model.decoder.layers.%d.%s", l, vec[k]);
      st_add1(b, n, "F16", (uint64_t)e, d);
    }
    snprintf(n, sizeof n, "model.decoder.layers.%d.fc1.weight", l);
    st_add2(b, n, "F16", (uint64_t)f, (uint64_t)e, d);
    snprintf(n, sizeof n, "model.decoder.layers.%d.fc1.bias", l);
    st_add1(b, n, "F16", (uint64_t)f, d);
    snprintf(n, sizeof n, "model.decoder.layers.%d.fc2.weight", l);
    st_add2(b, n, "F16", (uint64_t)e, (uint64_t)f, d);
  }
  if (lm_head) st_add2(b, "lm_head.weight", "F16", (uint64_t)V, (uint64_t)e, d);
  free(buf);
}

/* Layer names and parameter counts of a map against a profile. */
static int same_layers(const sim_weights_map *m, const sim_model *model, int check_params) {
  if (m->n_layers != model->n_layers) return 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    if (strcmp(m->names[l], model->layers[l].name) != 0) return 0;
    if (check_params && m->params[l] != model->layers[l].params) return 0;
  }
  return 1;
}

static void test_opt125m(const char *dir) {
  char path[256];
  snprintf(path, sizeof path, "%s/opt125m.safetensors", dir);
  st_builder *b = calloc(1, sizeof *b);
  /* opt-125m's real tensor names and shapes (hidden 768, ffn 3072, vocab
   * 50272, 2050 positions, 12 blocks, tied head). The data are zeros in a
   * sparse file: grouping reads headers only. */
  build_opt(b, 768, 3072, 50272, 2050, 12, 0, 0);
  ok(st_write(b, path) == 0, "wrote opt-125m's %zu tensor names and shapes", b->n);
  st_clear(b);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  ok(st != NULL, "opened the opt-125m header file");
  if (st == NULL) diag("%s", err.msg);
  for (int g = 0; g < 2 && st; g++) {
    sim_model *model = sim_model_alloc(sim_arch_find("opt-125m"), (sim_granularity)g, 0, NULL);
    sim_weights_options o = {SIM_NAMING_AUTO, NULL, (sim_granularity)g, NULL, 0};
    sim_weights_map *m = sim_weights_map_alloc(st, &o, &err);
    ok(m != NULL && strcmp(m->model, "opt-125m") == 0, "%s: the shapes are recognized as opt-125m",
       sim_granularity_name((sim_granularity)g));
    ok(m != NULL && same_layers(m, model, 1),
       "%s: exactly the profile's %zu layers, each with the profile's parameter count",
       sim_granularity_name((sim_granularity)g), model->n_layers);
    ok(m != NULL && m->tied_layer == (long)model->n_layers - 1,
       "%s: the head is tied to the token embedding", sim_granularity_name((sim_granularity)g));
    sim_weights_map_free(m);
    sim_model_free(model);
  }
  if (st == NULL) diag("%s", err.msg);
  sim_safetensors_free(st);
  free(b);
}

static void test_small_opt(const char *dir) {
  char one[256], shard[256], index[256];
  snprintf(one, sizeof one, "%s/small.safetensors", dir);
  st_builder *b = calloc(1, sizeof *b);
  /* opt-125m's names (12 blocks) with small random weights. */
  build_opt(b, 8, 16, 50, 10, 12, 0, 1);
  st_write(b, one);
  /* The same tensors in two shards with an index. */
  size_t half = b->n / 2;
  st_builder *s2 = calloc(1, sizeof *s2);
  FILE *f;
  snprintf(index, sizeof index, "%s/shards/model.safetensors.index.json", dir);
  snprintf(shard, sizeof shard, "%s/shards", dir);
  mkdir(shard, 0700);
  f = fopen(index, "w");
  fprintf(f, "{\"metadata\":{},\"weight_map\":{");
  for (size_t i = 0; i < b->n; i++)
    fprintf(f, "%s\"%s\":\"part-%d.safetensors\"", i ? "," : "", b->t[i].name, i < half ? 1 : 2);
  fprintf(f, "}}");
  fclose(f);
  for (size_t i = half; i < b->n; i++) s2->t[s2->n++] = b->t[i];
  b->n = half;
  snprintf(shard, sizeof shard, "%s/shards/part-1.safetensors", dir);
  st_write(b, shard);
  snprintf(shard, sizeof shard, "%s/shards/part-2.safetensors", dir);
  st_write(s2, shard);
  st_clear(b);
  st_clear(s2);
  free(s2);

  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(one, &err), *sh = sim_safetensors_alloc(index, &err);
  ok(st != NULL && sh != NULL, "opened the small OPT checkpoint, single and sharded");
  if (!st || !sh) { diag("%s", err.msg); goto out; }
  const sim_arch *opt125 = sim_arch_find("opt-125m");
  for (int g = 0; g < 2; g++) {
    sim_granularity gran = (sim_granularity)g;
    const char *gn = sim_granularity_name(gran);
    sim_model *model = sim_model_alloc(opt125, gran, 0, NULL);
    sim_weights_options o = {SIM_NAMING_AUTO, NULL, gran, opt125, 0};
    sim_weights_map *m = sim_weights_map_alloc(st, &o, &err);
    ok(m != NULL && same_layers(m, model, 0), "%s: --model opt-125m groups into its %zu layers",
       gn, model->n_layers);
    o.arch = NULL;
    sim_weights_map *d = sim_weights_map_alloc(st, &o, &err), *ds = sim_weights_map_alloc(sh, &o, &err);
    int consistent = d != NULL && strcmp(d->model, "checkpoint") == 0 && d->n_layers == model->n_layers;
    for (size_t l = 0; consistent && l < d->n_layers; l++)
      consistent = d->params[l] == d->profile_params[l];
    ok(consistent, "%s: a derived architecture matches the tensors layer by layer", gn);
    sim_quantize_spec spec = make_spec("2:8:2");
    sim_weights_profile *p = d ? sim_weights_profile_alloc(st, d, &spec, NULL, NULL, &err) : NULL;
    sim_weights_profile *ps = ds ? sim_weights_profile_alloc(sh, ds, &spec, NULL, NULL, &err) : NULL;
    int same = p && ps;
    for (size_t l = 0; same && l < p->n_layers; l++)
      for (size_t k = 0; k < spec.n_bits; k++)
        same &= sim_weights_profile_error(p, l, k, SIM_QMETRIC_RMSE) ==
                sim_weights_profile_error(ps, l, k, SIM_QMETRIC_RMSE);
    ok(same, "%s: the sharded checkpoint profiles exactly like the single file", gn);
    if (p && gran == SIM_GRAN_LINEAR) {
      /* lm_head (last) is tied to embed_tokens (first): the same error. */
      size_t last = p->n_layers - 1;
      ok(p->acc[last].count == p->acc[0].count &&
         p->acc[last].max_err[0] == p->acc[0].max_err[0] && p->acc[last].max_err[0] > 0,
         "the tied lm_head has embed_tokens' error");
    }
    if (p && gran == SIM_GRAN_BLOCK)
      ok(p->acc[1].count == 4 * 64 + 2 * 128, "block.0 quantizes its six matrices only (512 weights)");
    sim_weights_profile_free(p);
    sim_weights_profile_free(ps);
    sim_weights_map_free(m);
    sim_weights_map_free(d);
    sim_weights_map_free(ds);
    sim_model_free(model);
  }
out:
  sim_safetensors_free(st);
  sim_safetensors_free(sh);
  free(b);
}

static void test_llama(const char *dir) {
  char path[256], n[128];
  snprintf(path, sizeof path, "%s/llama.safetensors", dir);
  st_builder *b = calloc(1, sizeof *b);
  /* Llama naming, grouped-query attention (k and v half as wide as q),
   * an untied head, two blocks, and an F32 rotary buffer. */
  st_add2(b, "model.embed_tokens.weight", "BF16", 40, 8, NULL);
  st_add1(b, "model.norm.weight", "BF16", 8, NULL);
  st_add2(b, "lm_head.weight", "BF16", 40, 8, NULL);
  for (int l = 0; l < 2; l++) {
    static const struct { const char *m; uint64_t r, c; } mats[] = {
      {"self_attn.q_proj", 8, 8}, {"self_attn.k_proj", 4, 8}, {"self_attn.v_proj", 4, 8},
      {"self_attn.o_proj", 8, 8}, {"mlp.gate_proj", 16, 8},   {"mlp.up_proj", 16, 8},
      {"mlp.down_proj", 8, 16}};
    for (int k = 0; k < 7; k++) {
      snprintf(n, sizeof n, "model.layers.%d.%s.weight", l, mats[k].m);
      st_add2(b, n, "BF16", mats[k].r, mats[k].c, NULL);
    }
    snprintf(n, sizeof n, "model.layers.%d.input_layernorm.weight", l);
    st_add1(b, n, "BF16", 8, NULL);
    snprintf(n, sizeof n, "model.layers.%d.post_attention_layernorm.weight", l);
    st_add1(b, n, "BF16", 8, NULL);
  }
  st_write(b, path);
  st_clear(b);
  free(b);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  ok(st != NULL, "opened the llama checkpoint");
  if (st == NULL) diag("%s", err.msg);
  for (int g = 0; g < 2 && st; g++) {
    sim_weights_options o = {SIM_NAMING_AUTO, NULL, (sim_granularity)g, NULL, 0};
    sim_weights_map *m = sim_weights_map_alloc(st, &o, &err);
    int match = m != NULL && m->arch.family == SIM_FAMILY_LLAMA && m->tied_layer < 0 &&
                m->n_layers == (g ? 2 * 7 + 2u : 4u);
    for (size_t l = 0; match && l < m->n_layers; l++) match = m->params[l] == m->profile_params[l];
    ok(match, "llama %s: derived layers match the tensors, head untied",
       sim_granularity_name((sim_granularity)g));
    if (m && g) ok(strcmp(m->names[1], "block.0.q_proj") == 0 && strcmp(m->names[15], "lm_head") == 0,
                   "llama linear names follow the profile");
    if (!m) diag("%s", err.msg);
    sim_weights_map_free(m);
  }
  sim_safetensors_free(st);
}

static void expect_map_error(const char *dir, const char *file, st_builder *b,
                             const sim_weights_options *o, const char *want, const char *what) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  st_write(b, path);
  st_clear(b);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  sim_weights_map *m = st ? sim_weights_map_alloc(st, o, &err) : NULL;
  ok(m == NULL && err.code == SIM_EINPUT && strstr(err.msg, want) != NULL, "%s", what);
  if (m != NULL || strstr(err.msg, want) == NULL) diag("  got: %s", err.msg);
  sim_weights_map_free(m);
  sim_safetensors_free(st);
}

static void test_errors(const char *dir) {
  char path[256];
  st_builder *b = calloc(1, sizeof *b);
  sim_weights_options o = {SIM_NAMING_AUTO, NULL, SIM_GRAN_BLOCK, sim_arch_find("opt-125m"), 0};
  build_opt(b, 8, 16, 50, 10, 11, 0, 0);
  expect_map_error(dir, "e1.safetensors", b, &o, "layer 'block.11' of model 'opt-125m' at block "
                   "granularity has no tensor", "a missing block is reported by layer");
  build_opt(b, 8, 16, 50, 10, 13, 0, 0);
  expect_map_error(dir, "e2.safetensors", b, &o, "belongs to layer 'block.12', which model "
                   "'opt-125m'", "an extra block is reported by tensor");
  build_opt(b, 8, 16, 50, 10, 12, 0, 0);
  st_add1(b, "model.decoder.version", "F32", 1, NULL);
  expect_map_error(dir, "e3.safetensors", b, &o, "does not follow opt naming",
                   "a stray name is reported");
  o.arch = NULL;
  st_add1(b, "foo.bar", "F32", 1, NULL);
  expect_map_error(dir, "e4.safetensors", b, &o, "no tensor is named like",
                   "unknown naming asks for --pattern");
  o.naming = SIM_NAMING_PATTERN;
  o.pattern = "h.";
  st_add1(b, "h.0.x", "F32", 1, NULL);
  expect_map_error(dir, "e5.safetensors", b, &o, "must be a block prefix with {N}",
                   "a pattern without {N} is refused");
  o.pattern = "h.{N}.";
  st_add2(b, "h.0.w", "U8", 2, 2, NULL);
  expect_map_error(dir, "e6.safetensors", b, &o, "which the quantizers cannot read",
                   "a matrix of an unreadable dtype is refused");
  st_clear(b);
  st_add2(b, "h.0.w", "F32", 2, 2, NULL);
  st_add2(b, "h.2.w", "F32", 2, 2, NULL);
  expect_map_error(dir, "e7.safetensors", b, &o, "layer 'block.1' at block granularity has no "
                   "tensor", "a gap in the block numbers is refused, not an empty layer");
  st_clear(b);
  st_add2(b, "h.0.w", "F32", 2, 2, NULL);
  st_add2(b, "h.999999.w", "F32", 2, 2, NULL);
  expect_map_error(dir, "e8.safetensors", b, &o, "layer 'block.1' at block granularity has no "
                   "tensor", "a stray large block number is refused, not a million layers");
  o.granularity = SIM_GRAN_LINEAR;
  st_clear(b);
  st_add2(b, "h.0.w", "F32", 2, 2, NULL);
  st_add2(b, "h.2.w", "F32", 2, 2, NULL);
  snprintf(path, sizeof path, "%s/e9.safetensors", dir);
  st_write(b, path);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  sim_weights_map *m = st ? sim_weights_map_alloc(st, &o, &err) : NULL;
  ok(m != NULL && m->n_layers == 2, "at linear granularity a gap in block numbers is no layer");
  if (m == NULL) diag("  got: %s", err.msg);
  sim_weights_map_free(m);
  sim_safetensors_free(st);
  st_clear(b);
  free(b);
}

/* The table feeds the solver: a scenario naming it gets exactly the
 * profiled errors, and the allowed widths follow delta. */
static void test_scenario(const char *dir) {
  char ckpt[256], csv[256], yaml[256];
  snprintf(ckpt, sizeof ckpt, "%s/small.safetensors", dir); /* from test_small_opt */
  snprintf(csv, sizeof csv, "%s/opt.csv", dir);
  snprintf(yaml, sizeof yaml, "%s/s.yaml", dir);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(ckpt, &err);
  sim_weights_options o = {SIM_NAMING_AUTO, NULL, SIM_GRAN_BLOCK, sim_arch_find("opt-125m"), 0};
  sim_weights_map *m = st ? sim_weights_map_alloc(st, &o, &err) : NULL;
  sim_quantize_spec spec = make_spec("4:32:2");
  sim_weights_profile *p = m ? sim_weights_profile_alloc(st, m, &spec, NULL, NULL, &err) : NULL;
  ok(p != NULL && sim_weights_profile_save(p, SIM_QMETRIC_MAX_ABS_NORM, csv, &err) == SIM_OK,
     "profiled the small OPT checkpoint as opt-125m, 4:32:2");
  FILE *f = fopen(yaml, "w");
  fprintf(f, "name: t\nseed: 1\nruns: 1\nmodel: {name: opt-125m, granularity: block}\n"
             "servers: {count: 2, ccs: {min: 1.0e9, max: 1.0e10}, storage: {min: 0.5, max: 1.5, "
             "unit: model_fp32}}\nlinks: {omega_min: 1.0e8}\n"
             "quantization: {b_min: 4, b_max: 32, step: 2, error: table, error_table: opt.csv, "
             "delta: 1.0e-4}\n");
  fclose(f);
  sim_scenario *sc = p ? sim_scenario_load(yaml, &err) : NULL;
  sim_case *run = sc ? sim_case_alloc(sc, 0, 0, &err) : NULL;
  const solver_instance *in = run ? run->instance : NULL;
  ok(in != NULL, "a scenario with quantization.error_table builds a solver instance");
  if (in != NULL) {
    int same = in->n_layers == p->n_layers && in->n_bits == spec.n_bits, allowed = 1;
    for (size_t l = 0; same && l < in->n_layers; l++)
      for (size_t k = 0; k < in->n_bits; k++) {
        double e = spec.bits[k] >= 32 ? 0 : sim_weights_profile_error(p, l, k, SIM_QMETRIC_MAX_ABS_NORM);
        same &= in->error[l * in->n_bits + k] == e;
        allowed &= solver_instance_allowed(in, l, k) == (e <= 1.0e-4);
      }
    ok(same, "the instance's errors are the profiled ones");
    ok(allowed, "and (layer, bits) is allowed exactly when its error is within delta");
  } else {
    diag("%s", err.msg);
  }
  sim_case_free(run);
  sim_scenario_free(sc);
  sim_weights_profile_free(p);
  sim_weights_map_free(m);
  sim_safetensors_free(st);
}

int main(void) {
  char dirbuf[64];
  char *dir = st_tmpdir(dirbuf);
  if (dir == NULL) {
    printf("Bail out! cannot make a temporary directory\n");
    return 1;
  }
  test_hand_table(dir);
  test_opt125m(dir);
  test_small_opt(dir);
  test_scenario(dir);
  test_llama(dir);
  test_errors(dir);
  st_tmp_rm(dir);
  return tap_done();
}
