/* core.h: the public header of sim/core, the helpers every stage uses and
 * that know nothing about LLMs or placements: status codes and error
 * records, a text buffer and CSV splitting, whole-file reads and atomic
 * writes, a JSON writer, seed derivation, an object pool, and number
 * formatting and spelling suggestions. Each section below states its own
 * ownership rule. */

/* Status codes and error records shared by every dilemma module.
 *
 * Ownership rule: a sim_error is caller-owned storage that library functions
 * fill; they never print. The first failing call sets code and message; later
 * messages are appended (one per line) so a validator can report every
 * problem at once. */
#ifndef DILEMMA_SIM_CORE_CORE_H
#define DILEMMA_SIM_CORE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>


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

/* A growable text buffer for building CSV rows and files.
 *
 * Ownership rule: the buffer owns `data`; sim_buf_free releases it. After an
 * allocation failure the buffer stays valid and `oom` is set; later appends
 * are ignored, so callers check once at the end. */


typedef struct sim_buf {
  char *data;  /* NUL-terminated contents (NULL while empty) */
  size_t len;  /* bytes used, excluding the NUL */
  size_t cap;  /* bytes allocated */
  int oom;     /* 1 after an allocation failure */
} sim_buf;

void sim_buf_init(sim_buf *b);
void sim_buf_free(sim_buf *b);
void sim_buf_clear(sim_buf *b);
void sim_buf_append(sim_buf *b, const char *s, size_t n);
void sim_buf_puts(sim_buf *b, const char *s);
void sim_buf_printf(sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a CSV number: shortest round-trip form, empty for NaN. */
void sim_buf_number(sim_buf *b, double x);
/* Appends a CSV real: as sim_buf_number, but an integral value keeps a
 * decimal point ("2.0", "0.0"), so a column of reals never reads back as
 * integers in one experiment and as reals in another. */
void sim_buf_real(sim_buf *b, double x);

/* Splits a CSV line in place at its commas into at most max fields and
 * returns how many. Our CSV files never quote: names, statuses and numbers
 * hold no commas. */
size_t sim_csv_split(char *line, char **fields, size_t max);

/* Field k (0-based) of a line of len bytes, not split in place: a pointer
 * to its first byte and its length in *n, or NULL when the line has fewer
 * fields. */
const char *sim_csv_field(const char *line, size_t len, size_t k, size_t *n);

/* Index of the field called name among n split header fields, -1 if none. */
long sim_csv_index(char *const *names, size_t n, const char *name);

/* Whole-file reads and atomic writes. */



/* Opens an input file for reading and checks, without blocking, that it
 * is a regular file: a directory, a FIFO or a device (/dev/zero) is
 * refused with SIM_EINPUT naming what it is, a missing file with SIM_EINPUT
 * and other open failures with SIM_EIO. `what` (e.g. "error table") names
 * the file's role in messages; NULL for none. Returns a descriptor or -1. */
int sim_file_open_regular(const char *path, const char *what, sim_error *err);

/* The same as a stdio stream ("rb"); NULL on failure. */
FILE *sim_file_open_input(const char *path, const char *what, sim_error *err);

/* A whole file, NUL-terminated, its length in *len. NULL without an error
 * (and *len = 0) if it does not exist; NULL with SIM_EIO if it cannot be
 * read, and with SIM_EINPUT if it is not a regular file. The caller frees it. */
char *sim_file_read(const char *path, size_t *len, sim_error *err);

/* The SHA-256 of a regular file's content as 64 lowercase hex digits and
 * a NUL in hex. Resume records it for every input file of a run, so a file
 * changed at the same path is noticed. */
int sim_file_sha256(const char *path, char hex[65], sim_error *err);

/* Replaces path with len bytes of text through PATH.tmp and a rename, so a
 * reader never sees half a file; on failure the temporary file is removed
 * and path is untouched. SIM_EIO names the file and the reason. */
int sim_file_write_atomic(const char *path, const char *text, size_t len, sim_error *err);

/* SIM_OK when the directory that would hold path (the part before its last
 * '/', or the current directory) exists; else SIM_EIO naming path and that
 * directory ("the directory 'D' does not exist", "'D' is not a
 * directory"). For a check before work whose output would have nowhere to
 * go. */
int sim_file_dir_check(const char *path, sim_error *err);

/* The memory this process may use, in bytes: the smaller of the host's
 * physical memory and the process's address-space and data-segment limits
 * (`ulimit -v`, `ulimit -d`), or 0 when none of them is known. Work whose
 * tables cannot fit is refused up front with this figure rather than
 * failing in malloc (or in the kernel's OOM killer) minutes later. */
double sim_memory_available(void);

/* calloc for the large matrices (a topology's n x n routes, a route
 * search's link lists): from 8 MiB on, the block is aligned to 2 MiB and
 * the kernel is advised to back it with huge pages, which turns the
 * hundreds of thousands of page faults of a 4096-server topology (about
 * 2 s of system time) into hundreds and relieves the TLB in the search.
 * Zeroed; freed with free(); NULL when out of memory or count x size
 * overflows. */
void *sim_memory_big_calloc(size_t count, size_t size);

/* A streaming JSON writer with shortest round-trip numbers.
 *
 * Output must rebuild instances exactly in other tools, so every double is
 * printed with the fewest digits that read back to the same value; jansson
 * (used for reading JSON) prints 17 significant digits, which is exact but
 * noisy. The writer tracks nesting to place commas and indentation.
 *
 * Ownership rule: the writer borrows the FILE; nothing is allocated. */


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

/* How dilemma derives random streams from a scenario's seed.
 *
 * Every random quantity comes from a GSL generator (mt19937) seeded with
 *   sim_seed_derive(seed, stream, index)
 *     = (uint32) (splitmix64(splitmix64(seed) ^ stream * 0x9E3779B97F4A7C15) + index)
 * GSL's mt19937 takes a 32-bit seed. Adding the index last makes the seeds of
 * runs 0, 1, 2, ... of one stream distinct for up to 2^32 runs (no birthday
 * collisions inside a sweep); the hash in front separates streams and
 * scenario seeds. Streams: SIM_STREAM_TOPOLOGY (index = run), SIM_STREAM_DES
 * (index = run), SIM_STREAM_BASELINE (index = run); the DES derives its
 * per-entity streams from its run seed the same way with index = entity id,
 * and a dynamic run its link processes with SIM_STREAM_DYNAMICS and
 * index = i·M + j.
 *
 * Because a run's seed does not depend on the sweep point or on which thread
 * runs it, results are the same for any thread count, and every sweep point
 * sees the same draws for the same run (common random numbers). */


enum {
  SIM_STREAM_TOPOLOGY = 1, /* servers and links */
  SIM_STREAM_DES = 2,      /* discrete-event simulation */
  SIM_STREAM_BASELINE = 3, /* randomized baselines */
  SIM_STREAM_DEVICES = 4,  /* device mixtures (servers.devices) */
  SIM_STREAM_DYNAMICS = 5  /* link processes of a dynamic run (index = link i·M + j) */
};

/* splitmix64's output function (Steele, Lea, Flood 2014). */
uint64_t sim_splitmix64(uint64_t x);

/* The 32-bit GSL seed for (seed, stream, index); see above. */
unsigned long sim_seed_derive(uint64_t seed, uint64_t stream, uint64_t index);

/* A free-list pool of fixed-size objects, shared by the DES kernel
 * (its events) and the serving model (its jobs and requests). Internal to
 * sim/.
 *
 * Objects come from chunks that double from SIM__POOL_CHUNK_FIRST to
 * SIM__POOL_CHUNK_MAX objects, so a small model stays small and a large one
 * makes few allocations; the pool never shrinks, so a steady state allocates
 * nothing. The first word of a free object links the next free one, so an
 * object's first member does not survive its return to the pool.
 *
 * Ownership rule: the pool owns every chunk; sim__pool_clear frees them all,
 * and objects handed out are borrowed until then. */


#define SIM__POOL_CHUNK_FIRST 64
#define SIM__POOL_CHUNK_MAX 65536

typedef struct sim__pool {
  size_t size;     /* bytes per object: at least a pointer, a multiple of its alignment */
  void *free_list; /* the first free object */
  void *chunks;    /* the newest chunk; the first word of a chunk links the next */
  size_t chunk_n;  /* objects in the next chunk */
  size_t n;        /* objects in all chunks */
} sim__pool;

/* An empty pool of objects of `size` bytes; allocates nothing. */
void sim__pool_init(sim__pool *p, size_t size);

/* Adds a chunk to the free list. Returns 0, or -1 when out of memory. */
int sim__pool_grow(sim__pool *p);

/* Frees every chunk and leaves the pool empty, ready for reuse. */
void sim__pool_clear(sim__pool *p);

/* Returns the pool's most recently freed object (cache-warm), growing the
 * pool when none is free, or NULL when out of memory. Inline because the
 * event loop takes one per event. */
static inline void *sim__pool_get(sim__pool *p) {
  if (p->free_list == NULL && sim__pool_grow(p) != 0) return NULL;
  void *obj = p->free_list;
  p->free_list = *(void **)obj;
  return obj;
}

/* Returns obj, which came from sim__pool_get of this pool, to the pool. */
static inline void sim__pool_put(sim__pool *p, void *obj) {
  *(void **)obj = p->free_list;
  p->free_list = obj;
}

/* Text helpers (text.c). */

/* Shortest decimal text that reads back as exactly x ("1e-05", "128",
 * "0.1"). buf needs 32 bytes. */
void sim_fmt_double(char *buf, size_t len, double x);
/* sim_fmt_double with ".0" appended when the text has no '.', exponent or
 * infinity/NaN word, so it reads back as a real (CSV columns of reals). */
void sim_fmt_real(char *buf, size_t len, double x);

/* Levenshtein distance with adjacent transpositions (optimal string
 * alignment), capped at 32-character inputs. */
size_t sim_edit_distance(const char *a, const char *b);

/* The candidate nearest to word if it is close enough to be a plausible
 * typo (distance <= max(1, strlen/3), at most 3), else NULL. */
const char *sim_suggest(const char *word, const char *const *candidates, size_t n);

#endif
