/* scenario_sweep.c: reading the sweep and applying a sweep point.
 *
 * A sweep is one or two dimensions, each a schema key and its values (a list,
 * or a log or linear range). Points are the Cartesian product, row-major:
 * the last dimension varies fastest. Every value is checked against its key's
 * type and range when the scenario is read, and each point is checked against
 * the cross-field rules, so a sweep never fails halfway through a run. */
#include "sim/scenario/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define MAX_DIM_POINTS 10000
#define MAX_POINTS 100000


/* The key that bounds a swept value: the key itself, or for a spec's
 * `ratio` sub-key the ratio's own range. */
static const sim__key *value_key(const sim__key *k, const char *sub) {
  static const sim__key ratio_key = {"ratio", SIM_K_NUM, 0, 1, 1e9, 0, NULL, NULL, 0, NULL, NULL};
  if (sub && strcmp(sub, "ratio") == 0) return &ratio_key;
  return k;
}

static int is_string_key(const sim__key *k, const char *path) {
  return k->type == SIM_K_ENUM ||
         (k->type == SIM_K_STR && (strcmp(path, "model.name") == 0 || strcmp(path, "links.profile") == 0));
}

/* Checks one swept value against its key; numbers land in *num, strings
 * are validated and left in the node. */
static int check_value(sim__pctx *ctx, const yaml_node_t *vn, const char *path, const sim__key *k,
                       const char *sub, double *num) {
  if (k->type == SIM_K_ENUM) {
    const char *s = sim__yaml_scalar(vn);
    if (s == NULL || sim__names_index(k->enums, s) < 0) {
      char allowed[256];
      sim__names_join(k->enums, allowed, sizeof allowed);
      sim__perr(ctx, vn, path, "unknown value '%s'; allowed: %s", s ? s : "?", allowed);
      return -1;
    }
    return 0;
  }
  if (k->type == SIM_K_STR && k->off == offsetof(sim_scenario, links.profile)) {
    /* Checked against the catalogue with each sweep point. */
    const char *s = sim__yaml_scalar(vn);
    if (s == NULL || *s == '\0') {
      sim__perr(ctx, vn, path, "expected a link profile name; got %s", sim__yaml_describe(vn));
      return -1;
    }
    return 0;
  }
  if (k->type == SIM_K_STR) { /* model.name */
    const char *s = sim__yaml_scalar(vn);
    if (s == NULL || sim_arch_find(s) == NULL) {
      sim__perr(ctx, vn, path, "unknown model '%s'; allowed: opt-125m, opt-350m, opt-1.3b, "
                "opt-6.7b, llama-2-7b, llama-3-8b", s ? s : "?");
      return -1;
    }
    return 0;
  }
  if (k->type == SIM_K_INT_WORD) {
    const char *s = sim__yaml_scalar(vn);
    if (s && strcmp(s, k->enums[0]) == 0) { *num = -1; return 0; }
  }
  const sim__key *vk = value_key(k, sub);
  if (k->type == SIM_K_INT || k->type == SIM_K_INT_WORD) {
    int64_t v;
    if (sim__parse_int(ctx, vn, path, vk, &v) != 0) return -1;
    *num = (double)v;
    return 0;
  }
  return sim__parse_number(ctx, vn, path, vk, num);
}

/* Rounds to 15 significant digits so log ranges land on exact decades
 * (1e-7, ..., 1) rather than 9.9999999999999995e-08. */
static double tidy(double x) {
  if (x == 0 || !isfinite(x)) return x;
  char buf[40];
  snprintf(buf, sizeof buf, "%.15g", x);
  return strtod(buf, NULL);
}

static int parse_range(sim__pctx *ctx, const yaml_node_t *rn, const char *path, int log_scale,
                       double **out, size_t *n_out) {
  if (rn->type != YAML_MAPPING_NODE) {
    sim__perr(ctx, rn, path, "expected {from, to, points}; got %s", sim__yaml_describe(rn));
    return -1;
  }
  static const char *const names[] = {"from", "to", "points", NULL};
  static const sim__key any = {"value", SIM_K_NUM, 0, -1e300, 1e300, 0, NULL, NULL, 0, NULL, NULL};
  static const sim__key pos = {"value", SIM_K_NUM, 0, 0, 1e300, SIM_KF_LO_OPEN, NULL, NULL, 0, NULL, NULL};
  static const sim__key pts = {"points", SIM_K_INT, 0, 2, MAX_DIM_POINTS, 0, NULL, NULL, 0, NULL, NULL};
  double from = 0, to = 0;
  int64_t points = 0;
  int have[3] = {0}, bad = 0;
  char sub[320];
  for (yaml_node_pair_t *p = rn->data.mapping.pairs.start; p < rn->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = sim__node_at(ctx, p->key), *vn = sim__node_at(ctx, p->value);
    int idx = sim__parse_subkey(ctx, kn, path, names, 3, sub, sizeof sub);
    if (idx < 0) { bad = 1; continue; }
    have[idx] = 1;
    const sim__key *k = idx == 2 ? &pts : (log_scale ? &pos : &any);
    if (idx == 0) bad |= sim__parse_number(ctx, vn, sub, k, &from) != 0;
    if (idx == 1) bad |= sim__parse_number(ctx, vn, sub, k, &to) != 0;
    if (idx == 2) bad |= sim__parse_int(ctx, vn, sub, k, &points) != 0;
  }
  if (bad) return -1;
  if (!have[0] || !have[1] || !have[2]) {
    sim__perr(ctx, rn, path, "a range needs 'from', 'to' and 'points'");
    return -1;
  }
  double *v = calloc((size_t)points, sizeof *v);
  if (v == NULL) {
    sim_error_set(ctx->err, SIM_ENOMEM, "%s: out of memory reading the sweep", ctx->file);
    return -1;
  }
  for (int64_t i = 0; i < points; i++) {
    double t = (double)i / (double)(points - 1);
    v[i] = log_scale ? tidy(pow(10.0, log10(from) + t * (log10(to) - log10(from))))
                     : tidy(from + t * (to - from));
  }
  v[0] = from;
  v[points - 1] = to;
  *out = v;
  *n_out = (size_t)points;
  return 0;
}

static int parse_dim(sim__pctx *ctx, const yaml_node_t *n, const char *path, sim_sweep_dim *d) {
  if (n->type != YAML_MAPPING_NODE) {
    sim__perr(ctx, n, path, "expected {key, values | log | linear}; got %s", sim__yaml_describe(n));
    return -1;
  }
  static const char *const names[] = {"key", "values", "log", "linear", NULL};
  const yaml_node_t *node[4] = {NULL};
  int bad = 0;
  char sub[224];
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = sim__node_at(ctx, p->key);
    int idx = sim__parse_subkey(ctx, kn, path, names, 4, sub, sizeof sub);
    if (idx < 0) { bad = 1; continue; }
    if (node[idx] != NULL) {
      sim__perr(ctx, kn, sub, "duplicate key (first given at line %zu)", sim__yaml_line(node[idx]));
      bad = 1;
      continue;
    }
    node[idx] = sim__node_at(ctx, p->value);
  }
  if (bad) return -1;
  if (node[0] == NULL) {
    sim__perr(ctx, n, path, "missing 'key': the dotted name of the swept parameter, e.g. links.omega_min");
    return -1;
  }
  const char *key = sim__yaml_scalar(node[0]);
  snprintf(sub, sizeof sub, "%s.key", path);
  if (key == NULL || *key == '\0') {
    sim__perr(ctx, node[0], sub, "expected a dotted key name; got %s", sim__yaml_describe(node[0]));
    return -1;
  }
  const char *spec_sub = NULL;
  const sim__key *k = sim__schema_find(key, &spec_sub);
  if (k == NULL) {
    sim__perr(ctx, node[0], sub, "'%s' is not a scenario key (see `dilemma check --keys`)", key);
    return -1;
  }
  int sweepable = (k->type == SIM_K_NUM || k->type == SIM_K_INT || k->type == SIM_K_INT_WORD ||
                   k->type == SIM_K_ENUM || k->type == SIM_K_SPEC || is_string_key(k, key)) &&
                  !(k->flags & SIM_KF_NOSWEEP);
  if (!sweepable) {
    sim__perr(ctx, node[0], sub, "'%s' cannot be swept; sweep a number, an enumerated key, model.name or links.profile", key);
    return -1;
  }
  int given = (node[1] != NULL) + (node[2] != NULL) + (node[3] != NULL);
  if (given != 1) {
    sim__perr(ctx, n, path, "give exactly one of 'values', 'log' or 'linear'");
    return -1;
  }
  d->key = malloc(strlen(key) + 1);
  if (d->key == NULL) return -1;
  strcpy(d->key, key);

  if (node[1] != NULL) {
    const yaml_node_t *vn = node[1];
    snprintf(sub, sizeof sub, "%s.values", path);
    if (vn->type != YAML_SEQUENCE_NODE || vn->data.sequence.items.top == vn->data.sequence.items.start) {
      sim__perr(ctx, vn, sub, "expected a non-empty list of values; got %s", sim__yaml_describe(vn));
      return -1;
    }
    size_t cnt = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
    if (cnt > MAX_DIM_POINTS) {
      sim__perr(ctx, vn, sub, "%zu values is too many; at most %d", cnt, MAX_DIM_POINTS);
      return -1;
    }
    d->n = cnt;
    if (is_string_key(k, key)) d->strings = calloc(cnt, sizeof *d->strings);
    else d->values = calloc(cnt, sizeof *d->values);
    if (d->strings == NULL && d->values == NULL) return -1;
    for (size_t i = 0; i < cnt; i++) {
      const yaml_node_t *item = sim__node_at(ctx, vn->data.sequence.items.start[i]);
      char ip[352];
      snprintf(ip, sizeof ip, "%s[%zu]", sub, i);
      double num = 0;
      if (check_value(ctx, item, ip, k, spec_sub, &num) != 0) { bad = 1; continue; }
      if (d->strings) {
        const char *s = sim__yaml_scalar(item);
        d->strings[i] = malloc(strlen(s) + 1);
        if (d->strings[i] == NULL) return -1;
        strcpy(d->strings[i], s);
      } else {
        d->values[i] = num;
      }
    }
    return bad ? -1 : 0;
  }
  if (is_string_key(k, key)) {
    sim__perr(ctx, n, path, "'%s' takes names; give them under 'values'", key);
    return -1;
  }
  int log_scale = node[2] != NULL;
  snprintf(sub, sizeof sub, "%s.%s", path, log_scale ? "log" : "linear");
  if (parse_range(ctx, node[2] ? node[2] : node[3], sub, log_scale, &d->values, &d->n) != 0)
    return -1;
  d->log_scale = log_scale;
  const sim__key *vk = value_key(k, spec_sub);
  for (size_t i = 0; i < d->n; i++) {
    double v = d->values[i];
    char lo[32], hi[32];
    int ok = ((vk->flags & SIM_KF_LO_OPEN) ? v > vk->lo : v >= vk->lo) &&
             ((vk->flags & SIM_KF_HI_OPEN) ? v < vk->hi : v <= vk->hi);
    if ((k->type == SIM_K_INT || k->type == SIM_K_INT_WORD) && v != floor(v)) {
      sim__perr(ctx, node[2] ? node[2] : node[3], sub, "value %zu (%.17g) is not an integer, as '%s' requires",
                i, v, key);
      return -1;
    }
    if (!ok) {
      sim_fmt_double(lo, sizeof lo, vk->lo);
      sim_fmt_double(hi, sizeof hi, vk->hi);
      sim__perr(ctx, node[2] ? node[2] : node[3], sub, "value %.17g is outside the range of '%s' [%s, %s]",
                v, key, lo, hi);
      return -1;
    }
  }
  return 0;
}

int sim__parse_sweep(sim__pctx *ctx, const yaml_node_t *n, const char *path) {
  sim_scenario *sc = ctx->sc;
  const yaml_node_t *items[3];
  size_t cnt = 0;
  if (n->type == YAML_MAPPING_NODE) {
    items[cnt++] = n;
  } else if (n->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
      if (cnt == 3) break;
      items[cnt++] = sim__node_at(ctx, *it);
    }
  } else {
    sim__perr(ctx, n, path, "expected a list of one or two {key, values | log | linear}; got %s",
              sim__yaml_describe(n));
    return -1;
  }
  if (cnt == 0 || cnt > 2) {
    sim__perr(ctx, n, path, "sweeps one or two parameters; got %s", cnt ? "more than two" : "none");
    return -1;
  }
  int bad = 0;
  for (size_t i = 0; i < cnt; i++) {
    char sub[64];
    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    sc->n_sweep = i + 1;
    if (parse_dim(ctx, items[i], sub, &sc->sweep[i]) != 0) { bad = 1; break; }
  }
  if (!bad && cnt == 2 && strcmp(sc->sweep[0].key, sc->sweep[1].key) == 0) {
    sim__perr(ctx, items[1], "sweep[1].key", "'%s' is swept twice", sc->sweep[1].key);
    bad = 1;
  }
  if (!bad && cnt == 2 && sc->sweep[0].n * sc->sweep[1].n > MAX_POINTS) {
    sim__perr(ctx, n, path, "%zu x %zu points is too many; at most %d", sc->sweep[0].n,
              sc->sweep[1].n, MAX_POINTS);
    bad = 1;
  }
  return bad ? -1 : 0;
}

int sim__sweep_apply(sim_scenario *sc, const sim_sweep_dim *d, size_t i, sim_error *err) {
  const char *sub = NULL;
  const sim__key *k = sim__schema_find(d->key, &sub);
  if (k == NULL || i >= d->n)
    return sim_error_set(err, SIM_EINTERNAL, "sweep key '%s' vanished from the schema", d->key);
  void *field = (char *)sc + k->off;
  switch (k->type) {
  case SIM_K_NUM: *(double *)field = d->values[i]; break;
  case SIM_K_INT:
  case SIM_K_INT_WORD: *(int64_t *)field = (int64_t)d->values[i]; break;
  case SIM_K_ENUM: {
    int v = sim__names_index(k->enums, d->strings[i]);
    memcpy(field, &v, sizeof v);
    break;
  }
  case SIM_K_STR: /* model.name or links.profile: the view borrows the sweep's string */
    *(char **)field = d->strings[i];
    if (strcmp(d->key, "links.profile") == 0) break;
    sc->model.has_arch = 0;
    sc->model.n_layers = 0;
    sc->model.layers = NULL;
    break;
  case SIM_K_SPEC: {
    sim_spec *s = field;
    if (sub == NULL) {
      s->kind = SIM_SPEC_CONST;
      s->value = d->values[i];
    } else if (strcmp(sub, "min") == 0) {
      s->min = d->values[i];
    } else if (strcmp(sub, "max") == 0) {
      s->max = d->values[i];
      s->ratio = 0;
    } else {
      s->ratio = d->values[i];
    }
    break;
  }
  default:
    return sim_error_set(err, SIM_EINTERNAL, "sweep key '%s' is not sweepable", d->key);
  }
  return SIM_OK;
}
