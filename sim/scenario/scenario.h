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

/* How a per-server quantity is given. */
typedef enum {
  SIM_SPEC_CONST = 0,   /* every server has `value` */
  SIM_SPEC_UNIFORM = 1, /* each server draws uniformly in [min, max] */
  SIM_SPEC_LIST = 2     /* server i has list[i] */
} sim_spec_kind;

/* Unit of a storage spec: absolute bytes, or a multiple of the model's fp32
 * size (all layers at 32 bits), or of that size divided by the server count. */
typedef enum {
  SIM_UNIT_BYTES = 0,
  SIM_UNIT_MODEL_FP32 = 1,
  SIM_UNIT_MODEL_FP32_SHARE = 2
} sim_unit;

typedef struct sim_spec {
  sim_spec_kind kind;
  double value;  /* CONST */
  double min;    /* UNIFORM lower end */
  double max;    /* UNIFORM upper end; ignored when ratio > 0 */
  double ratio;  /* UNIFORM: if > 0, max = min * ratio (so a sweep of min moves both) */
  double *list;  /* LIST: n_list values, one per server */
  size_t n_list;
  sim_unit unit; /* storage only */
} sim_spec;

typedef enum { SIM_TOPO_FULL = 0, SIM_TOPO_GEOMETRIC = 1 } sim_topology_kind;
typedef enum { SIM_COST_PAPER = 0, SIM_COST_ROOFLINE = 1 } sim_cost_kind;
typedef enum { SIM_ACC_PER_LAYER = 0, SIM_ACC_BUDGET = 1 } sim_accuracy;
typedef enum { SIM_ERRSRC_ANALYTIC = 0, SIM_ERRSRC_TABLE = 1 } sim_error_source;
typedef enum { SIM_QUANT_TRUNCATE = 0, SIM_QUANT_RTN_SYM = 1, SIM_QUANT_RTN_ASYM = 2 } sim_quantizer;
typedef enum { SIM_FORM_FLOW = 0, SIM_FORM_PAPER = 1 } sim_formulation;

/* Placement methods: the ILP and the baselines. Values are bit positions in
 * sim_scenario.solver.baselines. */
typedef enum {
  SIM_METHOD_ILP = 0,
  SIM_METHOD_DP = 1,
  SIM_METHOD_SINGLE = 2,
  SIM_METHOD_GREEDY = 3,
  SIM_METHOD_UNIFORM = 4,
  SIM_METHOD_RANDOM = 5,
  SIM_METHOD_CLOUD = 6,
  SIM_METHOD_COUNT = 7
} sim_method;

/* An interval during which a server or a directed link does no work. */
typedef struct sim_outage {
  int is_link;  /* 0: server outage, 1: link outage */
  long a, b;    /* server index a, or link a -> b */
  double start; /* s, simulated time */
  double end;   /* s, simulated time, > start */
} sim_outage;

/* One swept parameter. Values are numbers, or strings for enumerated keys. */
typedef struct sim_sweep_dim {
  char *key;       /* dotted key path, e.g. "links.omega_min" */
  size_t n;        /* number of values */
  double *values;  /* n numbers (NULL for a string sweep) */
  char **strings;  /* n strings (NULL for a numeric sweep) */
  int log_scale;   /* 1 if given as a log range; a hint for figures */
} sim_sweep_dim;

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

  struct {
    int64_t count;           /* edge servers M */
    sim_spec ccs;            /* FLOP/s (the roofline model's peak) */
    sim_spec storage;        /* bytes, or a multiple of the fp32 model size */
    sim_spec mem_bandwidth;  /* byte/s, roofline only */
    int has_cloud;           /* 1 if a cloud node is appended */
    struct {
      double ccs;           /* FLOP/s */
      double storage;       /* bytes */
      double mem_bandwidth; /* byte/s */
      double bandwidth;     /* bit/s, each edge server <-> cloud */
      double latency;       /* s */
    } cloud;
  } servers;

  struct {
    double omega_min;    /* bit/s, lower end of the D2D bandwidth draw */
    double omega_ratio;  /* upper end = omega_min * ratio (paper: 10) */
    double latency;      /* s per hop */
    int symmetric;       /* 1: Ω_ij = Ω_ji */
    sim_topology_kind topology;
    double radius;       /* geometric: link range in the unit square */
  } links;

  struct {
    int64_t tokens;  /* n, generated tokens per request */
    int64_t batch;   /* β, sequences per pass */
    int64_t prompt;  /* P, prompt tokens (prefill) */
    int64_t context; /* tokens attended per generated token; -1 = auto (prompt + tokens/2) */
  } workload;

  struct {
    int64_t b_min, b_max, step; /* bit widths b_min, b_min+step, ..., b_max */
    sim_quantizer quantizer;
    sim_error_source error;
    char *error_table;          /* CSV from `dilemma profile`, when error = table */
    double weight_range;        /* analytic bound: weights assumed in [-R, R] */
    sim_accuracy accuracy;
    double delta;               /* per_layer: err(l, b) <= delta */
    double budget;              /* budget: sum_l err(l, b_l) <= budget */
  } quant;

  struct {
    sim_cost_kind model;
    double activation_bits; /* roofline: bits per activation element on the wire */
    double kv_bits;         /* roofline: bits per KV-cache element */
  } cost;

  struct {
    sim_method method;
    sim_formulation formulation;
    double time_limit;             /* s per solve */
    unsigned baselines;            /* bit set of 1u << sim_method, solved besides `method` */
    int64_t max_layers_per_server; /* 0 = no cap */
    int64_t origin;                /* server where prompts arrive and outputs return; -1 = none */
    int presolve;                  /* 1: drop dominated bit options where provably safe */
    double mip_gap;                /* relative gap at which a solve counts as optimal */
  } solver;

  struct {
    int replay;          /* 1: replay the placement in the DES */
    int load;            /* 1: also run the load experiment */
    double rate;         /* requests/s (Poisson) */
    int64_t requests;    /* requests in a load run */
    double horizon;      /* s; > 0: `requests` arrivals at uniform random times in [0, horizon] */
    int64_t max_batch;   /* requests batched per pass */
    int64_t slots;       /* concurrent jobs per server */
    int64_t max_events;  /* events one simulation may fire; 0 = no cap */
    double compute_cv;   /* coefficient of variation of compute times */
    double bandwidth_cv; /* coefficient of variation of per-transfer bandwidth */
    sim_outage *outages;
    size_t n_outages;
  } sim;

  size_t n_sweep;        /* 0, 1 or 2 swept parameters */
  sim_sweep_dim sweep[2];
} sim_scenario;

/* Reads and validates a scenario. Returns NULL and fills err (all problems,
 * one per line, each `file:line:col: error: key: message`) on failure. */
sim_scenario *sim_scenario_load(const char *path, sim_error *err);

/* The same from a string; `name` stands in for the file name in messages. */
sim_scenario *sim_scenario_load_string(const char *text, size_t len, const char *name,
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

/* Fills *view with base and sweep point `point` applied (row-major over the
 * dimensions: the last dimension varies fastest). */
int sim_scenario_point(const sim_scenario *base, size_t point, sim_scenario *view,
                       sim_error *err);

/* The value of sweep dimension d at a point, formatted for CSV/figures. */
void sim_scenario_point_label(const sim_scenario *sc, size_t point, size_t d, char *buf,
                              size_t len);

/* The methods an experiment solves, in the order of runs.csv and of the
 * figures' legends: the scenario's method first, then its baselines in
 * enum order. Fills out and returns how many (at least 1). */
size_t sim_scenario_methods(const sim_scenario *sc, sim_method out[SIM_METHOD_COUNT]);

/* The model profile of a scenario (built-in, custom hyperparameters or an
 * explicit layer list), with the workload's context resolved. */
sim_model *sim_scenario_model_alloc(const sim_scenario *sc, sim_error *err);

/* The resolved context: workload.context, or prompt + tokens/2 when auto. */
int64_t sim_scenario_context(const sim_scenario *sc);

/* Writes the scenario with every default made explicit, as YAML that loads
 * back to the same scenario. `header` (may be NULL) is written as comments. */
int sim_scenario_write(const sim_scenario *sc, FILE *out, const char *header, sim_error *err);

/* Prints every key path the schema accepts, one per line, with its type. */
void sim_scenario_schema_print(FILE *out);

/* Names of enumerated values. */
const char *sim_method_name(sim_method m);
int sim_method_parse(const char *s);
const char *sim_cost_name(sim_cost_kind c);
const char *sim_formulation_name(sim_formulation f);

#endif
