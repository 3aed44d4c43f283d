/* cost_calibrated.c: the calibrated cost model (docs/hardware.md): the
 * roofline's two terms made real with fitted achievable fractions, a fixed
 * overhead per layer and pass, the bits a storage format really spends per
 * weight, and the embedding read as a row gather. */
#include <math.h>
#include <string.h>

#include "solver/solver.h"

double solver_format_bits(solver_format format, double b, double precision) {
  /* The original precision is stored as is (f16 has no scales). */
  if (b >= precision) return b;
  switch (format) {
  case SOLVER_FORMAT_GGML: return b + 16.0 / 32.0;      /* one fp16 scale per block of 32 */
  case SOLVER_FORMAT_G128: return b + (16.0 + b) / 128.0; /* fp16 scale + b-bit zero per 128 */
  case SOLVER_FORMAT_PLAIN:
  default: return b;
  }
}

int solver_layer_is_gather(const sim_layer *ly) { return strncmp(ly->name, "embed", 5) == 0; }

double solver_calibrated_layer_time(const sim_layer *ly, const sim_server *s, double bpw,
                                    double k, double batch, double ctx, double kv_bits) {
  /* A lookup table is read one row (act_elems weights) per token, never more
   * than the whole table; every other layer reads all its weights once per
   * pass, whatever the batch. */
  double weights = (double)ly->params;
  if (solver_layer_is_gather(ly)) weights = fmin(weights, k * batch * ly->act_elems);
  const double bytes = weights * bpw / 8.0 + batch * ly->kv_elems * ctx * kv_bits / 8.0;
  const double t_mem = bytes / (s->bw_fraction * s->mem_bandwidth);
  /* Decode kernels dequantize while they stream, so the two terms add
   * rather than overlap as the roofline assumes. */
  const double t_flops = isinf(s->ccs) ? 0.0 : k * batch * ly->flops / (s->compute_fraction * s->ccs);
  return t_mem + t_flops + s->overhead;
}
