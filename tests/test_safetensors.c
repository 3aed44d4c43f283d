/* test_safetensors.c: the reader on files the test writes: fp16 and bf16
 * conversions bit for bit, valid single and sharded checkpoints, and corrupt
 * or hostile files, each of which must give its own error. */
#include "tests/st_build.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/weights/weights.h"
#include "tests/tap.h"

static uint32_t bits_of(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static void test_f16(void) {
  /* Known binary16 -> binary32 encodings: sign, zeros, normals, the
   * largest finite, subnormals (value m * 2^-24), infinities, NaNs. */
  static const struct { uint16_t h; uint32_t f; const char *what; } cases[] = {
    {0x0000, 0x00000000, "+0"},
    {0x8000, 0x80000000, "-0"},
    {0x3c00, 0x3f800000, "1"},
    {0xc000, 0xc0000000, "-2"},
    {0x3555, 0x3eaaa000, "0.333251953125"},
    {0x7bff, 0x477fe000, "65504, the largest finite"},
    {0x0400, 0x38800000, "2^-14, the smallest normal"},
    {0x03ff, 0x387fc000, "1023 * 2^-24, the largest subnormal"},
    {0x0200, 0x38000000, "2^-15, a subnormal"},
    {0x0001, 0x33800000, "2^-24, the smallest subnormal"},
    {0x8001, 0xb3800000, "-2^-24"},
    {0x7c00, 0x7f800000, "+inf"},
    {0xfc00, 0xff800000, "-inf"},
    {0x7e00, 0x7fc00000, "quiet NaN"},
    {0x7c01, 0x7f802000, "signalling NaN keeps its payload"},
    {0xfe00, 0xffc00000, "negative quiet NaN"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint32_t got = bits_of(sim_f16_to_float(cases[i].h));
    ok(got == cases[i].f, "f16 0x%04x -> 0x%08x (%s)", cases[i].h, cases[i].f, cases[i].what);
    if (got != cases[i].f) diag("  got 0x%08x", got);
  }
  /* Every finite code against the definition (-1)^s * 2^(e-15) * (1 + m/1024),
   * or m * 2^-24 for e = 0, evaluated independently in double. */
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    uint32_t e = (h >> 10) & 31, m = h & 1023;
    if (e == 31) continue;
    double want = e ? ldexp(1024.0 + m, (int)e - 25) : ldexp((double)m, -24);
    if (h & 0x8000) want = -want;
    if ((double)sim_f16_to_float((uint16_t)h) != want) bad++;
  }
  ok_int(bad, 0, "all 63488 finite f16 codes equal their definition");
}

static void test_bf16(void) {
  static const struct { uint16_t h; uint32_t f; const char *what; } cases[] = {
    {0x0000, 0x00000000, "+0"},
    {0x8000, 0x80000000, "-0"},
    {0x3f80, 0x3f800000, "1"},
    {0x4049, 0x40490000, "3.140625"},
    {0xc2f7, 0xc2f70000, "-123.5"},
    {0x7f7f, 0x7f7f0000, "the largest finite"},
    {0x0080, 0x00800000, "2^-126, the smallest normal"},
    {0x007f, 0x007f0000, "the largest subnormal"},
    {0x0001, 0x00010000, "the smallest subnormal (2^-133)"},
    {0x7f80, 0x7f800000, "+inf"},
    {0xff80, 0xff800000, "-inf"},
    {0x7fc0, 0x7fc00000, "quiet NaN"},
    {0x7f81, 0x7f810000, "signalling NaN keeps its payload"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint32_t got = bits_of(sim_bf16_to_float(cases[i].h));
    ok(got == cases[i].f, "bf16 0x%04x -> 0x%08x (%s)", cases[i].h, cases[i].f, cases[i].what);
  }
  ok(sim_bf16_to_float(0x0001) == ldexpf(1.0f, -133), "bf16 0x0001 is 2^-133");
  ok(isnan(sim_bf16_to_float(0x7fc0)) && isinf(sim_bf16_to_float(0xff80)),
     "bf16 NaN and -inf classify as such");
}

static void test_dtypes(void) {
  ok_int(sim_dtype_parse("BF16"), SIM_DTYPE_BF16, "BF16 parses");
  ok_int(sim_dtype_parse("Q4_0"), -1, "an unknown dtype does not parse");
  ok_int((long long)sim_dtype_size(SIM_DTYPE_F64), 8, "F64 is 8 bytes");
  ok(sim_dtype_readable(SIM_DTYPE_I8) && !sim_dtype_readable(SIM_DTYPE_I64),
     "I8 is read as numbers, I64 is not");
  const unsigned char f64[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0xbf}; /* -1.5 little-endian */
  ok(sim_dtype_load(SIM_DTYPE_F64, f64, 0) == -1.5, "F64 loads little-endian");
  const unsigned char i8[2] = {0x80, 0x7f};
  ok(sim_dtype_load(SIM_DTYPE_I8, i8, 0) == -128 && sim_dtype_load(SIM_DTYPE_I8, i8, 1) == 127,
     "I8 loads signed");
}

static void test_valid(const char *dir) {
  char path[256];
  snprintf(path, sizeof path, "%s/ok.safetensors", dir);
  st_builder b = {0};
  const float f32[6] = {1, -2, 3, -4, 5, -6};
  const uint16_t f16[3] = {0x3c00, 0xc000, 0x0001};
  const uint16_t bf16[2] = {0x3f80, 0x4049};
  st_add2(&b, "b.weight", "F32", 2, 3, f32);
  st_add1(&b, "a.bias", "F16", 3, f16);
  st_add1(&b, "c", "BF16", 2, bf16);
  st_add(&b, "empty", "F32", 0, NULL, NULL); /* a scalar: one element */
  ok(st_write(&b, path) == 0, "wrote a valid file");
  st_clear(&b);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  ok(st != NULL, "opened it");
  if (st == NULL) { diag("%s", err.msg); return; }
  ok_int((long long)sim_safetensors_n_tensors(st), 4, "4 tensors");
  ok_int((long long)sim_safetensors_total_bytes(st), 24 + 6 + 4 + 4, "38 data bytes");
  const sim_st_tensor *t = sim_safetensors_tensor(st, 0);
  ok(strcmp(t->name, "b.weight") == 0, "file order: the first written comes first");
  ok(t->dtype == SIM_DTYPE_F32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
     t->n_elems == 6 && t->n_bytes == 24, "shape, dtype and sizes of b.weight");
  const sim_st_tensor *c = sim_safetensors_find(st, "c");
  ok(c != NULL && c->dtype == SIM_DTYPE_BF16 && c->offset == t->offset + 30,
     "find by name; offsets are absolute");
  ok(sim_safetensors_find(st, "nope") == NULL, "an absent name is not found");
  sim_st_window w;
  ok(sim_safetensors_window_map(st, t, 4, 8, &w, &err) == SIM_OK &&
     sim_dtype_load(SIM_DTYPE_F32, w.data, 0) == -2 && sim_dtype_load(SIM_DTYPE_F32, w.data, 1) == 3,
     "a window at byte 4 reads elements 1 and 2");
  sim_safetensors_window_unmap(&w);
  ok(sim_safetensors_window_map(st, t, 20, 8, &w, &err) == SIM_EINTERNAL,
     "a window past the tensor's end is refused");
  const sim_st_tensor *a = sim_safetensors_find(st, "a.bias");
  sim_error_clear(&err);
  ok(a && sim_safetensors_window_map(st, a, 0, 6, &w, &err) == SIM_OK &&
     sim_dtype_load(SIM_DTYPE_F16, w.data, 2) == ldexp(1, -24), "F16 subnormal read through a window");
  sim_safetensors_window_unmap(&w);
  sim_safetensors_free(st);
}

/* Two shards and an index; then the index's own failure modes. */
static void test_sharded(const char *dir) {
  char path[256], index[256];
  st_builder b = {0};
  const float x[2] = {1, 2};
  st_add1(&b, "x", "F32", 2, x);
  snprintf(path, sizeof path, "%s/model-00001-of-00002.safetensors", dir);
  st_write(&b, path);
  st_clear(&b);
  st_add1(&b, "y", "F32", 2, x);
  st_add1(&b, "z", "F32", 2, x);
  snprintf(path, sizeof path, "%s/model-00002-of-00002.safetensors", dir);
  st_write(&b, path);
  st_clear(&b);
  snprintf(index, sizeof index, "%s/model.safetensors.index.json", dir);
  FILE *f = fopen(index, "w");
  fprintf(f, "{\"metadata\":{\"total_size\":24},\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\","
             "\"y\":\"model-00002-of-00002.safetensors\",\"z\":\"model-00002-of-00002.safetensors\"}}");
  fclose(f);
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(index, &err);
  ok(st != NULL && sim_safetensors_n_tensors(st) == 3 && sim_safetensors_n_files(st) == 2,
     "a sharded checkpoint opens through its index");
  if (st) {
    ok(sim_safetensors_find(st, "z")->file == 1 && sim_safetensors_tensor(st, 0)->file == 0,
       "tensors know their shard; file order goes shard by shard");
    ok(strstr(sim_safetensors_file_path(st, 1), "00002") != NULL, "shard paths are kept");
  } else {
    diag("%s", err.msg);
  }
  sim_safetensors_free(st);
  sim_error_clear(&err);
  st = sim_safetensors_alloc(dir, &err);
  ok(st != NULL && sim_safetensors_n_tensors(st) == 3, "a directory opens through its index");
  sim_safetensors_free(st);

  static const struct { const char *map, *want; } bad[] = {
    {"\"x\":\"model-00002-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\","
     "\"z\":\"model-00002-of-00002.safetensors\"", "which has no such tensor"},
    {"\"x\":\"../model-00001-of-00002.safetensors\"", "a file name beside the index"},
    {"\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"",
     "is not listed in the index"},
    {"\"x\":7", "not a string"},
    {"\"x\":\"missing.safetensors\"", "cannot open"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(path, sizeof path, "%s/bad%zu.index.json", dir, i);
    f = fopen(path, "w");
    fprintf(f, "{\"weight_map\":{%s}}", bad[i].map);
    fclose(f);
    sim_error_clear(&err);
    st = sim_safetensors_alloc(path, &err);
    ok(st == NULL && (err.code == SIM_EINPUT) && strstr(err.msg, bad[i].want) != NULL,
       "bad index %zu: %s", i, bad[i].want);
    if (st != NULL || strstr(err.msg, bad[i].want) == NULL) diag("  got: %s", err.msg);
    sim_safetensors_free(st);
  }
  snprintf(path, sizeof path, "%s/syntax.index.json", dir);
  f = fopen(path, "w");
  fprintf(f, "{\"weight_map\": {\"x\": }");
  fclose(f);
  sim_error_clear(&err);
  st = sim_safetensors_alloc(path, &err);
  ok(st == NULL && err.code == SIM_ESYNTAX && strstr(err.msg, "syntax.index.json:1:") != NULL,
     "an index that is not JSON gives its line and column");
  /* The same tensor name in two shards. */
  st_add1(&b, "x", "F32", 2, x);
  snprintf(path, sizeof path, "%s/dup.safetensors", dir);
  st_write(&b, path);
  st_clear(&b);
  snprintf(path, sizeof path, "%s/dup.index.json", dir);
  f = fopen(path, "w");
  fprintf(f, "{\"weight_map\":{\"x\":\"dup.safetensors\",\"y\":\"model-00001-of-00002.safetensors\"}}");
  fclose(f);
  sim_error_clear(&err);
  st = sim_safetensors_alloc(path, &err);
  ok(st == NULL && strstr(err.msg, "is also in") != NULL, "a name in two shards is refused");
  sim_safetensors_free(st);
}

/* One corrupt file: a header text (NULL: write `raw` bytes as the whole
 * file) plus data, and the phrase its error must contain. */
typedef struct {
  const char *what;
  const char *header;
  long long header_len; /* -1: the header's own length */
  uint64_t data_len;
  const char *want;
} corrupt;

static const corrupt corrupts[] = {
  {"header length past EOF", "{}", 4096, 0, "extends past the end of the file"},
  {"truncated header", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],", 64, 0, "extends past the end"},
  {"bad JSON", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1] \"data_offsets\": [0, 4]}}", -1, 4,
   "not valid JSON"},
  {"not an object", "[1, 2, 3]", -1, 0, "does not start with '{'"},
  {"duplicate key", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
   "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", -1, 4, "duplicate"},
  {"unknown dtype", "{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", -1, 4,
   "unknown dtype 'Q4'"},
  {"shape x dtype != byte length", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
   -1, 20, "needs 24 bytes but data_offsets [0, 20] span 20"},
  {"offset out of range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", -1, 8,
   "past the end of the data section"},
  {"overlapping offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", -1, 12, "overlaps tensor 'a'"},
  {"gap between tensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", -1, 12, "belong to no tensor"},
  {"bytes after the last tensor", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
   -1, 9, "but its tensors end at byte 4"},
  {"negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", -1, 4,
   "not a non-negative integer"},
  {"begin after end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", -1, 4,
   "0 <= begin <= end"},
  {"missing dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", -1, 4, "lacks 'dtype'"},
  {"unknown key", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", -1, 4,
   "unknown key 'x'"},
  {"shape overflows 64 bits", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
   "\"data_offsets\":[0,4]}}", -1, 4, "overflows 64 bits"},
  {"17 dimensions", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"
   "\"data_offsets\":[0,4]}}", -1, 4, "at most 16 integers"},
  {"offsets as floats", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4]}}", -1, 4,
   "data_offsets must be"},
  {"invalid UTF-8", "{\"\xff\xfe\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", -1, 4,
   "not valid JSON"},
  {"header length 0", "", 0, 4, "outside [2, 100000000]"},
  {"huge header length", "{}", 0x7fffffffffffffffLL, 0, "extends past the end"},
  {"metadata not an object", "{\"__metadata__\":[1]}", -1, 0, "__metadata__ is not"},
  {"tensor entry not an object", "{\"a\":[1]}", -1, 0, "is not a JSON object"},
  {"dtype not a string", "{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", -1, 4,
   "dtype is not a string"},
};

static void test_corrupt(const char *dir) {
  char path[256];
  sim_error err;
  for (size_t i = 0; i < sizeof corrupts / sizeof corrupts[0]; i++) {
    const corrupt *c = &corrupts[i];
    snprintf(path, sizeof path, "%s/corrupt%02zu.safetensors", dir, i);
    uint64_t hl = c->header_len < 0 ? strlen(c->header) : (uint64_t)c->header_len;
    st_write_raw(path, c->header, hl, NULL, c->data_len);
    sim_error_clear(&err);
    sim_safetensors *st = sim_safetensors_alloc(path, &err);
    int pass = st == NULL && (err.code == SIM_EINPUT || err.code == SIM_ESYNTAX) &&
               strstr(err.msg, path) != NULL && strstr(err.msg, c->want) != NULL;
    ok(pass, "corrupt: %s", c->what);
    if (!pass) diag("  want '%s', got: %s", c->want, err.msg);
    sim_safetensors_free(st);
  }
  /* Files too short to hold the length itself. */
  static const size_t sizes[] = {0, 5};
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/short%zu.safetensors", dir, sizes[i]);
    FILE *f = fopen(path, "wb");
    fwrite("\x10\0\0\0\0", 1, sizes[i], f);
    fclose(f);
    sim_error_clear(&err);
    sim_safetensors *st = sim_safetensors_alloc(path, &err);
    ok(st == NULL && err.code == SIM_EINPUT &&
       strstr(err.msg, sizes[i] ? "fewer than the 8-byte" : "the file is empty") != NULL,
       "corrupt: a %zu-byte file", sizes[i]);
    sim_safetensors_free(st);
  }
  sim_error_clear(&err);
  snprintf(path, sizeof path, "%s/absent.safetensors", dir);
  ok(sim_safetensors_alloc(path, &err) == NULL && err.code == SIM_EINPUT &&
     strstr(err.msg, "cannot open") != NULL, "a missing file is an input error");
  sim_error_clear(&err);
  snprintf(path, sizeof path, "%s/emptydir", dir);
  if (mkdir(path, 0700) == 0)
    ok(sim_safetensors_alloc(path, &err) == NULL && strstr(err.msg, "holds neither") != NULL,
       "a directory without a checkpoint is refused");
}

int main(void) {
  char dirbuf[64];
  char *dir = st_tmpdir(dirbuf);
  if (dir == NULL) {
    printf("Bail out! cannot make a temporary directory\n");
    return 1;
  }
  test_f16();
  test_bf16();
  test_dtypes();
  test_valid(dir);
  test_sharded(dir);
  test_corrupt(dir);
  st_tmp_rm(dir);
  return tap_done();
}
