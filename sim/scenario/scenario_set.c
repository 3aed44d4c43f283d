/* scenario_set.c: `key=value` overrides (the command line's --set) applied to
 * the parsed YAML document before validation, so that an override is checked
 * by exactly the code that checks the file and a bad one gets the same
 * message, with the key path, naming the override instead of a line. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include "sim/scenario/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every node an override adds carries this tag followed by the override's
 * index; sim__perr recognises it and names the override rather than a file
 * position (an added node has no line in the file). The loader never reads
 * tags otherwise. */
#define SET_TAG "tag:dilemma,2026:set:"

static int set_tag(char *buf, size_t len, size_t k) {
  return snprintf(buf, len, SET_TAG "%zu", k) < (int)len ? 0 : -1;
}

long sim__yaml_set_index(const yaml_node_t *n) {
  if (n == NULL || n->tag == NULL) return -1;
  const char *t = (const char *)n->tag;
  if (strncmp(t, SET_TAG, sizeof SET_TAG - 1) != 0) return -1;
  return strtol(t + sizeof SET_TAG - 1, NULL, 10);
}

static int set_error(sim_error *err, const char *ov, const char *fmt, const char *detail) {
  return sim_error_set(err, SIM_EINPUT, "--set %s: error: %s%s", ov, fmt, detail ? detail : "");
}

/* Copies node `id` of src (and everything under it) into dst with tag `tag`.
 * Returns the new node's id, 0 on allocation failure. */
static int copy_node(yaml_document_t *dst, yaml_document_t *src, int id, const char *tag) {
  yaml_node_t *n = yaml_document_get_node(src, id);
  if (n == NULL) return 0;
  const yaml_char_t *t = (const yaml_char_t *)tag;
  switch (n->type) {
  case YAML_SCALAR_NODE:
    return yaml_document_add_scalar(dst, (yaml_char_t *)t, n->data.scalar.value,
                                    (int)n->data.scalar.length, n->data.scalar.style);
  case YAML_SEQUENCE_NODE: {
    int s = yaml_document_add_sequence(dst, (yaml_char_t *)t, YAML_FLOW_SEQUENCE_STYLE);
    if (!s) return 0;
    /* Re-fetch n after each addition: src is not modified, but be explicit
     * about which document's pointers stay valid. */
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
      int c = copy_node(dst, src, *it, tag);
      if (!c || !yaml_document_append_sequence_item(dst, s, c)) return 0;
    }
    return s;
  }
  case YAML_MAPPING_NODE: {
    int m = yaml_document_add_mapping(dst, (yaml_char_t *)t, YAML_FLOW_MAPPING_STYLE);
    if (!m) return 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
      int k = copy_node(dst, src, p->key, tag), v = copy_node(dst, src, p->value, tag);
      if (!k || !v || !yaml_document_append_mapping_pair(dst, m, k, v)) return 0;
    }
    return m;
  }
  default: return 0;
  }
}

/* Applies override number k, "a.b.c=value", to doc. */
static int apply_one(yaml_document_t *doc, const char *ov, size_t k, sim_error *err) {
  const char *eq = strchr(ov, '=');
  if (eq == NULL || eq == ov)
    return set_error(err, ov, "expected KEY=VALUE with a dotted key path, e.g. runs=10 or "
                     "links.omega_min=2e6", NULL);
  char path[256];
  size_t plen = (size_t)(eq - ov);
  if (plen >= sizeof path) return set_error(err, ov, "the key path is too long", NULL);
  memcpy(path, ov, plen);
  path[plen] = '\0';
  for (const char *c = path; *c; c++)
    if ((*c == '.' && (c == path || c[1] == '.' || c[1] == '\0')))
      return set_error(err, ov, "empty component in the key path", NULL);
  /* An empty file has no root (and libyaml no node stack to add to); the
   * loader reports the empty file itself. */
  if (yaml_document_get_root_node(doc) == NULL) return SIM_OK;
  char tag[64];
  if (set_tag(tag, sizeof tag, k) != 0) return sim_error_set(err, SIM_ENOMEM, "out of memory");

  /* The value is YAML itself, so `--set sweep.values=[1,2]` and quoting
   * behave as in the file. */
  const char *val = eq + 1;
  yaml_document_t vdoc;
  sim_error verr;
  sim_error_clear(&verr);
  if (sim__yaml_load(&vdoc, val, strlen(val), "value", &verr) != SIM_OK) {
    const char *why = strstr(verr.msg, "YAML syntax");
    return set_error(err, ov, "the value is not valid YAML: ", why ? why : verr.msg);
  }
  int vid;
  if (yaml_document_get_root_node(&vdoc) == NULL)
    vid = yaml_document_add_scalar(doc, (yaml_char_t *)tag, (yaml_char_t *)"", 0,
                                   YAML_PLAIN_SCALAR_STYLE);
  else
    vid = copy_node(doc, &vdoc, 1, tag);
  yaml_document_delete(&vdoc);
  if (!vid) return sim_error_set(err, SIM_ENOMEM, "out of memory applying --set %s", ov);

  /* Walk the key path from the root, making mappings where a component is
   * missing or is not a mapping (an override replaces what it names). */
  int cur = 1;
  if (yaml_document_get_node(doc, 1)->type != YAML_MAPPING_NODE)
    return set_error(err, ov, "the scenario is not a mapping of keys", NULL);
  char *save = NULL;
  for (char *comp = strtok_r(path, ".", &save); comp; comp = strtok_r(NULL, ".", &save)) {
    const int last = save == NULL || *save == '\0';
    yaml_node_t *m = yaml_document_get_node(doc, cur);
    yaml_node_pair_t *hit = NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
      const char *ks = sim__yaml_scalar(yaml_document_get_node(doc, p->key));
      if (ks && strcmp(ks, comp) == 0) hit = p; /* the last one, as the parser sees duplicates */
    }
    int next;
    if (!last) {
      yaml_node_t *v = hit ? yaml_document_get_node(doc, hit->value) : NULL;
      if (v && v->type == YAML_MAPPING_NODE) { cur = hit->value; continue; }
      size_t hit_at = hit ? (size_t)(hit - m->data.mapping.pairs.start) : 0;
      next = yaml_document_add_mapping(doc, (yaml_char_t *)tag, YAML_BLOCK_MAPPING_STYLE);
      if (!next) return sim_error_set(err, SIM_ENOMEM, "out of memory applying --set %s", ov);
      m = yaml_document_get_node(doc, cur); /* adding may have moved the nodes */
      if (hit) { m->data.mapping.pairs.start[hit_at].value = next; cur = next; continue; }
    } else {
      next = vid;
      if (hit) { hit->value = vid; break; }
    }
    int kid = yaml_document_add_scalar(doc, (yaml_char_t *)tag, (yaml_char_t *)comp, -1,
                                       YAML_PLAIN_SCALAR_STYLE);
    if (!kid || !yaml_document_append_mapping_pair(doc, cur, kid, next))
      return sim_error_set(err, SIM_ENOMEM, "out of memory applying --set %s", ov);
    cur = next;
  }
  return SIM_OK;
}

int sim__yaml_apply_sets(yaml_document_t *doc, const char *const *sets, size_t n, sim_error *err) {
  int rc = SIM_OK;
  for (size_t k = 0; k < n; k++) {
    int r = apply_one(doc, sets[k], k, err);
    if (r != SIM_OK && rc == SIM_OK) rc = r;
  }
  return rc;
}
