/**
 * `npm run bench:train`: where one training iteration's time goes, at the default scale of the
 * topology preset (Table 2: 100 DAGs × 20 trajectories per inner loop, meta-batch 10, the default
 * network). Runs one meta-iteration (inner loops in worker threads) and one PPO iteration (the
 * fine-tuning baseline's loop, its episodes in worker threads), each with its evaluation (the second of two iterations
 * is measured: the first warms up), and prints per phase the
 * self time (util/profile.ts): the network's decoding, forward and backward passes, the latency model
 * and step features, action selection, PPO bookkeeping (advantages, minibatches, loss, optimiser),
 * evaluation, worker messaging (cloning θ and θ'), and how busy the cores were (process CPU time over
 * wall time × cores, and the machine's per-core busy share from /proc/stat: a shared machine's other
 * load shows there).
 *
 *   node dist/bench/train.bench.js [--data ROOT] [--workers 2] [--dags 100] [--trajectories 20]
 *                                  [--meta-batch 10] [--repeat 2] [--skip-meta] [--skip-ppo]
 *
 * Figures are per iteration: the mean of --repeat iterations after one warm-up iteration.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { learningTaskOf } from '../src/experiments/drl.js';
import { loadPresetTasks, PRESETS } from '../src/experiments/presets.js';
import { metaTrain } from '../src/meta/meta-trainer.js';
import { getBackend } from '../src/nn/select-backend.js';
import { nativeBlasInfo } from '../src/nn/native-backend.js';
import { DEFAULT_RUN, type RunConfig } from '../src/rl/config.js';
import { compileTask } from '../src/rl/learning-task.js';
import { trainPpo } from '../src/rl/trainer.js';
import { enableProfiling, profileTotals, resetProfile } from '../src/util/profile.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const dataRoot = arg('data', fileURLToPath(new URL('../../../shared/data/reference', import.meta.url)));
const workers = Number(arg('workers', '2'));
const repeat = Number(arg('repeat', '2'));
const preset = PRESETS.topology;
const config: RunConfig = {
  ...DEFAULT_RUN,
  // A warm-up iteration (worker start-up, JIT), then the measured ones.
  iterations: 1 + repeat,
  evalEvery: 1,
  ppo: {
    ...DEFAULT_RUN.ppo,
    dagsPerBatch: Number(arg('dags', String(DEFAULT_RUN.ppo.dagsPerBatch))),
    trajectoriesPerDag: Number(arg('trajectories', String(DEFAULT_RUN.ppo.trajectoriesPerDag))),
  },
  meta: { ...DEFAULT_RUN.meta, metaBatch: Number(arg('meta-batch', String(preset.metaBatch))) },
};
const be = getBackend();
const cores = availableParallelism();
const trainTasks = loadPresetTasks(preset.train, dataRoot).map((t) => learningTaskOf(t));
const testTasks = loadPresetTasks(preset.test, dataRoot).map((t) => learningTaskOf(t));

/** Busy and total jiffies per core, from /proc/stat (Linux). */
function coreTimes(): { busy: number; total: number }[] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const v = l.trim().split(/\s+/).slice(1).map(Number);
        const idle = v[3] + (v[4] ?? 0);
        const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
        return { busy: total - idle, total };
      });
  } catch {
    return [];
  }
}

interface Measured {
  wallMs: number;
  cpuMs: number;
  phases: Record<string, number>;
  coreBusy: number[];
}

/**
 * Runs `fn`, measuring from the moment it calls `restart` (after a warm-up iteration: worker start-up
 * and JIT compilation are not what an iteration costs) to its end.
 */
async function measure(fn: (restart: () => void) => Promise<unknown> | unknown): Promise<Measured> {
  let cores0 = coreTimes();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const restart = () => {
    resetProfile();
    cores0 = coreTimes();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  };
  enableProfiling(true);
  await fn(restart);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cores1 = coreTimes();
  enableProfiling(false);
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    phases: profileTotals(),
    coreBusy: cores1.map((c, i) => (c.busy - cores0[i].busy) / Math.max(1, c.total - cores0[i].total)),
  };
}

function perIteration(m: Measured): Measured {
  const phases = Object.fromEntries(Object.entries(m.phases).map(([k, v]) => [k, v / repeat]));
  return { ...m, wallMs: m.wallMs / repeat, cpuMs: m.cpuMs / repeat, phases };
}

/** The leaf of a phase path, with the inner-loop phases of the workers kept apart. */
const CATEGORIES: [RegExp, string][] = [
  [/network\.decode$/, 'network: decoding (sampling and evaluation)'],
  [/network\.forward$/, 'network: forward (PPO)'],
  [/network\.backward$/, 'network: backward (PPO)'],
  [/latency-model\+features$/, 'latency model and step features'],
  [/sampling\.select$/, 'action selection'],
  [/ppo\.(advantages|minibatches|loss)$/, 'PPO bookkeeping (advantages, minibatches, loss)'],
  [/ppo\.optimizer$/, 'optimiser (gradient clip, Adam)'],
  [/outer-update$/, 'outer update (Eq. 22)'],
  [/^worker\/messaging$/, 'worker messaging (θ and θ′ across threads)'],
  [/(sampling|ppo|evaluation)$/, 'other (in the loops, outside the phases above)'],
];

function report(title: string, total: Measured, walls: number[]): void {
  const m = perIteration(total);
  const byCategory = new Map<string, number>();
  let evaluation = 0; // wall time of the main thread's evaluation phase, waiting for workers included
  for (const [path, ms] of Object.entries(m.phases)) {
    if (path.startsWith('evaluation')) evaluation += ms;
    // The main thread waiting for the workers (their own phases are counted).
    if (path === 'inner-loops' || path.endsWith('waiting-for-workers')) continue;
    const cat = CATEGORIES.find(([re]) => re.test(path))?.[1] ?? path;
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + ms);
  }
  const accounted = [...byCategory.values()].reduce((a, b) => a + b, 0);
  const capacity = m.wallMs * cores;
  const network = [...byCategory].filter(([k]) => k.startsWith('network')).reduce((a, [, v]) => a + v, 0);
  console.log(
    `\n${title}, per iteration (mean of ${repeat}; walls ${walls.map((w) => w.toFixed(2)).join(', ')} s)`,
  );
  console.log(
    `  wall ${(m.wallMs / 1000).toFixed(2)} s; process CPU ${(m.cpuMs / 1000).toFixed(2)} s = ${((100 * m.cpuMs) / (m.wallMs * cores)).toFixed(0)} % of ${cores} cores; machine per-core busy ${m.coreBusy.map((b) => `${(100 * b).toFixed(0)} %`).join(' / ')}`,
  );
  console.log(`  phase                                              ms      share of ${cores} cores × wall`);
  const rows = [...byCategory].sort((a, b) => b[1] - a[1]);
  for (const [k, v] of rows)
    console.log(
      `  ${k.padEnd(48)} ${v.toFixed(0).padStart(8)}   ${((100 * v) / capacity).toFixed(1).padStart(5)} %`,
    );
  console.log(
    `  ${'idle (cores × wall − the phases)'.padEnd(48)} ${Math.max(0, capacity - accounted)
      .toFixed(0)
      .padStart(8)}   ${((100 * Math.max(0, capacity - accounted)) / capacity).toFixed(1).padStart(5)} %`,
  );
  console.log(
    `  the network's passes: ${((100 * network) / accounted).toFixed(0)} % of the busy time; the evaluation took ${evaluation.toFixed(0)} ms of the wall`,
  );
}

const blas = nativeBlasInfo();
console.log(
  `one training iteration, topology preset (${trainTasks.length} training sets), ${config.ppo.dagsPerBatch} DAGs × ${config.ppo.trajectoriesPerDag} trajectories per inner loop, meta-batch ${config.meta.metaBatch}, ${config.policy.arch} H=${config.policy.hidden}×${config.policy.layers} lookahead ${config.policy.lookahead}; backend ${be.name}${blas ? ` (gemm ${blas.gemm})` : ''}, ${cores} cores, OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? 'unset'}`,
);

if (!args.includes('--skip-meta')) {
  const walls: number[] = [];
  const m = await measure((restart) =>
    metaTrain({
      be,
      config,
      trainTasks,
      testTasks,
      workers,
      onIteration: (r) => (r.iteration === 1 ? restart() : walls.push(r.wallS)),
    }),
  );
  report(
    `meta-iteration (inner loops in ${workers} worker threads, then the evaluation's episodes in ${workers} more)`,
    m,
    walls,
  );
}
if (!args.includes('--skip-ppo')) {
  const tasks = trainTasks.map((t) => compileTask(t, config.policy.neighbours));
  const walls: number[] = [];
  const m = await measure((restart) =>
    trainPpo({
      be,
      config,
      tasks,
      workers,
      onIteration: (r) => (r.iteration === 1 ? restart() : walls.push(r.wallS)),
    }),
  );
  report(
    `PPO iteration (the fine-tuning baseline: its episodes in ${workers} worker threads, the update in this thread)`,
    m,
    walls,
  );
}
