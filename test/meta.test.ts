import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { metaTrain } from '../src/meta/meta-trainer.js';
import { runInnerLoop } from '../src/meta/inner-loop.js';
import { SequentialInnerLoops, WorkerInnerLoops } from '../src/meta/inner-loop-pool.js';
import { DEFAULT_RUN, mergeRunConfig } from '../src/rl/config.js';
import { compileTask } from '../src/rl/learning-task.js';
import { getBackend } from '../src/nn/select-backend.js';
import { createPolicy } from '../src/policy/create.js';
import { referenceData } from './helpers/paths.js';

function tasks() {
  const ds = readDataset(join(referenceData, 'meta_offloading_n/offload_random10'));
  return [4, 7, 10, 13].map((r) => ({
    name: `r${r}`,
    dags: ds.dags.slice(r, r + 6),
    system: { ...DEFAULT_SYSTEM, uplinkBps: r * 1e6, downlinkBps: r * 1e6 },
    profile: 'reference' as const,
  }));
}

const config = mergeRunConfig(
  DEFAULT_RUN,
  {
    iterations: 2,
    seed: 5,
    policy: { hidden: 10, attention: 'luong' },
    ppo: { trajectoriesPerDag: 3 },
    meta: { metaBatch: 3 },
  },
  'test',
);

test('meta-training: inner loops in worker threads give exactly the θ of running them in turn', async () => {
  const be = getBackend();
  const inTurn = await metaTrain({ be, config, trainTasks: tasks(), workers: 0 });
  const parallel = await metaTrain({ be, config, trainTasks: tasks(), workers: 2 });
  assert.deepEqual(parallel.policy.params.values, inTurn.policy.params.values);
  assert.deepEqual(
    parallel.metrics.map((m) => m.tasks),
    inTurn.metrics.map((m) => m.tasks),
  );
});

test('meta-training applies Eq. (22) once per iteration through the outer Adam (gradient ascent toward the θ′)', async () => {
  const be = getBackend();
  const one = mergeRunConfig(
    config,
    { iterations: 1, meta: { metaBatch: 2, outerLearningRate: 1e-3 } },
    'test',
  );
  const trainTasks = tasks();
  const result = await metaTrain({ be, config: one, trainTasks, workers: 0 });
  // Recompute the two inner loops by hand, with the same task draw as the trainer.
  const theta = createPolicy(one.policy, one.seed).params.values.slice();
  const compiled = trainTasks.map((t) => compileTask(t, one.policy.neighbours));
  const names = result.metrics[0].tasks.split(' ');
  const scratch = createPolicy(one.policy, 0);
  const sum = new Float64Array(theta.length);
  names.forEach((name, slot) => {
    const task = compiled.find((c) => c.task.name === name)!;
    const r = runInnerLoop(be, scratch, theta, task, one.ppo, { seed: one.seed, iteration: 1, slot });
    for (let i = 0; i < theta.length; i++) sum[i] += r.thetaPrime[i] - theta[i];
  });
  // The first Adam step moves each parameter by β in the direction of g (|m̂/√v̂| = 1).
  const after = result.policy.params.values;
  let checked = 0;
  for (let i = 0; i < theta.length; i++) {
    if (Math.abs(sum[i]) < 1e-6) continue;
    const step = after[i] - theta[i];
    assert.ok(Math.abs(Math.abs(step) - 1e-3) < 2e-5, `|Δθ_${i}| = ${step}`);
    assert.equal(Math.sign(step), Math.sign(sum[i]), `direction of parameter ${i}`);
    checked++;
  }
  assert.ok(checked > theta.length / 2, `${checked} parameters moved`);
});

test('a worker killed mid-job is replaced and its job rerun: the same θ′ as in turn; killed twice, one clear error', async () => {
  const be = getBackend();
  const trainTasks = tasks();
  const theta = createPolicy(config.policy, config.seed).params.values.slice();
  const jobs = [0, 1, 2, 3].map((taskIndex, slot) => ({ taskIndex, job: { seed: 5, iteration: 1, slot } }));
  const inTurn = await new SequentialInnerLoops(
    be,
    trainTasks.map((t) => compileTask(t, config.policy.neighbours)),
    config.policy,
  ).run(theta, jobs, config.ppo);
  const pool = new WorkerInnerLoops(2, { tasks: trainTasks, policy: config.policy });
  try {
    // Kill worker 0 as soon as it has its first job (jobs are dispatched synchronously by run()).
    const running = pool.run(theta, jobs, config.ppo);
    void pool.threads[0].terminate();
    const results = await running;
    results.forEach((r, k) => assert.deepEqual(r.thetaPrime, inTurn[k].thetaPrime, `job ${k}`));
    // A worker that died between runs is respawned before the next run.
    await pool.threads[1].terminate();
    const again = await pool.run(theta, jobs.slice(0, 2), config.ppo);
    assert.deepEqual(again[1].thetaPrime, inTurn[1].thetaPrime);
    // A job whose worker dies twice fails the run with one line instead of hanging: every worker
    // started from now on is killed as soon as it is up, so the job never gets a reply.
    pool.onSpawn = (w) => w.once('online', () => void w.terminate());
    await pool.threads[0].terminate();
    await pool.threads[1].terminate();
    await assert.rejects(
      pool.run(theta, jobs.slice(0, 1), config.ppo),
      /inner-loop worker exited .* twice on task slot 0 of iteration 1/,
    );
    pool.onSpawn = undefined;
  } finally {
    await pool.close();
  }
});
