/* json.h: a streaming JSON writer with shortest round-trip numbers.
 *
 * Output must rebuild instances exactly in other tools, so every double is
 * printed with the fewest digits that read back to the same value; jansson
 * (used for reading JSON) prints 17 significant digits, which is exact but
 * noisy. The writer tracks nesting to place commas and indentation.
 *
 * Ownership rule: the writer borrows the FILE; nothing is allocated. */
#ifndef DILEMMA_SIM_JSON_H
#define DILEMMA_SIM_JSON_H

#include <stdint.h>
#include <stdio.h>

#define SIM_JSON_MAX_DEPTH 32

typedef struct sim_json {
  FILE *out;
  int pretty;                       /* 1: two-space indentation */
  int depth;
  int count[SIM_JSON_MAX_DEPTH];    /* items written at each depth */
  int compact[SIM_JSON_MAX_DEPTH];  /* 1: this container is written on one line */
  int after_key;                    /* 1: a key was written, its value comes next */
} sim_json;

void sim_json_init(sim_json *j, FILE *out, int pretty);
/* Containers; `compact` keeps a (small) container on one line. */
void sim_json_object_begin(sim_json *j, int compact);
void sim_json_object_end(sim_json *j);
void sim_json_array_begin(sim_json *j, int compact);
void sim_json_array_end(sim_json *j);
void sim_json_key(sim_json *j, const char *key);
void sim_json_string(sim_json *j, const char *s);
/* Non-finite numbers have no JSON form and are written as null. */
void sim_json_number(sim_json *j, double x);
void sim_json_int(sim_json *j, int64_t x);
void sim_json_bool(sim_json *j, int b);
void sim_json_null(sim_json *j);
/* Ends the document with a newline; returns 0, or -1 if a write failed. */
int sim_json_finish(sim_json *j);

#endif
