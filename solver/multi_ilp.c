/* multi_ilp.c: the joint ILP of several models on lp_solve.
 *
 * Each model m keeps its own chain of the single-model formulation
 * (ilp.c): x[m,l,g,i] binary, and z[m,l,g,i,j] >= 0 (flow) or
 * y[m,l,g,i,j] binary for i != j (paper), with its own linking rows, each
 * layer once, its layer cap and its error budget. The models meet in two
 * rows per server:
 *   storage:      Σ_m Σ s_m(g)/κ_i · x[m,.,g,i] <= 1
 *   utilization:  Σ_m rate_m·cp_m(g,i)/u · x[m,.,g,i] <= 1
 * (rows that cannot bind are left out). The objective is Σ_m w_m·T_m, or,
 * for `max`, a continuous t >= 0 with T_m - t <= 0 for every model. A finite
 * cutoff adds objective <= cutoff (for `max`, lp_solve's initial bound on
 * the objective), so that lp_solve answers INFEASIBLE exactly when no
 * placement beats it. */
#define _POSIX_C_SOURCE 200809L
#include "solver/internal_multi.h"

#include <lp_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Budget fractions below this, over the layer count, are treated as no
 * error, as in ilp.c. */
#define BUDGET_NEGLIGIBLE 5e-10

typedef struct {
  int *xcol;            /* n_opt x M, 1-based column of x[g, i], 0 if absent */
  int *pcol;            /* opt_begin[L-1] x M x M, column of z/y[g, i, j], 0 if absent */
  unsigned char *hasx;  /* L x M */
} chain;

typedef struct {
  const solver__multi *mp;
  unsigned char *const *keep; /* K masks of L x M, or NULL */
  int flow;
  chain *ch;     /* K */
  int ncols;
  int tcol;      /* `max`: the epigraph column, else 0 */
  double *obj;   /* ncols + 1 */
  double *tcoef; /* ncols + 1: each column's coefficient in its model's T */
  int *owner;    /* ncols + 1: the column's model */
  lprec *lp;
  REAL *val;
  int *idx;
  size_t rows;
  int empty;     /* 1 if some layer has no column: no placement exists */
} jmodel;

static int add_row(jmodel *j, size_t n, int type, double rhs) {
  j->rows++;
  return add_constraintex(j->lp, (int)n, j->val, j->idx, type, rhs) ? 0 : -1;
}

static int pair_ok(const solver__problem *pb, const chain *c, size_t l, size_t g, size_t i,
                   size_t j) {
  const size_t M = pb->M;
  if (!c->xcol[g * M + i] || !c->hasx[(l + 1) * M + j]) return 0;
  return i == j || isfinite(solver__cm(pb, g, i, j));
}

/* Numbers the columns: per model its x columns, then its pair columns. */
static int number_columns(jmodel *j) {
  const solver__multi *mp = j->mp;
  const size_t M = mp->M;
  int col = 0;
  for (size_t m = 0; m < mp->K; m++) {
    const solver__problem *pb = mp->pb[m];
    chain *c = &j->ch[m];
    const size_t L = pb->L, np = (L > 1 ? pb->opt_begin[L - 1] : 0) * M * M;
    c->xcol = calloc(pb->n_opt * M, sizeof *c->xcol);
    c->pcol = calloc(np ? np : 1, sizeof *c->pcol);
    c->hasx = calloc(L * M, 1);
    if (!c->xcol || !c->pcol || !c->hasx) return -1;
    for (size_t l = 0; l < L; l++)
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        for (size_t i = 0; i < M; i++)
          if (pb->usable[i] && pb->storage[g] <= mp->capacity[i] * (1 + 1e-9) &&
              (j->keep == NULL || j->keep[m][l * M + i]) &&
              isfinite(solver__cost_x(pb, l, g, i))) {
            c->xcol[g * M + i] = ++col;
            c->hasx[l * M + i] = 1;
          }
    for (size_t l = 0; l + 1 < L; l++)
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        for (size_t i = 0; i < M; i++)
          for (size_t k = 0; k < M; k++)
            if ((j->flow || i != k) && pair_ok(pb, c, l, g, i, k))
              c->pcol[(g * M + i) * M + k] = ++col;
  }
  j->ncols = col;
  return 0;
}

static void fill_objective(jmodel *j) {
  const solver__multi *mp = j->mp;
  const size_t M = mp->M;
  for (size_t m = 0; m < mp->K; m++) {
    const solver__problem *pb = mp->pb[m];
    const chain *c = &j->ch[m];
    const double w = mp->max_obj ? 0.0 : mp->mi->weight[m];
    for (size_t l = 0; l < pb->L; l++)
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        for (size_t i = 0; i < M; i++) {
          const int x = c->xcol[g * M + i];
          if (x) j->tcoef[x] = solver__cost_x(pb, l, g, i), j->owner[x] = (int)m;
          if (l + 1 == pb->L) continue;
          for (size_t k = 0; k < M; k++) {
            const int p = c->pcol[(g * M + i) * M + k];
            if (p) j->tcoef[p] = i == k ? 0.0 : solver__cm(pb, g, i, k), j->owner[p] = (int)m;
          }
        }
    for (int col = 1; col <= j->ncols; col++)
      if (j->owner[col] == (int)m) j->obj[col] = w * j->tcoef[col];
  }
  if (j->tcol) j->obj[j->tcol] = 1.0;
}

/* One model's own rows: each layer once, its cap, its budget, its links. */
static int model_rows(jmodel *j, size_t m) {
  const solver__multi *mp = j->mp;
  const solver__problem *pb = mp->pb[m];
  const chain *c = &j->ch[m];
  const size_t L = pb->L, M = mp->M;
  for (size_t l = 0; l < L; l++) {
    size_t n = 0;
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++)
        if (c->xcol[g * M + i]) j->idx[n] = c->xcol[g * M + i], j->val[n] = 1, n++;
    if (n == 0) j->empty = 1;
    else if (add_row(j, n, EQ, 1) != 0) return -1;
  }
  if (pb->cap > 0)
    for (size_t i = 0; i < M; i++) {
      size_t n = 0;
      for (size_t g = 0; g < pb->n_opt; g++)
        if (c->xcol[g * M + i]) j->idx[n] = c->xcol[g * M + i], j->val[n] = 1, n++;
      if (n > (size_t)pb->cap && add_row(j, n, LE, (double)pb->cap) != 0) return -1;
    }
  if (pb->has_budget) {
    const double negligible = BUDGET_NEGLIGIBLE / (double)L;
    size_t n = 0;
    for (size_t g = 0; g < pb->n_opt; g++)
      for (size_t i = 0; i < M; i++) {
        const double e = pb->budget > 0 ? pb->error[g] / pb->budget : pb->error[g];
        if (c->xcol[g * M + i] && e > negligible)
          j->idx[n] = c->xcol[g * M + i], j->val[n] = e, n++;
      }
    if (n > 0 && add_row(j, n, LE, pb->budget > 0 ? 1.0 : 0.0) != 0) return -1;
  }
  for (size_t l = 0; l + 1 < L; l++) {
    for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
      for (size_t i = 0; i < M; i++) {
        const int xc = c->xcol[g * M + i];
        if (!xc) continue;
        if (j->flow) {
          /* Σ_k z[g,i,k] = x[g,i] */
          size_t n = 0;
          for (size_t k = 0; k < M; k++) {
            const int p = c->pcol[(g * M + i) * M + k];
            if (p) j->idx[n] = p, j->val[n] = 1, n++;
          }
          j->idx[n] = xc, j->val[n] = -1, n++;
          if (add_row(j, n, EQ, 0) != 0) return -1;
          continue;
        }
        /* paper: x[g,i] + Σ_h x[h,k] - y[g,i,k] <= 1 for every server k of
         * layer l + 1; without a route the pair is simply forbidden. */
        for (size_t k = 0; k < M; k++) {
          if (!c->hasx[(l + 1) * M + k] || i == k) continue;
          size_t n = 0;
          j->idx[n] = xc, j->val[n] = 1, n++;
          for (size_t h = pb->opt_begin[l + 1]; h < pb->opt_begin[l + 2]; h++)
            if (c->xcol[h * M + k]) j->idx[n] = c->xcol[h * M + k], j->val[n] = 1, n++;
          const int p = c->pcol[(g * M + i) * M + k];
          if (p) j->idx[n] = p, j->val[n] = -1, n++;
          if (add_row(j, n, LE, 1) != 0) return -1;
        }
      }
    /* flow: Σ_{g,i} z[g,i,k] = Σ_h x[l+1,h,k] */
    for (size_t k = 0; j->flow && k < M; k++) {
      size_t n = 0;
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        for (size_t i = 0; i < M; i++) {
          const int p = c->pcol[(g * M + i) * M + k];
          if (p) j->idx[n] = p, j->val[n] = 1, n++;
        }
      for (size_t h = pb->opt_begin[l + 1]; h < pb->opt_begin[l + 2]; h++)
        if (c->xcol[h * M + k]) j->idx[n] = c->xcol[h * M + k], j->val[n] = -1, n++;
      if (n > 0 && add_row(j, n, EQ, 0) != 0) return -1;
    }
  }
  if (j->tcol) {
    /* T_m - t <= 0 */
    size_t n = 0;
    for (int col = 1; col <= j->ncols; col++)
      if (j->owner[col] == (int)m && j->tcoef[col] != 0)
        j->idx[n] = col, j->val[n] = j->tcoef[col], n++;
    j->idx[n] = j->tcol, j->val[n] = -1, n++;
    if (add_row(j, n, LE, 0) != 0) return -1;
  }
  return 0;
}

/* The shared storage and utilization rows of each server. */
static int shared_rows(jmodel *j) {
  const solver__multi *mp = j->mp;
  const size_t M = mp->M;
  for (int kind = 0; kind < 2; kind++)
    for (size_t i = 0; i < M; i++) {
      size_t n = 0;
      double most = 0; /* the row's largest possible left side */
      for (size_t m = 0; m < mp->K; m++) {
        const solver__problem *pb = mp->pb[m];
        const chain *c = &j->ch[m];
        for (size_t l = 0; l < pb->L; l++) {
          double big = 0;
          for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++) {
            const int x = c->xcol[g * M + i];
            if (!x) continue;
            const double v = kind == 0 ? pb->storage[g] / mp->capacity[i]
                                       : mp->mi->rate[m] * solver__cp(pb, g, i) / mp->umax;
            if (v == 0) continue;
            j->idx[n] = x, j->val[n] = v, n++;
            if (v > big) big = v;
          }
          most += big;
        }
      }
      if (n > 0 && most > 1 && add_row(j, n, LE, 1) != 0) return -1;
    }
  return 0;
}

static void name_columns(jmodel *j) {
  const solver__multi *mp = j->mp;
  const size_t M = mp->M;
  char name[128];
  for (size_t m = 0; m < mp->K; m++) {
    const solver__problem *pb = mp->pb[m];
    const chain *c = &j->ch[m];
    for (size_t g = 0; g < pb->n_opt; g++) {
      const long long b = (long long)pb->in->bits[pb->opt_bits[g]];
      for (size_t i = 0; i < M; i++) {
        if (c->xcol[g * M + i]) {
          snprintf(name, sizeof name, "x_%zu_%d_%zu_%lld", m, pb->opt_layer[g], i, b);
          set_col_name(j->lp, c->xcol[g * M + i], name);
        }
        if ((size_t)pb->opt_layer[g] + 1 >= pb->L) continue;
        for (size_t k = 0; k < M; k++)
          if (c->pcol[(g * M + i) * M + k]) {
            snprintf(name, sizeof name, "%c_%zu_%d_%zu_%zu_%lld", j->flow ? 'z' : 'y', m,
                     pb->opt_layer[g], i, k, b);
            set_col_name(j->lp, c->pcol[(g * M + i) * M + k], name);
          }
      }
    }
  }
  if (j->tcol) set_col_name(j->lp, j->tcol, "t");
}

/* When lp_solve must stop: the deadline (0: none) or the node budget (0:
 * none); fired records that it was stopped. */
typedef struct {
  double deadline;
  long long nodes;
  int fired;
} ilp_stop;

static int __WINAPI abort_when_due(lprec *lp, void *handle) {
  ilp_stop *s = handle;
  if ((s->deadline > 0 && solver__expired(s->deadline)) ||
      (s->nodes > 0 && (long long)get_total_nodes(lp) >= s->nodes))
    s->fired = 1;
  return s->fired ? TRUE : FALSE;
}

int solver__multi_ilp(const solver__multi *mp, unsigned char *const *keep, solver_formulation f,
                      double cutoff, double mip_gap, double deadline, long long node_limit, int solve_it,
                      const char *lp_path, const char *mps_path,
                      solver__mplace *p, solver__milp_out *out, sim_error *err) {
  const size_t K = mp->K, M = mp->M;
  jmodel j = {mp, keep, f == SOLVER_FORM_FLOW, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
  REAL *sol = NULL;
  int rc = SIM_OK;
  out->status = SOLVER__ILP_FAILED;
  out->found = 0;
  out->objective = NAN;
  out->nodes = 0;
  out->columns = out->rows = 0;
  j.ch = calloc(K, sizeof *j.ch);
  if (j.ch == NULL || number_columns(&j) != 0) goto oom;
  if (mp->max_obj) j.tcol = ++j.ncols;
  const size_t nc = (size_t)j.ncols;
  j.obj = calloc(nc + 1, sizeof *j.obj);
  j.tcoef = calloc(nc + 1, sizeof *j.tcoef);
  j.owner = malloc((nc + 1) * sizeof *j.owner);
  j.val = malloc((nc + 1) * sizeof *j.val);
  j.idx = malloc((nc + 1) * sizeof *j.idx);
  if (!j.obj || !j.tcoef || !j.owner || !j.val || !j.idx) goto oom;
  for (size_t c = 0; c <= nc; c++) j.owner[c] = -1;
  fill_objective(&j);
  if ((j.lp = make_lp(0, j.ncols)) == NULL) goto oom;
  set_verbose(j.lp, NEUTRAL);
  set_add_rowmode(j.lp, TRUE);
  for (size_t m = 0; m < K; m++)
    if (model_rows(&j, m) != 0) goto lp_fail;
  if (shared_rows(&j) != 0) goto lp_fail;
  if (isfinite(cutoff) && !j.tcol) {
    size_t n = 0;
    for (int c = 1; c <= j.ncols; c++)
      if (j.obj[c] != 0) j.idx[n] = c, j.val[n] = j.obj[c], n++;
    if (add_row(&j, n, LE, cutoff) != 0) goto lp_fail;
  }
  set_add_rowmode(j.lp, FALSE);
  if (!set_obj_fn(j.lp, j.obj)) goto lp_fail;
  set_minim(j.lp);
  for (size_t m = 0; m < K; m++) {
    const chain *c = &j.ch[m];
    const solver__problem *pb = mp->pb[m];
    const size_t np = (pb->L > 1 ? pb->opt_begin[pb->L - 1] : 0) * M * M;
    for (size_t k = 0; k < pb->n_opt * M; k++)
      if (c->xcol[k]) set_binary(j.lp, c->xcol[k], TRUE);
    for (size_t k = 0; !j.flow && k < np; k++)
      if (c->pcol[k]) set_binary(j.lp, c->pcol[k], TRUE);
  }
  /* Under `max` the cutoff is lp_solve's initial bound on the objective,
   * not an upper bound on t: with t <= cutoff, nodes whose relaxation
   * reaches the cutoff stay feasible instead of being pruned, and on some
   * tiny instances whose incumbent is already optimal lp_solve branched on
   * past a million nodes where the bound closes in a few dozen. */
  if (j.tcol && isfinite(cutoff)) set_obj_bound(j.lp, cutoff);
  out->columns = nc;
  out->rows = j.rows;
  if (lp_path || mps_path) name_columns(&j);
  if (lp_path && !write_lp(j.lp, (char *)lp_path)) {
    rc = sim_error_set(err, SIM_EIO, "%s: cannot write the LP file", lp_path);
    goto done;
  }
  if (mps_path && (rc = solver__mps_write(j.lp, mps_path, err)) != SIM_OK) goto done;
  if (!solve_it || j.empty) {
    out->status = SOLVER__ILP_NONE;
    goto done;
  }
  set_mip_gap(j.lp, FALSE, mip_gap);
  set_epsint(j.lp, 1e-9);
  set_bb_floorfirst(j.lp, BRANCH_CEILING);
  set_bb_depthlimit(j.lp, 0);
  set_presolve(j.lp, PRESOLVE_NONE, 0);
  ilp_stop stop = {deadline, node_limit, 0};
  if (deadline > 0 || node_limit > 0) put_abortfunc(j.lp, abort_when_due, &stop);
  const int ret = solve(j.lp);
  out->nodes = (long long)get_total_nodes(j.lp);
  /* A search that was stopped proves nothing, whatever lp_solve answers:
   * its status then only says whether it holds a solution. */
  switch (ret) {
  case OPTIMAL:
  case PRESOLVED: out->status = stop.fired ? SOLVER__ILP_TIMEOUT : SOLVER__ILP_OPTIMAL; break;
  case SUBOPTIMAL: out->status = SOLVER__ILP_TIMEOUT; break;
  case INFEASIBLE: out->status = stop.fired ? SOLVER__ILP_TIMEOUT : SOLVER__ILP_NONE; goto done;
  case USERABORT:
  case TIMEOUT: out->status = SOLVER__ILP_TIMEOUT; goto done;
  default:
    rc = sim_error_set(err, SIM_ESOLVER, "lp_solve failed on the joint ILP with status %d (%s)",
                       ret, get_statustext(j.lp, ret));
    goto done;
  }
  if ((sol = malloc((nc + 1) * sizeof *sol)) == NULL) goto oom;
  if (!get_variables(j.lp, sol + 1)) goto lp_fail;
  for (size_t m = 0; m < K; m++) {
    const solver__problem *pb = mp->pb[m];
    for (size_t l = 0; l < pb->L; l++) {
      p->srv[m][l] = p->opt[m][l] = -1;
      for (size_t g = pb->opt_begin[l]; g < pb->opt_begin[l + 1]; g++)
        for (size_t i = 0; i < M; i++) {
          const int x = j.ch[m].xcol[g * M + i];
          if (x && sol[x] > 0.5) p->srv[m][l] = (int)i, p->opt[m][l] = (int)g;
        }
      if (p->srv[m][l] < 0) {
        rc = sim_error_set(err, SIM_ESOLVER, "lp_solve returned no server for model %zu layer %zu",
                           m, l);
        goto done;
      }
    }
  }
  out->found = 1;
  out->objective = get_objective(j.lp);
  goto done;
oom:
  rc = sim_error_set(err, SIM_ENOMEM, "out of memory building the joint ILP");
  goto done;
lp_fail:
  rc = sim_error_set(err, SIM_ESOLVER, "lp_solve rejected the joint model (%zu rows built)", j.rows);
done:
  if (rc != SIM_OK) out->status = SOLVER__ILP_FAILED;
  if (j.lp != NULL) delete_lp(j.lp);
  for (size_t m = 0; j.ch != NULL && m < K; m++)
    free(j.ch[m].xcol), free(j.ch[m].pcol), free(j.ch[m].hasx);
  free(j.ch), free(j.obj), free(j.tcoef), free(j.owner), free(j.val), free(j.idx), free(sol);
  return rc;
}
