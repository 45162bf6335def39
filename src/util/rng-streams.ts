/**
 * Every random stream a run draws from, named once. A component asks for `streamRng(seed, name)` (or
 * with an index for the streams that come one per iteration or step) instead of a number of its own, so
 * that two purposes cannot share a stream. The numbers are those the streams have always had (published
 * runs stay reproducible); the indexed ones have a bounded range each, and `streamId` refuses an index
 * outside it instead of running into a neighbour's range. (A generated dataset's streams, graph k from
 * stream k of the dataset's seed, and the random scheduler's belong to the data, not to a run.)
 */
import { Rng } from './rng.js';

interface StreamSpec {
  /** The stream number (the first of the range for an indexed stream). */
  base: number;
  /** Indexed streams: how many indices the range holds. */
  size?: number;
  /** What draws from it. */
  purpose: string;
}

/** The most tasks per meta-batch: the inner-loop streams give each iteration this many slots. */
export const MAX_META_BATCH = 1024;
/** Realisations per DAG a world's stream index can address (the bound of --episodes). */
export const MAX_WORLD_REALISATIONS = 4096;
/** The most adaptation steps whose report draws samples (its range ends below the weights' stream). */
export const MAX_REPORT_STEP = 5000;

export const RNG_STREAMS = {
  trainSample: { base: 1, purpose: "PPO training: the sampled trajectories' actions" },
  trainData: { base: 2, purpose: 'PPO training: the DAG batch and the minibatch order' },
  metaTasks: { base: 3, purpose: 'meta-training and the federated service: the meta-batches' },
  adaptSample: { base: 11, purpose: "adaptation: the sampled trajectories' actions" },
  adaptData: { base: 12, purpose: 'adaptation: the minibatch order' },
  adaptReport: {
    base: 13,
    size: MAX_REPORT_STEP,
    purpose: 'adaptation: the best-of-K samples at report step k (one stream per step)',
  },
  policyWeights: { base: 0x1417, purpose: 'the initial weights of a policy network' },
  inferenceSamples: {
    base: 500_000,
    purpose: 'schedule and baselines: the K sampled plans beside the argmax one',
  },
  innerLoop: {
    base: 1_000_003,
    size: 1 << 30,
    purpose: `meta-training: the inner loop of (iteration, slot), index iteration·${MAX_META_BATCH} + slot`,
  },
  worldRealisation: {
    base: 1_100_000_000,
    size: 1 << 30,
    purpose: `the world: realisation r of DAG d (offset, futures, set-up times, noise), index d·${MAX_WORLD_REALISATIONS} + r`,
  },
  worldHistory: {
    base: 2_200_000_000,
    size: 1 << 28,
    purpose: 'the world: the earlier episodes an identified model is fitted on, index d·64 + episode',
  },
  worldTaskNoise: {
    base: 2_500_000_000,
    size: 1 << 28,
    purpose: "the world: DAG d's per-task noise factors (noise fixed per task), index d",
  },
  deciderSamples: {
    base: 2_800_000_000,
    size: 1 << 30,
    purpose:
      'the world: the futures sampled by a decider that knows the channel law, index as worldRealisation',
  },
} as const satisfies Record<string, StreamSpec>;

export type StreamName = keyof typeof RNG_STREAMS;

/** The stream number of `name` (at `index` for an indexed stream). */
export function streamId(name: StreamName, index?: number): number {
  const spec: StreamSpec = RNG_STREAMS[name];
  if (spec.size === undefined) {
    if (index !== undefined) throw new RangeError(`rng stream ${name} has no index`);
    return spec.base;
  }
  if (index === undefined || !Number.isInteger(index) || index < 0 || index >= spec.size)
    throw new RangeError(`rng stream ${name}: index ${index} outside [0, ${spec.size})`);
  return spec.base + index;
}

export function streamRng(seed: number, name: StreamName, index?: number): Rng {
  return new Rng(seed, streamId(name, index));
}

/** The inner loop of meta-batch slot `slot` at `iteration` (slot < MAX_META_BATCH, so ranges never meet). */
export function innerLoopStream(iteration: number, slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_META_BATCH)
    throw new RangeError(`inner-loop slot ${slot} outside [0, ${MAX_META_BATCH})`);
  return iteration * MAX_META_BATCH + slot;
}
