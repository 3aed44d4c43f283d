/* internal.h: what the files of sim/scenario share and nobody else uses
 * (the tests excepted): the schema table, the loader's parsing context and
 * the helpers over libyaml. */

/* The scenario schema, shared by the loader, the
 * sweep, the resolved-YAML writer and the schema listing.  */
#ifndef DILEMMA_SIM_SCENARIO_INTERNAL_H
#define DILEMMA_SIM_SCENARIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "sim/core/core.h"
#include "sim/scenario/scenario.h"

typedef enum {
  SIM_K_MAP,      /* nested mapping; children in `children` */
  SIM_K_NUM,      /* double in [lo, hi] */
  SIM_K_INT,      /* int64 in [lo, hi] */
  SIM_K_INT_WORD, /* int64 in [lo, hi], or the word enums[0] meaning -1 */
  SIM_K_BOOL,     /* int 0/1 */
  SIM_K_ENUM,     /* int index into enums */
  SIM_K_STR,      /* heap string (char *) */
  SIM_K_STRBUF,   /* char[hi] buffer */
  SIM_K_SEED,     /* uint64 */
  SIM_K_SPEC,     /* sim_spec: number, list, or {min, max | ratio, unit} */
  SIM_K_ENUMSET,  /* unsigned bit set over enums */
  SIM_K_LAYERS,   /* model.layers: explicit custom profile */
  SIM_K_OUTAGES,  /* simulation.outages */
  SIM_K_MODELS,   /* models: several LLMs */
  SIM_K_SWEEP,    /* sweep */
  SIM_K_DEVICES   /* servers.devices: a list of names or a {name: probability} mixture */
} sim__ktype;

#define SIM_KF_LO_OPEN 1u /* lo is excluded */
#define SIM_KF_HI_OPEN 2u /* hi is excluded */
#define SIM_KF_UNIT 4u    /* a spec that accepts `unit` (storage) */
#define SIM_KF_NOSWEEP 8u /* may not be swept */

typedef struct sim__key sim__key;
struct sim__key {
  const char *name;
  sim__ktype type;
  size_t off;                /* offset of the field in sim_scenario */
  double lo, hi;             /* allowed range (numbers, ints, specs, buffer size) */
  unsigned flags;
  const char *const *enums;  /* NULL-terminated names (ENUM, ENUMSET, INT_WORD) */
  const sim__key *children;  /* MAP: terminated by an entry with name == NULL */
  size_t present_off;        /* MAP: offset of an int set to 1 when the map appears; 0 = none */
  const char *unit;          /* unit in messages and docs, e.g. "bit/s" */
  const char *help;          /* one line for `dilemma check --keys` */
};

/* The top-level keys; terminated by an entry with name == NULL. */
extern const sim__key sim__schema[];

/* The keys of one `models:` entry, NULL-terminated. */
extern const char *const sim__model_entry_keys[];

/* Enumerated value names, indexed by the C enum values. */
extern const char *const sim__granularity_names[];
extern const char *const sim__family_names[];

/* Looks up a dotted key path. For a spec sub-key ("servers.ccs.min") returns
 * the spec's key and sets *sub to "min"/"max"/"ratio"; otherwise *sub = NULL.
 * Returns NULL if the path names no key. */
const sim__key *sim__schema_find(const char *path, const char **sub);

/* Sets every field to its documented default. `name` is the scenario name
 * (from the file name); strings are duplicated. Returns SIM_ENOMEM or SIM_OK. */
int sim__scenario_defaults(sim_scenario *sc, const char *name);

/* Applies value i of sweep dimension d to sc (a view). */
int sim__sweep_apply(sim_scenario *sc, const sim_sweep_dim *d, size_t i, sim_error *err);

/* Number of entries in a NULL-terminated name list. */
size_t sim__names_count(const char *const *names);

/* Index of s in names, -1 if absent. */
int sim__names_index(const char *const *names, const char *s);

/* Writes "a, b, c" into buf. */
void sim__names_join(const char *const *names, char *buf, size_t len);

/* Resolves a relative input path against the scenario file's directory.
 * Returns a heap string or NULL on allocation failure. */
char *sim__path_resolve(const char *scenario_path, const char *path);

/* The loader's parsing context, shared by the files that
 * read a scenario (scenario_parse.c, scenario_sweep.c, scenario_check.c).
 *  */


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
  const char *const *sets; /* the --set overrides applied to doc, for messages */
  size_t n_sets;
} sim__pctx;

/* Records `file:line:col: error: path: message` for node (1:1 if NULL). */
void sim__perr(sim__pctx *ctx, const yaml_node_t *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The node a key path was read from, NULL if it took its default. */
const yaml_node_t *sim__mark_find(const sim__pctx *ctx, const char *path);
/* Records that key path was read from node, for sim__mark_find (a mark
 * lost to memory only makes a later message less precise). */
void sim__mark_add(sim__pctx *ctx, const char *path, const yaml_node_t *node);
/* The node of the document with the given id. */
static inline yaml_node_t *sim__node_at(sim__pctx *ctx, int id) {
  return yaml_document_get_node(ctx->doc, id);
}
/* Records "file: out of memory reading the scenario"; returns -1. */
int sim__parse_oom(sim__pctx *ctx);
/* The most elements of any list a scenario may hold: it keeps a hostile
 * scenario from asking for absurd memory. */
#define SIM__MAX_LIST 100000

/* The list-valued keys (scenario_lists.c): model.layers, models and
 * simulation.outages, each read into ctx->sc. 0, or -1 after recording
 * the problems. */
int sim__parse_layers(sim__pctx *ctx, const yaml_node_t *n, const char *path);
int sim__parse_models(sim__pctx *ctx, const yaml_node_t *n, const char *path);
int sim__parse_outages(sim__pctx *ctx, const yaml_node_t *n, const char *path);

int sim__parse_map(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *keys,
                   size_t present_off);
int sim__parse_value(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k);
int sim__parse_number(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                      double *out);
int sim__parse_int(sim__pctx *ctx, const yaml_node_t *n, const char *path, const sim__key *k,
                   int64_t *out);
int sim__parse_sweep(sim__pctx *ctx, const yaml_node_t *n, const char *path);

/* Hardware keys (scenario_hw.c): parsing servers.devices; loading the
 * catalogue and calibration a scenario refers to (after parsing, before the
 * checks); did-you-mean checks of device and link names; freeing. */
int sim__parse_devices(sim__pctx *ctx, const yaml_node_t *n, const char *path);
int sim__scenario_hw_load(sim__pctx *ctx);
void sim__scenario_hw_check(sim__pctx *ctx, const sim_scenario *sc, const char *where,
                            const yaml_node_t *at);
void sim__scenario_hw_free(sim_scenario *sc);

/* Checks the key kn of one entry of a mapping whose keys are a fixed list:
 * the sub-keys of a spec, of a model.layers or simulation.outages item, of a
 * sweep dimension and of its range. Only the first n_names of names are
 * allowed here. Writes "path.key" into sub (sub_len bytes; "path.?" when the
 * key is not a scalar) for the caller's own messages. Returns the key's
 * index in names, or -1 after recording
 * "unknown key; did you mean 'x'?; allowed: a, b, c" at kn. */
int sim__parse_subkey(sim__pctx *ctx, const yaml_node_t *kn, const char *path,
                      const char *const *names, size_t n_names, char *sub, size_t sub_len);

/* Cross-field rules on a scenario (the base or a sweep-point view). `where`
 * prefixes messages for sweep points ("sweep point 3 (links.omega_min = 1e6)")
 * and `at` is the node they point to; both NULL for the base. */
int sim__scenario_check(sim__pctx *ctx, const sim_scenario *sc, const char *where,
                        const yaml_node_t *at);

/* Helpers over libyaml's document API shared by the
 * scenario loader and the YAML writers.  */



/* The deepest nesting of lists and mappings a YAML file may have; the
 * scenario schema needs four levels. */
#define SIM_YAML_MAX_DEPTH 64

/* Parses text into doc. Nesting deeper than SIM_YAML_MAX_DEPTH is refused
 * (SIM_EINPUT) before the document is built. On a syntax error records
 * `name:line:col: error: YAML syntax: problem (context)` and returns
 * SIM_ESYNTAX. An empty document is returned as SIM_OK with no root. */
int sim__yaml_load(yaml_document_t *doc, const char *text, size_t len, const char *name,
                   sim_error *err);

/* For each pair of a mapping node, the index of the earlier pair with the
 * same key, or -1 for the first occurrence (keys that are not scalars are
 * -1). O(n log n). The caller frees the array; NULL if out of memory. */
long *sim__yaml_duplicates(yaml_document_t *doc, const yaml_node_t *map);

/* Applies n overrides "a.b.c=value" (the command line's --set) to doc: each
 * names a key path, made as mappings where missing, and replaces the value
 * there with value parsed as YAML. Every node an override adds is tagged
 * with its index (sim__yaml_set_index) so messages can name it. Records
 * "--set KEY=VALUE: error: ..." for a malformed override. */
int sim__yaml_apply_sets(yaml_document_t *doc, const char *const *sets, size_t n, sim_error *err);

/* Which override added node n, -1 if it came from the file. */
long sim__yaml_set_index(const yaml_node_t *n);

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

#endif
