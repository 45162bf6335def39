/**
 * Episodes in worker threads give the numbers of playing them here: sampled and argmax rollouts of
 * every architecture over DAGs of mixed sizes are bit-identical with 0, 1 and 2 workers (the chunking
 * and the uniforms are fixed by the caller), and so are a PPO run and an adaptation. A worker that has
 * exited fails the call with one line instead of leaving it waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import { createPolicy } from '../src/policy/create.js';
import { DEFAULT_POLICY, PAPER_POLICY, type PolicyConfig } from '../src/policy/policy.js';
import { adaptPolicy } from '../src/rl/adapt.js';
import { DEFAULT_RUN } from '../src/rl/config.js';
import { CHUNK_ROWS } from '../src/rl/episode-chunks.js';
import { compileTask } from '../src/rl/learning-task.js';
import { PlayWorkers } from '../src/rl/play-workers.js';
import { allDags, evaluateGreedy, sampleRollout, type Rollout } from '../src/rl/sampler.js';
import { trainPpo } from '../src/rl/trainer.js';
import { Rng } from '../src/util/rng.js';

const be = getBackend();
const configs: [string, PolicyConfig][] = [
  ['mlp', { ...DEFAULT_POLICY, hidden: 16 }],
  ['seq2seq', { ...PAPER_POLICY, arch: 'seq2seq', hidden: 16, lookahead: 'heft', priorGain: 10 }],
  ['paper', { ...PAPER_POLICY, hidden: 16 }],
];

function mixedTask(neighbours: number) {
  // Sizes 8 and 13, so that chunks have different lengths from the whole batch.
  const dags = [
    ...generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 8, seed: 11 }, 9),
    ...generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 13, seed: 12 }, 8),
  ];
  return compileTask({ name: 'mixed', dags, system: DEFAULT_SYSTEM, profile: 'reference' }, neighbours);
}

function assertSameRollout(got: Rollout, want: Rollout, what: string): void {
  assert.equal(got.obs.T, want.obs.T, `${what}: T`);
  assert.deepEqual(got.obs.steps, want.obs.steps, `${what}: step features`);
  assert.deepEqual(got.obs.x, want.obs.x, `${what}: encodings`);
  assert.deepEqual(got.actions, want.actions, `${what}: actions`);
  assert.deepEqual(got.logProbs, want.logProbs, `${what}: log-probabilities`);
  assert.deepEqual(got.values, want.values, `${what}: values`);
  assert.deepEqual(got.rewards, want.rewards, `${what}: rewards`);
  assert.deepEqual(got.makespans, want.makespans, `${what}: makespans`);
  assert.deepEqual(got.groups, want.groups, `${what}: groups`);
  assert.deepEqual(got.plans, want.plans, `${what}: plans`);
}

for (const [label, config] of configs) {
  test(`${label}: rollouts and evaluations in 1 or 2 workers equal those played here, bit for bit`, async () => {
    const task = mixedTask(config.neighbours);
    const policy = createPolicy(config, 4);
    const dags = allDags([task]);
    // 17 DAGs × 8 trajectories = 136 rows: three chunks, the last one short.
    assert.ok(dags.length * 8 > 2 * CHUNK_ROWS);
    const here = sampleRollout(be, policy, dags, 8, new Rng(9));
    const greedyHere = evaluateGreedy(be, policy, dags);
    for (const count of [1, 2]) {
      const workers = new PlayWorkers(count, [task], config.neighbours);
      try {
        assertSameRollout(sampleRollout(be, policy, dags, 8, new Rng(9), workers), here, `${count} workers`);
        const greedy = evaluateGreedy(be, policy, dags, workers);
        assert.deepEqual(greedy.makespans, greedyHere.makespans);
        assert.deepEqual(greedy.plans, greedyHere.plans);
        // New parameters reach the workers on the next call.
        policy.params.values[0] += 0.5;
        const moved = sampleRollout(be, policy, dags, 8, new Rng(9));
        assertSameRollout(
          sampleRollout(be, policy, dags, 8, new Rng(9), workers),
          moved,
          `${count} workers, moved θ`,
        );
        policy.params.values[0] -= 0.5;
      } finally {
        await workers.close();
      }
    }
  });
}

test('a PPO run and an adaptation give the same parameters with and without workers', async () => {
  const config = { ...DEFAULT_POLICY, hidden: 16 };
  const task = mixedTask(config.neighbours);
  const run = {
    ...DEFAULT_RUN,
    policy: config,
    iterations: 2,
    ppo: { ...DEFAULT_RUN.ppo, dagsPerBatch: 12, trajectoriesPerDag: 6 },
  };
  const alone = await trainPpo({ be, config: run, tasks: [task] });
  const parallel = await trainPpo({ be, config: run, tasks: [task], workers: 2 });
  assert.deepEqual(parallel.policy.params.values, alone.policy.params.values);
  assert.deepEqual(
    parallel.metrics.map((m) => m.evalMakespanMs),
    alone.metrics.map((m) => m.evalMakespanMs),
  );
  const adapt = (workers: number) =>
    adaptPolicy({
      be,
      from: alone.policy,
      task,
      ppo: run.ppo,
      steps: 2,
      seed: 3,
      workers,
      samples: 4,
      reportSteps: [2],
    });
  const a = adapt(0);
  const b = adapt(2);
  assert.deepEqual(b.policy.params.values, a.policy.params.values);
  assert.deepEqual(
    b.curve.map((p) => [p.makespanMs, p.bestOf?.makespanMs]),
    a.curve.map((p) => [p.makespanMs, p.bestOf?.makespanMs]),
  );
});

test('a call on a pool whose worker has exited fails with one line', async () => {
  const config = { ...DEFAULT_POLICY, hidden: 16 };
  const task = mixedTask(config.neighbours);
  const policy = createPolicy(config, 1);
  const workers = new PlayWorkers(2, [task], config.neighbours);
  try {
    evaluateGreedy(be, policy, allDags([task]), workers); // both are up
    await workers.threads[1].terminate();
    assert.throws(
      () => evaluateGreedy(be, policy, allDags([task]), workers),
      /^Error: a sampling worker has exited/,
    );
  } finally {
    await workers.close();
  }
});
