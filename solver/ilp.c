/* ilp.c: the two ILP formulations on lp_solve, built row by row.
 *
 * Variables (docs/solver.md has the full statement):
 *   x[l,g,i] binary: layer l runs on server i with option g (its bit width).
 *   flow:  z[l,g,i,j] >= 0 continuous: layer l (option g) on i hands over to
 *          layer l + 1 on j (i == j included, at no cost), with
 *            Σ_j z[l,g,i,j] = x[l,g,i]   and   Σ_{g,i} z[l,g,i,j] = Σ_g' x[l+1,g',j].
 *   paper: y[l,g,i,j] binary for i != j, with
 *            x[l,g,i] + Σ_g' x[l+1,g',j] - 1 <= y[l,g,i,j].
 * Both: each layer once, storage per server (rows scaled by the capacity),
 * the layer cap, the error budget. Objective: compute (with the origin's
 * input and output on the first and last layer) plus transfers.
 *
 * Columns that can never be 1 are not created: servers the method may not
 * use, options that do not fit a server alone, missing routes, and whatever
 * the caller's keep masks exclude (variable fixing by bounds). A finite
 * cutoff adds the row objective <= cutoff, so lp_solve reports INFEASIBLE
 * exactly when no placement beats it; that is cleaner than set_obj_bound,
 * whose "nothing better" outcome lp_solve reports in several ways. */
#define _POSIX_C_SOURCE 200809L
#include "solver/internal.h"

#include <lp_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Budget fractions below this, over the layer count, are treated as no error
 * (see the budget row). */
#define BUDGET_NEGLIGIBLE 5e-10

typedef struct {
  const solver__problem *pb;
  const solver__ilp_args *args;
  int *xcol;             /* n_opt x M: column of x[g, i] (1-based), 0 if absent */
  unsigned char *hasx;   /* L x M: 1 if some x[l, ., i] exists */
  int nx;               /* x columns, numbered 1..nx before the pair columns */
  lprec *lp;
  REAL *val;             /* row buffer */
  int *idx;              /* row buffer */
  size_t rows;
} model;

static int x_ok(const model *m, size_t l, size_t g, size_t i) {
  const solver__problem *pb = m->pb;
  if (!pb->usable[i] || pb->storage[g] > pb->capacity[i] * (1 + 1e-9)) return 0;
  if (m->args->keep_x != NULL && !m->args->keep_x[l * pb->M + i]) return 0;
  return isfinite(solver__cost_x(pb, l, g, i));
}

/* May layer l (option g) on i be followed by layer l + 1 on j? */
static int pair_ok(const model *m, size_t l, size_t g, size_t i, size_t j) {
  const solver__problem *pb = m->pb;
  if (!m->xcol[g * pb->M + i] || !m->hasx[(l + 1) * pb->M + j]) return 0;
  if (i == j) return m->args->keep_stay == NULL || m->args->keep_stay[l * pb->M + i];
  if (!isfinite(solver__cm(pb, g, i, j))) return 0;
  return m->args->keep_move == NULL || m->args->keep_move[(g * pb->M + i) * pb->M + j];
}

static int add_row(model *m, size_t n, int type, double rhs) {
  m->rows++;
  return add_constraintex(m->lp, (int)n, m->val, m->idx, type, rhs) ? 0 : -1;
}

static void name_columns(model *m) {
  const solver__problem *pb = m->pb;
  const size_t L = pb->L, M = pb->M;
  char name[128];
  int col = 0;
  for (size_t g = 0; g < pb->n_opt; g++)
    for (size_t i = 0; i < M; i++)
      if (m->xcol[g * M + i]) {
        snprintf(name, sizeof name, "x_%d_%zu_%lld", pb->opt_layer[g], i,
                 (long long)pb->in->bits[pb->opt_bits[g]]);
        set_col_name(m->lp, m->xcol[g * M + i], name);
        col = m->xcol[g * M + i];
      }
  const char tag = m->args->formulation == SOLVER_FORM_FLOW ? 'z' : 'y';
  for (size_t l = 0; l + 1 < L; l++)
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < M; j++) {
          if ((tag == 'y' && i == j) || !pair_ok(m, l, g, i, j)) continue;
          snprintf(name, sizeof name, "%c_%zu_%zu_%zu_%lld", tag, l, i, j,
                   (long long)pb->in->bits[pb->opt_bits[g]]);
          set_col_name(m->lp, ++col, name);
        }
}

/* Adds the rows of the chosen formulation's linking constraints and sets the
 * objective coefficients of the pair columns in obj[]. */
static int add_link_rows(model *m, REAL *obj) {
  const solver__problem *pb = m->pb;
  const size_t L = pb->L, M = pb->M;
  const int flow = m->args->formulation == SOLVER_FORM_FLOW;
  int col = m->nx;
  int *incol = NULL; /* flow: per j, the z columns entering layer l + 1 on j */
  size_t *nin = NULL, per = 0;
  if (flow) {
    per = (pb->n_opt) * M + 1;
    incol = malloc(M * per * sizeof *incol);
    nin = malloc(M * sizeof *nin);
    if (incol == NULL || nin == NULL) goto fail;
  }
  for (size_t l = 0; l + 1 < L; l++) {
    if (flow)
      for (size_t j = 0; j < M; j++) nin[j] = 0;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++) {
        const int xc = m->xcol[g * M + i];
        if (!xc) continue;
        size_t n = 0;
        for (size_t j = 0; j < M; j++) {
          const int ok = pair_ok(m, l, g, i, j);
          if (flow) {
            if (!ok) continue;
            obj[++col] = i == j ? 0.0 : solver__cm(pb, g, i, j);
            m->idx[n] = col, m->val[n] = 1, n++;
            incol[j * per + nin[j]++] = col;
            continue;
          }
          /* paper: one row per pair of servers that layer l + 1 can use. */
          if (!m->hasx[(l + 1) * M + j]) continue;
          if (i == j && ok) continue; /* staying is free and allowed */
          size_t k = 0;
          m->idx[k] = xc, m->val[k] = 1, k++;
          for (size_t h = pb->opt_begin[l + 1]; h < pb->opt_begin[l + 2]; h++)
            if (m->xcol[h * M + j]) m->idx[k] = m->xcol[h * M + j], m->val[k] = 1, k++;
          if (i != j && ok) {
            obj[++col] = solver__cm(pb, g, i, j);
            m->idx[k] = col, m->val[k] = -1, k++;
          }
          if (add_row(m, k, LE, 1) != 0) goto fail;
        }
        if (flow) {
          m->idx[n] = xc, m->val[n] = -1, n++;
          if (add_row(m, n, EQ, 0) != 0) goto fail;
        }
      }
    for (size_t j = 0; flow && j < M; j++) {
      size_t n = 0;
      for (size_t k = 0; k < nin[j]; k++) m->idx[n] = incol[j * per + k], m->val[n] = 1, n++;
      for (size_t h = pb->opt_begin[l + 1]; h < pb->opt_begin[l + 2]; h++)
        if (m->xcol[h * M + j]) m->idx[n] = m->xcol[h * M + j], m->val[n] = -1, n++;
      if (n > 0 && add_row(m, n, EQ, 0) != 0) goto fail;
    }
  }
  free(incol), free(nin);
  return 0;
fail:
  free(incol), free(nin);
  return -1;
}

/* Units for the rounded capacity cuts: the storage sizes shared by the most
 * layers (a decoder block at each of its widths), at most CUT_UNITS of
 * them, each shared by two layers or more. Returns how many. */
#define CUT_UNITS 3
static size_t cut_units(const solver__problem *pb, double *unit) {
  size_t n = 0, shared[CUT_UNITS];
  for (size_t g = 0; g < pb->n_opt; g++) {
    const double v = pb->storage[g];
    int seen = !(v > 0);
    for (size_t h = 0; h < g && !seen; h++) seen = pb->storage[h] == v;
    if (seen) continue;
    size_t c = 0; /* layers with an option of this size */
    for (size_t l = 0; l < pb->L; l++)
      for (size_t h = pb->opt_begin[l]; h < pb->opt_begin[l + 1]; h++)
        if (pb->storage[h] == v) {
          c++;
          break;
        }
    if (c < 2) continue;
    /* Insertion into the list kept sorted by c, descending; a full list
     * loses its last entry. Sizes are visited in option order, so ties
     * resolve the same way on every run. */
    size_t k;
    if (n < CUT_UNITS) k = n++;
    else if (shared[CUT_UNITS - 1] < c) k = CUT_UNITS - 1;
    else continue;
    for (; k > 0 && shared[k - 1] < c; k--) unit[k] = unit[k - 1], shared[k] = shared[k - 1];
    unit[k] = v, shared[k] = c;
  }
  return n;
}

/* The rounded capacity cuts (Chvátal-Gomory on each storage row): for a
 * unit u > 0, Σ s_g·x_g <= κ_i with x integer implies
 *   Σ ⌊s_g/u⌋·x_g <= ⌊κ_i/u⌋,
 * since the left side is an integer at most Σ (s_g/u)·x_g <= κ_i/u. With u
 * the size of a decoder block this is "at most ⌊κ_i/u⌋ whole blocks", which
 * the LP relaxation otherwise ignores by splitting a block across servers.
 * lp_solve generates no cuts of its own. The capacity carries the checker's
 * 1e-9 slack and the ratios a further 1e-12, so rounding in the divisions
 * can only weaken a cut, never cut off a feasible placement. Cuts that
 * cannot bind (the largest options' coefficients all fit) are left out. */
static int add_cut_rows(model *m) {
  const solver__problem *pb = m->pb;
  const size_t L = pb->L, M = pb->M;
  double unit[CUT_UNITS];
  const size_t nu = cut_units(pb, unit);
  for (size_t i = 0; i < M; i++)
    for (size_t k = 0; k < nu; k++) {
      const double rhs = floor(pb->capacity[i] * (1 + 1e-9) / unit[k] * (1 + 1e-12));
      size_t n = 0;
      double most = 0;
      for (size_t l = 0; l < L; l++) {
        double big = 0;
        for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) {
          const double c = floor(pb->storage[g] / unit[k] * (1 + 1e-12));
          if (!m->xcol[g * M + i] || c < 1) continue;
          m->idx[n] = m->xcol[g * M + i], m->val[n] = c, n++;
          if (c > big) big = c;
        }
        most += big;
      }
      if (n > 0 && most > rhs && add_row(m, n, LE, rhs) != 0) return -1;
    }
  return 0;
}

/* The deadline and whether it stopped lp_solve. */
typedef struct {
  double deadline;
  int fired;
} ilp_stop;

static int __WINAPI abort_when_due(lprec *lp, void *handle) {
  (void)lp;
  ilp_stop *s = handle;
  if (solver__expired(s->deadline)) s->fired = 1;
  return s->fired ? TRUE : FALSE;
}

/* Counts and numbers the columns: x first, then pair columns in the order
 * add_link_rows visits them. */
static size_t count_columns(model *m) {
  const solver__problem *pb = m->pb;
  const size_t L = pb->L, M = pb->M;
  int nx = 0;
  for (size_t l = 0; l < L; l++)
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++)
        if (x_ok(m, l, g, i)) {
          m->xcol[g * M + i] = ++nx;
          m->hasx[l * M + i] = 1;
        }
  m->nx = nx;
  size_t npair = 0;
  const int flow = m->args->formulation == SOLVER_FORM_FLOW;
  for (size_t l = 0; l + 1 < L; l++)
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < M; j++)
          if ((flow || i != j) && pair_ok(m, l, g, i, j)) npair++;
  return (size_t)nx + npair;
}

int solver__ilp_solve(const solver__problem *pb, const solver__ilp_args *args, int *srv,
                      int *opt, solver__ilp_out *out, sim_error *err) {
  const size_t L = pb->L, M = pb->M;
  model m = {pb, args, NULL, NULL, 0, NULL, NULL, NULL, 0};
  REAL *obj = NULL, *sol = NULL;
  int rc = SIM_OK;
  out->status = SOLVER__ILP_FAILED;
  out->found = 0;
  out->objective = NAN;
  out->nodes = 0;
  out->columns = out->rows = 0;
  m.xcol = calloc(pb->n_opt * M, sizeof *m.xcol);
  m.hasx = calloc(L * M, 1);
  if (m.xcol == NULL || m.hasx == NULL) goto oom;
  const size_t ncols = count_columns(&m);
  /* The widest row is the cutoff row over every column. */
  m.val = malloc((ncols + 1) * sizeof *m.val);
  m.idx = malloc((ncols + 1) * sizeof *m.idx);
  obj = calloc(ncols + 1, sizeof *obj);
  if (m.val == NULL || m.idx == NULL || obj == NULL) goto oom;
  m.lp = make_lp(0, (int)ncols);
  if (m.lp == NULL) goto oom;
  set_verbose(m.lp, NEUTRAL);
  set_add_rowmode(m.lp, TRUE);

  /* Each layer exactly once. An empty row means the layer has nowhere to go. */
  int empty = 0;
  for (size_t l = 0; l < L; l++) {
    size_t n = 0;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++)
        if (m.xcol[g * M + i]) {
          m.idx[n] = m.xcol[g * M + i], m.val[n] = 1, n++;
          obj[m.xcol[g * M + i]] = solver__cost_x(pb, l, g, i);
        }
    if (n == 0) empty = 1;
    else if (add_row(&m, n, EQ, 1) != 0) goto lp_fail;
  }
  /* Storage, scaled to fractions of the capacity, and the cap; rows that
   * cannot bind are left out. */
  for (size_t i = 0; i < M; i++) {
    size_t n = 0;
    double most = 0;
    for (size_t l = 0; l < L; l++) {
      double big = 0;
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        if (m.xcol[g * M + i]) {
          m.idx[n] = m.xcol[g * M + i], m.val[n] = pb->storage[g] / pb->capacity[i], n++;
          if (pb->storage[g] > big) big = pb->storage[g];
        }
      most += big;
    }
    if (n > 0 && most > pb->capacity[i] && add_row(&m, n, LE, 1) != 0) goto lp_fail;
    if (pb->cap > 0) {
      size_t layers = 0;
      for (size_t k = 0; k < n; k++) m.val[k] = 1;
      for (size_t l = 0; l < L; l++) layers += m.hasx[l * M + i];
      if (layers > (size_t)pb->cap && add_row(&m, n, LE, (double)pb->cap) != 0) goto lp_fail;
    }
  }
  if (pb->has_budget) {
    /* Errors below BUDGET_NEGLIGIBLE / L of the budget are left out: all
     * layers together cannot move the sum by more than half the checker's
     * 1e-9 slack, while coefficients of 1e-12 and below (the analytic error
     * at 20 bits and more) make lp_solve lose feasibility in its B&B. */
    const double negligible = BUDGET_NEGLIGIBLE / (double)L;
    size_t n = 0;
    for (size_t g = 0; g < pb->n_opt; g++)
      for (size_t i = 0; i < M; i++) {
        const double e = pb->budget > 0 ? pb->error[g] / pb->budget : pb->error[g];
        if (m.xcol[g * M + i] && e > negligible)
          m.idx[n] = m.xcol[g * M + i], m.val[n] = e, n++;
      }
    if (n > 0 && add_row(&m, n, LE, pb->budget > 0 ? 1.0 : 0.0) != 0) goto lp_fail;
  }
  if (args->cuts && add_cut_rows(&m) != 0) goto lp_fail;
  if (add_link_rows(&m, obj) != 0) goto lp_fail;
  if (isfinite(args->cutoff)) {
    size_t n = 0;
    for (size_t c = 1; c <= ncols; c++)
      if (obj[c] != 0) m.idx[n] = (int)c, m.val[n] = obj[c], n++;
    if (add_row(&m, n, LE, args->cutoff) != 0) goto lp_fail;
  }
  set_add_rowmode(m.lp, FALSE);
  if (!set_obj_fn(m.lp, obj)) goto lp_fail;
  set_minim(m.lp);
  {
    /* x columns come first; in `paper` the y columns are binary too. */
    for (int c = 1; c <= (int)ncols; c++)
      if (c <= m.nx || args->formulation == SOLVER_FORM_PAPER) set_binary(m.lp, c, TRUE);
  }
  out->columns = ncols;
  out->rows = m.rows;
  if (args->write_lp || args->write_mps) name_columns(&m);
  if (args->write_lp && !write_lp(m.lp, (char *)args->write_lp)) {
    rc = sim_error_set(err, SIM_EIO, "%s: cannot write the LP file", args->write_lp);
    goto done;
  }
  if (args->write_mps && (rc = solver__mps_write(m.lp, args->write_mps, err)) != SIM_OK) goto done;
  if (!args->solve) {
    out->status = SOLVER__ILP_NONE;
    goto done;
  }
  if (empty) {
    out->status = SOLVER__ILP_NONE;
    goto done;
  }

  set_mip_gap(m.lp, FALSE, args->mip_gap);
  /* An x of 1 - 1e-7 (lp_solve's default integrality tolerance) rounded to
   * 1 could overfill a server by 1e-7 of a layer; the checker allows 1e-9. */
  set_epsint(m.lp, 1e-9);
  /* Ceiling first sets a layer on a server and lets the flow rows follow.
   * NODE_GAPSELECT took fewer nodes on some instances but returned a
   * placement that broke its own budget row on another, so the default
   * node selection stays. */
  set_bb_floorfirst(m.lp, BRANCH_CEILING);
  set_bb_depthlimit(m.lp, 0); /* no depth limit: a truncated tree proves nothing */
  set_presolve(m.lp, PRESOLVE_NONE, 0);
  ilp_stop stop = {args->deadline, 0};
  if (stop.deadline > 0) put_abortfunc(m.lp, abort_when_due, &stop);
  const int ret = solve(m.lp);
  out->nodes = (long long)get_total_nodes(m.lp);
  /* A search the deadline stopped proves nothing, whatever lp_solve
   * answers: its status then only says whether it holds a solution. */
  switch (ret) {
  case OPTIMAL:
  case PRESOLVED:
    out->status = stop.fired ? SOLVER__ILP_TIMEOUT : SOLVER__ILP_OPTIMAL;
    break;
  case SUBOPTIMAL:
    out->status = SOLVER__ILP_TIMEOUT;
    break;
  case INFEASIBLE:
    out->status = stop.fired ? SOLVER__ILP_TIMEOUT : SOLVER__ILP_NONE;
    goto done;
  case USERABORT:
  case TIMEOUT:
    out->status = SOLVER__ILP_TIMEOUT;
    goto done;
  default:
    rc = sim_error_set(err, SIM_ESOLVER, "lp_solve failed with status %d (%s)", ret,
                       get_statustext(m.lp, ret));
    goto done;
  }
  sol = malloc((ncols + 1) * sizeof *sol);
  if (sol == NULL) goto oom;
  if (!get_variables(m.lp, sol + 1)) goto lp_fail;
  for (size_t l = 0; l < L; l++) {
    srv[l] = opt[l] = -1;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++)
        if (m.xcol[g * M + i] && sol[m.xcol[g * M + i]] > 0.5) srv[l] = (int)i, opt[l] = (int)g;
    if (srv[l] < 0) {
      rc = sim_error_set(err, SIM_ESOLVER, "lp_solve returned no server for layer %zu", l);
      out->status = SOLVER__ILP_FAILED;
      goto done;
    }
  }
  out->found = 1;
  out->objective = get_objective(m.lp);
  goto done;
oom:
  rc = sim_error_set(err, SIM_ENOMEM, "out of memory building the ILP");
  goto done;
lp_fail:
  rc = sim_error_set(err, SIM_ESOLVER, "lp_solve rejected the model (%zu rows built)", m.rows);
done:
  if (rc != SIM_OK) out->status = SOLVER__ILP_FAILED;
  if (m.lp != NULL) delete_lp(m.lp);
  free(m.xcol), free(m.hasx), free(m.val), free(m.idx), free(obj), free(sol);
  return rc;
}

void solver_lpsolve_version(char *buf, size_t len) {
  int major = 0, minor = 0, release = 0, build = 0;
  lp_solve_version(&major, &minor, &release, &build);
  snprintf(buf, len, "%d.%d.%d.%d", major, minor, release, build);
}
