/* internal.h: what the solver's files share and nobody else uses.
 *
 * Every method works on a solver__problem: the instance with its cost tables
 * precomputed once (the costs still come from instance.c and nowhere else),
 * the (layer, bits) options that survive the accuracy rule and the presolve,
 * and the servers a method may use. Options are numbered globally: layer l
 * owns options opt_begin[l] .. opt_begin[l + 1] - 1.
 *
 * Ownership rule: solver__problem_alloc returns a problem freed with
 * solver__problem_free; it borrows the instance, which must outlive it.
 * Placements inside the solver are plain arrays srv[L] (server index) and
 * opt[L] (global option index), converted to solver_placement at the end. */
#ifndef DILEMMA_SOLVER_INTERNAL_H
#define DILEMMA_SOLVER_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"
#include "solver/solver.h"

/* Subgradient iterations per Lagrangian bound: enough to reach the LP bound
 * of the flow formulation on the benchmark (a few milliseconds at M = 24). */
#define SOLVER__LAGRANGE_ITERATIONS 300

/* Relative slack used when comparing objective values computed along
 * different paths (sums in another order differ in the last bits). */
#define SOLVER__REL_EPS 1e-12

typedef struct solver__problem {
  const solver_instance *in;
  size_t L;                 /* layers */
  size_t M;                 /* servers (edge servers, then the cloud) */
  size_t n_opt;             /* options kept, all layers together */
  size_t *opt_begin;        /* L + 1 offsets into the option arrays */
  int *opt_bits;            /* n_opt, index into in->bits */
  int *opt_layer;           /* n_opt, the option's layer */
  double *storage;          /* n_opt, bytes on the hosting server */
  double *smin;             /* L, bytes: the smallest storage among the layer's options */
  double *error;            /* n_opt, quantization error */
  double *cp;               /* n_opt x M, s: compute of the option on server i */
  double *cm;               /* opt_begin[L-1] x M x M, s: transfer i -> j after the option's
                               layer (0 for i == j, +inf without a route) */
  double *cin;              /* M, s: origin -> first layer's server (0 without origin) */
  double *cout;             /* (n_opt - opt_begin[L-1]) x M, s: last layer -> origin */
  double *capacity;         /* M, bytes */
  unsigned char *usable;    /* M, 1 if the method may place layers on the server */
  int64_t cap;              /* layers per server; 0 = none */
  int has_budget;           /* 1: Σ_l error <= budget must hold */
  double budget;
  size_t presolve_total;    /* allowed (layer, bits) pairs before the presolve */
  size_t presolve_removed;  /* of those, removed as dominated */
  solver_workspace *ws;     /* where the bound tables take their memory (NULL: fresh);
                               the caller's, never freed here */
} solver__problem;

/* Which options and servers a problem keeps. */
typedef struct solver__restrict {
  int presolve;             /* drop dominated options (ignored under budget accuracy) */
  int only_bits;            /* >= 0: keep only this bit-width index (uniform baseline) */
  long only_server;         /* >= 0: place every layer on this server (single, cloud) */
} solver__restrict;

void solver__restrict_init(solver__restrict *r);

/* Builds the cost tables of `in` under `r`. O(L·B·M²) time and memory.
 * Returns NULL with err set on failure (out of memory, empty model). */
solver__problem *solver__problem_alloc(const solver_instance *in, const solver__restrict *r,
                                       sim_error *err);
void solver__problem_free(solver__problem *pb);

static inline double solver__cp(const solver__problem *pb, size_t g, size_t i) {
  return pb->cp[g * pb->M + i];
}
static inline double solver__cm(const solver__problem *pb, size_t g, size_t i, size_t j) {
  return pb->cm[(g * pb->M + i) * pb->M + j];
}
static inline double solver__cout(const solver__problem *pb, size_t g, size_t i) {
  return pb->cout[(g - pb->opt_begin[pb->L - 1]) * pb->M + i];
}
/* row[q] = min(row[q], c + s[q]) for q < n: the min-plus step of the DPs
 * (dp.c, stab.c). In blocks of a fixed length, so that GCC uses vector
 * instructions at -O2; each entry gets the scalar loop's operations, so the
 * minima are the same floats and paths read back by equality find them. */
static inline void solver__min_add(double *restrict row, const double *restrict s, size_t n,
                                   double c) {
  enum { BLOCK = 8 };
  size_t q = 0;
  for (; q + BLOCK <= n; q += BLOCK)
    for (size_t k = 0; k < BLOCK; k++) {
      const double v = c + s[q + k];
      row[q + k] = v < row[q + k] ? v : row[q + k];
    }
  for (; q < n; q++) {
    const double v = c + s[q];
    row[q] = v < row[q] ? v : row[q];
  }
}
/* w[0..n-1] = +inf, in blocks of a fixed length so that GCC uses vector
 * stores at -O2 (the min-plus tables of order.c and stab.c start so). */
static inline void solver__fill_inf(float *restrict w, size_t n) {
  enum { BLOCK = 16 };
  size_t q = 0;
  for (; q + BLOCK <= n; q += BLOCK)
    for (size_t k = 0; k < BLOCK; k++) w[q + k] = INFINITY;
  for (; q < n; q++) w[q] = INFINITY;
}
/* Objective terms charged to x[l, g, i]: compute, plus the origin's input on
 * the first layer and the output back on the last. */
static inline double solver__cost_x(const solver__problem *pb, size_t l, size_t g, size_t i) {
  double c = solver__cp(pb, g, i);
  if (l == 0) c += pb->cin[i];
  if (l + 1 == pb->L) c += solver__cout(pb, g, i);
  return c;
}

/* Objective of a placement from the tables (+inf if a route is missing). */
double solver__eval(const solver__problem *pb, const int *srv, const int *opt);

/* 1 if the placement uses only usable servers and existing routes and meets
 * storage, the layer cap and the budget (relative slack 1e-9, as the
 * checker). */
int solver__feasible(const solver__problem *pb, const int *srv, const int *opt);
/* Fills used (bytes) and count (layers), M entries each, with what the
 * placement puts on each server, and returns its Σ error. */
double solver__usage(const solver__problem *pb, const int *srv, const int *opt, double *used,
                     size_t *count);

/* Converts internal arrays to a placement (bits as indices into in->bits). */
void solver__to_placement(const solver__problem *pb, const int *srv, const int *opt,
                          solver_placement *p);

/* --- Lagrangian penalties -------------------------------------------------
 * A relaxation may move storage, the layer cap and the budget into the
 * objective. Option g on server i then costs
 *   cp(g, i) + storage[i]·s(g)/κ_i + count[i]/cap + error·err(g)/budget
 * and every feasible placement's true cost is at least its penalized cost
 * minus solver__penalty_constant (each resource is used at most to 1). */
typedef struct solver__penalty {
  double *storage; /* M, s per capacity fraction, >= 0 */
  double *count;   /* M, s per cap fraction, >= 0 (0 when no cap) */
  double error;    /* s per budget fraction, >= 0 (0 without budget) */
} solver__penalty;

/* The penalty part of option g on server i (0 when pen is NULL). Inline:
 * the DPs and the tables' frontiers call it for every (layer, option,
 * server), and as a call it had been 3 % of a budget solve. */
static inline double solver__penalty_option(const solver__problem *pb, const solver__penalty *pen,
                                            size_t g, size_t i) {
  if (pen == NULL) return 0.0;
  double p = 0;
  /* Zero multipliers add nothing, which also avoids 0 * inf for a server
   * with no storage. */
  if (pen->storage[i] > 0 && pb->storage[g] > 0) p += pen->storage[i] * pb->storage[g] / pb->capacity[i];
  if (pb->cap > 0 && pen->count[i] > 0) p += pen->count[i] / (double)pb->cap;
  if (pb->has_budget && pen->error > 0 && pb->budget > 0) p += pen->error * pb->error[g] / pb->budget;
  return p;
}
/* Σ of the multipliers of the constraints the problem has. */
double solver__penalty_constant(const solver__problem *pb, const solver__penalty *pen);

/* --- The storage-free DP (dp.c) ------------------------------------------
 * Shortest path over (layer, server, option) with cost cp + penalty, ignoring
 * storage, the cap and the budget. Fills srv/opt (may be NULL) and returns
 * the penalized path value (no constant), +inf if no path exists, NaN if
 * memory ran out. O(L·M²·B) time, O(L·M·B) memory. */
double solver__dp_solve(const solver__problem *pb, const solver__penalty *pen, int *srv,
                        int *opt);

/* --- The segment relaxation (segment.c) ---------------------------------- */
typedef struct solver__segdp solver__segdp;

/* The most consecutive layers from s on that fit server j at their smallest
 * storage within the layer cap; 0 when j is not usable. O(length). Shared by
 * the segment relaxation and the budget tables, which must agree on it. */
size_t solver__segment_max_len(const solver__problem *pb, size_t s, size_t j);

solver__segdp *solver__segdp_alloc(const solver__problem *pb);
void solver__segdp_free(solver__segdp *sd);

/* Solves the segment relaxation: the chain is cut into maximal segments, each
 * on one server and fitting that server's storage and cap alone; servers may
 * repeat. Penalties may be NULL. Returns its value (penalized, without the
 * constant) and fills srv/opt (may be NULL) with an optimal path; +inf if no
 * segmentation fits. O(L²·M + L·M²). */
double solver__segdp_solve(solver__segdp *sd, const solver__penalty *pen, int *srv, int *opt);

/* After solver__segdp_solve: lower bounds (penalized, constant not yet
 * subtracted) on any placement that puts layer l on server i (lb_x, L x M),
 * puts l and l + 1 on i (lb_stay, L x M) and sends layer l's option g from i
 * to j != i (lb_move, opt_begin[L-1] x M x M). O(L²·M + L·B·M²). */
void solver__segdp_bounds(solver__segdp *sd, double *lb_x, double *lb_stay, double *lb_move);

/* After solver__segdp_solve: exits[e·M + j] (L x M), the cheapest
 * (penalized) cost of every layer after e given a segment that ends at e on
 * j, including the transfer out of it. */
void solver__segdp_exits(solver__segdp *sd, double *exits);

/* --- Lagrangian bounds (lagrange.c) -------------------------------------- */
typedef enum {
  SOLVER__RELAX_DP = 0,      /* the storage-free DP: the Lagrangian bound on storage */
  SOLVER__RELAX_SEGMENT = 1  /* the segment relaxation: never weaker than the segment DP */
} solver__relax;

/* Incumbent bookkeeping shared by the bound and the heuristics. */
typedef struct solver__incumbent {
  int *srv, *opt;  /* L entries each */
  double value;    /* s, +inf when none */
} solver__incumbent;

int solver__incumbent_init(solver__incumbent *inc, size_t L);
void solver__incumbent_clear(solver__incumbent *inc);
/* Keeps srv/opt if feasible and better; returns 1 if kept. */
int solver__incumbent_offer(solver__incumbent *inc, const solver__problem *pb, const int *srv,
                            const int *opt);

/* Subgradient ascent on the multipliers of `relax`. Returns the best bound
 * (s) and leaves the best multipliers in `best` (allocated by the caller,
 * M entries each). Feasible paths met on the way are offered to inc.
 * Stops after max_iter iterations, when the bound meets inc within gap, or at
 * the deadline (monotonic seconds, <= 0 for none). NaN on allocation failure. */
double solver__lagrange(const solver__problem *pb, solver__relax relax, solver__incumbent *inc,
                        solver__penalty *best, int max_iter, double gap, double deadline);

int solver__penalty_alloc(solver__penalty *pen, size_t M);
void solver__penalty_free(solver__penalty *pen);

/* --- Segment branch and bound (search.c) --------------------------------- */

/* 1 if solver__search applies: one option per layer and no budget. */
int solver__search_applies(const solver__problem *pb);

/* Depth-first branch and bound over segments with the segment relaxation
 * (and, when pen is not NULL, its penalized version) as the bound; improves
 * inc. Returns 1 if the search finished, so that no placement beats inc by
 * the relative gap; 0 if max_nodes or the deadline stopped it; -1 without
 * memory. *nodes gets the nodes visited. Exponential in the worst case;
 * the bound keeps it small when the relaxation is within a few percent. */
int solver__search(const solver__problem *pb, const solver__penalty *pen, solver__incumbent *inc,
                   double gap, long long max_nodes, double deadline, long long *nodes);

/* --- The packing bound (pack.c) -------------------------------------------
 * A lower bound that counts whole layers per server: the order of the
 * layers is dropped, each layer still sits on one server within its
 * remaining storage and cap (pack.c states the argument). */
typedef struct solver__pack solver__pack;

/* Precomputes the layer classes and per-suffix data. O(L²·M + L·B·M²).
 * NULL without memory. */
solver__pack *solver__pack_alloc(const solver__problem *pb);
/* The same with every option's cost raised by err_weight·error (s per unit
 * of error, >= 0): the budget relaxed with a multiplier. Its bound B(t)
 * then satisfies cost(t..L-1) >= B(t) - err_weight·(error left), for any
 * completion that keeps the budget. */
solver__pack *solver__pack_alloc_weighted(const solver__problem *pb, double err_weight);
void solver__pack_free(solver__pack *pk);

/* Lower bound on the cost (compute and transfers) of layers t..L-1 in any
 * feasible placement where the layers before t already use used[i] bytes
 * and count[i] layers on server i (either may be NULL for none) and, when
 * t > 0, layer t sits on another server than layer t - 1 (the transfer into
 * layer t is included). 0 for t >= L; +inf when no completion fits.
 * O(M³) for at most two enumerated layers. Uses pk's scratch space. */
double solver__pack_bound(solver__pack *pk, size_t t, const double *used, const size_t *count);

/* --- The search's table of visited states (memo.c) ----------------------- */
typedef struct solver__memo solver__memo;

/* A table for keys of `words` uint64 words, keeping up to `pairs`
 * non-dominated (cost, error) pairs per key, using at most max_bytes. NULL
 * without memory. */
solver__memo *solver__memo_alloc(size_t words, size_t pairs, size_t max_bytes);
void solver__memo_free(solver__memo *m);

/* Returns 1 if the key was recorded before with a pair at cost <= cost and
 * error <= err; otherwise records the pair (when there is room) and
 * returns 0. Tables with one pair compare the cost alone. */
int solver__memo_visit(solver__memo *m, const uint64_t *key, double cost, double err);

/* --- Heuristics (heuristic.c) -------------------------------------------- */

/* Improves inc by local search (move a layer, move or swap whole runs of
 * layers, change a layer's bits) until no move helps or the deadline. */
void solver__local_search(const solver__problem *pb, solver__incumbent *inc, double deadline);

/* Turns a placement that may break storage, the cap or the budget into a
 * feasible one by the moves that remove the most violation per second of
 * cost, then improves it by local search, and offers it to inc. Returns 1 if
 * inc took it. */
int solver__repair(const solver__problem *pb, solver__incumbent *inc, const int *srv,
                   const int *opt, double deadline);
/* Incumbents from inc's own segments with their servers permuted (the
 * widths kept), each repaired to storage and the budget and improved by
 * the local search; repeated while it improves. Why: the local search
 * moves layers and runs but never reverses the order of the servers, and
 * under a budget the best order of the same servers is often another one
 * (the fastest server last, after the embedding went to a roomy one).
 * Only when inc has at most 5 segments. */
void solver__permute_segments(const solver__problem *pb, solver__incumbent *inc, double deadline);
/* The next permutation of p[0..k-1] in lexicographic order; 0 after the
 * last (heuristic.c). */
int solver__next_permutation(int *p, size_t k);

/* Under a budget: alternates between the placement for the incumbent's
 * widths, solved exactly with the widths fixed, and the widths for its
 * servers, chosen with the budget relaxed by the least multiplier that
 * keeps it (bwidth.c states both), offering each to inc; at most 4 rounds,
 * each exact solve at most a tenth of the time left and 2 s. Returns 0, or
 * -1 without memory. */
int solver__alternate_widths(const solver__problem *pb, solver__incumbent *inc, double deadline);

/* --- The ILP on lp_solve (ilp.c) ----------------------------------------- */
typedef struct solver__ilp_args {
  solver_formulation formulation;
  const unsigned char *keep_x;     /* L x M or NULL: 0 forbids layer l on server i */
  const unsigned char *keep_stay;  /* L x M or NULL: 0 forbids l and l + 1 both on i */
  const unsigned char *keep_move;  /* opt_begin[L-1] x M x M or NULL: 0 forbids option g of
                                      layer l on i followed by layer l + 1 on j */
  double cutoff;                   /* s: only placements below this are sought (+inf: none) */
  int cuts;                        /* 1: add the rounded capacity cuts (ilp.c) */
  double mip_gap;                  /* relative */
  double deadline;                 /* monotonic s, <= 0 for none */
  int solve;                       /* 0: only build (and write) the model */
  const char *write_lp;            /* if set, write the model in LP format here */
  const char *write_mps;           /* if set, write the model in free MPS format here */
} solver__ilp_args;

typedef enum {
  SOLVER__ILP_OPTIMAL = 0,   /* srv/opt hold an optimal placement (below the cutoff) */
  SOLVER__ILP_NONE = 1,      /* proven: no placement below the cutoff (infeasible if none) */
  SOLVER__ILP_TIMEOUT = 2,   /* stopped; srv/opt hold a placement if *found */
  SOLVER__ILP_FAILED = 3     /* lp_solve failed; err says why */
} solver__ilp_status;

typedef struct solver__ilp_out {
  solver__ilp_status status;
  int found;            /* 1 if srv/opt hold a placement */
  double objective;     /* lp_solve's objective for it */
  long long nodes;      /* branch-and-bound nodes */
  size_t columns, rows; /* size of the model solved */
} solver__ilp_out;

/* Builds the formulation (rows added sparsely in row mode) and solves it.
 * Returns SIM_OK, or an error code if the model could not be built or
 * written. */
int solver__ilp_solve(const solver__problem *pb, const solver__ilp_args *args, int *srv,
                      int *opt, solver__ilp_out *out, sim_error *err);

/* --- The exact pipeline (exact.c) ----------------------------------------- */
typedef struct solver__exact_out {
  solver_status status;  /* optimal, infeasible, timeout (error: see the return code) */
  solver_proof proof;
  double lower;          /* s, best proven lower bound (+inf when infeasible) */
  double dp;             /* s, storage-free DP value */
  double lagrangian;     /* s, Lagrangian bound on storage over the DP */
  double segment;        /* s, segment relaxation with Lagrangian penalties */
  double packing;        /* s, packing bound (whole layers per server) */
  double budget;         /* s, best bound that sees the budget (NaN without one) */
  long long nodes;       /* lp_solve's branch-and-bound nodes */
  long long search_nodes; /* nodes of the segment branch and bound */
  size_t columns, rows;  /* size of the model lp_solve solved */
  size_t fixed;          /* (layer, server) pairs excluded by bounds */
  char note[400];        /* why a placement carries no proof, or "" */
} solver__exact_out;

/* Solves pb to optimality (within opt->mip_gap) with opt->formulation, or
 * until the deadline; the placement is left in inc. Returns SIM_OK unless
 * memory or lp_solve failed. */
int solver__exact(const solver__problem *pb, const solver_options *opt, double deadline,
                  solver__incumbent *inc, solver__exact_out *out, sim_error *err);

/* --- Baselines (baseline.c) ------------------------------------------------ */

/* Layer-by-layer greedy: each layer takes the cheapest (server, option) given
 * the previous layer's server, among those that leave room (total remaining
 * storage and cap) for the rest at their smallest options. Returns 1 if it
 * placed every layer feasibly. */
int solver__greedy(const solver__problem *pb, int *srv, int *opt);

/* A feasible random placement: layer by layer, a server drawn uniformly among
 * those that keep the rest placeable, with the option of least storage that
 * keeps the budget; up to `attempts` restarts. Returns 1 on success. */
int solver__random(const solver__problem *pb, uint64_t seed, int attempts, int *srv, int *opt);

/* Writes an lp_solve model as free MPS with 17 significant digits (mps.c).
 * Returns SIM_OK, SIM_EIO or SIM_ENOMEM. */
struct _lprec;
int solver__mps_write(struct _lprec *lp, const char *path, sim_error *err);

/* --- Infeasibility diagnosis (diagnose.c) -------------------------------- */

/* Writes the binding resource in words into buf. Returns 1 if a simple
 * counting argument proves infeasibility, 0 if it only describes the likely
 * cause (the caller then needs a solver's proof). */
int solver__diagnose(const solver__problem *pb, char *buf, size_t len);

/* --- The throughput objective (throughput.c) ------------------------------ */

/* Minimizes the bottleneck stage time (then T among the placements that
 * reach it), with T <= opt->latency_cap when the cap is > 0; method dp
 * stops after the chain DP, ilp goes on to an exact branch and bound when
 * the DP's path is not provably optimal. Fills status, proof, lower_bound
 * (on the bottleneck), dp_bound, search_nodes and diagnosis of res; *out gets the
 * placement (NULL when none). Returns SIM_OK unless memory or lp_solve
 * failed. */
int solver__throughput(const solver_instance *in, const solver_options *opt, double deadline,
                       solver_placement **out, solver_result *res, sim_error *err);

/* --- Time ---------------------------------------------------------------- */

/* Monotonic seconds. */
double solver__now(void);

/* 1 if the deadline (<= 0: none) has passed. */
int solver__expired(double deadline);

/* --- Memory for large tables (tables.c) -----------------------------------
 * A block of `bytes` for a table written whole right after allocation,
 * with transparent huge pages requested where the kernel offers them (a
 * speed hint only); from the workspace `ws` when it has a free block large
 * enough (its contents are then whatever an earlier table left). NULL
 * when out of memory. Freed with solver__table_free on the same ws (NULL
 * for none), which keeps a workspace's block for the next table. */
void *solver__table_alloc(solver_workspace *ws, size_t bytes);
void solver__table_free(solver_workspace *ws, void *p);
/* Fills every free block of ws with `byte`: the tests' way of showing
 * that no result depends on what a reused block held. */
void solver__workspace_fill(solver_workspace *ws, unsigned char byte);

#endif
