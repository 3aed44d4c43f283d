/* safetensors_dtype.c: the element types of the safetensors format and the
 * exact conversions of the 16-bit floating-point formats. */
#include "sim/weights/internal.h"

#include <string.h>

static const struct {
  const char *name;
  size_t size;
  int readable;
} dtypes[SIM_DTYPE_COUNT] = {
  [SIM_DTYPE_BOOL] = {"BOOL", 1, 0},       [SIM_DTYPE_U8] = {"U8", 1, 0},
  [SIM_DTYPE_I8] = {"I8", 1, 1},           [SIM_DTYPE_F8_E4M3] = {"F8_E4M3", 1, 0},
  [SIM_DTYPE_F8_E5M2] = {"F8_E5M2", 1, 0}, [SIM_DTYPE_I16] = {"I16", 2, 0},
  [SIM_DTYPE_U16] = {"U16", 2, 0},         [SIM_DTYPE_F16] = {"F16", 2, 1},
  [SIM_DTYPE_BF16] = {"BF16", 2, 1},       [SIM_DTYPE_I32] = {"I32", 4, 0},
  [SIM_DTYPE_U32] = {"U32", 4, 0},         [SIM_DTYPE_F32] = {"F32", 4, 1},
  [SIM_DTYPE_I64] = {"I64", 8, 0},         [SIM_DTYPE_U64] = {"U64", 8, 0},
  [SIM_DTYPE_F64] = {"F64", 8, 1},
};

const char *sim_dtype_name(sim_dtype t) {
  return (unsigned)t < SIM_DTYPE_COUNT ? dtypes[t].name : "?";
}

int sim_dtype_parse(const char *s) {
  if (s == NULL) return -1;
  for (int i = 0; i < SIM_DTYPE_COUNT; i++)
    if (strcmp(dtypes[i].name, s) == 0) return i;
  return -1;
}

size_t sim_dtype_size(sim_dtype t) { return (unsigned)t < SIM_DTYPE_COUNT ? dtypes[t].size : 0; }

int sim_dtype_readable(sim_dtype t) {
  return (unsigned)t < SIM_DTYPE_COUNT ? dtypes[t].readable : 0;
}

static float float_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* The definitions live inline in safetensors-internal.h so the streaming
 * loops share them; see there for the bit manipulation. */
float sim_f16_to_float(uint16_t h) { return sim__f16_bits_to_float(h); }

float sim_bf16_to_float(uint16_t h) { return sim__bf16_bits_to_float(h); }

double sim_dtype_load(sim_dtype t, const void *data, uint64_t i) {
  const unsigned char *p = data;
  /* Bytes are assembled little-endian whatever the host order; compilers
   * turn these into single loads on little-endian machines. */
  switch (t) {
  case SIM_DTYPE_I8: return (double)(int8_t)p[i];
  case SIM_DTYPE_F16: {
    const unsigned char *q = p + 2 * i;
    return sim_f16_to_float((uint16_t)(q[0] | q[1] << 8));
  }
  case SIM_DTYPE_BF16: {
    const unsigned char *q = p + 2 * i;
    return sim_bf16_to_float((uint16_t)(q[0] | q[1] << 8));
  }
  case SIM_DTYPE_F32: {
    const unsigned char *q = p + 4 * i;
    uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    return float_from_bits(u);
  }
  case SIM_DTYPE_F64: {
    const unsigned char *q = p + 8 * i;
    uint64_t u = 0;
    for (int k = 7; k >= 0; k--) u = u << 8 | q[k];
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
  }
  default: return 0.0;
  }
}
