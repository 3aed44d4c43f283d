/* safetensors.c: opening a checkpoint and validating a safetensors header
 * against its file before any tensor byte is touched.
 *
 * The header is parsed with jansson: it is packaged in Debian and kept up to
 * date, checks every length against the buffer it is given (json_loadb never
 * reads past N bytes), validates UTF-8, and rejects duplicate keys on request
 * (JSON_REJECT_DUPLICATES), which a hostile header could otherwise use to
 * make two tools disagree about a tensor. */
#define _POSIX_C_SOURCE 200809L
#include "sim/weights/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads exactly n bytes at offset, retrying short reads. */
static int read_at(int fd, void *buf, size_t n, uint64_t offset) {
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t r = pread(fd, p, n, (off_t)offset);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
    offset += (uint64_t)r;
  }
  return 0;
}

/* a * b into *out; 0 on success, -1 on overflow. */
static int mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (a != 0 && b > UINT64_MAX / a) return -1;
  *out = a * b;
  return 0;
}

static int push_tensor(sim_safetensors *st, sim_st_tensor **out) {
  if (st->n_tensors == st->cap_tensors) {
    size_t cap = st->cap_tensors ? 2 * st->cap_tensors : 64;
    sim_st_tensor *v = realloc(st->tensors, cap * sizeof *v);
    if (v == NULL) return -1;
    st->tensors = v;
    st->cap_tensors = cap;
  }
  *out = &st->tensors[st->n_tensors++];
  memset(*out, 0, sizeof **out);
  return 0;
}

/* Formats a shape as "[a, b, c]" for messages. */
static void shape_text(const sim_st_tensor *t, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "[");
  for (size_t d = 0; d < t->ndim && used < len; d++)
    used += (size_t)snprintf(buf + used, len - used, "%s%llu", d ? ", " : "",
                             (unsigned long long)t->shape[d]);
  if (used < len) snprintf(buf + used, len - used, "]");
}

/* Validates one header entry and fills t (except name, offset and file).
 * begin/end receive data_offsets. */
static int parse_entry(const char *path, const char *name, json_t *v, sim_st_tensor *t,
                       uint64_t *begin, uint64_t *end, sim_error *err) {
  if (!json_is_object(v))
    return sim_error_set(err, SIM_EINPUT, "%s: error: tensor '%s' is not a JSON object", path, name);
  const char *key;
  json_t *val;
  json_object_foreach(v, key, val) {
    if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets"))
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: tensor '%s' has unknown key '%s'; allowed: dtype, shape, "
                           "data_offsets", path, name, key);
  }
  json_t *dt = json_object_get(v, "dtype");
  json_t *sh = json_object_get(v, "shape");
  json_t *off = json_object_get(v, "data_offsets");
  if (dt == NULL || sh == NULL || off == NULL)
    return sim_error_set(err, SIM_EINPUT, "%s: error: tensor '%s' lacks '%s'", path, name,
                         dt == NULL ? "dtype" : sh == NULL ? "shape" : "data_offsets");
  if (!json_is_string(dt))
    return sim_error_set(err, SIM_EINPUT, "%s: error: tensor '%s': dtype is not a string", path, name);
  int code = sim_dtype_parse(json_string_value(dt));
  if (code < 0)
    return sim_error_set(err, SIM_EINPUT,
                         "%s: error: tensor '%s' has unknown dtype '%s'; known: BOOL, U8, I8, "
                         "F8_E4M3, F8_E5M2, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64",
                         path, name, json_string_value(dt));
  t->dtype = (sim_dtype)code;
  if (!json_is_array(sh) || json_array_size(sh) > SIM_ST_MAX_DIMS)
    return sim_error_set(err, SIM_EINPUT,
                         "%s: error: tensor '%s': shape must be a list of at most %d integers",
                         path, name, SIM_ST_MAX_DIMS);
  t->ndim = json_array_size(sh);
  t->n_elems = 1;
  for (size_t d = 0; d < t->ndim; d++) {
    json_t *x = json_array_get(sh, d);
    if (!json_is_integer(x) || json_integer_value(x) < 0)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: tensor '%s': shape[%zu] is not a non-negative integer",
                           path, name, d);
    t->shape[d] = (uint64_t)json_integer_value(x);
    if (mul_u64(t->n_elems, t->shape[d], &t->n_elems) != 0)
      return sim_error_set(err, SIM_EINPUT, "%s: error: tensor '%s': shape overflows 64 bits",
                           path, name);
  }
  if (mul_u64(t->n_elems, sim_dtype_size(t->dtype), &t->n_bytes) != 0)
    return sim_error_set(err, SIM_EINPUT, "%s: error: tensor '%s': byte size overflows 64 bits",
                         path, name);
  if (!json_is_array(off) || json_array_size(off) != 2 ||
      !json_is_integer(json_array_get(off, 0)) || !json_is_integer(json_array_get(off, 1)) ||
      json_integer_value(json_array_get(off, 0)) < 0 ||
      json_integer_value(json_array_get(off, 1)) < json_integer_value(json_array_get(off, 0)))
    return sim_error_set(err, SIM_EINPUT,
                         "%s: error: tensor '%s': data_offsets must be [begin, end] with "
                         "0 <= begin <= end", path, name);
  *begin = (uint64_t)json_integer_value(json_array_get(off, 0));
  *end = (uint64_t)json_integer_value(json_array_get(off, 1));
  if (*end - *begin != t->n_bytes) {
    char s[256];
    shape_text(t, s, sizeof s);
    return sim_error_set(err, SIM_EINPUT,
                         "%s: error: tensor '%s': shape %s of %s needs %llu bytes but "
                         "data_offsets [%llu, %llu] span %llu",
                         path, name, s, sim_dtype_name(t->dtype), (unsigned long long)t->n_bytes,
                         (unsigned long long)*begin, (unsigned long long)*end,
                         (unsigned long long)(*end - *begin));
  }
  return SIM_OK;
}

typedef struct {
  uint64_t begin, end;
  size_t tensor;
} span;

static int cmp_span(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return 0;
}

/* The format requires the tensors to tile the data section exactly: sorted
 * by offset, each must start where the previous one ended, and the last must
 * end at the end of the file. This rules out overlaps (two names for the same
 * bytes) and hidden bytes (polyglot files). */
static int check_tiling(const sim_safetensors *st, const char *path, span *s, size_t n,
                        uint64_t data_len, sim_error *err) {
  qsort(s, n, sizeof *s, cmp_span);
  uint64_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name = st->tensors[s[i].tensor].name;
    if (s[i].end > data_len)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: tensor '%s': data_offsets end %llu is past the end of the "
                           "data section (%llu bytes)", path, name, (unsigned long long)s[i].end,
                           (unsigned long long)data_len);
    if (s[i].begin < at)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: tensor '%s' (bytes %llu..%llu) overlaps tensor '%s' "
                           "(ending at %llu)", path, name, (unsigned long long)s[i].begin,
                           (unsigned long long)s[i].end, st->tensors[s[i - 1].tensor].name,
                           (unsigned long long)at);
    if (s[i].begin > at)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: bytes %llu..%llu of the data section belong to no tensor "
                           "(tensor '%s' starts at %llu)", path, (unsigned long long)at,
                           (unsigned long long)s[i].begin, name, (unsigned long long)s[i].begin);
    at = s[i].end;
  }
  if (at != data_len)
    return sim_error_set(err, SIM_EINPUT,
                         "%s: error: the data section has %llu bytes but its tensors end at "
                         "byte %llu", path, (unsigned long long)data_len, (unsigned long long)at);
  return SIM_OK;
}

/* Walks the parsed header: records each tensor, then checks the tiling. */
static int parse_header(sim_safetensors *st, const char *path, json_t *root, size_t file,
                        uint64_t data_start, uint64_t data_len, sim_error *err) {
  if (!json_is_object(root))
    return sim_error_set(err, SIM_EINPUT, "%s: error: the header is not a JSON object", path);
  size_t first = st->n_tensors;
  size_t n = json_object_size(root);
  span *spans = malloc((n ? n : 1) * sizeof *spans);
  if (spans == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", path);
  size_t ns = 0;
  int rc = SIM_OK;
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (strcmp(key, "__metadata__") == 0) {
      if (!json_is_object(v)) {
        rc = sim_error_set(err, SIM_EINPUT, "%s: error: __metadata__ is not a JSON object", path);
        break;
      }
      continue;
    }
    if (key[0] == '\0') {
      rc = sim_error_set(err, SIM_EINPUT, "%s: error: a tensor has an empty name", path);
      break;
    }
    sim_st_tensor *t;
    char *name = strdup(key);
    if (name == NULL || push_tensor(st, &t) != 0) {
      free(name);
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", path);
      break;
    }
    t->name = name;
    t->file = file;
    uint64_t begin = 0, end = 0;
    rc = parse_entry(path, key, v, t, &begin, &end, err);
    if (rc != SIM_OK) break;
    t->offset = data_start + begin;
    spans[ns].begin = begin;
    spans[ns].end = end;
    spans[ns].tensor = st->n_tensors - 1;
    ns++;
  }
  if (rc == SIM_OK) rc = check_tiling(st, path, spans, ns, data_len, err);
  free(spans);
  if (rc == SIM_OK)
    for (size_t i = first; i < st->n_tensors; i++) st->total_bytes += st->tensors[i].n_bytes;
  return rc;
}

static int open_file(const char *path, int *fd_out, uint64_t *size_out, sim_error *err) {
  /* Checked without blocking: a FIFO given as weights would otherwise
   * wait in open() for a writer. */
  int fd = sim_file_open_regular(path, "error", err);
  if (fd < 0) return err->code;
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    close(fd);
    return sim_error_set(err, SIM_EIO, "%s: error: cannot stat: %s", path, strerror(errno));
  }
  *fd_out = fd;
  *size_out = (uint64_t)sb.st_size;
  return SIM_OK;
}

int sim__st_add_file(sim_safetensors *st, const char *path, sim_error *err) {
  if (st->n_files == st->cap_files) {
    size_t cap = st->cap_files ? 2 * st->cap_files : 4;
    sim__st_file *v = realloc(st->files, cap * sizeof *v);
    if (v == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory opening %s", path);
    st->files = v;
    st->cap_files = cap;
  }
  sim__st_file *f = &st->files[st->n_files];
  f->fd = -1;
  f->path = strdup(path);
  if (f->path == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory opening %s", path);
  st->n_files++; /* from here on sim_safetensors_free releases f */
  int rc = open_file(path, &f->fd, &f->size, err);
  if (rc != SIM_OK) return rc;
  if (f->size == 0)
    return sim_error_set(err, SIM_EINPUT, "%s: error: the file is empty; a safetensors file "
                         "starts with an 8-byte header length", path);
  if (f->size < 8)
    return sim_error_set(err, SIM_EINPUT, "%s: error: the file has %llu bytes, fewer than the "
                         "8-byte header length", path, (unsigned long long)f->size);
  unsigned char len8[8];
  if (read_at(f->fd, len8, 8, 0) != 0)
    return sim_error_set(err, SIM_EIO, "%s: error: cannot read the header length", path);
  uint64_t hlen = 0;
  for (int k = 7; k >= 0; k--) hlen = hlen << 8 | len8[k];
  if (hlen > f->size - 8)
    return sim_error_set(err, SIM_EINPUT, "%s: error: header length %llu extends past the end "
                         "of the file (%llu bytes)", path, (unsigned long long)hlen,
                         (unsigned long long)f->size);
  if (hlen < 2 || hlen > SIM__ST_HEADER_MAX)
    return sim_error_set(err, SIM_EINPUT, "%s: error: header length %llu is outside [2, %u]",
                         path, (unsigned long long)hlen, SIM__ST_HEADER_MAX);
  char *text = malloc((size_t)hlen);
  if (text == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", path);
  if (read_at(f->fd, text, (size_t)hlen, 8) != 0) {
    free(text);
    return sim_error_set(err, SIM_EIO, "%s: error: cannot read the header", path);
  }
  /* A header must be an object; refusing anything else up front gives a
   * clearer message than the parser's for binary garbage. */
  const int is_object = text[0] == '{';
  json_error_t jerr;
  json_t *root = is_object ? json_loadb(text, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr) : NULL;
  free(text);
  if (root == NULL) {
    if (!is_object)
      return sim_error_set(err, SIM_ESYNTAX, "%s: error: the header does not start with '{'", path);
    return sim_error_set(err, SIM_ESYNTAX, "%s: error: the header is not valid JSON: %s "
                         "(at header byte %d)", path, jerr.text, jerr.position);
  }
  f->data_start = 8 + hlen;
  rc = parse_header(st, path, root, st->n_files - 1, f->data_start, f->size - f->data_start, err);
  json_decref(root);
  return rc;
}
