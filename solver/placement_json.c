/* placement_json.c: placements from JSON (format in solver/solver.h). */
#include "solver/solver.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"

/* A non-negative integer member of an entry; -1 with a message otherwise. */
static int member(json_t *entry, const char *key, const char *name, size_t k, long long *out,
                  sim_error *err) {
  json_t *v = json_object_get(entry, key);
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return sim_error_set(err, SIM_EINPUT, "%s: placement[%zu]: '%s' must be a non-negative integer",
                         name, k, key), -1;
  *out = (long long)json_integer_value(v);
  return 0;
}

static solver_placement *from_json(json_t *root, const char *name, const solver_instance *in,
                                   sim_error *err) {
  json_t *arr = json_is_object(root) ? json_object_get(root, "placement") : NULL;
  if (!json_is_array(arr)) {
    sim_error_set(err, SIM_EINPUT, "%s: expected an object with a \"placement\" array of "
                  "{\"layer\", \"server\", \"bits\"}", name);
    return NULL;
  }
  const size_t L = in->n_layers;
  if (json_array_size(arr) != L) {
    sim_error_set(err, SIM_EINPUT, "%s: the placement has %zu entries but the model has %zu layers",
                  name, json_array_size(arr), L);
    return NULL;
  }
  solver_placement *p = solver_placement_alloc(L);
  unsigned char *seen = calloc(L ? L : 1, 1);
  if (p == NULL || seen == NULL) {
    sim_error_set(err, SIM_ENOMEM, "%s: out of memory", name);
    goto fail;
  }
  for (size_t k = 0; k < L; k++) {
    json_t *e = json_array_get(arr, k);
    if (!json_is_object(e)) {
      sim_error_set(err, SIM_EINPUT, "%s: placement[%zu] must be an object", name, k);
      goto fail;
    }
    long long l, s, b;
    if (member(e, "layer", name, k, &l, err) || member(e, "server", name, k, &s, err) ||
        member(e, "bits", name, k, &b, err))
      goto fail;
    if ((size_t)l >= L || seen[l]) {
      sim_error_set(err, SIM_EINPUT, "%s: placement[%zu]: layer %lld is %s (layers are 0..%zu, "
                    "each once)", name, k, l, (size_t)l >= L ? "out of range" : "repeated", L - 1);
      goto fail;
    }
    if ((size_t)s >= in->n_servers) {
      sim_error_set(err, SIM_EINPUT, "%s: placement[%zu]: server %lld does not exist (servers are "
                    "0..%zu)", name, k, s, in->n_servers - 1);
      goto fail;
    }
    size_t bi = 0;
    while (bi < in->n_bits && in->bits[bi] != b) bi++;
    if (bi == in->n_bits) {
      sim_error_set(err, SIM_EINPUT, "%s: placement[%zu]: %lld bits is not a width of the scenario "
                    "(%lld to %lld)", name, k, b, (long long)in->bits[0],
                    (long long)in->bits[in->n_bits - 1]);
      goto fail;
    }
    seen[l] = 1;
    p->server[l] = (int)s;
    p->bits[l] = (int)bi;
  }
  free(seen);
  return p;
fail:
  free(seen);
  solver_placement_free(p);
  return NULL;
}

solver_placement *sim_placement_load_json_string(const char *text, size_t len, const char *name,
                                                 const solver_instance *in, sim_error *err) {
  json_error_t je;
  json_t *root = json_loadb(text, len, 0, &je);
  if (root == NULL) {
    sim_error_set(err, SIM_ESYNTAX, "%s:%d:%d: error: %s", name, je.line, je.column, je.text);
    return NULL;
  }
  solver_placement *p = from_json(root, name, in, err);
  json_decref(root);
  return p;
}

solver_placement *sim_placement_load_json(const char *path, const solver_instance *in,
                                          sim_error *err) {
  /* Reading fails with SIM_EIO, parsing with SIM_ESYNTAX in the string
   * loader, so the caller still tells a missing file from a broken one. */
  sim_error read_err;
  sim_error_clear(&read_err);
  size_t len;
  char *text = sim_file_read(path, &len, &read_err);
  if (text == NULL) {
    if (read_err.code == SIM_OK) /* sim_file_read's silent "does not exist" */
      sim_error_set(err, SIM_EIO, "%s: cannot read the placement: %s", path, strerror(ENOENT));
    else
      sim_error_set(err, read_err.code, "%s", read_err.msg);
    return NULL;
  }
  solver_placement *p = sim_placement_load_json_string(text, len, path, in, err);
  free(text);
  return p;
}

void solver_placement_write_json(sim_json *j, const solver_instance *in, const solver_placement *p) {
  sim_json_array_begin(j, 0);
  for (size_t l = 0; p != NULL && l < p->n_layers; l++) {
    sim_json_object_begin(j, 1);
    sim_json_key(j, "layer"); sim_json_int(j, (int64_t)l);
    sim_json_key(j, "server"); sim_json_int(j, p->server[l]);
    sim_json_key(j, "bits"); sim_json_int(j, in->bits[p->bits[l]]);
    sim_json_object_end(j);
  }
  sim_json_array_end(j);
}
