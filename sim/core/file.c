/* file.c: whole-file reads and atomic writes, for every file the tool
 * writes: a reader (or a user's script) never sees half a file. */
#define _POSIX_C_SOURCE 200809L

#include "sim/core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A short noun for what a path is when it is not a regular file. */
static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

int sim_file_open_regular(const char *path, const char *what, sim_error *err) {
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
   * writer; the type is checked on the descriptor itself (fstat), so the
   * file cannot be swapped between the check and the read. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    sim_error_set(err, e == ENOENT || e == ENOTDIR ? SIM_EINPUT : SIM_EIO, "%s: %s%scannot open: %s",
                  path, what ? what : "", what ? ": " : "", strerror(e));
    errno = e;
    return -1;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    const char *kind = fstat(fd, &sb) == 0 ? kind_of(sb.st_mode) : "unreadable";
    close(fd);
    sim_error_set(err, SIM_EINPUT, "%s: %s%sis %s; expected a regular file", path, what ? what : "",
                  what ? ": " : "", kind);
    errno = EINVAL;
    return -1;
  }
  /* Reads of a regular file never block; clear the flag so that stdio
   * sees an ordinary descriptor. */
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

FILE *sim_file_open_input(const char *path, const char *what, sim_error *err) {
  int fd = sim_file_open_regular(path, what, err);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "rb");
  if (f == NULL) {
    close(fd);
    sim_error_set(err, SIM_ENOMEM, "%s: out of memory opening the file", path);
  }
  return f;
}


char *sim_file_read(const char *path, size_t *len, sim_error *err) {
  *len = 0;
  struct stat sb;
  if (stat(path, &sb) != 0 && errno == ENOENT) return NULL;
  FILE *f = sim_file_open_input(path, NULL, err);
  if (f == NULL) return NULL;
  sim_buf b;
  sim_buf_init(&b);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sim_buf_append(&b, chunk, n);
  int bad = ferror(f) || b.oom;
  fclose(f);
  if (bad) {
    sim_buf_free(&b);
    sim_error_set(err, SIM_EIO, "%s: read error: %s", path, b.oom ? "out of memory" : strerror(errno));
    return NULL;
  }
  if (b.data == NULL) sim_buf_puts(&b, "");
  *len = b.len;
  return b.data;
}

int sim_file_dir_check(const char *path, sim_error *err) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) return SIM_OK; /* the current directory */
  char dir[4200];
  const size_t n = slash == path ? 1 : (size_t)(slash - path);
  if (n >= sizeof dir) return sim_error_set(err, SIM_EIO, "%s: cannot write: the path is too long", path);
  memcpy(dir, path, n);
  dir[n] = '\0';
  struct stat st;
  if (stat(dir, &st) != 0)
    return sim_error_set(err, SIM_EIO, "%s: cannot write: the directory '%s' %s", path, dir,
                         errno == ENOENT ? "does not exist" : strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return sim_error_set(err, SIM_EIO, "%s: cannot write: '%s' is not a directory", path, dir);
  return SIM_OK;
}

int sim_file_write_atomic(const char *path, const char *text, size_t len, sim_error *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) {
    const int e = errno;
    /* A missing directory is named as the caller's path gave it, not
     * through the temporary file's name. */
    if ((e == ENOENT || e == ENOTDIR) && sim_file_dir_check(path, err) != SIM_OK) return SIM_EIO;
    return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", path, strerror(e));
  }
  size_t w = fwrite(text, 1, len, f);
  /* fsync before the rename that publishes the file: after a crash the
   * name then refers to the whole text, never to an empty or short file. */
  int bad = w != len || fflush(f) != 0 || fsync(fileno(f)) != 0;
  int e = bad ? errno : 0;
  if (fclose(f) != 0 && !bad) { e = errno; bad = 1; }
  if (!bad && rename(tmp, path) != 0) { e = errno; bad = 1; }
  if (bad) {
    remove(tmp); /* e was saved: remove() may change errno */
    return sim_error_set(err, SIM_EIO, "%s: cannot write: %s", path, strerror(e));
  }
  return SIM_OK;
}

int sim_file_sha256(const char *path, char hex[65], sim_error *err) {
  FILE *f = sim_file_open_input(path, NULL, err);
  if (f == NULL) return err ? err->code : SIM_EIO;
  struct sha256_ctx c;
  sha256_init(&c);
  unsigned char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sha256_update(&c, n, chunk);
  const int bad = ferror(f);
  fclose(f);
  if (bad) return sim_error_set(err, SIM_EIO, "%s: read error", path);
  unsigned char d[SHA256_DIGEST_SIZE];
  sha256_digest(&c, sizeof d, d);
  for (size_t i = 0; i < sizeof d; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
  return SIM_OK;
}
