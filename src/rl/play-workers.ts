/**
 * Episodes played in worker threads, called synchronously: the training loops stay plain loops. The
 * caller's thread sends each worker a chunk (episode-chunks.ts), sleeps on a shared counter that a
 * worker bumps after each reply (Atomics.wait), takes the replies with receiveMessageOnPort and hands
 * out the next chunks as workers become free. The numbers are those of playing the chunks in turn:
 * the chunking and the sampling uniforms are fixed by the caller. A worker that fails or exits fails
 * the call with one line instead of leaving it waiting.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { PolicyConfig, OffloadingPolicy } from '../policy/policy.js';
import { enterPhase, isProfiling, leavePhase, mergeProfile } from '../util/profile.js';
import type { DagRef } from './env.js';
import type { ChunkResult, EpisodeWorkers, PlayMode } from './episode-chunks.js';
import type { CompiledTask, LearningTask } from './learning-task.js';
import { CONTEXT_FEATURE_COUNT } from './world-context.js';

export interface PlayWorkerInit {
  tasks: LearningTask[];
  neighbours: number;
  port: MessagePort;
  /** [0]: replies so far (all workers); [1 + slot]: 1 once worker `slot` has exited. */
  signal: Int32Array;
  slot: number;
  profile: boolean;
}

export interface PlayJob {
  id: number;
  config: PolicyConfig;
  /** The parameters, sent with a worker's first chunk of each call. */
  theta?: Float32Array;
  /** Quadruples (task index, DAG index, realisation or −1, context episodes or −1), one per row. */
  rows: Int32Array;
  /** Per row, a trace offset instead of the realisation's (NaN: none); null when no row has one. */
  offsets: Float64Array | null;
  /** Per row, its context features (CONTEXT_FEATURE_COUNT, NaN: none); null when no row has them. */
  contexts: Float32Array | null;
  mode: PlayMode;
  uniforms: Float64Array | null;
}

export type PlayReply =
  | ({ id: number; profile?: Record<string, number> } & Omit<ChunkResult, 'plans'> & {
        /** The plans concatenated, each as long as its DAG. */
        plans: Uint8Array;
      })
  | { id: number; error: string };

export class PlayWorkers implements EpisodeWorkers {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4 * 8));
  private readonly taskIndex = new Map<CompiledTask, number>();
  private nextId = 0;
  private failure: string | undefined;

  constructor(
    readonly count: number,
    tasks: readonly CompiledTask[],
    neighbours: number,
  ) {
    if (count > 7) throw new RangeError(`PlayWorkers: at most 7 workers, got ${count}`);
    tasks.forEach((t, i) => this.taskIndex.set(t, i));
    const entry = new URL('./play-worker.js', import.meta.url);
    for (let slot = 0; slot < count; slot++) {
      const { port1, port2 } = new MessageChannel();
      const init: PlayWorkerInit = {
        tasks: tasks.map((t) => ({ ...t.task })),
        neighbours,
        port: port2,
        signal: this.signal,
        slot,
        profile: isProfiling(),
      };
      const w = new Worker(entry, { workerData: init, transferList: [port2] });
      // An error event would otherwise end the process; the exit flag fails the call instead.
      w.on('error', (e) => (this.failure ??= e.message));
      // A worker stopped between calls (terminated, crashed while idle) is seen here.
      w.on('exit', () => Atomics.store(this.signal, 1 + slot, 1));
      w.unref();
      port1.unref();
      this.workers.push(w);
      this.ports.push(port1);
    }
  }

  /** The worker threads (tests stop one to check that a call fails instead of waiting). */
  get threads(): readonly Worker[] {
    return this.workers;
  }

  play(
    policy: OffloadingPolicy,
    refs: readonly DagRef[],
    chunks: readonly [number, number][],
    mode: PlayMode,
    uniforms: readonly (Float64Array | undefined)[],
  ): ChunkResult[] | undefined {
    const rowsOf: Int32Array[] = [];
    const offsetsOf: (Float64Array | null)[] = [];
    const contextsOf: (Float32Array | null)[] = [];
    const C = CONTEXT_FEATURE_COUNT;
    for (const [a, e] of chunks) {
      const rows = new Int32Array(4 * (e - a));
      let offsets: Float64Array | null = null;
      let contexts: Float32Array | null = null;
      for (let b = a; b < e; b++) {
        const ref = refs[b];
        const t = this.taskIndex.get(ref.task);
        if (t === undefined) return undefined; // a task the workers do not hold: play here
        const at = 4 * (b - a);
        rows[at] = t;
        rows[at + 1] = ref.dag;
        rows[at + 2] = ref.realisation ?? -1;
        rows[at + 3] = ref.contextEpisodes ?? -1;
        if (ref.offsetMs !== undefined) {
          offsets ??= new Float64Array(e - a).fill(NaN);
          offsets[b - a] = ref.offsetMs;
        }
        if (ref.context) {
          contexts ??= new Float32Array((e - a) * C).fill(NaN);
          contexts.set(ref.context.subarray(0, C), (b - a) * C);
        }
      }
      rowsOf.push(rows);
      offsetsOf.push(offsets);
      contextsOf.push(contexts);
    }
    const results: ChunkResult[] = new Array(chunks.length);
    const idToChunk = new Map<number, number>();
    const thetaSent = new Array<boolean>(this.count).fill(false);
    let next = 0;
    const dispatch = (slot: number): void => {
      if (next >= chunks.length) return;
      const c = next++;
      const id = this.nextId++;
      idToChunk.set(id, c);
      const job: PlayJob = {
        id,
        config: policy.config,
        rows: rowsOf[c],
        offsets: offsetsOf[c],
        contexts: contextsOf[c],
        mode,
        uniforms: uniforms[c] ?? null,
      };
      if (!thetaSent[slot]) {
        job.theta = policy.params.values;
        thetaSent[slot] = true;
      }
      this.ports[slot].postMessage(job);
    };
    this.assertAlive();
    for (let slot = 0; slot < this.count; slot++) dispatch(slot);
    enterPhase('waiting-for-workers');
    try {
      this.collect(chunks.length, (slot, reply) => {
        const c = idToChunk.get(reply.id)!;
        results[c] = unpack(reply, refs, chunks[c]);
        dispatch(slot);
      });
    } finally {
      leavePhase();
    }
    return results;
  }

  /** Takes `expected` replies, sleeping on the shared counter between them. */
  private collect(expected: number, onReply: (slot: number, reply: ChunkReply) => void): void {
    let done = 0;
    while (done < expected) {
      const seen = Atomics.load(this.signal, 0);
      let got = false;
      for (let slot = 0; slot < this.count; slot++) {
        const m = receiveMessageOnPort(this.ports[slot]);
        if (!m) continue;
        got = true;
        const reply = m.message as PlayReply;
        if ('error' in reply) throw new Error(`a sampling worker failed: ${reply.error}`);
        if (reply.profile) mergeProfile(reply.profile, 'worker');
        done++;
        onReply(slot, reply);
      }
      if (got) continue;
      this.assertAlive();
      Atomics.wait(this.signal, 0, seen, 1000);
    }
  }

  private assertAlive(): void {
    for (let slot = 0; slot < this.count; slot++)
      if (Atomics.load(this.signal, 1 + slot) === 1)
        throw new Error(
          `a sampling worker has exited${this.failure ? `: ${this.failure}` : ''} (out of memory?)`,
        );
  }

  /** Stops the workers (they are unreferenced, so an exiting process does not wait for this). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

type ChunkReply = Exclude<PlayReply, { error: string }>;

function unpack(reply: ChunkReply, refs: readonly DagRef[], [a, e]: [number, number]) {
  const plans: Uint8Array[] = [];
  let at = 0;
  for (let b = a; b < e; b++) {
    const n = refs[b].task.problems[refs[b].dag].order.length;
    plans.push(reply.plans.subarray(at, at + n));
    at += n;
  }
  return { ...reply, plans } as ChunkResult;
}
