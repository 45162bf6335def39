/**
 * Sec. 5.3 end to end for one preset: MRLCO meta-training and the fine-tuning DRL pre-training on the
 * same training tasks, then, on every test set, adaptation of both for up to `adaptSteps` update steps
 * next to HEFT, HEFT-rollout (depths 1 and 2), Greedy and the exact optimum. Optionally the paper's
 * network is trained and adapted the same way beside the default one.
 *
 * Writes curves.csv, plans.jsonl (every plan behind every reported number: one line per DAG per
 * method per reported step), one figure per test set (SVG and PNG, like Figs. 6-8), table3.md (like
 * Table 3, with gaps to the proven optimum) and summary.json. Every stage keeps its results in the
 * output folder with the settings that made them, so a stopped experiment resumes where it was, and a
 * rerun with other settings is refused instead of mixing results.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../nn/backend.js';
import { metaTrain, type MetaIterationMetrics } from '../meta/meta-trainer.js';
import type { OffloadingPolicy, PolicyConfig } from '../policy/policy.js';
import { adaptPolicy, type AdaptPoint } from '../rl/adapt.js';
import { DEFAULT_RUN, mergeRunConfig, type PpoConfig, type RunConfig } from '../rl/config.js';
import { compileTask } from '../rl/learning-task.js';
import { trainPpo, type IterationMetrics } from '../rl/trainer.js';
import { renderLineChartSvg, type LineSeries } from '../report/line-chart.js';
import { writeSvgAndPng } from '../report/png.js';
import {
  partlyProven,
  renderCurvesCsv,
  renderTable3Markdown,
  type Table3Column,
  type Table3Row,
} from '../report/table3.js';
import { greedy, heft } from '../schedulers/earliest-finish.js';
import { heftRollout } from '../schedulers/heft-rollout.js';
import { optimal } from '../schedulers/optimal.js';
import type { Scheduler } from '../schedulers/scheduler.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { InputError } from '../util/errors.js';
import { lockFolder } from '../util/folder-lock.js';
import { differingKeys } from '../util/json-diff.js';
import { runBaselines } from './baselines.js';
import { compileTasks, learningTaskOf } from './drl.js';
import { loadPresetTasks, PRESETS, type LoadedPresetTask, type PresetName } from './presets.js';

/** The policy settings of the paper's network when it is run beside the default one. */
export interface PaperNetworkSettings {
  policy: PolicyConfig;
  /** PPO settings that differ for it (the paper's recipe: GAE advantages). */
  ppo: Partial<PpoConfig>;
  /** Adapt it on the first this many test sets only. */
  testLimit: number;
}

export interface ExperimentSettings {
  /** Policy, inner-loop and adaptation PPO, meta-batch and the meta-training iterations. */
  run: RunConfig;
  drlIterations: number;
  adaptSteps: number;
  /** The "20 steps" column of Table 3. */
  shortSteps: number;
  /** K of the best-of-K plans reported beside argmax at steps 0, shortSteps and adaptSteps. */
  samples: number;
  paperNetwork?: PaperNetworkSettings;
  maxDags?: number;
  testLimit?: number;
  optimalTimeLimitMs: number;
}

/** The paper's network at the reduced scale of the earlier experiments (docs/results.md). */
export const PAPER_NETWORK_DEFAULT: PolicyConfig = {
  arch: 'paper',
  neighbours: 12,
  hidden: 64,
  layers: 2,
  layerNorm: false,
  attention: 'luong',
  lookahead: 'none',
  priorGain: 0,
  observation: 'model',
};

export function experimentSettings(
  name: PresetName,
  quick: boolean,
  patch: Record<string, unknown> = {},
): ExperimentSettings {
  const preset = PRESETS[name];
  if (quick) {
    // The quick scale, then the flags on top of it, section by section.
    const quickRun = mergeRunConfig(
      DEFAULT_RUN,
      {
        iterations: 2,
        evalEvery: 1,
        policy: { hidden: 16 },
        ppo: { trajectoriesPerDag: 4, dagsPerBatch: 8 },
        meta: { metaBatch: 2 },
      },
      '--quick',
    );
    const run = mergeRunConfig(quickRun, patch, 'command line');
    return {
      run,
      drlIterations: run.iterations,
      adaptSteps: 2,
      shortSteps: 1,
      samples: 4,
      maxDags: 8,
      testLimit: 1,
      optimalTimeLimitMs: 2000,
    };
  }
  // The preset's scale, then the flags on top of it, section by section (a flag for one setting of a
  // section keeps the preset's others).
  const presetRun = mergeRunConfig(
    DEFAULT_RUN,
    { evalEvery: 5, meta: { metaBatch: preset.metaBatch } },
    'experiment',
  );
  const run = mergeRunConfig(presetRun, patch, 'command line');
  return {
    run,
    drlIterations: run.iterations,
    adaptSteps: 100,
    shortSteps: 20,
    samples: 32,
    optimalTimeLimitMs: 30_000,
  };
}

export interface ExperimentOptions {
  be: Backend;
  preset: PresetName;
  settings: ExperimentSettings;
  dataRoot: string;
  outDir: string;
  workers: number;
  onStage?: (message: string) => void;
  onMetaIteration?: (m: MetaIterationMetrics, variant: string) => void;
  onDrlIteration?: (m: IterationMetrics, variant: string) => void;
  onAdaptStep?: (method: string, testSet: string, p: AdaptPoint) => void;
}

export interface CurveRow {
  method: string;
  testSet: string;
  step: number;
  makespanMs: number;
}

/** One line of plans.jsonl. */
export interface PlanLine {
  /** The dataset folder relative to the data root. */
  set: string;
  rateMbps: number;
  /** mrlco, fine-tuning, or a scheduler's name (optimal, heft, heft-rollout, heft-rollout:2, greedy). */
  method: string;
  /** The policy architecture (learned methods only). */
  arch: string | null;
  /** The update step (learned methods only). */
  step: number | null;
  /** argmax, or best-of-K (learned methods only). */
  decoding: string | null;
  file: string;
  plan: string;
  /** The scheduling sequence the makespan is simulated in (`evaluate --order`): Greedy's is task id. */
  order: 'rank' | 'id';
  makespanMs: number;
}

/** A trained policy family: the default network, or the paper's beside it. */
interface Variant {
  id: 'main' | 'paper';
  /** Appended to the method names in tables and figures. */
  suffix: string;
  run: RunConfig;
  testLimit: number;
}

const METHODS = [
  { key: 'mrlco', label: 'MRLCO' },
  { key: 'fine-tuning', label: 'Fine-tuning DRL' },
] as const;

const REFERENCE_SCHEDULERS: Scheduler[] = [heft, heftRollout(1), heftRollout(2), greedy];

/** The stored result of one adaptation: the curve and the plans at the report steps. */
interface StoredAdaptation {
  key: string;
  curve: {
    step: number;
    makespanMs: number;
    plans?: string[];
    makespans?: number[];
    bestOf?: { samples: number; makespanMs: number; plans: string[]; makespans: number[] };
  }[];
}

interface StoredReferences {
  key: string;
  /** scheduler → per-DAG makespans and plans. */
  schedulers: Record<string, { makespans: number[]; plans: string[]; proven?: number }>;
}

export async function runExperiment(
  o: ExperimentOptions,
): Promise<{ table: Table3Row[]; curves: CurveRow[]; plans: PlanLine[] }> {
  const preset = PRESETS[o.preset];
  const { settings } = o;
  const stage = (m: string) => o.onStage?.(m);

  // Everything is read and checked before anything is written.
  const train = loadPresetTasks(preset.train, o.dataRoot, settings.maxDags);
  const test = loadPresetTasks(
    settings.testLimit ? preset.test.slice(0, settings.testLimit) : preset.test,
    o.dataRoot,
    settings.maxDags,
  );
  const { run } = settings;
  const variants: Variant[] = [{ id: 'main', suffix: '', run, testLimit: test.length }];
  if (settings.paperNetwork)
    variants.push({
      id: 'paper',
      suffix: ' (paper network)',
      run: mergeRunConfig(
        run,
        { policy: settings.paperNetwork.policy, ppo: settings.paperNetwork.ppo },
        'experiment',
      ),
      testLimit: Math.min(settings.paperNetwork.testLimit, test.length),
    });
  const recorded = { preset: o.preset, dataRoot: o.dataRoot, ...settings };
  lockFolder(o.outDir);
  checkOrWriteSettings(join(o.outDir, 'settings.json'), recorded);

  // 1-2. Per variant: MRLCO meta-training and the fine-tuning DRL baseline on the same training tasks.
  const trained: Record<string, Record<string, OffloadingPolicy>> = {};
  for (const v of variants) {
    const dir = (name: string) => join(o.outDir, v.id === 'main' ? name : `${name}-paper`);
    stage(
      `meta-training MRLCO${v.suffix} on ${train.length} training tasks (meta-batch ${v.run.meta.metaBatch}, ${v.run.iterations} iterations)`,
    );
    const meta = await metaTrain({
      be: o.be,
      config: v.run,
      trainTasks: train.map(learningTaskOf),
      testTasks: test.map(learningTaskOf),
      workers: o.workers,
      outDir: dir('meta'),
      resume: true,
      ...(o.onMetaIteration ? { onIteration: (m) => o.onMetaIteration!(m, v.id) } : {}),
    });
    // The same samples per iteration: one policy by PPO over the n tasks' DAGs of a meta-batch.
    stage(
      `pre-training the fine-tuning DRL baseline${v.suffix} on the same tasks (${settings.drlIterations} iterations)`,
    );
    const drlConfig = mergeRunConfig(
      v.run,
      {
        iterations: settings.drlIterations,
        ppo: {
          dagsPerBatch: v.run.ppo.dagsPerBatch * v.run.meta.metaBatch,
          minibatches: v.run.meta.metaBatch,
        },
      },
      'experiment',
    );
    const drl = await trainPpo({
      be: o.be,
      config: drlConfig,
      tasks: compileTasks(train, v.run.policy.neighbours),
      outDir: dir('drl'),
      resume: true,
      workers: o.workers,
      ...(o.onDrlIteration ? { onIteration: (m) => o.onDrlIteration!(m, v.id) } : {}),
    });
    trained[v.id] = { mrlco: meta.policy, 'fine-tuning': drl.policy };
  }

  // 3. On every test set: the references, then each method adapted, next to them.
  const curves: CurveRow[] = [];
  const plans: PlanLine[] = [];
  const table: Table3Row[] = [];
  const adaptDir = join(o.outDir, 'adapt');
  mkdirSync(adaptDir, { recursive: true });
  const reportSteps = [...new Set([0, settings.shortSteps, settings.adaptSteps])];
  for (const [testIndex, t] of test.entries()) {
    const slug = slugOf(t.label);
    const files = t.dataset.files ?? t.dataset.dags.map((d) => d.name);
    const refs = references(t, settings, join(adaptDir, `${slug}-references.json`), stage);
    const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [scheduler, r] of Object.entries(refs.schedulers))
      r.plans.forEach((plan, d) =>
        plans.push(planLine(t, scheduler, null, null, null, files[d], plan, r.makespans[d])),
      );
    const task = compileTask(learningTaskOf(t), run.policy.neighbours);
    const series: LineSeries[] = [];
    const refMean = (name: string) =>
      refs.schedulers[name] ? mean(refs.schedulers[name].makespans) : undefined;
    const baseRow: Table3Row = {
      testSet: t.label,
      heftMs: refMean('heft')!,
      greedyMs: refMean('greedy')!,
      heftRolloutMs: refMean('heft-rollout'),
      heftRollout2Ms: refMean('heft-rollout:2'),
      ...(refs.schedulers.optimal
        ? {
            optimalMs: refMean('optimal'),
            optimalProven: `${refs.schedulers.optimal.proven}/${t.dataset.dags.length}`,
          }
        : {}),
    };
    for (const v of variants) {
      if (testIndex >= v.testLimit) continue;
      const row: Table3Row = { ...baseRow, testSet: `${t.label}${v.suffix}` };
      for (const method of METHODS) {
        const label = `${method.label}${v.suffix}`;
        const path = join(adaptDir, `${slug}-${method.key}${v.id === 'main' ? '' : '-paper'}.json`);
        const key = JSON.stringify({
          policy: v.run.policy,
          ppo: v.run.ppo,
          steps: settings.adaptSteps,
          reportSteps,
          samples: settings.samples,
          seed: v.run.seed,
        });
        let stored = readStored<StoredAdaptation>(path, key);
        if (!stored) {
          stage(`${t.label}: adapting ${label} for ${settings.adaptSteps} update steps`);
          const { curve } = adaptPolicy({
            be: o.be,
            from: trained[v.id][method.key],
            task,
            ppo: v.run.ppo,
            steps: settings.adaptSteps,
            seed: v.run.seed,
            reportSteps,
            samples: settings.samples,
            workers: o.workers,
            onStep: (p) => o.onAdaptStep?.(label, t.label, p),
          });
          stored = { key, curve: curve.map(storedPoint) };
          writeFileAtomic(path, JSON.stringify(stored) + '\n');
        }
        const arch = v.run.policy.arch;
        for (const p of stored.curve) {
          curves.push({ method: label, testSet: t.label, step: p.step, makespanMs: p.makespanMs });
          p.plans?.forEach((plan, d) =>
            plans.push(planLine(t, method.key, arch, p.step, 'argmax', files[d], plan, p.makespans![d])),
          );
          const best = p.bestOf;
          best?.plans.forEach((plan, d) =>
            plans.push(
              planLine(
                t,
                method.key,
                arch,
                p.step,
                `best-of-${best.samples}`,
                files[d],
                plan,
                best.makespans[d],
              ),
            ),
          );
        }
        const at = (step: number) => stored!.curve.find((p) => p.step === step);
        const prefix = method.key === 'mrlco' ? 'mrlco' : 'fineTuning';
        Object.assign(row, {
          [`${prefix}0Ms`]: at(0)?.makespanMs,
          [`${prefix}20Ms`]: at(settings.shortSteps)?.makespanMs,
          [`${prefix}100Ms`]: at(settings.adaptSteps)?.makespanMs,
          [`${prefix}100BestMs`]: at(settings.adaptSteps)?.bestOf?.makespanMs,
        });
        series.push({ name: label, points: stored.curve.map((p) => [p.step, p.makespanMs]) });
      }
      table.push(row);
    }
    const flat = (name: string, y: number | undefined, style: 'dashed' | 'dotted'): LineSeries[] =>
      y === undefined
        ? []
        : [
            {
              name,
              points: [
                [0, y],
                [settings.adaptSteps, y],
              ],
              style,
            },
          ];
    writeSvgAndPng(
      join(o.outDir, `fig-${slug}`),
      renderLineChartSvg({
        title: `${t.label}: average latency vs update steps`,
        xLabel: 'number of update steps',
        yLabel: 'average latency (ms)',
        series: [
          ...series,
          ...flat('HEFT-based', baseRow.heftMs, 'dashed'),
          ...flat('HEFT-rollout', baseRow.heftRolloutMs, 'dashed'),
          ...flat('Greedy', baseRow.greedyMs, 'dashed'),
          ...flat(
            partlyProven(baseRow.optimalProven) ? 'Optimal: best found (not proven)' : 'Optimal',
            baseRow.optimalMs,
            'dotted',
          ),
        ],
      }),
    );
  }

  writeFileAtomic(join(o.outDir, 'curves.csv'), renderCurvesCsv(curves));
  writeFileAtomic(join(o.outDir, 'plans.jsonl'), plans.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const { shortSteps: s, adaptSteps: a, samples: k } = settings;
  const columns: Table3Column[] = [
    { header: 'Optimal', key: 'optimalMs' },
    { header: 'HEFT-based', key: 'heftMs' },
    { header: 'HEFT-rollout', key: 'heftRolloutMs' },
    { header: 'HEFT-rollout:2', key: 'heftRollout2Ms' },
    { header: 'Greedy', key: 'greedyMs' },
    { header: 'Fine-tuning DRL (0 steps)', key: 'fineTuning0Ms' },
    { header: `Fine-tuning DRL (${s} steps)`, key: 'fineTuning20Ms' },
    { header: `Fine-tuning DRL (${a} steps)`, key: 'fineTuning100Ms' },
    { header: 'MRLCO (0 steps)', key: 'mrlco0Ms' },
    { header: `MRLCO (${s} steps)`, key: 'mrlco20Ms' },
    { header: `MRLCO (${a} steps)`, key: 'mrlco100Ms' },
    { header: `MRLCO (${a} steps, best of ${k + 1})`, key: 'mrlco100BestMs' },
  ];
  writeFileAtomic(
    join(o.outDir, 'table3.md'),
    renderTable3Markdown(table, {
      title: `${preset.name}: ${preset.description}; policy ${describePolicy(run.policy)} (learned entries: argmax decoding unless said; "best of ${k + 1}": the argmax plan and ${k} sampled ones, the best by the latency model)`,
      paper: preset.paper,
      columns,
    }),
  );
  writeFileAtomic(
    join(o.outDir, 'summary.json'),
    JSON.stringify({ preset: o.preset, settings: recorded, table }, null, 1) + '\n',
  );
  return { table, curves, plans };
}

export function describePolicy(p: PolicyConfig): string {
  const lookahead =
    p.arch === 'paper' ? '' : `, lookahead ${p.lookahead}${p.priorGain > 0 ? ` (prior ${p.priorGain})` : ''}`;
  return `${p.arch}, hidden ${p.hidden} × ${p.layers}${lookahead}`;
}

function slugOf(label: string): string {
  return label
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

function storedPoint(p: AdaptPoint): StoredAdaptation['curve'][number] {
  return {
    step: p.step,
    makespanMs: p.makespanMs,
    ...(p.plans ? { plans: p.plans.map((x) => x.join('')), makespans: p.makespans } : {}),
    ...(p.bestOf
      ? {
          bestOf: {
            samples: p.bestOf.samples,
            makespanMs: p.bestOf.makespanMs,
            plans: p.bestOf.plans.map((x) => x.join('')),
            makespans: p.bestOf.makespans,
          },
        }
      : {}),
  };
}

function planLine(
  t: LoadedPresetTask,
  method: string,
  arch: string | null,
  step: number | null,
  decoding: string | null,
  file: string,
  plan: string,
  makespanMs: number,
): PlanLine {
  const order = method === 'greedy' ? 'id' : 'rank';
  return { set: t.set, rateMbps: t.rateMbps, method, arch, step, decoding, file, plan, order, makespanMs };
}

/** HEFT, the rollouts, Greedy and the optimum of a test set, with their plans; cached with their settings. */
function references(
  t: LoadedPresetTask,
  settings: ExperimentSettings,
  path: string,
  stage: (m: string) => void,
): StoredReferences {
  const key = JSON.stringify({
    optimalTimeLimitMs: settings.optimalTimeLimitMs,
    maxDags: settings.maxDags ?? null,
  });
  const cached = readStored<StoredReferences>(path, key);
  if (cached) return cached;
  const withOptimal = settings.optimalTimeLimitMs > 0;
  stage(
    `${t.label}: HEFT, HEFT-rollout, Greedy${withOptimal ? ` and the optimum (time limit ${settings.optimalTimeLimitMs / 1000} s per DAG)` : ''}`,
  );
  const r = runBaselines(
    t.dataset,
    withOptimal ? [...REFERENCE_SCHEDULERS, optimal] : REFERENCE_SCHEDULERS,
    t.system,
    { profile: t.profile },
    { timeLimitMs: settings.optimalTimeLimitMs },
  );
  const schedulers: StoredReferences['schedulers'] = {};
  for (const s of r.summaries)
    schedulers[s.scheduler] = {
      makespans: r.makespans[s.scheduler],
      plans: r.plans[s.scheduler],
      ...(s.proven !== undefined ? { proven: s.proven } : {}),
    };
  const stored = { key, schedulers };
  writeFileAtomic(path, JSON.stringify(stored) + '\n');
  return stored;
}

/** A cached stage, or undefined when there is none; one made with other settings is refused. */
function readStored<T extends { key: string }>(path: string, key: string): T | undefined {
  if (!existsSync(path)) return undefined;
  let stored: T;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    throw InputError.inFile(path, 'unreadable cached stage (delete it to recompute it)');
  }
  if (stored.key !== key)
    throw InputError.inFile(
      path,
      `was computed with other settings (${differingKeys(parseKey(stored.key), JSON.parse(key))}); use another --out or delete the folder`,
    );
  return stored;
}

function parseKey(key: unknown): unknown {
  try {
    return typeof key === 'string' ? JSON.parse(key) : key;
  } catch {
    return key;
  }
}

/** The settings of a folder: written once, and a rerun with others is refused naming each difference. */
function checkOrWriteSettings(path: string, settings: unknown): void {
  const fresh = JSON.parse(JSON.stringify(settings)) as unknown;
  if (existsSync(path)) {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw InputError.inFile(path, 'unreadable settings of an earlier run');
    }
    const diff = differingKeys(stored, fresh);
    if (diff !== '')
      throw InputError.inFile(
        path,
        `this folder holds a run with other settings: ${diff}; use another --out`,
      );
    return;
  }
  writeFileAtomic(path, JSON.stringify(fresh, null, 1) + '\n');
}
