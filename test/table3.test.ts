// The paper's Table 3 heuristic numbers, reproduced by the reference profile on the shared datasets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { greedy, heft } from '../src/schedulers/earliest-finish.js';
import type { Scheduler } from '../src/schedulers/scheduler.js';
import { referenceData } from './helpers/paths.js';

const cases: [string, number, Scheduler, number][] = [
  ['meta_offloading_20/offload_random20_8', 7, greedy, 847.73],
  ['meta_offloading_20/offload_random20_12', 7, greedy, 848.43],
  ['meta_offloading_20/offload_random20_24', 7, greedy, 859.03],
  ['meta_offloading_n/offload_random20', 7, greedy, 893.62],
  ['meta_offloading_n/offload_random20', 5.5, greedy, 990.58],
  ['meta_offloading_n/offload_random20', 11.5, greedy, 684.97],
  ['meta_offloading_n/offload_random30', 7, greedy, 1276.7],
  ['meta_offloading_n/offload_random40', 7, greedy, 1589.66],
  ['meta_offloading_20/offload_random20_8', 7, heft, 800.75],
  ['meta_offloading_n/offload_random20', 7, heft, 838.31],
  ['meta_offloading_n/offload_random20', 8.5, heft, 763.49],
  ['meta_offloading_n/offload_random30', 7, heft, 1222.93],
];

for (const [set, rate, scheduler, expected] of cases) {
  test(`Table 3: ${scheduler.name} on ${set} at ${rate} Mbit/s = ${expected}`, () => {
    const dataset = readDataset(join(referenceData, set));
    assert.equal(dataset.dags.length, 100);
    const system = { ...DEFAULT_SYSTEM, uplinkBps: rate * 1e6, downlinkBps: rate * 1e6 };
    let sum = 0;
    for (const dag of dataset.dags)
      sum += scheduler.schedule(createProblem(dag, system, { profile: 'reference' })).makespanMs;
    assert.equal((sum / dataset.dags.length).toFixed(2), expected.toFixed(2));
  });
}
