/* test_serve_dynamic.c: dynamic runs. The Gilbert-Elliott channel's
 * long-run bad fraction against p/(p + r); constant conditions against the
 * static simulator and against every policy; a hand-built network whose
 * best link drops at t = 10 s (oracle and threshold move to the placement an
 * independent solve of the degraded network finds, and the move takes the
 * shipped bytes over the route's bandwidth plus its latency); a server that
 * leaves; and a controller that cannot see a trace's future. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "sim/core/core.h"
#include "tests/serve_fixture.h"
#include "tests/tap.h"

static void test_gilbert_fraction(void) {
  sim_dyn_params p;
  memset(&p, 0, sizeof p);
  p.links = SIM_DYN_LINKS_GILBERT;
  p.to_bad = 0.2;
  p.to_good = 0.8;
  p.bad_factor = 0.1;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 11);
  sim_dyn_link k;
  sim_dyn_link_init(&k, &p, r);
  const double H = 2e5;
  double t = 0, bad = 0, f;
  long transitions = 0;
  int in_range = 1;
  while (t < H) {
    const int was_bad = k.bad;
    double next = sim_dyn_link_next(&k, t, &f);
    if (next > H) next = H;
    if (was_bad) bad += next - t;
    in_range &= f == 1.0 || f == 0.1;
    t = next;
    transitions++;
  }
  const double pi_b = 0.2 / (0.2 + 0.8), pi_g = 1 - pi_b;
  /* Over N = transitions/2 good-bad cycles with exponential sojourns, the
   * delta method gives sd(bad fraction) = sqrt(2) pi_g pi_b / sqrt(N)
   * (about 0.0013 here); 5 sd is the tolerance. */
  const double N = (double)transitions / 2, sd = sqrt(2.0) * pi_g * pi_b / sqrt(N);
  diag("%ld transitions, bad fraction %.5f, sd %.5f", transitions, bad / H, sd);
  ok(fabs(bad / H - pi_b) < 5 * sd, "gilbert: bad fraction %.5f = p/(p+r) = %.2f within 5 sd (%.5f)",
     bad / H, pi_b, 5 * sd);
  /* The mean sojourns are 1/0.2 + 1/0.8 = 6.25 s per cycle: 2H/6.25
   * transitions, Poisson-like within a few percent at 64,000. */
  ok_rel((double)transitions, 2 * H / 6.25, 0.03, "gilbert: transitions at the rate of the chain");
  ok(in_range, "gilbert: factors are 1 or bad_factor");

  p.links = SIM_DYN_LINKS_WALK;
  p.walk_sigma = 0.5;
  p.walk_step = 1;
  sim_dyn_link_init(&k, &p, r);
  int bounded = 1, moved = 0;
  t = 0;
  for (int s = 0; s < 10000; s++) {
    t = sim_dyn_link_next(&k, t, &f);
    bounded &= f >= 0.1 * (1 - 1e-12) && f <= 1.0;
    moved |= f < 0.99;
  }
  ok(bounded && moved && t == 10000, "walk: 10,000 unit steps, factor in [bad_factor, 1] and moving");
  gsl_rng_free(r);
}

/* Three servers; each holds one layer (8000 B each, layers of 4000 and
 * 8000 B at 32 bits), so the model is split. Paper cost model, one token
 * per request, batch 1, 32-bit weights only. Per request (s):
 *   a (2e9 FLOP) on s_i: 2e9/c_i, b (1e9 FLOP) on s_j: 1e9/c_j,
 *   c = [2e9, 4e9, 1.9e9] FLOP/s, transfer 100 x 32 bit / 1e6 + 0.01.
 *   (1,0): 0.5 + 0.5 = 1.0 (best)   (1,2): 0.5 + 0.526 = 1.026 (second)
 *   (0,1): 1.25  (0,2): 1.526  (2,0): 1.553  (2,1): 1.303
 * When link 1->0 drops to 1e3 bit/s, (1,0) costs 1.0 + 3.2 s and (1,2)
 * wins: only b moves, s0 -> s2, 8000 B = 64,000 bit over 1e6 bit/s: the
 * move takes 0.064 s + 0.01 s latency = 0.074 s on an idle link. */
static const char *const THREE =
    "model:\n  name: tiny\n  layers:\n"
    "    - {name: a, params: 1000, flops: 2.0e9, act_elems: 100, kv_elems: 0}\n"
    "    - {name: b, params: 2000, flops: 1.0e9, act_elems: 100, kv_elems: 0}\n"
    "servers: {count: 3, ccs: [2.0e9, 4.0e9, 1.9e9], storage: 8000}\n"
    "links: {omega_min: 1.0e6, omega_ratio: 1, latency: 0.01}\n"
    "workload: {tokens: 1, batch: 1, prompt: 0}\n"
    "quantization: {b_min: 32, b_max: 32}\n"
    "solver: {method: ilp}\n"
    "simulation: {load: true, requests: 40, rate: 1.0}\n";

typedef struct dyn_case {
  fixture f;
  sim_serve_config cfg;
  sim_dyn_params dyn;
  solver_options opt;
  solver_placement *best; /* the solver's placement of the nominal network */
} dyn_case;

static int case_build(dyn_case *c, const char *yaml) {
  memset(c, 0, sizeof *c);
  if (fixture_build(&c->f, yaml, 0) != 0) return -1;
  sim_serve_config_from_params(&c->cfg, &c->f.sc->sim, c->f.sc->seed, 0);
  c->dyn = c->f.sc->sim.dyn;
  solver_options_from_config(&c->opt, &c->f.sc->solver, c->f.sc->solver.method, 1);
  solver_result r;
  solver_result_init(&r);
  sim_error e;
  sim_error_clear(&e);
  if (solver_solve(c->f.in, &c->opt, &r, &e) != SIM_OK || r.placement == NULL) {
    diag("solve failed: %s", e.msg);
    solver_result_clear(&r);
    return -1;
  }
  c->best = solver_placement_alloc(c->f.in->n_layers);
  solver_placement_copy(c->best, r.placement);
  solver_result_clear(&r);
  return 0;
}

static void case_free(dyn_case *c) {
  solver_placement_free(c->best);
  fixture_free(&c->f);
}

static int run_policy(dyn_case *c, sim_policy pol, sim_dyn_result *r) {
  c->dyn.policy = pol;
  sim_error e;
  sim_error_clear(&e);
  int rc = sim_dyn_run(c->f.in, c->best, &c->cfg, &c->dyn, &c->opt, r, &e);
  if (rc != SIM_OK) diag("dynamic run failed: %s", e.msg);
  return rc;
}

static void test_constant(void) {
  dyn_case c;
  if (case_build(&c, THREE) != 0) {
    ok(0, "constant: fixture");
    return;
  }
  ok(c.best->server[0] == 1 && c.best->server[1] == 0, "hand case: the optimum is (s1, s0)");
  c.dyn.enabled = 1;
  c.dyn.period = 3;
  c.dyn.threshold = 1;
  sim_serve_result plain;
  sim_error e;
  sim_error_clear(&e);
  ok(sim_serve_load(c.f.in, c.best, &c.cfg, &plain, &e) == SIM_OK, "constant: static simulator runs");
  sim_dyn_result r[4];
  for (int pol = 0; pol < 4; pol++) {
    if (run_policy(&c, (sim_policy)pol, &r[pol]) != SIM_OK) {
      ok(0, "constant: policy %s runs", sim_policy_names[pol]);
      continue;
    }
    const int same = r[pol].latency.mean == plain.latency.mean &&
                     r[pol].latency.p95 == plain.latency.p95 && r[pol].latency.max == plain.latency.max &&
                     r[pol].completed == plain.completed && r[pol].unserved == 0 &&
                     r[pol].migrations == 0 && r[pol].bytes_moved == 0;
    ok(same, "constant conditions, %s: latencies bit-identical to the static simulator, no move "
       "(mean %.17g vs %.17g, %lld migrations)", sim_policy_names[pol], r[pol].latency.mean,
       plain.latency.mean, (long long)r[pol].migrations);
  }
  ok(r[SIM_POLICY_PERIODIC].solves > 0, "constant: periodic did solve (%lld times)",
     (long long)r[SIM_POLICY_PERIODIC].solves);
  for (int pol = 0; pol < 4; pol++) sim_dyn_result_clear(&r[pol]);
  sim_serve_result_clear(&plain);
  case_free(&c);
}

/* The trace of the hand case: link 1->0 drops to 1e3 bit/s at t = 10. */
static sim_dyn_change drop[] = {{10.0, 1, 0, 1e3}};
/* The same past, another future: at 15 s link 0->2 also drops. */
static sim_dyn_change drop_then_more[] = {{10.0, 1, 0, 1e3}, {15.0, 0, 2, 1e3}};

/* The placement an independent solve finds on the degraded network: the
 * instance with bandwidth(1->0) = 1e3, solved from scratch. */
static solver_placement *solve_degraded(dyn_case *c) {
  solver_instance deg = *c->f.in;
  const size_t M = deg.n_servers;
  double *bw = malloc(M * M * sizeof *bw);
  memcpy(bw, c->f.in->bandwidth, M * M * sizeof *bw);
  bw[1 * M + 0] = 1e3;
  deg.bandwidth = bw;
  solver_result r;
  solver_result_init(&r);
  sim_error e;
  sim_error_clear(&e);
  solver_placement *p = NULL;
  if (solver_solve(&deg, &c->opt, &r, &e) == SIM_OK && r.placement != NULL) {
    p = solver_placement_alloc(deg.n_layers);
    solver_placement_copy(p, r.placement);
  }
  solver_result_clear(&r);
  free(bw);
  return p;
}

static void test_link_drop(void) {
  dyn_case c;
  if (case_build(&c, THREE) != 0) {
    ok(0, "link drop: fixture");
    return;
  }
  c.dyn.enabled = 1;
  c.dyn.links = SIM_DYN_LINKS_TRACE;
  c.dyn.changes = drop;
  c.dyn.n_changes = 1;
  c.dyn.threshold = 20;
  c.dyn.phase_at = 10;
  solver_placement *deg = solve_degraded(&c);
  ok(deg != NULL && deg->server[0] == 1 && deg->server[1] == 2,
     "degraded network: the independent solve gives (s1, s2)");
  sim_dyn_result st, orc, thr;
  if (run_policy(&c, SIM_POLICY_STATIC, &st) || run_policy(&c, SIM_POLICY_ORACLE, &orc) ||
      run_policy(&c, SIM_POLICY_THRESHOLD, &thr) || deg == NULL) {
    ok(0, "link drop: runs");
    case_free(&c);
    return;
  }
  ok(st.migrations == 0 && st.phase[1].mean > st.phase[0].mean + 3.0,
     "static keeps the placement and pays the 3.2 s transfer after 10 s (phase means %.3f, %.3f)",
     st.phase[0].mean, st.phase[1].mean);
  ok_int(orc.migrations, 1, "oracle moves once");
  if (orc.n_decisions == 1) {
    const sim_dyn_decision *d = &orc.decisions[0];
    ok(d->decided == 10.0, "oracle decides at the drop, 10 s (got %.17g)", d->decided);
    ok_rel(d->live - d->decided, 64000.0 / 1e6 + 0.01, 1e-12,
           "oracle: the move takes 8000 B over 1e6 bit/s plus 0.01 s latency");
    ok(d->layers == 1 && d->bytes == 8000.0, "oracle: one layer, 8000 B moved");
    ok(d->placement->server[0] == deg->server[0] && d->placement->server[1] == deg->server[1],
       "oracle: moves to the independent solve's placement");
  }
  ok_int(thr.migrations, 1, "threshold re-plans once");
  if (thr.n_decisions == 1) {
    const sim_dyn_decision *d = &thr.decisions[0];
    ok(d->decided > 10.0, "threshold decides after the drop, from a measurement (%.6f s)", d->decided);
    ok(d->placement->server[0] == deg->server[0] && d->placement->server[1] == deg->server[1],
       "threshold: moves to the independent solve's placement");
    ok_rel(d->live - d->decided, 0.074, 1e-9, "threshold: move time = bytes / bandwidth + latency");
  }
  ok(orc.phase[1].mean < st.phase[1].mean && thr.phase[1].mean < st.phase[1].mean,
     "after the drop, oracle (%.3f s) and threshold (%.3f s) beat static (%.3f s)",
     orc.phase[1].mean, thr.phase[1].mean, st.phase[1].mean);
  ok(st.unserved == 0 && orc.unserved == 0 && thr.unserved == 0, "a slow link serves everyone");

  /* The future after 15 s differs; every decision before it must not. */
  sim_dyn_result futs[2];
  const sim_policy pols[2] = {SIM_POLICY_THRESHOLD, SIM_POLICY_ORACLE};
  const sim_dyn_result *before[2] = {&thr, &orc};
  c.dyn.changes = drop_then_more;
  c.dyn.n_changes = 2;
  for (int k = 0; k < 2; k++) {
    if (run_policy(&c, pols[k], &futs[k]) != SIM_OK) {
      ok(0, "future trace runs");
      continue;
    }
    int same = futs[k].n_decisions >= 1;
    size_t n = 0;
    for (size_t i = 0; i < before[k]->n_decisions && before[k]->decisions[i].decided < 15.0; i++) {
      const sim_dyn_decision *a = &before[k]->decisions[i], *b = &futs[k].decisions[i];
      same &= i < futs[k].n_decisions && a->decided == b->decided && a->live == b->live &&
              a->placement->server[0] == b->placement->server[0] &&
              a->placement->server[1] == b->placement->server[1];
      n++;
    }
    ok(same && n >= 1, "%s: the %zu decisions before 15 s do not depend on the trace after it",
       sim_policy_names[pols[k]], n);
    sim_dyn_result_clear(&futs[k]);
  }
  sim_dyn_result_clear(&st);
  sim_dyn_result_clear(&orc);
  sim_dyn_result_clear(&thr);
  solver_placement_free(deg);
  case_free(&c);
}

/* Server 1 leaves at t = 0, before the first arrival. The best placement
 * without it is (s0, s2) (1.526 s against 1.553 s for (s2, s0)): layer a
 * moves s1 -> s0 and b moves s0 -> s2. a's server is gone, so a comes from
 * the fastest present server with a route to s0, s2 (all links equal; the
 * lowest index wins a tie): 32,000 bit over 1e6 bit/s on 2->0, in parallel
 * with b's 64,000 bit on 0->2: the move ends at 0.064 + 0.01 = 0.074 s. */
static void test_departure(void) {
  dyn_case c;
  if (case_build(&c, THREE) != 0) {
    ok(0, "departure: fixture");
    return;
  }
  c.dyn.enabled = 1;
  c.dyn.depart = 1;
  c.dyn.depart_at = 0;
  c.dyn.period = 1e9;
  sim_dyn_result st, per;
  if (run_policy(&c, SIM_POLICY_STATIC, &st) || run_policy(&c, SIM_POLICY_PERIODIC, &per)) {
    ok(0, "departure: runs");
    case_free(&c);
    return;
  }
  ok(st.unserved == st.arrived && st.arrived == 40 && st.completed == 0,
     "static: the placement needs the server that left, all 40 requests unserved (%lld)",
     (long long)st.unserved);
  ok(per.unserved == 0 && per.completed == 40, "periodic: the forced move serves every request");
  ok_int(per.migrations, 1, "periodic: one forced move, though its clock never ticked");
  if (per.n_decisions == 1) {
    const sim_dyn_decision *d = &per.decisions[0];
    ok(d->placement->server[0] == 0 && d->placement->server[1] == 2, "the move is to (s0, s2)");
    ok(d->layers == 2 && d->bytes == 12000.0, "both layers move: 4000 + 8000 B");
    ok_rel(d->live, 0.074, 1e-12, "the move ends at 0.074 s, computed by hand");
  }
  sim_dyn_result_clear(&st);
  sim_dyn_result_clear(&per);
  case_free(&c);
}

/* The arrival rate changes from 0.1/s to 0.4/s at t = 500 s. Arrival
 * times come back from the undecimated time series (completion minus
 * latency). Before 500 s the count is Poisson with mean 50 (sd 7.1);
 * after it the mean gap is 2.5 s with standard error 2.5/sqrt(n). Both
 * within 5 sd. */
static void test_rate_change(void) {
  dyn_case c;
  if (case_build(&c, THREE) != 0) {
    ok(0, "rate change: fixture");
    return;
  }
  c.dyn.enabled = 1;
  c.dyn.rate_at = 500;
  c.dyn.rate_factor = 4;
  c.dyn.timeseries = 1000;
  c.cfg.rate = 0.1;
  c.cfg.requests = 400;
  sim_dyn_result r;
  if (run_policy(&c, SIM_POLICY_STATIC, &r) != SIM_OK || r.n_series != 400) {
    ok(0, "rate change: run with all 400 requests in the series");
    case_free(&c);
    return;
  }
  double *arr = malloc(400 * sizeof *arr);
  for (size_t k = 0; k < 400; k++) arr[k] = r.series_time[k] - r.series_latency[k];
  /* Completion order is arrival order: one FIFO path, equal work per request. */
  int sorted = 1;
  for (size_t k = 1; k < 400; k++) sorted &= arr[k] >= arr[k - 1];
  ok(sorted, "rate change: requests complete in arrival order");
  size_t before = 0;
  while (before < 400 && arr[before] < 500) before++;
  ok(fabs((double)before - 50) < 5 * sqrt(50.0), "rate change: %zu arrivals before 500 s, Poisson(50)", before);
  const double n_after = (double)(400 - before), gap = (arr[399] - 500) / n_after;
  ok(fabs(gap - 2.5) < 5 * 2.5 / sqrt(n_after), "rate change: mean gap %.3f s after it, 1/0.4 = 2.5 s", gap);
  free(arr);
  sim_dyn_result_clear(&r);
  case_free(&c);
}

int main(void) {
  test_gilbert_fraction();
  test_constant();
  test_link_drop();
  test_departure();
  test_rate_change();
  return tap_done();
}
