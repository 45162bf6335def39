/**
 * Deciders in a world: each one plays every DAG of a dataset in the same K realisations (common random
 * numbers), and is summarised by its mean measured makespan, its spread, its gap to the clairvoyant
 * optimum of each realisation and its decision time. The clairvoyant runs first, so that each later row
 * can be shown with its gap as soon as it is ready.
 */
import type { Dataset } from '../dag/io.js';
import { createProblem, type ModelOptions, type OffloadingProblem } from '../mec/problem.js';
import type { Decider } from '../world/deciders.js';
import { OnlineEpisode } from '../world/online.js';
import type { World, WorldInstance } from '../world/world.js';

export interface WorldBaselineOptions {
  /** Realisations per DAG. */
  episodes: number;
  /** The index of the first realisation (default 0; learned policies are scored from 3072 up). */
  firstRealisation?: number;
  seed: number;
  /** The clairvoyant's time limit per realisation, ms. */
  timeLimitMs: number;
  onProgress?: (decider: string, done: number, total: number) => void;
  onSummary?: (summary: DeciderSummary) => void;
}

export interface DeciderSummary {
  decider: string;
  kind: string;
  episodes: number;
  meanMakespanMs: number;
  stdMakespanMs: number;
  p10Ms: number;
  p90Ms: number;
  /** Mean over episodes of makespan / clairvoyant − 1 (when the clairvoyant ran). */
  meanGapToClairvoyant?: number;
  /** Time in the decider (its plan, or its online decisions) per task, µs. */
  decisionUsPerTask: number;
  wallMs: number;
  /** The clairvoyant: realisations whose optimum was proven within the time limit. */
  proven?: number;
}

/** One episode of one decider: what reproduces its makespan (`evaluate --world`). */
export interface DecisionRecord {
  decider: string;
  dag: number;
  file: string;
  realisation: number;
  offsetMs: number;
  /** Task-index order, 1 = offloaded. */
  plan: string;
  makespanMs: number;
}

export interface WorldReport {
  summaries: DeciderSummary[];
  /** makespans[decider][d · episodes + r]. */
  makespans: Record<string, Float64Array>;
  records: DecisionRecord[];
}

/** The belief's problems (nominal system, the world's order) and their world instances, per DAG. */
export function worldInstances(
  dataset: Dataset,
  world: World,
  model: ModelOptions,
  seed: number,
): { problems: OffloadingProblem[]; instances: WorldInstance[] } {
  const problems = dataset.dags.map((dag) => createProblem(dag, world.nominal, model));
  const instances = problems.map((p, d) => world.instance(p, d, seed));
  return { problems, instances };
}

export function runWorldBaselines(
  dataset: Dataset,
  deciders: readonly Decider[],
  world: World,
  model: ModelOptions,
  options: WorldBaselineOptions,
): WorldReport {
  const { instances } = worldInstances(dataset, world, model, options.seed);
  const episodes = options.episodes;
  const total = instances.length * episodes;
  const makespans: Record<string, Float64Array> = {};
  const summaries: DeciderSummary[] = [];
  const records: DecisionRecord[] = [];
  const runOrder = [...deciders].sort(
    (a, b) => Number(b.name === 'clairvoyant') - Number(a.name === 'clairvoyant'),
  );
  for (const decider of runOrder) {
    const values = new Float64Array(total);
    let decideMs = 0;
    let tasks = 0;
    let proven = 0;
    const started = performance.now();
    instances.forEach((instance, d) => {
      const episode = new OnlineEpisode(instance);
      for (let e = 0; e < episodes; e++) {
        const r = (options.firstRealisation ?? 0) + e;
        const info = instance.realise(r);
        const t0 = performance.now();
        decider.start({ instance, realisation: r, timeLimitMs: options.timeLimitMs });
        let inDecider = performance.now() - t0;
        episode.reset();
        while (!episode.done) {
          const t1 = performance.now();
          const action = decider.decide(episode);
          inDecider += performance.now() - t1;
          episode.decide(action);
        }
        decider.finish?.({ instance, realisation: r, timeLimitMs: options.timeLimitMs }, episode);
        decideMs += inDecider;
        tasks += episode.n;
        values[d * episodes + e] = episode.makespan;
        if (decider.stats?.proven === true) proven++;
        records.push({
          decider: decider.name,
          dag: d,
          file: instance.problem.dag.name,
          realisation: r,
          offsetMs: info.offsetMs,
          plan: planText(instance.problem, episode.actions),
          makespanMs: episode.makespan,
        });
        options.onProgress?.(decider.name, d * episodes + e + 1, total);
      }
    });
    makespans[decider.name] = values;
    const summary = summarise(decider, values, performance.now() - started, (decideMs * 1e3) / tasks);
    if (decider.name === 'clairvoyant') summary.proven = proven;
    const clairvoyant = makespans.clairvoyant;
    if (clairvoyant) summary.meanGapToClairvoyant = meanGap(values, clairvoyant);
    summaries.push(summary);
    options.onSummary?.(summary);
  }
  return { summaries, makespans, records };
}

/** Actions by position → the plan in task-index order. */
function planText(problem: OffloadingProblem, actions: Uint8Array): string {
  const plan = new Uint8Array(actions.length);
  problem.order.forEach((task, k) => (plan[task] = actions[k]));
  return plan.join('');
}

function summarise(
  decider: Decider,
  values: Float64Array,
  wallMs: number,
  usPerTask: number,
): DeciderSummary {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1);
  const sorted = Float64Array.from(values).sort();
  return {
    decider: decider.name,
    kind: decider.kind,
    episodes: n,
    meanMakespanMs: mean,
    stdMakespanMs: Math.sqrt(variance),
    p10Ms: sorted[Math.floor(0.1 * (n - 1))],
    p90Ms: sorted[Math.ceil(0.9 * (n - 1))],
    decisionUsPerTask: usPerTask,
    wallMs,
  };
}

function meanGap(values: Float64Array, reference: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += values[k] / reference[k] - 1;
  return sum / values.length;
}
