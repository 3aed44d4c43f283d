/* cmd_profile.c: `dilemma profile` measures the quantization error of each
 * layer of a safetensors checkpoint at each bit width and writes the error
 * table a scenario reads with `quantization.error_table`. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "sim/weights/weights.h"

static void help(void) {
  printf("Usage: dilemma profile WEIGHTS [OPTIONS]\n"
         "\n"
         "Quantize every layer of a safetensors checkpoint at each bit width and write its\n"
         "error table (CSV: layer,name,bits,error), which a scenario uses with\n"
         "  quantization: {error: table, error_table: FILE}\n"
         "WEIGHTS is a .safetensors file, a model.safetensors.index.json (sharded), or a\n"
         "directory holding either. Without a table, scenarios use the analytic bound\n"
         "R * 4^-b (docs/quantization.md).\n"
         "\n"
         "  -m, --model NAME        layers of this built-in model (default: the built-in whose\n"
         "                          shapes match, else an architecture derived from the shapes)\n"
         "  -g, --granularity G     block (embedding, decoder blocks, head) or linear (each matrix)\n"
         "      --quantizer Q       truncate (the paper's, default), rtn-sym, rtn-asym\n"
         "  -M, --metric M          max-abs-norm (the paper's, default), max-abs, rmse, rel-fro\n"
         "  -b, --bits LIST         FROM:TO[:STEP] or 4,8,16 (default 4:32:2)\n"
         "  -s, --scale S           tensor (default), channel (each output row) or group\n"
         "  -G, --group N           weights per group with --scale group (default 128)\n"
         "      --range R           truncate on the fixed grid [-R, R] instead of each block's max\n"
         "      --pattern P         block names for other families, e.g. 'transformer.h.{N}.'\n"
         "      --vectors           also quantize biases and norm scales (default: matrices only)\n"
         "  -o, --output FILE       write the table to FILE (default: standard output)\n"
         "      --json              print the table as JSON on standard output\n"
         "  -h, --help              show this help\n"
         "\n"
         "Exit status: 0 ok, 1 runtime failure, 2 usage error or bad/corrupt input.\n");
}

typedef struct {
  int tty;
  int last; /* last percentage shown */
} progress_bar;

/* Draws a bar on stderr, only when it is a terminal, only when it moves. */
static void progress_draw(void *ctx, uint64_t done, uint64_t total) {
  progress_bar *b = ctx;
  if (!b->tty || total == 0) return;
  int pct = (int)(100.0 * (double)done / (double)total);
  if (pct == b->last) return;
  b->last = pct;
  char bar[41];
  int fill = pct * 40 / 100;
  for (int i = 0; i < 40; i++) bar[i] = i < fill ? '#' : '.';
  bar[40] = '\0';
  fprintf(stderr, "\rprofile [%s] %3d%% of %.2f GB", bar, pct, (double)total / 1e9);
  if (done >= total) fputc('\n', stderr);
  fflush(stderr);
}

static void print_json(const char *weights, const sim_weights_map *map,
                       const sim_weights_profile *p, sim_granularity gran, sim_qmetric metric) {
  static const char *const scales[] = {"tensor", "channel", "group"};
  sim_json j;
  sim_json_init(&j, stdout, 1);
  sim_json_object_begin(&j, 0);
  sim_json_key(&j, "weights"); sim_json_string(&j, weights);
  sim_json_key(&j, "model"); sim_json_string(&j, map->model);
  sim_json_key(&j, "granularity"); sim_json_string(&j, sim_granularity_name(gran));
  sim_json_key(&j, "quantizer"); sim_json_string(&j, sim_quantizer_name(p->spec.quantizer));
  sim_json_key(&j, "scale"); sim_json_string(&j, scales[p->spec.scale]);
  if (p->spec.scale == SIM_QSCALE_GROUP) { sim_json_key(&j, "group"); sim_json_int(&j, (int64_t)p->spec.group); }
  if (p->spec.range > 0) { sim_json_key(&j, "range"); sim_json_number(&j, p->spec.range); }
  sim_json_key(&j, "metric"); sim_json_string(&j, sim_qmetric_name(metric));
  sim_json_key(&j, "bytes"); sim_json_int(&j, (int64_t)p->bytes);
  sim_json_key(&j, "bits");
  sim_json_array_begin(&j, 1);
  for (size_t k = 0; k < p->spec.n_bits; k++) sim_json_int(&j, p->spec.bits[k]);
  sim_json_array_end(&j);
  sim_json_key(&j, "layers");
  sim_json_array_begin(&j, 0);
  for (size_t l = 0; l < p->n_layers; l++) {
    sim_json_object_begin(&j, 1);
    sim_json_key(&j, "layer"); sim_json_int(&j, (int64_t)l);
    sim_json_key(&j, "name"); sim_json_string(&j, p->names[l]);
    sim_json_key(&j, "params"); sim_json_int(&j, map->params[l]);
    if (map->profile_params[l] >= 0) {
      sim_json_key(&j, "profile_params"); sim_json_int(&j, map->profile_params[l]);
    }
    sim_json_key(&j, "quantized"); sim_json_int(&j, (int64_t)p->acc[l].count);
    sim_json_key(&j, "tied"); sim_json_bool(&j, (long)l == map->tied_layer);
    sim_json_key(&j, "error");
    sim_json_array_begin(&j, 1);
    for (size_t k = 0; k < p->spec.n_bits; k++)
      sim_json_number(&j, sim_weights_profile_error(p, l, k, metric));
    sim_json_array_end(&j);
    sim_json_object_end(&j);
  }
  sim_json_array_end(&j);
  sim_json_object_end(&j);
  sim_json_finish(&j);
}

/* Tensor sizes that differ from the named model's profile are legal (a
 * scaled-down test model with real names) but worth a word. */
static void note_sizes(const sim_weights_map *map) {
  for (size_t l = 0; l < map->n_layers; l++)
    if (map->profile_params[l] >= 0 && map->params[l] != map->profile_params[l]) {
      fprintf(stderr, "dilemma profile: note: layer '%s' has %lld parameters in the checkpoint "
              "and %lld in model '%s'\n", map->names[l], (long long)map->params[l],
              (long long)map->profile_params[l], map->model);
      return;
    }
}

int cli_cmd_profile(int argc, char **argv) {
  enum { OPT_VECTORS = 256 };
  static const struct option opts[] = {
    {"model", required_argument, 0, 'm'},     {"granularity", required_argument, 0, 'g'},
    {"quantizer", required_argument, 0, 'q'}, {"metric", required_argument, 0, 'M'},
    {"bits", required_argument, 0, 'b'},      {"scale", required_argument, 0, 's'},
    {"group", required_argument, 0, 'G'},     {"range", required_argument, 0, 'r'},
    {"pattern", required_argument, 0, 'p'},   {"vectors", no_argument, 0, OPT_VECTORS},
    {"output", required_argument, 0, 'o'},    {"json", no_argument, 0, 'j'},
    {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
  sim_weights_options wopt = {SIM_NAMING_AUTO, NULL, SIM_GRAN_BLOCK, NULL, 0};
  sim_quantize_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.quantizer = SIM_QUANT_TRUNCATE;
  spec.group = 128;
  const char *bits = "4:32:2", *out = NULL;
  int metric = SIM_QMETRIC_MAX_ABS_NORM, json = 0, c, v;
  long long g;
  sim_error err;
  sim_error_clear(&err);
  while ((c = getopt_long(argc, argv, "m:g:M:b:s:G:o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm':
      if ((wopt.arch = sim_arch_find(optarg)) == NULL)
        return cli_usage_error("profile", "unknown model '%s'; allowed: opt-125m, opt-350m, "
                               "opt-1.3b, opt-6.7b, llama-2-7b, llama-3-8b", optarg);
      break;
    case 'g':
      if ((v = sim_granularity_parse(optarg)) < 0)
        return cli_usage_error("profile", "unknown granularity '%s'; allowed: block, linear", optarg);
      wopt.granularity = (sim_granularity)v;
      break;
    case 'q':
      if ((v = sim_quantizer_parse(optarg)) < 0)
        return cli_usage_error("profile", "unknown quantizer '%s'; allowed: truncate, rtn-sym, "
                               "rtn-asym", optarg);
      spec.quantizer = (sim_quantizer)v;
      break;
    case 'M':
      if ((metric = sim_qmetric_parse(optarg)) < 0)
        return cli_usage_error("profile", "unknown metric '%s'; allowed: max-abs-norm, max-abs, "
                               "rmse, rel-fro", optarg);
      break;
    case 'b': bits = optarg; break;
    case 's':
      if (strcmp(optarg, "tensor") == 0) spec.scale = SIM_QSCALE_TENSOR;
      else if (strcmp(optarg, "channel") == 0) spec.scale = SIM_QSCALE_CHANNEL;
      else if (strcmp(optarg, "group") == 0) spec.scale = SIM_QSCALE_GROUP;
      else return cli_usage_error("profile", "unknown scale '%s'; allowed: tensor, channel, group",
                                  optarg);
      break;
    case 'G':
      g = cli_parse_count(optarg);
      if (g < 1 || g > (1LL << 40))
        return cli_usage_error("profile", "--group takes an integer in [1, 2^40], got '%s'", optarg);
      spec.group = (uint64_t)g;
      break;
    case 'r':
      if ((spec.range = cli_parse_positive(optarg)) < 0)
        return cli_usage_error("profile", "--range takes a finite number > 0, got '%s'", optarg);
      break;
    case 'p': wopt.pattern = optarg; wopt.naming = SIM_NAMING_PATTERN; break;
    case OPT_VECTORS: wopt.quantize_vectors = 1; break;
    case 'o': out = optarg; break;
    case 'j': json = 1; break;
    case 'h': help(); return CLI_OK;
    default: return cli_option_error("profile", argv, "m:g:M:b:s:G:o:h", opts);
    }
  }
  if (optind != argc - 1) return cli_usage_error("profile", "give exactly one WEIGHTS path");
  if (wopt.arch != NULL && wopt.naming == SIM_NAMING_PATTERN)
    return cli_usage_error("profile", "give --model or --pattern, not both");
  if (sim_quantize_bits_parse(bits, &spec, &err) != SIM_OK ||
      sim_quantize_spec_check(&spec, &err) != SIM_OK) {
    cli_report(&err);
    return CLI_EUSAGE;
  }
  const char *weights = argv[optind];
  sim_safetensors *st = sim_safetensors_alloc(weights, &err);
  sim_weights_map *map = st ? sim_weights_map_alloc(st, &wopt, &err) : NULL;
  progress_bar bar = {isatty(STDERR_FILENO), -1};
  sim_weights_profile *p = map ? sim_weights_profile_alloc(st, map, &spec, progress_draw, &bar, &err)
                               : NULL;
  int rc = CLI_OK;
  if (p == NULL) {
    if (bar.last >= 0 && bar.tty) fputc('\n', stderr);
    cli_report(&err);
    rc = cli_exit_code(err.code);
  } else {
    if (wopt.arch != NULL) note_sizes(map);
    if (out != NULL && sim_weights_profile_save(p, (sim_qmetric)metric, out, &err) != SIM_OK) {
      cli_report(&err);
      rc = cli_exit_code(err.code);
    } else if (json) {
      print_json(weights, map, p, wopt.granularity, (sim_qmetric)metric);
    } else if (out == NULL && sim_weights_profile_write_csv(p, (sim_qmetric)metric, stdout) != 0) {
      rc = CLI_ERUNTIME;
    }
  }
  sim_weights_profile_free(p);
  sim_weights_map_free(map);
  sim_safetensors_free(st);
  return rc;
}
