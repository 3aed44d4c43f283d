/* safetensors_index.c: sharded checkpoints. `model.safetensors.index.json`
 * holds {"metadata": {...}, "weight_map": {tensor: shard file}}; the shards
 * sit beside it. The index and the shards must agree exactly: every tensor
 * of a shard is listed under that shard, and every listed tensor exists. */
#define _POSIX_C_SOURCE 200809L
#include "sim/weights/internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A shard must be a plain file name beside the index: a hostile index must
 * not reach files elsewhere through "../" or an absolute path. */
static int shard_name_ok(const char *s) {
  return s[0] != '\0' && strchr(s, '/') == NULL && strchr(s, '\\') == NULL &&
         strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The directory part of path ("." if none), malloc'd. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) return strdup(".");
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (d != NULL) {
    memcpy(d, path, n);
    d[n] = '\0';
  }
  return d;
}

/* Checks that the index's weight map and the shards' headers agree. */
static int cross_check(sim_safetensors *st, const char *index_path, json_t *map,
                       const char **shards, sim_error *err) {
  const char *name;
  json_t *v;
  json_object_foreach(map, name, v) {
    const sim_st_tensor *t = sim_safetensors_find(st, name);
    const char *shard = json_string_value(v);
    if (t == NULL)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: the index maps tensor '%s' to '%s', which has no such tensor",
                           index_path, name, shard);
    if (strcmp(shards[t->file], shard) != 0)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: the index maps tensor '%s' to '%s' but it is in '%s'",
                           index_path, name, shard, shards[t->file]);
  }
  for (size_t i = 0; i < st->n_tensors; i++)
    if (json_object_get(map, st->tensors[i].name) == NULL)
      return sim_error_set(err, SIM_EINPUT,
                           "%s: error: tensor '%s' of shard '%s' is not listed in the index",
                           index_path, st->tensors[i].name, shards[st->tensors[i].file]);
  return SIM_OK;
}

int sim__st_add_index(sim_safetensors *st, const char *index_path, sim_error *err) {
  json_error_t jerr;
  /* The index is small; jansson reads it from the file with the same
   * duplicate-key rule as the headers. */
  FILE *f = sim_file_open_input(index_path, "error", err);
  if (f == NULL) return err->code;
  /* An index lists names only; one larger than a header may be is hostile
   * and would be read whole into memory. */
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || (uint64_t)sb.st_size > SIM__ST_HEADER_MAX) {
    fclose(f);
    return sim_error_set(err, SIM_EINPUT, "%s: error: the index is larger than %u bytes",
                         index_path, SIM__ST_HEADER_MAX);
  }
  json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
  fclose(f);
  if (root == NULL)
    return sim_error_set(err, SIM_ESYNTAX, "%s:%d:%d: error: the index is not valid JSON: %s",
                         index_path, jerr.line, jerr.column, jerr.text);
  int rc = SIM_OK;
  json_t *map = json_is_object(root) ? json_object_get(root, "weight_map") : NULL;
  const char **shards = NULL;
  char *dir = NULL, *path = NULL;
  if (!json_is_object(map)) {
    rc = sim_error_set(err, SIM_EINPUT, "%s: error: the index has no \"weight_map\" object",
                       index_path);
    goto done;
  }
  size_t n = json_object_size(map), n_shards = 0;
  if (n == 0) {
    rc = sim_error_set(err, SIM_EINPUT, "%s: error: the index's weight_map is empty", index_path);
    goto done;
  }
  shards = malloc(n * sizeof *shards);
  dir = dir_of(index_path);
  if (shards == NULL || dir == NULL) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", index_path);
    goto done;
  }
  const char *name;
  json_t *v;
  json_object_foreach(map, name, v) {
    if (!json_is_string(v) || !shard_name_ok(json_string_value(v))) {
      rc = sim_error_set(err, SIM_EINPUT,
                         "%s: error: tensor '%s' maps to %s; a shard must be a file name beside "
                         "the index", index_path, name,
                         json_is_string(v) ? json_string_value(v) : "a value that is not a string");
      goto done;
    }
    shards[n_shards++] = json_string_value(v);
  }
  /* Distinct shards in name order, which is also the order they were
   * written in (model-00001-of-00004.safetensors, ...). */
  qsort(shards, n_shards, sizeof *shards, cmp_str);
  size_t u = 0;
  for (size_t i = 0; i < n_shards; i++)
    if (u == 0 || strcmp(shards[u - 1], shards[i]) != 0) shards[u++] = shards[i];
  n_shards = u;
  for (size_t i = 0; i < n_shards && rc == SIM_OK; i++) {
    size_t len = strlen(dir) + strlen(shards[i]) + 2;
    free(path);
    path = malloc(len);
    if (path == NULL) {
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory reading %s", index_path);
      break;
    }
    snprintf(path, len, "%s/%s", dir, shards[i]);
    rc = sim__st_add_file(st, path, err);
  }
  if (rc == SIM_OK) rc = sim__st_finish(st, err);
  if (rc == SIM_OK) rc = cross_check(st, index_path, map, shards, err);
done:
  free(path);
  free(dir);
  free(shards);
  json_decref(root);
  return rc;
}
