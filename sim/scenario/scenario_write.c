/* scenario_write.c: a scenario as YAML with every default made explicit
 * (scenario.resolved.yaml). Driven by the same schema as the loader, so
 * every key the loader knows is written and the output loads back to the
 * same scenario. */
#include "sim/scenario/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  yaml_emitter_t em;
  int failed;
} writer;

static void emit(writer *w, yaml_event_t *ev, int ok) {
  if (w->failed) { if (ok) yaml_event_delete(ev); return; }
  if (!ok || !yaml_emitter_emit(&w->em, ev)) w->failed = 1;
}

static void scalar(writer *w, const char *text, int quoted) {
  yaml_event_t ev;
  emit(w, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                            1, 1, quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                                         : YAML_PLAIN_SCALAR_STYLE));
}

static void number(writer *w, double x) {
  char buf[40];
  sim_fmt_double(buf, sizeof buf, x);
  scalar(w, buf, 0);
}

static void integer(writer *w, int64_t x) {
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, x);
  scalar(w, buf, 0);
}

/* One `key: value` entry of a mapping, the value a number or an integer;
 * the entries of model.layers, simulation.outages and sweep are written
 * through these. */
static void entry_number(writer *w, const char *key, double x) {
  scalar(w, key, 0);
  number(w, x);
}

static void entry_integer(writer *w, const char *key, int64_t x) {
  scalar(w, key, 0);
  integer(w, x);
}

static void map_start(writer *w, int flow) {
  yaml_event_t ev;
  emit(w, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                   flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}
static void map_end(writer *w) {
  yaml_event_t ev;
  emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}
static void seq_start(writer *w, int flow) {
  yaml_event_t ev;
  emit(w, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                    flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}
static void seq_end(writer *w) {
  yaml_event_t ev;
  emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void spec(writer *w, const sim_spec *s, int has_unit) {
  if (s->kind == SIM_SPEC_LIST) {
    seq_start(w, 1);
    for (size_t i = 0; i < s->n_list; i++) number(w, s->list[i]);
    seq_end(w);
    return;
  }
  if (s->kind == SIM_SPEC_CONST && (!has_unit || s->unit == SIM_UNIT_BYTES)) {
    number(w, s->value);
    return;
  }
  map_start(w, 1);
  if (s->kind == SIM_SPEC_CONST) {
    entry_number(w, "value", s->value);
  } else {
    entry_number(w, "min", s->min);
    entry_number(w, s->ratio > 0 ? "ratio" : "max", s->ratio > 0 ? s->ratio : s->max);
  }
  if (has_unit) {
    scalar(w, "unit", 0);
    scalar(w, sim_unit_names[s->unit], 0);
  }
  map_end(w);
}

/* A block list of flow mappings, item i written by item(w, sc, i): the
 * shape of model.layers and simulation.outages. */
static void map_list(writer *w, const sim_scenario *sc, size_t n,
                     void (*item)(writer *, const sim_scenario *, size_t)) {
  seq_start(w, 0);
  for (size_t i = 0; i < n; i++) {
    map_start(w, 1);
    item(w, sc, i);
    map_end(w);
  }
  seq_end(w);
}

/* servers.devices: a flow list of names, or a mapping name: probability. */
static void devices(writer *w, const sim_scenario *sc) {
  if (sc->servers.device_probs == NULL) {
    seq_start(w, 1);
    for (size_t i = 0; i < sc->servers.n_devices; i++) scalar(w, sc->servers.devices[i], 1);
    seq_end(w);
    return;
  }
  map_start(w, 0);
  for (size_t i = 0; i < sc->servers.n_devices; i++) entry_number(w, sc->servers.devices[i], sc->servers.device_probs[i]);
  map_end(w);
}

static void layer_item(writer *w, const sim_scenario *sc, size_t i) {
  const sim_layer *l = &sc->model.layers[i];
  scalar(w, "name", 0);
  scalar(w, l->name, 1);
  entry_integer(w, "params", l->params);
  entry_number(w, "flops", l->flops);
  entry_number(w, "act_elems", l->act_elems);
  entry_number(w, "kv_elems", l->kv_elems);
}

static void outage_item(writer *w, const sim_scenario *sc, size_t i) {
  const sim_outage *o = &sc->sim.outages[i];
  if (o->is_link) {
    scalar(w, "link", 0);
    seq_start(w, 1);
    integer(w, o->a);
    integer(w, o->b);
    seq_end(w);
  } else {
    entry_integer(w, "server", o->a);
  }
  entry_number(w, "start", o->start);
  entry_number(w, "end", o->end);
}

/* A `models:` entry with its defaults resolved, so the resolved scenario
 * says what each model really is. */
static void model_item(writer *w, const sim_scenario *sc, size_t i) {
  const sim_model_entry *e = &sc->models[i];
  scalar(w, "name", 0);
  scalar(w, e->name, 1);
  scalar(w, "granularity", 0);
  scalar(w, sim__granularity_names[e->has_granularity ? e->granularity : sc->model.granularity], 0);
  entry_number(w, "delta", isnan(e->delta) ? sc->quant.delta : e->delta);
  entry_number(w, "budget", isnan(e->budget) ? sc->quant.budget : e->budget);
  entry_integer(w, "tokens", e->tokens >= 0 ? e->tokens : sc->workload.tokens);
  entry_integer(w, "batch", e->batch >= 0 ? e->batch : sc->workload.batch);
  entry_integer(w, "prompt", e->prompt >= 0 ? e->prompt : sc->workload.prompt);
  entry_number(w, "rate", e->rate);
  entry_number(w, "weight", isnan(e->weight) ? e->rate : e->weight);
  const int64_t origin = e->origin >= -1 ? e->origin : sc->solver.origin;
  scalar(w, "origin", 0);
  if (origin < 0) scalar(w, "none", 0);
  else integer(w, origin);
}

static void sweep(writer *w, const sim_scenario *sc) {
  seq_start(w, 0);
  for (size_t d = 0; d < sc->n_sweep; d++) {
    const sim_sweep_dim *s = &sc->sweep[d];
    map_start(w, 0);
    scalar(w, "key", 0);
    scalar(w, s->key, 0);
    if (s->log_scale && s->n >= 2) {
      /* The range regenerates exactly the same values. */
      scalar(w, "log", 0);
      map_start(w, 1);
      entry_number(w, "from", s->values[0]);
      entry_number(w, "to", s->values[s->n - 1]);
      entry_integer(w, "points", (int64_t)s->n);
      map_end(w);
    } else {
      scalar(w, "values", 0);
      seq_start(w, 1);
      const sim__key *k = sim__schema_find(s->key, NULL);
      for (size_t i = 0; i < s->n; i++) {
        if (s->strings) scalar(w, s->strings[i], 0);
        else if (k && k->type == SIM_K_INT_WORD && s->values[i] == -1) scalar(w, k->enums[0], 0);
        else number(w, s->values[i]);
      }
      seq_end(w);
    }
    map_end(w);
  }
  seq_end(w);
}

static void keys(writer *w, const sim_scenario *sc, const sim__key *list) {
  const char *base = (const char *)sc;
  for (const sim__key *k = list; k->name; k++) {
    const void *field = base + k->off;
    if (k->type == SIM_K_MAP && k->present_off && !*(const int *)(base + k->present_off)) continue;
    if (k->type == SIM_K_STR && *(char *const *)field == NULL) continue;
    if (k->type == SIM_K_LAYERS && sc->model.n_layers == 0) continue;
    if (k->type == SIM_K_OUTAGES && sc->sim.n_outages == 0) continue;
    if (k->type == SIM_K_MODELS && sc->n_models == 0) continue;
    if (k->off == offsetof(sim_scenario, models_used) && k->type == SIM_K_INT && sc->n_models == 0)
      continue;
    if (k->type == SIM_K_SWEEP && sc->n_sweep == 0) continue;
    /* The dynamic run's own keys appear only with dynamics, so scenarios
     * without them resolve as they always did. */
    if ((k->off == offsetof(sim_scenario, sim.dyn.slo) ||
         k->off == offsetof(sim_scenario, sim.dyn.timeseries)) && k->type != SIM_K_MAP &&
        !sc->sim.dyn.enabled)
      continue;
    if (k->type == SIM_K_DEVICES && sc->servers.n_devices == 0) continue;
    /* A custom architecture carries its own name. */
    if (k->off == offsetof(sim_scenario, model.name) && k->type == SIM_K_STR && sc->model.has_arch)
      continue;
    scalar(w, k->name, 0);
    switch (k->type) {
    case SIM_K_MAP:
      map_start(w, 0);
      keys(w, sc, k->children);
      map_end(w);
      break;
    case SIM_K_NUM: number(w, *(const double *)field); break;
    case SIM_K_INT: integer(w, *(const int64_t *)field); break;
    case SIM_K_INT_WORD:
      if (*(const int64_t *)field < 0) scalar(w, k->enums[0], 0);
      else integer(w, *(const int64_t *)field);
      break;
    case SIM_K_BOOL: scalar(w, *(const int *)field ? "true" : "false", 0); break;
    case SIM_K_ENUM: {
      int v;
      memcpy(&v, field, sizeof v);
      scalar(w, k->enums[v], 0);
      break;
    }
    case SIM_K_STR: scalar(w, *(char *const *)field, 1); break;
    case SIM_K_STRBUF: scalar(w, (const char *)field, 1); break;
    case SIM_K_SEED: {
      char buf[32];
      snprintf(buf, sizeof buf, "%" PRIu64, *(const uint64_t *)field);
      scalar(w, buf, 0);
      break;
    }
    case SIM_K_SPEC: spec(w, field, (k->flags & SIM_KF_UNIT) != 0); break;
    case SIM_K_ENUMSET: {
      unsigned set = *(const unsigned *)field;
      seq_start(w, 1);
      for (size_t i = 0; k->enums[i]; i++)
        if (set & (1u << i)) scalar(w, k->enums[i], 0);
      seq_end(w);
      break;
    }
    case SIM_K_LAYERS: map_list(w, sc, sc->model.n_layers, layer_item); break;
    case SIM_K_OUTAGES: map_list(w, sc, sc->sim.n_outages, outage_item); break;
    case SIM_K_MODELS: map_list(w, sc, sc->n_models, model_item); break;
    case SIM_K_SWEEP: sweep(w, sc); break;
    case SIM_K_DEVICES: devices(w, sc); break;
    }
  }
}

int sim_scenario_write(const sim_scenario *sc, FILE *out, const char *header, sim_error *err) {
  if (header != NULL) {
    const char *p = header;
    while (*p) {
      const char *nl = strchr(p, '\n');
      size_t n = nl ? (size_t)(nl - p) : strlen(p);
      fprintf(out, "# %.*s\n", (int)n, p);
      p += n + (nl ? 1 : 0);
    }
  }
  writer w = {.failed = 0};
  if (!yaml_emitter_initialize(&w.em))
    return sim_error_set(err, SIM_ENOMEM, "out of memory starting the YAML writer");
  yaml_emitter_set_output_file(&w.em, out);
  yaml_emitter_set_unicode(&w.em, 1);
  yaml_emitter_set_width(&w.em, 100);
  yaml_event_t ev;
  emit(&w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
  emit(&w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
  map_start(&w, 0);
  keys(&w, sc, sim__schema);
  map_end(&w);
  emit(&w, &ev, yaml_document_end_event_initialize(&ev, 1));
  emit(&w, &ev, yaml_stream_end_event_initialize(&ev));
  int failed = w.failed || !yaml_emitter_flush(&w.em);
  yaml_emitter_delete(&w.em);
  if (failed || ferror(out)) return sim_error_set(err, SIM_EIO, "could not write the scenario as YAML");
  return SIM_OK;
}
