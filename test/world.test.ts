// The world (issue 18): traces, the static world equal to the latency model, the online protocol's
// guarantees (a fixed plan meets the static delays, causality), the clairvoyant bound, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readDataset } from '../src/dag/io.js';
import { generateDags, DEFAULT_GENERATOR_PARAMS } from '../src/dag/generate.js';
import type { Dag } from '../src/dag/dag.js';
import { createProblem, type OffloadingProblem } from '../src/mec/problem.js';
import { SIM_PROFILES } from '../src/mec/simulator.js';
import { DEFAULT_SYSTEM, type SystemParams } from '../src/mec/system.js';
import { greedy, heft } from '../src/schedulers/earliest-finish.js';
import { heftRolloutPlan } from '../src/schedulers/heft-rollout.js';
import { Rng } from '../src/util/rng.js';
import { parseTrace } from '../src/world/trace.js';
import { TracePath } from '../src/world/paths.js';
import { World } from '../src/world/world.js';
import { OnlineEpisode } from '../src/world/online.js';
import { deciderByName } from '../src/world/deciders.js';
import { clairvoyantPlan } from '../src/world/clairvoyant.js';
import { Belief } from '../src/world/belief.js';
import { LinkEstimator, DEFAULT_ESTIMATOR } from '../src/world/estimators.js';
import { validateWorldSpec, type WorldSpec } from '../src/world/spec.js';
import { runWorldBaselines } from '../src/experiments/world-baselines.js';
import { referenceData } from './helpers/paths.js';

const TABLE3_CHECK_SETS: [string, number][] = [
  ['meta_offloading_20/offload_random20_8', 7],
  ['meta_offloading_20/offload_random20_12', 7],
  ['meta_offloading_20/offload_random20_24', 7],
  ['meta_offloading_n/offload_random20', 5.5],
  ['meta_offloading_n/offload_random30', 7],
  ['meta_offloading_n/offload_random40', 7],
];

function plansOf(problem: OffloadingProblem, rng: Rng): Uint8Array[] {
  const n = problem.dag.tasks.length;
  return [
    heft.schedule(problem).plan,
    greedy.schedule(problem).plan,
    heftRolloutPlan(problem, 1).plan,
    new Uint8Array(n),
    new Uint8Array(n).fill(1),
    Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0)),
  ];
}

test('the static world is the latency model: every plan of the Table 3 check sets, both profiles, the same makespan', () => {
  const rng = new Rng(3);
  let plans = 0;
  for (const [set, rate] of TABLE3_CHECK_SETS) {
    const dags = readDataset(join(referenceData, set)).dags;
    const system: SystemParams = { ...DEFAULT_SYSTEM, uplinkBps: rate * 1e6, downlinkBps: rate * 1e6 };
    const world = new World({}, system);
    assert.equal(world.static, true);
    for (const profile of SIM_PROFILES) {
      dags.forEach((dag, d) => {
        const problem = createProblem(dag, world.nominal, { profile });
        const instance = world.instance(problem, d, 1);
        instance.realise(0);
        for (const plan of plansOf(problem, rng)) {
          assert.equal(instance.sim.run(problem.order, plan), problem.simulator.run(problem.order, plan));
          plans++;
        }
      });
    }
  }
  assert.ok(plans > 6000);
});

test('dynamics that change nothing give the model: a one-state Markov channel and a one-packet-per-ms trace (12 Mbit/s)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-world-'));
  try {
    const trace = join(dir, 'flat.up');
    writeFileSync(trace, Array.from({ length: 5000 }, (_, k) => String(k + 1)).join('\n'));
    const system: SystemParams = { ...DEFAULT_SYSTEM, uplinkBps: 12e6, downlinkBps: 12e6 };
    const worlds: WorldSpec[] = [
      { links: { kind: 'markov', states: [{ upMbps: 12, downMbps: 12, meanSojournMs: 50 }] } },
      {
        links: { kind: 'trace', uplink: trace, downlink: trace },
        transferLatency: { ms: 0 },
        noise: { sigma: 0, per: 'run' },
      },
    ];
    const dags = readDataset(join(referenceData, 'meta_offloading_20/offload_random20_8')).dags.slice(0, 40);
    const rng = new Rng(5);
    for (const spec of worlds) {
      const world = new World(spec, system);
      assert.equal(world.static, false);
      assert.ok(Math.abs(world.nominal.uplinkBps - 12e6) < 1e-3);
      for (const profile of SIM_PROFILES) {
        dags.forEach((dag, d) => {
          const problem = createProblem(dag, system, { profile });
          const instance = world.instance(problem, d, 1);
          for (let r = 0; r < 3; r++) {
            instance.realise(r);
            for (const plan of plansOf(problem, rng)) {
              const model = problem.simulator.run(problem.order, plan);
              const actual = instance.sim.run(problem.order, plan);
              assert.ok(Math.abs(actual - model) <= 1e-9 * model, `${actual} vs ${model}`);
            }
          }
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a trace transfer by hand: partial packets, an empty millisecond, wrap-around, an offset, scaling', () => {
  // Opportunities: two at 1 ms, one at 3 ms, one at 4 ms (the period): bins (0,1] 3000 B/ms, (1,2] 0,
  // (2,3] 1500, (3,4] 1500; 6000 bytes per 4 ms = 12 Mbit/s.
  const trace = parseTrace('1\n1\n3\n4\n', 't.up');
  assert.equal(trace.periodMs, 4);
  assert.equal(trace.totalBytes, 6000);
  assert.equal(trace.meanMbps, 12);
  const path = new TracePath(trace, 1);
  assert.equal(path.finish(0, 1500), 0.5);
  assert.ok(Math.abs(path.finish(0, 4000) - (2 + 1000 / 1500)) < 1e-12);
  assert.equal(path.finish(3.5, 3000), 4.75); // 750 B to the period's end, then 2250 at 3000 B/ms
  assert.equal(path.finish(1.2, 0), 1.2);
  assert.equal(path.served(0, 4), 6000);
  assert.equal(path.served(4, 12), 12000);
  path.offsetMs = 1; // episode time 0 is trace time 1: nothing until 2, then 1500 B/ms
  assert.equal(path.finish(0, 1500), 2);
  const scaled = new TracePath(trace, 2);
  assert.ok(Math.abs(scaled.finish(0, 4000) - 4000 / 6000) < 1e-12);
  // An opportunity at 0 is one at the period's end.
  const zero = new TracePath(parseTrace('0\n2\n', 'z.up'), 1);
  assert.equal(zero.finish(0, 1500), 1.5);
  // The two-column format: 8 Mbit/s for 1 s, then 4 Mbit/s for 1 s (the last line holds one step).
  const rates = parseTrace('# time rate\n0 8\n\n1 4   # slower\n', 'r.txt');
  assert.equal(rates.format, 'rate');
  assert.equal(rates.periodMs, 2000);
  assert.equal(new TracePath(rates, 1).finish(0, 1500), 1.5);
  assert.equal(new TracePath(rates, 1).finish(999, 1500), 1000 + 500 / 500);
});

test('trace errors: one line naming the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /^e: the trace is empty/],
    ['# only a comment\n', /^e: the trace is empty/],
    ['5\n3\n', /^e:2: timestamp 3 is before the previous one \(5\)/],
    ['1\nabc\n', /^e:2: "abc" is not a non-negative integer millisecond timestamp/],
    ['1\n2.5\n', /^e:2: "2.5" is not a non-negative integer/],
    ['0\n0\n', /^e: the trace lasts 0 ms/],
    ['0 5\n1 x\n', /^e:2: "x" is not a non-negative rate/],
    ['0 5\n2 1\n1 3\n', /^e:3: time 1 s is not after the previous line's \(2 s\)/],
    ['1 5\n2 3\n', /^e:1: the first line must be at 0 s/],
    ['0 -1\n', /^e:1: "-1" is not a non-negative rate/],
    ['0 0\n1 0\n', /^e: the trace never delivers anything/],
    ['0 5 7\n', /^e:1: expected one timestamp|^e:1: expected "seconds Mbit\/s"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseTrace(text, 'e'),
      (err: Error) => err.name === 'InputError' && message.test(err.message) && !err.message.includes('\n'),
      JSON.stringify(text),
    );
  }
});

/** Small worlds for the protocol tests: a Markov channel, and traces made here. */
function protocolWorlds(dir: string): WorldSpec[] {
  const up = join(dir, 'w.up');
  const down = join(dir, 'w.down');
  const rng = new Rng(9);
  const stamps = (mean: number) => {
    const out: number[] = [];
    for (let t = 1; t <= 20_000; t++) {
      // Bursty: long quiet spells and fast ones.
      const phase = Math.floor(t / 700) % 3;
      const p = phase === 0 ? 0.05 : phase === 1 ? mean : 1.5 * mean;
      if (rng.next() < p) out.push(t);
      if (rng.next() < p / 3) out.push(t);
    }
    return out.join('\n');
  };
  writeFileSync(up, stamps(0.5));
  writeFileSync(down, stamps(0.7));
  return [
    {},
    {
      links: {
        kind: 'markov',
        states: [
          { upMbps: 12, downMbps: 10, meanSojournMs: 150 },
          { upMbps: 1.5, downMbps: 2, meanSojournMs: 150 },
        ],
      },
    },
    {
      links: { kind: 'trace', uplink: up, downlink: down, meanMbps: 7 },
      transferLatency: { ms: 10, jitterMs: 5 },
    },
    { server: { arrivalsPerS: 4, meanHoldMs: 300 }, noise: { sigma: 0.3, per: 'run' } },
  ];
}

function smallDags(count: number, n: number, seed = 2): Dag[] {
  return generateDags({ ...DEFAULT_GENERATOR_PARAMS, n, seed }, count);
}

test('online protocol: a fixed plan meets the static delays; no task starts before its decision time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-world-'));
  try {
    const rng = new Rng(4);
    for (const spec of protocolWorlds(dir)) {
      const world = new World(spec, DEFAULT_SYSTEM);
      for (const profile of SIM_PROFILES) {
        smallDags(8, 15).forEach((dag, d) => {
          const problem = createProblem(dag, world.nominal, { profile });
          const instance = world.instance(problem, d, 7);
          const episode = new OnlineEpisode(instance);
          for (let r = 0; r < 3; r++) {
            instance.realise(r);
            for (const plan of plansOf(problem, rng)) {
              const online = episode.runPlan(plan);
              const sim = instance.sim;
              for (let k = 0; k < episode.n; k++) {
                const i = problem.order[k];
                const start = plan[i] === 0 ? sim.stUe[i] : sim.stUl[i];
                assert.ok(start >= episode.decisionTimes[k] - 1e-9, `task ${i} starts before its decision`);
                if (k > 0) assert.ok(episode.decisionTimes[k] >= episode.decisionTimes[k - 1]);
              }
              assert.equal(online, instance.sim.run(problem.order, plan));
            }
          }
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('causality: a decision and what it sees do not change when only the link after its time changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-world-'));
  try {
    const split = 400; // ms of the episode: the two links agree before this time (trace time 1.4 s)
    const offset = 1000;
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
    writeFileSync(a, `0 6\n${(offset + split) / 1000} 6\n100 6\n`);
    writeFileSync(b, `0 6\n${(offset + split) / 1000} 0.3\n100 0.3\n`);
    const dags = smallDags(12, 20, 5);
    let compared = 0;
    // The same prior in both (a belief's nominal rates are its input, not an observation).
    const worlds = [a, b].map(
      (f) =>
        new World(
          { links: { kind: 'trace', uplink: f, downlink: f }, nominalMbps: { up: 6, down: 6 } },
          DEFAULT_SYSTEM,
        ),
    );
    for (const decider of ['online', 'online:last', 'replan', 'true-state']) {
      dags.forEach((dag, d) => {
        const seen = worlds.map((world) => {
          const problem = createProblem(dag, worlds[0].nominal, { profile: 'reference' });
          const instance = world.instance(problem, d, 1);
          instance.realise(0, { offsetMs: offset });
          const episode = new OnlineEpisode(instance);
          const policy = deciderByName(decider);
          policy.start({ instance, realisation: 0, timeLimitMs: 1000 });
          const belief = new Belief(problem);
          const estimator = new LinkEstimator(DEFAULT_ESTIMATOR, world.nominal);
          const views: string[] = [];
          episode.reset();
          while (!episode.done) {
            estimator.update(episode.log);
            belief.setFromEstimator(estimator);
            belief.observe(episode);
            const s = belief.sim;
            const action = policy.decide(episode);
            views.push(
              JSON.stringify({
                now: episode.now,
                action,
                log: Array.from({ length: episode.log.count }, (_, k) => [
                  episode.log.kind[k],
                  episode.log.task[k],
                  episode.log.end[k],
                ]),
                predicted: [
                  s.localFinish(episode.task),
                  s.offloadFinish(episode.task),
                  s.ueFree,
                  s.ulFree,
                  s.makespan,
                ],
              }),
            );
            episode.decide(action);
          }
          return { views, times: Array.from(episode.decisionTimes) };
        });
        for (let k = 0; k < seen[0].views.length; k++) {
          if (seen[0].times[k] >= split || seen[1].times[k] >= split) break;
          assert.equal(seen[1].views[k], seen[0].views[k], `${decider}, DAG ${d}, decision ${k}`);
          compared++;
        }
      });
    }
    assert.ok(compared > 50, `only ${compared} decisions before the split`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in the static world the online rule is HEFT and re-planning is HEFT-rollout', () => {
  const world = new World({}, DEFAULT_SYSTEM);
  const online = deciderByName('online');
  const replan = deciderByName('replan');
  const truth = deciderByName('true-state');
  readDataset(join(referenceData, 'meta_offloading_20/offload_random20_12'))
    .dags.slice(0, 30)
    .forEach((dag, d) => {
      const problem = createProblem(dag, world.nominal, { profile: 'reference' });
      const instance = world.instance(problem, d, 1);
      instance.realise(0);
      const episode = new OnlineEpisode(instance);
      const play = (decider: ReturnType<typeof deciderByName>) => {
        decider.start({ instance, realisation: 0, timeLimitMs: 1000 });
        episode.reset();
        while (!episode.done) episode.decide(decider.decide(episode));
        return episode.makespan;
      };
      assert.equal(play(online), heft.schedule(problem).makespanMs);
      assert.equal(play(truth), heft.schedule(problem).makespanMs);
      assert.equal(play(replan), heftRolloutPlan(problem, 1).makespanMs);
    });
});

test('the clairvoyant optimum: equal to brute force on small DAGs, and no decider beats it on any realisation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-world-'));
  try {
    const names = [
      'local',
      'remote',
      'heft',
      'heft-rollout',
      'identified:heft-rollout',
      'online',
      'online:last:1.3',
      'replan',
      'true-state',
    ];
    for (const spec of protocolWorlds(dir)) {
      const world = new World(spec, DEFAULT_SYSTEM);
      const deciders = [...names, ...(spec.links?.kind === 'markov' ? ['law:8'] : [])].map(deciderByName);
      smallDags(6, 9, 11).forEach((dag, d) => {
        const problem = createProblem(dag, world.nominal, { profile: 'reference' });
        const instance = world.instance(problem, d, 3);
        const episode = new OnlineEpisode(instance);
        for (let r = 0; r < 2; r++) {
          instance.realise(r);
          const best = clairvoyantPlan(instance, 10_000);
          assert.equal(best.stats.proven, true);
          const n = dag.tasks.length;
          let brute = Infinity;
          const plan = new Uint8Array(n);
          for (let mask = 0; mask < 1 << n; mask++) {
            for (let i = 0; i < n; i++) plan[i] = (mask >> i) & 1;
            brute = Math.min(brute, instance.sim.run(problem.order, plan));
          }
          assert.ok(
            Math.abs(best.makespanMs - brute) <= 1e-9 * brute,
            `${best.makespanMs} vs brute force ${brute}`,
          );
          for (const decider of deciders) {
            decider.start({ instance, realisation: r, timeLimitMs: 1000 });
            episode.reset();
            while (!episode.done) episode.decide(decider.decide(episode));
            assert.ok(
              episode.makespan >= best.makespanMs * (1 - 1e-12),
              `${decider.name} below the clairvoyant`,
            );
          }
        }
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one seed, the same numbers: realisations, deciders and the clairvoyant reproduce; another seed differs', () => {
  const dataset = { name: 'g', dir: '-', dags: smallDags(5, 12, 8) };
  const spec: WorldSpec = {
    links: {
      kind: 'markov',
      states: [
        { upMbps: 10, downMbps: 10, meanSojournMs: 100 },
        { upMbps: 2, downMbps: 2, meanSojournMs: 300 },
      ],
    },
    transferLatency: { ms: 5, jitterMs: 5 },
    noise: { sigma: 0.2, per: 'task' },
  };
  const run = (seed: number) =>
    runWorldBaselines(
      dataset,
      ['clairvoyant', 'heft-rollout', 'identified:heft', 'online', 'law:4'].map(deciderByName),
      new World(spec, DEFAULT_SYSTEM),
      { profile: 'paper' },
      { episodes: 3, seed, timeLimitMs: 5000 },
    );
  const a = run(1);
  const b = run(1);
  const c = run(2);
  for (const name of Object.keys(a.makespans)) {
    assert.deepEqual(Array.from(b.makespans[name]), Array.from(a.makespans[name]), name);
    assert.notDeepEqual(Array.from(c.makespans[name]), Array.from(a.makespans[name]), name);
  }
  assert.deepEqual(
    b.records.map((r) => r.plan),
    a.records.map((r) => r.plan),
  );
});

test('world specifications: errors name the file and the key', () => {
  const cases: [unknown, RegExp][] = [
    ['x', /^w\.json: a world must be a JSON object/],
    [{ link: {} }, /^w\.json: unknown key "link"/],
    [{ links: { kind: 'wifi' } }, /"links\.kind" must be "constant", "trace" or "markov"/],
    [{ links: { kind: 'trace' } }, /needs an "uplink" or a "downlink" trace file/],
    [{ links: { kind: 'markov', states: [] } }, /"links\.states" must be an array of 1 to 64 states/],
    [
      { links: { kind: 'markov', states: [{ upMbps: -1, downMbps: 1, meanSojournMs: 5 }] } },
      /"links\.states\[0\]\.upMbps" must be a number from 0/,
    ],
    [{ transferLatency: { ms: 'fast' } }, /"transferLatency\.ms" must be a number/],
    [{ noise: { sigma: 0.1, per: 'day' } }, /"noise\.per" must be "run" or "task"/],
    [{ server: { arrivalsPerS: 1, meanHoldMs: 0 } }, /"server\.meanHoldMs" must be a positive number/],
    [
      {
        links: {
          kind: 'markov',
          states: [
            { upMbps: 1, downMbps: 1, meanSojournMs: 5 },
            { upMbps: 2, downMbps: 2, meanSojournMs: 5 },
          ],
          jumps: [
            [0, 0.5],
            [1, 0],
          ],
        },
      },
      /"links\.jumps\[0\]" must sum to 1/,
    ],
  ];
  for (const [doc, message] of cases)
    assert.throws(
      () => validateWorldSpec(doc, 'w.json'),
      (err: Error) => err.name === 'InputError' && message.test(err.message),
      JSON.stringify(doc),
    );
});
