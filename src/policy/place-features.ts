/**
 * What a policy over several places sees at decoding step k (task i = order[k]): one row per place,
 * each the task's features, the state's, and that place's own, so that one network scores any number
 * of places (a place's logit is a function of its row; the device, servers and cloud differ by their
 * features, not by a fixed output slot).
 *
 * Scales: times over the all-local makespan T_L, energies over the all-local energy E_L, both × n for
 * one task's share; the objective in its own scale (objectiveScale).
 *
 * The lookahead (the last feature) is each place's objective when the task goes there and the rest of
 * the plan is completed by the earliest-objective rule, less the best of them: 0 at the HEFT-rollout's
 * choice. It is also the prior on the logits (place-policy.ts).
 */
import { completeBest } from '../mec/places/completion.js';
import { objectiveValue } from '../mec/places/objective.js';
import { objectiveNow, type PlacementProblem } from '../mec/places/problem.js';
import { DEVICE } from '../mec/places/simulator.js';
import { remoteChain } from '../mec/places/times.js';

export const PLACE_TASK_FEATURES = 4;
export const PLACE_STATE_FEATURES = 3;
export const PLACE_OWN_FEATURES = 7;
/** D: features per (step, place) row. */
export const PLACE_ROW_FEATURES = PLACE_TASK_FEATURES + PLACE_STATE_FEATURES + PLACE_OWN_FEATURES;
/** Where the lookahead is in a row. */
export const PLACE_LOOKAHEAD = PLACE_ROW_FEATURES - 1;

/** The unit a step's objective change is measured in: T_L for latency, E_L for energy, 1 for qoe. */
export function objectiveScale(problem: PlacementProblem): number {
  const k = problem.objective.kind;
  const s = k === 'latency' ? problem.local.makespanMs : k === 'energy' ? problem.local.energyMj : 1;
  return s > 0 ? s : 1;
}

/**
 * Writes the rows of step k ([P × D] at `out[at..]`) from the simulator's state after order[0..k−1];
 * leaves that state as it found it. `saved` is scratch of the simulator's state length.
 */
export function placeRows(
  problem: PlacementProblem,
  k: number,
  out: Float32Array,
  at: number,
  saved: Float64Array,
): void {
  const sim = problem.simulator;
  const t = problem.times;
  const n = t.n;
  const P = t.places;
  const i = problem.order[k];
  const TL = problem.local.makespanMs > 0 ? problem.local.makespanMs : 1;
  const EL = problem.local.energyMj > 0 ? problem.local.energyMj : 1;
  const scale = objectiveScale(problem);
  let fastest = Infinity;
  let leastUp = Infinity;
  for (let p = 1; p < P; p++) {
    fastest = Math.min(fastest, remoteChain(t, p, i));
    leastUp = Math.min(leastUp, t.up[(p - 1) * n + i]);
  }
  const ms = sim.makespan;
  const e = sim.activeEnergy;
  const now = objectiveValue(problem.objective, ms, e, problem.local);
  // The lookahead: every place tried, the rest completed by the earliest-objective rule.
  saved.set(sim.state);
  let best = Infinity;
  const completed = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    sim.step(i, p);
    completeBest(problem, problem.order, k + 1);
    completed[p] = objectiveNow(problem, problem.order);
    sim.state.set(saved);
    if (completed[p] < best) best = completed[p];
  }
  // The tasks after k were overwritten by the completions; re-adding them rewrites them, and the state
  // (free times, makespan, energy) is restored, which is all a later step reads of them.
  for (let p = 0; p < P; p++) {
    const f = sim.finishAt(i, p);
    const ep = sim.energyAt(i, p);
    const o = at + p * PLACE_ROW_FEATURES;
    out[o] = (t.local[i] * n) / TL;
    out[o + 1] = (fastest * n) / TL;
    out[o + 2] = (leastUp * n) / TL;
    out[o + 3] = k / n;
    out[o + 4] = ms / TL;
    out[o + 5] = sim.deviceFree / TL;
    out[o + 6] = e / EL;
    out[o + 7] = p === DEVICE ? 1 : 0;
    out[o + 8] = p !== DEVICE && t.backhaul[p] >= 0 ? 1 : 0;
    out[o + 9] = ((f > ms ? f - ms : 0) * n) / TL;
    out[o + 10] = f / TL;
    out[o + 11] = (ep * n) / EL;
    out[o + 12] =
      ((objectiveValue(problem.objective, f > ms ? f : ms, e + ep, problem.local) - now) * n) / scale;
    out[o + 13] = (completed[p] - best) / scale;
  }
}
