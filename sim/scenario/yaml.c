/* yaml.c: libyaml document loading, scalar typing and key suggestions. */
#include "sim/scenario/internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim__yaml_load(yaml_document_t *doc, const char *text, size_t len, const char *name,
                   sim_error *err) {
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
