/* cmd_hardware.c: `dilemma devices` lists the device and link catalogue,
 * `dilemma calibrate` fits the calibrated cost model to published
 * measurements, and `dilemma validate` prints its predictions against them. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "sim/hardware/hardware.h"
#include "solver/solver.h"

typedef struct {
  const char *catalog, *measurements, *calibration, *output;
} hw_opts;

/* Shared option parsing; `allowed` lists the long options the command takes. */
static int parse(int argc, char **argv, hw_opts *o, const char *allowed, void (*help)(void)) {
  static const struct option longs[] = {{"catalog", required_argument, NULL, 'c'},
                                        {"measurements", required_argument, NULL, 'm'},
                                        {"calibration", required_argument, NULL, 'k'},
                                        {"output", required_argument, NULL, 'o'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  optind = 1;
  opterr = 0;
  int c;
  /* Only -o and -h are short: -c and -m mean --context and --model in the
   * other commands (one meaning per letter). */
  while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
    if (c == 'h') { help(); return 1; }
    if (c == '?' || c == ':') return cli_option_error(argv[0], argv, "o:h", longs);
    if (strchr(allowed, c) == NULL)
      return cli_usage_error(argv[0], "unknown option '%s'; see --help", argv[optind - 1]);
    if (c == 'c') o->catalog = optarg;
    if (c == 'm') o->measurements = optarg;
    if (c == 'k') o->calibration = optarg;
    if (c == 'o') o->output = optarg;
  }
  if (optind < argc) return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
  return 0;
}

static void devices_help(void) {
  printf("Usage: dilemma devices [--catalog FILE]\n"
         "\n"
         "List the device and link catalogue (data/devices.yaml, data/links.yaml, plus FILE):\n"
         "memory bandwidth, memory, FLOP/s and power of each device; bandwidth, efficiency,\n"
         "latency and per-message overhead of each link profile. '-' marks a figure no\n"
         "source gives. Scenarios name these in servers.devices and links.profile.\n");
}

static void cell(double x, double scale, int digits) {
  if (isnan(x)) printf(" %9s", "-");
  else printf(" %9.*f", digits, x / scale);
}

int cli_cmd_devices(int argc, char **argv) {
  hw_opts o;
  int rc = parse(argc, argv, &o, "c", devices_help);
  if (rc) return rc == 1 ? CLI_OK : rc;
  sim_error err;
  sim_error_clear(&err);
  sim_catalog *cat = sim_catalog_load(o.catalog, &err);
  if (cat == NULL) {
    cli_report(&err);
    return cli_exit_code(err.code);
  }
  printf("%-12s %-4s %9s %9s %9s %9s %9s %9s  %s\n", "device", "kind", "GB/s", "GiB", "TFLOP/s",
         "TOP/s i8", "idle W", "peak W", "title");
  for (size_t i = 0; i < cat->n_devices; i++) {
    const sim_device *d = &cat->devices[i];
    printf("%-12s %-4s", d->name, sim_hw_kind_name(d->kind));
    cell(d->mem_bandwidth, 1e9, 1);
    cell(d->memory, 1073741824.0, 0);
    cell(sim_device_flops(d), 1e12, 2);
    cell(d->int8_ops, 1e12, 1);
    cell(d->idle_power, 1, 1);
    cell(d->peak_power, 1, 1);
    printf("  %s\n", d->title);
  }
  printf("\n%-18s %10s %10s %10s %12s  %s\n", "link", "Mbit/s", "efficiency", "latency s",
         "overhead s", "title");
  for (size_t i = 0; i < cat->n_links; i++) {
    const sim_link_profile *l = &cat->links[i];
    printf("%-18s %10.1f %10.4f %10.3g %12.3g  %s\n", l->name, l->bandwidth / 1e6, l->efficiency,
           l->latency, l->message_overhead, l->title);
  }
  sim_catalog_free(cat);
  return CLI_OK;
}

static void calibrate_help(void) {
  printf("Usage: dilemma calibrate [--measurements CSV] [--catalog FILE] [-o FILE]\n"
         "\n"
         "Fit the calibrated cost model to published decode measurements (default\n"
         "data/measurements.csv) and the devices' datasheet figures: achievable bandwidth\n"
         "fraction and per-layer overhead for each device class with at least two devices\n"
         "measured, and pooled over all rows. Writes the parameters file (default: standard\n"
         "output; `make calibrate` writes data/calibration.yaml) with the in-sample and\n"
         "leave-one-device-out median and worst relative errors.\n");
}

int cli_cmd_calibrate(int argc, char **argv) {
  hw_opts o;
  int rc = parse(argc, argv, &o, "cmo", calibrate_help);
  if (rc) return rc == 1 ? CLI_OK : rc;
  sim_error err;
  sim_error_clear(&err);
  sim_catalog *cat = sim_catalog_load(o.catalog, &err);
  sim_measurements *m = cat ? sim_measurements_load(o.measurements, &err) : NULL;
  sim_calibration c;
  int status = CLI_OK;
  if (m == NULL || solver_calibration_fit(cat, m, &c, NULL, &err) != SIM_OK) {
    cli_report(&err);
    status = cli_exit_code(err.code);
  } else {
    sim_buf b;
    sim_buf_init(&b);
    sim_calibration_format(&c, &b);
    if (b.oom) {
      status = CLI_ERUNTIME;
      fprintf(stderr, "dilemma calibrate: out of memory\n");
    } else if (o.output == NULL) {
      fputs(b.data, stdout);
    } else if (sim_file_write_atomic(o.output, b.data, b.len, &err) != SIM_OK) {
      cli_report(&err);
      status = CLI_ERUNTIME;
    }
    sim_buf_free(&b);
  }
  sim_measurements_free(m);
  sim_catalog_free(cat);
  return status;
}

static void validate_help(void) {
  printf("Usage: dilemma validate [--measurements CSV] [--calibration FILE] [--catalog FILE]\n"
         "\n"
         "Print, for every published measurement, the decode speed the calibrated cost\n"
         "model predicts from the device's datasheet with the fitted parameters (default\n"
         "data/calibration.yaml) and with the parameters fitted without that device\n"
         "(leave one device out), the published speed, both relative errors and the\n"
         "source. The closing lines give the median and worst errors.\n");
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int cli_cmd_validate(int argc, char **argv) {
  hw_opts o;
  int rc = parse(argc, argv, &o, "cmk", validate_help);
  if (rc) return rc == 1 ? CLI_OK : rc;
  sim_error err;
  sim_error_clear(&err);
  sim_calibration c, refit;
  sim_catalog *cat = sim_catalog_load(o.catalog, &err);
  sim_measurements *m = cat ? sim_measurements_load(o.measurements, &err) : NULL;
  double *loo = m ? malloc(m->n * sizeof *loo) : NULL;
  double *e = m ? malloc(2 * m->n * sizeof *e) : NULL;
  int status = CLI_OK;
  if (m == NULL || (loo == NULL || e == NULL ? sim_error_set(&err, SIM_ENOMEM, "out of memory")
                    : sim_calibration_load(o.calibration, &c, &err)) != SIM_OK ||
      solver_calibration_fit(cat, m, &refit, loo, &err) != SIM_OK) {
    cli_report(&err);
    status = cli_exit_code(err.code);
    goto done;
  }
  printf("%-11s %-10s %-7s %9s %9s %7s %9s %7s  %s\n", "device", "model", "weights", "predicted",
         "published", "error", "LOO pred", "LOO err", "source");
  double *el = e + m->n;
  for (size_t r = 0; r < m->n; r++) {
    const sim_measurement *row = &m->rows[r];
    double p;
    if (solver_calibration_predict(cat, row, &c, &p, &err) != SIM_OK) {
      cli_report(&err);
      status = cli_exit_code(err.code);
      goto done;
    }
    e[r] = fabs(p - row->tokens_per_s) / row->tokens_per_s;
    el[r] = fabs(loo[r] - row->tokens_per_s) / row->tokens_per_s;
    printf("%-11s %-10s %-7s %9.2f %9.2f %6.1f%% %9.2f %6.1f%%  %s\n", row->device, row->model,
           row->weights, p, row->tokens_per_s, 100 * e[r], loo[r], 100 * el[r], row->source);
  }
  qsort(e, m->n, sizeof *e, cmp);
  qsort(el, m->n, sizeof *el, cmp);
  size_t n = m->n;
  double med = n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
  double medl = n % 2 ? el[n / 2] : 0.5 * (el[n / 2 - 1] + el[n / 2]);
  printf("\n%zu measurements. Calibrated fit: median relative error %.1f%%, worst %.1f%%.\n", n,
         100 * med, 100 * e[n - 1]);
  printf("Leave one device out (each device predicted from its datasheet and the other devices' "
         "fit): median %.1f%%, worst %.1f%%.\n", 100 * medl, 100 * el[n - 1]);
  if (c.rows != n)
    printf("Note: the calibration file was fitted to %zu rows, the measurements have %zu; "
           "run `make calibrate`.\n", c.rows, n);
done:
  free(loo);
  free(e);
  sim_measurements_free(m);
  sim_catalog_free(cat);
  return status;
}
