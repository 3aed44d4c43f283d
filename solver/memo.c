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
 * which only means fewer states are merged.
 *
 * Under an error budget a state also carries the error spent so far, and
 * a node is dominated only by an earlier one at no higher cost AND no more
 * error (its completions are a superset at no higher cost). Such tables
 * keep up to `pairs` non-dominated (cost, error) pairs per key; a new pair
 * that does not fit evicts nothing, which again only merges fewer states.
 * With one pair and error always 0 the table behaves exactly as the
 * single-cost one. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"

#define MEMO_INITIAL_SLOTS 4096

struct solver__memo {
  size_t words;      /* uint64 words per key */
  size_t slots;      /* power of two */
  size_t used;       /* occupied slots */
  size_t pairs;      /* (cost, error) pairs kept per key */
  size_t max_bytes;  /* budget for hash, cost and keys together */
  uint64_t *hash;    /* slots; 0 marks an empty slot */
  double *cost;      /* slots x pairs, s; +inf marks an unused pair */
  double *err;       /* slots x pairs, error spent (NULL when pairs == 1) */
  uint64_t *keys;    /* slots x words */
};

static size_t slot_bytes(const solver__memo *m) {
  return sizeof(uint64_t) + m->pairs * sizeof(double) * (m->pairs > 1 ? 2 : 1) +
         m->words * sizeof(uint64_t);
}

static int table_alloc(solver__memo *m, size_t slots) {
  m->hash = calloc(slots, sizeof *m->hash);
  m->cost = malloc(slots * m->pairs * sizeof *m->cost);
  m->err = m->pairs > 1 ? malloc(slots * m->pairs * sizeof *m->err) : NULL;
  m->keys = malloc(slots * m->words * sizeof *m->keys);
  if (!m->hash || !m->cost || !m->keys || (m->pairs > 1 && !m->err)) {
    free(m->hash), free(m->cost), free(m->err), free(m->keys);
    m->hash = NULL, m->cost = NULL, m->err = NULL, m->keys = NULL;
    return -1;
  }
  m->slots = slots;
  m->used = 0;
  return 0;
}

solver__memo *solver__memo_alloc(size_t words, size_t pairs, size_t max_bytes) {
  solver__memo *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->words = words;
  m->pairs = pairs > 0 ? pairs : 1;
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
  free(m->hash), free(m->cost), free(m->err), free(m->keys);
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
    memcpy(&m->cost[t * m->pairs], &old.cost[s * m->pairs], m->pairs * sizeof *m->cost);
    if (m->err) memcpy(&m->err[t * m->pairs], &old.err[s * m->pairs], m->pairs * sizeof *m->err);
    memcpy(&m->keys[t * m->words], &old.keys[s * old.words], m->words * sizeof *m->keys);
    m->used++;
  }
  free(old.hash), free(old.cost), free(old.err), free(old.keys);
  return 0;
}

/* Records (cost, err) in slot s, which holds the key: returns 1 if a
 * stored pair dominates it, else drops the stored pairs it dominates and
 * keeps it if a pair is free. */
static int pair_visit(solver__memo *m, size_t s, double cost, double err) {
  double *c = &m->cost[s * m->pairs];
  if (m->pairs == 1) {
    if (c[0] <= cost) return 1;
    c[0] = cost;
    return 0;
  }
  double *e = &m->err[s * m->pairs];
  for (size_t k = 0; k < m->pairs; k++)
    if (c[k] <= cost && e[k] <= err) return 1;
  size_t free_k = m->pairs;
  for (size_t k = 0; k < m->pairs; k++) {
    if (c[k] >= cost && e[k] >= err) c[k] = INFINITY; /* dominated by the new pair */
    if (c[k] == INFINITY && free_k == m->pairs) free_k = k;
  }
  if (free_k < m->pairs) c[free_k] = cost, e[free_k] = err;
  return 0;
}

int solver__memo_visit(solver__memo *m, const uint64_t *key, double cost, double err) {
  const uint64_t h = key_hash(key, m->words);
  size_t s = find(m, key, h);
  if (m->hash[s] != 0) return pair_visit(m, s, cost, err);
  if (2 * (m->used + 1) > m->slots) {
    if (grow(m) != 0) return 0; /* full: remember nothing new */
    s = find(m, key, h);
  }
  m->hash[s] = h;
  /* Free pairs hold cost +inf; their error is set too, which pair_visit
   * reads (to no effect: a free pair stays free) when it tests them. */
  for (size_t k = 0; k < m->pairs; k++) {
    m->cost[s * m->pairs + k] = INFINITY;
    if (m->err) m->err[s * m->pairs + k] = INFINITY;
  }
  m->cost[s * m->pairs] = cost;
  if (m->err) m->err[s * m->pairs] = err;
  memcpy(&m->keys[s * m->words], key, m->words * sizeof *key);
  m->used++;
  return 0;
}
