/**
 * The fine-tuning DRL baseline end to end: datasets → learning tasks → PPO training (with the
 * heuristics of the same data as reference lines), and adaptation of a trained policy to a new task
 * next to HEFT, Greedy and the exact optimum.
 */
import { join } from 'node:path';
import type { Dataset } from '../dag/io.js';
import type { SimProfile } from '../mec/simulator.js';
import type { SystemParams } from '../mec/system.js';
import { defaultRankWeight, type ModelOptions } from '../mec/problem.js';
import type { RankWeight } from '../mec/rank.js';
import type { Backend } from '../nn/backend.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { adaptPolicy, type AdaptPoint } from '../rl/adapt.js';
import type { PpoConfig, RunConfig } from '../rl/config.js';
import { compileTask, type CompiledTask, type LearningTask, type WorldTask } from '../rl/learning-task.js';
import { trainPpo, type IterationMetrics, type TrainResult } from '../rl/trainer.js';
import { greedy, heft } from '../schedulers/earliest-finish.js';
import { heftRollout } from '../schedulers/heft-rollout.js';
import { optimal } from '../schedulers/optimal.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { runBaselines } from './baselines.js';

export interface TaskSpec {
  dataset: Dataset;
  system: SystemParams;
  profile: SimProfile;
  /** The scheduling order's rank weight (default: the profile's). */
  rankWeight?: RankWeight;
  /** A world the episodes run in, decided online (docs/world.md). */
  world?: WorldTask;
}

/** The latency model options of a spec (createProblem's). */
export function modelOf(spec: TaskSpec): ModelOptions {
  return { profile: spec.profile, ...(spec.rankWeight ? { rankWeight: spec.rankWeight } : {}) };
}

/** A dataset with its system and profile as a learning task (named after the dataset). */
export function learningTaskOf(spec: TaskSpec): LearningTask {
  return {
    name: spec.dataset.name,
    dags: spec.dataset.dags,
    system: spec.system,
    profile: spec.profile,
    ...(spec.rankWeight ? { rankWeight: spec.rankWeight } : {}),
    ...(spec.world ? { world: spec.world } : {}),
  };
}

export function compileTasks(specs: readonly TaskSpec[], neighbours: number): CompiledTask[] {
  return specs.map((s) => compileTask(learningTaskOf(s), neighbours));
}

/** Mean HEFT, HEFT-rollout and Greedy makespans over all DAGs of the tasks (the reference lines of training). */
export function heuristicReferences(specs: readonly TaskSpec[]): {
  heftMs: number;
  heftRolloutMs: number;
  greedyMs: number;
} {
  const schedulers = [heft, heftRollout(1), greedy];
  const sums = [0, 0, 0];
  let count = 0;
  for (const s of specs) {
    const r = runBaselines(s.dataset, schedulers, s.system, modelOf(s));
    schedulers.forEach((sc, k) => (sums[k] += r.makespans[sc.name].reduce((a, b) => a + b, 0)));
    count += s.dataset.dags.length;
  }
  return { heftMs: sums[0] / count, heftRolloutMs: sums[1] / count, greedyMs: sums[2] / count };
}

export interface DrlTrainOptions {
  be: Backend;
  config: RunConfig;
  specs: readonly TaskSpec[];
  outDir?: string;
  resume?: boolean;
  /** Worker threads for the episodes (0: none). */
  workers?: number;
  onIteration?: (m: IterationMetrics) => void;
  /** Asked after each iteration: true stops the run there (see TrainOptions.shouldStop). */
  shouldStop?: () => boolean;
}

export function trainDrl(o: DrlTrainOptions): Promise<TrainResult> {
  const tasks = compileTasks(o.specs, o.config.policy.neighbours);
  return trainPpo({
    be: o.be,
    config: o.config,
    tasks,
    workers: o.workers ?? 0,
    ...(o.outDir ? { outDir: o.outDir } : {}),
    ...(o.resume ? { resume: true } : {}),
    ...(o.onIteration ? { onIteration: o.onIteration } : {}),
    ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
    description: {
      // Every setting that decides the run, the rank weight too when it is the profile's default.
      datasets: o.specs.map((s) => ({
        dir: s.dataset.dir,
        profile: s.profile,
        system: s.system,
        rankWeight: s.rankWeight ?? defaultRankWeight(s.profile),
        ...(s.world ? { world: s.world } : {}),
      })),
    },
  });
}

export interface AdaptReferences {
  heftMs: number;
  heftRolloutMs: number;
  greedyMs: number;
  optimalMs?: number;
  optimalProven?: number;
}

export function adaptReferences(spec: TaskSpec, optimalTimeLimitMs: number | undefined): AdaptReferences {
  const base = [heft, heftRollout(1), greedy];
  const schedulers = optimalTimeLimitMs === 0 ? base : [...base, optimal];
  const r = runBaselines(
    spec.dataset,
    schedulers,
    spec.system,
    modelOf(spec),
    optimalTimeLimitMs ? { timeLimitMs: optimalTimeLimitMs } : {},
  );
  const by = Object.fromEntries(r.summaries.map((s) => [s.scheduler, s]));
  return {
    heftMs: by.heft.meanMakespanMs,
    heftRolloutMs: by['heft-rollout'].meanMakespanMs,
    greedyMs: by.greedy.meanMakespanMs,
    ...(by.optimal ? { optimalMs: by.optimal.meanMakespanMs, optimalProven: by.optimal.proven } : {}),
  };
}

export interface DrlAdaptOptions {
  be: Backend;
  from: OffloadingPolicy;
  spec: TaskSpec;
  ppo: PpoConfig;
  steps: number;
  seed: number;
  references: AdaptReferences;
  /** Worker threads for the episodes (0: none). */
  workers?: number;
  outDir?: string;
  onStep?: (p: AdaptPoint, policy: OffloadingPolicy) => void;
}

export function adaptDrl(o: DrlAdaptOptions): { curve: AdaptPoint[]; policy: OffloadingPolicy } {
  const [task] = compileTasks([o.spec], o.from.config.neighbours);
  const result = adaptPolicy({
    be: o.be,
    from: o.from,
    task,
    ppo: o.ppo,
    steps: o.steps,
    seed: o.seed,
    workers: o.workers ?? 0,
    ...(o.onStep ? { onStep: o.onStep } : {}),
  });
  if (o.outDir) writeFileAtomic(join(o.outDir, 'adapt.csv'), adaptCsv(result.curve, o.references));
  return result;
}

export function adaptCsv(curve: readonly AdaptPoint[], refs: AdaptReferences): string {
  const header = 'step,makespan_ms,heft_ms,heft_rollout_ms,greedy_ms,optimal_ms,wall_s';
  const rows = curve.map((p) =>
    [
      p.step,
      p.makespanMs.toFixed(4),
      refs.heftMs.toFixed(4),
      refs.heftRolloutMs.toFixed(4),
      refs.greedyMs.toFixed(4),
      refs.optimalMs?.toFixed(4) ?? '',
      p.wallS.toFixed(3),
    ].join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}
