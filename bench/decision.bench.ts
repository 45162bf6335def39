/**
 * Decision time per DAG, one DAG at a time (the deployment setting), with each method's quality beside
 * it so that quality can be read against cost: the policy (argmax and best of argmax + 32 samples),
 * HEFT, HEFT-rollout at depths 1 and 2, and Optimal (with a time limit). DAGs of n = 20, 50 and 100
 * tasks from the seeded generator (the reference datasets' parameters), reference profile, 7 Mbit/s.
 * Medians over the DAGs, measured side by side in one run. `npm run bench` runs it.
 *
 *   node dist/bench/decision.bench.js [--policy CKPT] [--dags 10] [--optimal-limit-s 5]
 */
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import { createPolicy } from '../src/policy/create.js';
import { loadCheckpoint } from '../src/rl/checkpoint.js';
import { DEFAULT_RUN } from '../src/rl/config.js';
import { SHIPPED_POLICY_PATH } from '../src/rl/shipped-policy.js';
import { heft } from '../src/schedulers/earliest-finish.js';
import { heftRolloutPlan } from '../src/schedulers/heft-rollout.js';
import { solveOptimal } from '../src/schedulers/optimal.js';
import { decideOffloading } from '../src/services/offloading-scheduler.js';
import { Rng } from '../src/util/rng.js';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const count = Number(arg('dags', '10'));
const optimalLimitS = Number(arg('optimal-limit-s', '5'));
const policyPath = arg('policy', existsSync(SHIPPED_POLICY_PATH) ? SHIPPED_POLICY_PATH : '');
const policy = policyPath ? loadCheckpoint(policyPath).policy : createPolicy(DEFAULT_RUN.policy, 1);
const be = getBackend();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Method {
  name: string;
  run: (p: ReturnType<typeof createProblem>, dag: (typeof dags)[number]) => number;
}
let dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20 }, 1);
const methods: Method[] = [
  {
    name: 'policy argmax',
    run: (_p, dag) => decideOffloading(be, policy, dag, DEFAULT_SYSTEM, 'reference').makespanMs,
  },
  {
    name: 'policy best of 33',
    run: (_p, dag) =>
      decideOffloading(be, policy, dag, DEFAULT_SYSTEM, 'reference', {
        samples: 32,
        polish: false,
        rng: new Rng(1),
      }).makespanMs,
  },
  { name: 'HEFT', run: (p) => heft.schedule(p).makespanMs },
  { name: 'HEFT-rollout', run: (p) => heftRolloutPlan(p, 1).makespanMs },
  { name: 'HEFT-rollout:2', run: (p) => heftRolloutPlan(p, 2).makespanMs },
  {
    name: `Optimal (≤ ${optimalLimitS} s)`,
    run: (p) => solveOptimal(p, { timeLimitMs: optimalLimitS * 1000 }).makespanMs,
  },
];

console.log(
  `decision time per DAG (median of ${count} DAGs per size, one DAG at a time), backend ${be.name}, policy ${policyPath || 'untrained default network'} (${policy.config.arch}, lookahead ${policy.config.lookahead})`,
);
console.log('n     method                  ms/DAG (median)   mean makespan (ms)   vs Optimal');
for (const n of [20, 50, 100]) {
  dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n, seed: 7 }, count);
  const problems = dags.map((d) => createProblem(d, DEFAULT_SYSTEM, { profile: 'reference' }));
  const rows: { name: string; ms: number; makespan: number }[] = [];
  for (const m of methods) {
    m.run(problems[0], dags[0]); // warm-up
    const times: number[] = [];
    let sum = 0;
    problems.forEach((p, k) => {
      const t0 = performance.now();
      sum += m.run(p, dags[k]);
      times.push(performance.now() - t0);
    });
    rows.push({ name: m.name, ms: median(times), makespan: sum / problems.length });
  }
  const opt = rows[rows.length - 1].makespan;
  for (const r of rows)
    console.log(
      `${String(n).padEnd(5)} ${r.name.padEnd(22)} ${r.ms.toFixed(3).padStart(15)}   ${r.makespan.toFixed(2).padStart(18)}   ${(100 * (r.makespan / opt - 1)).toFixed(2).padStart(8)}%`,
    );
}
