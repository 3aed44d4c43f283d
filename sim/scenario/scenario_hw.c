/* scenario_hw.c: the keys that name hardware from the catalogue
 * (servers.devices, servers.catalog, links.profile) and the calibrated cost
 * model's data: parsing, loading the catalogue and calibration with the
 * scenario, and the did-you-mean checks of names. */
#define _XOPEN_SOURCE 700 /* realpath */

#include "sim/scenario/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 4096

static int oom(sim__pctx *ctx) { return sim_error_set(ctx->err, SIM_ENOMEM, "out of memory"), -1; }

static void devices_clear(sim_scenario *sc) {
  for (size_t i = 0; i < sc->servers.n_devices; i++) free(sc->servers.devices[i]);
  free(sc->servers.devices);
  free(sc->servers.device_probs);
  sc->servers.devices = NULL;
  sc->servers.device_probs = NULL;
  sc->servers.n_devices = 0;
}

void sim__scenario_hw_free(sim_scenario *sc) {
  devices_clear(sc);
  free(sc->servers.catalog);
  free(sc->links.profile);
  free(sc->cost.calibration);
  sim_catalog_free(sc->hw.catalog);
  free(sc->hw.calibration);
}

static char *dup_scalar(sim__pctx *ctx, const yaml_node_t *n, const char *path) {
  const char *s = sim__yaml_scalar(n);
  if (s == NULL || *s == '\0' || sim__yaml_classify(n) == SIM_YSCALAR_NULL) {
    sim__perr(ctx, n, path, "expected a device name; got %s", sim__yaml_describe(n));
    return NULL;
  }
  size_t len = strlen(s) + 1;
  char *d = malloc(len);
  if (d) memcpy(d, s, len);
  return d;
}

/* servers.devices: a list of names, one per server, or a mapping of names to
 * probabilities (a mixture each server draws from). */
int sim__parse_devices(sim__pctx *ctx, const yaml_node_t *n, const char *path) {
  sim_scenario *sc = ctx->sc;
  devices_clear(sc);
  int mixture = n->type == YAML_MAPPING_NODE;
  size_t cnt;
  if (n->type == YAML_SEQUENCE_NODE) cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  else if (mixture) cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
  else {
    sim__perr(ctx, n, path, "expected a list of device names (one per server) or a mapping "
              "{device: probability}; got %s", sim__yaml_describe(n));
    return -1;
  }
  if (cnt == 0 || cnt > MAX_DEVICES) {
    sim__perr(ctx, n, path, "needs between 1 and %d devices, got %zu", MAX_DEVICES, cnt);
    return -1;
  }
  sc->servers.devices = calloc(cnt, sizeof *sc->servers.devices);
  if (mixture) sc->servers.device_probs = calloc(cnt, sizeof *sc->servers.device_probs);
  if (sc->servers.devices == NULL || (mixture && sc->servers.device_probs == NULL)) return oom(ctx);
  sc->servers.n_devices = cnt;
  int bad = 0;
  double total = 0;
  for (size_t i = 0; i < cnt; i++) {
    char sub[192];
    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    const yaml_node_t *name_node, *prob_node = NULL;
    if (mixture) {
      yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
      name_node = yaml_document_get_node(ctx->doc, p->key);
      prob_node = yaml_document_get_node(ctx->doc, p->value);
    } else {
      name_node = yaml_document_get_node(ctx->doc, n->data.sequence.items.start[i]);
    }
    char *name = dup_scalar(ctx, name_node, sub);
    if (name == NULL) { bad = 1; continue; }
    sc->servers.devices[i] = name;
    if (mixture) {
      static const sim__key prob = {"probability", SIM_K_NUM, 0, 0, 1, SIM_KF_LO_OPEN,
                                    NULL, NULL, 0, NULL, NULL};
      char pp[256];
      snprintf(pp, sizeof pp, "%s.%s", path, name);
      if (sim__parse_number(ctx, prob_node, pp, &prob, &sc->servers.device_probs[i]) != 0) bad = 1;
      else total += sc->servers.device_probs[i];
    }
  }
  if (!bad && mixture && fabs(total - 1.0) > 1e-9) {
    sim__perr(ctx, n, path, "the probabilities of a mixture must sum to 1; they sum to %.17g", total);
    bad = 1;
  }
  return bad ? -1 : 0;
}

/* 1 if the scenario (at any sweep point) uses the calibrated model. */
static int wants_calibration(const sim_scenario *sc) {
  if (sc->cost.model == SOLVER_COST_CALIBRATED) return 1;
  for (size_t d = 0; d < sc->n_sweep; d++)
    if (strcmp(sc->sweep[d].key, "cost.model") == 0) return 1;
  return 0;
}

static int sweeps_profile(const sim_scenario *sc) {
  for (size_t d = 0; d < sc->n_sweep; d++)
    if (strcmp(sc->sweep[d].key, "links.profile") == 0) return 1;
  return 0;
}

int sim__scenario_hw_load(sim__pctx *ctx) {
  sim_scenario *sc = ctx->sc;
  int calibrated = wants_calibration(sc);
  if (sc->servers.n_devices == 0 && sc->links.profile == NULL && sc->servers.catalog == NULL &&
      !calibrated && !sweeps_profile(sc))
    return 0;
  /* Paths in a scenario are relative to the scenario file. They are kept
   * absolute, so the resolved scenario an experiment writes into its own
   * directory still names the same files when read back from there. */
  char **paths[] = {&sc->servers.catalog, &sc->cost.calibration};
  for (size_t i = 0; i < 2; i++) {
    if (*paths[i] == NULL) continue;
    char *p = sim__path_resolve(sc->path, *paths[i]);
    if (p == NULL) return oom(ctx);
    char *abs = realpath(p, NULL); /* NULL when the file is missing: reported below */
    if (abs != NULL) {
      free(p);
      p = abs;
    }
    free(*paths[i]);
    *paths[i] = p;
  }
  sim_error lerr;
  sim_error_clear(&lerr);
  sc->hw.catalog = sim_catalog_load(sc->servers.catalog, &lerr);
  if (sc->hw.catalog == NULL) {
    const yaml_node_t *at = sim__mark_find(ctx, "servers.catalog");
    sim__perr(ctx, at, sc->servers.catalog ? "servers.catalog" : "servers.devices",
              "cannot read the device catalogue:\n%s", lerr.msg);
    return -1;
  }
  if (calibrated) {
    sc->hw.calibration = malloc(sizeof *sc->hw.calibration);
    if (sc->hw.calibration == NULL) return oom(ctx);
    sim_error_clear(&lerr);
    if (sim_calibration_load(sc->cost.calibration, sc->hw.calibration, &lerr) != SIM_OK) {
      sim__perr(ctx, sim__mark_find(ctx, "cost.calibration"), "cost.calibration",
                "cannot read the calibration:\n%s", lerr.msg);
      return -1;
    }
  }
  /* The stages borrow what the scenario owns. */
  sc->servers.hw_catalog = sc->hw.catalog;
  sc->servers.calibration = sc->hw.calibration;
  sc->links.hw_catalog = sc->hw.catalog;
  /* A list names every server, so it sets the count unless one is given. */
  if (sc->servers.n_devices > 0 && sc->servers.device_probs == NULL &&
      sim__mark_find(ctx, "servers.count") == NULL)
    sc->servers.count = (int64_t)sc->servers.n_devices;
  return 0;
}

void sim__scenario_hw_check(sim__pctx *ctx, const sim_scenario *sc, const char *where,
                            const yaml_node_t *at) {
  char d[512];
  const yaml_node_t *dn = sim__mark_find(ctx, "servers.devices");
  for (size_t i = 0; i < sc->servers.n_devices; i++) {
    const char *name = sc->servers.devices[i];
    const sim_device *dev = sim_catalog_device(sc->hw.catalog, name);
    char path[64];
    snprintf(path, sizeof path, "servers.devices[%zu]", i);
    if (dev == NULL) {
      const char *near = sim_catalog_device_suggest(sc->hw.catalog, name);
      snprintf(d, sizeof d, "unknown device '%s'%s%s%s (`dilemma devices` lists the catalogue)", name,
               near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
      sim__perr(ctx, where ? at : dn, path, "%s%s%s", where ? where : "", where ? ": " : "", d);
      continue;
    }
    if (sc->cost.model != SOLVER_COST_CALIBRATED && isnan(sim_device_flops(dev))) {
      snprintf(d, sizeof d, "device '%s' has no FLOP/s figure in the catalogue; the %s cost model "
               "needs one (use cost.model: calibrated, or add fp16_flops in servers.catalog)",
               name, solver_cost_model_name(sc->cost.model));
      sim__perr(ctx, where ? at : dn, path, "%s%s%s", where ? where : "", where ? ": " : "", d);
    }
  }
  if (sc->servers.n_devices > 0 && sc->servers.device_probs == NULL &&
      (int64_t)sc->servers.n_devices != sc->servers.count) {
    snprintf(d, sizeof d, "lists %zu devices but servers.count = %lld; give one device per server",
             sc->servers.n_devices, (long long)sc->servers.count);
    sim__perr(ctx, where ? at : dn, "servers.devices", "%s%s%s", where ? where : "", where ? ": " : "", d);
  }
  if (sc->links.profile != NULL && sim_catalog_link(sc->hw.catalog, sc->links.profile) == NULL) {
    const char *near = sim_catalog_link_suggest(sc->hw.catalog, sc->links.profile);
    snprintf(d, sizeof d, "unknown link profile '%s'%s%s%s (`dilemma devices` lists the catalogue)",
             sc->links.profile, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    sim__perr(ctx, where ? at : sim__mark_find(ctx, "links.profile"), "links.profile", "%s%s%s",
              where ? where : "", where ? ": " : "", d);
  }
}
