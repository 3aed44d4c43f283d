/* yaml.c: libyaml document loading, scalar typing and key suggestions. */
#include "sim/scenario/internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Walks the text's events with a nesting counter and stops at the first
 * mapping or list nested deeper than SIM_YAML_MAX_DEPTH. libyaml's scanner
 * takes time quadratic in the nesting depth and its document loader
 * recurses, so `x: [[[[...]]]]` of 200,000 levels would take minutes; the
 * event pass stops after the first SIM_YAML_MAX_DEPTH levels instead. A
 * syntax error is left to the loader, which reports it. Returns 0, or -1
 * with the error recorded. */
static int depth_check(const char *text, size_t len, const char *name, sim_error *err) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return sim_error_set(err, SIM_ENOMEM, "%s: out of memory starting the YAML parser", name), -1;
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  /* Per level: a mapping's last key (named in the message) and whether
   * its next scalar is a key. */
  struct { int map, want_key; char key[48]; } lv[SIM_YAML_MAX_DEPTH + 1];
  int depth = 0, rc = 0;
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) break;
    const yaml_event_type_t t = ev.type;
    /* A value (scalar, list or mapping) inside a mapping: its next scalar is a key again. */
    const int value = t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
                      t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT;
    if (value && depth > 0 && lv[depth - 1].map) {
      if (lv[depth - 1].want_key && t == YAML_SCALAR_EVENT)
        snprintf(lv[depth - 1].key, sizeof lv[depth - 1].key, "%s", (const char *)ev.data.scalar.value);
      lv[depth - 1].want_key = !lv[depth - 1].want_key;
    }
    if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
      if (depth >= SIM_YAML_MAX_DEPTH) {
        char path[256] = "";
        size_t used = 0;
        for (int d = 0; d < depth && d < 6 && used < sizeof path; d++)
          used += (size_t)snprintf(path + used, sizeof path - used, "%s%s",
                                   used && lv[d].map ? "." : "", lv[d].map ? lv[d].key : "[]");
        sim_error_set(err, SIM_EINPUT,
                      "%s:%zu:%zu: error: %s%s: lists and mappings nested more than %d deep; a "
                      "scenario needs at most a few levels", name, ev.start_mark.line + 1,
                      ev.start_mark.column + 1, *path ? path : "(top level)", depth > 6 ? "..." : "",
                      SIM_YAML_MAX_DEPTH);
        rc = -1;
      } else {
        lv[depth].map = t == YAML_MAPPING_START_EVENT;
        lv[depth].want_key = 1;
        lv[depth].key[0] = '\0';
        depth++;
      }
    } else if ((t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) && depth > 0) {
      depth--;
    }
    yaml_event_delete(&ev);
    if (rc != 0 || t == YAML_STREAM_END_EVENT) break;
  }
  yaml_parser_delete(&p);
  return rc;
}

int sim__yaml_load(yaml_document_t *doc, const char *text, size_t len, const char *name,
                   sim_error *err) {
  if (depth_check(text, len, name, err) != 0) return err ? err->code : SIM_EINPUT;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return sim_error_set(err, SIM_ENOMEM, "%s: out of memory starting the YAML parser", name);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int rc = SIM_OK;
  if (!yaml_parser_load(&parser, doc)) {
    /* libyaml reports the problem mark (where it noticed) and optionally a
     * context mark (where the construct began); the problem mark is what a
     * user needs to look at. */
    size_t line = parser.problem_mark.line + 1, col = parser.problem_mark.column + 1;
    if (parser.error == YAML_MEMORY_ERROR) {
      rc = sim_error_set(err, SIM_ENOMEM, "%s: out of memory parsing YAML", name);
    } else if (parser.context != NULL) {
      rc = sim_error_set(err, SIM_ESYNTAX, "%s:%zu:%zu: error: YAML syntax: %s (%s at line %zu)",
                         name, line, col, parser.problem ? parser.problem : "invalid YAML",
                         parser.context, parser.context_mark.line + 1);
    } else {
      rc = sim_error_set(err, SIM_ESYNTAX, "%s:%zu:%zu: error: YAML syntax: %s", name, line, col,
                         parser.problem ? parser.problem : "invalid YAML");
    }
    yaml_parser_delete(&parser);
    return rc;
  }
  /* A second document in the same file is almost always a mistake (a stray
   * `---`); say so rather than silently ignoring it. */
  yaml_document_t extra;
  if (yaml_parser_load(&parser, &extra)) {
    yaml_node_t *root = yaml_document_get_root_node(&extra);
    if (root != NULL) {
      rc = sim_error_set(err, SIM_ESYNTAX,
                         "%s:%zu:%zu: error: YAML syntax: a second document; a scenario is one document",
                         name, sim__yaml_line(root), sim__yaml_col(root));
      yaml_document_delete(doc);
    }
    yaml_document_delete(&extra);
  } else {
    rc = sim_error_set(err, SIM_ESYNTAX, "%s:%zu:%zu: error: YAML syntax: %s", name,
                       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                       parser.problem ? parser.problem : "invalid YAML");
    yaml_document_delete(doc);
  }
  yaml_parser_delete(&parser);
  return rc;
}

const char *sim__yaml_scalar(const yaml_node_t *n) {
  if (n == NULL || n->type != YAML_SCALAR_NODE) return NULL;
  return (const char *)n->data.scalar.value;
}

int sim__yaml_plain(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_SCALAR_NODE &&
         n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int is_int_text(const char *s) {
  if (*s == '+' || *s == '-') s++;
  if (!isdigit((unsigned char)*s)) return 0;
  while (isdigit((unsigned char)*s)) s++;
  return *s == '\0';
}

static int is_special_float(const char *s) {
  static const char *const sp[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                   "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
  for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
    if (strcmp(s, sp[i]) == 0) return 1;
  return 0;
}

/* A decimal float as YAML 1.2 writes it: sign, digits with an optional point,
 * optional exponent. strtod alone would also take hex, "inf" and "nan". */
static int is_float_text(const char *s) {
  if (is_special_float(s)) return 1;
  if (*s == '+' || *s == '-') s++;
  int digits = 0;
  while (isdigit((unsigned char)*s)) { s++; digits++; }
  if (*s == '.') {
    s++;
    while (isdigit((unsigned char)*s)) { s++; digits++; }
  }
  if (!digits) return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
  }
  return *s == '\0';
}

sim_yscalar sim__yaml_classify(const yaml_node_t *n) {
  const char *s = sim__yaml_scalar(n);
  if (s == NULL) return SIM_YSCALAR_STRING;
  if (!sim__yaml_plain(n)) return SIM_YSCALAR_STRING;
  if (*s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
      strcmp(s, "NULL") == 0)
    return SIM_YSCALAR_NULL;
  if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0 || strcmp(s, "True") == 0 ||
      strcmp(s, "False") == 0 || strcmp(s, "TRUE") == 0 || strcmp(s, "FALSE") == 0)
    return SIM_YSCALAR_BOOL;
  if (is_int_text(s)) return SIM_YSCALAR_INT;
  if (is_float_text(s)) return SIM_YSCALAR_FLOAT;
  return SIM_YSCALAR_STRING;
}

const char *sim__yaml_describe(const yaml_node_t *n) {
  if (n == NULL) return "nothing";
  switch (n->type) {
  case YAML_MAPPING_NODE: return "a mapping";
  case YAML_SEQUENCE_NODE: return "a list";
  case YAML_SCALAR_NODE: break;
  default: return "nothing";
  }
  if (!sim__yaml_plain(n)) return "a quoted string";
  switch (sim__yaml_classify(n)) {
  case SIM_YSCALAR_NULL: return "null (no value)";
  case SIM_YSCALAR_BOOL: return "true/false";
  case SIM_YSCALAR_INT:
  case SIM_YSCALAR_FLOAT: return "a number";
  default: return "a string";
  }
}

int sim__yaml_number(const yaml_node_t *n, double *out) {
  sim_yscalar k = sim__yaml_classify(n);
  if (k != SIM_YSCALAR_INT && k != SIM_YSCALAR_FLOAT) return -1;
  const char *s = sim__yaml_scalar(n);
  if (is_special_float(s)) {
    const char *t = (*s == '+' || *s == '-') ? s + 1 : s;
    if (t[1] == 'n' || t[1] == 'N') *out = NAN;
    else *out = *s == '-' ? -INFINITY : INFINITY;
    return 0;
  }
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (*end != '\0') return -1;
  /* Overflow gives ±HUGE_VAL, which the range checks then reject. */
  *out = v;
  return 0;
}

typedef struct {
  const char *key;
  long pos;
} key_ref;

static int key_ref_cmp(const void *a, const void *b) {
  const key_ref *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c != 0) return c;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

long *sim__yaml_duplicates(yaml_document_t *doc, const yaml_node_t *map) {
  const size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
  long *first = malloc((n ? n : 1) * sizeof *first);
  key_ref *refs = malloc((n ? n : 1) * sizeof *refs);
  if (first == NULL || refs == NULL) {
    free(first);
    free(refs);
    return NULL;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    first[i] = -1;
    const char *k = sim__yaml_scalar(yaml_document_get_node(doc, map->data.mapping.pairs.start[i].key));
    if (k != NULL) refs[m++] = (key_ref){k, (long)i};
  }
  /* Sorted by (key, position), equal keys are adjacent and the first of
   * each run is the earliest: O(n log n) where comparing every pair of a
   * 100,000-key mapping took minutes. */
  qsort(refs, m, sizeof *refs, key_ref_cmp);
  for (size_t i = 1; i < m; i++)
    if (strcmp(refs[i].key, refs[i - 1].key) == 0)
      first[refs[i].pos] = first[refs[i - 1].pos] >= 0 ? first[refs[i - 1].pos] : refs[i - 1].pos;
  free(refs);
  return first;
}
