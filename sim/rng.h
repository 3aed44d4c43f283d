/* rng.h: how dilemma derives random streams from a scenario's seed.
 *
 * Every random quantity comes from a GSL generator (mt19937) seeded with
 *   sim_seed_derive(seed, stream, index)
 *     = (uint32) (splitmix64(splitmix64(seed) ^ stream * 0x9E3779B97F4A7C15) + index)
 * GSL's mt19937 takes a 32-bit seed. Adding the index last makes the seeds of
 * runs 0, 1, 2, ... of one stream distinct for up to 2^32 runs (no birthday
 * collisions inside a sweep); the hash in front separates streams and
 * scenario seeds. Streams: SIM_STREAM_TOPOLOGY (index = run), SIM_STREAM_DES
 * (index = run), SIM_STREAM_BASELINE (index = run); the DES derives its
 * per-entity streams from its run seed the same way with index = entity id.
 *
 * Because a run's seed does not depend on the sweep point or on which thread
 * runs it, results are the same for any thread count, and every sweep point
 * sees the same draws for the same run (common random numbers). */
#ifndef DILEMMA_SIM_RNG_H
#define DILEMMA_SIM_RNG_H

#include <stdint.h>

enum {
  SIM_STREAM_TOPOLOGY = 1, /* servers and links */
  SIM_STREAM_DES = 2,      /* discrete-event simulation */
  SIM_STREAM_BASELINE = 3  /* randomized baselines */
};

/* splitmix64's output function (Steele, Lea, Flood 2014). */
uint64_t sim_splitmix64(uint64_t x);

/* The 32-bit GSL seed for (seed, stream, index); see above. */
unsigned long sim_seed_derive(uint64_t seed, uint64_t stream, uint64_t index);

#endif
