/* figures.c: the table of figures: which figure a sweep over a key makes,
 * with the axis words and units, the gnuplot script and the log axes. A
 * new figure is a new row here (and a script when none of the existing
 * ones draws it); plot.c holds no key names. */
#include <string.h>

#include "analysis/internal.h"

#define T_LABEL "completion time T (s)"

/* Rows are tried in order: the first that matches the key and whose needs
 * hold wins, so a specific row (Fig. 3 with one key) precedes a general
 * one for the same key. The x axis is logarithmic when the sweep was given
 * as a log range (sim_sweep_dim.log_scale). paired.gp draws the main
 * method's T beside each baseline's paired ratio to it; with two swept
 * keys plot.c draws any row with sweep.gp instead (one line per value of
 * the second key, for the main method), except a serving row, whose script
 * draws the second key's values itself. */
static const analysis_figure table[] = {
  {"quantization.delta", ANALYSIS_NEEDS_ONE_KEY, "fig3", "fig3.gp", "per-layer error bound {/Symbol d}",
   T_LABEL, "objective_s", ANALYSIS_LOG_NO, 1},
  {"links.omega_min", ANALYSIS_NEEDS_NOTHING, "fig5", "paired.gp", "minimum D2D bandwidth {/Symbol W}_{min} (bit/s)",
   T_LABEL, "objective_s", ANALYSIS_LOG_AUTO, 0},
  {"servers.ccs.min", ANALYSIS_NEEDS_NOTHING, "fig6", "paired.gp", "minimum server compute speed (FLOP/s)",
   T_LABEL, "objective_s", ANALYSIS_LOG_AUTO, 0},
  {"servers.ccs.max", ANALYSIS_NEEDS_NOTHING, "fig6", "paired.gp", "maximum server compute speed (FLOP/s)",
   T_LABEL, "objective_s", ANALYSIS_LOG_AUTO, 0},
  {"servers.ccs*", ANALYSIS_NEEDS_NOTHING, "fig6", "paired.gp", "server compute speed (FLOP/s)", T_LABEL,
   "objective_s", ANALYSIS_LOG_AUTO, 0},
  {"simulation.rate", ANALYSIS_NEEDS_SERVING, "serving", "serving.gp", "arrival rate (requests/s)",
   "TTFT p95, TPOT p95 (s), throughput (tokens/s)", "ttft_p95_s", ANALYSIS_LOG_YES, 0},
  {"simulation.rate", ANALYSIS_NEEDS_LOAD, "load", "load.gp", "arrival rate (requests/s)", "latency (s)",
   "lat_mean_s", ANALYSIS_LOG_NO, 0},
  {"simulation.rate", ANALYSIS_NEEDS_NOTHING, "objective", "paired.gp", "arrival rate (requests/s)", T_LABEL,
   "objective_s", ANALYSIS_LOG_AUTO, 0},
  {"simulation.dynamics.to_bad", ANALYSIS_NEEDS_LOAD, "dynamic", "sweep.gp",
   "rate at which each link fades (1/s)", "mean latency of served requests (s)", "lat_mean_s",
   ANALYSIS_LOG_NO, 0},
  {"servers.count", ANALYSIS_NEEDS_NOTHING, "objective", "paired.gp", "edge servers", T_LABEL, "objective_s",
   ANALYSIS_LOG_AUTO, 0},
  {"workload.tokens", ANALYSIS_NEEDS_NOTHING, "objective", "paired.gp", "generated tokens n", T_LABEL,
   "objective_s", ANALYSIS_LOG_AUTO, 0},
  {"workload.batch", ANALYSIS_NEEDS_NOTHING, "objective", "paired.gp", "batch size {/Symbol b}", T_LABEL,
   "objective_s", ANALYSIS_LOG_AUTO, 0},
};

/* Any other key: the objective against the key, named by the key. */
static const analysis_figure generic = {"*", ANALYSIS_NEEDS_NOTHING, "objective", "paired.gp", NULL, T_LABEL,
                                        "objective_s", ANALYSIS_LOG_AUTO, 0};

/* What each method is, in words a reader of the figure needs. */
static const struct {
  const char *method, *label;
} labels[] = {
  {"ilp", "DILEMMA (optimal ILP)"},
  {"dp", "DILEMMA (exact DP)"},
  {"single", "best single server"},
  {"greedy", "greedy, layer by layer"},
  {"uniform", "unquantized (b_max), optimal placement"},
  {"random", "random placement"},
  {"cloud", "all layers in the cloud"},
  /* Several models (models:). */
  {"sequential", "models one after another, by weight"},
  {"independent", "each model as if alone"},
  {"partitioned", "one server group per model"},
};

const char *analysis_method_label(const char *method) {
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i].method, method) == 0) return labels[i].label;
  return method;
}

static int key_matches(const char *pattern, const char *key) {
  const size_t n = strlen(pattern);
  if (n > 0 && pattern[n - 1] == '*') return strncmp(pattern, key, n - 1) == 0;
  return strcmp(pattern, key) == 0;
}

const analysis_figure *analysis_figure_find(const char *key, size_t n_keys, int load, int serving) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    const analysis_figure *f = &table[i];
    if (!key_matches(f->key, key)) continue;
    if (f->needs == ANALYSIS_NEEDS_LOAD && !load) continue;
    if (f->needs == ANALYSIS_NEEDS_ONE_KEY && n_keys != 1) continue;
    if (f->needs == ANALYSIS_NEEDS_SERVING && !(serving && n_keys == 2)) continue;
    return f;
  }
  return &generic;
}
