/* bench_topology.c: CPU time and peak memory of one topology draw at the
 * 4096-server maximum (`make bench`).
 *
 * Draws run 0 of a geometric topology (the default radius 0.5: about 8
 * million links, routes of up to four hops) and of a full mesh (no routing:
 * the O(M^2) draws and matrices alone), each in a child process so the peak
 * resident set is the draw's own (getrusage via wait4). The target for the
 * geometric draw is a few seconds of CPU on one core; the machine's load
 * average is printed beside it, since a shared machine slows the search's
 * cache-bound scans.
 *
 * With `digest`, each draw also prints a digest of its routes (the
 * bandwidth, latency and next-hop matrices), taken after the draw but
 * counted in its CPU time: a change to the search must leave it unchanged.
 *
 * Usage: bench_topology [SERVERS [RADIUS [digest]]]  (defaults 4096 and 0.5) */
#define _DEFAULT_SOURCE /* wait4, getloadavg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/scenario/scenario.h"
#include "sim/topology/topology.h"

/* FNV-1a over the bytes of the routes' three matrices: a change to the
 * route search that alters any bit of them changes the digest, so a faster
 * search is checked against the printed value of the one before. */
static unsigned long long digest(const sim_topology *t) {
  unsigned long long h = 14695981039346656037ULL;
  const size_t nn = t->n * t->n;
  const unsigned char *parts[3] = {(const unsigned char *)t->bandwidth,
                                   (const unsigned char *)t->latency,
                                   (const unsigned char *)t->next_hop};
  const size_t sizes[3] = {nn * sizeof *t->bandwidth, nn * sizeof *t->latency,
                           nn * sizeof *t->next_hop};
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < sizes[k]; i++) h = (h ^ parts[k][i]) * 1099511628211ULL;
  return h;
}

/* Draws one topology in this process; returns 0 if it was drawn. */
static int draw(const char *text, int with_digest) {
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load_string(text, strlen(text), "bench.yaml", &err);
  sim_scenario v;
  if (sc == NULL || sim_scenario_point(sc, 0, &v, &err) != SIM_OK) {
    fprintf(stderr, "bench_topology: %s\n", err.msg);
    sim_scenario_free(sc);
    return 1;
  }
  sim_topology *t = sim_topology_alloc(&v.servers, &v.links, v.seed, 0, 1e9, &err);
  if (t == NULL) fprintf(stderr, "bench_topology: %s\n", err.msg);
  else if (with_digest) printf("  routes digest %016llx (bandwidth, latency, next hop)\n", digest(t));
  int bad = t == NULL;
  sim_topology_free(t);
  sim_scenario_free(sc);
  return bad;
}

/* Runs draw(text) in a child and prints its CPU time and peak RSS. */
static int measure(const char *label, const char *text, int with_digest) {
  double load[1] = {0};
  if (getloadavg(load, 1) < 1) load[0] = -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    const int bad = draw(text, with_digest);
    fflush(stdout);
    _exit(bad);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench_topology: the %s draw failed\n", label);
    return 1;
  }
  const double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                     (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
  printf("%-28s %8.2f s CPU  %8.0f MB peak RSS  (load average %.2f on %ld cores)\n", label, cpu,
         (double)ru.ru_maxrss / 1024.0, load[0], sysconf(_SC_NPROCESSORS_ONLN));
  return 0;
}

int main(int argc, char **argv) {
  const long servers = argc > 1 ? strtol(argv[1], NULL, 10) : 4096;
  const double radius = argc > 2 ? strtod(argv[2], NULL) : 0.5;
  const int with_digest = argc > 3 && strcmp(argv[3], "digest") == 0;
  char geo[256], full[256], label[64];
  snprintf(geo, sizeof geo,
           "servers: {count: %ld}\nlinks: {topology: geometric, radius: %g, latency: 0.002}\n", servers,
           radius);
  snprintf(full, sizeof full, "servers: {count: %ld}\n", servers);
  printf("== bench_topology: one draw (run 0), %ld servers\n", servers);
  int bad = 0;
  snprintf(label, sizeof label, "geometric, radius %g", radius);
  bad |= measure(label, geo, with_digest);
  bad |= measure("full mesh (no routing)", full, with_digest);
  return bad;
}
