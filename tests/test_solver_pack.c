/* test_solver_pack.c: the packing bound and the segment search on chains of
 * identical blocks, the case where both were added (fast links, servers
 * that hold a whole number of blocks, a search full of symmetric orders).
 *
 * - A hand-computed packing case (below): the packing bound is exactly the
 *   best compute of whole blocks per server, 9.0 s; the optimum adds two
 *   transfers, 9.002 s; the segment and Lagrangian bounds, which let the
 *   fast server take more than its two blocks, stay strictly below it.
 * - 240 random chains "embed, k identical blocks, head" (k = 2..7, up to 4
 *   servers), with fast, medium and slow links, the paper and roofline
 *   cost models, origins, caps and links missing: the ilp optimum equals
 *   exhaustive search, the uniform baseline equals exhaustive search at
 *   b_max, and the packing bound, the segment bound and the reported lower
 *   bound never exceed the optimum.
 * Tolerances: 1e-9 relative (the default mip_gap) for optima, 1e-12 for the
 * hand-computed values, which are sums of a few exact terms. */
#include <gsl/gsl_rng.h>

#include "tests/solver_fixture.h"
#include "tests/tap.h"

/* The hand case, paper cost model with n = 1 token, β = 1, one width
 * b = pr = 8 bits, so cp = F/CCS, storage = p bytes and every transfer of
 * a = 1 element costs 8/Ω = 1e-3 s at Ω = 8000 bit/s:
 *   layer    params  F    on s0 (CCS 100)  s1 (CCS 50)  s2 (CCS 20)
 *   embed      16    10        0.1             0.2          0.5
 *   block x5   10   100        1.0             2.0          5.0
 *   head        2    50        0.5             1.0          2.5
 *   storage (bytes): s0 25, s1 45, s2 100.
 * s0 holds two blocks (25/10), s1 four. The cheapest whole-block packing
 * is 2 blocks on s0 and 3 on s1 (8.0 s); s1 then has 15 bytes left, too
 * few for the embedding (16), and s0 has 5, so the embedding goes to s2
 * (0.5 s; on s0 or s1 it would displace blocks to dearer servers: the
 * embedding and the five blocks would take 13.1 s (s0 0.1 + 4 blocks on s1
 * 8.0 + 1 on s2 5.0) or 11.2 s (s1 0.2 + 2 on s0 2.0 + 2 on s1 4.0 + 1 on
 * s2 5.0) against 8.5 s, the head not counted) and the head to s0
 * (0.5 s): 9.0 s of compute. s2 alone holds
 * all 68 bytes, so the packing bound counts no transfer: 9.0 s. The
 * segment and Lagrangian bounds let the fast server take more than its
 * two whole blocks, so the packing bound is strictly the tightest of the
 * three here. Three
 * servers are used, so a placement needs at least two transfers; the chain
 * s2 | s1 s1 s1 | s0 s0 s0 has exactly two: T* = 9.002 s. */
static solver_instance *hand_packing(void) {
  const size_t L = 7, M = 3;
  solver_instance *in = instance_shell(L, M, 1);
  in->cost_model = SOLVER_COST_PAPER;
  in->tokens = 1, in->batch = 1, in->prompt = 0, in->context = 1;
  in->precision = 8;
  in->bits[0] = 8;
  for (size_t l = 0; l < L; l++) {
    sim_layer *ly = &in->layers[l];
    const int embed = l == 0, head = l + 1 == L;
    snprintf(ly->name, sizeof ly->name, "%s%zu", embed ? "embed" : head ? "head" : "block", l);
    ly->params = embed ? 16 : head ? 2 : 10;
    ly->flops = embed ? 10 : head ? 50 : 100;
    ly->act_elems = 1;
    in->allowed[l] = 1;
  }
  in->accuracy = SIM_ACC_PER_LAYER;
  in->delta = 1;
  const double ccs[3] = {100, 50, 20}, storage[3] = {25, 45, 100};
  for (size_t i = 0; i < M; i++) {
    snprintf(in->servers[i].name, sizeof in->servers[i].name, "s%zu", i);
    in->servers[i].ccs = ccs[i];
    in->servers[i].storage = storage[i];
    in->servers[i].mem_bandwidth = 1e9;
    for (size_t j = 0; j < M; j++)
      if (i != j) in->bandwidth[i * M + j] = 8000;
  }
  in->origin = -1;
  return in;
}

static void hand(void) {
  solver_instance *in = hand_packing();
  const double exhaustive = brute_force(in, -1, -1, 0, NULL, NULL);
  ok_rel(exhaustive, 9.002, 1e-12, "hand: exhaustive search finds T* = 9.002 s");
  solver_result res = fixture_solve(in, SOLVER_METHOD_ILP, 0, 1);
  ok(res.status == SOLVER_OPTIMAL, "hand: ilp proves optimality (proof %s)",
     solver_proof_name(res.proof));
  ok_rel(res.objective, 9.002, 1e-12, "hand: ilp T = 9.0 s compute + 2 transfers of 1e-3 s");
  ok_rel(res.packing_bound, 9.0, 1e-12, "hand: packing bound = 9.0 s (2 blocks on s0, 3 on s1)");
  /* The margin 1e-9 relative (the mip_gap) keeps a tie from passing. */
  ok(res.packing_bound > fmax(res.segment_bound, res.lagrangian_bound) * (1 + 1e-9),
     "hand: the packing bound %.9g s beats the segment (%.9g s) and Lagrangian (%.9g s) bounds",
     res.packing_bound, res.segment_bound, res.lagrangian_bound);
  ok(res.lower_bound >= 9.0 * (1 - 1e-12), "hand: the reported lower bound %.12g >= 9.0 s",
     res.lower_bound);
  ok(res.placement != NULL && res.placement->server[0] == 2 && res.placement->server[6] == 0,
     "hand: the embedding on s2, the head on s0");
  solver_result_clear(&res);
  solver_instance_free(in);
}

/* A random chain: layer 0 an embedding, layers 1..L-2 copies of one block,
 * layer L-1 a head, over the fixture's servers. Links: 0 fast (transfers
 * next to nothing: packing decides), 1 the fixture's (both matter), 2 slow
 * (transfers decide). */
static solver_instance *chain(gsl_rng *r, int k, fixture_spec *s) {
  memset(s, 0, sizeof *s);
  s->M = 2 + gsl_rng_uniform_int(r, 3);
  s->B = 1 + gsl_rng_uniform_int(r, 2);
  /* Keep the exhaustive search near 2e5 leaves. */
  size_t L = 4 + gsl_rng_uniform_int(r, 6);
  while (L > 4 && pow((double)(s->M * s->B), (double)L) > 2e5) L--;
  s->L = L;
  s->storage_lo = 1.0, s->storage_hi = 2.5;
  s->roofline = k % 4 == 3;
  s->origin = k % 4 == 3;
  s->holes = k % 8 == 7;
  s->cap = k % 6 == 5 ? (int64_t)(2 + gsl_rng_uniform_int(r, 3)) : 0;
  solver_instance *in = fixture_random(r, s);
  const sim_layer block = in->layers[1];
  for (size_t l = 1; l + 1 < L; l++) {
    in->layers[l] = block;
    snprintf(in->layers[l].name, sizeof in->layers[l].name, "block%zu", l);
    for (size_t b = 0; b < s->B; b++) {
      in->allowed[l * s->B + b] = in->allowed[1 * s->B + b];
      in->error[l * s->B + b] = in->error[1 * s->B + b];
    }
  }
  /* The fixture sized storage for the original layers; size it again for
   * the chain, in [lo, hi] fair shares of the model at its smallest widths. */
  double need = 0;
  for (size_t l = 0; l < L; l++)
    for (size_t b = 0; b < s->B; b++)
      if (in->allowed[l * s->B + b]) {
        need += solver_cost_storage(in, l, b);
        break;
      }
  for (size_t i = 0; i < s->M; i++)
    in->servers[i].storage = fx_uniform(r, s->storage_lo, s->storage_hi) * need / (double)s->M;
  const double scale = k % 3 == 0 ? 1e6 : k % 3 == 1 ? 1.0 : 1e-2;
  for (size_t q = 0; q < s->M * s->M; q++) in->bandwidth[q] *= scale;
  return in;
}

static void chains(gsl_rng *r) {
  int feasible = 0, binding = 0, by_links[3] = {0}, search_proofs = 0;
  for (int k = 0; k < 240; k++) {
    fixture_spec s;
    solver_instance *in = chain(r, k, &s);
    const char *links = k % 3 == 0 ? "fast" : k % 3 == 1 ? "medium" : "slow";
    const double want = brute_force(in, -1, -1, 0, NULL, NULL);
    const double free_opt = brute_force(in, -1, -1, 1, NULL, NULL);
    const double uniform = brute_force(in, -1, (int)s.B - 1, 0, NULL, NULL);
    solver_result res = fixture_solve(in, SOLVER_METHOD_ILP, 0, 1);
    if (!isfinite(want)) {
      ok_int(res.status, SOLVER_INFEASIBLE, "chain %d (%s links, L=%zu M=%zu): infeasible", k,
             links, s.L, s.M);
    } else {
      feasible++;
      if (want > free_opt * (1 + 1e-12)) binding++, by_links[k % 3]++;
      search_proofs += res.proof == SOLVER_PROOF_SEARCH;
      ok(res.status == SOLVER_OPTIMAL && fabs(res.objective - want) <= 1e-9 * want,
         "chain %d (%s links, L=%zu M=%zu B=%zu%s): ilp %.12g equals brute force %.12g", k, links,
         s.L, s.M, s.B, s.cap ? ", capped" : "", res.objective, want);
      ok(res.packing_bound <= want * (1 + 1e-9) && res.segment_bound <= want * (1 + 1e-9) &&
             res.lower_bound <= want * (1 + 1e-9),
         "chain %d: packing %.12g, segment %.12g and lower %.12g bounds <= optimum %.12g", k,
         res.packing_bound, res.segment_bound, res.lower_bound, want);
    }
    solver_result_clear(&res);
    res = fixture_solve(in, SOLVER_METHOD_UNIFORM, 0, 1);
    if (isfinite(uniform))
      ok(res.status == SOLVER_FEASIBLE && fabs(res.objective - uniform) <= 1e-9 * uniform,
         "chain %d: uniform %.12g equals brute force at b_max %.12g (%s)", k, res.objective,
         uniform, solver_status_name(res.status));
    else
      ok_int(res.status, SOLVER_INFEASIBLE, "chain %d: uniform infeasible like brute force", k);
    solver_result_clear(&res);
    solver_instance_free(in);
  }
  diag("%d feasible chains, %d where storage or the cap binds (fast %d, medium %d, slow %d), "
       "%d proven by the search", feasible, binding, by_links[0], by_links[1], by_links[2],
       search_proofs);
  ok(binding >= 100 && by_links[0] >= 25 && by_links[1] >= 25 && by_links[2] >= 25,
     "storage binds on at least 100 chains, 25 of each link speed (%d: %d, %d, %d)", binding,
     by_links[0], by_links[1], by_links[2]);
  ok(search_proofs >= 50, "the segment search gave the proof on at least 50 chains (%d)",
     search_proofs);
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 424242);
  hand();
  chains(r);
  gsl_rng_free(r);
  return tap_done();
}
