/**
 * Learning in the world (issue 16): MRLCO meta-trained across training worlds, the fine-tuning DRL
 * baseline pre-trained on the same worlds with the same samples, and a policy from scratch, each
 * adapted on every test world (links never seen in training) by update steps of a few episodes, and
 * scored on held-out realisations beside every model-based anchor and the clairvoyant bound on the same
 * realisations.
 *
 * Writes, into the experiment folder: curves.csv (mean makespan per method, test world and step),
 * fig-<world>.svg/.png (the curves with the anchors as lines), results.md (the table), summary.json and
 * decisions.jsonl (every episode behind every reported learned number: DAG, world, seed, realisation,
 * offset, plan, makespan; `mrlco evaluate --world` replays one). Every stage keeps its result with the
 * settings that made it, so a stopped run resumes, and other settings are refused.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset } from '../dag/io.js';
import type { Dag } from '../dag/dag.js';
import { DEFAULT_SYSTEM } from '../mec/system.js';
import { metaTrain, type MetaIterationMetrics } from '../meta/meta-trainer.js';
import type { Backend } from '../nn/backend.js';
import { createPolicy } from '../policy/create.js';
import { decidesOnline, type OffloadingPolicy } from '../policy/policy.js';
import { adaptPolicy, type AdaptPoint } from '../rl/adapt.js';
import { DEFAULT_RUN, mergeRunConfig, type RunConfig } from '../rl/config.js';
import { compileTask, type CompiledTask, type LearningTask } from '../rl/learning-task.js';
import { TRAINING_REALISATIONS } from '../rl/sampler.js';
import { trainPpo, type IterationMetrics } from '../rl/trainer.js';
import { renderLineChartSvg, type LineSeries } from '../report/line-chart.js';
import { writeSvgAndPng } from '../report/png.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { InputError } from '../util/errors.js';
import { lockFolder } from '../util/folder-lock.js';
import { differingKeys } from '../util/json-diff.js';
import { deciderByName } from '../world/deciders.js';
import { runWorldBaselines } from './world-baselines.js';
import { worldExperimentPreset, type WorldTaskPreset } from './world-presets.js';

export interface WorldExperimentSettings {
  /** The policy, the PPO of the inner loops and of adaptation, the meta-batch, the meta-iterations. */
  run: RunConfig;
  drlIterations: number;
  adaptSteps: number;
  /** The "20 steps" column. */
  shortSteps: number;
  /** An update step's episodes: this many DAGs × adaptTrajectories trajectories (one realisation each). */
  dagsPerStep: number;
  adaptTrajectories: number;
  /** α of adaptation's update steps (the inner loops' is run.ppo.learningRate). */
  adaptLearningRate: number;
  /** Steps after which the adapted policy is scored (0 and the report steps always). */
  evaluateSteps: number[];
  /** DAGs taken from each training set, and from each test set. */
  trainDagsPerSet: number;
  testDagsPerSet: number;
  /** Held-out realisations per test DAG each score is taken on. */
  evalRealisations: number;
  /** Realisations per test DAG the best online rule is chosen on (below the evaluation ones). */
  selectRealisations: number;
  clairvoyantTimeLimitMs: number;
  /** Limit the training and test worlds (the quick scale). */
  trainWorlds?: number;
  testWorlds?: number;
}

export interface WorldExperimentOptions {
  be: Backend;
  settings: WorldExperimentSettings;
  dataRoot: string;
  traces: string;
  outDir: string;
  workers: number;
  onStage?: (message: string) => void;
  onMetaIteration?: (m: MetaIterationMetrics) => void;
  onDrlIteration?: (m: IterationMetrics) => void;
  onAdaptStep?: (method: string, world: string, p: AdaptPoint) => void;
}

/** The model-based deciders among which the best online rule of a test world is chosen. */
export const ONLINE_CANDIDATES = [
  'online',
  'online:last',
  'online:live',
  'online:ewma:1.25',
  'online:last:1.25',
  'online:live:1.25',
  'online:ewma:1.5',
  'online:live:1.5',
  'replan',
  'replan:live',
];

/** The anchors drawn and tabulated beside the learned methods. */
const ANCHORS = [
  'local',
  'heft-rollout',
  'identified:heft-rollout',
  'online',
  'replan',
  'true-state',
  'clairvoyant',
];

/**
 * The learned methods: gradient adaptation from MRLCO's meta-policy, from the fine-tuning DRL
 * baseline's policy and from scratch; and a meta-policy that also reads the world's context
 * (rl/world-context.ts), adapted in context only (no gradient step) and in context with gradient steps.
 */
export const METHODS = [
  { key: 'mrlco', label: 'MRLCO', start: 'mrlco', update: true },
  { key: 'fine-tuning', label: 'Fine-tuning DRL', start: 'fine-tuning', update: true },
  { key: 'scratch', label: 'From scratch', start: 'scratch', update: true },
  { key: 'context', label: 'MRLCO, context only', start: 'mrlco-context', update: false },
  { key: 'context-gradient', label: 'MRLCO, context and gradient', start: 'mrlco-context', update: true },
] as const;

export interface WorldCurveRow {
  method: string;
  world: string;
  step: number;
  makespanMs: number;
}

/** One episode behind a reported number: replayable with `mrlco evaluate --world`. */
export interface DecisionLine {
  method: string;
  step: number;
  world: string;
  /** The test world's specification and the seed of its realisations. */
  spec: unknown;
  seed: number;
  set: string;
  file: string;
  dag: number;
  realisation: number;
  offsetMs: number;
  plan: string;
  makespanMs: number;
}

interface StoredAnchors {
  key: string;
  best: string;
  selection: Record<string, number>;
  /** decider → makespans of the evaluation episodes (DAG-major, realisation-minor). */
  makespans: Record<string, number[]>;
  proven: number;
}

interface StoredCurve {
  key: string;
  curve: { step: number; makespanMs: number; plans?: string[]; makespans?: number[] }[];
}

interface LoadedDags {
  dags: Dag[];
  /** Per DAG: its set (relative to the data root) and file name. */
  origin: { set: string; file: string }[];
}

function loadDags(dataRoot: string, sets: readonly string[], perSet: number): LoadedDags {
  const dags: Dag[] = [];
  const origin: { set: string; file: string }[] = [];
  for (const set of sets) {
    const d = readDataset(join(dataRoot, set));
    const files = d.files ?? d.dags.map((g) => g.name);
    d.dags.slice(0, perSet).forEach((dag, k) => {
      dags.push(dag);
      origin.push({ set, file: files[k] });
    });
  }
  return { dags, origin };
}

/** The seed of a world's realisations: distinct per world, derived from the run's seed. */
function worldSeed(run: RunConfig, role: 'train' | 'test', index: number): number {
  return run.seed * 1000 + (role === 'train' ? 0 : 500) + index;
}

function learningTaskOf(w: WorldTaskPreset, dags: Dag[], seed: number): LearningTask {
  return {
    name: w.name,
    dags,
    system: DEFAULT_SYSTEM,
    profile: 'reference',
    world: { spec: w.spec, seed },
  };
}

/** The experiment's worlds, DAGs and learning tasks (the shipped online policy's training tasks too). */
export function worldTasks(
  settings: WorldExperimentSettings,
  dataRoot: string,
  traces: string,
): {
  testWorlds: WorldTaskPreset[];
  testDags: LoadedDags;
  train: LearningTask[];
  test: LearningTask[];
} {
  const { run } = settings;
  const preset = worldExperimentPreset(traces);
  const trainWorlds = preset.train.slice(0, settings.trainWorlds ?? preset.train.length);
  const testWorlds = preset.test.slice(0, settings.testWorlds ?? preset.test.length);
  const trainDags = loadDags(dataRoot, preset.trainSets, settings.trainDagsPerSet);
  const testDags = loadDags(dataRoot, preset.testSets, settings.testDagsPerSet);
  return {
    testWorlds,
    testDags,
    train: trainWorlds.map((w, k) => learningTaskOf(w, trainDags.dags, worldSeed(run, 'train', k))),
    test: testWorlds.map((w, k) => learningTaskOf(w, testDags.dags, worldSeed(run, 'test', k))),
  };
}

export async function runWorldExperiment(o: WorldExperimentOptions): Promise<{ curves: WorldCurveRow[] }> {
  const { settings } = o;
  const { run } = settings;
  const stage = (m: string) => o.onStage?.(m);
  // Everything is read and checked before anything is written.
  const {
    testWorlds,
    testDags,
    train: trainTasks,
    test: testTasks,
  } = worldTasks(settings, o.dataRoot, o.traces);
  const compiledTest = testTasks.map((t) => compileTask(t, run.policy.neighbours));
  if (!decidesOnline(run.policy))
    throw new InputError(
      'the world experiment needs a policy that decides online (policy.observation: online)',
    );
  lockFolder(o.outDir);
  checkOrWrite(join(o.outDir, 'settings.json'), { dataRoot: o.dataRoot, traces: o.traces, ...settings });

  // 1. MRLCO across the training worlds.
  stage(
    `meta-training MRLCO on ${trainTasks.length} training worlds (${run.iterations} iterations, meta-batch ${run.meta.metaBatch})`,
  );
  const meta = await metaTrain({
    be: o.be,
    config: run,
    trainTasks,
    testTasks,
    workers: o.workers,
    outDir: join(o.outDir, 'meta'),
    resume: true,
    ...(o.onMetaIteration ? { onIteration: o.onMetaIteration } : {}),
  });
  // 2. The fine-tuning DRL baseline: one PPO over the same worlds, the same samples per iteration.
  stage(
    `pre-training the fine-tuning DRL baseline on the same worlds (${settings.drlIterations} iterations)`,
  );
  const drlConfig = mergeRunConfig(
    run,
    {
      iterations: settings.drlIterations,
      ppo: { dagsPerBatch: run.ppo.dagsPerBatch * run.meta.metaBatch, minibatches: run.meta.metaBatch },
    },
    'world experiment',
  );
  const drl = await trainPpo({
    be: o.be,
    config: drlConfig,
    tasks: trainTasks.map((t) => compileTask(t, run.policy.neighbours)),
    outDir: join(o.outDir, 'drl'),
    resume: true,
    workers: o.workers,
    ...(o.onDrlIteration ? { onIteration: o.onDrlIteration } : {}),
  });
  const scratch = createPolicy(run.policy, run.seed);
  // 3. MRLCO with a policy that also reads the world's context.
  const contextRun = mergeRunConfig(run, { policy: { observation: 'online-context' } }, 'world experiment');
  stage(`meta-training MRLCO with the world's context (${run.iterations} iterations)`);
  const metaContext = await metaTrain({
    be: o.be,
    config: contextRun,
    trainTasks,
    testTasks,
    workers: o.workers,
    outDir: join(o.outDir, 'meta-context'),
    resume: true,
    ...(o.onMetaIteration ? { onIteration: o.onMetaIteration } : {}),
  });
  const starts: Record<string, OffloadingPolicy> = {
    mrlco: meta.policy,
    'fine-tuning': drl.policy,
    scratch,
    'mrlco-context': metaContext.policy,
  };

  // 4. Every test world: the anchors, then each method adapted, scored on the same episodes.
  const adaptDir = join(o.outDir, 'adapt');
  mkdirSync(adaptDir, { recursive: true });
  const curves: WorldCurveRow[] = [];
  const decisions: DecisionLine[] = [];
  const table: TableRow[] = [];
  const reportSteps = [...new Set([0, settings.shortSteps, settings.adaptSteps])];
  const evalStart = TRAINING_REALISATIONS;
  for (const [w, world] of testWorlds.entries()) {
    const task = compiledTest[w];
    const slug = slugOf(world.name);
    const anchors = anchorsOf(o, world, task, testDags, join(adaptDir, `${slug}-anchors.json`), stage);
    const evalDags = task.problems.flatMap((_, dag) =>
      Array.from({ length: settings.evalRealisations }, (__, r) => ({
        task,
        dag,
        realisation: evalStart + r,
      })),
    );
    const row: TableRow = {
      world: world.name,
      markov: world.markov,
      best: anchors.best,
      anchors: {},
      methods: {},
    };
    for (const name of [...ANCHORS, ...(world.markov ? ['law'] : []), anchors.best])
      row.anchors[name] = mean(anchors.makespans[name]);
    const series: LineSeries[] = [];
    for (const method of METHODS) {
      const path = join(adaptDir, `${slug}-${method.key}.json`);
      const key = JSON.stringify({ policy: run.policy, ppo: run.ppo, settings, method: method.key });
      let stored = readStored<StoredCurve>(path, key);
      if (!stored) {
        stage(`${world.name}: adapting ${method.label} for ${settings.adaptSteps} update steps`);
        const { curve } = adaptPolicy({
          be: o.be,
          from: starts[method.start],
          update: method.update,
          task,
          ppo: {
            ...run.ppo,
            trajectoriesPerDag: settings.adaptTrajectories,
            learningRate: settings.adaptLearningRate,
          },
          steps: settings.adaptSteps,
          seed: run.seed,
          reportSteps,
          evalDags,
          dagsPerStep: settings.dagsPerStep,
          evaluateSteps: settings.evaluateSteps,
          workers: o.workers,
          onStep: (p) => o.onAdaptStep?.(method.label, world.name, p),
        });
        stored = {
          key,
          curve: curve.map((p) => ({
            step: p.step,
            makespanMs: p.makespanMs,
            ...(p.plans ? { plans: p.plans.map((x) => x.join('')), makespans: p.makespans } : {}),
          })),
        };
        writeFileAtomic(path, JSON.stringify(stored) + '\n');
      }
      for (const p of stored.curve) {
        curves.push({ method: method.label, world: world.name, step: p.step, makespanMs: p.makespanMs });
        p.plans?.forEach((plan, e) => {
          const d = Math.floor(e / settings.evalRealisations);
          const realisation = evalStart + (e % settings.evalRealisations);
          const instance = task.world!.instance(task.problems[d], d, testTasks[w].world!.seed);
          const info = instance.realise(realisation);
          decisions.push({
            method: method.key,
            step: p.step,
            world: world.name,
            spec: world.spec,
            seed: testTasks[w].world!.seed,
            set: testDags.origin[d].set,
            file: testDags.origin[d].file,
            dag: d,
            realisation,
            offsetMs: info.offsetMs,
            plan,
            makespanMs: p.makespans![e],
          });
        });
      }
      const at = (step: number) => stored!.curve.find((p) => p.step === step)?.makespanMs;
      row.methods[method.key] = {
        0: at(0),
        [settings.shortSteps]: at(settings.shortSteps),
        [settings.adaptSteps]: at(settings.adaptSteps),
      };
      series.push({ name: method.label, points: stored.curve.map((p) => [p.step, p.makespanMs]) });
    }
    table.push(row);
    const flat = (name: string, label: string, style: 'dashed' | 'dotted'): LineSeries => ({
      name: label,
      points: [
        [0, row.anchors[name]],
        [settings.adaptSteps, row.anchors[name]],
      ],
      style,
    });
    writeSvgAndPng(
      join(o.outDir, `fig-${slug}`),
      renderLineChartSvg({
        title: `${world.name}: mean measured makespan vs update steps (${settings.dagsPerStep * settings.adaptTrajectories} episodes each)`,
        xLabel: 'number of update steps',
        yLabel: 'mean makespan (ms)',
        series: [
          ...series,
          flat('local', 'all on the device', 'dotted'),
          flat('heft-rollout', "the paper's plan (up front)", 'dashed'),
          flat('online', 'online rule', 'dashed'),
          flat(anchors.best, `best online rule (${anchors.best})`, 'dashed'),
          flat('replan', 're-planning', 'dashed'),
          ...(world.markov ? [flat('law', 'knows the law', 'dashed')] : []),
          flat('true-state', 'true current state', 'dotted'),
          flat('clairvoyant', 'clairvoyant', 'dotted'),
        ],
      }),
    );
  }
  writeFileAtomic(
    join(o.outDir, 'curves.csv'),
    'method,world,step,mean_makespan_ms\n' +
      curves.map((c) => `"${c.method}","${c.world}",${c.step},${c.makespanMs.toFixed(3)}`).join('\n') +
      '\n',
  );
  writeFileAtomic(
    join(o.outDir, 'decisions.jsonl'),
    decisions.map((l) => JSON.stringify(l)).join('\n') + '\n',
  );
  writeFileAtomic(join(o.outDir, 'results.md'), renderTable(table, settings));
  writeFileAtomic(join(o.outDir, 'summary.json'), JSON.stringify({ settings, table }, null, 1) + '\n');
  return { curves };
}

interface TableRow {
  world: string;
  markov: boolean;
  best: string;
  anchors: Record<string, number>;
  methods: Record<string, Record<number, number | undefined>>;
}

/** The anchors of one test world on the evaluation episodes, and the best online rule chosen below them. */
function anchorsOf(
  o: WorldExperimentOptions,
  world: WorldTaskPreset,
  task: CompiledTask,
  dags: LoadedDags,
  path: string,
  stage: (m: string) => void,
): StoredAnchors {
  const s = o.settings;
  const key = JSON.stringify({ spec: world.spec, seed: task.task.world!.seed, s });
  const stored = readStored<StoredAnchors>(path, key);
  if (stored) return stored;
  const dataset = { name: world.name, dir: '-', dags: dags.dags };
  const model = { profile: task.task.profile };
  stage(`${world.name}: choosing the best online rule on ${s.selectRealisations} realisations per DAG`);
  const selection = runWorldBaselines(dataset, ONLINE_CANDIDATES.map(deciderByName), task.world!, model, {
    episodes: s.selectRealisations,
    firstRealisation: 0,
    seed: task.task.world!.seed,
    timeLimitMs: 0,
  });
  const means = Object.fromEntries(selection.summaries.map((x) => [x.decider, x.meanMakespanMs]));
  const best = ONLINE_CANDIDATES.reduce((a, b) => (means[b] < means[a] ? b : a));
  stage(`${world.name}: the anchors and the clairvoyant bound on the evaluation realisations`);
  const names = [...new Set([...ANCHORS, ...(world.markov ? ['law'] : []), best])];
  const report = runWorldBaselines(dataset, names.map(deciderByName), task.world!, model, {
    episodes: s.evalRealisations,
    firstRealisation: TRAINING_REALISATIONS,
    seed: task.task.world!.seed,
    timeLimitMs: s.clairvoyantTimeLimitMs,
  });
  const result: StoredAnchors = {
    key,
    best,
    selection: means,
    makespans: Object.fromEntries(Object.entries(report.makespans).map(([k, v]) => [k, Array.from(v)])),
    proven: report.summaries.find((x) => x.decider === 'clairvoyant')?.proven ?? 0,
  };
  writeFileAtomic(path, JSON.stringify(result) + '\n');
  return result;
}

function renderTable(rows: TableRow[], s: WorldExperimentSettings): string {
  const f = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));
  const steps = [0, s.shortSteps, s.adaptSteps];
  const header = [
    'test world',
    'all local',
    "paper's plan",
    'online rule',
    'best online rule',
    're-planning',
    'knows the law',
    'true state',
    'clairvoyant',
    ...METHODS.flatMap((m) => steps.map((k) => `${m.label} (${k})`)),
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.world,
        f(r.anchors.local),
        f(r.anchors['heft-rollout']),
        f(r.anchors.online),
        `${f(r.anchors[r.best])} (${r.best})`,
        f(r.anchors.replan),
        r.markov ? f(r.anchors.law) : '–',
        f(r.anchors['true-state']),
        f(r.anchors.clairvoyant),
        ...METHODS.flatMap((m) => steps.map((k) => f(r.methods[m.key]?.[k]))),
      ].join(' | ')} |`,
    );
  }
  return (
    `Mean measured makespan (ms) on each test world: ${s.testDagsPerSet} DAGs of each test set × ${s.evalRealisations} held-out realisations; learned methods after 0, ${s.shortSteps} and ${s.adaptSteps} update steps of ${s.dagsPerStep} DAGs × ${s.adaptTrajectories} episodes each.\n\n` +
    lines.join('\n') +
    '\n'
  );
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function readStored<T extends { key: string }>(path: string, key: string): T | undefined {
  if (!existsSync(path)) return undefined;
  const stored = JSON.parse(readFileSync(path, 'utf8')) as T;
  return stored.key === key ? stored : undefined;
}

/** The folder's settings: written the first time, then every rerun must match them. */
function checkOrWrite(path: string, settings: unknown): void {
  if (!existsSync(path)) {
    writeFileAtomic(path, JSON.stringify(settings, null, 1) + '\n');
    return;
  }
  const previous: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const differences = differingKeys(previous, JSON.parse(JSON.stringify(settings)));
  if (differences !== '')
    throw InputError.inFile(
      path,
      `this folder holds an experiment with other settings (${differences}); use another --out`,
    );
}

/** Adaptation's α, chosen by the runs of docs/training.md ("Learning in the world"). */
export const ADAPT_LEARNING_RATE = 5e-4;

/**
 * The experiment's scale (docs/results.md, "Learning in the world"): the default online network
 * (per-step MLP, HEFT lookahead on the belief as a prior; docs/training.md), 300 meta-iterations of 10
 * worlds × 20 DAGs × 8 trajectories, the fine-tuning baseline with the same samples, adaptation by
 * 100 update steps of 2 DAGs × 5 trajectories, scored on 20 DAGs of each test set × 8 realisations.
 * `quick`: the whole pipeline at toy scale. Flags patch the run configuration section by section.
 */
export function worldExperimentSettings(
  quick: boolean,
  patch: Record<string, unknown> = {},
): WorldExperimentSettings {
  const base = mergeRunConfig(
    DEFAULT_RUN,
    {
      iterations: quick ? 2 : 300,
      evalEvery: quick ? 1 : 25,
      policy: { observation: 'online', lookahead: 'heft', ...(quick ? { hidden: 16 } : {}) },
      ppo: quick ? { dagsPerBatch: 4, trajectoriesPerDag: 4 } : { dagsPerBatch: 20, trajectoriesPerDag: 8 },
      meta: { metaBatch: quick ? 2 : 10 },
    },
    quick ? '--quick' : 'world experiment',
  );
  const run = mergeRunConfig(base, patch, 'command line');
  return quick
    ? {
        run,
        drlIterations: run.iterations,
        adaptSteps: 3,
        shortSteps: 1,
        dagsPerStep: 2,
        adaptTrajectories: 4,
        adaptLearningRate: run.ppo.learningRate,
        evaluateSteps: [1, 2, 3],
        trainDagsPerSet: 4,
        testDagsPerSet: 2,
        evalRealisations: 2,
        selectRealisations: 1,
        clairvoyantTimeLimitMs: 2000,
        trainWorlds: 4,
        testWorlds: 2,
      }
    : {
        run,
        drlIterations: run.iterations,
        adaptSteps: 100,
        shortSteps: 20,
        dagsPerStep: 2,
        adaptTrajectories: 5,
        adaptLearningRate: ADAPT_LEARNING_RATE,
        evaluateSteps: [1, 2, 5, 10, 20, 30, 50, 70, 100],
        trainDagsPerSet: 30,
        testDagsPerSet: 20,
        evalRealisations: 8,
        selectRealisations: 3,
        clairvoyantTimeLimitMs: 10_000,
      };
}
