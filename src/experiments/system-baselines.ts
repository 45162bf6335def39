/**
 * Each scheduler over a dataset on a system of several places, judged by one objective: its mean
 * objective, makespan and device energy, its gap to the optimum, where it put the tasks, and its time.
 */
import type { Dataset } from '../dag/io.js';
import { objectiveGap, type Objective } from '../mec/places/objective.js';
import {
  createPlacementProblem,
  placeShares,
  scorePlan,
  type PlacementProblem,
  type PlanScore,
} from '../mec/places/problem.js';
import type { SystemSpec } from '../mec/places/system-spec.js';
import type { SimProfile } from '../mec/profiles.js';
import type { RankWeight } from '../mec/rank.js';
import type { PlacementScheduler } from '../schedulers/places/heuristics.js';
import { mean } from './baselines.js';
import type { PlaceWorld } from '../world/place-world.js';

export interface PlacementSummary {
  scheduler: string;
  dags: number;
  meanObjective: number;
  meanMakespanMs: number;
  meanEnergyJ: number;
  /** Mean over DAGs of the objective's gap to the optimum (objectiveGap), when Optimal ran. */
  meanGapToOptimum?: number;
  /** The share of the tasks at each place (the device first). */
  placeShares: number[];
  wallMs: number;
  meanModelSteps?: number;
  meanNodes?: number;
  proven?: number;
  /** With traced links: the plans (made on the model) as they happen, means over DAGs and realisations. */
  realised?: { episodes: number; meanObjective: number; meanMakespanMs: number; meanEnergyJ: number };
}

export interface PlacementReport {
  summaries: PlacementSummary[];
  /** scores[scheduler][d] and plans[scheduler][d] (one place digit per task, task-index order). */
  scores: Record<string, PlanScore[]>;
  plans: Record<string, number[][]>;
  objective: Objective;
}

export interface PlacementModel {
  profile: SimProfile;
  objective: Objective;
  rankWeight?: RankWeight;
}

export interface PlacementBaselineOptions {
  /** Servers whose links replay traces: every plan is also scored in `episodes` realisations. */
  world?: { world: PlaceWorld; episodes: number };
  seed?: number;
  timeLimitMs?: number;
  onProgress?: (scheduler: string, done: number, total: number) => void;
  onSummary?: (summary: PlacementSummary) => void;
}

export function placementProblems(
  dataset: Dataset,
  spec: SystemSpec,
  model: PlacementModel,
): PlacementProblem[] {
  return dataset.dags.map((dag) => createPlacementProblem(dag, spec, model));
}

export function runPlacementBaselines(
  problems: readonly PlacementProblem[],
  schedulers: readonly PlacementScheduler[],
  objective: Objective,
  options: PlacementBaselineOptions = {},
): PlacementReport {
  const report: PlacementReport = { summaries: [], scores: {}, plans: {}, objective };
  for (const scheduler of schedulers) {
    const started = performance.now();
    const scores: PlanScore[] = [];
    const plans: number[][] = [];
    let steps = 0;
    let nodes = 0;
    let proven = 0;
    const orders: (readonly number[])[] = [];
    problems.forEach((problem, d) => {
      const r = scheduler.schedule(problem, {
        seed: (options.seed ?? 0) * 1_000_003 + d,
        ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
      });
      scores.push({ makespanMs: r.makespanMs, energyMj: r.energyMj, objective: r.objective });
      plans.push(Array.from(r.plan));
      orders.push(r.order);
      steps += Number(r.stats?.modelSteps ?? 0);
      nodes += Number(r.stats?.nodes ?? 0);
      if (r.stats?.proven === true) proven++;
      options.onProgress?.(scheduler.name, d + 1, problems.length);
    });
    const summary = addRow(report, problems, scheduler.name, scores, plans, performance.now() - started);
    if (options.world) addRealised(summary, problems, plans, options.world, options.seed ?? 0, orders);
    if (steps > 0) summary.meanModelSteps = steps / problems.length;
    if (scheduler.name === 'optimal') Object.assign(summary, { meanNodes: nodes / problems.length, proven });
    options.onSummary?.(summary);
  }
  return report;
}

/** Scores each DAG's plan in the world's realisations (the same ones for every row). */
export function addRealised(
  summary: PlacementSummary,
  problems: readonly PlacementProblem[],
  plans: readonly ArrayLike<number>[],
  w: { world: PlaceWorld; episodes: number },
  seed: number,
  orders?: readonly (readonly number[])[],
): void {
  const all = problems.flatMap((p, d) =>
    w.world.scoreIn(p, plans[d], orders?.[d] ?? p.order, seed, d, w.episodes),
  );
  summary.realised = {
    episodes: w.episodes,
    meanObjective: mean(all.map((x) => x.objective)),
    meanMakespanMs: mean(all.map((x) => x.makespanMs)),
    meanEnergyJ: mean(all.map((x) => x.energyMj)) / 1000,
  };
}

/** Adds the plans of a method that is not a scheduler (a policy's), scored on the same problems. */
export function addPlacementPlansRow(
  report: PlacementReport,
  problems: readonly PlacementProblem[],
  name: string,
  plans: ArrayLike<number>[],
  wallMs: number,
): PlacementSummary {
  const scores = problems.map((p, d) => scorePlan(p, plans[d]));
  return addRow(
    report,
    problems,
    name,
    scores,
    plans.map((p) => Array.from(p)),
    wallMs,
  );
}

function addRow(
  report: PlacementReport,
  problems: readonly PlacementProblem[],
  name: string,
  scores: PlanScore[],
  plans: number[][],
  wallMs: number,
): PlacementSummary {
  report.scores[name] = scores;
  report.plans[name] = plans;
  const places = problems[0]?.places.length ?? 1;
  const shares = new Array<number>(places).fill(0);
  problems.forEach((p, d) => placeShares(p, plans[d]).forEach((s, k) => (shares[k] += s / problems.length)));
  const summary: PlacementSummary = {
    scheduler: name,
    dags: scores.length,
    meanObjective: mean(scores.map((s) => s.objective)),
    meanMakespanMs: mean(scores.map((s) => s.makespanMs)),
    meanEnergyJ: mean(scores.map((s) => s.energyMj)) / 1000,
    placeShares: shares,
    wallMs,
  };
  report.summaries.push(summary);
  fillGaps(report);
  return summary;
}

function fillGaps(report: PlacementReport): void {
  const optimum = report.scores.optimal;
  if (!optimum) return;
  for (const s of report.summaries)
    s.meanGapToOptimum = mean(
      report.scores[s.scheduler].map((x, d) =>
        objectiveGap(report.objective, x.objective, optimum[d].objective),
      ),
    );
}
