/**
 * Vectorised sampling: many DAGs × several trajectories decoded by the policy in one batch, then
 * played through the environment for rewards. Also the deployment-style evaluation (argmax decoding).
 */
import type { Backend } from '../nn/backend.js';
import { batchObservations, type ObservationBatch } from '../policy/observation.js';
import type { Seq2SeqPolicy } from '../policy/seq2seq.js';
import type { Rng } from '../util/rng.js';
import { OffloadingEnv } from './env.js';
import type { CompiledTask } from './learning-task.js';

/** A DAG of a compiled task. */
export interface DagRef {
  task: CompiledTask;
  dag: number;
}

export interface Rollout {
  obs: ObservationBatch;
  /** [rows × T], batch-major. */
  actions: Uint8Array;
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  /** Each row's makespan (ms). */
  makespans: Float64Array;
}

/** Plays `actions` (scheduling order) of one row through the environment; fills rewards, returns the makespan. */
function playRow(ref: DagRef, actions: Uint8Array, offset: number, rewards: Float32Array): number {
  const env = OffloadingEnv.fromTask(ref.task, ref.dag);
  env.reset();
  let makespan = 0;
  for (let t = 0; t < env.length; t++) {
    const r = env.step(actions[offset + t]);
    rewards[offset + t] = r.reward;
    makespan = r.info.makespanMs;
  }
  return makespan;
}

export function sampleRollout(
  be: Backend,
  policy: Seq2SeqPolicy,
  dags: readonly DagRef[],
  trajectoriesPerDag: number,
  rng: Rng,
): Rollout {
  const encoded: Float32Array[] = [];
  const refs: DagRef[] = [];
  for (const ref of dags) {
    for (let k = 0; k < trajectoriesPerDag; k++) {
      encoded.push(ref.task.encoded[ref.dag]);
      refs.push(ref);
    }
  }
  const obs = batchObservations(encoded, policy.features);
  const decoded = policy.decode(be, obs, 'sample', rng);
  const rewards = new Float32Array(obs.B * obs.T);
  const makespans = Float64Array.from(refs, (ref, row) =>
    playRow(ref, decoded.actions, row * obs.T, rewards),
  );
  return {
    obs,
    actions: decoded.actions,
    logProbs: decoded.logProbs,
    values: decoded.values,
    rewards,
    makespans,
  };
}

/** Argmax decoding (the paper's inference): each DAG's plan in task-index order and its makespan. */
export function evaluateGreedy(
  be: Backend,
  policy: Seq2SeqPolicy,
  dags: readonly DagRef[],
): { makespans: Float64Array; plans: Uint8Array[] } {
  const obs = batchObservations(
    dags.map((d) => d.task.encoded[d.dag]),
    policy.features,
  );
  const decoded = policy.decode(be, obs, 'greedy');
  const rewards = new Float32Array(obs.B * obs.T);
  const makespans = Float64Array.from(dags, (ref, row) =>
    playRow(ref, decoded.actions, row * obs.T, rewards),
  );
  const plans = dags.map((ref, row) => {
    const order = ref.task.problems[ref.dag].order;
    const plan = new Uint8Array(order.length);
    order.forEach((task, k) => (plan[task] = decoded.actions[row * obs.T + k]));
    return plan;
  });
  return { makespans, plans };
}

/** `count` items drawn without replacement (a seeded partial shuffle), in their original order; all when fewer. */
export function drawSubset<T>(pool: readonly T[], count: number, rng: Rng): T[] {
  if (pool.length <= count) return [...pool];
  const idx = Array.from({ length: pool.length }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.next() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => pool[i]);
}

export function allDags(tasks: readonly CompiledTask[]): DagRef[] {
  return tasks.flatMap((task) => task.problems.map((_, dag) => ({ task, dag })));
}

/** Rows of a batch (for minibatches): a new time-major batch with the chosen rows. */
export function selectRows(obs: ObservationBatch, rows: readonly number[]): ObservationBatch {
  const { T, features, B } = obs;
  const nb = rows.length;
  const x = new Float32Array(T * nb * features);
  const mask = new Float32Array(T * nb);
  const lens = Int32Array.from(rows, (r) => obs.lens[r]);
  for (let t = 0; t < T; t++) {
    rows.forEach((r, k) => {
      x.set(obs.x.subarray((t * B + r) * features, (t * B + r + 1) * features), (t * nb + k) * features);
      mask[t * nb + k] = obs.mask[t * B + r];
    });
  }
  return { B: nb, T, features, x, lens, mask };
}
