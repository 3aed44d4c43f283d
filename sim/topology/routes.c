/* routes.c: the all-pairs routes of a topology (the end-to-end bandwidth,
 * latency and first hop of every ordered pair). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/topology/internal.h"

/* A route's cost, compared lexicographically: the per-bit time Σ 1/Ω_h
 * (the term that dominates for activation-sized messages), then latency. */
typedef struct {
  double w, lat;
} cost;

static int cost_less(cost a, cost b) { return a.w < b.w || (a.w == b.w && a.lat < b.lat); }

/* A binary min-heap of candidate links for one source: settled node `from`
 * offers its next unscanned link at total cost c. */
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

/* The pull phase's heap orders by cost, then by index (`from`), so that it
 * settles equal costs in the order a scan over the indices would. */
static int qless(cand a, cand b) {
  return cost_less(a.c, b.c) || (!cost_less(b.c, a.c) && a.from < b.from);
}

static void qsift_down(cand *h, size_t n, size_t i) {
  const cand x = h[i];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    cand cm = x;
    if (l < n && qless(h[l], cm)) { m = l; cm = h[l]; }
    if (r < n && qless(h[r], cm)) m = r;
    if (m == i) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = x;
}

static void qpush(cand *h, size_t *n, cand x) {
  size_t i = (*n)++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!qless(x, h[p])) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

static cand qpop(cand *h, size_t *n) {
  const cand top = h[0];
  h[0] = h[--(*n)];
  if (*n > 0) qsift_down(h, *n, 0);
  return top;
}

/* A server index in the link lists: 16 bits halve the memory the search
 * streams through (the scenario allows 4096 servers and a cloud node). */
typedef uint16_t node;
#define NODE_MAX UINT16_MAX

/* Stable merge sorts (C11's qsort has no context argument): a node's
 * outgoing links by cost, then target; its incoming links by cost, then
 * origin. */
static int out_before(const cost *ca, node a, const cost *cb, node b) {
  return cost_less(*ca, *cb) || (!cost_less(*cb, *ca) && a < b);
}

static void out_sort(node *v, cost *c, node *tv, cost *tc, size_t d) {
  if (d < 2) return;
  const size_t h = d / 2;
  out_sort(v, c, tv, tc, h);
  out_sort(v + h, c + h, tv, tc, d - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < d) {
    size_t x = out_before(&c[j], v[j], &c[i], v[i]) ? j++ : i++;
    tv[k] = v[x];
    tc[k++] = c[x];
  }
  for (; i < h; i++, k++) { tv[k] = v[i]; tc[k] = c[i]; }
  for (; j < d; j++, k++) { tv[k] = v[j]; tc[k] = c[j]; }
  memcpy(v, tv, d * sizeof *v);
  memcpy(c, tc, d * sizeof *c);
}

/* The links of every node in both directions, sorted by cost (compressed
 * rows: node i's links are [start[i], start[i + 1])), and the connected
 * components (every link has both directions, so a source reaches exactly
 * its component). */
typedef struct {
  size_t *start;
  node *adj;       /* target of each outgoing link */
  cost *ec;        /* its cost, beside it so scans stay sequential */
  cost *first;     /* each node's cheapest link (ec[start[i]]), compact */
  /* Incoming links: when every link has the same cost both ways (the
   * default `symmetric: true`), a node's incoming links sorted by (cost,
   * origin) are its outgoing ones sorted by (cost, target), so these point
   * into the arrays above and nothing is copied. */
  const size_t *in_start;
  const node *in_from;
  const cost *in_c;
  size_t *own_start; /* allocated only for asymmetric links */
  node *own_from;
  cost *own_c;
  size_t *reach;   /* size of each node's component */
  int *comp;       /* each node's component (its smallest member) */
} graph;

static void graph_clear(graph *g) {
  free(g->start); free(g->adj); free(g->ec); free(g->first); free(g->own_start); free(g->own_from); free(g->own_c);
  free(g->reach); free(g->comp);
}

/* Whether every link has the same cost both ways. The matrices are compared
 * with their transposes in 64 x 64 tiles, so the column reads stay within a
 * few pages instead of striding over the whole matrix. */
static int links_symmetric(const sim_topology *t) {
  const size_t n = t->n, b = 64;
  const double *bw = t->link_bandwidth, *lat = t->link_latency;
  for (size_t i0 = 0; i0 < n; i0 += b)
    for (size_t j0 = i0; j0 < n; j0 += b) {
      const size_t i1 = i0 + b < n ? i0 + b : n, j1 = j0 + b < n ? j0 + b : n;
      for (size_t i = i0; i < i1; i++)
        for (size_t j = j0 > i + 1 ? j0 : i + 1; j < j1; j++)
          if (bw[i * n + j] != bw[j * n + i] || lat[i * n + j] != lat[j * n + i]) return 0;
    }
  return 1;
}

static int graph_build(graph *g, const sim_topology *t) {
  const size_t n = t->n;
  memset(g, 0, sizeof *g);
  if (n > (size_t)NODE_MAX + 1) return -1;
  size_t n_edges = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) n_edges += i != j && t->link_bandwidth[i * n + j] > 0;
  const size_t ne = n_edges ? n_edges : 1, nn = n ? n : 1;
  const int sym = links_symmetric(t);
  g->start = malloc((n + 1) * sizeof *g->start);
  g->adj = sim_memory_big_calloc(ne, sizeof *g->adj);
  g->ec = sim_memory_big_calloc(ne, sizeof *g->ec);
  g->first = malloc(nn * sizeof *g->first);
  g->reach = calloc(nn, sizeof *g->reach);
  g->comp = malloc(nn * sizeof *g->comp);
  if (!sym) {
    g->own_start = calloc(n + 1, sizeof *g->own_start);
    g->own_from = malloc(ne * sizeof *g->own_from);
    g->own_c = malloc(ne * sizeof *g->own_c);
  }
  node *tv = malloc(nn * sizeof *tv);
  cost *tc = malloc(nn * sizeof *tc);
  if (!g->start || !g->adj || !g->ec || !g->first || !g->reach || !g->comp || !tv || !tc ||
      (!sym && (!g->own_start || !g->own_from || !g->own_c))) {
    free(tv); free(tc);
    graph_clear(g);
    return -1;
  }
  size_t e = 0;
  for (size_t i = 0; i < n; i++) {
    g->start[i] = e;
    for (size_t j = 0; j < n; j++) {
      const size_t ij = i * n + j;
      if (i == j || !(t->link_bandwidth[ij] > 0)) continue;
      g->adj[e] = (node)j;
      g->ec[e++] = (cost){1.0 / t->link_bandwidth[ij], t->link_latency[ij]};
      if (!sym) g->own_start[j + 1]++;
    }
    out_sort(g->adj + g->start[i], g->ec + g->start[i], tv, tc, e - g->start[i]);
    if (e > g->start[i]) g->first[i] = g->ec[g->start[i]];
  }
  g->start[n] = e;
  if (sym) {
    g->in_start = g->start;
    g->in_from = g->adj;
    g->in_c = g->ec;
  } else {
    for (size_t j = 0; j < n; j++) g->own_start[j + 1] += g->own_start[j];
    size_t *fill = g->reach; /* borrowed until the components below */
    for (size_t j = 0; j < n; j++) fill[j] = g->own_start[j];
    for (size_t i = 0; i < n; i++)
      for (size_t k = g->start[i]; k < g->start[i + 1]; k++) {
        const size_t at = fill[g->adj[k]]++;
        g->own_from[at] = (node)i;
        g->own_c[at] = g->ec[k];
      }
    for (size_t j = 0; j < n; j++) {
      const size_t b = g->own_start[j];
      out_sort(g->own_from + b, g->own_c + b, tv, tc, g->own_start[j + 1] - b);
    }
    g->in_start = g->own_start;
    g->in_from = g->own_from;
    g->in_c = g->own_c;
  }
  free(tv); free(tc);
  /* Components by union-find, each named by its smallest member. */
  int *comp = g->comp;
  for (size_t i = 0; i < n; i++) comp[i] = (int)i;
  for (size_t i = 0; i < n; i++)
    for (size_t k = g->start[i]; k < g->start[i + 1]; k++) {
      int a = (int)i, b = g->adj[k];
      while (comp[a] != a) a = comp[a] = comp[comp[a]];
      while (comp[b] != b) b = comp[b] = comp[comp[b]];
      if (a != b) comp[a < b ? b : a] = a < b ? a : b;
    }
  memset(g->reach, 0, nn * sizeof *g->reach);
  for (size_t i = 0; i < n; i++) {
    int a = (int)i;
    while (comp[a] != a) a = comp[a];
    comp[i] = a;
    g->reach[a]++;
  }
  for (size_t i = 0; i < n; i++) g->reach[i] = g->reach[comp[i]];
  return 0;
}

/* A link between two nodes left for the pull phase. */
typedef struct {
  cost c;
  int from, to;
} lnk;

/* Scratch space of one source's search. */
typedef struct {
  cand *heap;
  size_t *pos;         /* next unscanned outgoing link of each settled node */
  unsigned char *done; /* settled */
  int *left;           /* the nodes still unsettled when the search turns to pulling */
  cost *key;           /* their best cost so far */
  int *par;            /* and the settled node it comes from (-1: none yet) */
  int *lidx;           /* each node's index in left, or -1 */
  unsigned char *fin;  /* left[k] settled */
  size_t *lstart;      /* links between left nodes, by origin: [lstart[k], lstart[k + 1]) */
  lnk *links, *sorted; /* links between left nodes (origin and target as left indices) */
  size_t cap;          /* capacity of links and sorted */
  cand *queue;         /* the pull phase's heap: n + cap entries (a node and each decrease) */
} scratch;

/* The search stops pushing when this few of a source's component are left
 * (see one_source). The costs do not depend on it, but the first hop of a
 * tie does: with a link profile every link costs the same and routes of
 * equal cost abound, and another switch point picks other first hops among
 * them. So it stays as it is; it trades the push phase's wasted scans
 * against the pull phase's scans of incoming links. */
static size_t switch_left(size_t reach) { return reach / 32; }

/* One source's routes: a Dijkstra search in two phases that settles nodes
 * in the same order and gives every node the same cost, summed in the same
 * order (the route's links from the source outward), as a plain Dijkstra.
 *
 * Phase 1 (push, Spira's form): every node's links are sorted by cost, and
 * a settled node offers only its cheapest link to a node not yet settled,
 * so the heap holds one candidate per settled node. Its waste is the links
 * it skips because their target is already settled, and that waste grows
 * as the component fills up: a dense geometric graph with link costs within
 * a factor of 10 of each other (the paper's Ω draw) keeps skipping links of
 * nodes near the source while the last, farthest nodes wait.
 *
 * Phase 2 (pull), once few nodes are left: each left node v scans its own
 * incoming links in order of cost and takes the best (ws[u] + c, ls[u] + λ)
 * over settled u, stopping at the first link whose cost c satisfies
 * fl(a + c) > best, where a is the smallest cost of any settled node other
 * than the source. Rounding to nearest is monotone, so every later link c'
 * >= c from a settled u (ws[u] >= a) costs fl(ws[u] + c') >= fl(a + c) >
 * best: none of them can win, nor tie. The source's own link is taken first
 * (its cost is the link's cost exactly). The left nodes then finish with a
 * Dijkstra among themselves, relaxing the links
 * between left nodes that the scans met, with the same sums (a heap of
 * (cost, index) that picks what a scan for the first smallest would). Both
 * phases compute each settled node's cost as
 * the lexicographic minimum over settled predecessors u of (ws[u] + c,
 * ls[u] + λ), which is what Dijkstra computes, so the costs are identical
 * bit for bit; only the first hop of a tie (two routes of exactly equal
 * cost) may differ. */
static int one_source(sim_topology *t, const graph *g, scratch *s, size_t src) {
  const size_t n = t->n, reach = g->reach[src];
  double *ws = t->bandwidth + src * n, *ls = t->latency + src * n;
  int *hop = t->next_hop + src * n;
  unsigned char *done = s->done;
  size_t *pos = s->pos;
  const size_t *start = g->start;
  memset(done, 0, n);
  done[src] = 1;
  size_t hn = 0, settled = 1;
  const size_t stop = reach - switch_left(reach);
  double amin = INFINITY; /* the smallest w of a settled node other than src */
  pos[src] = start[src];
  if (pos[src] < start[src + 1]) s->heap[hn++] = (cand){g->ec[pos[src]], (int)src};
  while (hn > 0 && settled < stop) {
#ifdef __GNUC__
    /* The top's list position is known before the pop: fetching its target
     * and cost while the heap sifts hides the two cache misses a pop costs. */
    __builtin_prefetch(&g->adj[pos[s->heap[0].from]]);
    __builtin_prefetch(&g->ec[pos[s->heap[0].from]]);
#endif
    cand c = heap_pop(s->heap, &hn);
    const size_t u = (size_t)c.from, v = (size_t)g->adj[pos[u]];
    if (!done[v]) {
      done[v] = 1;
      if (settled++ == 1) amin = c.c.w;
      ws[v] = c.c.w;
      ls[v] = c.c.lat;
      hop[v] = u == src ? (int)v : hop[u];
      /* v offers its cheapest link without looking whether the target is
       * settled: a lower bound on its next real candidate, read from a
       * small array instead of v's own list, which the search touches only
       * if the bound comes up (then the target is checked below). Nodes
       * settled late never pay for a cache miss on their list. */
      pos[v] = start[v];
      if (pos[v] < start[v + 1])
        heap_push(s->heap, &hn, (cand){{ws[v] + g->first[v].w, ls[v] + g->first[v].lat}, (int)v});
    }
    /* u offers its next link to a node not yet settled. */
    {
      /* Four targets at a time: their loads overlap instead of waiting on
       * each other's branch (the scan reads at most three entries past the
       * first unsettled one, inside u's list). */
      const node *a = g->adj;
      size_t p = pos[u];
      const size_t end = start[u + 1];
      while (p + 4 <= end && (done[a[p]] & done[a[p + 1]] & done[a[p + 2]] & done[a[p + 3]])) p += 4;
      while (p < end && done[a[p]]) p++;
      pos[u] = p;
    }
    if (pos[u] < start[u + 1])
      heap_push(s->heap, &hn,
                (cand){{ws[u] + g->ec[pos[u]].w, ls[u] + g->ec[pos[u]].lat}, (int)u});
  }
  if (settled >= reach) return 0;
  /* Phase 2: pull. A link u -> v between two left nodes matters only if it
   * comes before the break in v's scan: a later one has fl(a + c) > best
   * >= v's final cost, and u's final cost is >= a too. So the scan keeps
   * those links, and the left nodes relax over them alone. */
  size_t nl = 0, nk = 0;
  const int cs = g->comp[src];
  for (size_t v = 0; v < n; v++) {
    if (done[v] || g->comp[v] != cs) continue;
    cost best = {INFINITY, INFINITY};
    int par = -1;
    const double bw = t->link_bandwidth[src * n + v];
    if (bw > 0) { best = (cost){1.0 / bw, t->link_latency[src * n + v]}; par = (int)src; }
    for (size_t k = g->in_start[v]; k < g->in_start[v + 1]; k++) {
      const cost *c = &g->in_c[k];
      if (amin + c->w > best.w) break;
      const size_t u = (size_t)g->in_from[k];
      if (u == src) continue;
      if (!done[u]) {
        if (nk == s->cap) {
          const size_t cap = s->cap * 2;
          lnk *a = realloc(s->links, cap * sizeof *a);
          if (a != NULL) s->links = a;
          lnk *b = a ? realloc(s->sorted, cap * sizeof *b) : NULL;
          if (b != NULL) s->sorted = b;
          cand *q = b ? realloc(s->queue, (n + cap) * sizeof *q) : NULL;
          if (q != NULL) s->queue = q;
          if (a == NULL || b == NULL || q == NULL) return -1;
          s->cap = cap;
        }
        s->links[nk++] = (lnk){*c, (int)u, (int)nl};
        continue;
      }
      const cost x = {ws[u] + c->w, ls[u] + c->lat};
      if (cost_less(x, best)) { best = x; par = (int)u; }
    }
    s->lidx[v] = (int)nl;
    s->fin[nl] = 0;
    s->left[nl] = (int)v;
    s->key[nl] = best;
    s->par[nl++] = par;
  }
  /* The kept links by origin (a counting sort; origins as left indices). */
  memset(s->lstart, 0, (nl + 1) * sizeof *s->lstart);
  for (size_t k = 0; k < nk; k++) s->lstart[s->lidx[s->links[k].from] + 1]++;
  for (size_t k = 0; k < nl; k++) s->lstart[k + 1] += s->lstart[k];
  for (size_t k = 0; k < nk; k++) {
    lnk e = s->links[k];
    e.from = s->lidx[e.from];
    s->sorted[s->lstart[e.from]++] = e;
  }
  for (size_t k = nl; k > 0; k--) s->lstart[k] = s->lstart[k - 1];
  s->lstart[0] = 0;
  /* The left nodes settle in order of (cost, index in left): a heap with
   * lazy deletion (an entry whose node is settled, or whose cost is no
   * longer the node's, is skipped) picks the same node as a scan for the
   * first smallest key would, in O(log) instead of O(left). */
  size_t qn = 0;
  for (size_t k = 0; k < nl; k++) s->queue[qn++] = (cand){s->key[k], (int)k};
  for (size_t k = qn / 2; k-- > 0;) qsift_down(s->queue, qn, k);
  while (qn > 0) {
    const cand top = qpop(s->queue, &qn);
    const size_t m = (size_t)top.from;
    if (s->fin[m] || cost_less(s->key[m], top.c)) continue;
    const size_t v = (size_t)s->left[m];
    const int p = s->par[m];
    if (p < 0) break; /* cannot happen: the left nodes share the source's component */
    ws[v] = s->key[m].w;
    ls[v] = s->key[m].lat;
    hop[v] = (size_t)p == src ? (int)v : hop[p];
    done[v] = 1;
    s->fin[m] = 1;
    for (size_t k = s->lstart[m]; k < s->lstart[m + 1]; k++) {
      const lnk *e = &s->sorted[k];
      if (s->fin[e->to]) continue;
      const cost x = {ws[v] + e->c.w, ls[v] + e->c.lat};
      if (cost_less(x, s->key[e->to])) {
        s->key[e->to] = x;
        s->par[e->to] = (int)v;
        qpush(s->queue, &qn, (cand){x, e->to});
      }
    }
  }
  for (size_t k = 0; k < nl; k++) s->lidx[s->left[k]] = -1;
  return 0;
}

/* All-pairs routes minimizing (Σ 1/Ω_h, latency) lexicographically, one
 * search per source (see one_source); the per-bit times are kept in
 * t->bandwidth until the end, so no n x n matrix is allocated beyond the
 * topology's own. With relay = 0 (the paper's full mesh) every pair uses its
 * direct link even when two fast hops would beat a slow one: the paper's
 * model sends over Ω_ij itself. */
int sim_topology_routes(sim_topology *t, int relay) {
  const size_t n = t->n;
  double *w = t->bandwidth; /* s/bit along the best route, until the end */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      size_t ij = i * n + j;
      double bw = t->link_bandwidth[ij];
      if (i == j) { w[ij] = 0; t->latency[ij] = 0; t->next_hop[ij] = -1; }
      else if (bw > 0) { w[ij] = 1.0 / bw; t->latency[ij] = t->link_latency[ij]; t->next_hop[ij] = (int)j; }
      else { w[ij] = INFINITY; t->latency[ij] = INFINITY; t->next_hop[ij] = -1; }
    }
  if (relay) {
    graph g;
    if (graph_build(&g, t) != 0) return -1;
    const size_t nn = n ? n : 1;
    scratch s = {malloc(nn * sizeof *s.heap), malloc(nn * sizeof *s.pos), malloc(nn),
                 malloc(nn * sizeof *s.left), malloc(nn * sizeof *s.key), malloc(nn * sizeof *s.par),
                 malloc(nn * sizeof *s.lidx), malloc(nn), malloc((nn + 1) * sizeof *s.lstart),
                 malloc(nn * sizeof *s.links), malloc(nn * sizeof *s.sorted), nn,
                 malloc(2 * nn * sizeof *s.queue)};
    int bad = !s.heap || !s.pos || !s.done || !s.left || !s.key || !s.par || !s.lidx || !s.fin ||
              !s.lstart || !s.links || !s.sorted || !s.queue;
    for (size_t i = 0; i < n && !bad; i++) s.lidx[i] = -1;
    for (size_t src = 0; src < n && !bad; src++) bad = one_source(t, &g, &s, src) != 0;
    free(s.heap); free(s.pos); free(s.done); free(s.left); free(s.key); free(s.par);
    free(s.lidx); free(s.fin); free(s.lstart); free(s.links); free(s.sorted); free(s.queue);
    graph_clear(&g);
    if (bad) return -1;
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
  return 0;
}
