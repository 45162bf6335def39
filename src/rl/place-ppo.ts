/**
 * Learning over several places: the episodes of a place policy on placement problems and PPO on them
 * (CleanRL's loop: play, advantages by GAE, a few clipped epochs over the whole batch).
 *
 * An episode decides the tasks in rank order; at step k the policy sees the rows of place-features.ts
 * and picks a place. The reward is minus the objective's increase, in the objective's scale
 * (objectiveScale): the return of an episode is minus its final objective (plus a constant), so PPO
 * minimises the same objective the schedulers, the bound and the reports use.
 */
import type { Backend } from '../nn/backend.js';
import { Adam, clipGradNorm } from '../nn/adam.js';
import { objectiveValue } from '../mec/places/objective.js';
import type { PlacementProblem } from '../mec/places/problem.js';
import { objectiveScale, placeRows, PLACE_ROW_FEATURES } from '../policy/place-features.js';
import { argmaxPlace, logSoftmaxRows, type PlacePolicy } from '../policy/place-policy.js';
import type { Rng } from '../util/rng.js';

/** PPO's hyperparameters for the place policy, one declaration each (docs/system.md, the runs that chose them). */
export interface PlacePpoSettings {
  /** Adam's learning rate. */
  learningRate: number;
  /** Epochs over each batch. */
  epochs: number;
  /** ε of the clipped surrogate. */
  clip: number;
  /** λ of GAE (γ = 1: an episode is one DAG). */
  gaeLambda: number;
  valueCoef: number;
  entropyCoef: number;
  maxGradNorm: number;
  /** Sampled episodes per DAG in a batch. */
  trajectories: number;
  /** DAGs per batch. */
  dagsPerBatch: number;
}

export const PLACE_PPO: PlacePpoSettings = {
  learningRate: 3e-4,
  epochs: 4,
  clip: 0.2,
  gaeLambda: 0.95,
  valueCoef: 0.5,
  entropyCoef: 0.003,
  maxGradNorm: 0.5,
  trajectories: 4,
  dagsPerBatch: 8,
};

export interface PlaceEpisodes {
  /** Places per step (every problem of a batch has the same). */
  P: number;
  /** Steps in all. */
  rows: number;
  /** [rows × P × D] features, [rows] actions, log π(a) and values, [rows] advantages and returns. */
  x: Float32Array;
  actions: Uint8Array;
  logProbs: Float32Array;
  values: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** Per episode: its plan and final objective. */
  plans: Uint8Array[];
  objectives: number[];
}

/** The objective after the tasks order[0..k] (idle power needs the tasks added). */
function objectiveAfter(problem: PlacementProblem, k: number): number {
  const sim = problem.simulator;
  const E = problem.times.idleW > 0 ? sim.totalEnergy(problem.order.slice(0, k + 1)) : sim.activeEnergy;
  return objectiveValue(problem.objective, sim.makespan, E, problem.local);
}

/**
 * Plays one episode per (problem, repeat): sampled with `rng`, or the argmax (no rng). Problems of a
 * batch must have the same number of places.
 */
export function playPlaceEpisodes(
  be: Backend,
  policy: PlacePolicy,
  problems: readonly PlacementProblem[],
  repeats: number,
  rng: Rng | undefined,
  gaeLambda = PLACE_PPO.gaeLambda,
): PlaceEpisodes {
  const P = problems[0]?.places.length ?? 0;
  if (problems.some((p) => p.places.length !== P))
    throw new Error('a batch of problems must share its places');
  const rows = problems.reduce((s, p) => s + p.order.length, 0) * repeats;
  const D = PLACE_ROW_FEATURES;
  const out: PlaceEpisodes = {
    P,
    rows,
    x: new Float32Array(rows * P * D),
    actions: new Uint8Array(rows),
    logProbs: new Float32Array(rows),
    values: new Float32Array(rows),
    advantages: new Float32Array(rows),
    returns: new Float32Array(rows),
    plans: [],
    objectives: [],
  };
  const logp = new Float32Array(P);
  let r = 0;
  for (const problem of problems) {
    const sim = problem.simulator;
    const saved = new Float64Array(sim.state.length);
    const n = problem.order.length;
    const scale = objectiveScale(problem);
    for (let rep = 0; rep < repeats; rep++) {
      sim.reset();
      const plan = new Uint8Array(n);
      const rewards = new Float64Array(n);
      let before = objectiveValue(problem.objective, 0, 0, problem.local);
      const first = r;
      for (let k = 0; k < n; k++, r++) {
        const x = out.x.subarray(r * P * D, (r + 1) * P * D);
        placeRows(problem, k, x, 0, saved);
        const f = policy.forward(be, 1, P, x);
        logSoftmaxRows(1, P, f.logits, logp);
        let a: number;
        if (rng) {
          const u = rng.next();
          let acc = 0;
          a = P - 1;
          for (let p = 0; p < P; p++) {
            acc += Math.exp(logp[p]);
            if (u < acc) {
              a = p;
              break;
            }
          }
        } else a = argmaxPlace(f.logits, 0, P);
        const i = problem.order[k];
        sim.step(i, a);
        plan[i] = a;
        out.actions[r] = a;
        out.logProbs[r] = logp[a];
        out.values[r] = f.values[0];
        const after = objectiveAfter(problem, k);
        rewards[k] = -(after - before) / scale;
        before = after;
      }
      // GAE with γ = 1 over this episode; the value after the last step is 0.
      let next = 0;
      let adv = 0;
      for (let k = n - 1; k >= 0; k--) {
        const v = out.values[first + k];
        adv = rewards[k] + next - v + gaeLambda * adv;
        out.advantages[first + k] = adv;
        out.returns[first + k] = adv + v;
        next = v;
      }
      out.plans.push(plan);
      out.objectives.push(before);
    }
  }
  return out;
}

/** The argmax plans of a policy on problems (one per problem). */
export function placePolicyPlans(
  be: Backend,
  policy: PlacePolicy,
  problems: readonly PlacementProblem[],
): Uint8Array[] {
  const plans: Uint8Array[] = [];
  // One problem at a time: problems of different systems may have different place counts.
  for (const p of problems) plans.push(playPlaceEpisodes(be, policy, [p], 1, undefined).plans[0]);
  return plans;
}

export interface PlaceUpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  gradNorm: number;
}

/** PPO's epochs over one batch of episodes; updates the policy's parameters through `adam`. */
export function placePpoUpdate(
  be: Backend,
  policy: PlacePolicy,
  adam: Adam,
  ep: PlaceEpisodes,
  s: PlacePpoSettings = PLACE_PPO,
): PlaceUpdateStats {
  const { rows, P } = ep;
  // Normalised advantages (CleanRL).
  let mean = 0;
  for (let r = 0; r < rows; r++) mean += ep.advantages[r];
  mean /= rows;
  let sq = 0;
  for (let r = 0; r < rows; r++) sq += (ep.advantages[r] - mean) ** 2;
  const std = Math.sqrt(sq / rows) + 1e-8;
  const adv = Float32Array.from(ep.advantages, (a) => (a - mean) / std);
  const logp = new Float32Array(rows * P);
  const dLogits = new Float32Array(rows * P);
  const dValues = new Float32Array(rows);
  const stats: PlaceUpdateStats = { policyLoss: 0, valueLoss: 0, entropy: 0, gradNorm: 0 };
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    policy.params.zeroGrad();
    const f = policy.forward(be, rows, P, ep.x);
    logSoftmaxRows(rows, P, f.logits, logp);
    let pl = 0;
    let vl = 0;
    let ent = 0;
    for (let r = 0; r < rows; r++) {
      const a = ep.actions[r];
      const ratio = Math.exp(logp[r * P + a] - ep.logProbs[r]);
      const A = adv[r];
      const unclipped = ratio * A;
      const clipped = Math.min(Math.max(ratio, 1 - s.clip), 1 + s.clip) * A;
      pl -= Math.min(unclipped, clipped);
      // The gradient flows through the unclipped branch when it is the smaller one.
      const g = unclipped <= clipped ? (-A * ratio) / rows : 0;
      let H = 0;
      for (let p = 0; p < P; p++) {
        const lp = logp[r * P + p];
        H -= Math.exp(lp) * lp;
      }
      ent += H;
      for (let p = 0; p < P; p++) {
        const lp = logp[r * P + p];
        const pi = Math.exp(lp);
        // d(−c·H)/dlogit_p = c·π_p (log π_p + H).
        dLogits[r * P + p] = g * ((p === a ? 1 : 0) - pi) + (s.entropyCoef * pi * (lp + H)) / rows;
      }
      const dv = f.values[r] - ep.returns[r];
      vl += dv * dv;
      dValues[r] = (2 * s.valueCoef * dv) / rows;
    }
    policy.backward(be, f.cache, dLogits, dValues);
    stats.gradNorm = clipGradNorm(policy.params.grads, s.maxGradNorm);
    adam.step(policy.params.values, policy.params.grads);
    stats.policyLoss = pl / rows;
    stats.valueLoss = vl / rows;
    stats.entropy = ent / rows;
  }
  return stats;
}

/** A fresh Adam for a place policy at `lr`. */
export function placeAdam(policy: PlacePolicy, lr: number): Adam {
  return new Adam(policy.params.size, { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
}

/** One PPO iteration on a batch of problems drawn from `pool`: play sampled episodes, then update. */
export function placePpoIteration(
  be: Backend,
  policy: PlacePolicy,
  adam: Adam,
  pool: readonly PlacementProblem[],
  dataRng: Rng,
  sampleRng: Rng,
  s: PlacePpoSettings = PLACE_PPO,
): { meanObjective: number; stats: PlaceUpdateStats } {
  const batch = Array.from(
    { length: Math.min(s.dagsPerBatch, pool.length) },
    () => pool[dataRng.int(0, pool.length - 1)],
  );
  const ep = playPlaceEpisodes(be, policy, batch, s.trajectories, sampleRng, s.gaeLambda);
  const stats = placePpoUpdate(be, policy, adam, ep, s);
  return { meanObjective: ep.objectives.reduce((a, b) => a + b, 0) / ep.objectives.length, stats };
}
