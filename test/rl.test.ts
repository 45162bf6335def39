import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { makespanOf } from '../src/mec/problem.js';
import { compileTask } from '../src/rl/learning-task.js';
import { OffloadingEnv } from '../src/rl/env.js';
import { MetaOffloadingEnv } from '../src/rl/meta-env.js';
import { computeGae } from '../src/rl/gae.js';
import { ppoLoss } from '../src/rl/ppo.js';
import { DEFAULT_PPO, DEFAULT_RUN, mergeRunConfig } from '../src/rl/config.js';
import { trainPpo } from '../src/rl/trainer.js';
import { batchObservations } from '../src/policy/observation.js';
import { jsBackend } from '../src/nn/js-backend.js';
import { getBackend } from '../src/nn/select-backend.js';
import { runBaselines } from '../src/experiments/baselines.js';
import { allLocal, randomPlan } from '../src/schedulers/fixed.js';
import { InputError } from '../src/util/errors.js';
import { PAPER_POLICY } from '../src/policy/policy.js';
import { Rng } from '../src/util/rng.js';
import { checkGradients, randomArray } from './helpers/gradcheck.js';
import { referenceData } from './helpers/paths.js';

const set10 = join(referenceData, 'meta_offloading_n/offload_random10');

test('environment: Gymnasium-shaped steps whose rewards sum to −makespan / all-local makespan', () => {
  const ds = readDataset(set10);
  const task = compileTask(
    { name: 'n10', dags: ds.dags.slice(0, 5), system: DEFAULT_SYSTEM, profile: 'reference' },
    12,
  );
  const rng = new Rng(3);
  task.problems.forEach((problem, d) => {
    const env = OffloadingEnv.fromTask(task, d);
    const { observation, info } = env.reset({ seed: 1 });
    assert.equal(observation.step, 0);
    assert.equal(info.tasks, problem.order.length);
    assert.ok(observation.plan.every((a) => a === -1));
    const plan = new Uint8Array(problem.order.length);
    let ret = 0;
    let last;
    for (let k = 0; k < problem.order.length; k++) {
      const action = rng.next() < 0.5 ? 1 : 0;
      plan[problem.order[k]] = action;
      last = env.step(action);
      ret += last.reward;
      assert.ok(last.reward <= 0);
      assert.equal(last.terminated, k === problem.order.length - 1);
      assert.equal(last.truncated, false);
    }
    const makespan = makespanOf(problem, plan);
    assert.ok(Math.abs(last!.info.makespanMs - makespan) < 1e-9);
    assert.ok(Math.abs(ret + makespan / task.scales[d]) < 1e-6);
    assert.throws(() => env.step(0), /finished episode/);
  });
});

test('meta-environment: seeded task sampling without replacement, setTask', () => {
  const ds = readDataset(set10);
  const tasks = [1, 2, 3].map((k) => ({
    name: `t${k}`,
    dags: ds.dags.slice(k, k + 2),
    system: { ...DEFAULT_SYSTEM, uplinkBps: k * 3e6 },
    profile: 'reference' as const,
  }));
  const env = new MetaOffloadingEnv(tasks, [tasks[0]], 12);
  const picked = env.sampleTasks(3, new Rng(1)).map((t) => t.task.name);
  assert.deepEqual([...picked].sort(), ['t1', 't2', 't3']);
  assert.deepEqual(
    env.sampleTasks(3, new Rng(1)).map((t) => t.task.name),
    picked,
  );
  assert.equal(env.sampleTasks(5, new Rng(2)).length, 5);
  env.setTask(env.test[0]);
  assert.equal(env.task.task.name, 't1');
});

test('GAE matches a hand computation and respects episode ends', () => {
  const T = 3;
  const rewards = Float32Array.from([1, 0, 2, 5, 0, 0]);
  const values = Float32Array.from([0.5, 1, 1.5, 2, 0, 0]);
  const { advantages, returns } = computeGae(rewards, values, [3, 1], T, 0.9, 0.8);
  const d2 = 2 - 1.5;
  const d1 = 0 + 0.9 * 1.5 - 1;
  const d0 = 1 + 0.9 * 1 - 0.5;
  const a2 = d2;
  const a1 = d1 + 0.72 * a2;
  const a0 = d0 + 0.72 * a1;
  assert.ok(
    Math.abs(advantages[0] - a0) < 1e-6 &&
      Math.abs(advantages[1] - a1) < 1e-6 &&
      Math.abs(advantages[2] - a2) < 1e-6,
  );
  assert.ok(Math.abs(advantages[3] - (5 - 2)) < 1e-6);
  assert.equal(advantages[4], 0);
  assert.ok(Math.abs(returns[0] - (a0 + 0.5)) < 1e-6);
});

test('PPO loss gradients w.r.t. logits and values match finite differences (clipping, entropy, value clipping)', () => {
  const rng = new Rng(8);
  const lens = [3, 2];
  const obs = batchObservations(
    lens.map((n) => new Float32Array(n * 5)),
    5,
  );
  const size = obs.B * obs.T;
  const batch = {
    obs,
    actions: Uint8Array.from({ length: size }, () => (rng.next() < 0.5 ? 1 : 0)),
    oldLogProbs: Float32Array.from({ length: size }, () => Math.log(0.3 + 0.4 * rng.next())),
    oldValues: randomArray(size, rng),
    advantages: randomArray(size, rng),
    returns: randomArray(size, rng),
  };
  for (const cfg of [
    DEFAULT_PPO,
    { ...DEFAULT_PPO, entropyCoef: 0.05, clipValueLoss: true, clipEpsilon: 0.1 },
  ]) {
    const logits = randomArray(size * 2, rng, 1.5);
    const values = randomArray(size, rng);
    const { dLogits, dValues } = ppoLoss(logits, values, batch, cfg);
    const loss = () => ppoLoss(logits, values, batch, cfg).loss;
    checkGradients(logits, dLogits, loss, { samples: 12, eps: 1e-3, label: 'ppo logits' });
    checkGradients(values, dValues, loss, { samples: 6, eps: 1e-3, label: 'ppo values' });
  }
});

test("configuration: PPO's defaults are Table 2, the network the measured default; --arch paper is Table 2's network; errors are clear", () => {
  assert.equal(DEFAULT_RUN.ppo.learningRate, 5e-4);
  assert.equal(DEFAULT_RUN.ppo.gamma, 0.99);
  assert.equal(DEFAULT_RUN.ppo.gaeLambda, 0.95);
  assert.equal(DEFAULT_RUN.ppo.clipEpsilon, 0.2);
  assert.equal(DEFAULT_RUN.ppo.valueCoef, 0.5);
  assert.equal(DEFAULT_RUN.ppo.gradientSteps, 3);
  assert.equal(DEFAULT_RUN.policy.arch, 'mlp');
  const paper = mergeRunConfig(DEFAULT_RUN, { policy: { arch: 'paper' } }, 'flags').policy;
  assert.deepEqual(paper, PAPER_POLICY);
  assert.equal(paper.hidden, 256);
  assert.equal(paper.layers, 2);
  assert.equal(paper.layerNorm, true);
  assert.equal(paper.attention, 'additive');
  assert.throws(
    () => mergeRunConfig(DEFAULT_RUN, { policy: { arch: 'paper', lookahead: 'heft' } }, 'flags'),
    /lookahead must be none for the paper architecture/,
  );
  assert.throws(
    () => mergeRunConfig(DEFAULT_RUN, { ppo: { lerningRate: 1 } }, 'c.json'),
    (e: unknown) => e instanceof InputError && /c\.json: unknown setting ppo\.lerningRate/.test(e.message),
  );
  assert.throws(
    () => mergeRunConfig(DEFAULT_RUN, { policy: { hidden: -3 } }, 'c.json'),
    /policy\.hidden must be an integer from 1 to 4096/,
  );
  assert.throws(
    () => mergeRunConfig(DEFAULT_RUN, { iterations: 'many' }, 'c.json'),
    /run\.iterations must be an integer from 0 to 1000000/,
  );
  assert.equal(mergeRunConfig(DEFAULT_RUN, { ppo: { gamma: 0.9 } }, 'c').ppo.gamma, 0.9);
});

test('a short seeded PPO run lowers the makespan below all-local and random (and is reproducible)', async () => {
  const ds = readDataset(set10);
  const dags = ds.dags.slice(0, 20);
  const system = DEFAULT_SYSTEM;
  const task = compileTask({ name: 'n10', dags, system, profile: 'reference' }, 12);
  const config = mergeRunConfig(
    DEFAULT_RUN,
    {
      iterations: 12,
      evalEvery: 12,
      seed: 3,
      policy: { hidden: 24, layerNorm: true, attention: 'luong' },
      ppo: { trajectoriesPerDag: 10, learningRate: 2e-3 },
    },
    'test',
  );
  const be = getBackend();
  const result = await trainPpo({ be, config, tasks: [task] });
  const final = result.metrics[result.metrics.length - 1].evalMakespanMs!;
  const base = runBaselines(
    { name: 'n10', dir: set10, dags },
    [allLocal, randomPlan],
    system,
    { profile: 'reference' },
    { seed: 5 },
  );
  const [local, random] = base.summaries.map((s) => s.meanMakespanMs);
  assert.ok(final < random && final < local, `policy ${final} vs random ${random}, all-local ${local}`);
  const again = await trainPpo({ be, config: { ...config, iterations: 2 }, tasks: [task] });
  assert.deepEqual(
    again.metrics.map((m) => m.sampledMakespanMs),
    result.metrics.slice(0, 2).map((m) => m.sampledMakespanMs),
  );
});

test('the js and native backends train to the same numbers (float tolerance)', async () => {
  const be = getBackend();
  if (be.name !== 'native') return; // nothing to compare without the addon
  const ds = readDataset(set10);
  const task = compileTask(
    { name: 'n10', dags: ds.dags.slice(0, 6), system: DEFAULT_SYSTEM, profile: 'reference' },
    12,
  );
  const config = mergeRunConfig(
    DEFAULT_RUN,
    { iterations: 2, seed: 4, policy: { hidden: 12 }, ppo: { trajectoriesPerDag: 4 } },
    'test',
  );
  const a = await trainPpo({ be, config, tasks: [task] });
  const b = await trainPpo({ be: jsBackend, config, tasks: [task] });
  for (let i = 0; i < a.policy.params.size; i += 97)
    assert.ok(Math.abs(a.policy.params.values[i] - b.policy.params.values[i]) < 1e-3);
  assert.ok(Math.abs(a.metrics[1].policyLoss - b.metrics[1].policyLoss) < 1e-3);
});
