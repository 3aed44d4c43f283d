/* scenario_lists.c: the list-valued keys of a scenario (model.layers, the
 * models: of a several-model scenario, simulation.outages), read through
 * the same checks as every other key (scenario_parse.c): each item's keys
 * against their fixed names, each value against its type and range, with
 * problems recorded at the item's file, line and key path. */
#include "sim/scenario/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number of items of the list n into *cnt; -1 after recording
 * "expected a list of <item_shape>; got ..." when n is not a list. The
 * list-valued keys (model.layers, simulation.outages) start here. */
static int list_count(sim__pctx *ctx, const yaml_node_t *n, const char *path,
                      const char *item_shape, size_t *cnt) {
  if (n->type != YAML_SEQUENCE_NODE) {
    sim__perr(ctx, n, path, "expected a list of %s; got %s", item_shape, sim__yaml_describe(n));
    return -1;
  }
  *cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  return 0;
}

int sim__parse_layers(sim__pctx *ctx, const yaml_node_t *n, const char *path) {
  sim_scenario *sc = ctx->sc;
  size_t cnt;
  if (list_count(ctx, n, path, "{name, params, flops, act_elems}", &cnt) != 0) return -1;
  if (cnt == 0 || cnt > SIM__MAX_LIST) {
    sim__perr(ctx, n, path, "needs between 1 and %d layers, got %zu", SIM__MAX_LIST, cnt);
    return -1;
  }
  free(sc->model.layers);
  sc->model.layers = calloc(cnt, sizeof *sc->model.layers);
  if (sc->model.layers == NULL) return sim__parse_oom(ctx);
  sc->model.n_layers = cnt;
  static const sim__key fields[] = {
    {"params", SIM_K_NUM, 0, 0, 1e15, 0, NULL, NULL, 0, NULL, NULL},
    {"flops", SIM_K_NUM, 0, 0, 1e18, 0, NULL, NULL, 0, "FLOP", NULL},
    {"act_elems", SIM_K_NUM, 0, 0, 1e12, 0, NULL, NULL, 0, NULL, NULL},
    {"kv_elems", SIM_K_NUM, 0, 0, 1e12, 0, NULL, NULL, 0, NULL, NULL},
  };
  static const char *const names[] = {"name", "params", "flops", "act_elems", "kv_elems", NULL};
  int bad = 0;
  char sub[192];
  for (size_t i = 0; i < cnt; i++) {
    yaml_node_t *item = sim__node_at(ctx, n->data.sequence.items.start[i]);
    sim_layer *ly = &sc->model.layers[i];
    snprintf(ly->name, sizeof ly->name, "layer.%zu", i);
    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    if (item->type != YAML_MAPPING_NODE) {
      sim__perr(ctx, item, sub, "expected {name, params, flops, act_elems}; got %s",
                sim__yaml_describe(item));
      bad = 1;
      continue;
    }
    int seen_params = 0;
    for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
      yaml_node_t *kn = sim__node_at(ctx, p->key), *vn = sim__node_at(ctx, p->value);
      char fp[224];
      int idx = sim__parse_subkey(ctx, kn, sub, names, 5, fp, sizeof fp);
      if (idx < 0) { bad = 1; continue; }
      if (idx == 0) {
        const char *s = sim__yaml_scalar(vn);
        if (s == NULL || strlen(s) >= sizeof ly->name) {
          sim__perr(ctx, vn, fp, "expected a name of at most %zu characters", sizeof ly->name - 1);
          bad = 1;
        } else {
          snprintf(ly->name, sizeof ly->name, "%s", s);
        }
        continue;
      }
      double v;
      if (sim__parse_number(ctx, vn, fp, &fields[idx - 1], &v) != 0) { bad = 1; continue; }
      if (idx == 1) {
        if (v != floor(v)) { sim__perr(ctx, vn, fp, "%s is not an integer", sim__yaml_scalar(vn)); bad = 1; }
        ly->params = (int64_t)v;
        seen_params = 1;
      }
      if (idx == 2) ly->flops = v;
      if (idx == 3) ly->act_elems = v;
      if (idx == 4) ly->kv_elems = v;
    }
    if (!seen_params) { sim__perr(ctx, item, sub, "missing 'params'"); bad = 1; }
  }
  return bad ? -1 : 0;
}

const char *const sim__model_entry_keys[] = {"name",  "granularity", "delta",  "budget",
                                             "tokens", "batch",      "prompt", "rate",
                                             "weight", "origin",     NULL};

/* One number of a `models:` entry into *v; integers when `integer`. */
static int entry_number(sim__pctx *ctx, const yaml_node_t *vn, const char *path, double lo,
                        double hi, unsigned flags, int integer, double *v) {
  const sim__key k = {"", SIM_K_NUM, 0, lo, hi, flags, NULL, NULL, 0, NULL, NULL};
  if (sim__parse_number(ctx, vn, path, &k, v) != 0) return -1;
  if (integer && *v != floor(*v)) {
    sim__perr(ctx, vn, path, "%s is not an integer", sim__yaml_scalar(vn));
    return -1;
  }
  return 0;
}

int sim__parse_models(sim__pctx *ctx, const yaml_node_t *n, const char *path) {
  sim_scenario *sc = ctx->sc;
  size_t cnt;
  if (list_count(ctx, n, path, "{name, rate, ...}", &cnt) != 0) return -1;
  if (cnt == 0 || cnt > 64) {
    sim__perr(ctx, n, path, "needs between 1 and 64 models, got %zu", cnt);
    return -1;
  }
  for (size_t m = 0; m < sc->n_models; m++) free(sc->models[m].name);
  free(sc->models);
  sc->models = calloc(cnt, sizeof *sc->models);
  if (sc->models == NULL) return sim__parse_oom(ctx);
  sc->n_models = cnt;
  int bad = 0;
  char sub[192];
  for (size_t i = 0; i < cnt; i++) {
    yaml_node_t *item = sim__node_at(ctx, n->data.sequence.items.start[i]);
    sim_model_entry *e = &sc->models[i];
    e->delta = e->budget = e->weight = NAN;
    e->tokens = e->batch = e->prompt = -1;
    e->rate = 1;
    e->origin = -2;
    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    int name_bad = 0; /* a bad name was reported already */
    if (item->type != YAML_MAPPING_NODE) {
      sim__perr(ctx, item, sub, "expected {name, rate, ...}; got %s", sim__yaml_describe(item));
      bad = 1;
      continue;
    }
    for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
      yaml_node_t *kn = sim__node_at(ctx, p->key), *vn = sim__node_at(ctx, p->value);
      char fp[224];
      const int idx = sim__parse_subkey(ctx, kn, sub, sim__model_entry_keys, 10, fp, sizeof fp);
      if (idx < 0) { bad = 1; continue; }
      const char *str = sim__yaml_scalar(vn);
      double v = 0;
      switch (idx) {
      case 0:
        name_bad = 1;
        if (str == NULL || sim_arch_find(str) == NULL) {
          char names[512] = "";
          size_t len = 0;
          for (size_t a = 0; sim_arch_builtin(a) != NULL && len < sizeof names; a++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", a ? ", " : "",
                                    sim_arch_builtin(a)->name);
          sim__perr(ctx, vn, fp, "unknown model %s; allowed: %s", str ? str : "(not a string)", names);
          bad = 1;
        } else {
          name_bad = 0;
          free(e->name);
          const size_t len = strlen(str) + 1;
          if ((e->name = malloc(len)) == NULL) return sim__parse_oom(ctx);
          memcpy(e->name, str, len);
        }
        break;
      case 1: {
        const int g = str ? sim__names_index(sim__granularity_names, str) : -1;
        if (g < 0) {
          sim__perr(ctx, vn, fp, "expected block or linear; got %s", sim__yaml_describe(vn));
          bad = 1;
        } else {
          e->granularity = (sim_granularity)g;
          e->has_granularity = 1;
        }
        break;
      }
      case 2: bad |= entry_number(ctx, vn, fp, 0, 1e6, 0, 0, &e->delta) != 0; break;
      case 3: bad |= entry_number(ctx, vn, fp, 0, 1e12, 0, 0, &e->budget) != 0; break;
      case 4: if (!(bad |= entry_number(ctx, vn, fp, 1, 1e9, 0, 1, &v) != 0)) e->tokens = (int64_t)v; break;
      case 5: if (!(bad |= entry_number(ctx, vn, fp, 1, 1e6, 0, 1, &v) != 0)) e->batch = (int64_t)v; break;
      case 6: if (!(bad |= entry_number(ctx, vn, fp, 0, 1e9, 0, 1, &v) != 0)) e->prompt = (int64_t)v; break;
      case 7: bad |= entry_number(ctx, vn, fp, 0, 1e9, 0, 0, &e->rate) != 0; break;
      case 8: bad |= entry_number(ctx, vn, fp, 0, 1e12, SIM_KF_LO_OPEN, 0, &e->weight) != 0; break;
      case 9:
        if (str != NULL && strcmp(str, "none") == 0) e->origin = -1;
        else if (!(bad |= entry_number(ctx, vn, fp, 0, 4096, 0, 1, &v) != 0)) e->origin = (int64_t)v;
        break;
      }
    }
    if (e->name == NULL && !name_bad) {
      sim__perr(ctx, item, sub, "missing 'name'");
      bad = 1;
    }
  }
  return bad ? -1 : 0;
}

int sim__parse_outages(sim__pctx *ctx, const yaml_node_t *n, const char *path) {
  sim_scenario *sc = ctx->sc;
  size_t cnt;
  if (list_count(ctx, n, path, "{server: i | link: [i, j], start, end}", &cnt) != 0) return -1;
  if (cnt > SIM__MAX_LIST) { sim__perr(ctx, n, path, "at most %d outages", SIM__MAX_LIST); return -1; }
  free(sc->sim.outages);
  sc->sim.outages = calloc(cnt ? cnt : 1, sizeof *sc->sim.outages);
  if (sc->sim.outages == NULL) return sim__parse_oom(ctx);
  sc->sim.n_outages = cnt;
  static const sim__key idx_key = {"index", SIM_K_INT, 0, 0, 4096, 0, NULL, NULL, 0, NULL, NULL};
  static const sim__key t_key = {"time", SIM_K_NUM, 0, 0, 1e12, 0, NULL, NULL, 0, "s", NULL};
  static const char *const names[] = {"server", "link", "start", "end", NULL};
  int bad = 0;
  char sub[192], fp[224];
  for (size_t i = 0; i < cnt; i++) {
    yaml_node_t *item = sim__node_at(ctx, n->data.sequence.items.start[i]);
    sim_outage *o = &sc->sim.outages[i];
    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    sim__mark_add(ctx, sub, item);
    if (item->type != YAML_MAPPING_NODE) {
      sim__perr(ctx, item, sub, "expected {server: i | link: [i, j], start, end}; got %s",
                sim__yaml_describe(item));
      bad = 1;
      continue;
    }
    int have[4] = {0};
    for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
      yaml_node_t *kn = sim__node_at(ctx, p->key), *vn = sim__node_at(ctx, p->value);
      int idx = sim__parse_subkey(ctx, kn, sub, names, 4, fp, sizeof fp);
      if (idx < 0) { bad = 1; continue; }
      have[idx] = 1;
      int64_t v;
      if (idx == 0) {
        if (sim__parse_int(ctx, vn, fp, &idx_key, &v) != 0) bad = 1;
        o->is_link = 0;
        o->a = (long)v;
      } else if (idx == 1) {
        if (vn->type != YAML_SEQUENCE_NODE || vn->data.sequence.items.top - vn->data.sequence.items.start != 2) {
          sim__perr(ctx, vn, fp, "expected a pair [from, to] of server indices; got %s", sim__yaml_describe(vn));
          bad = 1;
          continue;
        }
        int64_t a = 0, b = 0;
        if (sim__parse_int(ctx, sim__node_at(ctx, vn->data.sequence.items.start[0]), fp, &idx_key, &a) != 0 ||
            sim__parse_int(ctx, sim__node_at(ctx, vn->data.sequence.items.start[1]), fp, &idx_key, &b) != 0) {
          bad = 1;
          continue;
        }
        o->is_link = 1;
        o->a = (long)a;
        o->b = (long)b;
      } else {
        double t;
        if (sim__parse_number(ctx, vn, fp, &t_key, &t) != 0) { bad = 1; continue; }
        if (idx == 2) o->start = t; else o->end = t;
      }
    }
    if (have[0] == have[1]) {
      sim__perr(ctx, item, sub, "give exactly one of 'server' or 'link'");
      bad = 1;
    }
    if (!have[2] || !have[3]) {
      sim__perr(ctx, item, sub, "needs both 'start' and 'end' (seconds)");
      bad = 1;
    }
  }
  return bad ? -1 : 0;
}
