import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createDag, type Dag } from '../src/dag/dag.js';
import { readDataset } from '../src/dag/io.js';
import { Rng } from '../src/util/rng.js';
import { referenceData } from './helpers/paths.js';
import { generateDags, DEFAULT_GENERATOR_PARAMS } from '../src/dag/generate.js';
import { createProblem, makespanOf, timelineOf } from '../src/mec/problem.js';
import { LatencySimulator, SIM_PROFILES, type SimProfile } from '../src/mec/simulator.js';
import { DEFAULT_SYSTEM, type SystemParams } from '../src/mec/system.js';
import { upwardRanks } from '../src/mec/rank.js';

// 1 GHz device, 10 GHz VM, 8 Mbit/s = 1000 bytes/ms: cycles/1e6 and bytes/1000 are ms.
const system: SystemParams = { ueHz: 1e9, serverHz: 1e10, users: 1, uplinkBps: 8e6, downlinkBps: 8e6 };

// Task 1 -> 2 and 1 -> 3. Times (local / uplink / MEC / downlink, ms): 1: 100/20/10/30, 2: 50/10/5/10, 3: 40/15/4/20.
function threeTasks(): Dag {
  const task = (id: string, local: number, ul: number, dl: number) => ({
    id,
    cycles: local * 1e6,
    uploadBytes: ul * 1000,
    resultBytes: dl * 1000,
  });
  return createDag({
    name: 'three',
    tasks: [task('1', 100, 20, 30), task('2', 50, 10, 10), task('3', 40, 15, 20)],
    edges: [
      ['1', '2'],
      ['1', '3'],
    ],
  });
}

const plan = (s: string) => Uint8Array.from(s, Number);

test('rank of Eq. (10) with the offload weight orders 1, 3, 2', () => {
  const problem = createProblem(threeTasks(), system, { profile: 'paper' });
  assert.deepEqual(
    [...upwardRanks(problem.dag, problem.times, 'offload')].map((r) => Math.round(r * 1e6) / 1e6),
    [99, 25, 39],
  );
  assert.deepEqual(problem.order, [0, 2, 1]);
});

const expectations: [SimProfile, string, number][] = [
  // paper: the uploads of 3 and 2 wait for task 1's download (60); the downlink queues (2 waits for 3's download).
  ['paper', '111', 109],
  // reference: uploads wait only for task 1's upload (20); the downlink is not queued.
  ['reference', '111', 60],
  ['paper', '010', 140],
  ['reference', '010', 140],
  ['paper', '101', 110],
  ['reference', '101', 110],
  ['paper', '000', 190],
  ['reference', '000', 190],
];
for (const [profile, digits, expected] of expectations) {
  test(`hand-computed makespan: ${profile} profile, plan ${digits} = ${expected} ms`, () => {
    const problem = createProblem(threeTasks(), system, { profile });
    assert.ok(Math.abs(makespanOf(problem, plan(digits)) - expected) < 1e-9);
  });
}

test('timeline of the all-offload plan, paper profile', () => {
  const t = timelineOf(createProblem(threeTasks(), system, { profile: 'paper' }), plan('111'));
  const round = (x?: { start: number; finish: number }) =>
    x && [Math.round(x.start * 1e6) / 1e6, Math.round(x.finish * 1e6) / 1e6];
  assert.deepEqual(
    t.tasks.map((x) => [x.id, round(x.uplink), round(x.mec), round(x.downlink)]),
    [
      ['1', [0, 20], [20, 30], [30, 60]],
      ['3', [60, 75], [75, 79], [79, 99]],
      ['2', [75, 85], [85, 90], [99, 109]],
    ],
  );
});

function checkInvariants(dag: Dag, profile: SimProfile, digits: Uint8Array): void {
  const problem = createProblem(dag, system, { profile });
  const t = timelineOf(problem, digits);
  const byIndex = new Map(t.tasks.map((x) => [x.index, x]));
  const eps = 1e-9;
  // Each resource runs one task at a time (the downlink only in the paper profile).
  const lanes: ('ue' | 'uplink' | 'mec' | 'downlink')[] = [
    'ue',
    'uplink',
    'mec',
    ...(profile === 'paper' ? (['downlink'] as const) : []),
  ];
  for (const lane of lanes) {
    const spans = t.tasks.flatMap((x) => (x[lane] ? [x[lane]!] : [])).sort((a, b) => a.start - b.start);
    for (let k = 1; k < spans.length; k++)
      assert.ok(spans[k].start >= spans[k - 1].finish - eps, `${lane} overlap`);
  }
  for (const x of t.tasks) {
    for (const p of dag.parents[x.index]) {
      const parent = byIndex.get(p)!;
      if (x.ue) assert.ok(x.ue.start >= parent.finish - eps, 'local task starts after its parents finish');
      if (x.uplink) {
        const dep = profile === 'paper' ? parent.finish : (parent.ue?.finish ?? parent.uplink!.finish);
        assert.ok(x.uplink.start >= dep - eps, 'upload waits for its parents');
        if (parent.mec)
          assert.ok(x.mec!.start >= parent.mec.finish - eps, 'MEC start waits for parent MEC finish');
      }
    }
    if (x.uplink)
      assert.ok(x.mec!.start >= x.uplink.finish - eps && x.downlink!.start >= x.mec!.finish - eps);
  }
  assert.ok(Math.abs(t.makespanMs - Math.max(...t.tasks.map((x) => x.finish))) < eps);
}

test('timelines respect resources and dependencies on generated DAGs (both profiles)', () => {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 15, seed: 3 }, 20);
  dags.forEach((dag, d) => {
    for (const profile of ['paper', 'reference'] as const) {
      for (let s = 0; s < 4; s++) {
        const digits = Uint8Array.from(dag.tasks, (_, i) => ((i * 7 + d + s * 3) % 5 < 2 ? 1 : 0));
        checkInvariants(dag, profile, digits);
      }
    }
  });
});

test('more users on the server slow offloaded tasks (f_vm = f_s / k)', () => {
  const one = makespanOf(createProblem(threeTasks(), system, { profile: 'paper' }), plan('111'));
  const four = makespanOf(
    createProblem(threeTasks(), { ...system, users: 4 }, { profile: 'paper' }),
    plan('111'),
  );
  assert.ok(four > one);
});

test("stepEarliest is step(i, HEFT's rule) with one parent scan, on both profiles", () => {
  const ds = readDataset(join(referenceData, 'meta_offloading_n/offload_random15'));
  const rng = new Rng(11);
  for (const profile of SIM_PROFILES) {
    for (const dag of ds.dags.slice(0, 20)) {
      const p = createProblem(dag, { ...DEFAULT_SYSTEM, uplinkBps: 4e6, downlinkBps: 9e6 }, { profile });
      const a = new LatencySimulator(p.times, p.parents, profile);
      const b = new LatencySimulator(p.times, p.parents, profile);
      for (const i of p.order) {
        if (rng.next() < 0.5) {
          const action = rng.next() < 0.5 ? 1 : 0;
          a.step(i, action);
          b.step(i, action);
          continue;
        }
        const expected = a.localFinish(i) < a.offloadFinish(i) ? 0 : 1;
        a.step(i, expected);
        assert.equal(b.stepEarliest(i), expected);
        for (const k of ['ueFree', 'ulFree', 'mecFree', 'dlFree', 'makespan'] as const)
          assert.equal(b[k], a[k]);
        assert.equal(b.ftDl[i], a.ftDl[i]);
        assert.equal(b.ftUe[i], a.ftUe[i]);
      }
    }
  }
});
