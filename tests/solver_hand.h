/* solver_hand.h: the hand-computed instance shared by the checker and
 * baseline tests: 3 layers, 2 servers, the paper cost model.
 *
 *   n = 2 tokens, β = 4, no prompt, pr = 8 bits, widths {4, 8}
 *   layer  params  F (FLOP/token)  a (act. elements)  allowed widths
 *     0       8        100               10            4, 8
 *     1      16        200               20            8 (error 2 at 4 bits > δ = 1)
 *     2      24        300               30            4, 8
 *   server  CCS (FLOP/s)  storage (bytes)
 *     s0        100            20
 *     s1        200            30
 *   Ω(s0 -> s1) = 80 bit/s, Ω(s1 -> s0) = 160 bit/s, no latency.
 *
 * Costs (the `paper` cost model of docs/model.md: the paper's eqs. 3 and 4,
 * without the factor p_l that makes eq. 3's units inconsistent):
 *   cp = n·F/CCS·b/pr, cm = n·β·a·b/Ω, storage = p·b/8.
 *   compute   l0: s0@4 1.0, s0@8 2.0, s1@4 0.5, s1@8 1.0
 *             l1: s0@8 4.0, s1@8 2.0
 *             l2: s0@4 3.0, s0@8 6.0, s1@4 1.5, s1@8 3.0
 *   transfer  after l0 at b bits: s0->s1 2·4·10·b/80 = b, s1->s0 b/2
 *             after l1 (8 bits):  s0->s1 2·4·20·8/80 = 16, s1->s0 8
 *   storage   l0: 4 or 8, l1: 16, l2: 12 or 24 bytes
 * All layers on s1 need 4 + 16 + 12 = 32 > 30 bytes, on s0 more than 20, so
 * the chain must be split. The feasible server sequences at their cheapest
 * widths cost:
 *   (s0, s1, s1): 1.0 + 4 + 2.0 + 1.5       =  8.5   <- the optimum
 *   (s1, s1, s0): 0.5 + 2.0 + 8 + 3.0       = 13.5
 *   (s0, s1, s0): 1.0 + 4 + 2.0 + 8 + 3.0   = 18
 *   (s0, s0, s1): 1.0 + 4.0 + 16 + 1.5      = 22.5
 *   (s1, s0, s1): 0.5 + 2 + 4.0 + 16 + 1.5  = 24
 * so T* = 8.5 s = compute 4.5 s + communication 4.0 s, with widths (4, 8, 4):
 * quantization ratio (8·4 + 16·8 + 24·4) / (48·8) = 256/384 = 66.67 %. */
#ifndef DILEMMA_TESTS_SOLVER_HAND_H
#define DILEMMA_TESTS_SOLVER_HAND_H

#include <stdio.h>
#include <stdlib.h>

#include "solver/solver.h"
#include "tests/instance_shell.h"

/* The instance above; with `cloud`, a third server "cloud" (CCS 1000,
 * storage 1000, 100 bit/s both ways to each edge server). */
static solver_instance *hand_instance(int cloud) {
  const size_t L = 3, M = cloud ? 3 : 2, B = 2;
  solver_instance *in = instance_shell(L, M, B);
  in->cost_model = SOLVER_COST_PAPER;
  in->tokens = 2;
  in->batch = 4;
  in->prompt = 0;
  in->context = 1;
  in->precision = 8;
  const int64_t params[3] = {8, 16, 24};
  const double flops[3] = {100, 200, 300}, act[3] = {10, 20, 30}, err4[3] = {0.5, 2.0, 0.25};
  for (size_t l = 0; l < L; l++) {
    snprintf(in->layers[l].name, sizeof in->layers[l].name, "l%zu", l);
    in->layers[l].params = params[l];
    in->layers[l].flops = flops[l];
    in->layers[l].act_elems = act[l];
    in->error[l * B + 0] = err4[l];
    in->error[l * B + 1] = 0;
    in->allowed[l * B + 0] = err4[l] <= 1.0;
    in->allowed[l * B + 1] = 1;
  }
  in->bits[0] = 4;
  in->bits[1] = 8;
  in->accuracy = SIM_ACC_PER_LAYER;
  in->delta = 1.0;
  snprintf(in->servers[0].name, sizeof in->servers[0].name, "s0");
  snprintf(in->servers[1].name, sizeof in->servers[1].name, "s1");
  in->servers[0].ccs = 100, in->servers[0].storage = 20;
  in->servers[1].ccs = 200, in->servers[1].storage = 30;
  in->bandwidth[0 * M + 1] = 80;
  in->bandwidth[1 * M + 0] = 160;
  if (cloud) {
    snprintf(in->servers[2].name, sizeof in->servers[2].name, "cloud");
    in->servers[2].ccs = 1000, in->servers[2].storage = 1000, in->servers[2].is_cloud = 1;
    for (size_t i = 0; i < 2; i++) in->bandwidth[i * M + 2] = in->bandwidth[2 * M + i] = 100;
  }
  in->max_layers = 0;
  in->origin = -1;
  return in;
}

#endif
