/* error.h: status codes and error records shared by every dilemma module.
 *
 * Ownership rule: a sim_error is caller-owned storage that library functions
 * fill; they never print. The first failing call sets code and message; later
 * messages are appended (one per line) so a validator can report every
 * problem at once. */
#ifndef DILEMMA_SIM_ERROR_H
#define DILEMMA_SIM_ERROR_H

#include <stddef.h>

enum {
  SIM_OK = 0,         /* success */
  SIM_ENOMEM = 1,     /* an allocation failed */
  SIM_EIO = 2,        /* a file could not be opened, read or written */
  SIM_ESYNTAX = 3,    /* a file is not well-formed (YAML, JSON, CSV) */
  SIM_EINPUT = 4,     /* a value is of the wrong type, out of range or unknown */
  SIM_EINFEASIBLE = 5,/* the problem has no feasible solution */
  SIM_ETIMEOUT = 6,   /* a time limit stopped the computation */
  SIM_ESOLVER = 7,    /* an external solver failed unexpectedly */
  SIM_EINTERNAL = 8,  /* an invariant of our own was violated */
  SIM_EINTERRUPT = 9  /* the user interrupted the computation */
};

/* Longest message kept; further text is dropped and the record says so. */
#define SIM_ERROR_MSG_MAX 4096

typedef struct sim_error {
  int code;                    /* first SIM_E* recorded, SIM_OK if none */
  size_t count;                /* number of messages recorded */
  char msg[SIM_ERROR_MSG_MAX]; /* messages, newline-separated */
} sim_error;

void sim_error_clear(sim_error *err);

/* Records a message with printf formatting. Returns code so callers can write
 * `return sim_error_set(err, SIM_EINPUT, "...")`. err may be NULL. */
int sim_error_set(sim_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short description of a status code ("out of memory"). */
const char *sim_strerror(int code);

#endif
