/* bench_profile.c: throughput and peak memory of the profiling pass.
 *
 * Writes fp16 checkpoints of 0.25 GB and 1 GB (BENCH_PROFILE_GB overrides
 * the larger size) into a temporary directory, profiles each in a child
 * process on one thread, and reports GB/s and the child's peak resident set
 * (getrusage via wait4). The target is >= 1 GB/s for one quantizer and one
 * metric across all bit widths (4:32:2) in one pass, with a peak RSS that
 * does not grow with the file. The files are deleted at the end.
 *
 * The files are read from the page cache just after being written, so the
 * figures are the pass's own speed, not the disk's. */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/weights/weights.h"

#define TENSOR_ROWS 4096
#define TENSOR_COLS 8192 /* 64 MiB of fp16 per tensor */

/* Writes an fp16 checkpoint of n_tensors [4096, 8192] matrices named
 * layers.N.w with weight-like values: random signs, magnitudes from 2^-12
 * to 2^0 (as trained matrices hold), random mantissas. */
static int write_checkpoint(const char *path, int n_tensors) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return -1;
  const uint64_t bytes = (uint64_t)TENSOR_ROWS * TENSOR_COLS * 2;
  char header[64 * 1024];
  size_t used = 0;
  int n = snprintf(header, sizeof header, "{");
  for (int i = 0; n >= 0 && (size_t)n < sizeof header - used && i <= n_tensors; i++) {
    used += (size_t)n;
    if (i == n_tensors)
      n = snprintf(header + used, sizeof header - used, "}");
    else
      n = snprintf(header + used, sizeof header - used,
                   "%s\"layers.%d.w\":{\"dtype\":\"F16\",\"shape\":[%d,%d],"
                   "\"data_offsets\":[%llu,%llu]}", i ? "," : "", i, TENSOR_ROWS,
                   TENSOR_COLS, (unsigned long long)(i * bytes),
                   (unsigned long long)((i + 1) * bytes));
  }
  /* A header that did not fit (a very large BENCH_PROFILE_GB) fails rather
   * than being written past the buffer; the padding must fit as well. */
  if (n < 0 || (size_t)n >= sizeof header - used || used + (size_t)n + 8 > sizeof header) {
    fclose(f);
    errno = EOVERFLOW; /* what the caller reports */
    return -1;
  }
  used += (size_t)n;
  while (used % 8) header[used++] = ' ';
  unsigned char len8[8];
  for (int k = 0; k < 8; k++) len8[k] = (unsigned char)((uint64_t)used >> (8 * k));
  if (fwrite(len8, 1, 8, f) != 8 || fwrite(header, 1, used, f) != used) {
    fclose(f);
    return -1;
  }
  enum { BUF = 1 << 19 };
  uint16_t *buf = malloc(BUF * sizeof *buf);
  if (buf == NULL) {
    fclose(f);
    return -1;
  }
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (uint64_t done = 0; done < (uint64_t)n_tensors * bytes; done += BUF * sizeof *buf) {
    for (size_t i = 0; i < BUF; i++) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      uint32_t r = (uint32_t)(state >> 32);
      buf[i] = (uint16_t)((r & 0x8000u) | ((3 + (r >> 16) % 13) << 10) | (r & 0x3ffu));
    }
    if (fwrite(buf, sizeof *buf, BUF, f) != BUF) {
      free(buf);
      fclose(f);
      return -1;
    }
  }
  free(buf);
  return fclose(f);
}

typedef struct {
  const char *label;
  sim_quantizer q;
  sim_qscale scale;
  sim_qmetric metric;
} config;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Profiles path in a child; returns seconds and the child's peak RSS. */
static int measure(const char *path, const config *c, double *secs, long *rss_kb, double *gb) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fds[0]);
    double r[2] = {-1, 0};
    sim_error err;
    sim_error_clear(&err);
    sim_quantize_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.quantizer = c->q;
    spec.scale = c->scale;
    spec.group = 128;
    sim_quantize_bits_parse("4:32:2", &spec, &err);
    double t0 = now();
    sim_safetensors *st = sim_safetensors_alloc(path, &err);
    sim_weights_options o = {SIM_NAMING_PATTERN, "layers.{N}.", SIM_GRAN_BLOCK, NULL, 0};
    sim_weights_map *m = st ? sim_weights_map_alloc(st, &o, &err) : NULL;
    sim_weights_profile *p = m ? sim_weights_profile_alloc(st, m, &spec, NULL, NULL, &err) : NULL;
    if (p != NULL) {
      /* Read the table out, as the command does. */
      volatile double sink = 0;
      for (size_t l = 0; l < p->n_layers; l++)
        for (size_t k = 0; k < spec.n_bits; k++) sink += sim_weights_profile_error(p, l, k, c->metric);
      r[0] = now() - t0;
      r[1] = (double)p->bytes / 1e9;
    } else {
      fprintf(stderr, "bench_profile: %s\n", err.msg);
    }
    sim_weights_profile_free(p);
    sim_weights_map_free(m);
    sim_safetensors_free(st);
    ssize_t w = write(fds[1], r, sizeof r);
    _exit(w == (ssize_t)sizeof r && r[0] >= 0 ? 0 : 1);
  }
  close(fds[1]);
  double r[2];
  ssize_t got = read(fds[0], r, sizeof r);
  close(fds[0]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      got != (ssize_t)sizeof r)
    return -1;
  *secs = r[0];
  *gb = r[1];
  *rss_kb = ru.ru_maxrss;
  return 0;
}

int main(void) {
  const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char dir[256], path[2][300];
  snprintf(dir, sizeof dir, "%s/dilemma-bench.XXXXXX", base);
  if (mkdtemp(dir) == NULL) {
    perror("bench_profile: mkdtemp");
    return 1;
  }
  const char *env = getenv("BENCH_PROFILE_GB");
  int big = env ? (int)(atof(env) * 16 + 0.5) : 16; /* 64 MiB tensors per file */
  if (big < 4) big = 4;
  const int sizes[2] = {4, big};
  int rc = 0;
  for (int s = 0; s < 2 && rc == 0; s++) {
    snprintf(path[s], sizeof path[s], "%s/w%d.safetensors", dir, s);
    if (write_checkpoint(path[s], sizes[s]) != 0) {
      fprintf(stderr, "bench_profile: cannot write %s: %s\n", path[s], strerror(errno));
      rc = 1;
    }
  }
  static const config configs[] = {
    {"truncate, per tensor, max-abs-norm", SIM_QUANT_TRUNCATE, SIM_QSCALE_TENSOR, SIM_QMETRIC_MAX_ABS_NORM},
    {"rtn-sym, per tensor, rmse", SIM_QUANT_RTN_SYM, SIM_QSCALE_TENSOR, SIM_QMETRIC_RMSE},
    {"truncate, per channel, max-abs-norm", SIM_QUANT_TRUNCATE, SIM_QSCALE_CHANNEL, SIM_QMETRIC_MAX_ABS_NORM},
    {"rtn-sym, per group of 128, rmse", SIM_QUANT_RTN_SYM, SIM_QSCALE_GROUP, SIM_QMETRIC_RMSE},
  };
  long rss[2] = {0, 0};
  if (rc == 0) {
    printf("profile benchmark: fp16, bits 4:32:2 (15 widths, 6 below 16 bits), one thread\n");
    printf("%-38s %8s %9s %8s %12s\n", "quantizer, scale, metric", "file GB", "seconds", "GB/s",
           "peak RSS MB");
  }
  for (size_t c = 0; c < sizeof configs / sizeof configs[0] && rc == 0; c++)
    for (int s = 0; s < 2 && rc == 0; s++) {
      /* The slower direct-path configurations run on the small file only. */
      if (c >= 2 && s == 1) continue;
      double secs, gb;
      long kb;
      if (measure(path[s], &configs[c], &secs, &kb, &gb) != 0) {
        fprintf(stderr, "bench_profile: the profile of %s failed\n", path[s]);
        rc = 1;
        break;
      }
      printf("%-38s %8.3f %9.3f %8.2f %12.1f\n", configs[c].label, gb, secs, gb / secs,
             (double)kb / 1024);
      if (c == 0) rss[s] = kb;
    }
  for (int s = 0; s < 2; s++) remove(path[s]);
  rmdir(dir);
  if (rc == 0) {
    printf("peak RSS, first configuration: %.1f MB at %.2f GB, %.1f MB at %.2f GB\n",
           (double)rss[0] / 1024, sizes[0] / 16.0, (double)rss[1] / 1024, sizes[1] / 16.0);
    /* Streaming keeps one mapped window resident; growth beyond a window
     * would mean memory scales with the checkpoint. */
    if (rss[1] - rss[0] > 64 * 1024) {
      printf("FAIL: peak RSS grew with the file size\n");
      rc = 1;
    }
  }
  return rc;
}
