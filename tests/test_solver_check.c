/* test_solver_check.c: the independent checker and the hand-computed
 * example of tests/solver_hand.h.
 *
 * The checker must accept the optimal placement with T = 8.5 s and reject
 * planted violations one at a time (storage, disallowed bits, a missing
 * layer, a short placement, the layer cap, a missing route, the budget),
 * naming each in its message. Every method must then reproduce the hand
 * computation: the ILP in both formulations (plain and accelerated) finds
 *   T* = cp(l0 on s0 at 4 bits) 2·100/100·4/8 = 1.0
 *      + transfer s0 -> s1 after l0 at 4 bits 2·4·10·4/80 = 4.0
 *      + cp(l1 on s1 at 8 bits) 2·200/200·8/8 = 2.0
 *      + cp(l2 on s1 at 4 bits) 2·300/200·4/8 = 1.5            = 8.5 s,
 * the DP bound is 0.5 + 2.0 + 1.5 = 4.0 s (all on s1, ignoring that 32 bytes
 * exceed its 30), and the segment bound is 8.5 s (no segmentation that fits
 * costs less; the list of all five is in tests/solver_hand.h). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "tests/solver_fixture.h"
#include "tests/solver_hand.h"
#include "tests/tap.h"
#include "solver/solver.h"

static solver_placement *placement(int s0, int b0, int s1, int b1, int s2, int b2) {
  solver_placement *p = solver_placement_alloc(3);
  p->server[0] = s0, p->bits[0] = b0;
  p->server[1] = s1, p->bits[1] = b1;
  p->server[2] = s2, p->bits[2] = b2;
  return p;
}

/* Checks p and expects a violation whose message contains `what`. */
static void expect_violation(const solver_instance *in, const solver_placement *p, const char *what,
                             const char *name) {
  sim_error err;
  sim_error_clear(&err);
  double t;
  const int rc = solver_check(in, p, &t, &err);
  ok(rc == SIM_EINFEASIBLE && strstr(err.msg, what) != NULL, "checker rejects %s ('%s' in: %s)",
     name, what, err.msg);
}

static void checker(void) {
  solver_instance *in = hand_instance(0);
  /* Bit indices: 0 is 4 bits, 1 is 8 bits. */
  solver_placement *best = placement(0, 0, 1, 1, 1, 0);
  sim_error err;
  sim_error_clear(&err);
  double t = 0, cp = 0, cm = 0;
  ok_int(solver_check(in, best, &t, &err), SIM_OK, "checker accepts the optimum");
  ok_rel(t, 8.5, 1e-15, "checker: T = 1.0 + 4 + 2.0 + 1.5 = 8.5 s");
  ok_rel(solver_objective(in, best, &cp, &cm), 8.5, 1e-15, "solver_objective agrees");
  ok_rel(cp, 4.5, 1e-15, "compute 1.0 + 2.0 + 1.5 = 4.5 s");
  ok_rel(cm, 4.0, 1e-15, "communication 2·4·10·4/80 = 4 s");
  ok_rel(solver_quant_ratio(in, best), 100.0 * 256.0 / 384.0, 1e-15, "quantization ratio 256/384");

  solver_placement *p = placement(1, 0, 1, 1, 1, 0);
  expect_violation(in, p, "server s1 stores 32", "storage (all on s1: 32 > 30 bytes)");
  solver_placement_free(p);
  p = placement(0, 0, 1, 0, 1, 0);
  expect_violation(in, p, "not allowed", "disallowed bits (layer 1 at 4 bits)");
  solver_placement_free(p);
  p = placement(0, 0, 1, 1, -1, 0);
  expect_violation(in, p, "layer 2 (l2) is not placed", "a missing layer (server -1)");
  solver_placement_free(p);
  p = placement(0, 0, 1, 1, 1, 7);
  expect_violation(in, p, "no valid bit width", "a bit index out of range");
  solver_placement_free(p);
  p = solver_placement_alloc(2);
  expect_violation(in, p, "has 2 layers", "a placement shorter than the model");
  solver_placement_free(p);

  in->max_layers = 1;
  expect_violation(in, best, "above the cap", "the layer cap (s1 hosts 2 > 1)");
  in->max_layers = 0;
  in->bandwidth[0 * 2 + 1] = 0;
  expect_violation(in, best, "no route from s0 to s1", "a missing route");
  in->bandwidth[0 * 2 + 1] = 80;
  in->accuracy = SIM_ACC_BUDGET;
  in->budget = 0.6;
  expect_violation(in, best, "exceeds the budget", "the budget (0.5 + 0.25 > 0.6)");
  in->accuracy = SIM_ACC_PER_LAYER;
  in->origin = 1;
  in->bandwidth[0 * 2 + 1] = 0;
  p = placement(1, 0, 1, 1, 0, 0);
  expect_violation(in, p, "back to the origin", "a missing route back to the origin");
  solver_placement_free(p);
  solver_placement_free(best);
  solver_instance_free(in);
}

static void hand_solve(void) {
  solver_instance *in = hand_instance(0);
  for (int v = 0; v < 4; v++) {
    const solver_options o =
        fixture_options(SOLVER_METHOD_ILP, v & 1 ? SOLVER_FORM_PAPER : SOLVER_FORM_FLOW, v < 2, 1);
    solver_result res;
    const int rc = fixture_solve_with(in, &o, &res);
    const char *tag = o.plain ? "plain" : "accelerated";
    const char *form = solver_formulation_name(o.formulation);
    ok(rc == SIM_OK && res.status == SOLVER_OPTIMAL, "hand: %s %s solves to optimality", form, tag);
    ok_rel(res.objective, 8.5, 1e-12, "hand: %s %s T* = 8.5 s", form, tag);
    ok_rel(res.compute, 4.5, 1e-12, "hand: %s %s compute 4.5 s", form, tag);
    ok_rel(res.comm, 4.0, 1e-12, "hand: %s %s communication 4.0 s", form, tag);
    ok(res.placement && res.placement->server[0] == 0 && res.placement->server[1] == 1 &&
           res.placement->server[2] == 1 && res.placement->bits[0] == 0 &&
           res.placement->bits[1] == 1 && res.placement->bits[2] == 0,
       "hand: %s %s places (s0@4, s1@8, s1@4)", form, tag);
    ok_rel(res.dp_bound, 4.0, 1e-12, "hand: %s %s DP bound 0.5 + 2.0 + 1.5 = 4.0 s", form, tag);
    ok_rel(res.segment_bound, 8.5, 1e-12, "hand: %s %s segment bound 8.5 s", form, tag);
    ok_int((long long)res.presolve_removed, 2, "hand: %s %s presolve drops l0@8 and l2@8", form, tag);
    solver_result_clear(&res);
  }
  /* The DP's optimum (all on s1) breaks storage: no placement, a diagnosis. */
  solver_result res = fixture_solve(in, SOLVER_METHOD_DP, 0, 1);
  ok(res.status == SOLVER_INFEASIBLE && res.placement == NULL && strstr(res.diagnosis, "lower bound"),
     "hand: the DP reports its path breaks a limit: %s", res.diagnosis);
  solver_result_clear(&res);
  solver_instance_free(in);
}

/* The instance JSON must carry everything the costs come from: rebuild T of
 * the optimal placement (s0@4, s1@8, s1@4) from the file alone with the
 * paper model's formulas, and check what it needs is there. */
static void export_json(void) {
  solver_instance *in = hand_instance(0);
  FILE *f = tmpfile();
  sim_error err;
  sim_error_clear(&err);
  ok_int(solver_instance_write_json(in, f, &err), SIM_OK, "instance JSON written");
  rewind(f);
  json_error_t jerr;
  json_t *root = json_loadf(f, 0, &jerr);
  fclose(f);
  ok(root != NULL, "instance JSON parses (%s)", root ? "ok" : jerr.text);
  if (root == NULL) {
    solver_instance_free(in);
    return;
  }
  const double n = (double)json_integer_value(json_object_get(root, "tokens"));
  const double beta = (double)json_integer_value(json_object_get(root, "batch"));
  const double pr = (double)json_integer_value(json_object_get(root, "precision"));
  json_t *layers = json_object_get(root, "layers"), *servers = json_object_get(root, "servers");
  json_t *bw = json_object_get(root, "bandwidth");
  const int srv[3] = {0, 1, 1};
  const double bits[3] = {4, 8, 4};
  double t = 0;
  for (size_t l = 0; l < 3; l++) {
    json_t *ly = json_array_get(layers, l);
    const double F = json_number_value(json_object_get(ly, "flops"));
    const double a = json_number_value(json_object_get(ly, "act_elems"));
    const double ccs = json_number_value(json_object_get(json_array_get(servers, (size_t)srv[l]), "ccs"));
    t += n * F / ccs * bits[l] / pr;
    if (l + 1 < 3 && srv[l + 1] != srv[l])
      t += n * beta * a * bits[l] /
           json_number_value(json_array_get(json_array_get(bw, (size_t)srv[l]), (size_t)srv[l + 1]));
  }
  ok_rel(t, 8.5, 1e-15, "T rebuilt from the instance JSON alone is 8.5 s");
  json_t *allowed1 = json_object_get(json_array_get(layers, 1), "allowed_bits");
  ok(json_array_size(allowed1) == 1 && json_integer_value(json_array_get(allowed1, 0)) == 8,
     "the JSON lists layer 1's only allowed width, 8 bits");
  ok(json_is_string(json_object_get(root, "cost_model")) &&
         strcmp(json_string_value(json_object_get(root, "cost_model")), "paper") == 0,
     "the JSON names the cost model");
  ok_rel(json_number_value(json_object_get(json_array_get(servers, 1), "storage")), 30, 0,
         "the JSON has each server's storage");
  json_decref(root);
  solver_instance_free(in);
}

int main(void) {
  checker();
  hand_solve();
  export_json();
  return tap_done();
}
