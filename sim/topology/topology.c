/* topology.c: drawing servers and links for one run (see topology.h for the
 * draw order that gives common random numbers across sweep points). */
#include "sim/topology/internal.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"

const char *const sim_unit_names[] = {"bytes", "model_fp32", "model_fp32_share", NULL};
const char *const sim_topology_kind_names[] = {"full", "geometric", NULL};

static double spec_value(const sim_spec *s, size_t i, double u) {
  switch (s->kind) {
  case SIM_SPEC_CONST: return s->value;
  case SIM_SPEC_LIST: return s->list[i];
  case SIM_SPEC_UNIFORM:
  default: {
    double hi = s->ratio > 0 ? s->min * s->ratio : s->max;
    return s->min + u * (hi - s->min);
  }
  }
}

void sim_topology_free(sim_topology *t) {
  if (t == NULL) return;
  free(t->servers);
  free(t->bandwidth);
  free(t->latency);
  free(t->link_bandwidth);
  free(t->link_latency);
  free(t->next_hop);
  free(t);
}

/* A route's cost, compared lexicographically: the per-bit time Σ 1/Ω_h
 * (the term that dominates for activation-sized messages), then latency. */
typedef struct {
  double w, lat;
} cost;

static int cost_less(cost a, cost b) { return a.w < b.w || (a.w == b.w && a.lat < b.lat); }

/* A binary min-heap of candidate edges for one source: settled node `from`
 * offers its next unscanned edge at total cost c. */
typedef struct {
  cost c;
  int from;
} cand;

static void heap_push(cand *h, size_t *n, cand x) {
  size_t i = (*n)++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!cost_less(x.c, h[p].c)) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

static cand heap_pop(cand *h, size_t *n) {
  cand top = h[0], x = h[--(*n)];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    cost cm = x.c;
    if (l < *n && cost_less(h[l].c, cm)) { m = l; cm = h[l].c; }
    if (r < *n && cost_less(h[r].c, cm)) m = r;
    if (m == i) break;
    h[i] = h[m];
    i = m;
  }
  if (*n > 0) h[i] = x;
  return top;
}

/* Sorting a node's neighbors by the cost of the link to them. */
typedef struct {
  const sim_topology *t;
  size_t from;
} edge_order;

static int edge_cmp(const void *a, const void *b, const edge_order *o) {
  const size_t n = o->t->n, i = o->from;
  const int x = *(const int *)a, y = *(const int *)b;
  const cost cx = {1.0 / o->t->link_bandwidth[i * n + (size_t)x], o->t->link_latency[i * n + (size_t)x]};
  const cost cy = {1.0 / o->t->link_bandwidth[i * n + (size_t)y], o->t->link_latency[i * n + (size_t)y]};
  if (cost_less(cx, cy)) return -1;
  if (cost_less(cy, cx)) return 1;
  return (x > y) - (x < y);
}

/* qsort has no context argument in C11; a small insertion-merge sort does
 * the work instead (stable, O(d log d)). */
static void edges_sort(int *v, int *tmp, size_t d, const edge_order *o) {
  if (d < 2) return;
  const size_t h = d / 2;
  edges_sort(v, tmp, h, o);
  edges_sort(v + h, tmp, d - h, o);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < d) tmp[k++] = edge_cmp(&v[j], &v[i], o) < 0 ? v[j++] : v[i++];
  while (i < h) tmp[k++] = v[i++];
  while (j < d) tmp[k++] = v[j++];
  memcpy(v, tmp, d * sizeof *v);
}

/* All-pairs routes minimizing (Σ 1/Ω_h, latency) lexicographically. One
 * Dijkstra per source in Spira's form: every node's links are sorted once
 * by cost, and a settled node offers only its cheapest link to a node not
 * yet settled, so a source scans few links beyond the n it settles
 * (O(n log n) expected for random link costs) instead of every link. With
 * 4096 servers this takes seconds where Floyd-Warshall's O(n^3) took
 * minutes. With relay = 0 (the paper's full mesh) every pair uses its
 * direct link even when two fast hops would beat a slow one: the paper's
 * model sends over Ω_ij itself. */
static int routes(sim_topology *t, int relay) {
  const size_t n = t->n;
  double *w = malloc(n * n * sizeof *w); /* s/bit along the best route */
  if (w == NULL) return -1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      size_t ij = i * n + j;
      double bw = t->link_bandwidth[ij];
      if (i == j) { w[ij] = 0; t->latency[ij] = 0; t->next_hop[ij] = -1; }
      else if (bw > 0) { w[ij] = 1.0 / bw; t->latency[ij] = t->link_latency[ij]; t->next_hop[ij] = (int)j; }
      else { w[ij] = INFINITY; t->latency[ij] = INFINITY; t->next_hop[ij] = -1; }
    }
  if (relay) {
    size_t *start = malloc((n + 1) * sizeof *start), *pos = malloc(n * sizeof *pos);
    size_t n_edges = 0;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) n_edges += i != j && t->link_bandwidth[i * n + j] > 0;
    int *adj = malloc((n_edges ? n_edges : 1) * sizeof *adj), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    /* Each link's cost beside its index: read in sorted order, so the scans
     * stay in cache instead of jumping through the n x n matrices. */
    cost *ec = malloc((n_edges ? n_edges : 1) * sizeof *ec);
    cand *heap = malloc((n ? n : 1) * sizeof *heap);
    unsigned char *done = malloc(n ? n : 1);
    if (!start || !pos || !adj || !tmp || !heap || !done || !ec) {
      free(start); free(pos); free(adj); free(tmp); free(heap); free(done); free(ec); free(w);
      return -1;
    }
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
      start[i] = e;
      for (size_t j = 0; j < n; j++)
        if (i != j && t->link_bandwidth[i * n + j] > 0) adj[e++] = (int)j;
      const edge_order o = {t, i};
      edges_sort(adj + start[i], tmp, e - start[i], &o);
      for (size_t k = start[i]; k < e; k++)
        ec[k] = (cost){w[i * n + (size_t)adj[k]], t->link_latency[i * n + (size_t)adj[k]]};
    }
    start[n] = e;
    /* Every link has both directions (bandwidths are drawn > 0 both ways),
     * so the nodes a source reaches are its connected component; a source
     * stops once it has settled them all, without draining the candidates
     * that point to settled nodes (which would scan every link again). */
    size_t *comp = pos, *reach = malloc(n * sizeof *reach);
    if (reach == NULL) {
      free(start); free(pos); free(adj); free(tmp); free(heap); free(done); free(ec); free(w);
      return -1;
    }
    for (size_t i = 0; i < n; i++) comp[i] = i;
    for (size_t i = 0; i < n; i++)
      for (size_t k = start[i]; k < start[i + 1]; k++) {
        size_t a = i, b = (size_t)adj[k];
        while (comp[a] != a) a = comp[a] = comp[comp[a]];
        while (comp[b] != b) b = comp[b] = comp[comp[b]];
        if (a != b) comp[a < b ? b : a] = a < b ? a : b;
      }
    memset(reach, 0, n * sizeof *reach);
    for (size_t i = 0; i < n; i++) {
      size_t a = i;
      while (comp[a] != a) a = comp[a];
      comp[i] = a;
      reach[a]++;
    }
    for (size_t i = 0; i < n; i++) reach[i] = reach[comp[i]];
    for (size_t src = 0; src < n; src++) {
      double *ws = w + src * n, *ls = t->latency + src * n;
      int *hop = t->next_hop + src * n;
      memset(done, 0, n);
      done[src] = 1;
      size_t hn = 0, settled = 1;
      /* Each settled node has exactly one candidate in the heap: its
       * cheapest link to a node not yet settled. */
      pos[src] = start[src];
      if (pos[src] < start[src + 1]) heap_push(heap, &hn, (cand){ec[pos[src]], (int)src});
      while (hn > 0 && settled < reach[src]) {
        cand c = heap_pop(heap, &hn);
        const size_t u = (size_t)c.from, v = (size_t)adj[pos[u]];
        if (!done[v]) {
          done[v] = 1;
          settled++;
          ws[v] = c.c.w;
          ls[v] = c.c.lat;
          hop[v] = u == src ? (int)v : hop[u];
          pos[v] = start[v];
          while (pos[v] < start[v + 1] && done[adj[pos[v]]]) pos[v]++;
          if (pos[v] < start[v + 1])
            heap_push(heap, &hn, (cand){{ws[v] + ec[pos[v]].w, ls[v] + ec[pos[v]].lat}, (int)v});
        }
        /* u offers its next link to a node not yet settled. */
        while (pos[u] < start[u + 1] && done[adj[pos[u]]]) pos[u]++;
        if (pos[u] < start[u + 1])
          heap_push(heap, &hn, (cand){{ws[u] + ec[pos[u]].w, ls[u] + ec[pos[u]].lat}, (int)u});
      }
    }
    free(start); free(pos); free(adj); free(tmp); free(heap); free(done); free(ec); free(reach);
  }
  t->unreachable = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      size_t ij = i * n + j;
      if (i == j) { t->bandwidth[ij] = 0; continue; }
      if (isinf(w[ij])) {
        t->bandwidth[ij] = 0;
        t->latency[ij] = 0;
        t->unreachable++;
      } else if (t->next_hop[ij] == (int)j) {
        /* A direct route keeps the drawn value exactly (1/(1/x) may not). */
        t->bandwidth[ij] = t->link_bandwidth[ij];
      } else {
        t->bandwidth[ij] = 1.0 / w[ij];
      }
    }
  free(w);
  return 0;
}

sim_topology *sim_topology_alloc(const sim_servers_config *servers, const sim_links_config *links,
                                 uint64_t seed, uint64_t run, double model_fp32_bytes,
                                 sim_error *err) {
  const size_t m = (size_t)servers->count;
  const size_t n = m + (servers->has_cloud ? 1 : 0);
  sim_topology *t = calloc(1, sizeof *t);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (t) {
    t->n = n;
    t->n_edge = m;
    t->servers = calloc(n, sizeof *t->servers);
    t->bandwidth = calloc(n * n, sizeof *t->bandwidth);
    t->latency = calloc(n * n, sizeof *t->latency);
    t->link_bandwidth = calloc(n * n, sizeof *t->link_bandwidth);
    t->link_latency = calloc(n * n, sizeof *t->link_latency);
    t->next_hop = calloc(n * n, sizeof *t->next_hop);
  }
  if (!t || !r || !t->servers || !t->bandwidth || !t->latency || !t->link_bandwidth ||
      !t->link_latency || !t->next_hop) {
    gsl_rng_free(r);
    sim_topology_free(t);
    sim_error_set(err, SIM_ENOMEM, "out of memory drawing a topology of %zu servers", n);
    return NULL;
  }
  gsl_rng_set(r, sim_seed_derive(seed, SIM_STREAM_TOPOLOGY, run));

  double unit = 1.0;
  if (servers->storage.unit == SIM_UNIT_MODEL_FP32) unit = model_fp32_bytes;
  if (servers->storage.unit == SIM_UNIT_MODEL_FP32_SHARE) unit = model_fp32_bytes / (double)m;
  for (size_t i = 0; i < m; i++) {
    sim_server *s = &t->servers[i];
    double u_ccs = gsl_rng_uniform(r), u_st = gsl_rng_uniform(r), u_mb = gsl_rng_uniform(r);
    s->x = gsl_rng_uniform(r);
    s->y = gsl_rng_uniform(r);
    snprintf(s->name, sizeof s->name, "s%zu", i);
    s->ccs = spec_value(&servers->ccs, i, u_ccs);
    s->storage = spec_value(&servers->storage, i, u_st) * unit;
    s->mem_bandwidth = spec_value(&servers->mem_bandwidth, i, u_mb);
  }
  if (sim_topology_devices(t, servers, seed, run, err) != SIM_OK) {
    gsl_rng_free(r);
    sim_topology_free(t);
    return NULL;
  }
  const sim_link_profile *prof =
      links->profile ? sim_catalog_link(links->hw_catalog, links->profile) : NULL;
  if (links->profile != NULL && prof == NULL) {
    gsl_rng_free(r);
    sim_topology_free(t);
    sim_error_set(err, SIM_EINPUT, "unknown link profile '%s'", links->profile);
    return NULL;
  }

  const double lo = links->omega_min, hi = links->omega_min * links->omega_ratio;
  const int geo = links->topology == SIM_TOPO_GEOMETRIC;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++) {
      double u1 = gsl_rng_uniform(r), u2 = gsl_rng_uniform(r);
      double bij = lo + u1 * (hi - lo);
      double bji = links->symmetric ? bij : lo + u2 * (hi - lo);
      double lat = links->latency;
      if (prof != NULL) {
        bij = bji = prof->bandwidth * prof->efficiency;
        lat = prof->latency + prof->message_overhead;
      }
      if (geo) {
        double dx = t->servers[i].x - t->servers[j].x, dy = t->servers[i].y - t->servers[j].y;
        if (sqrt(dx * dx + dy * dy) > links->radius) continue;
      }
      t->link_bandwidth[i * n + j] = bij;
      t->link_bandwidth[j * n + i] = bji;
      t->link_latency[i * n + j] = t->link_latency[j * n + i] = lat;
    }

  if (servers->has_cloud) {
    sim_server *c = &t->servers[m];
    snprintf(c->name, sizeof c->name, "cloud");
    c->ccs = servers->cloud.ccs;
    c->storage = servers->cloud.storage;
    c->mem_bandwidth = servers->cloud.mem_bandwidth;
    c->x = c->y = -1; /* off the map: reached over the backhaul, not by radius */
    c->is_cloud = 1;
    c->kind = -1;
    c->idle_power = c->peak_power = NAN;
    if (servers->calibration) {
      sim_calib_class k = sim_calibration_class(servers->calibration, -1);
      c->bw_fraction = k.bw_fraction;
      c->compute_fraction = k.compute_fraction;
      c->overhead = k.overhead;
    }
    for (size_t i = 0; i < m; i++) {
      t->link_bandwidth[i * n + m] = t->link_bandwidth[m * n + i] = servers->cloud.bandwidth;
      t->link_latency[i * n + m] = t->link_latency[m * n + i] = servers->cloud.latency;
    }
  }
  gsl_rng_free(r);
  if (routes(t, geo) != 0) {
    sim_topology_free(t);
    sim_error_set(err, SIM_ENOMEM, "out of memory computing routes");
    return NULL;
  }
  return t;
}
