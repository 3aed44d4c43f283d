/* scenario.h: experiment scenarios read from YAML.
 *
 * A scenario is a base configuration, an optional sweep over one or two
 * parameters, a run count and a seed. Loading validates every value against
 * the schema (docs/scenario.md) and reports problems as
 * `file:line:col: error: key.path: message`, all of them at once.
 *
 * Ownership rule: sim_scenario_load returns a scenario the caller frees with
 * sim_scenario_free. sim_scenario_point fills a *view*: a shallow copy with
 * one sweep point applied that shares the base's strings and arrays; it must
 * not be freed and is valid while the base lives. */
#ifndef DILEMMA_SIM_SCENARIO_H
#define DILEMMA_SIM_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "sim/core/core.h"
#include "sim/model/model.h"
#include "sim/serve/serve.h"
#include "sim/topology/topology.h"
#include "solver/solver.h"

/* One swept parameter. Values are numbers, or strings for enumerated keys. */
typedef struct sim_sweep_dim {
  char *key;       /* dotted key path, e.g. "links.omega_min" */
  size_t n;        /* number of values */
  double *values;  /* n numbers (NULL for a string sweep) */
  char **strings;  /* n strings (NULL for a numeric sweep) */
  int log_scale;   /* 1 if given as a log range; a hint for figures */
} sim_sweep_dim;

/* One entry of `models:` (several LLMs sharing the servers; docs/scenario.md).
 * Unset fields take the value of the single-model blocks. */
typedef struct sim_model_entry {
  char *name;                  /* built-in architecture name */
  sim_granularity granularity;
  int has_granularity;         /* 0: model.granularity */
  double delta;                /* per_layer bound; NaN: quantization.delta */
  double budget;               /* budget; NaN: quantization.budget */
  int64_t tokens, batch, prompt; /* -1: the workload's */
  double rate;                 /* requests/s */
  double weight;               /* objective weight; NaN: the rate */
  int64_t origin;              /* server index, -1 none, -2: solver.origin */
} sim_model_entry;

typedef struct sim_scenario {
  char *path;        /* file the scenario was read from */
  char *name;        /* label used in output paths and figures */
  char *description;
  uint64_t seed;     /* master seed; run seeds derive from (seed, run) */
  int64_t runs;      /* Monte Carlo runs per sweep point */
  char *output;      /* output directory */

  struct {
    char *name;                  /* built-in architecture name, or the custom name */
    sim_granularity granularity;
    int has_arch;                /* 1: `custom` hyperparameters given */
    sim_arch arch;               /* the architecture (built-in copy or custom) */
    sim_layer *layers;           /* explicit custom layer list, or NULL */
    size_t n_layers;
  } model;

  /* The blocks below are the types of the stages that own them, so a stage
   * is configured by its own block and never sees the scenario. */
  sim_servers_config servers;
  sim_links_config links;
  solver_workload workload;
  sim_quant_config quant;
  solver_cost_config cost;
  solver_config solver;
  sim_serve_params sim;

  /* The hardware data the scenario refers to, loaded with it when it names
   * devices, a link profile or the calibrated model; NULL otherwise. Owned by
   * the base scenario, shared by its views; servers and links borrow them. */
  struct {
    sim_catalog *catalog;
    sim_calibration *calibration;
  } hw;

  size_t n_models;             /* entries of `models:`; 0: the single `model` */
  sim_model_entry *models;
  int64_t models_used;         /* with models:, place the first N entries; 0: all (sweepable) */

  size_t n_sweep;        /* 0, 1 or 2 swept parameters */
  sim_sweep_dim sweep[2];
} sim_scenario;

/* Reads and validates a scenario. Returns NULL and fills err (all problems,
 * one per line, each `file:line:col: error: key: message`) on failure. */
sim_scenario *sim_scenario_load(const char *path, sim_error *err);

/* The same from a string; `name` stands in for the file name in messages. */
sim_scenario *sim_scenario_load_string(const char *text, size_t len, const char *name,
                                       sim_error *err);

/* The same with n_sets overrides "a.b.c=value" (the command line's --set)
 * applied in order to the parsed document before validation: the value is
 * YAML, a missing key is added, and an override is validated exactly like
 * the file, with messages `--set a.b.c=value: error: key: message`. */
sim_scenario *sim_scenario_load_set(const char *path, const char *const *sets, size_t n_sets,
                                    sim_error *err);
sim_scenario *sim_scenario_load_string_set(const char *text, size_t len, const char *name,
                                           const char *const *sets, size_t n_sets,
                                           sim_error *err);

void sim_scenario_free(sim_scenario *sc);

/* Bytes of memory a row of runs.csv takes when the run ends: the text read
 * back, its sort key and the sorted copy (rows are about 200 characters). */
#define SIM_ROW_BYTES 512.0

/* Refuses (SIM_EINPUT, naming the file and `runs`) an experiment of `runs`
 * runs per point whose rows could not be sorted in this machine's memory:
 * points x runs x methods x SIM_ROW_BYTES past the physical memory. */
int sim_scenario_check_size(const sim_scenario *sc, int64_t runs, sim_error *err);

/* Number of sweep points: the product of the dimension sizes, 1 without a sweep. */
size_t sim_scenario_points(const sim_scenario *sc);

/* The models a scenario (or a sweep point's view) places: the first
 * models_used entries of models:, or all of them when models_used is 0;
 * 0 for a single-model scenario. */
size_t sim_scenario_models_used(const sim_scenario *sc);

/* The label of entry m of models: in runs.csv's model column and in
 * figures: its name, or name#m when another entry has the same name. */
void sim_scenario_model_label(const sim_scenario *sc, size_t m, char *out, size_t len);

/* Fills *view with base and sweep point `point` applied (row-major over the
 * dimensions: the last dimension varies fastest). */
int sim_scenario_point(const sim_scenario *base, size_t point, sim_scenario *view,
                       sim_error *err);

/* The value of sweep dimension d at a point, formatted for messages
 * (shortest form: "1e+06", "8", "wifi5"). */
void sim_scenario_point_label(const sim_scenario *sc, size_t point, size_t d, char *buf,
                              size_t len);

/* The same value as runs.csv and summary.csv write it: with a stable type,
 * so a real-valued key reads back as a real in every experiment ("2.0",
 * "1e+06"), an integer key as an integer and an enumerated key or a name
 * as text. */
void sim_scenario_point_value(const sim_scenario *sc, size_t point, size_t d, char *buf,
                              size_t len);

/* The CSV column of a swept key: the dotted path with '.' replaced by '_'
 * ("links.omega_min" -> "links_omega_min"), a name pandas' DataFrame.query
 * and R accept, the same for that key in every experiment. */
void sim_scenario_sweep_column(const char *key, char *buf, size_t len);

/* The methods an experiment solves, in the order of runs.csv and of the
 * figures' legends: the scenario's method first, then its baselines in
 * enum order. Fills out and returns how many (at least 1). */
size_t sim_scenario_methods(const sim_scenario *sc, solver_method out[SOLVER_METHOD_COUNT]);

/* The model profile of a scenario (built-in, custom hyperparameters or an
 * explicit layer list), with the workload's context resolved. */
sim_model *sim_scenario_model_alloc(const sim_scenario *sc, sim_error *err);

/* The resolved context: workload.context, or prompt + tokens/2 when auto
 * (solver_workload_context of the workload). */
int64_t sim_scenario_context(const sim_scenario *sc);

/* Writes the scenario with every default made explicit, as YAML that loads
 * back to the same scenario. `header` (may be NULL) is written as comments. */
int sim_scenario_write(const sim_scenario *sc, FILE *out, const char *header, sim_error *err);

/* Prints every key path the schema accepts, one per line, with its type. */
void sim_scenario_schema_print(FILE *out);

#endif
