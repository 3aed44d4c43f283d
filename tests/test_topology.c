/* test_topology.c: topology draws are deterministic, in range, uniform, and
 * the same across sweep points (common random numbers); routes of the
 * geometric topology match a brute-force search over simple paths on small
 * graphs and Floyd-Warshall on graphs of a few hundred servers. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/topology/topology.h"
#include "tests/tap.h"

static sim_scenario *load(const char *text) {
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load_string(text, strlen(text), "t.yaml", &err);
  if (sc == NULL) diag("%s", err.msg);
  return sc;
}

static sim_topology *draw(const sim_scenario *sc, size_t point, uint64_t run) {
  sim_scenario v;
  sim_error err;
  sim_error_clear(&err);
  if (sim_scenario_point(sc, point, &v, &err) != SIM_OK) return NULL;
  return sim_topology_alloc(&v.servers, &v.links, v.seed, run, 1e9, &err);
}

static void test_determinism_and_ranges(void) {
  sim_scenario *sc = load("seed: 42\nservers: {count: 10, ccs: {min: 1e9, max: 1e10}, storage: {min: 1, max: 3, unit: model_fp32_share}}\n"
                          "links: {omega_min: 1e7}\n");
  sim_topology *a = draw(sc, 0, 5), *b = draw(sc, 0, 5), *c = draw(sc, 0, 6);
  size_t nn = a->n * a->n;
  ok(memcmp(a->bandwidth, b->bandwidth, nn * sizeof(double)) == 0 &&
         memcmp(a->servers, b->servers, a->n * sizeof *a->servers) == 0,
     "the same (seed, run) draws the same topology");
  ok(memcmp(a->bandwidth, c->bandwidth, nn * sizeof(double)) != 0, "another run draws another");
  int in_range = 1, symmetric = 1, diag0 = 1;
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < a->n; j++) {
      double w = a->bandwidth[i * a->n + j];
      if (i == j) { diag0 &= w == 0; continue; }
      in_range &= w >= 1e7 && w <= 1e8;
      symmetric &= w == a->bandwidth[j * a->n + i];
    }
  ok(in_range, "every bandwidth lies in [omega_min, 10 omega_min]");
  ok(symmetric, "bandwidths are symmetric by default");
  ok(diag0, "the diagonal is 0");
  int ccs_ok = 1, st_ok = 1;
  /* Storage in model_fp32_share units: [1, 3] x 1e9 / 10 servers. */
  for (size_t i = 0; i < a->n; i++) {
    ccs_ok &= a->servers[i].ccs >= 1e9 && a->servers[i].ccs <= 1e10;
    st_ok &= a->servers[i].storage >= 1e8 && a->servers[i].storage <= 3e8;
  }
  ok(ccs_ok, "CCS in [1e9, 1e10]");
  ok(st_ok, "storage in [1, 3] x fp32 bytes / M");
  sim_topology_free(a);
  sim_topology_free(b);
  sim_topology_free(c);
  sim_scenario_free(sc);
}

static void test_common_random_numbers(void) {
  sim_scenario *sc = load("servers: {count: 6}\nsweep:\n  - key: links.omega_min\n    values: [1e6, 1e9]\n");
  sim_topology *a = draw(sc, 0, 3), *b = draw(sc, 1, 3);
  /* Both points use the same uniforms: (w - lo) / (hi - lo) agrees. */
  double worst = 0;
  for (size_t k = 0; k < a->n * a->n; k++) {
    if (a->bandwidth[k] == 0) continue;
    double ua = (a->bandwidth[k] - 1e6) / 9e6, ub = (b->bandwidth[k] - 1e9) / 9e9;
    if (fabs(ua - ub) > worst) worst = fabs(ua - ub);
  }
  ok(worst < 1e-12, "sweep points share the bandwidth uniforms (max difference %.3g)", worst);
  ok(memcmp(a->servers, b->servers, a->n * sizeof *a->servers) == 0,
     "sweep points share the servers exactly");
  sim_topology_free(a);
  sim_topology_free(b);
  sim_scenario_free(sc);
}

/* Pearson's chi-square statistic of values in [lo, hi) over k equal bins. */
static double chi_square(const double *v, size_t n, double lo, double hi, size_t k) {
  size_t count[64] = {0};
  for (size_t i = 0; i < n; i++) {
    size_t b = (size_t)((v[i] - lo) / (hi - lo) * (double)k);
    if (b >= k) b = k - 1;
    count[b]++;
  }
  double e = (double)n / (double)k, x = 0;
  for (size_t b = 0; b < k; b++) x += ((double)count[b] - e) * ((double)count[b] - e) / e;
  return x;
}

static void test_uniformity(void) {
  enum { N = 10000, BINS = 20 };
  static double v[N + 100];
  /* Across runs: Ω_01 of runs 0..9999 (also tests the run seeding). */
  sim_scenario *sc = load("seed: 7\nservers: {count: 2}\nlinks: {omega_min: 1e8}\n");
  for (size_t r = 0; r < N; r++) {
    sim_topology *t = draw(sc, 0, r);
    v[r] = t->bandwidth[1];
    sim_topology_free(t);
  }
  double x = chi_square(v, N, 1e8, 1e9, BINS), p = gsl_cdf_chisq_Q(x, BINS - 1);
  ok(p > 0.001, "10,000 draws of Ω across runs are uniform (chi2 = %.2f, 19 dof, p = %.3f)", x, p);
  sim_scenario_free(sc);
  /* Within a run: the 10,011 pairs of 142 servers. */
  sc = load("seed: 7\nservers: {count: 142}\nlinks: {omega_min: 1e8}\n");
  sim_topology *t = draw(sc, 0, 0);
  size_t n = 0;
  for (size_t i = 0; i < t->n; i++)
    for (size_t j = i + 1; j < t->n; j++) v[n++] = t->bandwidth[i * t->n + j];
  x = chi_square(v, n, 1e8, 1e9, BINS);
  p = gsl_cdf_chisq_Q(x, BINS - 1);
  ok(n == 10011 && p > 0.001, "%zu draws of Ω within a run are uniform (chi2 = %.2f, p = %.3f)", n, x, p);
  sim_topology_free(t);
  sim_scenario_free(sc);
}

/* Brute force: the best simple path from s to d by (Σ 1/Ω, Σ λ). */
static void dfs(const sim_topology *t, size_t u, size_t d, unsigned visited, double w, double lat,
                double *best_w, double *best_l) {
  if (u == d) {
    if (w < *best_w || (w == *best_w && lat < *best_l)) { *best_w = w; *best_l = lat; }
    return;
  }
  for (size_t v = 0; v < t->n; v++) {
    double bw = t->link_bandwidth[u * t->n + v];
    if (v == u || bw <= 0 || (visited & (1u << v))) continue;
    dfs(t, v, d, visited | (1u << v), w + 1.0 / bw, lat + t->link_latency[u * t->n + v], best_w, best_l);
  }
}

static void test_geometric_routes(void) {
  sim_scenario *sc = load("servers: {count: 8}\nlinks: {topology: geometric, radius: 0.4, latency: 0.002, symmetric: false}\n");
  int agree = 1, reach = 1, multihop = 0, unreachable = 0;
  double worst = 0;
  for (uint64_t run = 0; run < 20; run++) {
    sim_topology *t = draw(sc, 0, run);
    for (size_t s = 0; s < t->n; s++)
      for (size_t d = 0; d < t->n; d++) {
        if (s == d) continue;
        double bw = INFINITY, lat = INFINITY;
        dfs(t, s, d, 1u << s, 0, 0, &bw, &lat);
        double got = t->bandwidth[s * t->n + d];
        if (isinf(bw)) { reach &= got == 0, unreachable++; continue; }
        if (t->next_hop[s * t->n + d] != (int)d) multihop = 1;
        double rel = fabs(got - 1.0 / bw) * bw;
        if (rel > worst) worst = rel;
        agree &= rel < 1e-12 && fabs(t->latency[s * t->n + d] - lat) <= 1e-15;
      }
    sim_topology_free(t);
  }
  ok(agree, "route bandwidth 1/Σ(1/Ω) and latency match brute force over simple paths (worst %.2g)", worst);
  /* Without such pairs the check above would hold vacuously; 8 servers
   * in the unit square with radius 0.4 leave some of them cut off. */
  ok(reach && unreachable > 0, "pairs without a path have bandwidth 0 (%d such ordered pairs in 20 draws)",
     unreachable);
  ok(multihop, "some routes use more than one hop (the test exercises routing)");
  sim_scenario_free(sc);
}

/* An independent check of the routes on graphs too large for brute force:
 * Floyd-Warshall over the same links by (Σ 1/Ω, Σ λ), with the first hop
 * of each route. Floyd-Warshall adds sub-route sums d(i,k) + d(k,j) where
 * the search adds one link at a time, so the sums may round differently:
 * each is a sum of at most n - 1 positive terms, so each lies within a
 * factor 1 ± γ of the exact optimum L (γ = (n-1)u / (1 - (n-1)u), u =
 * 2^-53, Higham's bound), and they differ by at most 2γ/(1-γ) of the
 * smaller. The reported bandwidth 1/w adds one more rounding (u). */
static void test_routes_floyd(void) {
  static const char *const cases[] = {
      "seed: 3\nservers: {count: 300}\nlinks: {topology: geometric, radius: 0.09, latency: 0.002}\n",
      "seed: 4\nservers: {count: 300}\nlinks: {topology: geometric, radius: 0.2, latency: 0.001, symmetric: false}\n",
      "seed: 5\nservers: {count: 250}\nlinks: {topology: geometric, radius: 2, latency: 0.003}\n",
      "seed: 6\nservers: {count: 300, cloud: {ccs: 1e13, storage: 1e12, bandwidth: 3e7, latency: 0.04}}\n"
      "links: {topology: geometric, radius: 0.06, symmetric: false}\n",
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    sim_scenario *sc = load(cases[c]);
    sim_topology *t = draw(sc, 0, c);
    const size_t n = t->n;
    double *w = malloc(n * n * sizeof *w), *l = malloc(n * n * sizeof *l);
    int *hop = malloc(n * n * sizeof *hop);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        const size_t ij = i * n + j;
        const double bw = t->link_bandwidth[ij];
        w[ij] = i == j ? 0 : bw > 0 ? 1.0 / bw : INFINITY;
        l[ij] = i == j ? 0 : bw > 0 ? t->link_latency[ij] : INFINITY;
        hop[ij] = i != j && bw > 0 ? (int)j : -1;
      }
    for (size_t k = 0; k < n; k++)
      for (size_t i = 0; i < n; i++) {
        const double wik = w[i * n + k], lik = l[i * n + k];
        if (isinf(wik) || i == k) continue;
        for (size_t j = 0; j < n; j++) {
          const double x = wik + w[k * n + j], y = lik + l[k * n + j];
          const size_t ij = i * n + j;
          if (i != j && (x < w[ij] || (x == w[ij] && y < l[ij]))) {
            w[ij] = x;
            l[ij] = y;
            hop[ij] = hop[i * n + k];
          }
        }
      }
    const double u = 0x1p-53, g = (double)(n - 1) * u / (1 - (double)(n - 1) * u);
    const double tol = 2 * g / (1 - g) + 2 * u;
    double worst_w = 0, worst_l = 0;
    size_t bad_reach = 0, bad_hop = 0, multihop = 0, none = 0;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        const size_t ij = i * n + j;
        if (i == j) continue;
        if (isinf(w[ij])) { bad_reach += t->bandwidth[ij] != 0; none++; continue; }
        if (!(t->bandwidth[ij] > 0)) { bad_reach++; continue; }
        const double ours = 1.0 / t->bandwidth[ij], rw = fabs(ours - w[ij]) / fmin(ours, w[ij]);
        const double rl = fabs(t->latency[ij] - l[ij]) / fmin(t->latency[ij], l[ij]);
        if (rw > worst_w) worst_w = rw;
        if (rl > worst_l) worst_l = rl;
        bad_hop += t->next_hop[ij] != hop[ij];
        multihop += hop[ij] != (int)j;
      }
    ok(bad_reach == 0 && worst_w <= tol && worst_l <= tol && bad_hop == 0,
       "case %zu: %zu servers, routes agree with Floyd-Warshall (worst relative difference %.2g in "
       "1/bandwidth, %.2g in latency; bound %.2g; %zu first hops differ, %zu pairs without route)",
       c, n, worst_w, worst_l, tol, bad_hop, none);
    /* The comparison must exercise relaying (and, in the sparse cases,
     * unreachable pairs), or it would hold vacuously. */
    ok(multihop > n && (c != 0 || none > 0), "case %zu: %zu routes relay, %zu pairs unreachable",
       c, multihop, none);
    free(w);
    free(l);
    free(hop);
    sim_topology_free(t);
    sim_scenario_free(sc);
  }
}

static void test_cloud_and_lists(void) {
  sim_scenario *sc = load("servers:\n  count: 3\n  ccs: [1e9, 2e9, 3e9]\n  storage: 5e8\n"
                          "  cloud: {ccs: 1e13, storage: 1e12, bandwidth: 2e7, latency: 0.04}\n");
  sim_topology *t = draw(sc, 0, 0);
  ok(t->n == 4 && t->n_edge == 3 && t->servers[3].is_cloud && strcmp(t->servers[3].name, "cloud") == 0,
     "the cloud node is appended last");
  ok(t->servers[1].ccs == 2e9 && t->servers[2].storage == 5e8, "list and constant values are taken as given");
  ok(t->bandwidth[0 * 4 + 3] == 2e7 && t->latency[3 * 4 + 1] == 0.04, "edge-cloud links have the cloud's speed and latency");
  sim_topology_free(t);
  sim_scenario_free(sc);
}

/* servers.storage_floor: with fair shares of OPT-350m over 128 servers the
 * embedding (28 M parameters, 114 MB at 32 bits) fits no server; floored at
 * one largest layer, every server holds it, and the servers already above
 * the floor keep their draws. */
static void test_storage_floor(void) {
#define FLOOR_BASE "model: {name: opt-350m, granularity: block}\n" \
                   "servers: {count: 128, storage: {min: 1, max: 3, unit: model_fp32_share}"
  sim_scenario *plain = load(FLOOR_BASE "}\n");
  sim_scenario *floored = load(FLOOR_BASE ", storage_floor: 1}\n");
  sim_error err;
  sim_error_clear(&err);
  sim_case *a = sim_case_alloc(plain, 0, 3, &err), *b = sim_case_alloc(floored, 0, 3, &err);
  if (a == NULL || b == NULL) {
    ok(0, "storage floor: the cases assemble (%s)", err.msg);
  } else {
    double largest = 0;
    for (size_t l = 0; l < a->model->n_layers; l++)
      largest = fmax(largest, 4.0 * (double)a->model->layers[l].params);
    size_t below = 0, raised = 0, kept = 1;
    for (size_t i = 0; i < 128; i++) {
      const double sa = a->topology->servers[i].storage, sb = b->topology->servers[i].storage;
      below += sa < largest;
      raised += sb == largest && sa < largest;
      kept &= sa < largest || sb == sa;
    }
    ok(below == 128, "without a floor the largest layer (%.4g bytes) fits none of 128 servers (%zu below)",
       largest, below);
    ok(raised == below && kept, "with storage_floor: 1 every server holds it (%zu raised), the rest kept",
       raised);
  }
  sim_case_free(a);
  sim_case_free(b);
  sim_scenario_free(plain);
  sim_scenario_free(floored);
}

int main(void) {
  test_determinism_and_ranges();
  test_common_random_numbers();
  test_uniformity();
  test_geometric_routes();
  test_routes_floyd();
  test_cloud_and_lists();
  test_storage_floor();
  return tap_done();
}
