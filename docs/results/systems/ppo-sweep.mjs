/* global performance */
import { generateDags, DEFAULT_GENERATOR_PARAMS } from '/work/main/dist/src/dag/generate.js';
import { readDataset } from '/work/main/dist/src/dag/io.js';
import { createPlacementProblem } from '/work/main/dist/src/mec/places/problem.js';
import { BUILTIN_SYSTEMS } from '/work/main/dist/src/mec/places/system-spec.js';
import { objectiveOf } from '/work/main/dist/src/mec/places/objective.js';
import { placementSchedulerByName } from '/work/main/dist/src/schedulers/places/registry.js';
import { PlacePolicy, DEFAULT_PLACE_POLICY } from '/work/main/dist/src/policy/place-policy.js';
import { placePolicyPlans, placePpoIteration, placeAdam, PLACE_PPO } from '/work/main/dist/src/rl/place-ppo.js';
import { scorePlan } from '/work/main/dist/src/mec/places/problem.js';
import { getBackend } from '/work/main/dist/src/nn/select-backend.js';
import { Rng } from '/work/main/dist/src/util/rng.js';
const sys = process.argv[2] ?? 'three-servers-cloud', obj = process.argv[3] ?? 'qoe';
const iters = Number(process.argv[4] ?? 100);
const model = { profile: 'paper', objective: objectiveOf(obj) };
const train = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 5 }, 200).map(d => createPlacementProblem(d, BUILTIN_SYSTEMS[sys], model));
const test = readDataset('/work/shared/data/reference/meta_offloading_20/offload_random20_8').dags.slice(0, 50).map(d => createPlacementProblem(d, BUILTIN_SYSTEMS[sys], model));
const be = getBackend();
if (process.env.GAIN) DEFAULT_PLACE_POLICY.priorGain = Number(process.env.GAIN);
if (process.env.LR) PLACE_PPO.learningRate = Number(process.env.LR);
if (process.env.ENT) PLACE_PPO.entropyCoef = Number(process.env.ENT);
if (process.env.TRAJ) PLACE_PPO.trajectories = Number(process.env.TRAJ);
const seed = Number(process.env.SEED ?? 1);
const pol = new PlacePolicy(DEFAULT_PLACE_POLICY, seed);
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const evalP = () => mean(placePolicyPlans(be, pol, test).map((pl, d) => scorePlan(test[d], pl).objective));
for (const s of ['heft', 'heft-rollout', 'heft-rollout:2']) console.log(s, mean(test.map(p => placementSchedulerByName(s).schedule(p).objective)));
let t0 = performance.now();
console.log('untrained', evalP(), ((performance.now() - t0) / 1000).toFixed(2), 's');
const plans0 = placePolicyPlans(be, pol, test), r1 = test.map(p => placementSchedulerByName('heft-rollout').schedule(p).plan.join(''));
console.log('equal to rollout', plans0.filter((p, d) => p.join('') === r1[d]).length);
const adam = placeAdam(pol, PLACE_PPO.learningRate);
const dr = new Rng(seed, 2), sr = new Rng(seed, 1);
t0 = performance.now();
for (let it = 1; it <= iters; it++) {
  const r = placePpoIteration(be, pol, adam, train, dr, sr);
  if (it % 20 === 0) console.log(it, r.meanObjective.toFixed(4), JSON.stringify(r.stats), 'test', evalP().toFixed(5), 'gain', pol.params.values[pol.params.values.length - 1].toFixed(2), ((performance.now() - t0) / 1000).toFixed(1), 's');
}
