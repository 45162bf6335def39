/**
 * The system of places, measured (`npm run bench:places`): the several-place simulator against the
 * paper's two-place kernel on the same one-server plans (interleaved runs, medians and their ratio:
 * why the two-place kernel stays), steps per second on three-servers-cloud, and the decision time of
 * each rung of the ladder and of the policy over places per DAG (n = 20).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/dag/io.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { LATENCY, objectiveOf } from '../src/mec/places/objective.js';
import { createPlacementProblem } from '../src/mec/places/problem.js';
import { BUILTIN_SYSTEMS, systemSpecFromParams } from '../src/mec/places/system-spec.js';
import { getBackend } from '../src/nn/select-backend.js';
import { DEFAULT_PLACE_POLICY, PlacePolicy } from '../src/policy/place-policy.js';
import { placePolicyPlans } from '../src/rl/place-ppo.js';
import { placementSchedulerByName } from '../src/schedulers/places/registry.js';
import { Rng } from '../src/util/rng.js';

const reference = fileURLToPath(new URL('../../../shared/data/reference/', import.meta.url));
const dags = readDataset(join(reference, 'meta_offloading_20/offload_random20_8')).dags;
const REPEATS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Steps per second of `run` over ~0.2 s. */
function rate(run: () => number): number {
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < 200) steps += run();
  return steps / ((performance.now() - start) / 1000);
}

const rng = new Rng(1);
const two = dags.map((d) => createProblem(d, DEFAULT_SYSTEM, { profile: 'paper' }));
const many = dags.map((d) =>
  createPlacementProblem(d, systemSpecFromParams(DEFAULT_SYSTEM), { profile: 'paper', objective: LATENCY }),
);
const plans = two.map((p) => Uint8Array.from(p.order, () => (rng.next() < 0.5 ? 1 : 0)));
const a: number[] = [];
const b: number[] = [];
const ratios: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  const x = rate(() => two.reduce((s, p, d) => (p.simulator.run(p.order, plans[d]), s + p.order.length), 0));
  const y = rate(() => many.reduce((s, p, d) => (p.simulator.run(p.order, plans[d]), s + p.order.length), 0));
  a.push(x);
  b.push(y);
  ratios.push(x / y);
}
console.log(`simulator, the paper's system, the same plans (median of ${REPEATS} interleaved runs):`);
console.log(`  two-place kernel   ${(median(a) / 1e6).toFixed(2)} M steps/s`);
console.log(
  `  several-place      ${(median(b) / 1e6).toFixed(2)} M steps/s   (two-place / several-place: ${median(ratios).toFixed(2)}x)`,
);

for (const [name, kind] of [
  ['three-servers-cloud', 'latency'],
  ['three-servers-cloud', 'qoe'],
] as const) {
  const problems = dags
    .slice(0, 30)
    .map((d) =>
      createPlacementProblem(d, BUILTIN_SYSTEMS[name], { profile: 'paper', objective: objectiveOf(kind) }),
    );
  const placePlans = problems.map((p) => Uint8Array.from(p.order, () => rng.int(0, p.places.length - 1)));
  const steps = median(
    Array.from({ length: REPEATS }, () =>
      rate(() =>
        problems.reduce((s, p, d) => (p.simulator.run(p.order, placePlans[d]), s + p.order.length), 0),
      ),
    ),
  );
  console.log(
    `${name}, ${kind}: ${(steps / 1e6).toFixed(2)} M simulator steps/s; per DAG (median over 30 DAGs, n = 20):`,
  );
  const be = getBackend();
  const policy = new PlacePolicy(DEFAULT_PLACE_POLICY, 1);
  const rows: [string, (i: number) => void][] = [
    ...['heft', 'heft-rollout', 'heft-rollout:2'].map((s): [string, (i: number) => void] => [
      s,
      (i) => void placementSchedulerByName(s).schedule(problems[i]),
    ]),
    ['policy over places', (i) => void placePolicyPlans(be, policy, [problems[i]])],
    [
      'optimal (10 s limit)',
      (i) => void placementSchedulerByName('optimal').schedule(problems[i], { timeLimitMs: 10000 }),
    ],
  ];
  for (const [label, run] of rows) {
    const times = problems.map((_, i) => {
      const t0 = performance.now();
      run(i);
      return performance.now() - t0;
    });
    console.log(`  ${label.padEnd(22)} ${median(times).toFixed(3)} ms`);
  }
}
