// The system of several places (issue 17): the one-server case equals the paper's model and schedulers
// to the bit; energy and a cloud's timing computed by hand; Optimal equals brute force over three and
// four places for each objective; every plan valid; specifications checked in one line; the CLI ladder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDag, type Dag } from '../src/dag/dag.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { readDataset } from '../src/dag/io.js';
import { loadDagArg as readDag } from '../src/cli/dag-arg.js';
import { createProblem } from '../src/mec/problem.js';
import { SIM_PROFILES } from '../src/mec/simulator.js';
import { DEFAULT_SYSTEM, type SystemParams } from '../src/mec/system.js';
import { LATENCY, objectiveOf, type Objective } from '../src/mec/places/objective.js';
import { createPlacementProblem, scorePlan, validPlan } from '../src/mec/places/problem.js';
import {
  BUILTIN_SYSTEMS,
  DRLTO_POWER,
  loadSystemSpec,
  systemSpecFromParams,
  validateSystemSpec,
  type SystemSpec,
} from '../src/mec/places/system-spec.js';
import { greedy, heft } from '../src/schedulers/earliest-finish.js';
import { allLocal, allRemote, randomPlan } from '../src/schedulers/fixed.js';
import { heftRollout } from '../src/schedulers/heft-rollout.js';
import { optimal } from '../src/schedulers/optimal.js';
import { PLACEMENT_SCHEDULERS, placementSchedulerByName } from '../src/schedulers/places/registry.js';
import type { Scheduler } from '../src/schedulers/scheduler.js';
import { Rng } from '../src/util/rng.js';
import { PlaceWorld } from '../src/world/place-world.js';
import { cliPath, referenceData, repoRoot } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

const SETS = [
  'meta_offloading_20/offload_random20_8',
  'meta_offloading_20/offload_random20_12',
  'meta_offloading_20/offload_random20_24',
];

test('one server: every plan of the Table 3 check sets, and every heuristic, equal the paper model to the bit', () => {
  const pairs: [Scheduler, string][] = [
    [allLocal, 'local'],
    [allRemote, 'remote'],
    [randomPlan, 'random'],
    [greedy, 'greedy'],
    [heft, 'heft'],
    [heftRollout(1), 'heft-rollout'],
    [heftRollout(2), 'heft-rollout:2'],
  ];
  const rng = new Rng(7);
  let plans = 0;
  for (const set of SETS)
    for (const rate of [5.5, 7, 11.5])
      for (const profile of SIM_PROFILES) {
        const system: SystemParams = { ...DEFAULT_SYSTEM, uplinkBps: rate * 1e6, downlinkBps: rate * 1e6 };
        const spec = systemSpecFromParams(system);
        const dags = readDataset(join(referenceData, set)).dags.slice(0, rate === 7 ? 100 : 20);
        for (const dag of dags) {
          const a = createProblem(dag, system, { profile });
          const b = createPlacementProblem(dag, spec, { profile, objective: LATENCY });
          assert.deepEqual(b.order, a.order);
          for (const [old, name] of pairs) {
            if (name === 'heft-rollout:2' && rate !== 7) continue;
            const x = old.schedule(a, { seed: 3 });
            const y = placementSchedulerByName(name).schedule(b, { seed: 3 });
            assert.deepEqual(Array.from(y.plan), Array.from(x.plan), `${name} ${dag.name}`);
            assert.equal(y.makespanMs, x.makespanMs, `${name} ${dag.name}`);
            plans++;
          }
          for (let r = 0; r < 3; r++) {
            const plan = Uint8Array.from(dag.tasks, () => (rng.next() < 0.5 ? 1 : 0));
            assert.equal(scorePlan(b, plan).makespanMs, a.simulator.run(a.order, plan));
            plans++;
          }
        }
      }
  assert.ok(plans > 8000, String(plans));
});

test('one server: the several-place Optimal proves the two-place optimum', () => {
  const dags = readDataset(join(referenceData, SETS[0])).dags.slice(0, 12);
  for (const profile of SIM_PROFILES)
    for (const dag of dags) {
      const a = optimal.schedule(createProblem(dag, DEFAULT_SYSTEM, { profile }));
      const b = placementSchedulerByName('optimal').schedule(
        createPlacementProblem(dag, systemSpecFromParams(DEFAULT_SYSTEM), { profile, objective: LATENCY }),
      );
      assert.equal(b.stats?.proven, true);
      assert.ok(
        Math.abs(b.makespanMs - a.makespanMs) <= 1e-9 * a.makespanMs,
        `${dag.name}: ${b.makespanMs} vs ${a.makespanMs}`,
      );
    }
});

// DRLTO's device (0.8 GHz, 6.4 W computing), one 10 GHz server at 7 Mbit/s. A → B.
// A: 100 ms locally, 10 ms up, 8 ms on the VM, 5 ms down; B: 50 ms locally, 20 ms up, 4 ms on the VM, 10 ms down.
function chain(): Dag {
  return createDag({
    name: 'chain',
    tasks: [
      { id: 'A', cycles: 80e6, uploadBytes: 8750, resultBytes: 4375 },
      { id: 'B', cycles: 40e6, uploadBytes: 17500, resultBytes: 8750 },
    ],
    edges: [['A', 'B']],
  });
}

test("energy of hand-computed plans under DRLTO's constants: local, offloaded, mixed, with idle power, and QoE", () => {
  const qoe = objectiveOf('qoe', 0.5, 0.5);
  const p = createPlacementProblem(chain(), BUILTIN_SYSTEMS.energy, { profile: 'paper', objective: qoe });
  const close = (a: number, b: number) =>
    assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
  const local = scorePlan(p, [0, 0]);
  close(local.makespanMs, 150);
  close(local.energyMj, 6.4 * 150);
  close(local.objective, 0);
  const remote = scorePlan(p, [1, 1]);
  close(remote.energyMj, 1.258 * (10 + 20) + 1.181 * (5 + 10));
  // A up 0-10, VM 10-18, down 18-23; B waits for A's result on the device (paper): up 23-43, VM 43-47, down 47-57.
  close(remote.makespanMs, 57);
  const mixed = scorePlan(p, [0, 1]);
  close(mixed.makespanMs, 134);
  close(mixed.energyMj, 6.4 * 100 + 1.258 * 20 + 1.181 * 10);
  close(
    mixed.objective,
    0.5 * ((134 - 150) / 150) + 0.5 * ((6.4 * 100 + 1.258 * 20 + 1.181 * 10 - 960) / 960),
  );
  // Idle power over the 4 ms the device neither computes, sends nor receives (the VM's 120-124).
  const idle: SystemSpec = {
    ...BUILTIN_SYSTEMS.energy,
    device: { ghz: 0.8, power: { ...DRLTO_POWER, idleW: 0.1 } },
  };
  const q = createPlacementProblem(chain(), idle, { profile: 'paper', objective: qoe });
  close(scorePlan(q, [0, 1]).energyMj, mixed.energyMj + 0.1 * 4);
  close(scorePlan(q, [1, 1]).energyMj, remote.energyMj + 0.1 * (8 + 4));
});

test("a task sent to the cloud: the via server's wireless link, the backhaul each way with its latency, the fast CPU", () => {
  const spec: SystemSpec = {
    device: { ghz: 1, power: DRLTO_POWER },
    servers: [{ name: 'edge', ghz: 10, users: 1, upMbps: 8, downMbps: 8 }],
    cloud: { ghz: 100, via: 'edge', backhaulMbps: 80, backhaulLatencyMs: 5 },
  };
  const dag = createDag({
    name: 'one',
    tasks: [{ id: 'T', cycles: 100e6, uploadBytes: 20000, resultBytes: 10000 }],
    edges: [],
  });
  const p = createPlacementProblem(dag, spec, { profile: 'paper', objective: LATENCY });
  assert.deepEqual(p.places, ['device', 'edge', 'cloud']);
  // Up 0-20, backhaul 20-22 arriving at 27, CPU 27-28, backhaul 28-29 arriving at 34, down 34-44.
  assert.equal(scorePlan(p, [2]).makespanMs, 44);
  assert.equal(scorePlan(p, [1]).makespanMs, 40);
  assert.equal(scorePlan(p, [0]).makespanMs, 100);
  assert.equal(placementSchedulerByName('optimal').schedule(p).plan[0], 1);
});

const THREE_PLACES: SystemSpec = {
  device: { ghz: 1, power: { ...DRLTO_POWER, idleW: 0.05 } },
  servers: [
    { name: 'a', ghz: 10, users: 3, upMbps: 9, downMbps: 9 },
    { name: 'b', ghz: 10, users: 1, upMbps: 4, downMbps: 5 },
  ],
};
const FOUR_PLACES: SystemSpec = {
  ...THREE_PLACES,
  cloud: { ghz: 40, via: 'a', backhaulMbps: 30, backhaulLatencyMs: 15 },
};

function bruteForce(
  dag: Dag,
  spec: SystemSpec,
  profile: 'paper' | 'reference',
  objective: Objective,
): number {
  const p = createPlacementProblem(dag, spec, { profile, objective });
  const P = p.places.length;
  const n = dag.tasks.length;
  const plan = new Uint8Array(n);
  let best = Infinity;
  for (let code = 0; code < P ** n; code++) {
    for (let i = 0, c = code; i < n; i++, c = Math.floor(c / P)) plan[i] = c % P;
    best = Math.min(best, scorePlan(p, plan).objective);
  }
  return best;
}

test('Optimal equals brute force over three and four places for every objective and profile, and no heuristic beats it', () => {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 6, seed: 11 }, 4);
  const objectives = [
    LATENCY,
    objectiveOf('energy'),
    objectiveOf('qoe', 0.5, 0.5),
    objectiveOf('qoe', 0.9, 0.1),
  ];
  for (const spec of [THREE_PLACES, FOUR_PLACES])
    for (const profile of SIM_PROFILES)
      for (const objective of objectives)
        for (const dag of dags) {
          const p = createPlacementProblem(dag, spec, { profile, objective });
          const r = placementSchedulerByName('optimal').schedule(p);
          assert.equal(r.stats?.proven, true);
          const brute = bruteForce(dag, spec, profile, objective);
          const what = `${dag.name} ${p.places.length} places ${profile} ${objective.kind}`;
          assert.ok(
            Math.abs(r.objective - brute) <= 1e-9 * (1 + Math.abs(brute)),
            `${what}: ${r.objective} vs ${brute}`,
          );
          // (Greedy is left out: it adds tasks in id order, another sequencing of the same plans.)
          for (const name of ['local', 'remote', 'heft', 'heft-rollout', 'heft-rollout:2'])
            assert.ok(
              placementSchedulerByName(name).schedule(p).objective >= brute - 1e-9 * (1 + Math.abs(brute)),
              `${name} ${what}`,
            );
        }
});

test('every scheduler places every task at an existing place, on every preset and objective; deeper rollouts never worse', () => {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 15, seed: 4 }, 3);
  for (const name of Object.keys(BUILTIN_SYSTEMS))
    for (const kind of ['latency', 'energy', 'qoe'] as const)
      for (const dag of dags) {
        const p = createPlacementProblem(dag, BUILTIN_SYSTEMS[name], {
          profile: 'paper',
          objective: objectiveOf(kind),
        });
        const values: Record<string, number> = {};
        for (const s of PLACEMENT_SCHEDULERS) {
          const r = s.schedule(p, { seed: 1, timeLimitMs: 2000 });
          assert.ok(validPlan(p, r.plan), `${s.name} on ${name}`);
          assert.equal(scorePlan(p, r.plan, r.order).objective, r.objective);
          values[s.name] = r.objective;
        }
        assert.ok(values['heft-rollout'] <= values.heft);
        assert.ok(values['heft-rollout:2'] <= values['heft-rollout']);
        assert.ok(values.optimal <= values['heft-rollout:2']);
      }
});

test('a system specification with a mistake is refused in one line naming it and the field', () => {
  const bad: [unknown, RegExp][] = [
    [{ device: { ghz: 1 }, servers: [] }, /"servers" must be a list of 1 to/],
    [
      { device: { ghz: -1 }, servers: [{ name: 'a', ghz: 1, upMbps: 1, downMbps: 1 }] },
      /"device.ghz" must be a positive/,
    ],
    [
      { device: { ghz: 1 }, servers: [{ name: 'a', ghz: 1, upMbps: 1, downMbps: 1, speed: 2 }] },
      /unknown key "servers\[0\].speed"/,
    ],
    [
      {
        device: { ghz: 1 },
        servers: [
          { name: 'a', ghz: 1, upMbps: 1, downMbps: 1 },
          { name: 'a', ghz: 1, upMbps: 1, downMbps: 1 },
        ],
      },
      /used twice/,
    ],
    [
      {
        device: { ghz: 1 },
        servers: [{ name: 'a', ghz: 1, upMbps: 1, downMbps: 1 }],
        cloud: { ghz: 9, via: 'z', backhaulMbps: 1, backhaulLatencyMs: 1 },
      },
      /"cloud.via" must name a server/,
    ],
    [
      {
        device: { ghz: 1, power: { transmitW: 1, receiveW: 1 } },
        servers: [{ name: 'a', ghz: 1, upMbps: 1, downMbps: 1 }],
      },
      /needs "computeW", or "rho" and "zeta"/,
    ],
    [
      {
        device: { ghz: 1 },
        servers: [{ name: 'a', ghz: 1, upMbps: 1, downMbps: 1 }],
        objective: { kind: 'speed' },
      },
      /"objective.kind" must be one of/,
    ],
  ];
  for (const [doc, message] of bad)
    assert.throws(
      () => validateSystemSpec(doc, 'sys.json'),
      (e: Error) => /^sys\.json: /.test(e.message) && message.test(e.message) && !e.message.includes('\n'),
    );
  assert.throws(
    () => loadSystemSpec('no-such-system.json'),
    /no-such-system\.json: no such system file \(built-in systems: paper, three-servers-cloud, energy\)/,
  );
  assert.throws(() => loadSystemSpec('{"device":'), /--system: malformed JSON/);
});

function mrlco(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('baselines --system three-servers-cloud --objective qoe prints the ladder with energy and makespan; the paper system gives the paper numbers', () => {
  const dir = tempDir('places-cli');
  const data = join(dir, 'dags');
  assert.equal(mrlco('generate', '--n', '10', '--count', '3', '--seed', '2', '--out', data).code, 0);
  const r = mrlco('baselines', data, '--system', 'three-servers-cloud', '--objective', 'qoe');
  assert.equal(r.code, 0, r.stderr);
  for (const s of [
    'objective qoe (λ_t 0.5, λ_e 0.5)',
    'makespan (ms)',
    'energy (J)',
    'device/near/mid/far/cloud',
    'heft-rollout:2',
    'optimal',
  ])
    assert.ok(r.stdout.includes(s), s);
  const j = JSON.parse(
    mrlco('baselines', data, '--system', 'three-servers-cloud', '--objective', 'qoe', '--json').stdout,
  );
  assert.equal(j.system.name, 'three-servers-cloud');
  assert.equal(j.schedulers.optimal.proven, 3);
  for (const s of Object.values(j.schedulers) as { meanObjective: number }[])
    assert.ok(s.meanObjective >= j.schedulers.optimal.meanObjective - 1e-12);
  // The paper system under the latency objective: the two-place command's makespans.
  const a = JSON.parse(
    mrlco('baselines', data, '--schedulers', 'heft,heft-rollout,optimal', '--json').stdout,
  );
  const b = JSON.parse(
    mrlco('baselines', data, '--system', 'paper', '--schedulers', 'heft,heft-rollout,optimal', '--json')
      .stdout,
  );
  for (const s of ['heft', 'heft-rollout', 'optimal'])
    assert.ok(Math.abs(a.schedulers[s].meanMakespanMs - b.schedulers[s].meanMakespanMs) < 1e-9, s);
  // The energy preset carries DRLTO's goal. The shipped policy over places runs on every system; a
  // two-way policy on a one-server system, and is refused on five places.
  const e = JSON.parse(
    mrlco('baselines', data, '--system', 'energy', '--schedulers', 'heft,heft-rollout,policy', '--json')
      .stdout,
  );
  assert.deepEqual(e.objective, { kind: 'qoe', lambdaT: 0.5, lambdaE: 0.5 });
  assert.ok(e.schedulers.policy.meanEnergyJ > 0);
  const two = join(repoRoot, 'policies', 'mrlco-default.bin');
  const e2 = JSON.parse(
    mrlco('baselines', data, '--system', 'energy', '--schedulers', 'policy', '--policy', two, '--json')
      .stdout,
  );
  assert.equal(e2.plans.policy.length, 3);
  const p5 = JSON.parse(
    mrlco(
      'baselines',
      data,
      '--system',
      'three-servers-cloud',
      '--schedulers',
      'heft-rollout,policy',
      '--json',
    ).stdout,
  );
  assert.ok(p5.plans.policy.flat().some((place: number) => place > 1));
  const refused = mrlco(
    'baselines',
    data,
    '--system',
    'three-servers-cloud',
    '--schedulers',
    'heft,policy',
    '--policy',
    two,
  );
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /this policy decides between the device and one server; three-servers-cloud has 5 places/,
  );
  const clash = mrlco('baselines', data, '--system', 'paper', '--rate', '9');
  assert.notEqual(clash.code, 0);
  assert.match(clash.stderr, /--rate describes the paper's one-server system/);
  assert.equal(clash.stderr.trim().split('\n').length, 1);
});

test('evaluate and gantt over places: a plan by place index, its energy and objective, a lane per link and server; bad plans refused', () => {
  const dir = tempDir('places-gantt');
  const r = mrlco(
    'evaluate',
    '--dag',
    'example:face-recognition',
    '--plan',
    '01234012340',
    '--system',
    'three-servers-cloud',
    '--objective',
    'qoe',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const spec = loadSystemSpec('three-servers-cloud');
  const dag = readDag('example:face-recognition');
  const p = createPlacementProblem(dag, spec, { profile: 'paper', objective: objectiveOf('qoe') });
  const s = scorePlan(p, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0]);
  assert.equal(j.makespanMs, s.makespanMs);
  assert.equal(j.energyMj, s.energyMj);
  assert.equal(j.objectiveValue, s.objective);
  assert.equal(
    j.tasks.find((t: { placeName: string }) => t.placeName === 'cloud').backhaulUp !== undefined,
    true,
  );
  const out = join(dir, 'g.svg');
  const g = mrlco(
    'gantt',
    '--dag',
    'example:face-recognition',
    '--system',
    'three-servers-cloud',
    '--scheduler',
    'heft-rollout',
    '--out',
    out,
  );
  assert.equal(g.code, 0, g.stderr);
  const svg = readFileSync(out, 'utf8');
  for (const lane of [
    'device CPU',
    'near uplink',
    'mid VM',
    'far downlink',
    'cloud backhaul up',
    'cloud CPU',
  ])
    assert.ok(svg.includes(lane), lane);
  const bad = mrlco(
    'evaluate',
    '--dag',
    'example:face-recognition',
    '--plan',
    '01234012349',
    '--system',
    'three-servers-cloud',
  );
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--plan: "9" is not a place of this system \(places: 0 device, 1 near, 2 mid, 3 far, 4 cloud\)/,
  );
});

test('servers whose links replay traces: a constant trace equals the model, a varying one changes makespan and energy, one seed one answer', () => {
  const dir = tempDir('places-traces');
  // Two-column traces (seconds, Mbit/s): a constant 7 Mbit/s, and one that drops to 1 Mbit/s half the time.
  writeFileSync(join(dir, 'flat.txt'), '0 7\n1 7\n2 7\n');
  writeFileSync(
    join(dir, 'bumpy.txt'),
    Array.from({ length: 20 }, (_, k) => `${k * 0.1} ${k % 2 ? 1 : 13}`).join('\n') + '\n',
  );
  const system = (file: string) => ({
    device: { ghz: 1, power: DRLTO_POWER },
    servers: [
      { name: 'a', ghz: 10, users: 1, upMbps: 7, downMbps: 7, trace: { uplink: file, downlink: file } },
      { name: 'b', ghz: 10, users: 2, upMbps: 9, downMbps: 9 },
    ],
  });
  writeFileSync(join(dir, 'flat.json'), JSON.stringify(system('flat.txt')));
  writeFileSync(join(dir, 'bumpy.json'), JSON.stringify(system('bumpy.txt')));
  const flat = loadSystemSpec(join(dir, 'flat.json'));
  assert.equal(flat.servers[0].trace?.uplink, join(dir, 'flat.txt'));
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 12, seed: 3 }, 3);
  const rng = new Rng(2);
  for (const dag of dags) {
    const p = createPlacementProblem(dag, flat, { profile: 'paper', objective: objectiveOf('qoe') });
    const plan = Uint8Array.from(dag.tasks, () => rng.int(0, 2));
    const model = scorePlan(p, plan);
    for (const s of new PlaceWorld(flat).scoreIn(p, plan, p.order, 1, 0, 3)) {
      assert.ok(Math.abs(s.makespanMs - model.makespanMs) <= 1e-9 * model.makespanMs, 'makespan');
      assert.ok(Math.abs(s.energyMj - model.energyMj) <= 1e-9 * model.energyMj, 'energy');
    }
    const bumpy = loadSystemSpec(join(dir, 'bumpy.json'));
    const q = createPlacementProblem(dag, bumpy, { profile: 'paper', objective: objectiveOf('qoe') });
    const world = new PlaceWorld(bumpy);
    const a = world.scoreIn(q, plan, q.order, 1, 0, 4);
    assert.deepEqual(a, world.scoreIn(q, plan, q.order, 1, 0, 4));
    if (plan.some((x) => x === 1)) assert.ok(a.some((s) => s.makespanMs !== model.makespanMs));
    // The model is untouched once the world is done with the simulator.
    assert.equal(scorePlan(q, plan).makespanMs, model.makespanMs);
  }
  assert.throws(
    () => new PlaceWorld(validateSystemSpec(system('missing.txt'), 'sys.json', dir)),
    (e: Error) => e.message.includes('missing.txt') && !e.message.includes('\n'),
  );
});
