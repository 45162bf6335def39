// Closed-loop decoding: the step features are those of the partial plan, teacher forcing reproduces the
// sampled log-probabilities, and inference beyond argmax keeps the best plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { LatencySimulator } from '../src/mec/simulator.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { createPolicy } from '../src/policy/create.js';
import type { PolicyConfig } from '../src/policy/policy.js';
import { logProbsOf } from '../src/policy/head-rows.js';
import { StepFeatureWriter, stepFeatureCount, timeScaleOf } from '../src/policy/step-features.js';
import { OffloadingEnv } from '../src/rl/env.js';
import { compileTask } from '../src/rl/learning-task.js';
import { allDags, evaluateGreedy, inferPlans, playEpisodes } from '../src/rl/sampler.js';
import { Rng } from '../src/util/rng.js';
import { availableBackends } from './helpers/backends.js';
import { referenceData } from './helpers/paths.js';

function mixedTask() {
  const n10 = readDataset(join(referenceData, 'meta_offloading_n/offload_random10')).dags.slice(0, 3);
  const n15 = readDataset(join(referenceData, 'meta_offloading_n/offload_random15')).dags.slice(0, 2);
  return compileTask(
    {
      name: 'mixed',
      dags: [...n10, ...n15],
      system: { ...DEFAULT_SYSTEM, uplinkBps: 5e6 },
      profile: 'reference',
    },
    12,
  );
}

const base: PolicyConfig = {
  arch: 'mlp',
  neighbours: 12,
  hidden: 16,
  layers: 2,
  layerNorm: false,
  attention: 'luong',
  lookahead: 'heft',
  priorGain: 5,
  observation: 'model',
};
const configs: PolicyConfig[] = [
  base,
  { ...base, lookahead: 'rollout', priorGain: 0 },
  { ...base, arch: 'seq2seq', layerNorm: true },
  { ...base, arch: 'seq2seq', lookahead: 'none', priorGain: 0, attention: 'additive' },
];

test('step features equal those of the partial plan re-simulated from scratch', () => {
  const task = mixedTask();
  const be = availableBackends()[0];
  for (const lookahead of ['heft', 'rollout'] as const) {
    const policy = createPolicy({ ...base, lookahead }, 3);
    // Each DAG twice, so that rows share a DAG (and its simulator pool).
    const refs = [...allDags([task]), ...allDags([task])];
    const r = playEpisodes(be, policy, refs, 'sample', new Rng(4));
    const S = policy.stepFeatures;
    assert.equal(S, stepFeatureCount(true, lookahead));
    const writer = new StepFeatureWriter(lookahead);
    const expected = new Float32Array(S);
    refs.forEach((ref, b) => {
      const p = ref.task.problems[ref.dag];
      const sim = new LatencySimulator(p.times, p.parents, p.profile);
      for (let t = 0; t < p.order.length; t++) {
        sim.reset();
        for (let k = 0; k < t; k++) sim.step(p.order[k], r.actions[b * r.obs.T + k]);
        writer.write(sim, p.order, t, timeScaleOf(p), expected, 0);
        const got = r.obs.steps.subarray((t * r.obs.B + b) * S, (t * r.obs.B + b + 1) * S);
        for (let f = 0; f < S; f++)
          assert.ok(
            Math.abs(got[f] - expected[f]) < 1e-5,
            `${lookahead} row ${b} step ${t} feature ${f}: ${got[f]} vs ${expected[f]}`,
          );
        if (lookahead === 'heft') {
          // C_0 and C_1 by whole plans: the prefix, the action, then HEFT's rule on a fresh simulator.
          for (const a of [0, 1]) {
            sim.reset();
            for (let k = 0; k < t; k++) sim.step(p.order[k], r.actions[b * r.obs.T + k]);
            const M = sim.makespan;
            sim.step(p.order[t], a);
            for (let k = t + 1; k < p.order.length; k++) {
              const i = p.order[k];
              sim.step(i, sim.localFinish(i) < sim.offloadFinish(i) ? 0 : 1);
            }
            assert.ok(Math.abs(got[6 + a] - (sim.makespan - M) * timeScaleOf(p)) < 1e-4);
          }
        }
      }
      assert.ok(Math.abs(r.makespans[b] - p.simulator.run(p.order, r.plans[b])) < 1e-9);
    });
  }
});

for (const be of availableBackends()) {
  for (const config of configs) {
    test(`[${be.name}] ${config.arch} (lookahead ${config.lookahead}): sampled log-probabilities and values equal the teacher-forced ones`, () => {
      const task = mixedTask();
      const policy = createPolicy(config, 5);
      const r = playEpisodes(be, policy, [...allDags([task]), ...allDags([task])], 'sample', new Rng(6));
      const forward = policy.forward(be, r.obs, r.actions);
      const lp = logProbsOf(forward.logits, r.actions);
      for (let b = 0; b < r.obs.B; b++)
        for (let t = 0; t < r.obs.lens[b]; t++) {
          const i = b * r.obs.T + t;
          assert.ok(
            Math.abs(lp[i] - r.logProbs[i]) < 1e-4,
            `logp b=${b} t=${t}: ${lp[i]} vs ${r.logProbs[i]}`,
          );
          assert.ok(Math.abs(forward.values[i] - r.values[i]) < 1e-4, `value b=${b} t=${t}`);
        }
    });
  }

  test(`[${be.name}] a DAG's closed-loop decisions do not depend on what else is in the batch`, () => {
    const task = mixedTask();
    for (const config of configs) {
      const policy = createPolicy(config, 7);
      const together = evaluateGreedy(be, policy, allDags([task]));
      const alone = evaluateGreedy(be, policy, [{ task, dag: 3 }]);
      assert.deepEqual(alone.plans[0], together.plans[3]);
      assert.equal(alone.makespans[0], together.makespans[3]);
    }
  });
}

test('inference beyond argmax: best of K samples and the polish never worse than argmax, reproducible', () => {
  const task = mixedTask();
  const be = availableBackends()[0];
  const policy = createPolicy(base, 8);
  const dags = allDags([task]);
  const argmax = inferPlans(be, policy, dags, { samples: 0, polish: false });
  const best = inferPlans(be, policy, dags, { samples: 8, polish: false, rng: new Rng(1) });
  const again = inferPlans(be, policy, dags, { samples: 8, polish: false, rng: new Rng(1) });
  const polished = inferPlans(be, policy, dags, { samples: 8, polish: true, rng: new Rng(1) });
  assert.deepEqual(best.makespans, again.makespans);
  dags.forEach((ref, d) => {
    const p = ref.task.problems[ref.dag];
    assert.ok(best.makespans[d] <= argmax.makespans[d]);
    assert.ok(polished.makespans[d] <= best.makespans[d]);
    for (const r of [argmax, best, polished])
      assert.equal(p.simulator.run(p.order, r.plans[d]), r.makespans[d]);
  });
});

test('the single-episode environment declares its spaces and gives the step features', () => {
  const task = mixedTask();
  const env = OffloadingEnv.fromTask(task, 0, { stepFeatures: 9, lookahead: 'heft' });
  assert.deepEqual(env.actionSpace, { kind: 'discrete', n: 2 });
  assert.deepEqual(env.observationSpace.steps.shape, [9]);
  const { observation } = env.reset();
  assert.equal(observation.steps.length, 9);
  // At the start the makespan is 0: the local finish is T^UE of the first task, scaled.
  const p = task.problems[0];
  assert.ok(Math.abs(observation.steps[0] - p.times.local[p.order[0]] * task.timeScales[0]) < 1e-5);
});
