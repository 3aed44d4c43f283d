/* run_files.c: the files of an experiment directory: creating and locking
 * it, the resolved scenario, and the rows of runs.csv (parsing, resuming,
 * sorting). Whole-file reads and atomic writes are in file.c. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "analysis/analysis.h"
#include "sim/core/core.h"
#include "sim/run/internal.h"

/* mkdir -p. */
int sim__run_make_dirs(const char *path, sim_error *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return sim_error_set(err, SIM_EINPUT, "output path too long: %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return sim_error_set(err, SIM_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return sim_error_set(err, SIM_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
  return SIM_OK;
}

int sim__run_lock(const char *dir, sim_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/.dilemma.lock", dir);
  int fd = open(path, O_RDWR | O_CREAT, 0666);
  if (fd < 0) {
    sim_error_set(err, SIM_EIO, "%s: cannot create: %s", path, strerror(errno));
    return -1;
  }
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (fcntl(fd, F_SETLK, &fl) != 0) {
    struct flock who = fl;
    int pid = fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? (int)who.l_pid : 0;
    close(fd);
    sim_error_set(err, SIM_EINPUT, "%s: another dilemma run is writing this directory%s%.0d%s; wait for it "
                  "or choose another output directory", dir, pid ? " (process " : "", pid, pid ? ")" : "");
    return -1;
  }
  return fd;
}

/* Sort key of a runs.csv or timing.csv line: (point, run, method index,
 * model). */
typedef struct {
  const char *line;
  size_t len;
  size_t point;
  unsigned long long run;
  int method;
  const char *model; /* not NUL-terminated */
  size_t model_len;
} row_ref;

static int row_cmp(const void *a, const void *b) {
  const row_ref *x = a, *y = b;
  if (x->point != y->point) return x->point < y->point ? -1 : 1;
  if (x->run != y->run) return x->run < y->run ? -1 : 1;
  if (x->method != y->method) return (x->method > y->method) - (x->method < y->method);
  const size_t n = x->model_len < y->model_len ? x->model_len : y->model_len;
  const int c = n ? memcmp(x->model, y->model, n) : 0;
  return c ? c : (x->model_len > y->model_len) - (x->model_len < y->model_len);
}

long sim__run_column(const char *text, size_t len, const char *name) {
  const char *nl = memchr(text, '\n', len);
  const size_t hl = nl ? (size_t)(nl - text) : len, nn = strlen(name);
  size_t fl;
  const char *f;
  for (size_t k = 0; (f = sim_csv_field(text, hl, k, &fl)) != NULL; k++)
    if (fl == nn && memcmp(f, name, nn) == 0) return (long)k;
  return -1;
}

/* The columns a row is sorted and grouped by. */
typedef struct {
  long point, run, method, model;
} row_cols;

static row_cols cols_of(const char *text, size_t len) {
  row_cols c = {sim__run_column(text, len, "point"), sim__run_column(text, len, "run"),
                sim__run_column(text, len, "method"), sim__run_column(text, len, "model")};
  return c;
}

/* Parses the rows of runs.csv (or timing.csv) text after its header. Lines
 * that do not parse or lack their newline (a torn write) are dropped. */
static row_ref *parse_rows(const sim__run_ctx *ctx, const char *text, size_t len, size_t *n_rows) {
  size_t cap = 1024, n = 0;
  row_ref *rows = malloc(cap * sizeof *rows);
  if (rows == NULL) return NULL;
  const row_cols c = cols_of(text, len);
  const char *p = memchr(text, '\n', len);
  p = p ? p + 1 : text + len; /* skip the header */
  const char *end = text + len;
  const unsigned long long n_runs = (unsigned long long)ctx->sc->runs;
  while (p < end && c.point >= 0 && c.run >= 0 && c.method >= 0) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) break; /* torn final line */
    row_ref r = {p, (size_t)(nl - p), 0, 0, -1, "", 0};
    size_t fl;
    const char *f0 = sim_csv_field(p, r.len, (size_t)c.point, &fl), *fr, *fm;
    size_t rl, ml;
    if (f0 && (fr = sim_csv_field(p, r.len, (size_t)c.run, &rl)) &&
        (fm = sim_csv_field(p, r.len, (size_t)c.method, &ml))) {
      char tmp[32];
      snprintf(tmp, sizeof tmp, "%.*s", (int)(fl < 31 ? fl : 31), f0);
      r.point = (size_t)strtoull(tmp, NULL, 10);
      snprintf(tmp, sizeof tmp, "%.*s", (int)(rl < 31 ? rl : 31), fr);
      r.run = strtoull(tmp, NULL, 10);
      r.method = sim__run_method_index(ctx, fm, ml);
      const char *fo = c.model >= 0 ? sim_csv_field(p, r.len, (size_t)c.model, &r.model_len) : NULL;
      if (fo) r.model = fo;
      else r.model_len = 0;
      if (r.method >= 0 && r.point < ctx->n_points && r.run < n_runs) {
        if (n == cap) {
          row_ref *g = realloc(rows, 2 * cap * sizeof *rows);
          if (g == NULL) { free(rows); return NULL; }
          rows = g;
          cap *= 2;
        }
        rows[n++] = r;
      }
    }
    p = nl + 1;
  }
  *n_rows = n;
  return rows;
}

/* What rows_rewrite keeps. */
typedef enum {
  KEEP_ALL,      /* every row (sorting) */
  KEEP_COMPLETE, /* tasks whose methods are all present exactly once, marked in done[] */
  KEEP_DONE      /* rows of tasks already marked in done[] */
} keep_rule;

/* Rewrites runs.csv or timing.csv (its text is text, len) at path with its
 * header line and its rows sorted by (point, run, method, model), and
 * leaves the new text in out; `keep` says which rows stay. */
static int rows_rewrite(const sim__run_ctx *ctx, const char *path, const char *text, size_t len,
                        keep_rule keep, unsigned char *done, size_t *skipped, sim_buf *out, sim_error *err) {
  size_t n;
  row_ref *rows = parse_rows(ctx, text, len, &n);
  if (rows == NULL) return sim_error_set(err, SIM_ENOMEM, "out of memory");
  qsort(rows, n, sizeof *rows, row_cmp);
  const char *nl = memchr(text, '\n', len);
  sim_buf_append(out, text, nl ? (size_t)(nl - text) + 1 : len);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && rows[j].point == rows[i].point && rows[j].run == rows[i].run) j++;
    const size_t task = rows[i].run * ctx->n_points + rows[i].point;
    /* Each method has sim__run_rows_per_method rows (one per model, then the
     * aggregate, with models:), sorted by model within the method. */
    const size_t per = sim__run_rows_per_method(ctx, rows[i].point);
    int complete = j - i == ctx->n_methods * per;
    for (size_t k = i; complete && k < j; k++) complete = rows[k].method == (int)((k - i) / per);
    int kept = keep == KEEP_ALL || (keep == KEEP_COMPLETE && complete) || (keep == KEEP_DONE && done[task]);
    if (kept && keep == KEEP_COMPLETE) {
      done[task] = 1;
      (*skipped)++;
    }
    for (size_t k = i; kept && k < j; k++) {
      sim_buf_append(out, rows[k].line, rows[k].len);
      sim_buf_puts(out, "\n");
    }
    i = j;
  }
  free(rows);
  return out->oom ? sim_error_set(err, SIM_ENOMEM, "out of memory") : sim_file_write_atomic(path, out->data, out->len, err);
}

/* The dilemma version recorded in DIR/metadata.json (schema 2), or
 * "unknown" (schema 1 had no metadata.json): the version of the rows of
 * an old runs.csv. */
static void recorded_version(const char *runs_path, char *out, size_t len) {
  snprintf(out, len, "unknown");
  char path[4200];
  snprintf(path, sizeof path, "%s", runs_path);
  char *slash = strrchr(path, '/');
  snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0), "metadata.json");
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  const char *v = json_string_value(json_object_get(root, "dilemma_version"));
  if (v != NULL && strcspn(v, ",\"\r\n") == strlen(v)) snprintf(out, len, "%s", v);
  json_decref(root);
}

/* Keeps the complete tasks of an earlier, interrupted run: marks them done
 * and rewrites runs.csv with only their rows. */
int sim__run_resume(const sim__run_ctx *ctx, const char *path, const char *header,
                    unsigned char *done, size_t *skipped, int *existed, sim_error *err) {
  size_t len;
  size_t before = err->count;
  *existed = 0;
  char *text = sim_file_read(path, &len, err);
  if (text == NULL) return err->count > before ? err->code : SIM_OK; /* missing: nothing to resume */
  *existed = 1;
  if (analysis_schema_version(text, len) == 2) {
    /* Written by an earlier version: its rows are read in this schema. */
    char version[64], *now = NULL;
    size_t now_len = 0;
    recorded_version(path, version, sizeof version);
    sim_error e;
    sim_error_clear(&e);
    const int rc = analysis_schema_upgrade(text, len, ctx->sc, version, &now, &now_len, &e);
    free(text);
    if (rc != SIM_OK)
      return rc == SIM_ENOMEM ? sim_error_set(err, rc, "out of memory")
                              : sim_error_set(err, SIM_EINPUT, "%s: %s; --resume cannot read it (choose another "
                                              "output directory)", path, e.msg);
    text = now;
    len = now_len;
  }
  if (len < strlen(header) || strncmp(text, header, strlen(header)) != 0) {
    free(text);
    return sim_error_set(err, SIM_EINPUT,
                         "%s: its columns differ from this scenario's; resume needs the same scenario "
                         "(or choose another output directory)", path);
  }
  /* The file starts with header, so its header line is header. */
  sim_buf keep;
  sim_buf_init(&keep);
  int rc = rows_rewrite(ctx, path, text, len, KEEP_COMPLETE, done, skipped, &keep, err);
  sim_buf_free(&keep);
  free(text);
  return rc;
}

int sim__run_resume_timing(const sim__run_ctx *ctx, const char *path, const char *header,
                           const unsigned char *done, int *existed, sim_error *err) {
  size_t len;
  *existed = 0;
  sim_error ignore;
  sim_error_clear(&ignore);
  /* Times are not results: a missing or unreadable timing.csv (one written
   * before schema 3) is started afresh. */
  char *text = sim_file_read(path, &len, &ignore);
  if (text == NULL) return SIM_OK;
  if (len < strlen(header) || strncmp(text, header, strlen(header)) != 0) {
    free(text);
    return SIM_OK;
  }
  sim_buf keep;
  sim_buf_init(&keep);
  int rc = rows_rewrite(ctx, path, text, len, KEEP_DONE, (unsigned char *)done, NULL, &keep, err);
  sim_buf_free(&keep);
  free(text);
  *existed = rc == SIM_OK;
  return rc;
}

/* Sorts runs.csv (or timing.csv) by (point, run, method, model): the file
 * is the same whatever order the threads finished in. */
int sim__run_sort(const sim__run_ctx *ctx, const char *path, char **sorted, size_t *sorted_len,
                  sim_error *err) {
  *sorted = NULL;
  *sorted_len = 0;
  size_t len;
  char *text = sim_file_read(path, &len, err);
  if (text == NULL) return sim_error_set(err, SIM_EIO, "%s: vanished during the run", path);
  sim_buf b;
  sim_buf_init(&b);
  int rc = rows_rewrite(ctx, path, text, len, KEEP_ALL, NULL, NULL, &b, err);
  free(text);
  if (rc != SIM_OK) {
    sim_buf_free(&b);
    return rc;
  }
  *sorted = b.data;
  *sorted_len = b.len;
  return SIM_OK;
}

size_t sim__run_rows_held(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  size_t lines = 0;
  int c, last = '\n';
  while ((c = getc(f)) != EOF) {
    if (c == '\n') lines++;
    last = c;
  }
  fclose(f);
  if (last != '\n') lines++; /* a torn last line is still a row */
  return lines > 0 ? lines - 1 : 0;
}

size_t sim__run_rows_feasible(const sim__run_ctx *ctx, const char *text, size_t len) {
  (void)ctx;
  const long cs = sim__run_column(text, len, "status"), co = sim__run_column(text, len, "objective_s");
  const char *p = memchr(text, '\n', len), *end = text + len;
  size_t n = 0;
  for (p = p ? p + 1 : end; p < end && cs >= 0 && co >= 0;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
    size_t sl, ol;
    const char *s = sim_csv_field(p, ll, (size_t)cs, &sl), *o = sim_csv_field(p, ll, (size_t)co, &ol);
    if (s && ((sl == 7 && memcmp(s, "optimal", 7) == 0) || (sl == 8 && memcmp(s, "feasible", 8) == 0) ||
              (o && ol > 0)))
      n++;
    p = nl ? nl + 1 : end;
  }
  return n;
}

/* Blanks the value of the `runs:` line of resolved YAML in place (the line
 * stays, so line numbers in messages still match the file): resume may
 * extend (or shorten) the run count, as each run is seeded by its own index. */
static void drop_runs_line(char *yaml) {
  char *line = yaml;
  while (line && *line) {
    char *nl = strchr(line, '\n');
    if (strncmp(line, "runs:", 5) == 0) {
      if (nl) memmove(line + 5, nl, strlen(nl) + 1);
      else line[5] = '\0';
      return;
    }
    line = nl ? nl + 1 : NULL;
  }
}

/* The dotted key path of the line that starts at `at` in resolved YAML
 * text (block style, as sim_scenario_write writes it): each earlier line
 * with less indentation is a parent. Writes "" when the line holds no key. */
static void key_at(const char *text, const char *at, char *out, size_t len) {
  struct { size_t indent; char key[64]; } stack[16];
  size_t depth = 0;
  out[0] = '\0';
  for (const char *p = text; p != NULL && p <= at;) {
    const char *nl = strchr(p, '\n');
    size_t indent = 0;
    const char *q = p;
    while (*q == ' ' || *q == '-') { q++; indent++; }
    size_t klen = 0;
    while (q[klen] && (q[klen] == '_' || q[klen] == '.' || (q[klen] >= 'a' && q[klen] <= 'z') ||
                       (q[klen] >= 'A' && q[klen] <= 'Z') || (q[klen] >= '0' && q[klen] <= '9')))
      klen++;
    if (*q != '#' && klen > 0 && q[klen] == ':') {
      while (depth > 0 && stack[depth - 1].indent >= indent) depth--;
      if (depth < sizeof stack / sizeof stack[0]) {
        stack[depth].indent = indent;
        snprintf(stack[depth].key, sizeof stack[depth].key, "%.*s", (int)klen, q);
        depth++;
      }
    }
    if (p == at) {
      size_t used = 0;
      for (size_t i = 0; i < depth && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "." : "", stack[i].key);
      return;
    }
    p = nl ? nl + 1 : NULL;
  }
}

/* The start of the first line where a and b differ; sets *line (1-based). */
static void first_diff(const char *a, const char *b, const char **la, const char **lb, size_t *line) {
  *line = 1;
  *la = a;
  *lb = b;
  for (size_t i = 0; a[i] == b[i] && a[i] != '\0'; i++)
    if (a[i] == '\n') {
      (*line)++;
      *la = a + i + 1;
      *lb = b + i + 1;
    }
}

/* Describes the first difference between the recorded and the new resolved
 * scenario, naming the key (or the input file) that changed; skipped is the
 * number of header lines before old and now in the file. */
static int refuse_changed(const char *path, const char *old, const char *now, size_t skipped,
                          sim_error *err) {
  const char *lo, *ln;
  size_t line;
  first_diff(old, now, &lo, &ln, &line);
  line += skipped; /* the header lines before old and now */
  size_t no = strcspn(lo, "\n"), nn = strcspn(ln, "\n");
  const char *inp = "# input ";
  if (strncmp(lo, inp, strlen(inp)) == 0 || strncmp(ln, inp, strlen(inp)) == 0) {
    const char *l = strncmp(ln, inp, strlen(inp)) == 0 ? ln : lo;
    size_t klen = strcspn(l + strlen(inp), ":\n");
    return sim_error_set(err, SIM_EINPUT,
                         "%s: line %zu: input file %.*s differs from the one this directory was run "
                         "with (its content hash changed: was '%.*s', now '%.*s'); --resume needs the "
                         "same inputs (or choose another output directory)",
                         path, line, (int)klen, l + strlen(inp), (int)no, lo, (int)nn, ln);
  }
  char key[256];
  key_at(now, ln, key, sizeof key);
  if (key[0] == '\0') key_at(old, lo, key, sizeof key);
  return sim_error_set(err, SIM_EINPUT,
                       "%s: line %zu: key %s differs from the scenario this directory was run with "
                       "(was '%.*s', now '%.*s'); --resume needs the same scenario (or choose another "
                       "output directory)",
                       path, line, key[0] ? key : "(top level)", (int)no, lo, (int)nn, ln);
}

/* The recorded resolved scenario `old` (YAML after its header lines, runs
 * line dropped) as this version would write it: read back and written
 * again, so a key this version added appears with its default, and a
 * directory written before the key existed still resumes when the scenario
 * leaves it at that default. The input-hash comment lines are kept as
 * recorded. Returns NULL (and the caller compares the text as recorded)
 * when the old file no longer reads as a scenario. */
static char *resolved_rewrite(const char *old, const char *path, const char *header) {
  sim_error local;
  sim_error_clear(&local);
  /* The runs line was emptied for the comparison; any count reads back. */
  const char *const runs_any[] = {"runs=1"};
  sim_scenario *sc = sim_scenario_load_string_set(old, strlen(old), path, runs_any, 1, &local);
  if (sc == NULL) return NULL;
  char *text = NULL;
  FILE *f = tmpfile();
  if (f != NULL && sim_scenario_write(sc, f, header, &local) == SIM_OK) {
    const char *inputs = strstr(old, "\n# input ");
    if (inputs != NULL) fputs(inputs + 1, f);
    long n = ftell(f);
    if (n >= 0 && (text = malloc((size_t)n + 1)) != NULL) {
      rewind(f);
      if (fread(text, 1, (size_t)n, f) != (size_t)n) {
        free(text);
        text = NULL;
      } else {
        text[n] = '\0';
      }
    }
  }
  if (f != NULL) fclose(f);
  sim_scenario_free(sc);
  if (text == NULL) return NULL;
  /* Drop the header lines, as the caller did for both texts. */
  char *body = text;
  for (int k = 0; k < 2; k++) body = strchr(body, '\n') ? strchr(body, '\n') + 1 : body;
  memmove(text, body, strlen(body) + 1);
  drop_runs_line(text);
  return text;
}

/* Appends one comment line per input file the run depends on: its key, its
 * SHA-256 and its path. The resolved scenario is the run's metadata, so
 * resume compares these lines like any key, and a file changed at the same
 * path is refused. */
static int append_inputs(const sim_scenario *sc, FILE *f, sim_error *err) {
  const struct { const char *key, *path; } in[] = {
    {"quantization.error_table", sc->quant.error == SIM_ERRSRC_TABLE ? sc->quant.error_table : NULL},
    {"servers.catalog", sc->servers.catalog},
    {"cost.calibration", sc->cost.calibration},
    {"simulation.dynamics.trace", sc->sim.dyn.trace},
  };
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    if (in[i].path == NULL) continue;
    char hex[65];
    int rc = sim_file_sha256(in[i].path, hex, err);
    if (rc != SIM_OK) return rc;
    if (fprintf(f, "# input %s: sha256 %s\n", in[i].key, hex) < 0)
      return sim_error_set(err, SIM_EIO, "temporary file write failed");
  }
  return SIM_OK;
}

/* The resolved scenario, with a header naming the version and the hashes of
 * the input files; under resume an existing file must say the same, or the
 * rows would mix two experiments. An existing runs.csv without it cannot be
 * checked, so resume refuses it. */
int sim__run_write_resolved(const sim_scenario *sc, const char *path, const char *runs_path,
                            int resume, sim_error *err) {
  FILE *f = tmpfile();
  if (f == NULL) return sim_error_set(err, SIM_EIO, "cannot create a temporary file: %s", strerror(errno));
  char header[512];
  snprintf(header, sizeof header,
           "scenario.resolved.yaml: written by dilemma %s from %s\n"
           "Every default is explicit; `dilemma run` on this file repeats the experiment.",
           PACKAGE_VERSION, sc->path ? sc->path : "(string)");
  int rc = sim_scenario_write(sc, f, header, err);
  if (rc == SIM_OK) rc = append_inputs(sc, f, err);
  long n = ftell(f);
  char *text = NULL;
  if (rc == SIM_OK && n >= 0 && (text = malloc((size_t)n + 1)) != NULL) {
    rewind(f);
    if (fread(text, 1, (size_t)n, f) != (size_t)n) rc = sim_error_set(err, SIM_EIO, "temporary file read failed");
    text[n] = '\0';
  } else if (rc == SIM_OK) {
    rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
  }
  fclose(f);
  if (rc == SIM_OK && resume) {
    size_t olen;
    const size_t before = err->count;
    char *old = sim_file_read(path, &olen, err);
    struct stat sb;
    /* Compare the YAML after the two header lines (the source path may differ). */
    char *a = old, *b = text;
    for (int k = 0; a && k < 2; k++) a = strchr(a, '\n') ? strchr(a, '\n') + 1 : NULL;
    for (int k = 0; k < 2; k++) b = strchr(b, '\n') ? strchr(b, '\n') + 1 : b;
    char *bcopy = NULL;
    if (a != NULL && (bcopy = malloc(strlen(b) + 1)) != NULL) {
      strcpy(bcopy, b);
      drop_runs_line(a);
      drop_runs_line(bcopy);
    }
    if (err->count > before)
      rc = err->code;
    else if (old == NULL && stat(runs_path, &sb) == 0)
      rc = sim_error_set(err, SIM_EINPUT,
                         "%s: missing, but %s exists: without it the rows cannot be checked against "
                         "this scenario, so --resume refuses them (remove %s to start afresh, or "
                         "choose another output directory)", path, runs_path, runs_path);
    else if (old != NULL && a == NULL)
      rc = sim_error_set(err, SIM_EINPUT, "%s: damaged (no header); --resume cannot check it against "
                         "this scenario (choose another output directory)", path);
    else if (old != NULL && bcopy == NULL)
      rc = sim_error_set(err, SIM_ENOMEM, "out of memory");
    else if (old != NULL && strcmp(a, bcopy) != 0) {
      char *again = resolved_rewrite(a, path, header);
      if (again == NULL) rc = refuse_changed(path, a, bcopy, 2, err);
      else if (strcmp(again, bcopy) != 0) rc = refuse_changed(path, again, bcopy, 2, err);
      free(again);
    }
    free(bcopy);
    free(old);
  }
  if (rc == SIM_OK) rc = sim_file_write_atomic(path, text, strlen(text), err);
  free(text);
  return rc;
}
