/* scenario-internal.h: the scenario schema, shared by the loader, the
 * sweep, the resolved-YAML writer and the schema listing. Internal to sim/. */
#ifndef DILEMMA_SIM_SCENARIO_INTERNAL_H
#define DILEMMA_SIM_SCENARIO_INTERNAL_H

#include <stddef.h>

#include "sim/scenario.h"

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
  SIM_K_SWEEP     /* sweep */
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

/* Enumerated value names, indexed by the C enum values. */
extern const char *const sim__granularity_names[];
extern const char *const sim__family_names[];
extern const char *const sim__topology_names[];
extern const char *const sim__cost_names[];
extern const char *const sim__accuracy_names[];
extern const char *const sim__errsrc_names[];
extern const char *const sim__quantizer_names[];
extern const char *const sim__formulation_names[];
extern const char *const sim__method_names[];
extern const char *const sim__unit_names[];

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

#endif
