/* fuzz_scenario.c: the scenario loader (YAML text -> sim_scenario with every
 * check, sweep points included) and, for what it accepts, the resolved-YAML
 * writer. */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>

#include "sim/scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The file loader's cap; larger inputs only slow the fuzzer down. */
  if (size > (1u << 20)) return 0;
  sim_error err;
  sim_error_clear(&err);
  sim_scenario *sc = sim_scenario_load_string((const char *)data, size, "fuzz.yaml", &err);
  if (sc != NULL) {
    FILE *null = fopen("/dev/null", "w");
    if (null != NULL) {
      sim_scenario_write(sc, null, NULL, &err);
      fclose(null);
    }
    sim_scenario_free(sc);
  }
  return 0;
}
