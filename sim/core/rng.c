/* rng.c: seed derivation (documented in sim/core/core.h and docs/scenario.md). */
#include "sim/core/core.h"

uint64_t sim_splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

unsigned long sim_seed_derive(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t h = sim_splitmix64(sim_splitmix64(seed) ^ (stream * 0x9E3779B97F4A7C15ull));
  return (unsigned long)(uint32_t)(h + index);
}
