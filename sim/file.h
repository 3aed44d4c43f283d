/* file.h: whole-file reads and atomic writes. */
#ifndef SIM_FILE_H
#define SIM_FILE_H

#include <stddef.h>

#include "sim/error.h"

/* A whole file, NUL-terminated, its length in *len. NULL without an error
 * (and *len = 0) if it does not exist; NULL with SIM_EIO if it cannot be
 * read. The caller frees it. */
char *sim_file_read(const char *path, size_t *len, sim_error *err);

/* Replaces path with len bytes of text through PATH.tmp and a rename, so a
 * reader never sees half a file; on failure the temporary file is removed
 * and path is untouched. SIM_EIO names the file and the reason. */
int sim_file_write_atomic(const char *path, const char *text, size_t len, sim_error *err);

#endif
