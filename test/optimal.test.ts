import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { generateDags, DEFAULT_GENERATOR_PARAMS } from '../src/dag/generate.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { SIM_PROFILES } from '../src/mec/simulator.js';
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
