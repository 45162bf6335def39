/**
 * Sec. 5.3 end to end for one preset: MRLCO meta-training and the fine-tuning DRL pre-training on the
 * same training tasks, then, on every test set, adaptation of both for up to `adaptSteps` update steps
 * next to HEFT, Greedy and the exact optimum. Writes curves.csv, one figure per test set (SVG and PNG,
 * like Figs. 6-8), table3.md (like Table 3, with gaps to the proven optimum) and summary.json. Every
 * stage keeps its results in the output folder, so a stopped experiment resumes where it was.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../nn/backend.js';
import { metaTrain, type MetaIterationMetrics } from '../meta/meta-trainer.js';
import { adaptPolicy, type AdaptPoint } from '../rl/adapt.js';
import { DEFAULT_RUN, mergeRunConfig, type RunConfig } from '../rl/config.js';
import { compileTask } from '../rl/learning-task.js';
import { trainPpo, type IterationMetrics } from '../rl/trainer.js';
import { renderLineChartSvg } from '../report/line-chart.js';
import { writeSvgAndPng } from '../report/png.js';
import { renderCurvesCsv, renderTable3Markdown, type Table3Row } from '../report/table3.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { adaptReferences, compileTasks, learningTaskOf, type AdaptReferences } from './drl.js';
import { loadPresetTasks, PRESETS, type PresetName } from './presets.js';

export interface ExperimentSettings {
  /** Policy, inner-loop PPO, meta-batch and the meta-training iterations. */
  run: RunConfig;
  drlIterations: number;
  adaptSteps: number;
  /** The "20 steps" column of Table 3. */
  shortSteps: number;
  maxDags?: number;
  testLimit?: number;
  optimalTimeLimitMs: number;
}

export function experimentSettings(
  name: PresetName,
  quick: boolean,
  patch: Record<string, unknown> = {},
): ExperimentSettings {
  const preset = PRESETS[name];
  if (quick) {
    const run = mergeRunConfig(
      DEFAULT_RUN,
      {
        iterations: 2,
        evalEvery: 1,
        policy: { hidden: 16, attention: 'luong' },
        ppo: { trajectoriesPerDag: 4, dagsPerBatch: 8 },
        meta: { metaBatch: 2 },
        ...patch,
      },
      '--quick',
    );
    return {
      run,
      drlIterations: run.iterations,
      adaptSteps: 2,
      shortSteps: 1,
      maxDags: 8,
      testLimit: 1,
      optimalTimeLimitMs: 2000,
    };
  }
  const run = mergeRunConfig(
    DEFAULT_RUN,
    { evalEvery: 5, meta: { metaBatch: preset.metaBatch }, ...patch },
    'experiment',
  );
  return { run, drlIterations: run.iterations, adaptSteps: 100, shortSteps: 20, optimalTimeLimitMs: 30_000 };
}

export interface ExperimentOptions {
  be: Backend;
  preset: PresetName;
  settings: ExperimentSettings;
  dataRoot: string;
  outDir: string;
  workers: number;
  onStage?: (message: string) => void;
  onMetaIteration?: (m: MetaIterationMetrics) => void;
  onDrlIteration?: (m: IterationMetrics) => void;
  onAdaptStep?: (method: string, testSet: string, p: AdaptPoint) => void;
}

interface CurveRow {
  method: string;
  testSet: string;
  step: number;
  makespanMs: number;
}

const METHODS = ['MRLCO', 'Fine-tuning DRL'] as const;

export async function runExperiment(
  o: ExperimentOptions,
): Promise<{ table: Table3Row[]; curves: CurveRow[] }> {
  const preset = PRESETS[o.preset];
  const { settings } = o;
  const stage = (m: string) => o.onStage?.(m);
  mkdirSync(o.outDir, { recursive: true });
  writeFileAtomic(
    join(o.outDir, 'settings.json'),
    JSON.stringify({ preset: o.preset, dataRoot: o.dataRoot, ...settings }, null, 1) + '\n',
  );

  const train = loadPresetTasks(preset.train, o.dataRoot, settings.maxDags);
  const test = loadPresetTasks(
    settings.testLimit ? preset.test.slice(0, settings.testLimit) : preset.test,
    o.dataRoot,
    settings.maxDags,
  );
  const { run } = settings;

  // 1. MRLCO meta-training.
  stage(
    `meta-training MRLCO on ${train.length} training tasks (meta-batch ${run.meta.metaBatch}, ${run.iterations} iterations)`,
  );
  const metaDir = join(o.outDir, 'meta');
  const meta = await metaTrain({
    be: o.be,
    config: run,
    trainTasks: train.map(learningTaskOf),
    testTasks: test.map(learningTaskOf),
    workers: o.workers,
    outDir: metaDir,
    resume: true,
    ...(o.onMetaIteration ? { onIteration: o.onMetaIteration } : {}),
  });

  // 2. The fine-tuning DRL baseline: one policy by PPO on all training tasks, the same samples per iteration.
  stage(`pre-training the fine-tuning DRL baseline on the same tasks (${settings.drlIterations} iterations)`);
  const drlConfig = mergeRunConfig(
    run,
    {
      iterations: settings.drlIterations,
      ppo: { dagsPerBatch: run.ppo.dagsPerBatch * run.meta.metaBatch, minibatches: run.meta.metaBatch },
    },
    'experiment',
  );
  const drl = trainPpo({
    be: o.be,
    config: drlConfig,
    tasks: compileTasks(train, run.policy.neighbours),
    outDir: join(o.outDir, 'drl'),
    resume: true,
    ...(o.onDrlIteration ? { onIteration: o.onDrlIteration } : {}),
  });

  // 3. Adaptation on every test set, next to the heuristics and the optimum.
  const curves: CurveRow[] = [];
  const table: Table3Row[] = [];
  const adaptDir = join(o.outDir, 'adapt');
  mkdirSync(adaptDir, { recursive: true });
  for (const t of test) {
    const slug = t.label
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase();
    const refPath = join(adaptDir, `${slug}-references.json`);
    let refs: AdaptReferences;
    if (existsSync(refPath)) refs = JSON.parse(readFileSync(refPath, 'utf8')) as AdaptReferences;
    else {
      stage(
        `${t.label}: HEFT, Greedy and the optimum (time limit ${settings.optimalTimeLimitMs / 1000} s per DAG)`,
      );
      refs = adaptReferences(t, settings.optimalTimeLimitMs);
      writeFileAtomic(refPath, JSON.stringify(refs, null, 1) + '\n');
    }
    const task = compileTask(learningTaskOf(t), run.policy.neighbours);
    const byMethod: Record<string, AdaptPoint[]> = {};
    for (const method of METHODS) {
      const curvePath = join(adaptDir, `${slug}-${method === 'MRLCO' ? 'mrlco' : 'fine-tuning'}.json`);
      if (existsSync(curvePath)) {
        byMethod[method] = JSON.parse(readFileSync(curvePath, 'utf8')) as AdaptPoint[];
        continue;
      }
      stage(`${t.label}: adapting ${method} for ${settings.adaptSteps} update steps`);
      const from = method === 'MRLCO' ? meta.policy : drl.policy;
      const { curve } = adaptPolicy({
        be: o.be,
        from,
        task,
        ppo: run.ppo,
        steps: settings.adaptSteps,
        seed: run.seed,
        onStep: (p) => o.onAdaptStep?.(method, t.label, p),
      });
      byMethod[method] = curve.map(({ stats: _stats, ...p }) => p);
      writeFileAtomic(curvePath, JSON.stringify(byMethod[method]) + '\n');
    }
    for (const method of METHODS)
      for (const p of byMethod[method])
        curves.push({ method, testSet: t.label, step: p.step, makespanMs: p.makespanMs });
    const at = (method: string, step: number) => byMethod[method].find((p) => p.step === step)?.makespanMs;
    table.push({
      testSet: t.label,
      heftMs: refs.heftMs,
      greedyMs: refs.greedyMs,
      ...(refs.optimalMs !== undefined
        ? { optimalMs: refs.optimalMs, optimalProven: `${refs.optimalProven}/${t.dataset.dags.length}` }
        : {}),
      ...optional('fineTuning20Ms', at('Fine-tuning DRL', settings.shortSteps)),
      ...optional('fineTuning100Ms', at('Fine-tuning DRL', settings.adaptSteps)),
      ...optional('mrlco20Ms', at('MRLCO', settings.shortSteps)),
      ...optional('mrlco100Ms', at('MRLCO', settings.adaptSteps)),
    });
    const last = settings.adaptSteps;
    const flat = (name: string, y: number | undefined, style: 'dashed' | 'dotted') =>
      y === undefined
        ? []
        : [
            {
              name,
              points: [
                [0, y],
                [last, y],
              ] as [number, number][],
              style,
            },
          ];
    const svg = renderLineChartSvg({
      title: `${t.label}: average latency vs update steps`,
      xLabel: 'number of update steps',
      yLabel: 'average latency (ms)',
      series: [
        ...METHODS.map((m) => ({
          name: m,
          points: byMethod[m].map((p) => [p.step, p.makespanMs] as [number, number]),
        })),
        ...flat('HEFT-based', refs.heftMs, 'dashed'),
        ...flat('Greedy', refs.greedyMs, 'dashed'),
        ...flat('Optimal', refs.optimalMs, 'dotted'),
      ],
    });
    writeSvgAndPng(join(o.outDir, `fig-${slug}`), svg);
  }

  writeFileAtomic(join(o.outDir, 'curves.csv'), renderCurvesCsv(curves));
  const stepsNote = `(columns "20 steps" and "100 steps" are after ${settings.shortSteps} and ${settings.adaptSteps} update steps)`;
  writeFileAtomic(
    join(o.outDir, 'table3.md'),
    renderTable3Markdown(table, {
      title: `${preset.name}: ${preset.description} ${stepsNote}`,
      paper: preset.paper,
    }),
  );
  writeFileAtomic(
    join(o.outDir, 'summary.json'),
    JSON.stringify(
      { preset: o.preset, table, metaIterations: meta.metrics.length, drlIterations: drl.metrics.length },
      null,
      1,
    ) + '\n',
  );
  return { table, curves };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
