/**
 * The learning benchmark: how architecture and recipe choices are made and how a regression is caught.
 *  1. PPO from scratch on Topology I (offload_random20_8 at 7 Mbit/s, reference profile);
 *  2. zero-shot transfer: PPO on a few other n = 20 training sets, then argmax and best-of-32 plans on
 *     sets 8, 12 and 24 (Topology I-III) without any update on them.
 * For each architecture it prints the mean makespans with their gaps to the proven optimum, HEFT and
 * HEFT-rollout. Fixed seeds; minutes on 2 cores.
 *
 *   npm run bench:learning -- [--archs mlp,seq2seq,paper] [--iterations 60] [--transfer-iterations 60]
 *   npm run bench:learning -- --world ...   (in the world: bench/learning-world.ts)
 *                             [--seeds 1] [--hidden 64] [--set key=value ...] [--skip scratch|transfer]
 * `--set` patches the run configuration (e.g. --set ppo.entropyCoef=0.01 --set policy.lookahead=none).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/dag/io.js';
import { runBaselines } from '../src/experiments/baselines.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import { createPolicy } from '../src/policy/create.js';
import { POLICY_ARCHS, type OffloadingPolicy, type PolicyArch } from '../src/policy/policy.js';
import { DEFAULT_RUN, mergeRunConfig, type RunConfig } from '../src/rl/config.js';
import { compileTask, type CompiledTask } from '../src/rl/learning-task.js';
import { allDags, inferPlans } from '../src/rl/sampler.js';
import { trainPpo } from '../src/rl/trainer.js';
import { greedy, heft } from '../src/schedulers/earliest-finish.js';
import { heftRollout } from '../src/schedulers/heft-rollout.js';
import { optimal } from '../src/schedulers/optimal.js';
import { Rng } from '../src/util/rng.js';

const reference = fileURLToPath(new URL('../../../shared/data/reference/', import.meta.url));
const args = process.argv.slice(2);
function arg(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
function patchesOf(): Record<string, unknown> {
  const patch: Record<string, Record<string, unknown>> = {};
  args.forEach((a, i) => {
    if (a !== '--set') return;
    const [key, raw] = args[i + 1].split('=');
    const [section, field] = key.split('.');
    const value =
      raw === 'true' ? true : raw === 'false' ? false : Number.isNaN(Number(raw)) ? raw : Number(raw);
    (patch[section] ??= {})[field] = value;
  });
  return patch;
}

if (args.includes('--world')) {
  // The benchmark in the world (bench/learning-world.ts): its own tasks and anchors.
  const { runWorldLearningBench } = await import('./learning-world.js');
  await runWorldLearningBench(args);
  process.exit(0);
}

const archs = arg('archs', 'mlp,seq2seq,paper').split(',') as PolicyArch[];
for (const a of archs) if (!POLICY_ARCHS.includes(a)) throw new Error(`unknown arch ${a}`);
const iterations = Number(arg('iterations', '60'));
const transferIterations = Number(arg('transfer-iterations', '60'));
const seeds = arg('seeds', '1').split(',').map(Number);
const hidden = Number(arg('hidden', '64'));
const skip = arg('skip', '');
const transferSets = arg('train-sets', '1,2,3,5,6,7,9,10').split(',').map(Number);
const testSets = [8, 12, 24];
const be = getBackend();

const n20 = (k: number) => `meta_offloading_20/offload_random20_${k}`;
function task(k: number): CompiledTask {
  const ds = readDataset(join(reference, n20(k)));
  return compileTask({ name: `set ${k}`, dags: ds.dags, system: DEFAULT_SYSTEM, profile: 'reference' }, 12);
}

interface Refs {
  optimal: number;
  heft: number;
  rollout: number;
  rollout2: number;
  greedy: number;
}
function references(k: number): Refs {
  const ds = readDataset(join(reference, n20(k)));
  const r = runBaselines(ds, [optimal, heft, heftRollout(1), heftRollout(2), greedy], DEFAULT_SYSTEM, {
    profile: 'reference',
  });
  const m = Object.fromEntries(r.summaries.map((s) => [s.scheduler, s.meanMakespanMs]));
  return {
    optimal: m.optimal,
    heft: m.heft,
    rollout: m['heft-rollout'],
    rollout2: m['heft-rollout:2'],
    greedy: m.greedy,
  };
}

function configFor(arch: PolicyArch, seed: number, its: number): RunConfig {
  const patch = patchesOf();
  return mergeRunConfig(
    DEFAULT_RUN,
    {
      iterations: its,
      seed,
      evalEvery: Math.max(1, Math.floor(its / 6)),
      ...patch,
      // The paper's network at the reduced size of the earlier experiments; the others at their defaults.
      policy: {
        arch,
        hidden,
        ...(arch === 'mlp' ? {} : { attention: 'luong', layerNorm: false }),
        ...(patch.policy as object),
      },
      ppo: { trajectoriesPerDag: 10, dagsPerBatch: 50, ...(patch.ppo as object) },
    },
    'bench',
  );
}

const pct = (m: number, ref: number) => `${(100 * (m / ref - 1)).toFixed(2).padStart(6)}%`;
function line(label: string, m: number, refs: Refs): string {
  return `${label.padEnd(34)} ${m.toFixed(2).padStart(8)}  opt ${pct(m, refs.optimal)}  heft ${pct(m, refs.heft)}  rollout ${pct(m, refs.rollout)}`;
}
function evaluate(policyTask: CompiledTask, policy: OffloadingPolicy, seed: number) {
  const dags = allDags([policyTask]);
  const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const argmax = mean(inferPlans(be, policy, dags, { samples: 0, polish: false }).makespans);
  const best32 = mean(
    inferPlans(be, policy, dags, { samples: 32, polish: false, rng: new Rng(seed, 99) }).makespans,
  );
  return { argmax, best32 };
}

const refsBySet = new Map<number, Refs>(testSets.map((k) => [k, references(k)]));
console.log(
  `learning benchmark: backend ${be.name}, hidden ${hidden}, seeds ${seeds.join(',')}, patch ${JSON.stringify(patchesOf())}`,
);
for (const k of testSets) {
  const r = refsBySet.get(k)!;
  console.log(
    `set ${k}: optimum ${r.optimal.toFixed(2)}, HEFT ${r.heft.toFixed(2)}, HEFT-rollout ${r.rollout.toFixed(2)}, rollout:2 ${r.rollout2.toFixed(2)}, Greedy ${r.greedy.toFixed(2)}`,
  );
}

if (!skip.includes('scratch')) {
  const set8 = task(8);
  const refs = refsBySet.get(8)!;
  console.log(`\n1. PPO from scratch on set 8 (${iterations} iterations)`);
  for (const arch of archs)
    for (const seed of seeds) {
      const config = configFor(arch, seed, iterations);
      const started = performance.now();
      const initial = evaluate(set8, createPolicy(config.policy, config.seed), seed).argmax;
      const curve: string[] = [`0:${initial.toFixed(1)}`];
      const result = await trainPpo({
        be,
        config,
        tasks: [set8],
        onIteration: (m) => {
          if (m.evalMakespanMs !== undefined) curve.push(`${m.iteration}:${m.evalMakespanMs.toFixed(1)}`);
        },
      });
      const wall = (performance.now() - started) / 1000;
      const e = evaluate(set8, result.policy, seed);
      const last = result.metrics[result.metrics.length - 1];
      console.log(
        `${arch} seed ${seed}: ${wall.toFixed(0)} s, entropy ${last.entropy.toFixed(3)}, curve ${curve.join(' ')}`,
      );
      console.log('  ' + line('argmax', e.argmax, refs));
      console.log('  ' + line('best of argmax + 32 samples', e.best32, refs));
    }
}

if (!skip.includes('transfer')) {
  const train = transferSets.map(task);
  const tests = testSets.map((k) => ({ k, t: task(k) }));
  console.log(
    `\n2. zero-shot transfer: PPO on sets ${transferSets.join(',')} (${transferIterations} iterations), evaluated on ${testSets.join(', ')}`,
  );
  for (const arch of archs)
    for (const seed of seeds) {
      const config = configFor(arch, seed, transferIterations);
      const started = performance.now();
      const result = await trainPpo({ be, config, tasks: train });
      const wall = (performance.now() - started) / 1000;
      console.log(`${arch} seed ${seed}: ${wall.toFixed(0)} s`);
      const gaps: number[] = [];
      for (const { k, t } of tests) {
        const refs = refsBySet.get(k)!;
        const e = evaluate(t, result.policy, seed);
        gaps.push(e.argmax / refs.optimal - 1);
        console.log('  ' + line(`set ${k} argmax`, e.argmax, refs));
        console.log('  ' + line(`set ${k} best of 32`, e.best32, refs));
      }
      console.log(
        `  mean argmax gap to optimum ${((100 * gaps.reduce((a, b) => a + b, 0)) / gaps.length).toFixed(2)}%`,
      );
    }
}
