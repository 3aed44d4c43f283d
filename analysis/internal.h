/* internal.h: what the files of analysis/ share and nothing outside uses:
 * the table of figures a sweep makes. */
#ifndef DILEMMA_ANALYSIS_INTERNAL_H
#define DILEMMA_ANALYSIS_INTERNAL_H

#include <stddef.h>

#include "sim/core/core.h"
#include "sim/scenario/scenario.h"

/* What a figure needs beyond the summary it reads. */
typedef enum {
  ANALYSIS_NEEDS_NOTHING = 0,
  ANALYSIS_NEEDS_LOAD,    /* the load experiment ran (simulation.load) */
  ANALYSIS_NEEDS_ONE_KEY, /* the sweep has this key alone */
  ANALYSIS_NEEDS_SERVING, /* load with continuous batching and a second swept key, whose
                             values the script draws as its lines */
} analysis_needs;

/* A y axis on a log scale: never, always, or when the plotted means span
 * more than ANALYSIS_LOGY_SPAN (a factor). */
typedef enum { ANALYSIS_LOG_NO = 0, ANALYSIS_LOG_YES, ANALYSIS_LOG_AUTO } analysis_log;
#define ANALYSIS_LOGY_SPAN 50.0

/* One row of the figure table: the figure a sweep over `key` makes. */
typedef struct {
  const char *key;      /* swept key; a trailing '*' matches every key with that prefix */
  analysis_needs needs; /* when the figure applies; otherwise the next match is taken */
  const char *name;     /* file name under DIR/figures, without .png/.svg/.dat */
  const char *script;   /* gnuplot script in analysis/ */
  const char *xlabel;   /* axis words and unit of the swept key */
  const char *ylabel;   /* axis words and unit of the plotted metric */
  const char *ycol;     /* summary metric plotted (its _mean and _ci95 columns) */
  analysis_log logy;
  int table1;           /* 1: Table 1 is written beside the figure */
} analysis_figure;

/* The figure for a sweep whose first key is `key`, with `n_keys` swept
 * keys, `load` set when the load experiment ran and `serving` when it ran
 * with continuous batching: the first row of the
 * table that matches, else a generic row (objective against the key,
 * labelled with the key itself). Never NULL. */
const analysis_figure *analysis_figure_find(const char *key, size_t n_keys, int load, int serving);

/* The words a figure's legend uses for a method ("ilp" is "DILEMMA
 * (optimal ILP)", "uniform" is "fp32, optimal placement"); an unknown
 * name is returned as is. */
const char *analysis_method_label(const char *method);

/* Checks that CSV text read from path has a header of dilemma's (any
 * schema) and rows with as many fields as the header, each ending in a
 * newline; SIM_EINPUT naming the file and the line otherwise. */
int analysis__csv_check(const char *path, const char *text, sim_error *err);

/* The dilemma version an older experiment directory records
 * (metadata.json, else the header of scenario.resolved.yaml), or
 * "unknown". */
void analysis__dir_version(const char *dir, char *out, size_t len);

/* Where the gnuplot scripts are: $DILEMMA_ANALYSIS_DIR, the source tree
 * (running from a build), or the installed data directory. */
const char *analysis__scripts_dir(void);

/* Appends a gnuplot variable assignment name='value'; (quotes doubled). */
void analysis__gp_string(sim_buf *b, const char *name, const char *value);

/* Runs `gnuplot -e vars script`; SIM_EIO when gnuplot is missing or fails. */
int analysis__gnuplot(const char *vars, const char *script, sim_error *err);

/* --- The figures (plot.c, plot_multi.c) ----------------------------------- */

/* Bytes of a directory path, and of a file path in one, in the plots. */
enum { ANALYSIS__DIR_LEN = 4200, ANALYSIS__PATH_LEN = 4400 };

/* What every figure of one experiment directory shares (plot.c opens
 * it; plot.c and plot_multi.c draw from it). */
typedef struct {
  const char *dir;            /* the experiment directory */
  const char *adir;           /* where the gnuplot scripts are */
  sim_scenario *sc;           /* DIR/scenario.resolved.yaml */
  char *summary, *runs;       /* the texts of summary.csv and runs.csv */
  char figdir[ANALYSIS__DIR_LEN];       /* DIR/figures */
  char data[ANALYSIS__DIR_LEN];         /* where gnuplot reads runs.csv and summary.csv: DIR, or a
                                 temporary directory with schema-3 copies of older files */
  int upgraded;               /* 1: data is that temporary directory */
  char title[512];            /* "name: description" */
  solver_method order[SOLVER_METHOD_COUNT]; /* methods in the order of runs.csv */
  size_t n_methods;
} analysis__plot_ctx;

/* The variables every script reads: dir, out (DIR/figures/NAME) and title;
 * `input` names the CSV file the script reads and `file` its variable. */
void analysis__vars_common(const analysis__plot_ctx *c, sim_buf *vars, const char *name,
                           const char *file, const char *input);
/* The caption under every sweep figure's title. */
void analysis__vars_caption(const analysis__plot_ctx *c, sim_buf *vars);
/* Appends the legend entry of a method to a list of quoted entries: its
 * label, and when some of its runs have no objective how many. */
int analysis__legend_append(const analysis__plot_ctx *c, const char *method, const char *model,
                            const char *label, sim_buf *list, sim_error *err);
/* Smallest and largest positive value of a column in a CSV text. */
void analysis__column_range(const char *csv, const char *name, double *lo, double *hi);
/* The figures of a several-model experiment (plot_multi.c); *made counts
 * the figures drawn. */
int analysis__plot_multi(const analysis__plot_ctx *c, int *made, sim_error *err);

#endif
