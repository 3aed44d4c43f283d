/* test_hardware.c: servers from the device catalogue (lists, mixtures, link
 * profiles), the calibrated cost model and the energy model, each checked
 * against values computed here by hand from the catalogue's figures. */
#include <math.h>
#include <string.h>

#include "sim/hardware/hardware.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/topology/topology.h"
#include "solver/solver.h"
#include "tests/tap.h"

static sim_scenario *load(const char *text) {
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load_string(text, strlen(text), "t.yaml", &err);
  if (sc == NULL) diag("%s", err.msg);
  return sc;
}

static sim_topology *draw(const sim_scenario *sc, uint64_t run) {
  sim_error err;
  sim_error_clear(&err);
  sim_topology *t = sim_topology_alloc(&sc->servers, &sc->links, sc->seed, run, 1e9, &err);
  if (t == NULL) diag("%s", err.msg);
  return t;
}

static void test_device_list(void) {
  sim_scenario *sc = load("seed: 3\nservers: {devices: [orin-agx, pi5, rtx-3090]}\n"
                          "links: {profile: gigabit-ethernet}\ncost: {model: calibrated}\n");
  sim_scenario *plain = load("seed: 3\nservers: {count: 3}\n");
  if (!ok(sc != NULL && plain != NULL, "a scenario with a device list loads")) return;
  ok_int(sc->servers.count, 3, "a list sets servers.count");
  sim_topology *t = draw(sc, 0), *u = draw(plain, 0);
  if (!ok(t != NULL && u != NULL, "its topology draws")) return;
  const sim_server *s = t->servers;
  ok(strcmp(s[0].device, "orin-agx") == 0 && strcmp(s[1].device, "pi5") == 0 &&
         strcmp(s[2].device, "rtx-3090") == 0, "server i runs the i-th device");
  ok_rel(s[0].ccs, 5.325e12, 0, "orin-agx: fp32 FLOP/s (no fp16 figure)");
  ok_rel(s[2].ccs, 71e12, 0, "rtx-3090: fp16 tensor FLOP/s");
  ok_rel(s[1].mem_bandwidth, 17.07e9, 0, "pi5: memory bandwidth");
  ok_rel(s[2].storage, 25769803776.0, 0, "rtx-3090: storage is its memory");
  ok_rel(s[2].peak_power, 350, 0, "rtx-3090: peak power");
  ok(isnan(s[2].idle_power), "rtx-3090: no idle power in the catalogue, so NaN");
  const sim_calibration *c = sc->hw.calibration;
  ok_rel(s[2].bw_fraction, sim_calibration_class(c, SIM_HW_GPU).bw_fraction, 0,
     "a gpu takes the gpu class's bandwidth fraction");
  ok_rel(s[1].overhead, sim_calibration_class(c, SIM_HW_CPU).overhead, 0,
     "a cpu takes its class's overhead (pooled when the class is not fitted)");
  ok(s[0].x == u->servers[0].x && s[2].y == u->servers[2].y,
     "devices leave the abstract draws (positions) unchanged");
  double bw = t->bandwidth[0 * 3 + 1], lat = t->latency[0 * 3 + 1];
  ok_rel(bw, 1e9 * 0.9493, 1e-15, "a gigabit-ethernet link carries 949.3 Mbit/s of payload");
  ok_rel(lat, 4.04e-4, 1e-15, "and costs its per-message overhead as latency");
  sim_topology_free(t);
  sim_topology_free(u);
  sim_scenario_free(sc);
  sim_scenario_free(plain);
}

static void test_mixture(void) {
  sim_scenario *sc = load("seed: 5\nservers: {count: 4000, devices: {orin-agx: 0.25, pi5: 0.75}}\n"
                          "cost: {model: calibrated}\n");
  if (!ok(sc != NULL, "a mixture loads")) return;
  sim_topology *a = draw(sc, 2), *b = draw(sc, 2);
  if (!ok(a != NULL && b != NULL, "its topology draws")) return;
  size_t pi = 0, same = 1;
  for (size_t i = 0; i < 4000; i++) {
    pi += strcmp(a->servers[i].device, "pi5") == 0;
    same &= strcmp(a->servers[i].device, b->servers[i].device) == 0;
  }
  ok(same, "the same (seed, run) draws the same devices");
  /* Binomial(4000, 0.75): sd = sqrt(4000 * 0.75 * 0.25) = 27.4; 4 sd = 110. */
  ok(fabs((double)pi - 3000.0) < 110, "pi5 drawn with probability 0.75 (%zu of 4000)", pi);
  sim_topology_free(a);
  sim_topology_free(b);
  sim_scenario_free(sc);
}

/* Two layers on an Orin AGX under the calibrated model, ggml format. */
static const char *two_layers =
    "seed: 1\nmodel:\n  name: hand\n  layers:\n"
    "    - {name: embed, params: 1000, flops: 0, act_elems: 10, kv_elems: 0}\n"
    "    - {name: b0, params: 1000000, flops: 2000000, act_elems: 10, kv_elems: 20}\n"
    "servers: {devices: [orin-agx, pi5]}\nlinks: {profile: gigabit-ethernet}\n"
    "workload: {tokens: 4, batch: 1, prompt: 0, context: 8}\n"
    "quantization: {b_min: 4, b_max: 16, step: 4, delta: 1}\n"
    "cost: {model: calibrated, format: ggml}\n";

static void test_calibrated_costs(void) {
  sim_scenario *sc = load(two_layers);
  sim_error err;
  sim_error_clear(&err);
  sim_case *one = sc ? sim_case_alloc(sc, 0, 0, &err) : NULL;
  const solver_instance *in = one ? one->instance : NULL;
  if (!ok(in != NULL, "a calibrated instance builds")) { diag("%s", err.msg); sim_scenario_free(sc); return; }
  const sim_server *s = &in->servers[0];
  /* b0 at 4 bits: 1e6 weights x 4.5 bits + KV 20 elements x 8 tokens x 16 bits. */
  double bytes = 1e6 * 4.5 / 8 + 20.0 * 8 * 16 / 8;
  double want = bytes / (s->bw_fraction * 204.8e9) + 2e6 / (s->compute_fraction * 5.325e12) + s->overhead;
  ok_rel(solver_pass_compute(in, 1, 0, 0, 1), want, 1e-12, "b0 decode pass = bytes/(f bw) + F/(f C) + o");
  /* The embedding reads one row of 10 weights per token, not its 1000. */
  double emb = 10 * 4.5 / 8 / (s->bw_fraction * 204.8e9) + s->overhead;
  ok_rel(solver_pass_compute(in, 0, 0, 0, 1), emb, 1e-12, "embedding decode pass reads one row");
  /* At 16 bits (the original precision) no scales are stored. */
  ok_rel(solver_cost_storage(in, 1, 3), 1e6 * 16 / 8 + 20.0 * 4 * 16 / 8, 1e-12,
         "storage at b_max: 16 bits per weight plus the KV cache of prompt + tokens");
  ok_rel(solver_cost_storage(in, 1, 1), 1e6 * 8.5 / 8 + 20.0 * 4 * 16 / 8, 1e-12,
         "storage at 8 bits: q8_0's 8.5 bits per weight");
  ok_rel(solver_format_bits(SOLVER_FORMAT_G128, 4, 16), 4 + 20.0 / 128, 0, "int4-g128: 4.156 bits");

  /* Energy, everything on server 0: busy the whole request, so peak power. */
  solver_placement *p = solver_placement_alloc(2);
  p->server[0] = p->server[1] = 0;
  p->bits[0] = p->bits[1] = 0;
  double e, w;
  solver_energy(in, p, &e, &w);
  double T = solver_objective(in, p, NULL, NULL);
  ok_rel(w, 60, 1e-12, "one busy Orin draws its peak 60 W");
  ok_rel(e, 60 * T / 4, 1e-12, "energy per token = 60 W x T / 4 tokens");
  /* Split: each server busy for its own compute only. The Orin has no idle
   * figure (counts 0 W); the Pi 5 idles at 3 W for the whole request, so it
   * draws 3 W x T plus (11.6 - 3) W x its busy time. */
  p->server[1] = 1;
  solver_energy(in, p, &e, &w);
  T = solver_objective(in, p, NULL, NULL);
  double busy0 = solver_cost_compute(in, 0, 0, 0), busy1 = solver_cost_compute(in, 1, 1, 0);
  double joules = 60 * busy0 + 3 * T + (11.6 - 3) * busy1;
  ok_rel(e, joules / 4, 1e-12, "split: energy = idle x T + (peak - idle) x busy time, per token");
  ok_rel(w, joules / T, 1e-12, "split: average power = energy / T");
  solver_placement_free(p);
  sim_case_free(one);
  sim_scenario_free(sc);
}

static void test_paper_ignores_devices_fields(void) {
  /* A device without FLOP/s is refused outside the calibrated model. */
  sim_error err;
  sim_error_clear(&err);
  const char *t = "servers: {devices: [m2-ultra]}\ncost: {model: roofline}\n";
  sim_scenario *sc = sim_scenario_load_string(t, strlen(t), "t.yaml", &err);
  ok(sc == NULL && strstr(err.msg, "has no FLOP/s figure") != NULL,
     "roofline refuses a device without FLOP/s");
  sim_scenario_free(sc);
}

int main(void) {
  test_device_list();
  test_mixture();
  test_calibrated_costs();
  test_paper_ignores_devices_fields();
  return tap_done();
}
