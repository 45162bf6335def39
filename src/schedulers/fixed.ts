/** The trivial baselines: everything on the device, everything offloaded, and a seeded coin flip per task. */
import { Rng } from '../util/rng.js';
import { resultOf, type Scheduler } from './scheduler.js';

export const allLocal: Scheduler = {
  name: 'local',
  description: 'every task on the device (UE)',
  schedule: (problem) => resultOf('local', problem, new Uint8Array(problem.dag.tasks.length)),
};

export const allRemote: Scheduler = {
  name: 'remote',
  description: 'every task offloaded to the edge server',
  schedule: (problem) => resultOf('remote', problem, new Uint8Array(problem.dag.tasks.length).fill(1)),
};

export const randomPlan: Scheduler = {
  name: 'random',
  description: 'each task offloaded with probability 1/2 (seeded)',
  schedule: (problem, options = {}) => {
    const rng = new Rng(options.seed ?? 0);
    const plan = new Uint8Array(problem.dag.tasks.length);
    for (let i = 0; i < plan.length; i++) plan[i] = rng.next() < 0.5 ? 1 : 0;
    return resultOf('random', problem, plan);
  },
};
