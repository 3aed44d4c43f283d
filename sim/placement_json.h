/* placement_json.h: reading a placement from JSON, the form `dilemma solve
 * --json` prints:
 *     {"placement": [{"layer": 0, "server": 2, "bits": 10}, ...], ...}
 * with one entry per layer, `bits` the bit WIDTH (not an index), any order,
 * and other top-level keys ignored.
 *
 * Ownership rule: the loaders return a placement freed with
 * solver_placement_free. */
#ifndef DILEMMA_SIM_PLACEMENT_JSON_H
#define DILEMMA_SIM_PLACEMENT_JSON_H

#include <stddef.h>

#include "sim/error.h"
#include "solver/instance.h"

/* Reads a placement for instance `in` from a file. Fails with SIM_EIO when
 * the file cannot be read, SIM_ESYNTAX for malformed JSON (with line and
 * column) and SIM_EINPUT when a layer is missing, repeated or out of range,
 * a server does not exist or a width is not one of the instance's. */
solver_placement *sim_placement_load_json(const char *path, const solver_instance *in,
                                          sim_error *err);

/* The same from a string; `name` stands in for the file name in messages. */
solver_placement *sim_placement_load_json_string(const char *text, size_t len, const char *name,
                                                 const solver_instance *in, sim_error *err);

#endif
