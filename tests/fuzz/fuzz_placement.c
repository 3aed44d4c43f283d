/* fuzz_placement.c: the placement JSON `dilemma simulate --placement`
 * reads, checked against the instance of a small default scenario. */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>

#include "sim/scenario/scenario.h"
#include "sim/run/run.h"
#include "solver/solver.h"

/* Built once per process: the fuzzer runs many inputs against one
 * instance. Test-only state, freed at exit so LeakSanitizer (which checks
 * after the handlers registered later than its own have run) sees no leak. */
static sim_scenario *sc;
static sim_case *one;

static void instance_free(void) {
  sim_case_free(one);
  sim_scenario_free(sc);
}

static solver_instance *instance(void) {
  static solver_instance *in;
  if (in == NULL) {
    static const char text[] = "model: {name: opt-125m, granularity: block}\nservers: {count: 3}\n";
    sim_error err;
    sim_error_clear(&err);
    sc = sim_scenario_load_string(text, sizeof text - 1, "fuzz.yaml", &err);
    if (sc == NULL) abort();
    /* The case (and the scenario it views) stays alive with the instance. */
    one = sim_case_alloc(sc, 0, 0, &err);
    if (one == NULL) abort();
    atexit(instance_free);
    in = one->instance;
  }
  return in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const solver_instance *in = instance();
  sim_error err;
  sim_error_clear(&err);
  solver_placement *p = sim_placement_load_json_string((const char *)data, size, "fuzz.json", in, &err);
  if (p != NULL) {
    double checked;
    solver_check(in, p, &checked, &err);
    solver_placement_free(p);
  }
  return 0;
}
