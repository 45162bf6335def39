/**
 * `mrlco schedule --online`: a policy decides each task while the DAG runs in a world (simulated), at
 * the online protocol's decision times; prints every decision (when, which task, where) and the realised
 * makespan, and with --json the decision log of each episode (DAG, world, seed, realisation, offset,
 * actions, makespan), which `mrlco evaluate --world` replays.
 */
import type { Dag } from '../../dag/dag.js';
import { createProblem, type ModelOptions } from '../../mec/problem.js';
import type { SystemParams } from '../../mec/system.js';
import type { Backend } from '../../nn/backend.js';
import type { OffloadingPolicy } from '../../policy/policy.js';
import { PolicyDecider } from '../../rl/policy-decider.js';
import { TRAINING_REALISATIONS } from '../../rl/sampler.js';
import { OnlineEpisode } from '../../world/online.js';
import type { WorldSpec } from '../../world/spec.js';
import { World } from '../../world/world.js';
import { fixed, formatTable } from '../table.js';

export interface OnlineScheduleRun {
  be: Backend;
  policy: OffloadingPolicy;
  dags: readonly Dag[];
  files: readonly string[];
  spec: WorldSpec;
  system: SystemParams;
  model: ModelOptions;
  seed: number;
  episodes: number;
  offsetMs?: number;
  json?: boolean;
}

export interface DecisionLog {
  file: string;
  dag: number;
  /** The latency model's profile (the world's rules of when a stage starts). */
  profile: string;
  world: WorldSpec;
  seed: number;
  realisation: number;
  offsetMs: number;
  /** One digit per task in task-id order (1 = offloaded). */
  plan: string;
  /** Per decision (rank order): the task id, the decision time (ms) and the action. */
  decisions: { task: string; atMs: number; action: number }[];
  makespanMs: number;
}

/** Realisations scored by `schedule --online` start above the training range (as evaluations do). */
export const ONLINE_SCHEDULE_FIRST_REALISATION = TRAINING_REALISATIONS;

export function scheduleOnline(run: OnlineScheduleRun): DecisionLog[] {
  const world = new World(run.spec, run.system);
  const decider = new PolicyDecider(run.be, run.policy);
  const logs: DecisionLog[] = [];
  run.dags.forEach((dag, d) => {
    const problem = createProblem(dag, world.nominal, run.model);
    const instance = world.instance(problem, d, run.seed);
    const episode = new OnlineEpisode(instance);
    for (let e = 0; e < run.episodes; e++) {
      const realisation = ONLINE_SCHEDULE_FIRST_REALISATION + e;
      const info = instance.realise(
        realisation,
        run.offsetMs === undefined ? {} : { offsetMs: run.offsetMs },
      );
      const ctx = { instance, realisation, timeLimitMs: 0 };
      decider.start(ctx);
      episode.reset();
      const decisions: DecisionLog['decisions'] = [];
      while (!episode.done) {
        const action = decider.decide(episode);
        decisions.push({ task: dag.tasks[episode.task].id, atMs: episode.now, action });
        episode.decide(action);
      }
      decider.finish(ctx, episode);
      const plan = new Uint8Array(problem.order.length);
      problem.order.forEach((task, k) => (plan[task] = episode.actions[k]));
      logs.push({
        file: run.files[d],
        dag: d,
        profile: run.model.profile,
        world: run.spec,
        seed: run.seed,
        realisation,
        offsetMs: info.offsetMs,
        plan: plan.join(''),
        decisions,
        makespanMs: episode.makespan,
      });
    }
  });
  if (run.json) {
    for (const l of logs) console.log(JSON.stringify(l));
    return logs;
  }
  for (const l of logs) {
    if (logs.length <= 3)
      console.log(
        formatTable(
          ['decision at (ms)', 'task', 'where'],
          l.decisions.map((x) => [fixed(x.atMs), x.task, x.action === 1 ? 'offload' : 'device']),
        ),
      );
    console.log(
      `${l.file}, realisation ${l.realisation} (offset ${l.offsetMs} ms): plan ${l.plan}, makespan ${l.makespanMs.toFixed(2)} ms`,
    );
  }
  if (logs.length > 1)
    console.log(
      `mean realised makespan over ${logs.length} episodes: ${(logs.reduce((s, l) => s + l.makespanMs, 0) / logs.length).toFixed(2)} ms`,
    );
  return logs;
}
