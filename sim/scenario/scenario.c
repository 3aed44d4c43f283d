/* scenario.c: loading, sweep points, model profiles and freeing. */
#define _POSIX_C_SOURCE 200809L
#include "sim/scenario/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Scenarios are small; a cap keeps a wrong argument (a model checkpoint, say)
 * from being read into memory. */
#define MAX_SCENARIO_BYTES (16u << 20)
/* The longest scenario name (a directory name under results/). */
#define SIM_NAME_MAX 200

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* "dir/fig5-d2d.yaml" -> "fig5-d2d". */
static void base_name(const char *path, char *out, size_t len) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(out, len, "%s", b);
  char *dot = strrchr(out, '.');
  if (dot && dot != out) *dot = '\0';
  if (*out == '\0') snprintf(out, len, "scenario");
}

char *sim__path_resolve(const char *scenario_path, const char *path) {
  const char *slash = scenario_path ? strrchr(scenario_path, '/') : NULL;
  if (path[0] == '/' || slash == NULL) return dup_str(path);
  size_t dlen = (size_t)(slash - scenario_path) + 1;
  char *r = malloc(dlen + strlen(path) + 1);
  if (r == NULL) return NULL;
  memcpy(r, scenario_path, dlen);
  strcpy(r + dlen, path);
  return r;
}

static void point_where(const sim_scenario *sc, size_t p, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "sweep point %zu (", p);
  for (size_t d = 0; d < sc->n_sweep && used < len; d++) {
    char v[64];
    sim_scenario_point_label(sc, p, d, v, sizeof v);
    used += (size_t)snprintf(buf + used, len - used, "%s%s = %s", d ? ", " : "", sc->sweep[d].key, v);
  }
  if (used < len) snprintf(buf + used, len - used, ")");
}

/* 1 if s is a safe name for a directory: letters, digits, '.', '_' and '-',
 * not starting with '.' (so never "..", a hidden file or a path). */
static int name_safe(const char *s) {
  if (*s == '\0' || *s == '.' || strlen(s) > SIM_NAME_MAX) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '.' || *s == '_' || *s == '-'))
      return 0;
  return 1;
}

/* Reads simulation.dynamics.trace (resolved against the scenario's
 * directory) into the scenario, so that every run shares one copy and a
 * bad row is reported when the scenario loads. */
static int load_trace(sim__pctx *ctx, sim_scenario *sc) {
  const char *key = "simulation.dynamics.trace";
  char *p = sim__path_resolve(sc->path, sc->sim.dyn.trace);
  if (p == NULL) return sim_error_set(ctx->err, SIM_ENOMEM, "out of memory");
  free(sc->sim.dyn.trace);
  sc->sim.dyn.trace = p;
  sim_error e;
  sim_error_clear(&e);
  size_t len = 0;
  char *text = sim_file_read(p, &len, &e);
  if (text == NULL) {
    sim__perr(ctx, sim__mark_find(ctx, key), key, "cannot read '%s'%s%s", p, e.code ? ": " : "",
              e.code ? e.msg : " (no such file)");
    return -1;
  }
  const int rc = sim_dyn_trace_parse(text, len, p, &sc->sim.dyn.changes, &sc->sim.dyn.n_changes, &e);
  free(text);
  if (rc != SIM_OK) {
    sim__perr(ctx, sim__mark_find(ctx, key), key, "%s", e.msg);
    return -1;
  }
  return 0;
}

static int finish(sim__pctx *ctx) {
  sim_scenario *sc = ctx->sc;
  /* The name becomes the directory results/NAME: `name: ../../escaped`
   * would write outside results/. */
  if (sim__mark_find(ctx, "name") && !name_safe(sc->name)) {
    sim__perr(ctx, sim__mark_find(ctx, "name"), "name",
              "'%s' is not a safe name; use 1 to %d letters, digits, '.', '_' or '-', not starting "
              "with '.' (it names the output directory results/NAME)", sc->name, SIM_NAME_MAX);
    return -1;
  }
  /* A name given in the file names the default output directory too. */
  if (sim__mark_find(ctx, "name") && !sim__mark_find(ctx, "output")) {
    char out[512];
    snprintf(out, sizeof out, "results/%s", sc->name);
    free(sc->output);
    sc->output = dup_str(out);
    if (sc->output == NULL) return sim_error_set(ctx->err, SIM_ENOMEM, "out of memory");
  }
  if (sc->model.has_arch) {
    if (sc->model.arch.kv_heads == 0) sc->model.arch.kv_heads = sc->model.arch.heads;
    free(sc->model.name);
    sc->model.name = dup_str(sc->model.arch.name);
    if (sc->model.name == NULL) return sim_error_set(ctx->err, SIM_ENOMEM, "out of memory");
  } else if (sc->model.n_layers == 0) {
    const sim_arch *a = sim_arch_find(sc->model.name);
    if (a) sc->model.arch = *a;
  }
  if (sc->quant.error_table != NULL) {
    char *p = sim__path_resolve(sc->path, sc->quant.error_table);
    if (p == NULL) return sim_error_set(ctx->err, SIM_ENOMEM, "out of memory");
    free(sc->quant.error_table);
    sc->quant.error_table = p;
    /* The table must be a regular file: a directory or /dev/zero would
     * pass an open() test and then fail (or never end) in the run. */
    sim_error why;
    sim_error_clear(&why);
    int fd = sim_file_open_regular(p, NULL, &why);
    if (fd < 0) {
      /* why.msg is "PATH: cannot open: REASON" or "PATH: is a FIFO; ..." */
      const char *msg = why.msg + strlen(p) + (strlen(why.msg) > strlen(p) + 2 ? 2 : 0);
      const char *open_fail = "cannot open: ";
      if (strncmp(msg, open_fail, strlen(open_fail)) == 0)
        sim__perr(ctx, sim__mark_find(ctx, "quantization.error_table"), "quantization.error_table",
                  "cannot open '%s': %s", p, msg + strlen(open_fail));
      else
        sim__perr(ctx, sim__mark_find(ctx, "quantization.error_table"), "quantization.error_table",
                  "'%s' %s", p, msg);
    } else {
      close(fd);
    }
  }
  if (sim_scenario_check_size(sc, sc->runs, ctx->err) != SIM_OK) return -1;
  if (sc->sim.dyn.trace != NULL && load_trace(ctx, sc) != 0) return -1;
  if (sim__scenario_hw_load(ctx) != 0) return -1;
  if (sc->n_sweep == 0) return sim__scenario_check(ctx, sc, NULL, NULL);
  /* Each point is a complete configuration; report the first that fails. */
  const yaml_node_t *at = sim__mark_find(ctx, "sweep");
  size_t points = sim_scenario_points(sc);
  for (size_t p = 0; p < points; p++) {
    sim_scenario view;
    if (sim_scenario_point(sc, p, &view, ctx->err) != SIM_OK) return -1;
    char where[256];
    point_where(sc, p, where, sizeof where);
    if (sim__scenario_check(ctx, &view, where, at) != 0) return -1;
  }
  return 0;
}

sim_scenario *sim_scenario_load_string(const char *text, size_t len, const char *name,
                                       sim_error *err) {
  return sim_scenario_load_string_set(text, len, name, NULL, 0, err);
}

sim_scenario *sim_scenario_load_string_set(const char *text, size_t len, const char *name,
                                           const char *const *sets, size_t n_sets,
                                           sim_error *err) {
  char label[128];
  base_name(name, label, sizeof label);
  sim_scenario *sc = calloc(1, sizeof *sc);
  if (sc == NULL || sim__scenario_defaults(sc, label) != SIM_OK || (sc->path = dup_str(name)) == NULL) {
    sim_scenario_free(sc);
    sim_error_set(err, SIM_ENOMEM, "%s: out of memory", name);
    return NULL;
  }
  size_t errors_before = err ? err->count : 0;
  sim_error local;
  sim_error_clear(&local);
  if (err == NULL) err = &local;
  yaml_document_t doc;
  if (sim__yaml_load(&doc, text, len, name, err) != SIM_OK) {
    sim_scenario_free(sc);
    return NULL;
  }
  if (sim__yaml_apply_sets(&doc, sets, n_sets, err) != SIM_OK) {
    yaml_document_delete(&doc);
    sim_scenario_free(sc);
    return NULL;
  }
  sim__pctx ctx = {.file = name, .doc = &doc, .sc = sc, .err = err, .sets = sets, .n_sets = n_sets};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (root == NULL) {
    sim_error_set(err, SIM_EINPUT, "%s:1:1: error: (top level): the file is empty; a scenario is a "
                  "mapping of keys (see docs/scenario.md)", name);
  } else if (sim__parse_map(&ctx, root, "", sim__schema, 0) == 0) {
    finish(&ctx);
  }
  yaml_document_delete(&doc);
  free(ctx.marks);
  if (err->count > errors_before) {
    sim_scenario_free(sc);
    return NULL;
  }
  return sc;
}

sim_scenario *sim_scenario_load(const char *path, sim_error *err) {
  return sim_scenario_load_set(path, NULL, 0, err);
}

sim_scenario *sim_scenario_load_set(const char *path, const char *const *sets, size_t n_sets,
                                    sim_error *err) {
  FILE *f = sim_file_open_input(path, NULL, err);
  if (f == NULL) return NULL;
  char *buf = malloc(MAX_SCENARIO_BYTES + 1);
  if (buf == NULL) {
    fclose(f);
    sim_error_set(err, SIM_ENOMEM, "%s: out of memory", path);
    return NULL;
  }
  size_t n = fread(buf, 1, MAX_SCENARIO_BYTES + 1, f);
  int read_err = ferror(f);
  fclose(f);
  if (read_err) {
    free(buf);
    sim_error_set(err, SIM_EIO, "%s: read error: %s", path, strerror(errno));
    return NULL;
  }
  if (n > MAX_SCENARIO_BYTES) {
    free(buf);
    sim_error_set(err, SIM_EINPUT, "%s: larger than %u MiB; is this a scenario file?", path,
                  MAX_SCENARIO_BYTES >> 20);
    return NULL;
  }
  buf[n] = '\0';
  if (memchr(buf, '\0', n) != NULL) {
    free(buf);
    sim_error_set(err, SIM_EINPUT, "%s: contains NUL bytes; a scenario is a YAML text file", path);
    return NULL;
  }
  sim_scenario *sc = sim_scenario_load_string_set(buf, n, path, sets, n_sets, err);
  free(buf);
  return sc;
}

static void spec_free(sim_spec *s) { free(s->list); }

void sim_scenario_free(sim_scenario *sc) {
  if (sc == NULL) return;
  free(sc->path);
  free(sc->name);
  free(sc->description);
  free(sc->output);
  free(sc->model.name);
  free(sc->model.layers);
  spec_free(&sc->servers.ccs);
  spec_free(&sc->servers.storage);
  spec_free(&sc->servers.mem_bandwidth);
  free(sc->quant.error_table);
  free(sc->sim.outages);
  free(sc->sim.dyn.trace);
  free(sc->sim.dyn.changes);
  sim__scenario_hw_free(sc);
  for (size_t m = 0; m < sc->n_models; m++) free(sc->models[m].name);
  free(sc->models);
  for (size_t d = 0; d < 2; d++) {
    free(sc->sweep[d].key);
    free(sc->sweep[d].values);
    if (sc->sweep[d].strings)
      for (size_t i = 0; i < sc->sweep[d].n; i++) free(sc->sweep[d].strings[i]);
    free(sc->sweep[d].strings);
  }
  free(sc);
}

int sim_scenario_check_size(const sim_scenario *sc, int64_t runs, sim_error *err) {
  solver_method methods[SOLVER_METHOD_COUNT];
  /* In doubles: the product of the caps (1e5 points, 1e6 runs) overflows
   * nothing there, and the comparison needs no exactness. */
  const double rows = (double)sim_scenario_points(sc) * (double)runs *
                      (double)sim_scenario_methods(sc, methods);
  const double need = rows * SIM_ROW_BYTES;
  const double have = sim_memory_available();
  if (have > 0 && need > have)
    return sim_error_set(err, SIM_EINPUT,
                         "%s: runs: %zu sweep point%s x %lld runs x %zu method%s = %.3g rows; sorting "
                         "runs.csv at the end needs about %.3g GB, more than the %.3g GB "
                         "of memory available (physical memory or ulimit -v); reduce runs or the sweep, or split the experiment",
                         sc->path ? sc->path : "(scenario)", sim_scenario_points(sc),
                         sim_scenario_points(sc) == 1 ? "" : "s", (long long)runs,
                         sim_scenario_methods(sc, methods), sim_scenario_methods(sc, methods) == 1 ? "" : "s", rows, need / 1e9, have / 1e9);
  return SIM_OK;
}

size_t sim_scenario_models_used(const sim_scenario *sc) {
  if (sc->models_used > 0 && (size_t)sc->models_used < sc->n_models) return (size_t)sc->models_used;
  return sc->n_models;
}

void sim_scenario_model_label(const sim_scenario *sc, size_t m, char *out, size_t len) {
  int dup = 0;
  for (size_t k = 0; k < sc->n_models; k++)
    dup |= k != m && strcmp(sc->models[k].name, sc->models[m].name) == 0;
  if (dup) snprintf(out, len, "%s#%zu", sc->models[m].name, m);
  else snprintf(out, len, "%s", sc->models[m].name);
}

size_t sim_scenario_points(const sim_scenario *sc) {
  size_t p = 1;
  for (size_t d = 0; d < sc->n_sweep; d++) p *= sc->sweep[d].n;
  return p;
}

/* Index of dimension d at a row-major point. */
static size_t dim_index(const sim_scenario *sc, size_t point, size_t d) {
  size_t stride = 1;
  for (size_t e = d + 1; e < sc->n_sweep; e++) stride *= sc->sweep[e].n;
  return (point / stride) % sc->sweep[d].n;
}

int sim_scenario_point(const sim_scenario *base, size_t point, sim_scenario *view, sim_error *err) {
  if (point >= sim_scenario_points(base))
    return sim_error_set(err, SIM_EINPUT, "sweep point %zu does not exist; the scenario has %zu",
                         point, sim_scenario_points(base));
  *view = *base;
  for (size_t d = 0; d < base->n_sweep; d++) {
    int rc = sim__sweep_apply(view, &base->sweep[d], dim_index(base, point, d), err);
    if (rc != SIM_OK) return rc;
  }
  if (!view->model.has_arch && view->model.n_layers == 0) {
    const sim_arch *a = sim_arch_find(view->model.name);
    if (a) view->model.arch = *a;
  }
  return SIM_OK;
}

void sim_scenario_point_label(const sim_scenario *sc, size_t point, size_t d, char *buf, size_t len) {
  if (d >= sc->n_sweep) { snprintf(buf, len, "-"); return; }
  size_t i = dim_index(sc, point, d);
  if (sc->sweep[d].strings) snprintf(buf, len, "%s", sc->sweep[d].strings[i]);
  else if (sc->sweep[d].values[i] == -1 && strcmp(sc->sweep[d].key, "workload.context") == 0)
    snprintf(buf, len, "auto");
  else sim_fmt_double(buf, len, sc->sweep[d].values[i]);
}

void sim_scenario_point_value(const sim_scenario *sc, size_t point, size_t d, char *buf, size_t len) {
  sim_scenario_point_label(sc, point, d, buf, len);
  if (d >= sc->n_sweep || sc->sweep[d].strings != NULL) return;
  const char *sub = NULL;
  const sim__key *k = sim__schema_find(sc->sweep[d].key, &sub);
  /* Integer keys (and the word of an INT_WORD key) keep the label; every
   * other number (reals, range specs and their parts) is a real. */
  if (k != NULL && (k->type == SIM_K_INT || k->type == SIM_K_INT_WORD) && sub == NULL) return;
  sim_fmt_real(buf, len, sc->sweep[d].values[dim_index(sc, point, d)]);
}

void sim_scenario_sweep_column(const char *key, char *buf, size_t len) {
  snprintf(buf, len, "%s", key);
  for (char *p = buf; *p; p++)
    if (*p == '.') *p = '_';
}

size_t sim_scenario_methods(const sim_scenario *sc, solver_method out[SOLVER_METHOD_COUNT]) {
  size_t n = 0;
  out[n++] = sc->solver.method;
  for (int m = 0; m < SOLVER_METHOD_COUNT; m++)
    if ((sc->solver.baselines & (1u << m)) && (solver_method)m != sc->solver.method)
      out[n++] = (solver_method)m;
  return n;
}

int64_t sim_scenario_context(const sim_scenario *sc) { return solver_workload_context(&sc->workload); }

sim_model *sim_scenario_model_alloc(const sim_scenario *sc, sim_error *err) {
  if (sc->model.n_layers > 0)
    return sim_model_alloc_layers(sc->model.name, sc->model.layers, sc->model.n_layers, err);
  return sim_model_alloc(&sc->model.arch, sc->model.granularity, sim_scenario_context(sc), err);
}
