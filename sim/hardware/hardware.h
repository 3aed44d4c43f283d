/* hardware.h: the public header of sim/hardware: the device and link
 * catalogue (data/devices.yaml, data/links.yaml, plus a user's own file),
 * the published decode measurements (data/measurements.csv) and the fitted
 * parameters of the calibrated cost model (data/calibration.yaml).
 *
 * A figure no source gives is absent: NaN in the structures below. The
 * tool never invents one; docs/hardware.md says what each absence means.
 *
 * Ownership rule: sim_catalog_load returns a catalogue freed with
 * sim_catalog_free; sim_measurements_load returns a table freed with
 * sim_measurements_free. Devices and links are plain data. */
#ifndef DILEMMA_SIM_HARDWARE_H
#define DILEMMA_SIM_HARDWARE_H

#include <stddef.h>
#include <stdio.h>

#include "sim/core/core.h"

/* The memory system of a device, the class the calibrated model fits
 * separately. */
typedef enum {
  SIM_HW_GPU = 0, /* discrete GPU with its own memory */
  SIM_HW_SOC = 1, /* GPU sharing LPDDR memory with the CPU (Apple M, Jetson) */
  SIM_HW_CPU = 2, /* CPU only */
  SIM_HW_KINDS = 3
} sim_hw_kind;

typedef struct sim_device {
  char name[32];        /* catalogue key, e.g. "orin-agx" */
  char title[96];       /* human-readable name */
  sim_hw_kind kind;
  double mem_bandwidth; /* byte/s, required */
  double memory;        /* bytes, required */
  double fp16_flops;    /* FLOP/s, NaN if absent */
  double fp32_flops;    /* FLOP/s, NaN if absent */
  double int8_ops;      /* op/s, NaN if absent */
  double idle_power;    /* W, NaN if absent */
  double peak_power;    /* W, NaN if absent */
} sim_device;

typedef struct sim_link_profile {
  char name[32];
  char title[96];
  double bandwidth;        /* bit/s on the wire, required */
  double efficiency;       /* payload fraction of bandwidth; 1 if absent */
  double latency;          /* s per hop; 0 if absent */
  double message_overhead; /* s per message; 0 if absent */
} sim_link_profile;

typedef struct sim_catalog {
  sim_device *devices;
  size_t n_devices;
  sim_link_profile *links;
  size_t n_links;
} sim_catalog;

/* The directory of the shipped data files: $DILEMMA_DATA_DIR, the source
 * tree (running from a build), or the installed data directory. */
const char *sim_hw_data_dir(void);

/* Reads the shipped catalogue (devices.yaml and links.yaml of the data
 * directory) and then `extra` (may be NULL), a user's file with `devices:`
 * and/or `links:` in the same form; an extra entry replaces a shipped one of
 * the same name. Errors name the file, line and column. */
sim_catalog *sim_catalog_load(const char *extra, sim_error *err);
void sim_catalog_free(sim_catalog *c);

/* Looks an entry up by name; NULL if absent. */
const sim_device *sim_catalog_device(const sim_catalog *c, const char *name);
const sim_link_profile *sim_catalog_link(const sim_catalog *c, const char *name);

/* The nearest device or link name, for did-you-mean messages; NULL if none
 * is close. */
const char *sim_catalog_device_suggest(const sim_catalog *c, const char *name);
const char *sim_catalog_link_suggest(const sim_catalog *c, const char *name);

/* The compute speed a cost model uses for a device: fp16 if given, else
 * fp32, else NaN. */
double sim_device_flops(const sim_device *d);

const char *sim_hw_kind_name(sim_hw_kind k);

/* One published measurement: a device decoding a model at batch 1. */
typedef struct sim_measurement {
  char device[32];
  char model[32];          /* built-in architecture name */
  char weights[16];        /* format label, e.g. q4_0 */
  double bits_per_weight;  /* file bits over parameters */
  double tokens_per_s;     /* published decode speed */
  char source[256];
  size_t line;             /* line in the CSV */
} sim_measurement;

typedef struct sim_measurements {
  sim_measurement *rows;
  size_t n;
} sim_measurements;

/* Reads a measurements CSV (header device,model,weights,bits_per_weight,
 * tokens_per_s,source; `#` lines are comments). NULL path: the shipped file. */
sim_measurements *sim_measurements_load(const char *path, sim_error *err);
void sim_measurements_free(sim_measurements *m);

/* Parameters of the calibrated cost model for one class of device. */
typedef struct sim_calib_class {
  double bw_fraction;      /* achievable fraction of the nominal memory bandwidth */
  double compute_fraction; /* achievable fraction of the peak FLOP/s */
  double overhead;         /* s of fixed cost per layer per pass */
} sim_calib_class;

typedef struct sim_calibration {
  sim_calib_class pooled;            /* fitted on every row: devices of no fitted class */
  sim_calib_class kind[SIM_HW_KINDS];
  int fitted[SIM_HW_KINDS];          /* 0: the class had too few devices and uses `pooled` */
  size_t rows;                       /* measurement rows fitted */
  double median_error, worst_error;  /* in-sample relative errors of tokens/s */
  double loo_median_error, loo_worst_error; /* leave-one-device-out */
} sim_calibration;

/* The parameters for a class (the pooled ones when it was not fitted). */
sim_calib_class sim_calibration_class(const sim_calibration *c, int kind);

/* Reads a calibration file; NULL path: the shipped data/calibration.yaml. */
int sim_calibration_load(const char *path, sim_calibration *out, sim_error *err);

/* Appends one in the same form (comments name how it was made). */
void sim_calibration_format(const sim_calibration *c, sim_buf *b);

#endif
