/* catalog.c: reading the device and link catalogue from YAML. */
#include "sim/hardware/hardware.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config.h"

const char *sim_hw_data_dir(void) {
  const char *env = getenv("DILEMMA_DATA_DIR");
  struct stat st;
  if (env && *env) return env;
  if (stat(DILEMMA_SRCDIR "/data/devices.yaml", &st) == 0) return DILEMMA_SRCDIR "/data";
  return DILEMMA_PKGDATADIR "/data";
}

static const char *const kind_names[] = {"gpu", "soc", "cpu", NULL};

const char *sim_hw_kind_name(sim_hw_kind k) {
  return k >= 0 && k < SIM_HW_KINDS ? kind_names[k] : "?";
}

void sim_catalog_free(sim_catalog *c) {
  if (c == NULL) return;
  free(c->devices);
  free(c->links);
  free(c);
}

/* Parsing state for one file. */
typedef struct {
  const char *file;
  yaml_document_t doc;
  sim_error *err;
  int bad;
} reader;

static yaml_node_t *node(reader *r, yaml_node_item_t i) { return yaml_document_get_node(&r->doc, i); }

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static void fail(reader *r, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(reader *r, const yaml_node_t *n, const char *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sim_error_set(r->err, SIM_EINPUT, "%s:%zu:%zu: error: %s: %s", r->file,
                n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1, path, msg);
  r->bad = 1;
}

/* A positive finite number, or records an error. */
static double number(reader *r, const yaml_node_t *n, const char *path) {
  const char *s = scalar(n);
  char *end = NULL;
  errno = 0;
  double v = s ? strtod(s, &end) : NAN;
  if (s == NULL || end == s || *end != '\0' || errno != 0 || !isfinite(v) || !(v > 0)) {
    fail(r, n, path, "expected a positive number, got '%s'%s", s ? s : "(not a scalar)", "");
    return NAN;
  }
  return v;
}

static void copy_name(reader *r, const yaml_node_t *n, const char *path, char *dst, size_t len) {
  const char *s = scalar(n);
  if (s == NULL || *s == '\0' || strlen(s) >= len) {
    char lim[24];
    snprintf(lim, sizeof lim, "%zu", len - 1);
    fail(r, n, path, "expected a name of 1 to %s characters%s", lim, "");
    return;
  }
  snprintf(dst, len, "%s", s);
}

static const char *const device_keys[] = {"name", "title", "kind", "mem_bandwidth", "memory",
                                          "fp16_flops", "fp32_flops", "int8_ops", "idle_power",
                                          "peak_power", "source", NULL};
static const char *const link_keys[] = {"name", "title", "bandwidth", "efficiency", "latency",
                                        "message_overhead", "source", NULL};

static int key_index(const char *const *keys, const char *k) {
  for (int i = 0; k && keys[i]; i++)
    if (strcmp(keys[i], k) == 0) return i;
  return -1;
}

static void unknown_key(reader *r, const yaml_node_t *kn, const char *path, const char *const *keys) {
  const char *k = scalar(kn);
  size_t n = 0;
  while (keys[n]) n++;
  const char *near = k ? sim_suggest(k, keys, n) : NULL;
  char hint[96] = "";
  if (near) snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
  fail(r, kn, path, "unknown key '%s'%s", k ? k : "?", hint);
}

static void read_device(reader *r, const yaml_node_t *m, const char *path, sim_device *d) {
  memset(d, 0, sizeof *d);
  d->mem_bandwidth = d->memory = NAN;
  d->fp16_flops = d->fp32_flops = d->int8_ops = d->idle_power = d->peak_power = NAN;
  d->kind = SIM_HW_GPU;
  if (m->type != YAML_MAPPING_NODE) {
    fail(r, m, path, "expected a mapping with name, kind, mem_bandwidth, memory, ...%s%s", "", "");
    return;
  }
  int seen_kind = 0;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(r, p->key), *vn = node(r, p->value);
    char kp[160];
    snprintf(kp, sizeof kp, "%s.%s", path, scalar(kn) ? scalar(kn) : "?");
    switch (key_index(device_keys, scalar(kn))) {
    case 0: copy_name(r, vn, kp, d->name, sizeof d->name); break;
    case 1: copy_name(r, vn, kp, d->title, sizeof d->title); break;
    case 2: {
      int k = key_index(kind_names, scalar(vn));
      if (k < 0) fail(r, vn, kp, "unknown kind '%s'; allowed: gpu, soc, cpu%s", scalar(vn) ? scalar(vn) : "?", "");
      else d->kind = (sim_hw_kind)k;
      seen_kind = 1;
      break;
    }
    case 3: d->mem_bandwidth = number(r, vn, kp); break;
    case 4: d->memory = number(r, vn, kp); break;
    case 5: d->fp16_flops = number(r, vn, kp); break;
    case 6: d->fp32_flops = number(r, vn, kp); break;
    case 7: d->int8_ops = number(r, vn, kp); break;
    case 8: d->idle_power = number(r, vn, kp); break;
    case 9: d->peak_power = number(r, vn, kp); break;
    case 10: break; /* sources are for people; the tool does not read them */
    default: unknown_key(r, kn, kp, device_keys);
    }
  }
  if (d->name[0] == '\0') fail(r, m, path, "a device needs a 'name'%s%s", "", "");
  if (!seen_kind) fail(r, m, path, "device '%s' needs a 'kind' (gpu, soc or cpu)%s", d->name, "");
  if (isnan(d->mem_bandwidth)) fail(r, m, path, "device '%s' needs 'mem_bandwidth' (byte/s)%s", d->name, "");
  if (isnan(d->memory)) fail(r, m, path, "device '%s' needs 'memory' (bytes)%s", d->name, "");
  if (d->title[0] == '\0') snprintf(d->title, sizeof d->title, "%s", d->name);
}

static void read_link(reader *r, const yaml_node_t *m, const char *path, sim_link_profile *l) {
  memset(l, 0, sizeof *l);
  l->bandwidth = NAN;
  l->efficiency = 1.0;
  if (m->type != YAML_MAPPING_NODE) {
    fail(r, m, path, "expected a mapping with name, bandwidth, ...%s%s", "", "");
    return;
  }
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(r, p->key), *vn = node(r, p->value);
    char kp[160];
    snprintf(kp, sizeof kp, "%s.%s", path, scalar(kn) ? scalar(kn) : "?");
    switch (key_index(link_keys, scalar(kn))) {
    case 0: copy_name(r, vn, kp, l->name, sizeof l->name); break;
    case 1: copy_name(r, vn, kp, l->title, sizeof l->title); break;
    case 2: l->bandwidth = number(r, vn, kp); break;
    case 3:
      l->efficiency = number(r, vn, kp);
      if (l->efficiency > 1) fail(r, vn, kp, "an efficiency is a fraction in (0, 1]%s%s", "", "");
      break;
    case 4: l->latency = number(r, vn, kp); break;
    case 5: l->message_overhead = number(r, vn, kp); break;
    case 6: break;
    default: unknown_key(r, kn, kp, link_keys);
    }
  }
  if (l->name[0] == '\0') fail(r, m, path, "a link profile needs a 'name'%s%s", "", "");
  if (isnan(l->bandwidth)) fail(r, m, path, "link '%s' needs 'bandwidth' (bit/s)%s", l->name, "");
  if (l->title[0] == '\0') snprintf(l->title, sizeof l->title, "%s", l->name);
}

/* Adds or replaces an entry by name. */
static int put(void **arr, size_t *n, size_t size, const void *item) {
  char *a = *arr;
  for (size_t i = 0; i < *n; i++)
    if (strcmp(a + i * size, item) == 0) { /* both structs start with name[] */
      memcpy(a + i * size, item, size);
      return 0;
    }
  char *g = realloc(a, (*n + 1) * size);
  if (g == NULL) return -1;
  memcpy(g + *n * size, item, size);
  *arr = g;
  (*n)++;
  return 0;
}

static int read_file(sim_catalog *c, const char *path, int required, sim_error *err) {
  size_t len = 0;
  sim_error ferr;
  sim_error_clear(&ferr);
  char *text = sim_file_read(path, &len, &ferr);
  if (text == NULL) {
    if (!required && ferr.code == SIM_OK) return SIM_OK;
    if (ferr.code == SIM_OK) return sim_error_set(err, SIM_EINPUT, "%s: no such file", path);
    return sim_error_set(err, ferr.code, "%s", ferr.msg);
  }
  reader r = {.file = path, .err = err};
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    free(text);
    return sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", path);
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &r.doc)) {
    sim_error_set(err, SIM_ESYNTAX, "%s:%zu:%zu: error: YAML syntax: %s", path,
                  parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                  parser.problem ? parser.problem : "malformed");
    yaml_parser_delete(&parser);
    free(text);
    return SIM_ESYNTAX;
  }
  yaml_parser_delete(&parser);
  free(text);
  yaml_node_t *root = yaml_document_get_root_node(&r.doc);
  if (root != NULL && root->type != YAML_MAPPING_NODE)
    fail(&r, root, "(top)", "expected a mapping with 'devices' and/or 'links'%s%s", "", "");
  for (yaml_node_pair_t *p = root && root->type == YAML_MAPPING_NODE ? root->data.mapping.pairs.start : NULL;
       p && p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(&r, p->key), *vn = node(&r, p->value);
    static const char *const top[] = {"devices", "links", NULL};
    int which = key_index(top, scalar(kn));
    if (which < 0) {
      unknown_key(&r, kn, scalar(kn) ? scalar(kn) : "?", top);
      continue;
    }
    if (vn->type != YAML_SEQUENCE_NODE) {
      fail(&r, vn, top[which], "expected a list%s%s", "", "");
      continue;
    }
    size_t i = 0;
    for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++, i++) {
      char ip[64];
      snprintf(ip, sizeof ip, "%s[%zu]", top[which], i);
      int rc;
      if (which == 0) {
        sim_device d;
        read_device(&r, node(&r, *it), ip, &d);
        rc = r.bad ? 0 : put((void **)&c->devices, &c->n_devices, sizeof d, &d);
      } else {
        sim_link_profile l;
        read_link(&r, node(&r, *it), ip, &l);
        rc = r.bad ? 0 : put((void **)&c->links, &c->n_links, sizeof l, &l);
      }
      if (rc != 0) {
        yaml_document_delete(&r.doc);
        return sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", path);
      }
    }
  }
  yaml_document_delete(&r.doc);
  return r.bad ? SIM_EINPUT : SIM_OK;
}

sim_catalog *sim_catalog_load(const char *extra, sim_error *err) {
  sim_catalog *c = calloc(1, sizeof *c);
  if (c == NULL) {
    sim_error_set(err, SIM_ENOMEM, "out of memory");
    return NULL;
  }
  char path[4096];
  const char *dir = sim_hw_data_dir();
  int rc = SIM_OK;
  snprintf(path, sizeof path, "%s/devices.yaml", dir);
  rc = read_file(c, path, 1, err);
  snprintf(path, sizeof path, "%s/links.yaml", dir);
  if (rc == SIM_OK) rc = read_file(c, path, 1, err);
  if (rc == SIM_OK && extra != NULL) rc = read_file(c, extra, 1, err);
  if (rc != SIM_OK) {
    sim_catalog_free(c);
    return NULL;
  }
  return c;
}

const sim_device *sim_catalog_device(const sim_catalog *c, const char *name) {
  for (size_t i = 0; c && name && i < c->n_devices; i++)
    if (strcmp(c->devices[i].name, name) == 0) return &c->devices[i];
  return NULL;
}

const sim_link_profile *sim_catalog_link(const sim_catalog *c, const char *name) {
  for (size_t i = 0; c && name && i < c->n_links; i++)
    if (strcmp(c->links[i].name, name) == 0) return &c->links[i];
  return NULL;
}

/* sim_suggest takes a list of strings; the names live inside structs. */
static const char *suggest(const char *word, const char *base, size_t n, size_t stride) {
  const char **names = malloc((n + 1) * sizeof *names);
  if (names == NULL) return NULL;
  for (size_t i = 0; i < n; i++) names[i] = base + i * stride;
  names[n] = NULL;
  const char *s = sim_suggest(word, names, n);
  free(names);
  return s;
}

const char *sim_catalog_device_suggest(const sim_catalog *c, const char *name) {
  if (c == NULL || c->n_devices == 0) return NULL;
  return suggest(name, c->devices[0].name, c->n_devices, sizeof c->devices[0]);
}

const char *sim_catalog_link_suggest(const sim_catalog *c, const char *name) {
  if (c == NULL || c->n_links == 0) return NULL;
  return suggest(name, c->links[0].name, c->n_links, sizeof c->links[0]);
}

double sim_device_flops(const sim_device *d) {
  if (!isnan(d->fp16_flops)) return d->fp16_flops;
  return d->fp32_flops;
}
