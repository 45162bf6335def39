// The HEFT-rollout scheduler: a hand-computed case, its guarantees, and the values of an independent prototype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createDag } from '../src/dag/dag.js';
import { readDataset } from '../src/dag/io.js';
import { createProblem, makespanOf } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { heft } from '../src/schedulers/earliest-finish.js';
import { heftRolloutPlan } from '../src/schedulers/heft-rollout.js';
import { schedulerByName } from '../src/schedulers/registry.js';
import { bruteForceOptimum } from '../src/schedulers/optimal.js';
import { referenceData } from './helpers/paths.js';

/**
 * Three independent tasks; f_UE = 1 GHz, f_s = 4 GHz, 8 Mbit/s (1000 bytes = 1 ms). In ms:
 *   task 1: local 20, uplink 6, MEC 5, downlink 1;  task 2: local 8, uplink 3, MEC 2, downlink 0;
 *   task 3: local 32, uplink 2, MEC 8, downlink 2.
 * Rank weights min(T^UE, T^o) = 12, 5, 12: the order is 1, 3, 2.
 * HEFT: task 1 offloaded (finish 12 < 20); task 3 offloaded (uplink 6-8, MEC 11-19, finish 21 < 32);
 *   task 2 local (8 < 21): plan 101, makespan 21.
 * Rollout: task 1 local completes (by HEFT: 3 and 2 offloaded, finishing at 12) to 20, offloaded to
 *   21: local. Task 3 offloaded completes to 20, local to more than 32: offload. Task 2 offloaded
 *   finishes at 12 (makespan 20), local at 28: offload. Plan 011, makespan 20, the optimum.
 */
function handCase() {
  const task = (id: string, localMs: number, upMs: number, downMs: number) => ({
    id,
    cycles: localMs * 1e6,
    uploadBytes: upMs * 1000,
    resultBytes: downMs * 1000,
  });
  const dag = createDag({
    name: 'hand',
    tasks: [task('1', 20, 6, 1), task('2', 8, 3, 0), task('3', 32, 2, 2)],
    edges: [],
  });
  const system = { ueHz: 1e9, serverHz: 4e9, users: 1, uplinkBps: 8e6, downlinkBps: 8e6 };
  return createProblem(dag, system, { profile: 'reference' });
}

test('HEFT-rollout: a hand-computed case where it beats HEFT and reaches the optimum', () => {
  const problem = handCase();
  assert.deepEqual(problem.order, [0, 2, 1]);
  const h = heft.schedule(problem);
  assert.equal(Array.from(h.plan).join(''), '101');
  assert.equal(h.makespanMs, 21);
  const r = heftRolloutPlan(problem, 1);
  assert.equal(Array.from(r.plan).join(''), '011');
  assert.equal(r.makespanMs, 20);
  assert.equal(makespanOf(problem, r.plan), 20);
  assert.equal(bruteForceOptimum(problem), 20);
  // Per task: three steps (try local, try offload, take the choice) plus both HEFT completions.
  assert.equal(r.stats?.modelSteps, 3 * 3 + 2 * (2 + 1 + 0));
  assert.equal(heftRolloutPlan(problem, 2).makespanMs, 20);
});

test('HEFT-rollout: never worse than HEFT, depth 2 never worse than depth 1, never below the optimum', () => {
  const ds = readDataset(join(referenceData, 'meta_offloading_n/offload_random15'));
  for (const profile of ['reference', 'paper'] as const) {
    for (const dag of ds.dags.slice(0, 40)) {
      const problem = createProblem(
        dag,
        { ...DEFAULT_SYSTEM, uplinkBps: 5e6, downlinkBps: 9e6 },
        { profile },
      );
      const h = heft.schedule(problem).makespanMs;
      const r1 = heftRolloutPlan(problem, 1);
      const r2 = heftRolloutPlan(problem, 2);
      assert.ok(r1.makespanMs <= h + 1e-9, `${dag.name}: rollout ${r1.makespanMs} > HEFT ${h}`);
      assert.ok(r2.makespanMs <= r1.makespanMs + 1e-9, `${dag.name}: depth 2 ${r2.makespanMs} > depth 1`);
      // The reported makespan is the plan's.
      assert.equal(makespanOf(problem, r1.plan), r1.makespanMs);
      assert.equal(makespanOf(problem, r2.plan), r2.makespanMs);
      assert.ok(Number(r2.stats?.modelSteps) > Number(r1.stats?.modelSteps));
    }
  }
});

test('HEFT-rollout: the means an independent prototype measured on Topology I-III at 7 Mbit/s', () => {
  const expected: Record<number, [number, number]> = {
    8: [778.79, 771.95],
    12: [797.9, 795.74],
    24: [808.32, 805.59],
  };
  for (const [set, [depth1, depth2]] of Object.entries(expected)) {
    const ds = readDataset(join(referenceData, `meta_offloading_20/offload_random20_${set}`));
    const problems = ds.dags.map((d) => createProblem(d, DEFAULT_SYSTEM, { profile: 'reference' }));
    const mean = (depth: number) =>
      problems.reduce((s, p) => s + heftRolloutPlan(p, depth).makespanMs, 0) / problems.length;
    assert.equal(mean(1).toFixed(2), depth1.toFixed(2), `set ${set} depth 1`);
    assert.equal(mean(2).toFixed(2), depth2.toFixed(2), `set ${set} depth 2`);
  }
});

test('scheduler registry: heft-rollout and heft-rollout:D by name, bad depths refused', () => {
  assert.equal(schedulerByName('heft-rollout').name, 'heft-rollout');
  assert.equal(schedulerByName('heft-rollout:3').name, 'heft-rollout:3');
  assert.throws(() => schedulerByName('heft-rollout:0'), /depth must be 1 to 4/);
  assert.throws(() => schedulerByName('heft-rollout:9'), /depth must be 1 to 4/);
});
