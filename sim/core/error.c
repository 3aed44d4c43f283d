/* error.c: recording errors without printing them. */
#include "sim/core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sim_error_clear(sim_error *err) {
  if (err == NULL) return;
  err->code = SIM_OK;
  err->count = 0;
  err->msg[0] = '\0';
}

int sim_error_set(sim_error *err, int code, const char *fmt, ...) {
  if (err == NULL) return code;
  if (err->code == SIM_OK) err->code = code;
  size_t used = strlen(err->msg);
  /* Keep room for a truncation marker so a long report never looks complete. */
  const size_t room = sizeof err->msg - 32;
  if (used >= room) return code;
  if (used > 0) err->msg[used++] = '\n';
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg + used, sizeof err->msg - used, fmt, ap);
  va_end(ap);
  if (n < 0) {
    err->msg[used] = '\0';
  } else if ((size_t)n >= room - used) {
    snprintf(err->msg + room, sizeof err->msg - room, "\n(further errors omitted)");
  }
  err->count++;
  return code;
}

const char *sim_strerror(int code) {
  switch (code) {
  case SIM_OK: return "success";
  case SIM_ENOMEM: return "out of memory";
  case SIM_EIO: return "input/output error";
  case SIM_ESYNTAX: return "syntax error";
  case SIM_EINPUT: return "invalid input";
  case SIM_EINFEASIBLE: return "infeasible";
  case SIM_ETIMEOUT: return "time limit reached";
  case SIM_ESOLVER: return "solver failure";
  case SIM_EINTERNAL: return "internal error";
  case SIM_EINTERRUPT: return "interrupted";
  default: return "unknown error";
  }
}
