/* json.c: streaming JSON output. */
#include "sim/core/core.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void sim_json_init(sim_json *j, FILE *out, int pretty) {
  memset(j, 0, sizeof *j);
  j->out = out;
  j->pretty = pretty;
}

/* Separator and indentation before a value or key at the current depth. */
static void item(sim_json *j) {
  if (j->after_key) { j->after_key = 0; return; }
  if (j->depth == 0) return;
  int d = j->depth - 1;
  if (j->count[d]++ > 0) fputc(',', j->out);
  if (j->compact[d]) {
    if (j->count[d] > 1) fputc(' ', j->out);
  } else if (j->pretty) {
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->out);
  }
}

static void begin(sim_json *j, char c, int compact) {
  item(j);
  fputc(c, j->out);
  if (j->depth < SIM_JSON_MAX_DEPTH) {
    j->count[j->depth] = 0;
    j->compact[j->depth] = compact || (j->depth > 0 && j->compact[j->depth - 1]);
  }
  j->depth++;
}

static void end(sim_json *j, char c) {
  j->depth--;
  if (j->depth < SIM_JSON_MAX_DEPTH && j->pretty && !j->compact[j->depth] && j->count[j->depth] > 0) {
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->out);
  }
  fputc(c, j->out);
}

void sim_json_object_begin(sim_json *j, int compact) { begin(j, '{', compact); }
void sim_json_object_end(sim_json *j) { end(j, '}'); }
void sim_json_array_begin(sim_json *j, int compact) { begin(j, '[', compact); }
void sim_json_array_end(sim_json *j) { end(j, ']'); }

static void quoted(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
      if (*p < 0x20) fprintf(out, "\\u%04x", *p);
      else fputc(*p, out);
    }
  }
  fputc('"', out);
}

void sim_json_key(sim_json *j, const char *key) {
  item(j);
  quoted(j->out, key);
  fputs(": ", j->out);
  j->after_key = 1;
}

void sim_json_string(sim_json *j, const char *s) {
  item(j);
  quoted(j->out, s);
}

void sim_json_number(sim_json *j, double x) {
  item(j);
  if (!isfinite(x)) { fputs("null", j->out); return; }
  char buf[40];
  sim_fmt_double(buf, sizeof buf, x);
  fputs(buf, j->out);
}

void sim_json_int(sim_json *j, int64_t x) {
  item(j);
  fprintf(j->out, "%" PRId64, x);
}

void sim_json_bool(sim_json *j, int b) {
  item(j);
  fputs(b ? "true" : "false", j->out);
}

void sim_json_null(sim_json *j) {
  item(j);
  fputs("null", j->out);
}

int sim_json_finish(sim_json *j) {
  fputc('\n', j->out);
  return ferror(j->out) ? -1 : 0;
}
