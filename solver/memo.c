/* memo.c: the segment search's table of visited states.
 *
 * A state of the search is everything its completions depend on: the next
 * layer, the previous layer's server, and the storage and layer count used
 * on every server. Two partial placements that reach the same state have
 * the same completions at the same added cost, so the dearer one can stop
 * (solver/search.c says why that keeps the search exact). With identical
 * decoder blocks many orders of the same runs reach the same state; the
 * table is what keeps that symmetry from multiplying the search.
 *
 * Keys are compared in full, never by hash alone, so a collision costs time
 * and not correctness. The table is open addressing with linear probing,
 * doubled at half load while it stays within its byte budget; once full it
 * still answers lookups and lowers recorded costs but records nothing new,
 * which only means fewer states are merged. */
#include "solver/internal.h"

#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"

#define MEMO_INITIAL_SLOTS 4096

struct solver__memo {
  size_t words;      /* uint64 words per key */
  size_t slots;      /* power of two */
  size_t used;       /* occupied slots */
  size_t max_bytes;  /* budget for hash, cost and keys together */
  uint64_t *hash;    /* slots; 0 marks an empty slot */
  double *cost;      /* slots */
  uint64_t *keys;    /* slots x words */
};

static size_t slot_bytes(const solver__memo *m) {
  return sizeof(uint64_t) + sizeof(double) + m->words * sizeof(uint64_t);
}

static int table_alloc(solver__memo *m, size_t slots) {
  m->hash = calloc(slots, sizeof *m->hash);
  m->cost = malloc(slots * sizeof *m->cost);
  m->keys = malloc(slots * m->words * sizeof *m->keys);
  if (!m->hash || !m->cost || !m->keys) {
    free(m->hash), free(m->cost), free(m->keys);
    m->hash = NULL, m->cost = NULL, m->keys = NULL;
    return -1;
  }
  m->slots = slots;
  m->used = 0;
  return 0;
}

solver__memo *solver__memo_alloc(size_t words, size_t max_bytes) {
  solver__memo *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->words = words;
  m->max_bytes = max_bytes;
  size_t slots = MEMO_INITIAL_SLOTS;
  while (slots > 16 && slots * slot_bytes(m) > max_bytes) slots /= 2;
  if (table_alloc(m, slots) != 0) {
    free(m);
    return NULL;
  }
  return m;
}

void solver__memo_free(solver__memo *m) {
  if (m == NULL) return;
  free(m->hash), free(m->cost), free(m->keys);
  free(m);
}

/* splitmix64 chained over the words; never 0, which marks empty. */
static uint64_t key_hash(const uint64_t *key, size_t words) {
  uint64_t h = 0;
  for (size_t w = 0; w < words; w++) h = sim_splitmix64(h ^ key[w]);
  return h ? h : 1;
}

/* Slot of the key, or of the empty slot where it would go. */
static size_t find(const solver__memo *m, const uint64_t *key, uint64_t h) {
  size_t s = (size_t)h & (m->slots - 1);
  while (m->hash[s] != 0 &&
         (m->hash[s] != h || memcmp(&m->keys[s * m->words], key, m->words * sizeof *key) != 0))
    s = (s + 1) & (m->slots - 1);
  return s;
}

/* Doubles the table if the budget allows; returns 0 if it did. */
static int grow(solver__memo *m) {
  const size_t slots = m->slots * 2;
  if (slots * slot_bytes(m) > m->max_bytes) return -1;
  solver__memo old = *m;
  if (table_alloc(m, slots) != 0) {
    *m = old;
    return -1;
  }
  for (size_t s = 0; s < old.slots; s++) {
    if (old.hash[s] == 0) continue;
    const size_t t = find(m, &old.keys[s * old.words], old.hash[s]);
    m->hash[t] = old.hash[s];
    m->cost[t] = old.cost[s];
    memcpy(&m->keys[t * m->words], &old.keys[s * old.words], m->words * sizeof *m->keys);
    m->used++;
  }
  free(old.hash), free(old.cost), free(old.keys);
  return 0;
}

int solver__memo_visit(solver__memo *m, const uint64_t *key, double cost) {
  const uint64_t h = key_hash(key, m->words);
  size_t s = find(m, key, h);
  if (m->hash[s] != 0) {
    if (m->cost[s] <= cost) return 1;
    m->cost[s] = cost;
    return 0;
  }
  if (2 * (m->used + 1) > m->slots) {
    if (grow(m) != 0) return 0; /* full: remember nothing new */
    s = find(m, key, h);
  }
  m->hash[s] = h;
  m->cost[s] = cost;
  memcpy(&m->keys[s * m->words], key, m->words * sizeof *key);
  m->used++;
  return 0;
}
