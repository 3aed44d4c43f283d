/* yaml-internal.h: helpers over libyaml's document API shared by the
 * scenario loader and the YAML writers. Internal to sim/. */
#ifndef DILEMMA_SIM_YAML_INTERNAL_H
#define DILEMMA_SIM_YAML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "sim/error.h"

/* Parses text into doc. On a syntax error records
 * `name:line:col: error: YAML syntax: problem (context)` and returns
 * SIM_ESYNTAX. An empty document is returned as SIM_OK with no root. */
int sim__yaml_load(yaml_document_t *doc, const char *text, size_t len, const char *name,
                   sim_error *err);

/* 1-based line and column of a node. */
static inline size_t sim__yaml_line(const yaml_node_t *n) { return n->start_mark.line + 1; }
static inline size_t sim__yaml_col(const yaml_node_t *n) { return n->start_mark.column + 1; }

/* The scalar text of a node, NULL if the node is not a scalar. */
const char *sim__yaml_scalar(const yaml_node_t *n);

/* 1 if the scalar was written plain (unquoted), so it may be a number. */
int sim__yaml_plain(const yaml_node_t *n);

/* What a plain scalar denotes under the YAML 1.2 core schema. */
typedef enum {
  SIM_YSCALAR_NULL,   /* ~, null, or empty */
  SIM_YSCALAR_BOOL,   /* true / false */
  SIM_YSCALAR_INT,    /* decimal integer */
  SIM_YSCALAR_FLOAT,  /* decimal float, .inf, .nan */
  SIM_YSCALAR_STRING  /* anything else, or any quoted scalar */
} sim_yscalar;

sim_yscalar sim__yaml_classify(const yaml_node_t *n);

/* A short noun for a node's type in messages: "a mapping", "a list",
 * "a quoted string", "null", "true/false", "a number", "a string". */
const char *sim__yaml_describe(const yaml_node_t *n);

/* Parses a number scalar; returns 0 and sets *out on success (which may be
 * infinite or NaN; callers check), -1 if the text is not a number. */
int sim__yaml_number(const yaml_node_t *n, double *out);

/* Shortest decimal text that reads back as exactly x ("1e-05", "128",
 * "0.1"). buf needs 32 bytes. */
void sim__fmt_double(char *buf, size_t len, double x);

/* Levenshtein distance with adjacent transpositions (optimal string
 * alignment), capped at 32-character inputs. */
size_t sim__edit_distance(const char *a, const char *b);

/* The candidate nearest to word if it is close enough to be a plausible
 * typo (distance <= max(1, strlen/3), at most 3), else NULL. */
const char *sim__suggest(const char *word, const char *const *candidates, size_t n);

#endif
