/* scenario_parse.c: YAML -> sim_scenario through the schema table.
 *
 * Every value is checked where it is read, against its key's type and range;
 * problems are collected (not printed) with the file, line and column of the
 * offending node, the dotted key path and the allowed values. The
 * list-valued keys are read in scenario_lists.c, the sweep in
 * scenario_sweep.c and the hardware keys in scenario_hw.c; cross-field
 * rules live in scenario_check.c. */
#include "sim/scenario/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cap that keeps a hostile scenario from flooding the report (the
 * others are SIM__MAX_LIST and scenario_sweep.c's). */
#define MAX_ERRORS 100      /* problems reported per file */

void sim__perr(sim__pctx *ctx, const yaml_node_t *node, const char *path, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const long set = sim__yaml_set_index(node);
  if (set >= 0 && (size_t)set < ctx->n_sets) {
    sim_error_set(ctx->err, SIM_EINPUT, "--set %s: error: %s: %s", ctx->sets[set],
                  path && *path ? path : "(top level)", msg);
    return;
  }
  size_t line = node ? sim__yaml_line(node) : 1, col = node ? sim__yaml_col(node) : 1;
  sim_error_set(ctx->err, SIM_EINPUT, "%s:%zu:%zu: error: %s: %s", ctx->file, line, col,
                path && *path ? path : "(top level)", msg);
}

void sim__mark_add(sim__pctx *ctx, const char *path, const yaml_node_t *node) {
  if (ctx->n_marks == ctx->cap_marks) {
    size_t cap = ctx->cap_marks ? 2 * ctx->cap_marks : 64;
    sim__mark *m = realloc(ctx->marks, cap * sizeof *m);
    if (m == NULL) return; /* marks only improve messages; losing one is harmless */
    ctx->marks = m;
    ctx->cap_marks = cap;
  }
  sim__mark *m = &ctx->marks[ctx->n_marks++];
  snprintf(m->path, sizeof m->path, "%s", path);
  m->node = node;
}

const yaml_node_t *sim__mark_find(const sim__pctx *ctx, const char *path) {
  for (size_t i = ctx->n_marks; i-- > 0;)
    if (strcmp(ctx->marks[i].path, path) == 0) return ctx->marks[i].node;
  return NULL;
}

int sim__parse_subkey(sim__pctx *ctx, const yaml_node_t *kn, const char *path,
                      const char *const *names, size_t n_names, char *sub, size_t sub_len) {
  const char *key = sim__yaml_scalar(kn);
  snprintf(sub, sub_len, "%s.%s", path, key ? key : "?");
  if (key != NULL)
    for (size_t i = 0; i < n_names; i++)
      if (strcmp(names[i], key) == 0) return (int)i;
  char allowed[256];
  size_t used = 0;
  allowed[0] = '\0';
  for (size_t i = 0; i < n_names && used < sizeof allowed; i++)
    used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", names[i]);
  const char *near = key ? sim_suggest(key, names, n_names) : NULL;
  sim__perr(ctx, kn, sub, "unknown key%s%s%s; allowed: %s", near ? "; did you mean '" : "",
            near ? near : "", near ? "'?" : "", allowed);
  return -1;
}

static void fmt_range(char *buf, size_t len, const sim__key *k) {
  char lo[32], hi[32];
  if (k->type == SIM_K_INT || k->type == SIM_K_INT_WORD) {
    /* Integer keys read best with integer bounds: [1, 1000000], not 1e+06. */
    snprintf(lo, sizeof lo, "%.0f", k->lo);
    snprintf(hi, sizeof hi, "%.0f", k->hi);
  } else {
    sim_fmt_double(lo, sizeof lo, k->lo);
    sim_fmt_double(hi, sizeof hi, k->hi);
  }
  snprintf(buf, len, "%c%s, %s%c%s%s", (k->flags & SIM_KF_LO_OPEN) ? '(' : '[', lo, hi,
           (k->flags & SIM_KF_HI_OPEN) ? ')' : ']', k->unit ? " " : "", k->unit ? k->unit : "");
}

static int in_range(const sim__key *k, double v) {
  if ((k->flags & SIM_KF_LO_OPEN) ? !(v > k->lo) : !(v >= k->lo)) return 0;
  if ((k->flags & SIM_KF_HI_OPEN) ? !(v < k->hi) : !(v <= k->hi)) return 0;
  return 1;
}

int sim__parse_number(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                      double *out) {
  double v;
  char range[96];
  fmt_range(range, sizeof range, k);
  if (n->type != YAML_SCALAR_NODE || sim__yaml_number(n, &v) != 0) {
    sim__perr(ctx, n, path, "expected a number in %s, got %s%s%s%s", range, sim__yaml_describe(n),
              n->type == YAML_SCALAR_NODE ? " '" : "",
              n->type == YAML_SCALAR_NODE ? sim__yaml_scalar(n) : "",
              n->type == YAML_SCALAR_NODE ? "'" : "");
    return -1;
  }
  if (!isfinite(v)) {
    sim__perr(ctx, n, path, "%s is not a finite number; allowed %s", sim__yaml_scalar(n), range);
    return -1;
  }
  if (!in_range(k, v)) {
    sim__perr(ctx, n, path, "%s is out of range; allowed %s", sim__yaml_scalar(n), range);
    return -1;
  }
  *out = v;
  return 0;
}

int sim__parse_int(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                   int64_t *out) {
  double v;
  if (sim__parse_number(ctx, n, path, k, &v) != 0) return -1;
  if (v != floor(v)) {
    sim__perr(ctx, n, path, "%s is not an integer", sim__yaml_scalar(n));
    return -1;
  }
  *out = (int64_t)v;
  return 0;
}

static int parse_enum_text(sim__pctx *ctx, const yaml_node_t *n, const char *path,
                           const char *const *names, int *out) {
  char allowed[512];
  sim__names_join(names, allowed, sizeof allowed);
  const char *s = sim__yaml_scalar(n);
  if (s == NULL || sim__yaml_classify(n) == SIM_YSCALAR_NULL) {
    sim__perr(ctx, n, path, "expected one of: %s; got %s", allowed, sim__yaml_describe(n));
    return -1;
  }
  int i = sim__names_index(names, s);
  if (i < 0) {
    const char *near = sim_suggest(s, names, sim__names_count(names));
    if (near)
      sim__perr(ctx, n, path, "unknown value '%s'; did you mean '%s'? allowed: %s", s, near, allowed);
    else
      sim__perr(ctx, n, path, "unknown value '%s'; allowed: %s", s, allowed);
    return -1;
  }
  *out = i;
  return 0;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int sim__parse_oom(sim__pctx *ctx) {
  sim_error_set(ctx->err, SIM_ENOMEM, "%s: out of memory reading the scenario", ctx->file);
  return -1;
}

/* A spec: number (CONST), list (LIST) or mapping {min, max | ratio, unit}. */
static int parse_spec(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                      sim_spec *spec) {
  char sub[160];
  free(spec->list);
  /* A value the user writes replaces the default whole, unit included: a
   * plain number or list is in the key's own unit (bytes for storage). */
  memset(spec, 0, sizeof *spec);
  if (n->type == YAML_SCALAR_NODE) {
    spec->kind = SIM_SPEC_CONST;
    return sim__parse_number(ctx, n, path, k, &spec->value);
  }
  if (n->type == YAML_SEQUENCE_NODE) {
    spec->kind = SIM_SPEC_LIST;
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) {
      sim__perr(ctx, n, path, "the list is empty; give one value per server");
      return -1;
    }
    if (cnt > SIM__MAX_LIST) {
      sim__perr(ctx, n, path, "%zu values is too many; at most %d", cnt, SIM__MAX_LIST);
      return -1;
    }
    spec->list = calloc(cnt, sizeof *spec->list);
    if (spec->list == NULL) return sim__parse_oom(ctx);
    spec->n_list = cnt;
    int bad = 0;
    for (size_t i = 0; i < cnt; i++) {
      snprintf(sub, sizeof sub, "%s[%zu]", path, i);
      if (sim__parse_number(ctx, sim__node_at(ctx, n->data.sequence.items.start[i]), sub, k,
                            &spec->list[i]) != 0)
        bad = 1;
    }
    return bad ? -1 : 0;
  }
  if (n->type != YAML_MAPPING_NODE) {
    sim__perr(ctx, n, path, "expected a number, a list or {min, max}; got %s", sim__yaml_describe(n));
    return -1;
  }
  spec->kind = SIM_SPEC_UNIFORM;
  static const char *const spec_keys[] = {"min", "max", "ratio", "value", "unit", NULL};
  const yaml_node_t *n_min = NULL, *n_max = NULL, *n_ratio = NULL, *n_value = NULL;
  int bad = 0;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = sim__node_at(ctx, p->key), *vn = sim__node_at(ctx, p->value);
    const char *key = sim__yaml_scalar(kn);
    if (key == NULL) { sim__perr(ctx, kn, path, "keys must be plain words"); bad = 1; continue; }
    /* `unit` is the last name, allowed only for a spec that takes one. */
    int idx = sim__parse_subkey(ctx, kn, path, spec_keys, (k->flags & SIM_KF_UNIT) ? 5 : 4, sub,
                                sizeof sub);
    if (idx < 0) { bad = 1; continue; }
    sim__mark_add(ctx, sub, vn);
    if (idx == 0) { n_min = vn; bad |= sim__parse_number(ctx, vn, sub, k, &spec->min) != 0; }
    if (idx == 1) { n_max = vn; bad |= sim__parse_number(ctx, vn, sub, k, &spec->max) != 0; }
    if (idx == 2) {
      static const sim__key ratio_key = {"ratio", SIM_K_NUM, 0, 1, 1e9, 0, NULL, NULL, 0, NULL, NULL};
      n_ratio = vn;
      bad |= sim__parse_number(ctx, vn, sub, &ratio_key, &spec->ratio) != 0;
    }
    if (idx == 3) { n_value = vn; bad |= sim__parse_number(ctx, vn, sub, k, &spec->value) != 0; }
    if (idx == 4) {
      int u;
      if (parse_enum_text(ctx, vn, sub, sim_unit_names, &u) != 0) bad = 1;
      else spec->unit = (sim_unit)u;
    }
  }
  if (bad) return -1;
  if (n_value != NULL) {
    if (n_min || n_max || n_ratio) {
      sim__perr(ctx, n, path, "give either 'value' or a range (min, max | ratio), not both");
      return -1;
    }
    spec->kind = SIM_SPEC_CONST;
    return 0;
  }
  if (n_min == NULL) {
    sim__perr(ctx, n, path, "a range needs 'min' (and 'max' or 'ratio'), or give 'value'");
    return -1;
  }
  if ((n_max == NULL) == (n_ratio == NULL)) {
    sim__perr(ctx, n, path, "a range needs exactly one of 'max' or 'ratio'");
    return -1;
  }
  if (n_max != NULL && spec->min > spec->max) {
    char a[32], b[32];
    sim_fmt_double(a, sizeof a, spec->min);
    sim_fmt_double(b, sizeof b, spec->max);
    sim__perr(ctx, n_max, path, "min = %s must not exceed max = %s", a, b);
    return -1;
  }
  return 0;
}

static int parse_enumset(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                         unsigned *out) {
  if (n->type != YAML_SEQUENCE_NODE) {
    char allowed[256];
    sim__names_join(k->enums, allowed, sizeof allowed);
    sim__perr(ctx, n, path, "expected a list of methods from: %s; got %s", allowed, sim__yaml_describe(n));
    return -1;
  }
  unsigned set = 0;
  int bad = 0;
  char sub[160];
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    int v;
    snprintf(sub, sizeof sub, "%s[%zu]", path, (size_t)(it - n->data.sequence.items.start));
    if (parse_enum_text(ctx, sim__node_at(ctx, *it), sub, k->enums, &v) != 0) bad = 1;
    else set |= 1u << v;
  }
  *out = set;
  return bad ? -1 : 0;
}

int sim__parse_value(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k) {
  char *base = (char *)ctx->sc;
  void *field = base + k->off;
  sim__mark_add(ctx, path, n);
  switch (k->type) {
  case SIM_K_MAP:
    return sim__parse_map(ctx, n, path, k->children, k->present_off);
  case SIM_K_NUM:
    return sim__parse_number(ctx, n, path, k, (double *)field);
  case SIM_K_INT:
    return sim__parse_int(ctx, n, path, k, (int64_t *)field);
  case SIM_K_INT_WORD: {
    const char *s = sim__yaml_scalar(n);
    if (s && strcmp(s, k->enums[0]) == 0) { *(int64_t *)field = -1; return 0; }
    double v;
    char range[96];
    fmt_range(range, sizeof range, k);
    if (n->type != YAML_SCALAR_NODE || sim__yaml_number(n, &v) != 0) {
      sim__perr(ctx, n, path, "expected '%s' or an integer in %s; got %s", k->enums[0], range,
                sim__yaml_describe(n));
      return -1;
    }
    return sim__parse_int(ctx, n, path, k, (int64_t *)field);
  }
  case SIM_K_BOOL: {
    if (sim__yaml_classify(n) != SIM_YSCALAR_BOOL) {
      sim__perr(ctx, n, path, "expected true or false; got %s", sim__yaml_describe(n));
      return -1;
    }
    const char *s = sim__yaml_scalar(n);
    *(int *)field = s[0] == 't' || s[0] == 'T';
    return 0;
  }
  case SIM_K_ENUM: {
    int v;
    if (parse_enum_text(ctx, n, path, k->enums, &v) != 0) return -1;
    memcpy(field, &v, sizeof v); /* every enum field is an int-sized C enum */
    return 0;
  }
  case SIM_K_STR:
  case SIM_K_STRBUF: {
    const char *s = sim__yaml_scalar(n);
    if (s == NULL || sim__yaml_classify(n) == SIM_YSCALAR_NULL || *s == '\0') {
      sim__perr(ctx, n, path, "expected a non-empty string; got %s", sim__yaml_describe(n));
      return -1;
    }
    if (k->type == SIM_K_STRBUF) {
      if (strlen(s) >= (size_t)k->hi) {
        sim__perr(ctx, n, path, "at most %d characters", (int)k->hi - 1);
        return -1;
      }
      snprintf((char *)field, (size_t)k->hi, "%s", s);
      return 0;
    }
    char *d = dup_str(s);
    if (d == NULL) return sim__parse_oom(ctx);
    free(*(char **)field);
    *(char **)field = d;
    return 0;
  }
  case SIM_K_SEED: {
    const char *s = sim__yaml_scalar(n);
    if (sim__yaml_classify(n) != SIM_YSCALAR_INT || s[0] == '-') {
      sim__perr(ctx, n, path, "expected an integer in [0, 18446744073709551615]; got %s",
                sim__yaml_describe(n));
      return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s[0] == '+' ? s + 1 : s, NULL, 10);
    if (errno == ERANGE) {
      sim__perr(ctx, n, path, "%s is out of range; allowed [0, 18446744073709551615]", s);
      return -1;
    }
    *(uint64_t *)field = (uint64_t)v;
    return 0;
  }
  case SIM_K_SPEC:
    return parse_spec(ctx, n, path, k, (sim_spec *)field);
  case SIM_K_ENUMSET:
    return parse_enumset(ctx, n, path, k, (unsigned *)field);
  case SIM_K_LAYERS:
    return sim__parse_layers(ctx, n, path);
  case SIM_K_OUTAGES:
    return sim__parse_outages(ctx, n, path);
  case SIM_K_MODELS:
    return sim__parse_models(ctx, n, path);
  case SIM_K_SWEEP:
    return sim__parse_sweep(ctx, n, path);
  case SIM_K_DEVICES:
    return sim__parse_devices(ctx, n, path);
  }
  return -1;
}

/* 1 once the report is full (sim_error keeps SIM_ERROR_MSG_MAX bytes and
 * stops counting there) or holds MAX_ERRORS problems. */
static int too_many(const sim__pctx *ctx) {
  return ctx->err->count >= MAX_ERRORS || strlen(ctx->err->msg) + 64 >= sizeof ctx->err->msg;
}

int sim__parse_map(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *keys,
                   size_t present_off) {
  if (n->type != YAML_MAPPING_NODE) {
    sim__perr(ctx, n, path, "expected a mapping of keys; got %s", sim__yaml_describe(n));
    return -1;
  }
  if (present_off != 0) *(int *)((char *)ctx->sc + present_off) = 1;
  const char *names[64];
  size_t n_names = 0;
  for (const sim__key *k = keys; k->name && n_names < 64; k++) names[n_names++] = k->name;
  int bad = 0;
  char sub[160];
  long *first = sim__yaml_duplicates(ctx->doc, n);
  if (first == NULL) return sim__parse_oom(ctx);
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    /* Past a screenful of problems more would not be read, and a hostile
     * file could have a hundred thousand. */
    if (too_many(ctx)) { bad = 1; break; }
    yaml_node_t *kn = sim__node_at(ctx, p->key), *vn = sim__node_at(ctx, p->value);
    const char *key = sim__yaml_scalar(kn);
    if (key == NULL) {
      sim__perr(ctx, kn, path, "keys must be plain words, got %s", sim__yaml_describe(kn));
      bad = 1;
      continue;
    }
    snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
    /* YAML leaves duplicate keys to the application; a silent "last one
     * wins" hides typos in long scenarios, so reject them. */
    if (first != NULL && first[p - n->data.mapping.pairs.start] >= 0) {
      sim__perr(ctx, kn, sub, "duplicate key (first given at line %zu)",
                sim__yaml_line(sim__node_at(ctx, n->data.mapping.pairs.start[first[p - n->data.mapping.pairs.start]].key)));
      bad = 1;
      continue;
    }
    const sim__key *k = NULL;
    for (size_t i = 0; i < n_names; i++)
      if (strcmp(keys[i].name, key) == 0) k = &keys[i];
    if (k == NULL) {
      char allowed[512];
      const char *near = sim_suggest(key, names, n_names);
      names[n_names] = NULL;
      sim__names_join(names, allowed, sizeof allowed);
      if (near)
        sim__perr(ctx, kn, sub, "unknown key; did you mean '%s'?", near);
      else
        sim__perr(ctx, kn, sub, "unknown key; allowed here: %s", allowed);
      bad = 1;
      continue;
    }
    if (sim__parse_value(ctx, vn, sub, k) != 0) bad = 1;
  }
  free(first);
  return bad ? -1 : 0;
}
