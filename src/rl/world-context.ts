/**
 * What a device has learnt of its world from the episodes it has played there: running statistics of
 * every finished transfer, the in-context alternative to adapting by gradient steps (issue 16, item 4).
 * An episode is summarised at its end from its transfers (`summariseRun`, 8 numbers); a world's context folds the
 * summaries of the episodes before the current one, and a policy whose observation is `online-context`
 * reads CONTEXT_FEATURES of it at every step of the next episode.
 *
 * In training the context of an episode is that of a random number of earlier episodes of its DAG in
 * the same world (any stage of a deployment, from none to MAX_CONTEXT_EPISODES; `historySummaries`);
 * at deployment it is every episode played so far.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import { OFFLOAD } from '../mec/simulator.js';
import { historyEpisodes } from '../world/identify.js';
import type { WorldInstance } from '../world/world.js';
import type { CompiledTask } from './learning-task.js';

/** Per episode: for each direction, transfers, Σ log-rate ratio, Σ its square, transfers below a quarter of nominal. */
export const SUMMARY_SIZE = 8;

export const CONTEXT_FEATURES: readonly (readonly [string, string])[] = [
  ['contextUplinkRate', 'mean log(throughput / nominal) of the uploads of earlier episodes in this world'],
  ['contextDownlinkRate', 'the same for the downloads'],
  ['contextUplinkSpread', 'the spread (std) of those log ratios, uploads'],
  ['contextDownlinkSpread', 'the same for the downloads'],
  ['contextOutages', 'the share of earlier transfers below a quarter of the nominal rate'],
  ['contextEpisodes', 'log(1 + earlier episodes) / 4'],
];
export const CONTEXT_FEATURE_COUNT = CONTEXT_FEATURES.length;

const QUARTER = Math.log(0.25);

/** The most earlier episodes a training context is made of. */
export const MAX_CONTEXT_EPISODES = 32;

function addTransfer(
  out: Float64Array,
  at: number,
  upload: boolean,
  bytes: number,
  flowing: number,
  nominal: number,
): void {
  if (bytes <= 0 || flowing <= 0) return;
  const x = Math.log(nominal / (flowing / bytes));
  const o = at + (upload ? 0 : 4);
  out[o] += 1;
  out[o + 1] += x;
  out[o + 2] += x * x;
  if (x < QUARTER) out[o + 3] += 1;
}

const histories = new WeakMap<OffloadingProblem, Float64Array>();

/**
 * A training context's source: MAX_CONTEXT_EPISODES earlier episodes of a world task's DAG, played by
 * the paper's plan (HEFT-rollout on the nominal model) in the DAG's history realisations (the streams
 * the identified model is fitted on), summarised; computed once per DAG. A deployed policy's context
 * comes from its own episodes instead: what it learns to read is the link, which both measure.
 */
export function historySummaries(task: CompiledTask, dag: number): Float64Array {
  const problem = task.problems[dag];
  const cached = histories.get(problem);
  if (cached) return cached;
  const world = task.world!;
  const instance = world.instance(problem, dag, task.task.world!.seed);
  const out = new Float64Array(MAX_CONTEXT_EPISODES * SUMMARY_SIZE);
  const up = 8e3 / world.nominal.uplinkBps;
  const down = 8e3 / world.nominal.downlinkBps;
  historyEpisodes(instance, MAX_CONTEXT_EPISODES, (plan, h) =>
    summariseRun(instance, plan, up, down, out, h * SUMMARY_SIZE),
  );
  histories.set(problem, out);
  return out;
}

/** The context features of the first `episodes` history episodes of a world task's DAG. */
export function historyContext(
  task: CompiledTask,
  dag: number,
  episodes: number,
  out: Float32Array,
  at: number,
): void {
  contextFeatures(historySummaries(task, dag), 0, Math.min(episodes, MAX_CONTEXT_EPISODES), out, at);
}

/** Writes the summary of the run in an instance's simulator (plan: task-index order) to out[at..]. */
export function summariseRun(
  instance: WorldInstance,
  plan: ArrayLike<number>,
  nominalUpMsPerByte: number,
  nominalDownMsPerByte: number,
  out: Float64Array,
  at: number,
): void {
  const sim = instance.sim;
  const work = instance.actualWork;
  out.fill(0, at, at + SUMMARY_SIZE);
  for (let i = 0; i < plan.length; i++) {
    if (plan[i] !== OFFLOAD) continue;
    const ul = sim.ftUl[i] - sim.stUl[i] - work.uplinkLatency[i];
    const dl = sim.ftDl[i] - sim.stDl[i] - work.downlinkLatency[i];
    addTransfer(out, at, true, work.uploadBytes[i], ul, nominalUpMsPerByte);
    addTransfer(out, at, false, work.resultBytes[i], dl, nominalDownMsPerByte);
  }
}

/** A world's context: the summaries of the episodes played in it, in order. */
export class WorldContext {
  private summaries = new Float64Array(64 * SUMMARY_SIZE);
  episodes = 0;

  /** Adds episode summaries ([k × SUMMARY_SIZE]) in the order given. */
  add(summaries: Float64Array): void {
    const k = summaries.length / SUMMARY_SIZE;
    if ((this.episodes + k) * SUMMARY_SIZE > this.summaries.length) {
      const grown = new Float64Array(Math.max(2 * this.summaries.length, (this.episodes + k) * SUMMARY_SIZE));
      grown.set(this.summaries);
      this.summaries = grown;
    }
    this.summaries.set(summaries, this.episodes * SUMMARY_SIZE);
    this.episodes += k;
  }

  /** The features of every episode so far. */
  features(out: Float32Array, at = 0): void {
    contextFeatures(this.summaries, 0, this.episodes, out, at);
  }
}

function contextFeatures(
  summaries: Float64Array,
  from: number,
  to: number,
  out: Float32Array,
  at: number,
): void {
  const acc = new Float64Array(SUMMARY_SIZE);
  for (let e = from; e < to; e++)
    for (let k = 0; k < SUMMARY_SIZE; k++) acc[k] += summaries[e * SUMMARY_SIZE + k];
  writeFeatures(acc, to - from, out, at);
}

function writeFeatures(acc: Float64Array, episodes: number, out: Float32Array, at: number): void {
  const meanOf = (o: number) => (acc[o] > 0 ? acc[o + 1] / acc[o] : 0);
  const stdOf = (o: number) => {
    if (acc[o] < 2) return 0;
    const m = acc[o + 1] / acc[o];
    return Math.sqrt(Math.max(0, acc[o + 2] / acc[o] - m * m));
  };
  const transfers = acc[0] + acc[4];
  out[at] = meanOf(0);
  out[at + 1] = meanOf(4);
  out[at + 2] = stdOf(0);
  out[at + 3] = stdOf(4);
  out[at + 4] = transfers > 0 ? (acc[3] + acc[7]) / transfers : 0;
  out[at + 5] = Math.log1p(episodes) / 4;
}
