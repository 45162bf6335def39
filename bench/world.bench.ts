/**
 * The world's speed: simulated task steps per second in each kind of world (the latency model, a
 * replayed trace, a Markov channel), and the time per online decision of the online rule, re-planning
 * and the law-aware decider at n = 20, 50 and 100, side by side in one run (medians over the DAGs).
 * Targets: an online-rule decision ≤ 0.05 ms and a re-planning one ≤ 1 ms at n = 50 (issue 18); one
 * online decision of the policy (batch 1) ≤ 0.2 ms at n = 20 (issue 16).
 *
 *   npm run bench:world [-- --traces DIR] [--dags 20]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { Rng } from '../src/util/rng.js';
import { existsSync } from 'node:fs';
import { getBackend } from '../src/nn/select-backend.js';
import { createPolicy } from '../src/policy/create.js';
import { DEFAULT_POLICY } from '../src/policy/policy.js';
import { loadCheckpoint } from '../src/rl/checkpoint.js';
import { PolicyDecider } from '../src/rl/policy-decider.js';
import { SHIPPED_ONLINE_POLICY_PATH } from '../src/rl/shipped-policy.js';
import { deciderByName } from '../src/world/deciders.js';
import { OnlineEpisode } from '../src/world/online.js';
import { BUILTIN_WORLDS, type WorldSpec } from '../src/world/spec.js';
import { World } from '../src/world/world.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const traces = arg(
  'traces',
  fileURLToPath(new URL('../../../shared/data/traces/mahimahi/', import.meta.url)),
);
const count = Number(arg('dags', '20'));

// The shipped online policy (batch-1 decisions: belief, features, network), or one of its shape.
const onlinePolicy = existsSync(SHIPPED_ONLINE_POLICY_PATH)
  ? loadCheckpoint(SHIPPED_ONLINE_POLICY_PATH).policy
  : createPolicy({ ...DEFAULT_POLICY, observation: 'online', lookahead: 'heft' }, 1);

const worlds: [string, WorldSpec][] = [
  ['static', {}],
  [
    'trace (ATT LTE, 7 Mbit/s)',
    {
      links: {
        kind: 'trace',
        uplink: join(traces, 'ATT-LTE-driving.up'),
        downlink: join(traces, 'ATT-LTE-driving.down'),
        meanMbps: 7,
      },
    },
  ],
  ['markov', BUILTIN_WORLDS.markov],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log(`world steps per second (random plans, ${count} DAGs of n = 50, medians of 5 runs of ~0.3 s)`);
const rng = new Rng(1);
for (const [name, spec] of worlds) {
  const world = new World(spec, DEFAULT_SYSTEM);
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 50 }, count);
  const instances = dags.map((dag, d) =>
    world.instance(createProblem(dag, world.nominal, { profile: 'reference' }), d, 1),
  );
  const plans = instances.map((i) => Uint8Array.from(i.problem.order, () => (rng.next() < 0.5 ? 1 : 0)));
  const rates: number[] = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < 300) {
      instances.forEach((inst, d) => {
        inst.realise(steps % 7);
        sink += inst.sim.run(inst.problem.order, plans[d]);
        steps += plans[d].length;
      });
    }
    rates.push(steps / ((performance.now() - start) / 1000));
  }
  console.log(`  ${name.padEnd(28)} ${(median(rates) / 1e6).toFixed(2)} M steps/s${sink < 0 ? '!' : ''}`);
}

console.log(
  '\ntime per online decision, ms (the time in the decider: its belief, estimates and choice; median over DAGs of the mean per decision)',
);
const header = ['n', ...worlds.map(([w]) => w)];
console.log(`  ${'decider'.padEnd(14)} ${header.map((h) => h.padStart(h === 'n' ? 4 : 28)).join('')}`);
for (const n of [20, 50, 100]) {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n }, Math.max(4, Math.round(count / (n / 20))));
  for (const name of ['online', 'online:live', 'replan', 'law:16', 'policy']) {
    const cells: string[] = [];
    for (const [, spec] of worlds) {
      if (name.startsWith('law') && spec.links?.kind !== 'markov') {
        cells.push('–'.padStart(28));
        continue;
      }
      const world = new World(spec, DEFAULT_SYSTEM);
      const decider = name === 'policy' ? new PolicyDecider(getBackend(), onlinePolicy) : deciderByName(name);
      const perDag: number[] = [];
      dags.forEach((dag, d) => {
        const inst = world.instance(createProblem(dag, world.nominal, { profile: 'reference' }), d, 1);
        const episode = new OnlineEpisode(inst);
        let total = 0;
        let decisions = 0;
        for (let r = 0; r < 3; r++) {
          inst.realise(r);
          decider.start({ instance: inst, realisation: r, timeLimitMs: 1000 });
          episode.reset();
          while (!episode.done) {
            const t0 = performance.now();
            const a = decider.decide(episode);
            total += performance.now() - t0;
            decisions++;
            episode.decide(a);
          }
        }
        perDag.push(total / decisions);
      });
      cells.push(median(perDag).toFixed(4).padStart(28));
    }
    console.log(`  ${name.padEnd(14)} ${String(n).padStart(4)}${cells.join('')}`);
  }
}
