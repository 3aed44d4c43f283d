/* dyn_move.c: the moves of the load experiment under changing conditions
 * (dyn_run.c runs the rest): when the controller picks a new placement,
 * the weights of every layer that changes server are shipped, one
 * transmission per layer (p_l·b/8 bytes at its new width), on the link
 * from where they can be had to the new server, FIFO with the inference
 * traffic; the new placement is current when the last piece has arrived.
 * Also the controller's estimate of how long such a move takes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/serve/internal.h"

static void move_done(sim__dyn *d) {
  const double now = sim_des_now(d->des);
  d->current = d->target;
  d->target = NULL;
  d->res->migration_time += now - d->decided;
  if (d->decision >= 0) d->res->decisions[d->decision].live = now;
  sim__dyn_release_held(d);
  if (d->pending_replan) {
    d->pending_replan = 0;
    sim__dyn_replan(d);
  }
}

void sim__dyn_piece_arrived(sim__dyn *d, dyn_task *t) {
  sim__pool_put(&d->tasks, t);
  if (--d->pieces_left == 0) move_done(d);
}

/* Where layer weights for server dst come from when their server `from` is
 * gone: the origin when it is present, else the present server with the
 * fastest observed route to dst. -1 if none. */
static long piece_source(sim__dyn *d, long from, long dst) {
  const size_t M = d->M;
  if (d->up[from] && d->in->bandwidth[(size_t)from * M + (size_t)dst] > 0) return from;
  const long o = d->in->origin;
  if (o >= 0 && o != dst && d->up[o] && d->in->bandwidth[(size_t)o * M + (size_t)dst] > 0) return o;
  long best = -1;
  double best_bw = 0;
  for (size_t i = 0; i < M; i++) {
    const double bw = d->in->bandwidth[i * M + (size_t)dst] * d->est_f[i * M + (size_t)dst];
    if ((long)i != dst && d->up[i] && bw > best_bw) {
      best_bw = bw;
      best = (long)i;
    }
  }
  return best;
}

double sim__dyn_move_time(sim__dyn *d, const solver_placement *np) {
  const size_t M = d->M;
  const solver_placement *old = d->current->pl;
  double *per_link = calloc(M * M, sizeof *per_link), worst = 0;
  if (per_link == NULL) return INFINITY;
  for (size_t l = 0; l < np->n_layers; l++) {
    if (np->server[l] == old->server[l]) continue;
    const long src = piece_source(d, old->server[l], np->server[l]);
    if (src < 0) continue;
    const size_t ij = (size_t)src * M + (size_t)np->server[l];
    const double bits = (double)d->in->layers[l].params * (double)d->in->bits[np->bits[l]];
    per_link[ij] += bits / d->view_bw[ij];
    const double t = per_link[ij] + d->in->latency[ij];
    if (t > worst) worst = t;
  }
  free(per_link);
  return worst;
}

int sim__dyn_migrate(sim__dyn *d, const solver_placement *np) {
  int why;
  dyn_plan *pl = sim__dyn_plan_alloc(d, np, &why);
  if (pl == NULL) {
    if (why == SIM_ENOMEM) sim__dyn_fail(d, SIM_ENOMEM);
    return -1;
  }
  const solver_instance *in = d->in;
  const solver_placement *old = d->current->pl;
  d->target = pl;
  d->decided = sim_des_now(d->des);
  d->pieces_left = 0;
  sim_dyn_result *r = d->res;
  r->migrations++;
  sim_dyn_decision *dec = NULL;
  d->decision = -1; /* a move past the kept decisions is only counted */
  if (r->n_decisions < SIM_DYN_DECISIONS_MAX) {
    d->decision = (long)r->n_decisions;
    dec = &r->decisions[r->n_decisions];
    memset(dec, 0, sizeof *dec);
    dec->decided = d->decided;
    dec->live = NAN;
    if ((dec->placement = solver_placement_alloc(in->n_layers)) == NULL) {
      sim__dyn_fail(d, SIM_ENOMEM);
      return -1;
    }
    solver_placement_copy(dec->placement, np);
    r->n_decisions++;
  }
  /* Count the pieces first, so a piece that completes at once cannot end
   * the move before the others are queued. */
  dyn_task *pieces = NULL;
  for (size_t l = 0; l < in->n_layers; l++) {
    if (np->server[l] == old->server[l]) continue;
    const double bytes = (double)in->layers[l].params * (double)in->bits[np->bits[l]] / 8.0;
    r->layers_moved++;
    r->bytes_moved += bytes;
    if (dec) {
      dec->layers++;
      dec->bytes += bytes;
    }
    const long src = piece_source(d, old->server[l], np->server[l]);
    if (src < 0) continue; /* nowhere to fetch from: loaded locally, no transfer */
    dyn_task *t = sim__pool_get(&d->tasks);
    if (t == NULL) {
      sim__dyn_fail(d, SIM_ENOMEM);
      return -1;
    }
    memset(t, 0, sizeof *t);
    t->kind = DYN_PIECE;
    t->entity = sim__dyn_link(d, (size_t)src, (size_t)np->server[l]);
    t->latency = in->latency[(size_t)src * d->M + (size_t)np->server[l]];
    t->work0 = bytes * 8.0 / d->ents[t->entity].nominal;
    t->next = pieces;
    pieces = t;
    d->pieces_left++;
  }
  if (d->pieces_left == 0) {
    move_done(d);
    return 0;
  }
  /* Queue them in layer order (the list was built backwards). */
  dyn_task *rev = NULL;
  while (pieces) {
    dyn_task *n = pieces->next;
    pieces->next = rev;
    rev = pieces;
    pieces = n;
  }
  while (rev) {
    dyn_task *n = rev->next;
    sim__dyn_task_enter(d, rev);
    rev = n;
  }
  return 0;
}
