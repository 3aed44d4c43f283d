/* internal.h: what the files of sim/topology share and nobody else uses. */
#ifndef DILEMMA_SIM_TOPOLOGY_INTERNAL_H
#define DILEMMA_SIM_TOPOLOGY_INTERNAL_H

#include "sim/topology/topology.h"

/* Fills the edge servers' device fields (and, under a mixture, draws each
 * server's device) and the calibrated model's parameters. Called after the
 * abstract draws, whose values it overrides for catalogue devices. */
int sim_topology_devices(sim_topology *t, const sim_servers_config *servers, uint64_t seed,
                         uint64_t run, sim_error *err);

/* Fills the routes (bandwidth, latency, next_hop, unreachable) from the
 * links; relay = 0 keeps every pair on its direct link (the full mesh).
 * Returns -1 when out of memory, or with relay for more than 65536 servers
 * (the search keeps server indices in 16 bits; scenarios allow 4097). */
int sim_topology_routes(sim_topology *t, int relay);

#endif
