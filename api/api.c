/* api.c: libdilemma's public API (api/dilemma.h) over the stages: opaque
 * handles around sim_scenario and sim_case, results as JSON with the names of
 * runs.csv, and statuses mapped to the command's exit statuses. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "api/dilemma.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "sim/core/core.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/serve/serve.h"
#include "solver/solver.h"

struct dilemma_scenario {
  sim_scenario *sc;
};

struct dilemma_instance {
  sim_case *c;
};

const char *dilemma_version(void) { return PACKAGE_VERSION; }
int dilemma_api_version(void) { return DILEMMA_API_VERSION; }
void dilemma_free(void *p) { free(p); }

/* The command's exit status for a library status. */
static int status_of(int sim_code) {
  switch (sim_code) {
  case SIM_OK: return DILEMMA_OK;
  case SIM_EINPUT:
  case SIM_ESYNTAX: return DILEMMA_EINPUT;
  case SIM_EINFEASIBLE: return DILEMMA_EINFEASIBLE;
  default: return DILEMMA_ERUNTIME;
  }
}

/* Copies a sim_error into the caller's dilemma_error; returns the status. */
static int fail(const sim_error *e, dilemma_error *err) {
  const int code = status_of(e->code ? e->code : SIM_EINTERNAL);
  if (err != NULL) {
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", e->msg);
  }
  return code;
}

static int fail_msg(int code, const char *msg, dilemma_error *err) {
  if (err != NULL) {
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", msg);
  }
  return code;
}

static void ok_err(dilemma_error *err) {
  if (err != NULL) {
    err->code = DILEMMA_OK;
    err->message[0] = '\0';
  }
}

static int wrap_scenario(dilemma_scenario **out, sim_scenario *sc, const sim_error *e,
                         dilemma_error *err) {
  if (sc == NULL) return fail(e, err);
  dilemma_scenario *h = malloc(sizeof *h);
  if (h == NULL) {
    sim_scenario_free(sc);
    return fail_msg(DILEMMA_ERUNTIME, "out of memory", err);
  }
  h->sc = sc;
  *out = h;
  ok_err(err);
  return DILEMMA_OK;
}

int dilemma_scenario_load(dilemma_scenario **out, const char *path, const char *const *sets,
                          size_t n_sets, dilemma_error *err) {
  *out = NULL;
  if (path == NULL) return fail_msg(DILEMMA_EINPUT, "no scenario path given", err);
  sim_error e;
  sim_error_clear(&e);
  sim_scenario *sc = sim_scenario_load_set(path, sets, n_sets, &e);
  return wrap_scenario(out, sc, &e, err);
}

int dilemma_scenario_load_string(dilemma_scenario **out, const char *yaml, const char *name,
                                 const char *const *sets, size_t n_sets, dilemma_error *err) {
  *out = NULL;
  if (yaml == NULL) return fail_msg(DILEMMA_EINPUT, "no scenario text given", err);
  sim_error e;
  sim_error_clear(&e);
  sim_scenario *sc = sim_scenario_load_string_set(yaml, strlen(yaml), name ? name : "scenario",
                                                  sets, n_sets, &e);
  return wrap_scenario(out, sc, &e, err);
}

void dilemma_scenario_free(dilemma_scenario *sc) {
  if (sc == NULL) return;
  sim_scenario_free(sc->sc);
  free(sc);
}

const char *dilemma_scenario_name(const dilemma_scenario *sc) { return sc->sc->name; }
size_t dilemma_scenario_points(const dilemma_scenario *sc) { return sim_scenario_points(sc->sc); }
long long dilemma_scenario_runs(const dilemma_scenario *sc) { return (long long)sc->sc->runs; }

/* A memory stream for the writers that take a FILE *. */
typedef struct {
  FILE *f;
  char *data;
  size_t len;
} mem;

static int mem_open(mem *m, dilemma_error *err) {
  m->data = NULL;
  m->len = 0;
  m->f = open_memstream(&m->data, &m->len);
  return m->f ? DILEMMA_OK : fail_msg(DILEMMA_ERUNTIME, "out of memory", err);
}

/* Closes the stream and hands its text to *out (or frees it on failure). */
static int mem_close(mem *m, int rc, char **out, dilemma_error *err) {
  if (fclose(m->f) != 0 && rc == DILEMMA_OK) rc = fail_msg(DILEMMA_ERUNTIME, "out of memory", err);
  if (rc == DILEMMA_OK) {
    *out = m->data;
  } else {
    free(m->data);
  }
  return rc;
}

int dilemma_scenario_resolved(const dilemma_scenario *sc, char **yaml, dilemma_error *err) {
  *yaml = NULL;
  mem m;
  if (mem_open(&m, err) != DILEMMA_OK) return DILEMMA_ERUNTIME;
  sim_error e;
  sim_error_clear(&e);
  int rc = sim_scenario_write(sc->sc, m.f, NULL, &e) == SIM_OK ? DILEMMA_OK : fail(&e, err);
  rc = mem_close(&m, rc, yaml, err);
  if (rc == DILEMMA_OK) ok_err(err);
  return rc;
}

int dilemma_instance_alloc(dilemma_instance **out, const dilemma_scenario *sc, size_t point,
                           unsigned long long run, dilemma_error *err) {
  *out = NULL;
  sim_error e;
  sim_error_clear(&e);
  if (run >= (unsigned long long)sc->sc->runs)
    return fail_msg(DILEMMA_EINPUT, "run index out of range: the scenario has `runs` runs per point",
                    err);
  sim_case *c = sim_case_alloc(sc->sc, point, (uint64_t)run, &e);
  if (c == NULL) return fail(&e, err);
  dilemma_instance *h = malloc(sizeof *h);
  if (h == NULL) {
    sim_case_free(c);
    return fail_msg(DILEMMA_ERUNTIME, "out of memory", err);
  }
  h->c = c;
  *out = h;
  ok_err(err);
  return DILEMMA_OK;
}

void dilemma_instance_free(dilemma_instance *in) {
  if (in == NULL) return;
  sim_case_free(in->c);
  free(in);
}

size_t dilemma_instance_layers(const dilemma_instance *in) { return in->c->instance->n_layers; }
size_t dilemma_instance_servers(const dilemma_instance *in) { return in->c->instance->n_servers; }

static double wall_seconds(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void num(sim_json *j, const char *key, double v) {
  sim_json_key(j, key);
  if (isfinite(v)) sim_json_number(j, v);
  else sim_json_null(j);
}

/* Solves, checks and, when `simulate`, replays; writes the JSON object. The
 * same steps and numbers as one row of runs.csv (sim/run/run_task.c). */
static int solve_json(const dilemma_instance *h, const char *method, int simulate, char **json,
                      dilemma_error *err) {
  *json = NULL;
  const sim_case *c = h->c;
  const sim_scenario *v = &c->view;
  const solver_instance *in = c->instance;
  int m = method ? solver_method_parse(method) : (int)v->solver.method;
  if (m < 0)
    return fail_msg(DILEMMA_EINPUT, "unknown method; allowed: ilp, dp, single, greedy, uniform, "
                    "random, cloud", err);
  solver_options opt;
  solver_options_from_config(&opt, &v->solver, (solver_method)m,
                             sim_seed_derive(v->seed, SIM_STREAM_BASELINE, c->run));
  solver_result res;
  solver_result_init(&res);
  sim_error e;
  sim_error_clear(&e);
  const double t0 = wall_seconds();
  const int rc = solver_solve(in, &opt, &res, &e);
  const double solve_s = wall_seconds() - t0;
  if (rc == SIM_ENOMEM || rc == SIM_EIO) {
    solver_result_clear(&res);
    return fail(&e, err);
  }
  const char *status = rc == SIM_OK ? solver_status_name(res.status) : "error";
  double objective = NAN, compute = NAN, comm = NAN, ratio = NAN, used = NAN;
  const solver_placement *p = rc == SIM_OK ? res.placement : NULL;
  if (p != NULL) {
    sim_error ce;
    sim_error_clear(&ce);
    if (solver_check(in, p, &objective, &ce) != SIM_OK) {
      status = "error";
      p = NULL;
    } else {
      solver_objective(in, p, &compute, &comm);
      ratio = solver_quant_ratio(in, p);
      size_t n = 0;
      for (size_t i = 0; i < in->n_servers; i++)
        for (size_t l = 0; l < p->n_layers; l++)
          if (p->server[l] == (int)i) { n++; break; }
      used = (double)n;
    }
  }
  mem mm;
  if (mem_open(&mm, err) != DILEMMA_OK) {
    solver_result_clear(&res);
    return DILEMMA_ERUNTIME;
  }
  sim_json j;
  sim_json_init(&j, mm.f, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "point"); sim_json_int(&j, (int64_t)c->point);
  sim_json_key(&j, "run"); sim_json_int(&j, (int64_t)c->run);
  /* Names as in runs.csv (sim_column_name), one source for both. */
  sim_json_key(&j, "method"); sim_json_string(&j, solver_method_name((solver_method)m));
  sim_json_key(&j, "model"); sim_json_string(&j, v->model.name);
  sim_json_key(&j, "status"); sim_json_string(&j, status);
  num(&j, sim_column_name(SIM_COL_OBJECTIVE), objective);
  num(&j, sim_column_name(SIM_COL_COMPUTE), compute);
  num(&j, sim_column_name(SIM_COL_COMM), comm);
  num(&j, sim_column_name(SIM_COL_QUANT_RATIO), ratio);
  num(&j, sim_column_name(SIM_COL_SERVERS_USED), used);
  num(&j, sim_column_name(SIM_COL_LOWER_BOUND), rc == SIM_OK ? res.lower_bound : NAN);
  num(&j, sim_column_name(SIM_COL_GAP), rc == SIM_OK ? res.gap : NAN);
  num(&j, sim_column_name(SIM_COL_NODES), rc == SIM_OK ? (double)res.nodes : NAN);
  num(&j, sim_column_name(SIM_COL_SOLVE_S), solve_s);
  if (rc != SIM_OK) {
    sim_json_key(&j, "error");
    sim_json_string(&j, e.msg);
  }
  if (simulate) {
    sim_serve_config cfg;
    sim_serve_config_from_params(&cfg, &v->sim, v->seed, c->run);
    sim_serve_result r;
    double sim_s = NAN, rel = NAN;
    if (p != NULL) {
      sim_serve_result_init(&r);
      sim_error se;
      sim_error_clear(&se);
      if (sim_serve_replay(in, p, &cfg, &r, &se) == SIM_OK) {
        sim_s = r.simulated;
        rel = r.rel_error;
      }
      sim_serve_result_clear(&r);
    }
    num(&j, sim_column_name(SIM_COL_SIM_S), sim_s);
    num(&j, sim_column_name(SIM_COL_SIM_REL_ERROR), rel);
    if (v->sim.load) {
      double lat[8];
      for (int k = 0; k < 8; k++) lat[k] = NAN;
      if (p != NULL) {
        sim_serve_result_init(&r);
        sim_error se;
        sim_error_clear(&se);
        if (sim_serve_load(in, p, &cfg, &r, &se) == SIM_OK) {
          lat[0] = r.latency.mean; lat[1] = r.latency.p50; lat[2] = r.latency.p95;
          lat[3] = r.latency.p99; lat[4] = r.ttft.mean; lat[5] = r.tpot.mean;
          lat[6] = r.throughput_tokens; lat[7] = r.mape;
        }
        sim_serve_result_clear(&r);
      }
      static const sim_column cols[8] = {SIM_COL_LAT_MEAN, SIM_COL_LAT_P50, SIM_COL_LAT_P95, SIM_COL_LAT_P99,
                                         SIM_COL_TTFT, SIM_COL_TPOT, SIM_COL_THROUGHPUT, SIM_COL_LOAD_MAPE};
      for (int k = 0; k < 8; k++) num(&j, sim_column_name(cols[k]), lat[k]);
    }
  }
  sim_json_key(&j, "placement");
  solver_placement_write_json(&j, in, p);
  sim_json_object_end(&j);
  sim_json_finish(&j);
  solver_result_clear(&res);
  int out = mem_close(&mm, DILEMMA_OK, json, err);
  if (out == DILEMMA_OK) ok_err(err);
  return out;
}

int dilemma_solve(const dilemma_instance *in, const char *method, char **json, dilemma_error *err) {
  return solve_json(in, method, 0, json, err);
}

int dilemma_simulate(const dilemma_instance *in, const char *method, char **json,
                     dilemma_error *err) {
  return solve_json(in, method, 1, json, err);
}

int dilemma_experiment_run(const dilemma_scenario *sc, const char *outdir, int threads,
                           long long runs, unsigned flags, dilemma_error *err) {
  if (threads < 1 || threads > 256)
    return fail_msg(DILEMMA_EINPUT, "threads must be in [1, 256]", err);
  if (runs < 0 || runs > 1000000) return fail_msg(DILEMMA_EINPUT, "runs must be in [0, 1000000]", err);
  if ((flags & DILEMMA_RUN_RESUME) && (flags & DILEMMA_RUN_FORCE))
    return fail_msg(DILEMMA_EINPUT, "resume keeps the runs in the directory and force replaces them; "
                    "give one", err);
  sim_run_options opt = {.outdir = outdir ? outdir : sc->sc->output,
                         .threads = threads,
                         .runs = runs,
                         .resume = (flags & DILEMMA_RUN_RESUME) != 0,
                         .force = (flags & DILEMMA_RUN_FORCE) != 0};
  sim_run_stats st;
  sim_error e;
  sim_error_clear(&e);
  if (sim_run(sc->sc, &opt, &st, &e) != SIM_OK) return fail(&e, err);
  if (st.rows > 0 && st.feasible == 0)
    return fail_msg(DILEMMA_EINFEASIBLE, "no run of the whole sweep has a feasible placement; "
                    "the files are written", err);
  ok_err(err);
  return DILEMMA_OK;
}
