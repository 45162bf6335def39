/** The mrlco library: DAG workloads, the MEC latency model and offloading schedulers. */
export * from './dag/dag.js';
export * from './dag/io.js';
export * from './mec/system.js';
export * from './mec/rank.js';
export * from './mec/simulator.js';
export * from './mec/problem.js';
export * from './schedulers/scheduler.js';
export { InputError, UsageError } from './util/errors.js';
export { Rng } from './util/rng.js';
