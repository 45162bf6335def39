import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { createDag, type Dag } from '../src/dag/dag.js';
import { generateDag, generateDags, DEFAULT_GENERATOR_PARAMS, TASK_PROFILES } from '../src/dag/generate.js';
import { createProblem } from '../src/mec/problem.js';
import { RANK_WEIGHTS } from '../src/mec/rank.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { SIM_PROFILES } from '../src/mec/simulator.js';
import { Rng } from '../src/util/rng.js';
import { bruteForceOptimum, solveOptimal } from '../src/schedulers/optimal.js';
import { SCHEDULERS } from '../src/schedulers/registry.js';
import { referenceData } from './helpers/paths.js';

const rates = [2, 7, 25];

test('Optimal equals brute-force enumeration on the n = 10 reference DAGs (both profiles, three rates)', () => {
  const dags = readDataset(join(referenceData, 'meta_offloading_n/offload_random10')).dags.slice(0, 40);
  for (const profile of SIM_PROFILES) {
    for (const rate of rates) {
      for (const dag of dags) {
        const problem = createProblem(
          dag,
          { ...DEFAULT_SYSTEM, uplinkBps: rate * 1e6, downlinkBps: rate * 1e6 },
          { profile },
        );
        const result = solveOptimal(problem);
        assert.equal(result.stats?.proven, true);
        assert.ok(
          Math.abs(result.makespanMs - bruteForceOptimum(problem)) < 1e-9,
          `${dag.name} ${profile} @${rate}`,
        );
      }
    }
  }
});

test('Optimal equals brute force on generated DAGs with the paper task profile and shared servers', () => {
  const dags = generateDags(
    { ...DEFAULT_GENERATOR_PARAMS, n: 12, fat: 0.7, density: 0.5, profile: 'paper', seed: 7 },
    12,
  );
  for (const profile of SIM_PROFILES) {
    for (const users of [1, 4]) {
      for (const dag of dags) {
        const problem = createProblem(dag, { ...DEFAULT_SYSTEM, users }, { profile });
        assert.ok(
          Math.abs(solveOptimal(problem).makespanMs - bruteForceOptimum(problem)) < 1e-9,
          `${dag.name} ${profile} k=${users}`,
        );
      }
    }
  }
});

/** A copy of `dag` where each of a task's sizes is zero with probability `p`. */
function withZeroSizes(dag: Dag, rng: Rng, p: number): Dag {
  const zero = (v: number): number => (rng.next() < p ? 0 : v);
  return createDag({
    name: `${dag.name}-zeros`,
    tasks: dag.tasks.map((t) => ({
      id: t.id,
      cycles: zero(t.cycles),
      uploadBytes: zero(t.uploadBytes),
      resultBytes: zero(t.resultBytes),
    })),
    edges: dag.parents.flatMap((ps, c) =>
      ps.map((q): [string, string] => [dag.tasks[q].id, dag.tasks[c].id]),
    ),
  });
}

test('Optimal equals brute force on random DAGs, systems, profiles and rank weights (some sizes zero)', () => {
  const rng = new Rng(2024);
  for (let trial = 0; trial < 600; trial++) {
    const params = {
      ...DEFAULT_GENERATOR_PARAMS,
      n: rng.int(8, 14),
      fat: rng.uniform(0.2, 1),
      density: rng.uniform(0, 1),
      regular: rng.uniform(0, 1),
      jump: rng.int(1, 3),
      ccr: rng.uniform(0.1, 2),
      profile: TASK_PROFILES[rng.int(0, 1)],
      seed: trial,
    };
    let dag = generateDag(params);
    if (trial % 5 === 0) dag = withZeroSizes(dag, rng, trial % 25 === 0 ? 1 : 0.3);
    const system = {
      ueHz: rng.uniform(0.2e9, 3e9),
      serverHz: rng.uniform(2e9, 20e9),
      users: rng.int(1, 8),
      uplinkBps: rng.uniform(1e6, 30e6),
      downlinkBps: rng.uniform(1e6, 30e6),
    };
    const profile = SIM_PROFILES[trial % 2];
    const rankWeight = RANK_WEIGHTS[(trial >> 1) % 2];
    const problem = createProblem(dag, system, { profile, rankWeight });
    const result = solveOptimal(problem);
    const label = `trial ${trial}: n=${params.n} ${params.profile} tasks, ${profile} profile, ${rankWeight} ranks`;
    assert.equal(result.stats?.proven, true, label);
    assert.ok(Math.abs(result.makespanMs - bruteForceOptimum(problem)) < 1e-9, label);
    assert.equal(problem.simulator.run(problem.order, result.plan), result.makespanMs, label);
  }
});

test('Optimal is never worse than any other scheduler, and its plan reproduces its makespan', () => {
  const dags = readDataset(join(referenceData, 'meta_offloading_20/offload_random20_4')).dags.slice(0, 10);
  for (const dag of dags) {
    const problem = createProblem(dag, DEFAULT_SYSTEM, { profile: 'reference' });
    const best = solveOptimal(problem);
    assert.ok(Math.abs(problem.simulator.run(problem.order, best.plan) - best.makespanMs) < 1e-9);
    for (const s of SCHEDULERS)
      assert.ok(best.makespanMs <= s.schedule(problem, { seed: 1 }).makespanMs + 1e-9, s.name);
  }
});

test('a time limit stops the search and reports the optimum as not proven', () => {
  const dags = readDataset(join(referenceData, 'meta_offloading_n/offload_random40')).dags.slice(0, 3);
  for (const dag of dags) {
    const problem = createProblem(dag, DEFAULT_SYSTEM, { profile: 'reference' });
    const result = solveOptimal(problem, { timeLimitMs: 0 });
    assert.equal(result.stats?.proven, false);
    assert.ok(Number.isFinite(result.makespanMs));
  }
});
