/* fuzz_errtable.c: the error-table parser (CSV layer,name,bits,error). */
#include "tests/fuzz/fuzz.h"

#include "sim/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sim_error err;
  sim_error_clear(&err);
  sim_errtable *t = sim_errtable_parse((const char *)data, size, "fuzz.csv", &err);
  if (t != NULL) {
    /* Touch every cell the solver would read. */
    double sum = 0;
    for (size_t l = 0; l < t->n_layers; l++)
      for (size_t b = 0; b < t->n_bits; b++) sum += sim_errtable_get(t, l, t->bits[b]);
    (void)sum;
    sim_errtable_free(t);
  }
  return 0;
}
