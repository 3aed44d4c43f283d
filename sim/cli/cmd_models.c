/* cmd_models.c: `dilemma models` lists built-in models and prints per-layer
 * profiles. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/core/core.h"
#include "sim/model/model.h"
#include "sim/scenario/scenario.h"

/* The default context when no scenario gives one: the paper's n = 128
 * generated tokens with no prompt average 64 tokens of context. */
#define DEFAULT_CONTEXT 64

static void help(void) {
  printf("Usage: dilemma models [--json]\n"
         "       dilemma models --model NAME [--granularity G] [--context N] [--json]\n"
         "       dilemma models SCENARIO [--granularity G] [--context N] [--json]\n"
         "\n"
         "Without a model, list the built-in architectures. With --model NAME (or a scenario\n"
         "file, whose model, granularity and context are used), print the per-layer profile:\n"
         "parameters, FLOPs per generated token, activation elements passed to the next\n"
         "layer and KV-cache elements per token of context.\n"
         "\n"
         "  -m, --model NAME        opt-125m, opt-350m, opt-1.3b, opt-6.7b, llama-2-7b, llama-3-8b\n"
         "  -g, --granularity G     block (embedding, decoder blocks, head) or linear (each matrix)\n"
         "  -c, --context N         tokens attended per generated token (default %d)\n"
         "      --json              print JSON\n"
         "      --set KEY=VALUE     override a key of the scenario (repeatable; the value is YAML)\n"
         "  -h, --help              show this help\n",
         DEFAULT_CONTEXT);
}

static void list_builtin(int json) {
  sim_json j;
  if (json) {
    sim_json_init(&j, stdout, 1);
    sim_json_array_begin(&j, 0);
  } else {
    printf("%-12s %-6s %7s %7s %6s %6s %8s %15s\n", "model", "family", "hidden", "ffn", "blocks",
           "heads", "vocab", "params");
  }
  const sim_arch *a;
  for (size_t i = 0; (a = sim_arch_builtin(i)) != NULL; i++) {
    sim_model *m = sim_model_alloc(a, SIM_GRAN_BLOCK, 0, NULL);
    long long total = m ? (long long)m->total_params : -1;
    sim_model_free(m);
    if (json) {
      sim_json_object_begin(&j, 1);
      sim_json_key(&j, "model"); sim_json_string(&j, a->name);
      sim_json_key(&j, "family"); sim_json_string(&j, sim_family_name(a->family));
      sim_json_key(&j, "hidden"); sim_json_int(&j, a->hidden);
      sim_json_key(&j, "ffn"); sim_json_int(&j, a->ffn);
      sim_json_key(&j, "blocks"); sim_json_int(&j, a->blocks);
      sim_json_key(&j, "heads"); sim_json_int(&j, a->heads);
      sim_json_key(&j, "kv_heads"); sim_json_int(&j, a->kv_heads);
      sim_json_key(&j, "vocab"); sim_json_int(&j, a->vocab);
      sim_json_key(&j, "total_params"); sim_json_int(&j, total);
      sim_json_object_end(&j);
    } else {
      printf("%-12s %-6s %7lld %7lld %6lld %6lld %8lld %15lld\n", a->name,
             sim_family_name(a->family), (long long)a->hidden, (long long)a->ffn,
             (long long)a->blocks, (long long)a->heads, (long long)a->vocab, total);
    }
  }
  if (json) {
    sim_json_array_end(&j);
    sim_json_finish(&j);
  }
}

static void print_profile(const sim_model *m, int json) {
  if (json) {
    sim_json j;
    sim_json_init(&j, stdout, 1);
    sim_json_object_begin(&j, 0);
    sim_json_key(&j, "model"); sim_json_string(&j, m->name);
    sim_json_key(&j, "granularity"); sim_json_string(&j, sim_granularity_name(m->granularity));
    sim_json_key(&j, "context"); sim_json_int(&j, m->context);
    sim_json_key(&j, "total_params"); sim_json_int(&j, m->total_params);
    sim_json_key(&j, "layers");
    sim_json_array_begin(&j, 0);
    for (size_t i = 0; i < m->n_layers; i++) {
      const sim_layer *l = &m->layers[i];
      sim_json_object_begin(&j, 1);
      sim_json_key(&j, "name"); sim_json_string(&j, l->name);
      sim_json_key(&j, "params"); sim_json_int(&j, l->params);
      sim_json_key(&j, "flops"); sim_json_number(&j, l->flops);
      sim_json_key(&j, "act_elems"); sim_json_number(&j, l->act_elems);
      sim_json_key(&j, "kv_elems"); sim_json_number(&j, l->kv_elems);
      sim_json_object_end(&j);
    }
    sim_json_array_end(&j);
    sim_json_object_end(&j);
    sim_json_finish(&j);
    return;
  }
  double flops = 0;
  for (size_t i = 0; i < m->n_layers; i++) flops += m->layers[i].flops;
  printf("model %s, granularity %s, context %lld tokens\n", m->name,
         sim_granularity_name(m->granularity), (long long)m->context);
  printf("%zu layers, %lld parameters (%.4g M), %.6g GFLOP per generated token\n\n", m->n_layers,
         (long long)m->total_params, (double)m->total_params / 1e6, flops / 1e9);
  printf("%5s  %-24s %14s %14s %10s %10s\n", "layer", "name", "params", "MFLOP/token", "act_elems",
         "kv_elems");
  for (size_t i = 0; i < m->n_layers; i++) {
    const sim_layer *l = &m->layers[i];
    printf("%5zu  %-24s %14lld %14.4f %10.0f %10.0f\n", i, l->name, (long long)l->params,
           l->flops / 1e6, l->act_elems, l->kv_elems);
  }
}

int cli_cmd_models(int argc, char **argv) {
  static const struct option opts[] = {
    {"model", required_argument, 0, 'm'}, {"granularity", required_argument, 0, 'g'},
    {"context", required_argument, 0, 'c'}, {"json", no_argument, 0, 'j'},
    {"help", no_argument, 0, 'h'}, CLI_SET_OPTION, {0, 0, 0, 0}};
  cli_sets sets = {.n = 0};
  const char *name = NULL, *gran_s = NULL;
  long long context = -1;
  int json = 0, c;
  while ((c = getopt_long(argc, argv, "m:g:c:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': name = optarg; break;
    case CLI_OPT_SET:
      if (cli_sets_add("models", &sets, optarg) != CLI_OK) return CLI_EUSAGE;
      break;
    case 'g': gran_s = optarg; break;
    case 'c':
      context = cli_parse_count(optarg);
      if (context < 0 || context > 10000000)
        return cli_usage_error("models", "--context takes an integer in [0, 10000000], got '%s'", optarg);
      break;
    case 'j': json = 1; break;
    case 'h': help(); return CLI_OK;
    default: return cli_option_error("models", argv, "m:g:c:h", opts);
    }
  }
  int gran = SIM_GRAN_BLOCK;
  if (gran_s != NULL && (gran = sim_granularity_parse(gran_s)) < 0)
    return cli_usage_error("models", "unknown granularity '%s'; allowed: block, linear", gran_s);
  if (optind < argc - 1) return cli_usage_error("models", "give at most one scenario file");
  const char *file = optind < argc ? argv[optind] : NULL;
  if (file != NULL && name != NULL) return cli_usage_error("models", "give --model or a scenario, not both");

  sim_error err;
  sim_error_clear(&err);
  sim_model *m = NULL;
  if (file != NULL) {
    sim_scenario *sc = sim_scenario_load_set(file, sets.v, sets.n, &err);
    if (sc == NULL) {
      cli_report(&err);
      return CLI_EUSAGE;
    }
    if (gran_s != NULL) sc->model.granularity = (sim_granularity)gran;
    if (context >= 0) sc->workload.context = context;
    m = sim_scenario_model_alloc(sc, &err);
    sim_scenario_free(sc);
  } else if (name != NULL) {
    const sim_arch *a = sim_arch_find(name);
    if (a == NULL) {
      const sim_arch *b;
      fprintf(stderr, "dilemma models: unknown model '%s'; allowed:", name);
      for (size_t i = 0; (b = sim_arch_builtin(i)) != NULL; i++) fprintf(stderr, " %s", b->name);
      fprintf(stderr, "\n");
      return CLI_EUSAGE;
    }
    m = sim_model_alloc(a, (sim_granularity)gran, context >= 0 ? context : DEFAULT_CONTEXT, &err);
  } else {
    list_builtin(json);
    return CLI_OK;
  }
  if (m == NULL) {
    cli_report(&err);
    return cli_exit_code(err.code);
  }
  print_profile(m, json);
  sim_model_free(m);
  return CLI_OK;
}
