/* fuzz_st_index.c: a sharded checkpoint's model.safetensors.index.json,
 * cross-checked against one small valid shard beside it. */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "sim/weights/weights.h"

/* A shard holding tensor "w" (F32, 2 elements): header length, header,
 * data. */
static const char shard_header[] = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t shard[8 + sizeof shard_header - 1 + 8];
  const uint64_t hlen = sizeof shard_header - 1;
  for (int k = 0; k < 8; k++) shard[k] = (uint8_t)(hlen >> (8 * k));
  memcpy(shard + 8, shard_header, hlen);
  memset(shard + 8 + hlen, 0, 8);
  if (fuzz_write_file("model-00001-of-00001.safetensors", shard, sizeof shard) == NULL) return 0;
  const char *path = fuzz_write_file("model.safetensors.index.json", data, size);
  if (path == NULL) return 0;
  sim_error err;
  sim_error_clear(&err);
  sim_safetensors *st = sim_safetensors_alloc(path, &err);
  sim_safetensors_free(st);
  return 0;
}
