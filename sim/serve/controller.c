/* controller.c: the controller of a dynamic run: what it observes, when it
 * re-plans and what it does with the answer.
 *
 * It observes what a deployment can: the factor each finished transmission
 * ran at (work at the drawn bandwidth over the time it took; a link never
 * measured keeps factor 1, the bandwidth it was drawn with) and which
 * servers are present. `oracle` instead reads the true factors, at the time
 * they change and never before. Re-planning solves the instance rebuilt
 * from that view (bandwidth times factor; storage 0 on servers that are
 * gone) with the run's solver options, and moves only to a placement whose
 * estimated T is lower than the current one's by more than SWITCH_GAIN,
 * relative, so rounding noise in measurements never triggers a move, and,
 * with a payback time, only when the move wins back its own duration.
 * The payback rule filters the solver's answer; it does not change what the
 * solver optimizes (the solve is the plain problem on the observed network). */
#include <math.h>
#include <time.h>

#include "sim/serve/internal.h"

#define SWITCH_GAIN 1e-9

static double wall_seconds(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sim__dyn_view_update(sim__dyn *d, int truth) {
  const size_t M = d->M;
  const double *f = truth ? d->true_f : d->est_f;
  for (size_t ij = 0; ij < M * M; ij++) d->view_bw[ij] = d->in->bandwidth[ij] * f[ij];
  for (size_t i = 0; i < M; i++) d->view_servers[i].storage = d->up[i] ? d->in->servers[i].storage : 0;
}

static int same_placement(const solver_placement *a, const solver_placement *b) {
  for (size_t l = 0; l < a->n_layers; l++)
    if (a->server[l] != b->server[l] || a->bits[l] != b->bits[l]) return 0;
  return 1;
}

void sim__dyn_replan(sim__dyn *d) {
  if (d->target != NULL) {
    /* One move at a time: decide again when this one is done. */
    d->pending_replan = 1;
    return;
  }
  sim__dyn_view_update(d, d->p->policy == SIM_POLICY_ORACLE);
  solver_result r;
  solver_result_init(&r);
  sim_error e;
  sim_error_clear(&e);
  const double t0 = wall_seconds();
  const int rc = solver_solve(&d->view, &d->solve, &r, &e);
  d->res->solve_wall += wall_seconds() - t0;
  d->res->solves++;
  if (rc == SIM_ENOMEM) {
    d->status = SIM_ENOMEM;
    sim_des_stop(d->des);
  } else if (rc == SIM_OK && r.placement != NULL) {
    const double cur = sim__dyn_plan_cost(d, d->current->pl);
    const double next = sim__dyn_plan_cost(d, r.placement);
    /* With a payback time, a move must win back its own duration: the gain
     * per request, times the requests expected within `payback` s, must
     * exceed the estimated time of the move. A placement that cannot serve
     * (cur infinite) is always left. */
    int pays = 1;
    if (d->p->payback > 0 && isfinite(cur)) {
      const double rate = d->cfg.horizon > 0 ? (double)d->cfg.requests / d->cfg.horizon : d->cfg.rate;
      pays = (cur - next) * rate * d->p->payback > sim__dyn_move_time(d, r.placement);
    }
    if (!same_placement(r.placement, d->current->pl) && next < cur * (1.0 - SWITCH_GAIN) && pays &&
        sim__dyn_migrate(d, r.placement) == 0) {
      d->t_ref = next;
    } else if (isfinite(cur)) {
      d->t_ref = cur;
    }
  }
  solver_result_clear(&r);
}

void sim__dyn_observe(sim__dyn *d, size_t e, double f) {
  const size_t ij = e - d->M;
  d->est_f[ij] = f;
  if (d->p->policy != SIM_POLICY_THRESHOLD) return;
  d->view_bw[ij] = d->in->bandwidth[ij] * f;
  if (d->target != NULL) return;
  const double T = sim__dyn_plan_cost(d, d->current->pl);
  if (T > d->t_ref * (1.0 + d->p->threshold / 100.0)) sim__dyn_replan(d);
}

static void oracle_check(sim_des *des, void *ctx, void *data) {
  (void)des;
  (void)data;
  sim__dyn *d = ctx;
  d->oracle_pending = 0;
  sim__dyn_replan(d);
}

static int uses_gone_server(const sim__dyn *d, const dyn_plan *pl) {
  if (pl == NULL) return 0;
  for (size_t l = 0; l < pl->pl->n_layers; l++)
    if (!d->up[pl->pl->server[l]]) return 1;
  return 0;
}

void sim__dyn_changed(sim__dyn *d, int server_gone) {
  for (size_t i = 0; i < d->M; i++)
    d->view_servers[i].storage = d->up[i] ? d->in->servers[i].storage : 0;
  switch (d->p->policy) {
  case SIM_POLICY_STATIC:
    return;
  case SIM_POLICY_ORACLE:
    /* Changes at one instant (a trace row per link, many walk steps) are
     * decided on once, after the last of them: the check is scheduled at
     * the current time and fires after the events already scheduled. */
    if (!d->oracle_pending) {
      if (sim_event_schedule(d->des, sim_des_now(d->des), oracle_check, d, NULL) == NULL) {
        d->status = SIM_ENOMEM;
        sim_des_stop(d->des);
        return;
      }
      d->oracle_pending = 1;
    }
    return;
  default:
    /* A layer whose server left must move, whatever the policy's clock. */
    if (server_gone && (uses_gone_server(d, d->current) || uses_gone_server(d, d->target)))
      sim__dyn_replan(d);
    return;
  }
}

static void tick(sim_des *des, void *ctx, void *data) {
  (void)data;
  sim__dyn *d = ctx;
  if (!sim__dyn_alive(d)) return;
  sim__dyn_replan(d);
  if (sim_event_schedule(des, sim_des_now(des) + d->p->period, tick, d, NULL) == NULL) {
    d->status = SIM_ENOMEM;
    sim_des_stop(des);
  }
}

void sim__dyn_controller_start(sim__dyn *d) {
  if (d->p->policy != SIM_POLICY_PERIODIC) return;
  if (sim_event_schedule(d->des, d->p->period, tick, d, NULL) == NULL) {
    d->status = SIM_ENOMEM;
    sim_des_stop(d->des);
  }
}
