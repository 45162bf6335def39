/**
 * The learning benchmark in the world (`npm run bench:learning -- --world`): PPO on one training world,
 * then zero-shot on the test links, for each architecture, beside the online rule, re-planning and the
 * clairvoyant bound on the same held-out realisations. How the world recipe is chosen
 * (docs/training.md, "Learning in the world"). Fixed seeds; minutes on 2 cores.
 *
 *   npm run bench:learning -- --world [--train att|markov] [--archs mlp,seq2seq,paper]
 *       [--iterations 150] [--seeds 1] [--hidden 64] [--set key=value ...] [--workers 2]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/dag/io.js';
import type { Dag } from '../src/dag/dag.js';
import { runWorldBaselines } from '../src/experiments/world-baselines.js';
import { worldExperimentPreset } from '../src/experiments/world-presets.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import type { PolicyArch } from '../src/policy/policy.js';
import { DEFAULT_RUN, mergeRunConfig } from '../src/rl/config.js';
import { compileTask, type CompiledTask } from '../src/rl/learning-task.js';
import { evaluateGreedy, TRAINING_REALISATIONS } from '../src/rl/sampler.js';
import { trainPpo } from '../src/rl/trainer.js';
import { deciderByName } from '../src/world/deciders.js';
import { BUILTIN_WORLDS, type WorldSpec } from '../src/world/spec.js';

export async function runWorldLearningBench(args: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
  const patch: Record<string, Record<string, unknown>> = {};
  args.forEach((a, i) => {
    if (a !== '--set') return;
    const [key, raw] = args[i + 1].split('=');
    const [section, field] = key.split('.');
    (patch[section] ??= {})[field] =
      raw === 'true' ? true : raw === 'false' ? false : Number.isNaN(Number(raw)) ? raw : Number(raw);
  });
  const shared = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
  const traces = join(shared, 'traces', 'mahimahi');
  const reference = join(shared, 'reference', 'meta_offloading_20');
  const archs = arg('archs', 'mlp,seq2seq,paper').split(',') as PolicyArch[];
  const iterations = Number(arg('iterations', '150'));
  const seeds = arg('seeds', '1').split(',').map(Number);
  const hidden = Number(arg('hidden', '64'));
  const workers = Number(arg('workers', '2'));
  const trainWorld = arg('train', 'att');
  const evalRealisations = 4;
  const be = getBackend();
  const preset = worldExperimentPreset(traces);
  const sets = (ks: number[], per: number): Dag[] =>
    ks.flatMap((k) => readDataset(join(reference, `offload_random20_${k}`)).dags.slice(0, per));
  const trainDags = sets([1, 2, 3, 5, 6, 7], 30);
  const testDags = sets([8, 12, 24], 10);
  const trainSpec: WorldSpec =
    trainWorld === 'markov'
      ? BUILTIN_WORLDS.markov
      : {
          links: {
            kind: 'trace',
            uplink: join(traces, 'ATT-LTE-driving.up'),
            downlink: join(traces, 'ATT-LTE-driving.down'),
            meanMbps: 7,
          },
        };
  const compiled = (spec: WorldSpec, dags: Dag[], seed: number, name: string): CompiledTask =>
    compileTask({ name, dags, system: DEFAULT_SYSTEM, profile: 'reference', world: { spec, seed } }, 12);
  const train = compiled(trainSpec, trainDags, 11, `train: ${trainWorld}`);
  const tests = [
    ...preset.test.slice(0, 3),
    { name: 'markov (12/1.5, 200 ms)', spec: BUILTIN_WORLDS.markov, markov: true },
  ].map((w, k) => ({ w, task: compiled(w.spec, testDags, 500 + k, w.name) }));
  console.log(
    `world learning benchmark: train ${trainWorld} (${trainDags.length} DAGs), test ${tests.length} worlds × ${testDags.length} DAGs × ${evalRealisations} realisations; backend ${be.name}, hidden ${hidden}, seeds ${seeds.join(',')}, patch ${JSON.stringify(patch)}`,
  );
  // The anchors on the evaluation episodes.
  const anchors = tests.map(({ w, task }) => {
    const names = ['local', 'online', 'online:live', 'replan', ...(w.markov ? ['law'] : []), 'clairvoyant'];
    const r = runWorldBaselines(
      { name: w.name, dir: '-', dags: testDags },
      names.map(deciderByName),
      task.world!,
      { profile: 'reference' },
      {
        episodes: evalRealisations,
        firstRealisation: TRAINING_REALISATIONS,
        seed: task.task.world!.seed,
        timeLimitMs: 5000,
      },
    );
    const m = Object.fromEntries(r.summaries.map((s) => [s.decider, s.meanMakespanMs]));
    console.log(`${w.name}: ${names.map((n) => `${n} ${m[n].toFixed(1)}`).join(', ')}`);
    return m;
  });
  for (const arch of archs)
    for (const seed of seeds) {
      const config = mergeRunConfig(
        DEFAULT_RUN,
        {
          iterations,
          seed,
          evalEvery: Math.max(1, Math.floor(iterations / 5)),
          ...patch,
          policy: {
            arch,
            hidden,
            observation: 'online',
            lookahead: arch === 'paper' ? 'none' : 'heft',
            ...(arch === 'mlp' ? {} : { attention: 'luong', layerNorm: false }),
            ...(patch.policy as object),
          },
          ppo: { trajectoriesPerDag: 8, dagsPerBatch: 40, ...(patch.ppo as object) },
        },
        'bench',
      );
      const started = performance.now();
      const curve: string[] = [];
      const result = await trainPpo({
        be,
        config,
        tasks: [train],
        workers,
        onIteration: (m) => {
          if (m.evalMakespanMs !== undefined) curve.push(`${m.iteration}:${m.evalMakespanMs.toFixed(1)}`);
        },
      });
      const wall = (performance.now() - started) / 1000;
      console.log(`\n${arch} seed ${seed}: ${wall.toFixed(0)} s, train-world curve ${curve.join(' ')}`);
      const gaps: number[] = [];
      tests.forEach(({ w, task }, k) => {
        const refs = task.problems.flatMap((_, dag) =>
          Array.from({ length: evalRealisations }, (__, r) => ({
            task,
            dag,
            realisation: TRAINING_REALISATIONS + r,
          })),
        );
        const g = evaluateGreedy(be, result.policy, refs, undefined);
        const m = g.makespans.reduce((a, b) => a + b, 0) / g.makespans.length;
        const a = anchors[k];
        const online = a.online;
        gaps.push(m / online - 1);
        console.log(
          `  ${w.name.padEnd(26)} policy ${m.toFixed(1)}  vs online ${pctOf(m, online)}  live ${pctOf(m, a['online:live'])}  replan ${pctOf(m, a.replan)}${a.law ? `  law ${pctOf(m, a.law)}` : ''}  local ${pctOf(m, a.local)}  clairvoyant ${pctOf(m, a.clairvoyant)}`,
        );
      });
      console.log(
        `  mean gap to the online rule ${((100 * gaps.reduce((x, y) => x + y, 0)) / gaps.length).toFixed(2)}%`,
      );
    }
}

function pctOf(m: number, ref: number): string {
  return `${(100 * (m / ref - 1)).toFixed(2).padStart(6)}%`;
}
