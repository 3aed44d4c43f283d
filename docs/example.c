/* example.c: libdilemma from C. Loads a scenario with two overrides, solves
 * and simulates one run, then runs a small experiment.
 *
 *   cc example.c $(pkg-config --cflags --libs dilemma) -o example
 *   ./example scenarios/quickstart.yaml out/
 *
 * Exit status: the DILEMMA_E* code of the first failure, 0 on success. */
#include <dilemma.h>
#include <stdio.h>

static int report(const char *what, const dilemma_error *err) {
  fprintf(stderr, "example: %s failed (status %d):\n%s\n", what, err->code, err->message);
  return err->code;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: example SCENARIO OUTDIR\n");
    return DILEMMA_EINPUT;
  }
  if (dilemma_api_version() != DILEMMA_API_VERSION) {
    fprintf(stderr, "example: built for API %d, the library has %d\n", DILEMMA_API_VERSION,
            dilemma_api_version());
    return DILEMMA_ERUNTIME;
  }
  printf("libdilemma %s\n", dilemma_version());

  /* The same overrides as `dilemma run FILE --set runs=2 --set ...`. */
  const char *sets[] = {"runs=2", "servers.count=5"};
  dilemma_error err;
  dilemma_scenario *sc = NULL;
  if (dilemma_scenario_load(&sc, argv[1], sets, 2, &err) != DILEMMA_OK)
    return report("loading the scenario", &err);
  printf("scenario %s: %zu sweep points x %lld runs\n", dilemma_scenario_name(sc),
         dilemma_scenario_points(sc), dilemma_scenario_runs(sc));

  /* One run: assemble, solve, replay. Each char * is ours to dilemma_free. */
  dilemma_instance *in = NULL;
  if (dilemma_instance_alloc(&in, sc, 0, 1, &err) != DILEMMA_OK) {
    dilemma_scenario_free(sc);
    return report("assembling point 0, run 1", &err);
  }
  printf("point 0, run 1: %zu layers on %zu servers\n", dilemma_instance_layers(in),
         dilemma_instance_servers(in));
  char *json = NULL;
  int rc = dilemma_simulate(in, "ilp", &json, &err);
  if (rc == DILEMMA_OK) printf("%s\n", json);
  dilemma_free(json);
  dilemma_instance_free(in); /* every instance before its scenario */
  if (rc != DILEMMA_OK) {
    dilemma_scenario_free(sc);
    return report("solving", &err);
  }

  /* The whole experiment, two threads, replacing an earlier one. */
  rc = dilemma_experiment_run(sc, argv[2], 2, 0, DILEMMA_RUN_FORCE, &err);
  dilemma_scenario_free(sc);
  if (rc != DILEMMA_OK) return report("running the experiment", &err);
  printf("wrote %s/runs.csv and %s/summary.csv\n", argv[2], argv[2]);
  return 0;
}
