/* fuzz.h: the libFuzzer entry point every harness in tests/fuzz defines.
 * The harnesses are built two ways: with clang -fsanitize=fuzzer under
 * ./configure --enable-fuzz (`make fuzz`), and with any compiler linked to
 * replay.c, which feeds them every file of their committed corpus in
 * `make check`, so each crash ever found stays a regression test. */
#ifndef DILEMMA_TESTS_FUZZ_H
#define DILEMMA_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes size bytes to NAME in a private temporary directory made on first
 * use, and returns the file's path (static storage), or NULL on failure.
 * For the entry points that read files rather than buffers. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

#endif
