/* plot.c: figures of an experiment directory with the gnuplot scripts in
 * analysis/, shared by `dilemma plot` and the end of `dilemma run`. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "sim/core/core.h"
#include "sim/scenario/scenario.h"
#include "analysis/analysis.h"

extern char **environ;

/* Where the gnuplot scripts are: $DILEMMA_ANALYSIS_DIR, the source tree
 * (running from a build), or the installed data directory. */
static const char *analysis_dir(void) {
  const char *env = getenv("DILEMMA_ANALYSIS_DIR");
  struct stat st;
  if (env && *env) return env;
  if (stat(DILEMMA_SRCDIR "/analysis/sweep.gp", &st) == 0) return DILEMMA_SRCDIR "/analysis";
  return DILEMMA_PKGDATADIR "/analysis";
}

/* A gnuplot single-quoted string: quotes are doubled. */
static void gp_string(sim_buf *b, const char *name, const char *value) {
  sim_buf_printf(b, "%s='", name);
  for (const char *p = value; *p; p++) {
    if (*p == '\'') sim_buf_puts(b, "''");
    else sim_buf_append(b, p, 1);
  }
  sim_buf_puts(b, "'; ");
}

static int gnuplot(const char *vars, const char *script, sim_error *err) {
  char *argv[] = {"gnuplot", "-e", (char *)vars, (char *)script, NULL};
  pid_t pid;
  int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
  if (rc != 0) return sim_error_set(err, SIM_EIO, "cannot run gnuplot: %s (install gnuplot-nox)", strerror(rc));
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return sim_error_set(err, SIM_EIO, "gnuplot failed on %s", script);
  return SIM_OK;
}

/* Smallest and largest positive value of a column in a CSV text. */
static void column_range(const char *csv, const char *name, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  const char *nl = strchr(csv, '\n');
  if (nl == NULL) return;
  /* The header, split in a copy with room for every field. */
  size_t n = 1;
  for (const char *p = csv; p < nl; p++) n += *p == ',';
  char *head = strndup(csv, (size_t)(nl - csv)), **names = malloc(n * sizeof *names);
  long idx = head && names ? sim_csv_index(names, sim_csv_split(head, names, n), name) : -1;
  free(head);
  free(names);
  if (idx < 0) return;
  for (const char *line = nl + 1; *line;) {
    const char *p = line;
    for (long i = 0; i < idx && p; i++) {
      p = strchr(p, ',');
      if (p) p++;
    }
    const char *end = strchr(line, '\n');
    if (p && (end == NULL || p < end) && *p != ',' && *p != '\n') {
      double v = strtod(p, NULL);
      if (v > 0 && v < *lo) *lo = v;
      if (v > 0 && v > *hi) *hi = v;
    }
    if (end == NULL) break;
    line = end + 1;
  }
}

/* Axis label of a swept key: words and units for the keys the paper sweeps. */
static const char *axis_label(const char *key) {
  static const struct { const char *key, *label; } known[] = {
    {"links.omega_min", "minimum D2D bandwidth {/Symbol W}_{min} (bit/s)"},
    {"servers.ccs", "server compute speed (FLOP/s)"},
    {"servers.ccs.min", "minimum server compute speed (FLOP/s)"},
    {"servers.ccs.max", "maximum server compute speed (FLOP/s)"},
    {"servers.count", "edge servers"},
    {"quantization.delta", "per-layer error bound {/Symbol d}"},
    {"simulation.rate", "arrival rate (requests/s)"},
    {"workload.tokens", "generated tokens n"},
    {"workload.batch", "batch size {/Symbol b}"},
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(known[i].key, key) == 0) return known[i].label;
  return key;
}

static const char *figure_name(const char *key) {
  if (strcmp(key, "quantization.delta") == 0) return "fig3";
  if (strcmp(key, "links.omega_min") == 0) return "fig5";
  if (strncmp(key, "servers.ccs", 11) == 0) return "fig6";
  if (strcmp(key, "simulation.rate") == 0) return "load";
  return NULL;
}

/* The figures of a one-key sweep over names (category.gp): completion time
 * and, with catalogue devices, energy per token, against the swept names.
 * `vars` holds the common variables (dir, summary, splits, titles, title). */
static int category_figures(const sim_scenario *sc, sim_buf *vars, const char *adir,
                            const char *figdir, const char *summary, sim_error *err) {
  const sim_sweep_dim *d0 = &sc->sweep[0];
  sim_buf labels;
  sim_buf_init(&labels);
  for (size_t i = 0; i < d0->n; i++) sim_buf_printf(&labels, "%s%s", i ? " " : "", d0->strings[i]);
  static const struct { const char *col, *file, *label; } figs[] = {
    {"objective_s", "objective", "completion time T (s)"},
    {"energy_j_per_token", "energy", "energy per generated token (J)"},
  };
  int rc = SIM_OK;
  for (size_t f = 0; f < 2 && rc == SIM_OK; f++) {
    double lo, hi;
    char col[64], out[4400], script[4400];
    snprintf(col, sizeof col, "%s_mean", figs[f].col);
    column_range(summary, col, &lo, &hi);
    if (!(hi > 0)) continue;
    sim_buf v;
    sim_buf_init(&v);
    sim_buf_puts(&v, vars->data ? vars->data : "");
    snprintf(out, sizeof out, "%s/%s", figdir, figs[f].file);
    gp_string(&v, "out", out);
    gp_string(&v, "xkey", "point");
    gp_string(&v, "labels", labels.data ? labels.data : "");
    gp_string(&v, "ycol", figs[f].col);
    gp_string(&v, "xlabel", d0->key);
    gp_string(&v, "ylabel", figs[f].label);
    snprintf(script, sizeof script, "%s/category.gp", adir);
    rc = v.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : gnuplot(v.data, script, err);
    sim_buf_free(&v);
  }
  sim_buf_free(&labels);
  return rc;
}

int analysis_plot_dir(const char *dir, int quiet, sim_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
  sim_scenario *sc = sim_scenario_load(path, err);
  if (sc == NULL) return SIM_EINPUT;
  /* A missing file is an input error; one that cannot be read is an I/O
   * error that sim_file_read has already described. */
  const size_t before = err->count;
  size_t len;
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  char *summary = sim_file_read(path, &len, err), *runs = NULL;
  snprintf(path, sizeof path, "%s/runs.csv", dir);
  if (summary != NULL) runs = sim_file_read(path, &len, err);
  int rc = SIM_OK;
  if (err->count > before) {
    rc = err->code;
    goto done;
  }
  if (summary == NULL || runs == NULL) {
    rc = sim_error_set(err, SIM_EINPUT, "%s: no runs.csv and summary.csv here; run `dilemma run` first", dir);
    goto done;
  }
  char figdir[4200];
  snprintf(figdir, sizeof figdir, "%s/figures", dir);
  if (mkdir(figdir, 0777) != 0 && errno != EEXIST) {
    rc = sim_error_set(err, SIM_EIO, "%s: cannot create: %s", figdir, strerror(errno));
    goto done;
  }
  const char *adir = analysis_dir();
  const char *primary = solver_method_name(sc->solver.method);
  sim_buf methods, vars;
  sim_buf_init(&methods);
  sim_buf_init(&vars);
  /* The methods in the order of runs.csv. */
  solver_method order[SOLVER_METHOD_COUNT];
  const size_t n_methods = sim_scenario_methods(sc, order);
  for (size_t i = 0; i < n_methods; i++) sim_buf_printf(&methods, "%s%s", i ? " " : "", solver_method_name(order[i]));
  char title[512];
  snprintf(title, sizeof title, "%s: %s", sc->name, sc->description ? sc->description : sc->model.name);
  int made = 0;

  if (sc->n_sweep >= 1) {
    const sim_sweep_dim *d0 = &sc->sweep[0];
    const char *name = figure_name(d0->key);
    char out[4400], script[4400];
    snprintf(out, sizeof out, "%s/%s", figdir, name ? name : "objective");
    double lo, hi;
    column_range(summary, "objective_s_mean", &lo, &hi);
    sim_buf_clear(&vars);
    gp_string(&vars, "dir", adir);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    gp_string(&vars, "summary", path);
    gp_string(&vars, "out", out);
    gp_string(&vars, "xkey", d0->key);
    gp_string(&vars, "title", title);
    if (sc->n_sweep == 2) {
      /* Two keys: one line per value of the second, for the main method. */
      sim_buf splits;
      sim_buf_init(&splits);
      for (size_t i = 0; i < sc->sweep[1].n; i++) {
        char v[64];
        sim_scenario_point_label(sc, i, 1, v, sizeof v);
        sim_buf_printf(&splits, "%s%s", i ? " " : "", v);
      }
      gp_string(&vars, "splitcol", sc->sweep[1].key);
      gp_string(&vars, "splits", splits.data ? splits.data : "");
      gp_string(&vars, "filtercol", "method");
      gp_string(&vars, "filterval", primary);
      sim_buf_free(&splits);
    } else {
      /* One line per method; the legend says when a method's means are
       * over fewer runs than the others'. */
      gp_string(&vars, "splits", methods.data);
      sim_buf titles;
      sim_buf_init(&titles);
      for (size_t i = 0; i < n_methods && rc == SIM_OK; i++) {
        char legend[256];
        rc = analysis_summary_legend(summary, solver_method_name(order[i]), legend, sizeof legend, err);
        sim_buf_printf(&titles, "%s\"%s\"", titles.len ? " " : "", legend);
      }
      if (rc == SIM_OK) gp_string(&vars, "titles", titles.data ? titles.data : "");
      sim_buf_free(&titles);
    }
    sim_buf_printf(&vars, "logx=%d; logy=%d; ", d0->log_scale, hi / lo > 50 ? 1 : 0);
    if (rc != SIM_OK) {
      /* The legend could not be read: no figure. */
    } else if (strcmp(d0->key, "quantization.delta") == 0 && sc->n_sweep == 1) {
      snprintf(script, sizeof script, "%s/fig3.gp", adir);
      rc = gnuplot(vars.data, script, err);
      /* Table 1 beside Fig. 3. */
      sim_buf csv, md;
      sim_buf_init(&csv);
      sim_buf_init(&md);
      if (rc == SIM_OK) rc = analysis_table1_build(runs, summary, d0->key, primary, &csv, &md, err);
      if (rc == SIM_OK) {
        snprintf(out, sizeof out, "%s/table1.csv", figdir);
        rc = sim_file_write_atomic(out, csv.data, csv.len, err);
      }
      if (rc == SIM_OK) {
        snprintf(out, sizeof out, "%s/table1.md", figdir);
        rc = sim_file_write_atomic(out, md.data, md.len, err);
      }
      if (rc == SIM_OK && !quiet) fputs(md.data, stdout);
      sim_buf_free(&csv);
      sim_buf_free(&md);
    } else if (d0->strings != NULL && sc->n_sweep == 1) {
      /* A sweep over names: one figure per metric, x labelled by name. */
      rc = category_figures(sc, &vars, adir, figdir, summary, err);
    } else if (strcmp(d0->key, "simulation.rate") == 0 && sc->sim.load) {
      gp_string(&vars, "method", primary);
      snprintf(script, sizeof script, "%s/load.gp", adir);
      rc = gnuplot(vars.data, script, err);
    } else {
      gp_string(&vars, "xlabel", axis_label(d0->key));
      gp_string(&vars, "ylabel", "completion time T (s)");
      snprintf(script, sizeof script, "%s/sweep.gp", adir);
      rc = gnuplot(vars.data, script, err);
    }
    made += rc == SIM_OK;
  }
  /* Energy per token against T, when servers are catalogue devices. */
  double lo, hi;
  column_range(runs, "energy_j_per_token", &lo, &hi);
  if (rc == SIM_OK && hi > 0) {
    char out[4400], script[4400];
    snprintf(out, sizeof out, "%s/energy-latency", figdir);
    snprintf(script, sizeof script, "%s/energy.gp", adir);
    sim_buf_clear(&vars);
    gp_string(&vars, "dir", adir);
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    gp_string(&vars, "runs", path);
    gp_string(&vars, "out", out);
    gp_string(&vars, "title", title);
    gp_string(&vars, "splits", methods.data);
    rc = gnuplot(vars.data, script, err);
    made += rc == SIM_OK;
  }
  /* Analytic against simulated T, when the runs were replayed. */
  column_range(runs, "sim_s", &lo, &hi);
  if (rc == SIM_OK && hi > 0) {
    char out[4400], script[4400];
    snprintf(out, sizeof out, "%s/validation", figdir);
    snprintf(script, sizeof script, "%s/validation.gp", adir);
    sim_buf_clear(&vars);
    gp_string(&vars, "dir", adir);
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    gp_string(&vars, "runs", path);
    gp_string(&vars, "out", out);
    gp_string(&vars, "title", title);
    rc = gnuplot(vars.data, script, err);
    made += rc == SIM_OK;
  }
  if (rc == SIM_OK && !quiet) fprintf(stderr, "dilemma plot: %d figure%s in %s (PNG and SVG)\n", made, made == 1 ? "" : "s", figdir);
  sim_buf_free(&methods);
  sim_buf_free(&vars);
done:
  free(summary);
  free(runs);
  sim_scenario_free(sc);
  return rc;
}
