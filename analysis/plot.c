/* plot.c: figures of an experiment directory with the gnuplot scripts in
 * analysis/, shared by `dilemma plot` and the end of `dilemma run`. Which
 * figure a sweep makes, and its axis words, come from the table in
 * figures.c; this file reads the directory and hands gnuplot its
 * variables. */
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
#include "analysis/internal.h"

extern char **environ;

/* Where the gnuplot scripts are: $DILEMMA_ANALYSIS_DIR, the source tree
 * (running from a build), or the installed data directory. */
const char *analysis__scripts_dir(void) {
  const char *env = getenv("DILEMMA_ANALYSIS_DIR");
  struct stat st;
  if (env && *env) return env;
  if (stat(DILEMMA_SRCDIR "/analysis/sweep.gp", &st) == 0) return DILEMMA_SRCDIR "/analysis";
  return DILEMMA_PKGDATADIR "/analysis";
}

/* A gnuplot single-quoted string: quotes are doubled. */
void analysis__gp_string(sim_buf *b, const char *name, const char *value) {
  sim_buf_printf(b, "%s='", name);
  for (const char *p = value; *p; p++) {
    if (*p == '\'') sim_buf_puts(b, "''");
    else sim_buf_append(b, p, 1);
  }
  sim_buf_puts(b, "'; ");
}

int analysis__gnuplot(const char *vars, const char *script, sim_error *err) {
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
void analysis__column_range(const char *csv, const char *name, double *lo, double *hi) {
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

/* A directory of schema 1 or 2: runs.csv in schema 3 and summary.csv
 * recomputed from it (the summary is a function of runs.csv), both written
 * to a temporary directory for gnuplot. */
static int ctx_upgrade(analysis__plot_ctx *c, sim_error *err) {
  char version[64], path[ANALYSIS__PATH_LEN], *runs = NULL, *summary = NULL;
  size_t len;
  analysis__dir_version(c->dir, version, sizeof version);
  int rc = analysis_schema_upgrade(c->runs, strlen(c->runs), c->sc, version, &runs, &len, err);
  if (rc == SIM_OK) rc = analysis_summary_compute(runs, len, &summary, err);
  if (rc != SIM_OK) {
    free(runs);
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return sim_error_set(err, rc == SIM_ENOMEM ? rc : SIM_EINPUT, "%s/runs.csv (schema 2): %s", c->dir, msg);
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(c->data, sizeof c->data, "%s/dilemma-plot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(c->data) == NULL) {
    free(runs);
    free(summary);
    return sim_error_set(err, SIM_EIO, "%s: cannot create a temporary directory: %s", c->data, strerror(errno));
  }
  c->upgraded = 1;
  snprintf(path, sizeof path, "%s/runs.csv", c->data);
  rc = sim_file_write_atomic(path, runs, len, err);
  snprintf(path, sizeof path, "%s/summary.csv", c->data);
  if (rc == SIM_OK) rc = sim_file_write_atomic(path, summary, strlen(summary), err);
  free(c->runs);
  free(c->summary);
  c->runs = runs;
  c->summary = summary;
  return rc;
}

/* Reads the scenario, summary.csv and runs.csv of dir and creates
 * DIR/figures. A missing file is an input error; one that cannot be read
 * is an I/O error that sim_file_read has already described; a damaged one
 * is an input error naming it. Files of schema 1 or 2 are read in schema 3
 * (ctx_upgrade). */
static int ctx_open(analysis__plot_ctx *c, const char *dir, sim_error *err) {
  char path[ANALYSIS__PATH_LEN];
  memset(c, 0, sizeof *c);
  c->dir = dir;
  c->adir = analysis__scripts_dir();
  snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
  c->sc = sim_scenario_load(path, err);
  if (c->sc == NULL) return SIM_EINPUT;
  const size_t before = err->count;
  size_t len;
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  c->summary = sim_file_read(path, &len, err);
  snprintf(path, sizeof path, "%s/runs.csv", dir);
  if (c->summary != NULL) c->runs = sim_file_read(path, &len, err);
  if (err->count > before) return err->code;
  if (c->summary == NULL || c->runs == NULL)
    return sim_error_set(err, SIM_EINPUT, "%s: no runs.csv and summary.csv here; run `dilemma run` first", dir);
  snprintf(c->data, sizeof c->data, "%s", dir);
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  int rc = analysis__csv_check(path, c->summary, err);
  snprintf(path, sizeof path, "%s/runs.csv", dir);
  if (rc == SIM_OK) rc = analysis__csv_check(path, c->runs, err);
  if (rc == SIM_OK && analysis_schema_version(c->runs, strlen(c->runs)) != ANALYSIS_SCHEMA_VERSION)
    rc = ctx_upgrade(c, err);
  if (rc != SIM_OK) return rc;
  snprintf(c->figdir, sizeof c->figdir, "%s/figures", dir);
  if (mkdir(c->figdir, 0777) != 0 && errno != EEXIST)
    return sim_error_set(err, SIM_EIO, "%s: cannot create: %s", c->figdir, strerror(errno));
  c->n_methods = sim_scenario_methods(c->sc, c->order);
  snprintf(c->title, sizeof c->title, "%s: %s", c->sc->name,
           c->sc->description ? c->sc->description : c->sc->model.name);
  return SIM_OK;
}

static void ctx_close(analysis__plot_ctx *c) {
  if (c->upgraded) {
    char path[ANALYSIS__PATH_LEN];
    snprintf(path, sizeof path, "%s/runs.csv", c->data);
    remove(path);
    snprintf(path, sizeof path, "%s/summary.csv", c->data);
    remove(path);
    rmdir(c->data);
  }
  free(c->summary);
  free(c->runs);
  sim_scenario_free(c->sc);
}

/* The variables every script reads: dir, out (DIR/figures/NAME) and title;
 * `input` names the CSV file the script reads and `file` its variable. */
void analysis__vars_common(const analysis__plot_ctx *c, sim_buf *vars, const char *name,
                           const char *file, const char *input) {
  char path[ANALYSIS__PATH_LEN];
  analysis__gp_string(vars, "dir", c->adir);
  snprintf(path, sizeof path, "%s/%s", c->figdir, name);
  analysis__gp_string(vars, "out", path);
  snprintf(path, sizeof path, "%s/%s", c->data, input);
  analysis__gp_string(vars, file, path);
  analysis__gp_string(vars, "title", c->title);
}

/* Appends the legend entry of a method to a list of quoted entries: its
 * label, and when some of its runs have no objective how many (the count
 * analysis_summary_legend words after the method's name). */
int analysis__legend_append(const analysis__plot_ctx *c, const char *method, const char *model,
                            const char *label, sim_buf *list, sim_error *err) {
  char text[256];
  int rc = analysis_summary_legend(c->summary, method, model, text, sizeof text, err);
  if (rc == SIM_OK)
    sim_buf_printf(list, "%s\"%s%s\"", list->len ? " " : "", label ? label : analysis_method_label(method),
                   text + strlen(method));
  return rc;
}

/* The caption under every sweep figure's title. */
void analysis__vars_caption(const analysis__plot_ctx *c, sim_buf *vars) {
  char caption[128];
  snprintf(caption, sizeof caption, "%lld runs per point; bars: 95 %% CI", (long long)c->sc->runs);
  analysis__gp_string(vars, "caption", caption);
}

/* Lines per method (fig3.gp): splits and their legend entries. */
static int vars_methods(const analysis__plot_ctx *c, sim_buf *vars, sim_error *err) {
  sim_buf list;
  sim_buf_init(&list);
  for (size_t i = 0; i < c->n_methods; i++)
    sim_buf_printf(&list, "%s%s", i ? " " : "", solver_method_name(c->order[i]));
  analysis__gp_string(vars, "splits", list.data ? list.data : "");
  sim_buf_clear(&list);
  int rc = SIM_OK;
  for (size_t i = 0; i < c->n_methods && rc == SIM_OK; i++)
    rc = analysis__legend_append(c, solver_method_name(c->order[i]), NULL, NULL, &list, err);
  if (rc == SIM_OK) analysis__gp_string(vars, "titles", list.data ? list.data : "");
  sim_buf_free(&list);
  return rc;
}

/* The main method and the baselines (paired.gp). The ratio panel turns
 * logarithmic when the paired means span more than a factor 4. */
static int vars_paired(const analysis__plot_ctx *c, sim_buf *vars, sim_error *err) {
  const char *main_name = solver_method_name(c->order[0]);
  sim_buf list;
  sim_buf_init(&list);
  analysis__gp_string(vars, "main", main_name);
  /* One entry, "label ...", written without its quotes. */
  int rc = analysis__legend_append(c, main_name, NULL, NULL, &list, err);
  if (list.data != NULL && list.len > 1) list.data[list.len - 1] = '\0';
  if (rc == SIM_OK) analysis__gp_string(vars, "main_title", list.data ? list.data + 1 : "");
  sim_buf_clear(&list);
  for (size_t i = 1; i < c->n_methods; i++)
    sim_buf_printf(&list, "%s%s", i > 1 ? " " : "", solver_method_name(c->order[i]));
  analysis__gp_string(vars, "baselines", list.data ? list.data : "");
  sim_buf_clear(&list);
  for (size_t i = 1; i < c->n_methods && rc == SIM_OK; i++)
    rc = analysis__legend_append(c, solver_method_name(c->order[i]), NULL, NULL, &list, err);
  if (rc == SIM_OK) analysis__gp_string(vars, "btitles", list.data ? list.data : "");
  char label[160];
  snprintf(label, sizeof label, "T / T of %s, same run", analysis_method_label(main_name));
  analysis__gp_string(vars, "ratio_ylabel", label);
  double lo, hi;
  analysis__column_range(c->summary, "paired_ratio_mean", &lo, &hi);
  sim_buf_printf(vars, "ratio_logy=%d; ", hi / lo > 4.0);
  sim_buf_free(&list);
  return rc;
}

/* Lines per value of the second swept key, for the main method (sweep.gp). */
static void vars_second_key(const analysis__plot_ctx *c, sim_buf *vars) {
  const sim_scenario *sc = c->sc;
  sim_buf list;
  sim_buf_init(&list);
  /* The values as summary.csv writes them: the script compares text. */
  for (size_t i = 0; i < sc->sweep[1].n; i++) {
    char v[64];
    sim_scenario_point_value(sc, i, 1, v, sizeof v);
    sim_buf_printf(&list, "%s%s", i ? " " : "", v);
  }
  char col[256];
  sim_scenario_sweep_column(sc->sweep[1].key, col, sizeof col);
  analysis__gp_string(vars, "splitcol", col);
  analysis__gp_string(vars, "splits", list.data ? list.data : "");
  analysis__gp_string(vars, "filtercol", "method");
  analysis__gp_string(vars, "filterval", solver_method_name(sc->solver.method));
  sim_buf_free(&list);
}

/* Sums a summary column over every row (counts such as n_unstable). */
static double column_sum(const char *csv, const char *name) {
  double lo, hi, sum = 0.0;
  analysis__column_range(csv, name, &lo, &hi);
  if (!(hi > 0)) return 0.0;
  const char *nl = strchr(csv, '\n');
  size_t n = 1;
  for (const char *p = csv; p < nl; p++) n += *p == ',';
  char *text = strdup(csv), **f = malloc(n * sizeof *f);
  if (text == NULL || f == NULL) {
    free(text);
    free(f);
    return 0.0;
  }
  char *line = strchr(text, '\n');
  *line++ = '\0';
  long idx = sim_csv_index(f, sim_csv_split(text, f, n), name);
  while (idx >= 0 && *line) {
    char *e = strchr(line, '\n');
    if (e) *e = '\0';
    if (sim_csv_split(line, f, n) > (size_t)idx && *f[idx]) sum += strtod(f[idx], NULL);
    if (e == NULL) break;
    line = e + 1;
  }
  free(text);
  free(f);
  return sum;
}

/* The figure of the first swept key, as the table in figures.c says. */
static int plot_sweep(const analysis__plot_ctx *c, const analysis_figure *f, sim_error *err) {
  const sim_sweep_dim *d0 = &c->sc->sweep[0];
  /* Two keys: one line per value of the second, whatever the row says. */
  const int serving = f->needs == ANALYSIS_NEEDS_SERVING;
  const char *script = c->sc->n_sweep == 2 && !serving ? "sweep.gp" : f->script;
  sim_buf vars;
  sim_buf_init(&vars);
  analysis__vars_common(c, &vars, f->name, "summary", "summary.csv");
  analysis__vars_caption(c, &vars);
  char xcol[256];
  sim_scenario_sweep_column(d0->key, xcol, sizeof xcol);
  analysis__gp_string(&vars, "xkey", xcol);
  analysis__gp_string(&vars, "xlabel", f->xlabel ? f->xlabel : d0->key);
  analysis__gp_string(&vars, "ylabel", f->ylabel);
  analysis__gp_string(&vars, "ycol", f->ycol);
  analysis__gp_string(&vars, "method", solver_method_name(c->sc->solver.method));
  int logy = f->logy == ANALYSIS_LOG_YES;
  if (f->logy == ANALYSIS_LOG_AUTO) {
    char mean[128];
    double lo, hi;
    snprintf(mean, sizeof mean, "%s_mean", f->ycol);
    analysis__column_range(c->summary, mean, &lo, &hi);
    logy = hi / lo > ANALYSIS_LOGY_SPAN;
  }
  sim_buf_printf(&vars, "logx=%d; logy=%d; ", d0->log_scale, logy);
  sim_buf_printf(&vars, "n_unstable=%.0f; ", column_sum(c->summary, "n_unstable"));
  int rc = SIM_OK;
  if (strcmp(script, "sweep.gp") == 0) {
    vars_second_key(c, &vars);
  } else if (serving) {
    /* Lines per value of the second key; the offered load needs the
     * tokens a request generates. */
    vars_second_key(c, &vars);
    sim_buf_printf(&vars, "tokens=%.17g; ",
                   (double)c->sc->workload.tokens * (double)c->sc->workload.batch);
  } else if (strcmp(script, "paired.gp") == 0) {
    rc = vars_paired(c, &vars, err);
  } else {
    rc = vars_methods(c, &vars, err);
  }
  if (rc == SIM_OK) {
    char path[ANALYSIS__PATH_LEN];
    snprintf(path, sizeof path, "%s/%s", c->adir, script);
    rc = analysis__gnuplot(vars.data, path, err);
  }
  sim_buf_free(&vars);
  return rc;
}

/* A sweep of one key over names (links.profile, model.name, cost.model):
 * the points are categories, so category.gp draws every method's mean at
 * each name (x labelled by name) for T and, with catalogue devices, for the
 * energy per token. Returns the number of figures drawn through *made. */
static int plot_categories(const analysis__plot_ctx *c, int *made, sim_error *err) {
  const sim_sweep_dim *d0 = &c->sc->sweep[0];
  static const struct { const char *col, *name, *label; } figs[] = {
    {"objective_s", "objective", "completion time T (s)"},
    {"energy_j_per_token", "energy", "energy per generated token (J)"},
  };
  sim_buf labels;
  sim_buf_init(&labels);
  for (size_t i = 0; i < d0->n; i++) sim_buf_printf(&labels, "%s%s", i ? " " : "", d0->strings[i]);
  int rc = SIM_OK;
  for (size_t k = 0; k < sizeof figs / sizeof figs[0] && rc == SIM_OK; k++) {
    char mean[128];
    double lo, hi;
    snprintf(mean, sizeof mean, "%s_mean", figs[k].col);
    analysis__column_range(c->summary, mean, &lo, &hi);
    if (!(hi > 0)) continue;
    sim_buf vars;
    sim_buf_init(&vars);
    analysis__vars_common(c, &vars, figs[k].name, "summary", "summary.csv");
    analysis__vars_caption(c, &vars);
    analysis__gp_string(&vars, "xkey", "point");
    analysis__gp_string(&vars, "labels", labels.data ? labels.data : "");
    analysis__gp_string(&vars, "xlabel", d0->key);
    analysis__gp_string(&vars, "ylabel", figs[k].label);
    analysis__gp_string(&vars, "ycol", figs[k].col);
    rc = vars_methods(c, &vars, err);
    if (rc == SIM_OK) {
      char path[ANALYSIS__PATH_LEN];
      snprintf(path, sizeof path, "%s/category.gp", c->adir);
      rc = analysis__gnuplot(vars.data, path, err);
      *made += rc == SIM_OK;
    }
    sim_buf_free(&vars);
  }
  sim_buf_free(&labels);
  return rc;
}

/* Energy per token against T, one point per placement, drawn when the
 * servers are catalogue devices (runs.csv has the energy columns). */
static int plot_energy(const analysis__plot_ctx *c, sim_error *err) {
  sim_buf vars, list;
  sim_buf_init(&vars);
  sim_buf_init(&list);
  analysis__vars_common(c, &vars, "energy-latency", "runs", "runs.csv");
  for (size_t i = 0; i < c->n_methods; i++)
    sim_buf_printf(&list, "%s%s", i ? " " : "", solver_method_name(c->order[i]));
  analysis__gp_string(&vars, "splits", list.data ? list.data : "");
  sim_buf_clear(&list);
  for (size_t i = 0; i < c->n_methods; i++)
    sim_buf_printf(&list, "%s\"%s\"", i ? " " : "", analysis_method_label(solver_method_name(c->order[i])));
  analysis__gp_string(&vars, "titles", list.data ? list.data : "");
  char script[ANALYSIS__PATH_LEN];
  snprintf(script, sizeof script, "%s/energy.gp", c->adir);
  int rc = analysis__gnuplot(vars.data, script, err);
  sim_buf_free(&vars);
  sim_buf_free(&list);
  return rc;
}

/* Table 1 (figures/table1.csv and .md) from the runs of a δ sweep; the
 * Markdown also goes to stdout unless quiet. */
static int write_table1(const analysis__plot_ctx *c, int quiet, sim_error *err) {
  sim_buf csv, md;
  sim_buf_init(&csv);
  sim_buf_init(&md);
  char path[ANALYSIS__PATH_LEN];
  char col[256];
  sim_scenario_sweep_column(c->sc->sweep[0].key, col, sizeof col);
  int rc = analysis_table1_build(c->runs, c->summary, col, solver_method_name(c->sc->solver.method), &csv, &md,
                                 err);
  if (rc == SIM_OK) {
    snprintf(path, sizeof path, "%s/table1.csv", c->figdir);
    rc = sim_file_write_atomic(path, csv.data, csv.len, err);
  }
  if (rc == SIM_OK) {
    snprintf(path, sizeof path, "%s/table1.md", c->figdir);
    rc = sim_file_write_atomic(path, md.data, md.len, err);
  }
  if (rc == SIM_OK && !quiet) fputs(md.data, stdout);
  sim_buf_free(&csv);
  sim_buf_free(&md);
  return rc;
}

/* Analytic against simulated T, drawn when the runs were replayed. */
static int plot_validation(const analysis__plot_ctx *c, sim_error *err) {
  sim_buf vars;
  sim_buf_init(&vars);
  analysis__vars_common(c, &vars, "validation", "runs", "runs.csv");
  char script[ANALYSIS__PATH_LEN];
  snprintf(script, sizeof script, "%s/validation.gp", c->adir);
  int rc = analysis__gnuplot(vars.data, script, err);
  sim_buf_free(&vars);
  return rc;
}

/* Latency over time of run 0 of a dynamic experiment, for the points of
 * the last value of the first swept key (one line per value of the second
 * key, so the policies at the highest volatility of the shipped study), or
 * every point with one key; the main method's series. Drawn when the runs
 * wrote time series (simulation.timeseries). */
static int plot_timeseries(const analysis__plot_ctx *c, sim_error *err) {
  const sim_scenario *sc = c->sc;
  const size_t points = sim_scenario_points(sc);
  const size_t n1 = sc->n_sweep == 2 ? sc->sweep[1].n : points;
  const size_t first = points - n1;
  sim_buf files, titles, vars;
  sim_buf_init(&files);
  sim_buf_init(&titles);
  sim_buf_init(&vars);
  for (size_t p = first; p < points; p++) {
    char path[ANALYSIS__PATH_LEN], label[128] = "";
    snprintf(path, sizeof path, "%s/timeseries/p%zu-r0-%s.csv", c->dir, p,
             solver_method_name(sc->solver.method));
    sim_buf_printf(&files, "%s%s", files.len ? " " : "", path);
    for (size_t d = 0; d < sc->n_sweep; d++) {
      char v[64];
      sim_scenario_point_label(sc, p, d, v, sizeof v);
      snprintf(label + strlen(label), sizeof label - strlen(label), "%s%s", d ? ", " : "", v);
    }
    sim_buf_printf(&titles, "%s\"%s\"", titles.len ? " " : "", sc->n_sweep ? label : "run 0");
  }
  analysis__vars_common(c, &vars, "latency-time", "runs", "runs.csv");
  analysis__gp_string(&vars, "files", files.data ? files.data : "");
  analysis__gp_string(&vars, "titles", titles.data ? titles.data : "");
  char marks[128] = "", caption[256];
  const sim_dyn_params *y = &sc->sim.dyn;
  if (y->depart >= 0) snprintf(marks, sizeof marks, "%.17g", y->depart_at);
  if (y->phase_at > 0 && y->phase_at != y->depart_at)
    snprintf(marks + strlen(marks), sizeof marks - strlen(marks), "%s%.17g", *marks ? " " : "", y->phase_at);
  analysis__gp_string(&vars, "marks", marks);
  if (y->depart >= 0)
    snprintf(caption, sizeof caption, "run 0, %s; dashed: server %lld leaves at %.6g s%s",
             solver_method_name(sc->solver.method), (long long)y->depart, y->depart_at,
             y->phase_at > 0 && y->phase_at != y->depart_at ? ", phase boundary" : "");
  else
    snprintf(caption, sizeof caption, "run 0, %s%s", solver_method_name(sc->solver.method),
             y->phase_at > 0 ? "; dashed: phase boundary" : "");
  analysis__gp_string(&vars, "caption", caption);
  char script[ANALYSIS__PATH_LEN];
  snprintf(script, sizeof script, "%s/timeseries.gp", c->adir);
  int rc = files.oom || titles.oom || vars.oom ? sim_error_set(err, SIM_ENOMEM, "out of memory")
                                               : analysis__gnuplot(vars.data, script, err);
  sim_buf_free(&files);
  sim_buf_free(&titles);
  sim_buf_free(&vars);
  return rc;
}

int analysis_plot_dir(const char *dir, int quiet, sim_error *err) {
  analysis__plot_ctx c;
  int rc = ctx_open(&c, dir, err), made = 0;
  if (rc == SIM_OK && c.sc->n_models > 0 && c.sc->n_sweep >= 1) {
    rc = analysis__plot_multi(&c, &made, err);
  } else if (rc == SIM_OK && c.sc->n_sweep == 1 && c.sc->sweep[0].strings != NULL) {
    rc = plot_categories(&c, &made, err);
  } else if (rc == SIM_OK && c.sc->n_sweep >= 1) {
    const analysis_figure *f = analysis_figure_find(c.sc->sweep[0].key, c.sc->n_sweep, c.sc->sim.load,
                                                    c.sc->sim.load && c.sc->sim.batching == SIM_BATCHING_CONTINUOUS);
    rc = plot_sweep(&c, f, err);
    made += rc == SIM_OK;
    if (rc == SIM_OK && f->table1) rc = write_table1(&c, quiet, err);
  }
  double lo, hi;
  if (rc == SIM_OK) analysis__column_range(c.runs, "energy_j_per_token", &lo, &hi);
  if (rc == SIM_OK && hi > 0) {
    rc = plot_energy(&c, err);
    made += rc == SIM_OK;
  }
  if (rc == SIM_OK) analysis__column_range(c.runs, "sim_s", &lo, &hi);
  if (rc == SIM_OK && hi > 0) {
    rc = plot_validation(&c, err);
    made += rc == SIM_OK;
  }
  if (rc == SIM_OK && c.sc->sim.dyn.enabled && c.sc->sim.dyn.timeseries > 0) {
    rc = plot_timeseries(&c, err);
    made += rc == SIM_OK;
  }
  if (rc == SIM_OK && !quiet)
    fprintf(stderr, "dilemma plot: %d figure%s in %s (PNG and SVG)\n", made, made == 1 ? "" : "s", c.figdir);
  ctx_close(&c);
  return rc;
}
