/* clock.c: the monotonic clock behind time limits and solve times. Wall
 * time (not CPU time) is what a user waits for, and a monotonic clock does
 * not jump when the system time is adjusted. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "solver/internal.h"

double solver__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int solver__expired(double deadline) {
  return deadline > 0 && solver__now() >= deadline;
}
