/* exact.c: the exact solve behind the `ilp` method (and the baselines that
 * solve a restricted instance exactly).
 *
 * lp_solve alone needs minutes on storage-binding instances because the LP
 * relaxation of either formulation sits 6-16 % below the optimum. The
 * structure of the problem gives much more:
 *   1. The storage-free DP. If its path fits, it is optimal: stop.
 *   2. Incumbents from the greedy pass and the repaired DP path; then the
 *      packing bound (whole layers per server, pack.c) and the segment
 *      relaxation with Lagrangian storage penalties, lower bounds within a
 *      few percent, whose paths (repaired when a server is reused beyond
 *      its storage) and a local search improve the incumbent. If the
 *      incumbent meets a bound: stop, proven.
 *   3. The segment branch and bound (search.c), with a node budget. If it
 *      finishes, the incumbent is proven optimal within the gap: stop.
 *   4. Otherwise the ILP goes to lp_solve with (a) every x, z or y column
 *      removed whose segment bound already reaches the incumbent (no
 *      placement using it can be better), and (b) the row
 *      objective <= incumbent·(1 - gap). lp_solve then either finds a better
 *      placement (optimal for the full problem, since only columns that
 *      cannot beat the incumbent are gone) or proves there is none, in
 *      which case the incumbent is optimal within the gap.
 * With opt->plain the whole model goes to lp_solve without any of this; the
 * bounds are still computed, for the report only. */
#include "solver/internal_budget.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nodes of the first budget search, before the storage-charged tables'
 * multipliers are tuned for them, and the tuning's table builds. */
#define BSEARCH_TUNE_NODES 20000
#define STAB_TUNE_ITERATIONS 30
/* The level tables (stab_level.c): at most this many, each built once the
 * search has met its (server, level) at this many nodes. */
#define STAB_LEVEL_TABLES 8
#define STAB_LEVEL_DEMAND 2000

typedef struct {
  double *lb_x, *lb_stay, *lb_move;
  unsigned char *keep_x, *keep_stay, *keep_move;
} fixing;

static void fixing_free(fixing *fx) {
  free(fx->lb_x), free(fx->lb_stay), free(fx->lb_move);
  free(fx->keep_x), free(fx->keep_stay), free(fx->keep_move);
}

/* Marks the columns a bound excludes: a lower bound at or above `limit`
 * means no placement using the column beats the incumbent by the gap.
 * Returns the number of (layer, server) pairs excluded, or -1 without
 * memory. */
static long fixing_build(const solver__problem *pb, const solver__penalty *pen, double limit,
                         fixing *fx) {
  const size_t L = pb->L, M = pb->M, NM = pb->opt_begin[L - 1] * M * M;
  fx->lb_x = malloc(L * M * sizeof *fx->lb_x);
  fx->lb_stay = malloc(L * M * sizeof *fx->lb_stay);
  fx->lb_move = malloc((NM ? NM : 1) * sizeof *fx->lb_move);
  fx->keep_x = malloc(L * M);
  fx->keep_stay = malloc(L * M);
  fx->keep_move = malloc(NM ? NM : 1);
  solver__segdp *sd = solver__segdp_alloc(pb);
  if (!fx->lb_x || !fx->lb_stay || !fx->lb_move || !fx->keep_x || !fx->keep_stay ||
      !fx->keep_move || sd == NULL) {
    solver__segdp_free(sd);
    return -1;
  }
  solver__segdp_solve(sd, pen, NULL, NULL);
  solver__segdp_bounds(sd, fx->lb_x, fx->lb_stay, fx->lb_move);
  solver__segdp_free(sd);
  const double c = solver__penalty_constant(pb, pen);
  long fixed = 0;
  for (size_t k = 0; k < L * M; k++) {
    fx->keep_x[k] = fx->lb_x[k] - c < limit;
    fx->keep_stay[k] = fx->lb_stay[k] - c < limit;
    if (!fx->keep_x[k] && pb->usable[k % M]) fixed++;
  }
  for (size_t k = 0; k < NM; k++) fx->keep_move[k] = fx->lb_move[k] - c < limit;
  return fixed;
}

static void offer_repaired(const solver__problem *pb, solver__incumbent *inc, const int *srv,
                           const int *opt, double deadline) {
  if (!solver__incumbent_offer(inc, pb, srv, opt)) solver__repair(pb, inc, srv, opt, deadline);
}

int solver__exact(const solver__problem *pb, const solver_options *opt, double deadline,
                  solver__incumbent *inc, solver__exact_out *out, sim_error *err) {
  const size_t L = pb->L, M = pb->M;
  const double gap = opt->mip_gap > 1e-12 ? opt->mip_gap : 1e-12;
  int rc = SIM_OK, searched = 0;
  int *srv = malloc(L * sizeof *srv), *op = malloc(L * sizeof *op);
  solver__penalty lag_pen = {NULL, NULL, 0}, seg_pen = {NULL, NULL, 0};
  solver__incumbent scratch = {NULL, NULL, INFINITY};
  fixing fx = {NULL, NULL, NULL, NULL, NULL, NULL};
  solver__btab *bt = NULL, *bt_pen = NULL, *bd = NULL, *bd_pen = NULL;
  solver__stab *st = NULL, *st_pen = NULL, *st_mu = NULL;
  solver__stab_levels *lv = NULL;
  double mu_st = 0; /* st_mu's budget multiplier, s per budget */
  solver__penalty stab_pen = {NULL, NULL, 0}; /* st_pen's multipliers once tuned */
  solver__penalty mu_pen = {NULL, NULL, 0};   /* st_mu's, once tuned */
  double lam = 0; /* the budget dual's multiplier over the segment DP, s per budget */
  out->status = SOLVER_ERROR;
  out->proof = SOLVER_PROOF_NONE;
  out->lower = out->dp = out->lagrangian = out->segment = out->packing = out->budget = NAN;
  out->nodes = out->search_nodes = 0;
  out->note[0] = '\0';
  out->columns = out->rows = out->fixed = 0;
  if (!srv || !op || solver__penalty_alloc(&lag_pen, M) || solver__penalty_alloc(&seg_pen, M) ||
      solver__incumbent_init(&scratch, L))
    goto oom;
  /* In plain mode the bounds' paths must not become lp_solve's answer. */
  solver__incumbent *bound_inc = opt->plain ? &scratch : inc;

  /* 1. The storage-free DP. */
  out->dp = solver__dp_solve(pb, NULL, srv, op);
  if (isnan(out->dp)) goto oom;
  out->lower = out->dp;
  if (!isfinite(out->dp) && !opt->plain) {
    /* Not even a path ignoring storage: no server/route combination works. */
    out->status = SOLVER_INFEASIBLE;
    out->lower = out->lagrangian = out->segment = out->packing = INFINITY;
    goto done;
  }
  {
    /* The packing bound: whole layers per server, which the relaxations
     * below split fractionally. */
    solver__pack *pk = solver__pack_alloc(pb);
    if (pk == NULL) goto oom;
    out->packing = solver__pack_bound(pk, 0, NULL, NULL);
    solver__pack_free(pk);
    if (out->packing > out->lower) out->lower = out->packing;
    if (!isfinite(out->packing) && !opt->plain) {
      out->status = SOLVER_INFEASIBLE; /* the layers cannot be packed: a proof */
      out->lagrangian = out->segment = INFINITY;
      goto done;
    }
  }
  const int dp_fits = isfinite(out->dp) && solver__feasible(pb, srv, op);
  if (dp_fits) solver__incumbent_offer(bound_inc, pb, srv, op);
  if (!opt->plain && !dp_fits && isfinite(out->dp)) {
    /* A first incumbent before anything can time out: the greedy pass and
     * the repaired DP path (both polynomial, a few milliseconds). It also
     * gives the subgradient steps their target. */
    solver__repair(pb, inc, srv, op, 0);
    if (solver__greedy(pb, srv, op)) {
      solver__incumbent_offer(inc, pb, srv, op);
      solver__local_search(pb, inc, 0);
    }
  }

  /* 2. Bounds: Lagrangian on storage over the DP, and over segments. */
  /* Under a budget with the segment Lagrangian to come, the ascent over
   * the storage-free DP is not run: for the same multipliers the segment
   * relaxation is never weaker (its paths are DP paths whose segments fit),
   * and on bench-budget (120 runs, M = 8-48) the ascent changed no search
   * node, bound or incumbent while its 300 DPs took 0.03-0.08 s a solve.
   * Its value at zero multipliers, the DP bound, is reported. */
  const int skip_dp_lagrange = pb->has_budget && pb->budget > 0 && !dp_fits;
  out->lagrangian = skip_dp_lagrange ? out->dp
                                     : solver__lagrange(pb, SOLVER__RELAX_DP, bound_inc, &lag_pen,
                                                        SOLVER__LAGRANGE_ITERATIONS, gap, deadline);
  if (isnan(out->lagrangian)) goto oom;
  if (out->lagrangian > out->lower) out->lower = out->lagrangian;
  if (!dp_fits) {
    out->segment = solver__lagrange(pb, SOLVER__RELAX_SEGMENT, bound_inc, &seg_pen,
                                    SOLVER__LAGRANGE_ITERATIONS, gap, deadline);
    if (isnan(out->segment)) goto oom;
    if (out->segment > out->lower) out->lower = out->segment;
    if (!isfinite(out->segment) && !opt->plain) {
      out->status = SOLVER_INFEASIBLE; /* no segmentation fits: a proof */
      goto done;
    }
  } else {
    out->segment = out->dp; /* the DP's path is a feasible segmentation */
  }
  if (pb->has_budget && pb->budget > 0 && !dp_fits) {
    /* 2b. Bounds that see the budget (budget.c): the budget relaxed with
     * one multiplier, maximized exactly over the DP and the segment DP,
     * and the segment DP with the error left as a state. */
    double lam_dp = 0;
    const double d1 = solver__budget_dual(pb, SOLVER__RELAX_DP, bound_inc, &lam_dp);
    const double d2 = solver__budget_dual(pb, SOLVER__RELAX_SEGMENT, bound_inc, &lam);
    if (isnan(d1) || isnan(d2) || (bt = solver__btab_alloc(pb, NULL)) == NULL) goto oom;
    out->budget = fmax(fmax(d1, d2), solver__btab_root(bt));
    /* The same tables with the segment Lagrangian's storage multipliers:
     * they see a fast server reused past its storage. */
    if ((bt_pen = solver__btab_alloc(pb, &seg_pen)) == NULL) goto oom;
    const double rp = solver__btab_root(bt_pen) -
                      (solver__penalty_constant(pb, &seg_pen) - seg_pen.error) * (1 + 1e-9);
    if (rp > out->budget) out->budget = rp;
    /* The same tables with the budget relaxed by the duals' multipliers
     * instead of counted in units: on long chains the units must be
     * coarse (16 in the budget at 149 layers, where a 10-bit layer's error
     * rounds to none), and these see the budget as well as the dual. */
    if ((bd = solver__btab_alloc_dual(pb, NULL, lam)) == NULL ||
        (bd_pen = solver__btab_alloc_dual(pb, &seg_pen, seg_pen.error)) == NULL)
      goto oom;
    const double rd = solver__btab_root(bd) - lam * (1 + 1e-9);
    if (rd > out->budget) out->budget = rd;
    const double rdp = solver__btab_root(bd_pen) - solver__penalty_constant(pb, &seg_pen) * (1 + 1e-9);
    if (rdp > out->budget) out->budget = rdp;
    /* The segments charged the storage of their widths (stab.c): under a
     * binding budget the widths are wide, and the tables above let a
     * segment hold as many layers as fit at the narrowest. Optional: NULL
     * when the instance is too large for useful units (or memory is
     * short), and the search works without it. Again under the segment
     * Lagrangian's storage multipliers, minus their sum, like bt_pen. */
    if ((st = solver__stab_alloc(pb, NULL)) != NULL && solver__stab_root(st) > out->budget)
      out->budget = solver__stab_root(st);
    if ((st_pen = solver__stab_alloc_like(pb, &seg_pen, st)) != NULL) {
      const double sp = solver__stab_root(st_pen) -
                        (solver__penalty_constant(pb, &seg_pen) - seg_pen.error) * (1 + 1e-9);
      if (sp > out->budget) out->budget = sp;
    }
    /* The storage-charged tables with the budget relaxed instead of
     * counted, when the tables above have storage units too coarse for
     * the layers (long chains of small layers; stab_tune.c says why). */
    if (solver__stab_coarse(pb, st)) {
      double sm = -INFINITY;
      st_mu = solver__stab_dual(pb, lam, bound_inc, deadline, &mu_st, &sm);
      if (sm > out->budget) out->budget = sm;
    }
    /* Incumbents from the tables' paths, repaired to storage (the budget
     * they keep up to the rounding of the units) and improved. */
    if (!opt->plain) {
      if (solver__btab_path(bt, srv, op)) offer_repaired(pb, inc, srv, op, deadline);
      if (solver__btab_path(bt_pen, srv, op)) offer_repaired(pb, inc, srv, op, deadline);
      if (st != NULL && solver__stab_path(st, srv, op)) offer_repaired(pb, inc, srv, op, deadline);
      if (st_pen != NULL && solver__stab_path(st_pen, srv, op))
        offer_repaired(pb, inc, srv, op, deadline);
    }
    if (out->budget > out->lower) out->lower = out->budget;
    if (!isfinite(out->budget) && !opt->plain) {
      out->status = SOLVER_INFEASIBLE; /* no relaxed path keeps the budget: a proof */
      goto done;
    }
  }

  if (!opt->plain) {
    if (dp_fits) {
      out->status = SOLVER_OPTIMAL;
      out->proof = SOLVER_PROOF_DP;
      goto done;
    }
    /* 3. Incumbents: repair the segment relaxation's paths, then local search. */
    solver__segdp *sd = solver__segdp_alloc(pb);
    if (sd == NULL) goto oom;
    if (isfinite(solver__segdp_solve(sd, NULL, srv, op))) offer_repaired(pb, inc, srv, op, deadline);
    if (isfinite(solver__segdp_solve(sd, &seg_pen, srv, op)))
      offer_repaired(pb, inc, srv, op, deadline);
    solver__segdp_free(sd);
    solver__local_search(pb, inc, deadline);
    /* Under a budget, the same servers in another order (heuristic.c),
     * when the order DP below cannot run (no storage-charged tables, whose
     * units it takes). Why not always: the order DP tries the incumbent's
     * order and its reverse with the boundaries and widths anew, and after
     * it the permutations changed the search on few runs (bench-budget
     * runs 0-19 at M = 8-48: the same nodes on 109 of 120, more on 8,
     * fewer on 3) while they took up to 0.1 s a solve (2.0 s of the 20 runs
     * at M = 32). The search still permutes each new incumbent. */
    if (pb->has_budget && pb->budget > 0) {
      if (st == NULL) solver__permute_segments(pb, inc, deadline);
      /* The widths and the placement solved in turn (bwidth.c): on long
       * chains the moves above cannot trade error between layers. */
      if (solver__alternate_widths(pb, inc, deadline) < 0) goto oom;
      /* The boundaries and widths for the incumbent's order of servers,
       * reversed, and with the servers it leaves out (order.c): the local
       * moves above change one layer at a time. */
      if (st != NULL) {
        if (solver__order_improve(pb, inc, solver__stab_error_unit(st), deadline) < 0) goto oom;
      }
    }
    if (isfinite(inc->value) && inc->value - out->lower <= gap * inc->value) {
      out->status = SOLVER_OPTIMAL;
      out->proof = SOLVER_PROOF_BOUND;
      goto done;
    }
    /* 4. The segment branch and bound. When it finishes, no placement
     * beats the incumbent by the gap: that is the proof, and lp_solve has
     * nothing left to do. It keeps the time: on every benchmark instance
     * where it ran out of a node budget, lp_solve never closed the gap
     * either, while the search alone proved most of them given the time
     * (docs/solver.md). lp_solve takes over only after an explicit node
     * budget, with the incumbent the search found. */
    if (solver__search_applies(pb) && opt->search_budget >= 0) {
      long long sn = 0;
      const long long budget = opt->search_budget > 0 ? opt->search_budget : LLONG_MAX;
      searched = solver__search(pb, &seg_pen, inc, gap, budget, deadline, &sn);
      out->search_nodes = sn;
      if (searched < 0) goto oom;
    } else if (bt != NULL && opt->search_budget >= 0) {
      /* Under a budget the search keeps the time: lp_solve made no progress
       * on these instances where the search was stopped (docs/solver.md),
       * so it only takes over after an explicit node budget. */
      long long sn = 0;
      double open = -INFINITY;
      const long long budget = opt->search_budget > 0 ? opt->search_budget : LLONG_MAX;
      /* A first search that most instances finish; on the others the
       * storage-charged tables' multipliers are tuned for them (a few
       * builds) and the search starts again with the stronger bound and
       * the incumbent found so far. */
      const long long first = budget < BSEARCH_TUNE_NODES ? budget : BSEARCH_TUNE_NODES;
      solver__bdual dual = {bd, lam, bd_pen, seg_pen.error, st_mu, mu_st, NULL};
      /* The storage-charged tables with a used server's room cut, built as
       * the search meets them (stab_level.c); optional like st. Not when
       * st's storage units are coarse for the layers: the level tables
       * have a sixteenth of its memory, so coarser units still, and on
       * OPT-350m `linear` (runs 0-2, M = 8) they left the same search
       * nodes while the solves took 1.1-1.35 times as long. */
      if (st != NULL && !solver__stab_coarse(pb, st))
        lv = solver__stab_levels_alloc(pb, st, STAB_LEVEL_TABLES, STAB_LEVEL_DEMAND);
      searched = solver__bsearch(pb, bt, bt_pen, st, st_pen, lv, &seg_pen, NULL, &dual, lam, inc,
                                 gap, first, deadline, &sn, &open);
      out->search_nodes = sn;
      if (searched < 0) goto oom;
      if (searched == 0 && sn > first && budget > first && st_pen != NULL &&
          !solver__expired(deadline)) {
        double tuned = -INFINITY;
        /* The order DP over every order of the incumbent's servers used
         * to run here (solver__order_improve had an option for it), so
         * that the tuning would aim at a better incumbent. With the search
         * as it is now it no longer pays: on bench-budget runs 0-19 at
         * M = 8-48 without it the search nodes were the same on 114 of 120
         * runs and 2.4 % more in all at M = 48, while it took 0.02-0.24 s
         * (median 0.06 s) of each solve that got here; on Llama-2-7B and
         * OPT-350m `linear` (runs 0-2, M = 8-16) the same optima and
         * timeout gaps. */
        if (solver__penalty_alloc(&stab_pen, M)) goto oom;
        memcpy(stab_pen.storage, seg_pen.storage, M * sizeof *stab_pen.storage);
        memcpy(stab_pen.count, seg_pen.count, M * sizeof *stab_pen.count);
        /* st_pen is rebuilt in place with the tuned multipliers, which it
         * then borrows from stab_pen; without memory it is dropped and the
         * search goes on without it. */
        const solver__penalty *spen = &stab_pen;
        if (solver__stab_lagrange(pb, &stab_pen, st_pen, inc, STAB_TUNE_ITERATIONS, gap, deadline,
                                  &tuned) != 0) {
          solver__stab_free(st_pen);
          st_pen = NULL;
        }
        /* The budget-relaxed tables' storage and cap multipliers, tuned
         * the same way from none: on bench-linear runs 0-2 at M = 16 and
         * 32 they raised the bound of four of the five runs that time
         * out, by 0.5-2.8 % (docs/solver.md). The search then looks the
         * tables up with the path's cost under them. */
        if (st_mu != NULL && !solver__expired(deadline)) {
          double tm = -INFINITY;
          if (solver__penalty_alloc(&mu_pen, M)) goto oom;
          if (solver__stab_lagrange(pb, &mu_pen, st_mu, inc, STAB_TUNE_ITERATIONS, gap, deadline,
                                    &tm) != 0) {
            solver__stab_free(st_mu); /* its values are unusable: the search goes on without */
            st_mu = NULL;
            dual.st = NULL;
          } else {
            dual.st_pen = &mu_pen;
            if (tm > tuned) tuned = tm;
          }
        }
        if (tuned > out->budget) out->budget = tuned;
        if (tuned > out->lower) out->lower = tuned;
        long long sn2 = 0;
        if (isfinite(inc->value) && out->lower >= inc->value * (1 - gap)) {
          out->status = SOLVER_OPTIMAL; /* the tuned bound meets the incumbent */
          out->proof = SOLVER_PROOF_BOUND;
          goto done;
        }
        if (!solver__expired(deadline)) {
          open = -INFINITY;
          searched = solver__bsearch(pb, bt, bt_pen, st, st_pen, lv, &seg_pen, spen, &dual, lam, inc,
                                     gap, budget == LLONG_MAX ? budget : budget - sn, deadline, &sn2,
                                     &open);
          if (searched < 0) goto oom;
        }
        out->search_nodes = sn + sn2;
      }
      /* Stopped: what is left lies below the open nodes or the limit. */
      if (searched == 0 && isfinite(inc->value) && fmin(open, inc->value * (1 - gap)) > out->lower)
        out->lower = fmin(open, inc->value * (1 - gap));
    }
    if (searched == 1 || solver__expired(deadline)) goto stopped;
  }

  /* 5. lp_solve, on what the bounds leave of the model. */
  solver__ilp_args args = {opt->formulation, NULL, NULL, NULL, INFINITY, !opt->plain,
                           opt->mip_gap, deadline, 1, NULL, NULL};
  if (!opt->plain && isfinite(inc->value)) {
    const double limit = inc->value * (1 - gap);
    const long fixed = fixing_build(pb, &seg_pen, limit, &fx);
    if (fixed < 0) goto oom;
    out->fixed = (size_t)fixed;
    args.keep_x = fx.keep_x;
    args.keep_stay = fx.keep_stay;
    args.keep_move = fx.keep_move;
    args.cutoff = limit;
  }
  solver__ilp_out io;
  sim_error ierr;
  sim_error_clear(&ierr);
  rc = solver__ilp_solve(pb, &args, srv, op, &io, &ierr);
  out->nodes = io.nodes;
  out->columns = io.columns;
  out->rows = io.rows;
  if (rc == SIM_OK && io.found && !solver__feasible(pb, srv, op)) {
    /* Seen once with an lp_solve branching rule we no longer use; never
     * accept it, and treat it like any other lp_solve failure. */
    sim_error_set(&ierr, SIM_ESOLVER,
                  "lp_solve returned a placement that breaks storage, the cap or the budget");
    rc = SIM_ESOLVER;
    io.found = 0;
  }
  if (rc == SIM_OK && io.found) {
    /* lp_solve's objective must agree with the cost tables: a check on how
     * the formulation's coefficients were built. */
    const double v = solver__eval(pb, srv, op);
    if (!(fabs(io.objective - v) <= 1e-6 * fabs(v) + 1e-12)) {
      rc = sim_error_set(err, SIM_EINTERNAL,
                         "lp_solve's objective %.17g disagrees with the placement's %.17g",
                         io.objective, v);
      goto done;
    }
  }
  if (rc == SIM_ESOLVER && isfinite(inc->value)) {
    /* lp_solve gave up (numerical trouble): the incumbent stands, without
     * a proof, and the note says why. */
    snprintf(out->note, sizeof out->note,
             "no optimality proof: %.300s; the placement is the best incumbent", ierr.msg);
    out->status = SOLVER_FEASIBLE; /* a finished search never reaches lp_solve */
    rc = SIM_OK;
    goto done;
  }
  if (rc != SIM_OK) {
    sim_error_set(err, rc, "%s", ierr.msg);
    goto done;
  }
  if (io.found) solver__incumbent_offer(inc, pb, srv, op);
  switch (io.status) {
  case SOLVER__ILP_OPTIMAL:
  case SOLVER__ILP_NONE:
    if (!isfinite(inc->value)) {
      out->status = SOLVER_INFEASIBLE;
      out->lower = INFINITY;
      break;
    }
    out->status = SOLVER_OPTIMAL;
    out->proof = SOLVER_PROOF_ILP;
    if (inc->value * (1 - gap) > out->lower) out->lower = inc->value * (1 - gap);
    break;
  case SOLVER__ILP_TIMEOUT:
    goto stopped;
  case SOLVER__ILP_FAILED:
    rc = sim_error_set(err, SIM_ESOLVER, "lp_solve failed");
    break;
  }
  goto done;
stopped:
  /* The search finished, or the deadline passed before lp_solve's proof; a
   * finished segment search is a proof of its own. */
  if (searched == 1) {
    out->status = isfinite(inc->value) ? SOLVER_OPTIMAL : SOLVER_INFEASIBLE;
    out->proof = isfinite(inc->value) ? SOLVER_PROOF_SEARCH : SOLVER_PROOF_NONE;
    out->lower = isfinite(inc->value) ? fmax(out->lower, inc->value * (1 - gap)) : INFINITY;
  } else {
    out->status = SOLVER_TIMEOUT;
  }
  goto done;
oom:
  rc = sim_error_set(err, SIM_ENOMEM, "out of memory in the exact solver");
done:
  if (out->status == SOLVER_OPTIMAL && out->lower > inc->value) out->lower = inc->value;
  free(srv), free(op);
  solver__btab_free(bt);
  solver__btab_free(bt_pen);
  solver__btab_free(bd);
  solver__btab_free(bd_pen);
  solver__stab_free(st_mu);
  solver__stab_levels_free(lv);
  solver__stab_free(st_pen); /* before st, whose transfer table it borrows */
  solver__stab_free(st);
  solver__penalty_free(&lag_pen);
  solver__penalty_free(&seg_pen);
  solver__penalty_free(&stab_pen);
  solver__penalty_free(&mu_pen);
  solver__incumbent_clear(&scratch);
  fixing_free(&fx);
  return rc;
}
