/* scenario-parse.h: the loader's parsing context, shared by the files that
 * read a scenario (scenario_parse.c, scenario_sweep.c, scenario_check.c).
 * Internal to sim/. */
#ifndef DILEMMA_SIM_SCENARIO_PARSE_H
#define DILEMMA_SIM_SCENARIO_PARSE_H

#include "sim/scenario-internal.h"
#include "sim/yaml-internal.h"

/* Where in the file a key path was given, for cross-field messages. */
typedef struct sim__mark {
  char path[160];
  const yaml_node_t *node;
} sim__mark;

typedef struct sim__pctx {
  const char *file;       /* name used in messages */
  yaml_document_t *doc;
  sim_scenario *sc;
  sim_error *err;
  sim__mark *marks;
  size_t n_marks, cap_marks;
} sim__pctx;

/* Records `file:line:col: error: path: message` for node (1:1 if NULL). */
void sim__perr(sim__pctx *ctx, const yaml_node_t *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The node a key path was read from, NULL if it took its default. */
const yaml_node_t *sim__mark_find(const sim__pctx *ctx, const char *path);

int sim__parse_map(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *keys,
                   size_t present_off);
int sim__parse_value(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k);
int sim__parse_number(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                      double *out);
int sim__parse_int(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                   int64_t *out);
int sim__parse_sweep(sim__pctx *ctx, const yaml_node_t *n, const char *path);

/* Cross-field rules on a scenario (the base or a sweep-point view). `where`
 * prefixes messages for sweep points ("sweep point 3 (links.omega_min = 1e6)")
 * and `at` is the node they point to; both NULL for the base. */
int sim__scenario_check(sim__pctx *ctx, const sim_scenario *sc, const char *where,
                        const yaml_node_t *at);

#endif
