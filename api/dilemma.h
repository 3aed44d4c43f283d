/* dilemma.h: the C API of libdilemma, the one installed header.
 *
 * Load a scenario (a YAML file or string, with `key=value` overrides as on
 * the command line's --set), assemble the instance of one (sweep point, run),
 * solve it, replay the placement in the discrete-event simulator, or run the
 * scenario's whole Monte Carlo experiment into a directory. Results come back
 * as JSON text whose names are the column names of runs.csv (docs/api.md), so
 * a program reads one vocabulary whichever way it drives dilemma.
 *
 * Stability: the names below are the stable interface (DILEMMA_API_VERSION
 * counts incompatible changes); the shared library exports nothing else.
 * The handles are opaque, so their contents may change without breaking
 * programs.
 *
 * Errors: every function that can fail returns a status (DILEMMA_OK or one of
 * the DILEMMA_E* codes, which equal the exit statuses of the dilemma
 * command) and, when `err` is not NULL, fills it with the code and a message
 * that names the file, line, key and allowed values when input is at fault.
 * Nothing is printed and nothing exits.
 *
 * Ownership rule: whatever a function hands back through an out-pointer
 * belongs to the caller: a handle from dilemma_scenario_load* is freed with
 * dilemma_scenario_free, one from dilemma_instance_alloc with
 * dilemma_instance_free, and a `char *` (JSON, YAML) with dilemma_free. On
 * failure the out-pointer is set to NULL. Every pointer argument is only
 * borrowed for the call, except that an instance keeps using its scenario:
 * free every instance of a scenario before the scenario. Strings returned by
 * accessors (dilemma_scenario_name) belong to the object they came from.
 *
 * Threads: there is no global state; different handles may be used from
 * different threads at once, and a scenario may be shared read-only by
 * threads that each assemble and solve their own instances. */
#ifndef DILEMMA_H
#define DILEMMA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DILEMMA_API_VERSION 1

/* Status codes: the exit statuses of the dilemma command. */
enum {
  DILEMMA_OK = 0,         /* success */
  DILEMMA_ERUNTIME = 1,   /* input/output, memory or solver failure */
  DILEMMA_EINPUT = 2,     /* bad input: a scenario, a key, an argument */
  DILEMMA_EINFEASIBLE = 3 /* no feasible placement (dilemma_experiment_run: none in the sweep) */
};

typedef struct dilemma_error {
  int code;           /* the DILEMMA_E* status of the failure, DILEMMA_OK if none */
  char message[8192]; /* one problem per line, NUL-terminated */
} dilemma_error;

/* The library's version, e.g. "0.1.0" (a static string). */
const char *dilemma_version(void);
/* DILEMMA_API_VERSION of the library (compare with the header's). */
int dilemma_api_version(void);
/* Frees a string the library returned (JSON, YAML). NULL is ignored. */
void dilemma_free(void *p);

/* --- scenarios ------------------------------------------------------------ */

typedef struct dilemma_scenario dilemma_scenario;

/* Reads and validates the scenario at `path` with n_sets overrides
 * "a.b.c=value" applied first (sets may be NULL when n_sets is 0), exactly
 * as `dilemma check --set` would. */
int dilemma_scenario_load(dilemma_scenario **out, const char *path, const char *const *sets,
                          size_t n_sets, dilemma_error *err);
/* The same from YAML text; `name` stands for the file name in messages and
 * names the scenario (and its default output directory). */
int dilemma_scenario_load_string(dilemma_scenario **out, const char *yaml, const char *name,
                                 const char *const *sets, size_t n_sets, dilemma_error *err);
void dilemma_scenario_free(dilemma_scenario *sc);

const char *dilemma_scenario_name(const dilemma_scenario *sc);
/* Sweep points (1 without a sweep) and runs per point. */
size_t dilemma_scenario_points(const dilemma_scenario *sc);
long long dilemma_scenario_runs(const dilemma_scenario *sc);
/* The scenario with every default made explicit, as YAML (caller frees with
 * dilemma_free). */
int dilemma_scenario_resolved(const dilemma_scenario *sc, char **yaml, dilemma_error *err);

/* --- one run: instance, solve, simulate ---------------------------------- */

typedef struct dilemma_instance dilemma_instance;

/* Assembles run `run` at sweep point `point`: the model profile, the
 * topology drawn from (seed, run) and the costs. Borrows sc until freed. */
int dilemma_instance_alloc(dilemma_instance **out, const dilemma_scenario *sc, size_t point,
                           unsigned long long run, dilemma_error *err);
void dilemma_instance_free(dilemma_instance *in);
size_t dilemma_instance_layers(const dilemma_instance *in);
size_t dilemma_instance_servers(const dilemma_instance *in);

/* Solves the instance with `method` (ilp, dp, single, greedy, uniform,
 * random, cloud; NULL for the scenario's) and checks the placement
 * independently. *json is an object with method, status (optimal, feasible,
 * timeout, infeasible, error), objective_s, compute_s, comm_s,
 * quant_ratio_pct, servers_used, lower_bound_s, gap, nodes, solve_s and
 * placement (a list of {layer, server, bits}); null where a value does not
 * exist. An infeasible instance is DILEMMA_OK with status "infeasible":
 * the status codes are for failures. */
int dilemma_solve(const dilemma_instance *in, const char *method, char **json, dilemma_error *err);

/* dilemma_solve, then the placement replayed in the discrete-event
 * simulator: adds sim_s and sim_rel_error and, when the scenario configures
 * the load experiment, lat_mean_s, lat_p50_s, lat_p95_s, lat_p99_s, ttft_s,
 * tpot_s, throughput_tps and load_mape_pct. */
int dilemma_simulate(const dilemma_instance *in, const char *method, char **json,
                     dilemma_error *err);

/* --- experiments ----------------------------------------------------------- */

#define DILEMMA_RUN_RESUME 1u /* keep the complete runs already in outdir, do the rest */
#define DILEMMA_RUN_FORCE 2u  /* replace the runs already in outdir */

/* Runs every sweep point and run into outdir (NULL: the scenario's output):
 * runs.csv, summary.csv and scenario.resolved.yaml, as `dilemma run
 * --no-plot`. threads >= 1; runs 0 for the scenario's. Refuses (EINPUT) a
 * directory holding runs unless flags has RESUME or FORCE. Returns
 * DILEMMA_EINFEASIBLE, with the files written, when no run of the whole
 * sweep has a feasible placement. */
int dilemma_experiment_run(const dilemma_scenario *sc, const char *outdir, int threads,
                           long long runs, unsigned flags, dilemma_error *err);

#ifdef __cplusplus
}
#endif

#endif
