/** The mrlco library: DAG workloads, the MEC latency model, offloading schedulers and reports. */
export * from './dag/dag.js';
export * from './dag/io.js';
export * from './mec/system.js';
export * from './mec/rank.js';
export * from './mec/simulator.js';
export * from './mec/problem.js';
export * from './schedulers/scheduler.js';
export { InputError, UsageError } from './util/errors.js';
export { Rng } from './util/rng.js';
export * from './dag/generate.js';
export * from './dag/examples.js';
export * from './schedulers/registry.js';
export { greedy, heft, earliestFinishPlan } from './schedulers/earliest-finish.js';
export { allLocal, allRemote, randomPlan } from './schedulers/fixed.js';
export { optimal, solveOptimal, bruteForceOptimum } from './schedulers/optimal.js';
export { renderGanttSvg } from './report/gantt-svg.js';
export * from './experiments/baselines.js';
