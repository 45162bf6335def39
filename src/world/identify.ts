/**
 * The identified model: the latency model fitted on a DAG's earlier episodes in the world (what a device
 * that kept its measurements would plan with). The earlier episodes run the paper's plan (HEFT-rollout
 * on the nominal model) in independent realisations of the same world; each link is fitted by least
 * squares as duration = set-up time + bytes × time per byte (set-up ≥ 0), the VM as time per cycle. The
 * tasks keep the world's order (the nominal rank order), so a plan made on it is executed as made.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import { LatencySimulator, OFFLOAD } from '../mec/simulator.js';
import type { TaskTimes } from '../mec/system.js';
import { heftRolloutPlan } from '../schedulers/heft-rollout.js';
import { streamRng } from '../util/rng-streams.js';
import type { WorldInstance } from './world.js';

/** Most earlier episodes per DAG (the history stream's index range). */
export const MAX_HISTORY = 64;

export interface LinkFit {
  latencyMs: number;
  msPerByte: number;
  samples: number;
}

/** Least squares of y = a + b·x with a ≥ 0 (b from the origin fit when a would be negative). */
export function fitLatencyAndRate(
  xs: readonly number[],
  ys: readonly number[],
  fallbackMsPerByte: number,
): LinkFit {
  const m = xs.length;
  if (m === 0) return { latencyMs: 0, msPerByte: fallbackMsPerByte, samples: 0 };
  const mx = xs.reduce((s, x) => s + x, 0) / m;
  const my = ys.reduce((s, y) => s + y, 0) / m;
  let sxx = 0;
  let sxy = 0;
  for (let k = 0; k < m; k++) {
    sxx += (xs[k] - mx) ** 2;
    sxy += (xs[k] - mx) * (ys[k] - my);
  }
  if (sxx > 0) {
    const b = sxy / sxx;
    const a = my - b * mx;
    if (a >= 0 && b > 0) return { latencyMs: a, msPerByte: b, samples: m };
  }
  const xx = xs.reduce((s, x) => s + x * x, 0);
  const xy = xs.reduce((s, x, k) => s + x * ys[k], 0);
  return { latencyMs: 0, msPerByte: xx > 0 ? xy / xx : fallbackMsPerByte, samples: m };
}

/**
 * A DAG's earlier episodes: the paper's plan (HEFT-rollout on the nominal model) run in the DAG's
 * history realisations (their own stream), `visit` called after each with the plan; the instance is
 * left in the realisation it was in. What the identified model is fitted on and a training context
 * (rl/world-context.ts) is made of.
 */
export function historyEpisodes(
  instance: WorldInstance,
  episodes: number,
  visit: (plan: Uint8Array, episode: number) => void,
): void {
  const problem = instance.problem;
  const plan = heftRolloutPlan(problem, 1).plan;
  const current = instance.realisation;
  const currentOffset = instance.offsetMs;
  for (let h = 0; h < Math.min(episodes, MAX_HISTORY); h++) {
    instance.drawFrom(streamRng(instance.seed, 'worldHistory', instance.dagIndex * MAX_HISTORY + h));
    instance.sim.run(problem.order, plan);
    visit(plan, h);
  }
  if (current >= 0) instance.realise(current, { offsetMs: currentOffset });
}

/** The model fitted on `episodes` earlier episodes; the instance is left in the realisation it was in. */
export function identifyModel(instance: WorldInstance, episodes: number): OffloadingProblem {
  const problem = instance.problem;
  const dag = problem.dag;
  const n = dag.tasks.length;
  const up: [number[], number[]] = [[], []];
  const down: [number[], number[]] = [[], []];
  let mecMs = 0;
  let mecCycles = 0;
  const sim = instance.sim;
  historyEpisodes(instance, episodes, (plan) => {
    const work = instance.actualWork;
    for (let i = 0; i < n; i++) {
      if (plan[i] !== OFFLOAD) continue;
      up[0].push(work.uploadBytes[i]);
      up[1].push(sim.ftUl[i] - sim.stUl[i]);
      down[0].push(work.resultBytes[i]);
      down[1].push(sim.ftDl[i] - sim.stDl[i]);
      mecMs += sim.ftMec[i] - sim.stMec[i];
      mecCycles += dag.tasks[i].cycles;
    }
  });
  const nominal = instance.world.nominal;
  const fitUp = fitLatencyAndRate(up[0], up[1], 8e3 / nominal.uplinkBps);
  const fitDown = fitLatencyAndRate(down[0], down[1], 8e3 / nominal.downlinkBps);
  const msPerCycle = mecCycles > 0 ? mecMs / mecCycles : 1e3 / (nominal.serverHz / nominal.users);
  const times: TaskTimes = {
    local: Float64Array.from(problem.times.local),
    uplink: Float64Array.from(dag.tasks, (t) => fitUp.latencyMs + t.uploadBytes * fitUp.msPerByte),
    mec: Float64Array.from(dag.tasks, (t) => t.cycles * msPerCycle),
    downlink: Float64Array.from(dag.tasks, (t) => fitDown.latencyMs + t.resultBytes * fitDown.msPerByte),
  };
  return { ...problem, times, simulator: new LatencySimulator(times, problem.parents, problem.profile) };
}
