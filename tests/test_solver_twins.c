/* test_solver_twins.c: the budget search's rule for interchangeable layers
 * (solver/bsearch.c) against exhaustive search, on 300 tiny random
 * instances whose middle layers are copies of one another, as a model's
 * decoder blocks are (4-6 layers, layers 1..L-2 the same layer, 2 or 3
 * servers, 3 or 4 widths, a budget of 0.25-0.85 of what the cheapest
 * widths spend, loose, binding and tight storage, caps, roofline with an
 * origin).
 *
 * The rule: inside a segment, the widths of consecutive interchangeable
 * layers never fall, except at the segment's last layer, whose width also
 * sets the transfer out. It is sound because sorting those widths keeps
 * every server's storage and layer count, the error spent, the compute
 * cost and every transfer; the search must still find the optimum.
 *
 * Checked:
 *   - solver__layer_twin flags exactly the copies (layer t against t - 1
 *     for 2 <= t <= L - 2) and not layer 1 against 0 or L - 1 against
 *     L - 2 (those are drawn at random);
 *   - the budget search alone (first budget tables only, no incumbent to
 *     start from, gap 0) finishes and finds the brute force's optimum to
 *     1e-9 relative, or none when there is none;
 *   - the whole exact solve is `optimal` at that optimum, with a proof.
 * The brute force's optimum has two copies of different widths inside a
 * segment, before its last layer, on 85 of the 257 feasible instances:
 * there the rule cuts one of two optimal orders and the search must find
 * the other. A planted bug that also keeps the segment's last layer in
 * order (the widths tested when layer t joins the segment rather than when
 * layer t + 1 does) fails 31 checks. The table of visited states must tell
 * apart nodes whose next layer may and may not stay (bsearch.c); dropping
 * that from its key fails none here, the instances being too small for
 * such merges, so that part rests on the argument in bsearch.c. */
#include <gsl/gsl_rng.h>
#include <limits.h>
#include <math.h>

#include "solver/internal.h"
#include "tests/budget_fixture.h"
#include "tests/solver_fixture.h"
#include "tests/tap.h"

#define INSTANCES 300

/* Instance k: budget_shape's mix with 4-6 layers and 2-3 servers, layers
 * 2..L-2 made copies of layer 1, storage redrawn for the new sizes, and a
 * budget of 0.25-0.85 of what the cheapest widths spend. */
static solver_instance *twin_instance(gsl_rng *r, int k) {
  fixture_spec s = budget_shape(r, k);
  s.L = 4 + gsl_rng_uniform_int(r, 3);
  s.M = 2 + gsl_rng_uniform_int(r, 2);
  solver_instance *in = fixture_random(r, &s);
  const size_t L = in->n_layers, B = in->n_bits, M = in->n_servers;
  const size_t first = gsl_rng_uniform_int(r, B - 1);
  for (size_t b = 0; b < B; b++) in->allowed[1 * B + b] = b >= first;
  for (size_t l = 2; l + 1 < L; l++) {
    sim_layer *ly = &in->layers[l];
    const sim_layer *one = &in->layers[1];
    ly->params = one->params, ly->flops = one->flops;
    ly->act_elems = one->act_elems, ly->kv_elems = one->kv_elems;
    for (size_t b = 0; b < B; b++) {
      in->error[l * B + b] = in->error[1 * B + b];
      in->allowed[l * B + b] = in->allowed[1 * B + b];
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

/* 1 when the placement has, inside one segment and before its last layer,
 * two consecutive copies of different widths: of the two orders of those
 * widths, the rule keeps one. */
static int mixed_widths(size_t L, const int *srv, const int *bits) {
  /* Layers t - 2 >= 1 and t - 1 <= L - 2 are copies; t on their server
   * means t - 1 is not the segment's last. */
  for (size_t t = 3; t < L; t++)
    if (srv[t - 2] == srv[t - 1] && srv[t - 1] == srv[t] &&
        bits[t - 2] != bits[t - 1])
      return 1;
  return 0;
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20261206);
  int feasible = 0, mixed = 0;
  for (int k = 0; k < INSTANCES; k++) {
    solver_instance *in = twin_instance(r, k);
    const size_t L = in->n_layers;
    int bsrv[8], bbits[8];
    const double want = brute_force(in, -1, -1, 0, bsrv, bbits);
    if (isfinite(want)) {
      feasible++;
      mixed += mixed_widths(L, bsrv, bbits);
    }
    solver__problem *pb = budget_problem(in);
    if (pb == NULL) abort();
    int twins_ok = !solver__layer_twin(pb, 1) && !solver__layer_twin(pb, L - 1) &&
                   !solver__layer_twin(pb, 0) && !solver__layer_twin(pb, L);
    for (size_t t = 2; t + 1 < L; t++) twins_ok = twins_ok && solver__layer_twin(pb, t);
    ok(twins_ok, "instance %d (L=%zu): the copies and only they are flagged interchangeable", k, L);

    solver__btab *bt = solver__btab_alloc(pb, NULL);
    solver__incumbent inc;
    if (bt == NULL || solver__incumbent_init(&inc, L)) abort();
    long long nodes = 0;
    const int done = solver__bsearch(pb, bt, NULL, NULL, NULL, NULL, NULL, NULL, 0.0, &inc, 0.0,
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
  diag("%d feasible instances; the brute force's optimum mixes widths inside a segment on %d",
       feasible, mixed);
  /* Under this seed: see the diag line. The floors fail if the instances
   * stop exercising the rule. */
  ok(feasible >= 150, "most instances are feasible (%d)", feasible);
  ok(mixed >= 15, "the rule cuts an optimal order on at least 15 instances (%d)", mixed);
  gsl_rng_free(r);
  return tap_done();
}
