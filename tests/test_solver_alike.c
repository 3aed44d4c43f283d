/* test_solver_alike.c: the budget search's rule for interchangeable layers
 * (solver/bsearch.c) against exhaustive search, on 300 tiny random
 * instances whose middle layers repeat, as a model's decoder blocks do
 * (4-6 layers; layers 1..L-2 copies of layer 1, or on half of the
 * instances with 5 or more layers copies of layers 1 and 2 in turn; 2 or 3
 * servers, 3 or 4 widths, a budget of 0.25-0.85 of what the cheapest
 * widths spend, loose, binding and tight storage, caps, roofline with an
 * origin).
 *
 * The rule: inside a segment, when a layer becomes interior (the next
 * layer joins the segment), its width must not rank below that of the
 * nearest earlier layer alike to it in the same segment. It is sound
 * because sorting the widths of a class's interior layers inside a segment
 * keeps every server's storage and layer count, the error spent, the
 * compute cost and every transfer; the search must still find the optimum.
 *
 * Checked:
 *   - solver__alike_before finds for layer t its copy t - p (p the period)
 *     and nothing for layers 0..p and L - 1, which are drawn at random;
 *   - the budget search alone (first budget tables only, no incumbent to
 *     start from, gap 0) finishes and finds the brute force's optimum to
 *     1e-9 relative, or none when there is none;
 *   - the whole exact solve is `optimal` at that optimum, with a proof.
 * The brute force's optimum has two alike layers of different widths
 * inside a segment, neither its last layer, on 62 of the 264 feasible
 * instances (9 with period 2): there the rule cuts one of two optimal
 * orders and the search must find the other. Planted bugs: keeping the
 * segment's last layer in order too (the widths compared when layer t
 * joins the segment rather than when layer t + 1 does) fails 18 checks;
 * comparing with the layer two before instead of the alike one fails 3.
 * The table of visited states must tell apart nodes the rule treats
 * differently (bsearch.c); dropping the earlier layers' ranks from its key
 * fails none here (at this size no two such nodes meet in the table), so
 * that part rests on the argument in bsearch.c. */
#include <gsl/gsl_rng.h>
#include <limits.h>
#include <math.h>

#include "solver/internal_budget.h"
#include "tests/budget_fixture.h"
#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 300

/* Instance k: budget_shape's mix with 4-6 layers and 2-3 servers, layers
 * 1..L-2 repeating with *period 1 (all copies of layer 1) or, on odd k
 * with 5 or more layers, 2 (copies of layers 1 and 2 in turn), storage
 * redrawn for the new sizes, and a budget of 0.25-0.85 of what the
 * cheapest widths spend. */
static solver_instance *alike_instance(gsl_rng *r, int k, size_t *period) {
  fixture_spec s = budget_shape(r, k);
  s.L = 4 + gsl_rng_uniform_int(r, 3);
  s.M = 2 + gsl_rng_uniform_int(r, 2);
  solver_instance *in = fixture_random(r, &s);
  const size_t L = in->n_layers, B = in->n_bits, M = in->n_servers;
  const size_t p = k % 2 == 1 && L >= 5 ? 2 : 1;
  *period = p;
  for (size_t l = 1; l <= p; l++) {
    const size_t first = gsl_rng_uniform_int(r, B - 1);
    for (size_t b = 0; b < B; b++) in->allowed[l * B + b] = b >= first;
  }
  for (size_t l = 1 + p; l + 1 < L; l++) {
    sim_layer *ly = &in->layers[l];
    const sim_layer *src = &in->layers[l - p];
    ly->params = src->params, ly->flops = src->flops;
    ly->act_elems = src->act_elems, ly->kv_elems = src->kv_elems;
    for (size_t b = 0; b < B; b++) {
      in->error[l * B + b] = in->error[(l - p) * B + b];
      in->allowed[l * B + b] = in->allowed[(l - p) * B + b];
    }
  }
  /* The fixture sized storage for its own layers; resize it for these. */
  double need = 0;
  for (size_t l = 0; l < L; l++) {
    size_t b = 0;
    while (b + 1 < B && !in->allowed[l * B + b]) b++;
    need += solver_cost_storage(in, l, b);
  }
  for (size_t i = 0; i < M; i++)
    if (!in->servers[i].is_cloud)
      in->servers[i].storage = fx_uniform(r, s.storage_lo, s.storage_hi) * need / (double)M;
  budget_set(in, fx_uniform(r, 0.25, 0.85));
  return in;
}

/* 1 when the placement has two copies v - p and v (p the period) of
 * different widths inside one segment, neither its last layer: of the two
 * orders of those widths, the rule keeps one. */
static int mixed_widths(size_t L, size_t p, const int *srv, const int *bits) {
  for (size_t v = 1 + p; v + 1 < L; v++) {
    int one_segment = 1;
    for (size_t l = v - p; l <= v; l++) one_segment = one_segment && srv[l + 1] == srv[l];
    if (one_segment && bits[v - p] != bits[v]) return 1;
  }
  return 0;
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261206);
  int feasible = 0, mixed = 0, mixed2 = 0;
  for (int k = 0; k < INSTANCES; k++) {
    size_t p = 1;
    solver_instance *in = alike_instance(r, k, &p);
    const size_t L = in->n_layers;
    int bsrv[8], bbits[8];
    const double want = brute_force(in, -1, -1, 0, bsrv, bbits);
    if (isfinite(want)) {
      feasible++;
      mixed += mixed_widths(L, p, bsrv, bbits);
      mixed2 += p == 2 && mixed_widths(L, p, bsrv, bbits);
    }
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    /* Layer t's nearest alike layer is t - p among the copies, none
     * elsewhere (layers 0, 1..p and L - 1 are drawn at random). */
    int alike_ok = 1;
    for (size_t t = 0; t < L; t++)
      alike_ok = alike_ok && solver__alike_before(pb, t) == (t > p && t + 1 < L ? (long)(t - p) : -1);
    ok(alike_ok, "instance %d (L=%zu, period %zu): the copies and only they are found alike", k, L, p);

    solver__btab *bt = solver__btab_alloc(pb, NULL);
    solver__incumbent inc;
    if (bt == NULL || solver__incumbent_init(&inc, L)) abort();
    long long nodes = 0;
    const int done = solver__bsearch(pb, bt, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.0, &inc, 0.0,
                                     LLONG_MAX, INFINITY, &nodes, NULL);
    if (isfinite(want))
      ok(done == 1 && fabs(inc.value - want) <= 1e-9 * want,
         "instance %d (L=%zu): the search alone finds %.12g, brute force %.12g (%lld nodes)", k, L,
         inc.value, want, nodes);
    else
      ok(done == 1 && !isfinite(inc.value), "instance %d: the search alone finds no placement", k);
    solver__incumbent_clear(&inc);
    solver__btab_free(bt);
    solver__problem_free(pb);

    const solver_options o = fixture_options(SOLVER_METHOD_ILP, SOLVER_FORM_FLOW, 0, 1);
    solver_result res;
    if (fixture_solve_with(in, &o, &res) != SIM_OK) ok(0, "instance %d: exact solve failed", k);
    else if (isfinite(want))
      ok(res.status == SOLVER_OPTIMAL && res.proof != SOLVER_PROOF_NONE &&
             fabs(res.objective - want) <= 1e-9 * want,
         "instance %d: exact solve optimal %.12g (with a proof), brute force %.12g", k,
         res.objective, want);
    else
      ok_int(res.status, SOLVER_INFEASIBLE, "instance %d: exact solve says infeasible", k);
    solver_result_clear(&res);
    solver_instance_free(in);
  }
  diag("%d feasible instances; the brute force's optimum mixes widths inside a segment on %d, "
       "%d of them with period 2", feasible, mixed, mixed2);
  /* Under this seed: see the diag line. The floors fail if the instances
   * stop exercising the rule. */
  ok(feasible >= 150, "most instances are feasible (%d)", feasible);
  ok(mixed >= 15, "the rule cuts an optimal order on at least 15 instances (%d)", mixed);
  ok(mixed2 >= 5, "... at least 5 of them with period 2 (%d)", mixed2);
  gsl_rng_free(r);
  return tap_done();
}
