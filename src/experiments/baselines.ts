/**
 * Mean makespan of each scheduler over a dataset: the heuristic columns of the paper's Table 3.
 */
import type { Dataset } from '../dag/io.js';
import { createProblem, type ModelOptions } from '../mec/problem.js';
import type { SystemParams } from '../mec/system.js';
import type { Scheduler } from '../schedulers/scheduler.js';

export interface BaselineSummary {
  scheduler: string;
  dags: number;
  meanMakespanMs: number;
  /** Mean over DAGs of (makespan / optimum − 1), when Optimal ran too. */
  meanGapToOptimum?: number;
  wallMs: number;
  /** Mean latency-model steps per DAG (the heuristics' cost), where the scheduler reports them. */
  meanModelSteps?: number;
  /** Optimal only. */
  meanNodes?: number;
  maxNodes?: number;
  proven?: number;
  unproven?: number;
}

export interface BaselineOptions {
  seed?: number;
  /** Optimal: time limit per DAG in ms. */
  timeLimitMs?: number;
  /**
   * Progress displays: called after each (scheduler, DAG) pair with the DAGs done, and during a DAG
   * with a fraction (3.5: three DAGs and half of the fourth) by schedulers that report it (rollouts).
   */
  onProgress?: (scheduler: string, done: number, total: number) => void;
  /** Called as each scheduler finishes, with its summary and per-DAG makespans (to print rows as they come). */
  onSummary?: (summary: BaselineSummary, makespans: readonly number[]) => void;
}

export interface BaselineReport {
  summaries: BaselineSummary[];
  /** makespans[scheduler][d] for DAG d of the dataset. */
  makespans: Record<string, number[]>;
  /** plans[scheduler][d]: DAG d's plan, one digit per task in task-index order (1 = offload). */
  plans: Record<string, string[]>;
}

export function runBaselines(
  dataset: Dataset,
  schedulers: readonly Scheduler[],
  system: SystemParams,
  model: ModelOptions,
  options: BaselineOptions = {},
): BaselineReport {
  const problems = dataset.dags.map((dag) => createProblem(dag, system, model));
  const makespans: Record<string, number[]> = {};
  const plans: Record<string, string[]> = {};
  const summaries: BaselineSummary[] = [];
  for (const scheduler of schedulers) {
    const started = performance.now();
    const values: number[] = [];
    const planTexts: string[] = [];
    let modelSteps = 0;
    let nodes = 0;
    let maxNodes = 0;
    let proven = 0;
    problems.forEach((problem, d) => {
      // Each DAG gets its own seed so that results do not depend on which DAGs come before it.
      const onProgress = options.onProgress;
      const result = scheduler.schedule(problem, {
        seed: (options.seed ?? 0) * 1_000_003 + d,
        timeLimitMs: options.timeLimitMs,
        ...(onProgress
          ? { onProgress: (f: number) => onProgress(scheduler.name, d + f, problems.length) }
          : {}),
      });
      values.push(result.makespanMs);
      planTexts.push(result.plan.join(''));
      if (result.stats) {
        modelSteps += Number(result.stats.modelSteps ?? 0);
        const n = Number(result.stats.nodes ?? 0);
        nodes += n;
        maxNodes = Math.max(maxNodes, n);
        if (result.stats.proven === true) proven++;
      }
      options.onProgress?.(scheduler.name, d + 1, problems.length);
    });
    makespans[scheduler.name] = values;
    plans[scheduler.name] = planTexts;
    const summary: BaselineSummary = {
      scheduler: scheduler.name,
      dags: values.length,
      meanMakespanMs: mean(values),
      wallMs: performance.now() - started,
      ...(modelSteps > 0 ? { meanModelSteps: modelSteps / values.length } : {}),
    };
    if (scheduler.name === 'optimal') {
      Object.assign(summary, {
        meanNodes: nodes / values.length,
        maxNodes,
        proven,
        unproven: values.length - proven,
      });
    }
    summaries.push(summary);
    options.onSummary?.(summary, values);
  }
  const report = { summaries, makespans, plans };
  fillGaps(report);
  return report;
}

/** Each scheduler's mean gap to the optimum, when Optimal is in the report. */
function fillGaps(report: BaselineReport): void {
  const optimum = report.makespans.optimal;
  if (!optimum) return;
  for (const s of report.summaries)
    s.meanGapToOptimum = mean(report.makespans[s.scheduler].map((m, d) => m / optimum[d] - 1));
}

/** Adds the plans of a method that is not a Scheduler (a trained policy) to a report. */
export function addPlansRow(
  report: BaselineReport,
  name: string,
  makespans: number[],
  plans: string[],
  wallMs: number,
): void {
  report.makespans[name] = makespans;
  report.plans[name] = plans;
  report.summaries.push({ scheduler: name, dags: makespans.length, meanMakespanMs: mean(makespans), wallMs });
  fillGaps(report);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
