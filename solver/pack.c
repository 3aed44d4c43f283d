/* pack.c: the packing bound, a lower bound that counts whole layers per
 * server.
 *
 * Why it exists: the segment relaxation lets a server appear in several
 * segments, each fitting its storage alone, so with cheap links a fast
 * server carries more than its capacity; Lagrangian penalties lift it only
 * to the LP bound, which still splits a layer across servers. When the chain
 * repeats one kind of layer (identical decoder blocks) and links are fast,
 * the optimum is decided by how many whole layers each server holds,
 * ⌊remaining storage / layer size⌋, and neither bound sees that.
 *
 * The relaxation. Take any feasible placement of layers t..L-1, given the
 * storage and layer counts already used on each server by layers < t.
 * Forget which layer follows which and keep only that every layer sits on
 * one server, at its cheapest option's cost there, with its smallest
 * option's storage, within each server's remaining storage and cap. Its
 * compute cost is at least the optimum of that assignment problem. We bound
 * the assignment problem from below as follows:
 *   - Layers are grouped into classes of interchangeable layers: equal
 *     smallest storage and equal cheapest cost on every server.
 *   - The class with the most layers in the suffix (the "main" class) is
 *     assigned exactly: with per-server integer limits
 *     u_i = min(⌊remaining_i / size⌋, free slots_i) and a cost per layer that
 *     depends only on the server, filling the cheapest servers first is
 *     optimal (an exchange argument: moving one layer to a cheaper server
 *     with room never costs more).
 *   - The heaviest one or two other layers are placed by enumerating their
 *     servers (each must fit the remaining storage and a slot), reducing
 *     those servers' room before the greedy fill.
 *   - Every other layer is charged its cheapest cost over the servers it
 *     fits alone and uses no storage or slot, which only relaxes.
 * The minimum over the enumeration is therefore at most the assignment
 * optimum, hence at most the compute cost of any completion.
 *
 * Transfers, in two ways; the bound is the larger result.
 *   (a) Counted: every segment of the suffix is entered by a transfer (from
 *       layer t-1's server when t > 0; the first segment of the whole chain
 *       is entered from the origin, whose cost is in layer 0's compute), and
 *       the suffix uses at least as many distinct servers as it takes of the
 *       largest remaining capacities (and free slots) to hold its bytes (and
 *       layers). Each such transfer costs at least the cheapest transfer
 *       after any layer from t-1 on. Compute and transfer parts bound the
 *       two halves of the same placement's cost, so their sum is a bound.
 *   (b) Charged (t > 0): each server i the suffix uses is entered at least
 *       once, at no less than entry_i, its cheapest incoming transfer after
 *       any layer from t-1 on, and holds at most u_i main-class layers.
 *       Charging entry_i / u_i to each main-class layer on i therefore never
 *       exceeds the transfers of the placement, and the greedy fill with the
 *       charges added to the costs (servers re-sorted) is again exact for
 *       the relaxed problem. This is what sees that using five servers costs
 *       five entries when links are fast and the cheap servers are small;
 *       (a) only counts the servers the bytes need.
 *
 * Storage comparisons allow the checker's relative slack of 1e-9 and round
 * the layer counts up by 1e-9 of a layer, so floating-point rounding can
 * only weaken the bound, never make it exceed a feasible placement. */
#include "solver/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Other layers placed by enumeration rather than charged without storage. */
#define PACK_ENUMERATED 2

struct solver__pack {
  const solver__problem *pb;
  size_t L, M;
  const double *smin; /* L, bytes: the smallest option's storage (the problem's) */
  double *cmin;      /* L x M, s: cheapest option's cost_x on i (+inf: cannot) */
  int *cls;          /* L: class of the layer (index of its first layer) */
  size_t *main_cls;  /* L + 1: main class of the suffix (a layer index) */
  size_t *main_n;    /* L + 1: its layers in the suffix */
  int *heavy;        /* (L + 1) x PACK_ENUMERATED: enumerated layers, -1 none */
  double *light;     /* L + 1, s: Σ cheapest cost of the other layers (+inf: one fits nowhere) */
  double *bytes;     /* L + 1, bytes: Σ smin over the suffix */
  double *tmin;      /* L + 1, s: cheapest transfer after any layer >= t - 1 (+inf: none) */
  double *entry;     /* (L + 1) x M, s: cheapest transfer into server i after any layer
                        >= t - 1 (+inf: none) */
  size_t *order;     /* L x M: for a class's first layer, usable servers by cost */
  size_t *n_order;   /* L: servers in order[] */
  double *rem;       /* M, scratch */
  double *slots;     /* M, scratch */
  double *sorted;    /* M, scratch */
  double *charge;    /* M, scratch: entry cost per main-class layer */
  size_t *order2;    /* M, scratch: servers by cost plus charge */
  /* The two fills before any enumerated layer is placed (enumerate): their
   * costs, and which servers each reads (M entries, 1: read). */
  double base_fill[2];
  unsigned char *reads[2];
  int placed[PACK_ENUMERATED]; /* servers of the enumerated layers placed so far */
};

void solver__pack_free(solver__pack *pk) {
  if (pk == NULL) return;
  free(pk->cmin), free(pk->cls), free(pk->main_cls), free(pk->main_n);
  free(pk->heavy), free(pk->light), free(pk->bytes), free(pk->tmin), free(pk->order);
  free(pk->n_order), free(pk->rem), free(pk->slots), free(pk->sorted), free(pk->entry);
  free(pk->charge), free(pk->order2), free(pk->reads[0]), free(pk->reads[1]);
  free(pk);
}

static int same_class(const solver__pack *pk, size_t a, size_t b) {
  if (pk->smin[a] != pk->smin[b]) return 0;
  return memcmp(&pk->cmin[a * pk->M], &pk->cmin[b * pk->M], pk->M * sizeof *pk->cmin) == 0;
}

solver__pack *solver__pack_alloc(const solver__problem *pb) {
  return solver__pack_alloc_weighted(pb, 0.0);
}

solver__pack *solver__pack_alloc_weighted(const solver__problem *pb, double err_weight) {
  const size_t L = pb->L, M = pb->M;
  solver__pack *pk = calloc(1, sizeof *pk);
  if (pk == NULL) return NULL;
  pk->pb = pb;
  pk->L = L;
  pk->M = M;
  pk->smin = pb->smin;
  pk->cmin = malloc(L * M * sizeof *pk->cmin);
  pk->cls = malloc(L * sizeof *pk->cls);
  pk->main_cls = calloc(L + 1, sizeof *pk->main_cls);
  pk->main_n = calloc(L + 1, sizeof *pk->main_n);
  pk->heavy = malloc((L + 1) * PACK_ENUMERATED * sizeof *pk->heavy);
  pk->light = calloc(L + 1, sizeof *pk->light);
  pk->bytes = calloc(L + 1, sizeof *pk->bytes);
  pk->tmin = malloc((L + 1) * sizeof *pk->tmin);
  pk->entry = malloc((L + 1) * M * sizeof *pk->entry);
  pk->charge = malloc(M * sizeof *pk->charge);
  pk->order2 = malloc(M * sizeof *pk->order2);
  pk->reads[0] = malloc(M ? M : 1);
  pk->reads[1] = malloc(M ? M : 1);
  pk->order = malloc(L * M * sizeof *pk->order);
  pk->n_order = calloc(L, sizeof *pk->n_order);
  pk->rem = malloc(M * sizeof *pk->rem);
  pk->slots = malloc(M * sizeof *pk->slots);
  pk->sorted = malloc(M * sizeof *pk->sorted);
  size_t *count = calloc(L, sizeof *count);
  if (!pk->cmin || !pk->cls || !pk->main_cls || !pk->main_n || !pk->heavy ||
      !pk->light || !pk->bytes || !pk->tmin || !pk->order || !pk->n_order || !pk->rem ||
      !pk->slots || !pk->sorted || !pk->entry || !pk->charge || !pk->order2 || !pk->reads[0] || !pk->reads[1] || !count) {
    free(count);
    solver__pack_free(pk);
    return NULL;
  }
  for (size_t l = 0; l < L; l++) {
    for (size_t i = 0; i < M; i++) {
      double best = INFINITY;
      for (size_t g = pb->opt_begin[l]; pb->usable[i] && g < pb->opt_begin[l + 1]; g++) {
        if (pb->storage[g] > pb->capacity[i] * (1 + 1e-9)) continue;
        double c = solver__cost_x(pb, l, g, i);
        if (err_weight > 0) c += err_weight * pb->error[g];
        if (c < best) best = c;
      }
      pk->cmin[l * M + i] = best;
    }
  }
  for (size_t l = 0; l < L; l++) {
    pk->cls[l] = (int)l;
    for (size_t k = 0; k < l; k++)
      if (pk->cls[k] == (int)k && same_class(pk, k, l)) {
        pk->cls[l] = (int)k;
        break;
      }
  }
  for (size_t l = 0; l < L; l++) {
    if (pk->cls[l] != (int)l) continue;
    /* Insertion sort by cost: M is small, and qsort would need the class
     * through a global. Ties keep the server order, so the result is
     * deterministic. */
    size_t n = 0, *ord = &pk->order[l * M];
    const double *c = &pk->cmin[l * M];
    for (size_t i = 0; i < M; i++) {
      if (!isfinite(c[i])) continue;
      size_t q = n++;
      for (; q > 0 && c[ord[q - 1]] > c[i]; q--) ord[q] = ord[q - 1];
      ord[q] = i;
    }
    pk->n_order[l] = n;
  }
  /* Suffix data, from the end: class counts grow as t falls. */
  pk->tmin[L] = INFINITY;
  for (size_t i = 0; i < M; i++) pk->entry[L * M + i] = INFINITY;
  for (size_t t = L; t-- > 0;) {
    count[pk->cls[t]]++;
    pk->bytes[t] = pk->bytes[t + 1] + pk->smin[t];
    size_t best = (size_t)pk->cls[t];
    for (size_t k = t; k < L; k++) {
      const size_t c = (size_t)pk->cls[k];
      if (count[c] > count[best] || (count[c] == count[best] && pk->smin[c] > pk->smin[best]))
        best = c;
    }
    pk->main_cls[t] = best;
    pk->main_n[t] = count[best];
    /* The heaviest other layers are enumerated, the rest charged lightly. */
    int *hv = &pk->heavy[t * PACK_ENUMERATED];
    for (size_t h = 0; h < PACK_ENUMERATED; h++) hv[h] = -1;
    for (size_t k = t; k < L; k++) {
      if ((size_t)pk->cls[k] == best) continue;
      for (size_t h = 0; h < PACK_ENUMERATED; h++)
        if (hv[h] < 0 || pk->smin[k] > pk->smin[hv[h]]) {
          for (size_t q = PACK_ENUMERATED - 1; q > h; q--) hv[q] = hv[q - 1];
          hv[h] = (int)k;
          break;
        }
    }
    double light = 0;
    for (size_t k = t; k < L; k++) {
      if ((size_t)pk->cls[k] == best) continue;
      int enumerated = 0;
      for (size_t h = 0; h < PACK_ENUMERATED; h++) enumerated |= hv[h] == (int)k;
      if (enumerated) continue;
      double c = INFINITY;
      for (size_t i = 0; i < M; i++)
        if (pk->cmin[k * M + i] < c) c = pk->cmin[k * M + i];
      light += c;
    }
    pk->light[t] = light;
    /* Cheapest transfer into each server after layer t - 1 or later (after
     * layer 0 or later for t = 0), and over all servers. */
    double *in = &pk->entry[t * M];
    memcpy(in, &pk->entry[(t + 1) * M], M * sizeof *in);
    const size_t after = t > 0 ? t - 1 : 0;
    for (size_t g = pb->opt_begin[after]; after + 1 < L && g < pb->opt_begin[after + 1]; g++)
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < M; j++)
          if (i != j && pb->usable[i] && pb->usable[j] && solver__cm(pb, g, i, j) < in[j])
            in[j] = solver__cm(pb, g, i, j);
    pk->tmin[t] = INFINITY;
    for (size_t j = 0; j < M; j++)
      if (in[j] < pk->tmin[t]) pk->tmin[t] = in[j];
  }
  free(count);
  return pk;
}

/* Whole layers of size `size` that fit server i's room and slots. */
static double room(const solver__pack *pk, size_t i, double size) {
  double u = pk->slots[i];
  if (size > 0) {
    const double by_bytes = floor(pk->rem[i] / size + 1e-9);
    if (by_bytes < u) u = by_bytes;
  }
  return u >= 1 ? u : 0;
}

/* Greedy fill of n layers of class k into the room left in pk->rem and
 * pk->slots, visiting the servers in ord[0..m-1], each layer on server i
 * costing its compute plus charge[i] (charge may be NULL): exact for one
 * class whose per-layer cost depends only on the server, when ord is
 * sorted by that cost (see the file comment). +inf if they do not fit. */
static double fill(const solver__pack *pk, size_t k, size_t n, const size_t *ord, size_t m,
                   const double *charge, unsigned char *reads) {
  double cost = 0;
  size_t left = n;
  for (size_t q = 0; q < m && left > 0; q++) {
    const size_t i = ord[q];
    if (reads != NULL) reads[i] = 1;
    const double u = room(pk, i, pk->smin[k]);
    if (u < 1) continue;
    const size_t take = u < (double)left ? (size_t)u : left;
    cost += (double)take * (pk->cmin[k * pk->M + i] + (charge ? charge[i] : 0.0));
    left -= take;
  }
  return left == 0 ? cost : INFINITY;
}

/* Places the enumerated layers hv[h..] on every server with room, then
 * fills the main class k (n layers) twice: at compute cost alone (into
 * best[0]) and with the entry charges (into best[1], when charged). Each
 * gets the minimum over the placements. */
static void enumerate(solver__pack *pk, const int *hv, size_t h, size_t k, size_t n, int charged,
                      double base, double *best) {
  if (h == PACK_ENUMERATED || hv[h] < 0) {
    /* A fill reads the room of the servers it visits and nothing else: when
     * no enumerated layer sits on one of them, it is the fill before any
     * was placed, bit for bit (same servers, rooms and operations). */
    int touched[2] = {0, 0};
    for (size_t q = 0; q < h; q++)
      for (int f = 0; f < 2; f++) touched[f] |= pk->reads[f][pk->placed[q]];
    const double plain =
        base + (touched[0] ? fill(pk, k, n, &pk->order[k * pk->M], pk->n_order[k], NULL, NULL)
                           : pk->base_fill[0]);
    if (plain < best[0]) best[0] = plain;
    if (charged) {
      const double c =
          base + (touched[1] ? fill(pk, k, n, pk->order2, pk->n_order[k], pk->charge, NULL)
                             : pk->base_fill[1]);
      if (c < best[1]) best[1] = c;
    }
    return;
  }
  const size_t l = (size_t)hv[h];
  for (size_t i = 0; i < pk->M; i++) {
    const double c = pk->cmin[l * pk->M + i];
    if (!isfinite(c) || pk->slots[i] < 1 || pk->smin[l] > pk->rem[i] * (1 + 1e-12)) continue;
    const double r0 = pk->rem[i];
    pk->rem[i] -= pk->smin[l];
    pk->slots[i] -= 1;
    pk->placed[h] = (int)i;
    enumerate(pk, hv, h + 1, k, n, charged, base + c, best);
    pk->rem[i] = r0;
    pk->slots[i] += 1;
  }
}

/* The entry charges of the layers after t - 1 >= 0 (file comment): a
 * server that holds any of them is entered by a transfer at least once,
 * and holds at most room(i) layers of the main class k, so charging
 * entry/room per main-class layer never exceeds its entry cost. Fills
 * pk->charge and pk->order2, the servers by cost plus charge. */
static void charges(solver__pack *pk, size_t t, size_t k) {
  const size_t M = pk->M, m = pk->n_order[k];
  for (size_t q = 0; q < m; q++) {
    const size_t i = pk->order[k * M + q];
    const double u = room(pk, i, pk->smin[k]);
    pk->charge[i] = u >= 1 ? pk->entry[t * M + i] / u : 0.0;
  }
  for (size_t q = 0; q < m; q++) {
    const size_t i = pk->order[k * M + q];
    const double c = pk->cmin[k * M + i] + pk->charge[i];
    size_t p = q;
    for (; p > 0 && pk->cmin[k * M + pk->order2[p - 1]] + pk->charge[pk->order2[p - 1]] > c; p--)
      pk->order2[p] = pk->order2[p - 1];
    pk->order2[p] = i;
  }
}

static int by_desc(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return (a < b) - (a > b);
}

/* Selection steps before fewest() sorts the rest. */
#define FEWEST_SELECT 16

/* Fewest servers whose largest values in v[] (reordered in place) reach
 * need. The values are summed largest first: the first few picked by
 * selection (the answer is usually a handful of servers, and a full sort
 * of M values per search node was a third of the search's time at
 * M = 128), the rest sorted; the order, hence the sum, is a descending
 * sort's either way. */
static double fewest(double *v, size_t M, double need) {
  double sum = 0;
  for (size_t q = 0; q < M; q++) {
    if (sum >= need * (1 - 1e-12)) return (double)q;
    if (q == FEWEST_SELECT) qsort(v + q, M - q, sizeof *v, by_desc);
    if (q < FEWEST_SELECT) {
      size_t top = q;
      for (size_t p = q + 1; p < M; p++)
        if (v[p] > v[top]) top = p;
      const double x = v[top];
      v[top] = v[q], v[q] = x;
    }
    sum += v[q];
  }
  return sum >= need * (1 - 1e-12) ? (double)M : INFINITY;
}

double solver__pack_bound(solver__pack *pk, size_t t, const double *used,
                          const size_t *count) {
  const solver__problem *pb = pk->pb;
  const size_t L = pk->L, M = pk->M;
  if (t >= L) return 0.0;
  for (size_t i = 0; i < M; i++) {
    double r = pb->usable[i] ? pb->capacity[i] * (1 + 1e-9) - (used ? used[i] : 0.0) : 0.0;
    pk->rem[i] = r > 0 ? r : 0.0;
    double s = (double)L;
    if (!pb->usable[i]) s = 0;
    else if (pb->cap > 0) s = (double)pb->cap - (double)(count ? count[i] : 0);
    pk->slots[i] = s > 0 ? s : 0.0;
  }
  const size_t k = pk->main_cls[t];
  /* Entry charges need a transfer into every server used: true for t > 0. */
  const int charged = t > 0;
  if (charged) charges(pk, t, k);
  double best[2] = {INFINITY, INFINITY};
  /* The fills before any enumerated layer is placed, and what they read:
   * most enumerated placements leave those servers alone (O(M²) leaves in
   * O(1) each instead of O(M) each). */
  memset(pk->reads[0], 0, M);
  memset(pk->reads[1], 0, M);
  pk->base_fill[0] = fill(pk, k, pk->main_n[t], &pk->order[k * M], pk->n_order[k], NULL, pk->reads[0]);
  pk->base_fill[1] =
      charged ? fill(pk, k, pk->main_n[t], pk->order2, pk->n_order[k], pk->charge, pk->reads[1]) : INFINITY;
  enumerate(pk, &pk->heavy[t * PACK_ENUMERATED], 0, k, pk->main_n[t], charged, 0.0, best);
  const double compute = pk->light[t] + best[0];
  if (!isfinite(compute)) return INFINITY;
  const double with_entries = pk->light[t] + best[1]; /* +inf when not charged */
  /* Distinct servers the suffix needs, by bytes and by slots. */
  memcpy(pk->sorted, pk->rem, M * sizeof *pk->sorted);
  double servers = fewest(pk->sorted, M, pk->bytes[t]);
  if (pb->cap > 0) {
    /* Without a cap every usable server has L slots: one suffices. */
    memcpy(pk->sorted, pk->slots, M * sizeof *pk->sorted);
    const double by_slots = fewest(pk->sorted, M, (double)(L - t));
    if (by_slots > servers) servers = by_slots;
  }
  if (!isfinite(servers)) return INFINITY;
  if (servers < 1) servers = 1; /* the suffix is not empty */
  const double transfers = t > 0 ? servers : servers - 1;
  double bound = compute;
  if (transfers > 0) {
    if (!isfinite(pk->tmin[t])) return INFINITY; /* a transfer is needed but no route exists */
    bound += transfers * pk->tmin[t];
  }
  return charged && with_entries > bound ? with_entries : bound;
}
