/* fuzz_safetensors.c: a safetensors file (8-byte length, JSON header,
 * data) opened and validated as `dilemma profile` opens it. */
#include "tests/fuzz/fuzz.h"

#include "sim/weights/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file("model.safetensors", data, size);
  if (path == NULL) return 0;
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  if (st != NULL) {
    for (size_t i = 0; i < sim_safetensors_n_tensors(st); i++) (void)sim_safetensors_tensor(st, i);
    sim_safetensors_free(st);
  }
  return 0;
}
