/**
 * Runs the inner loops of a meta-batch, either in turn in this thread or in parallel in worker threads.
 * Both give identical θ' for the same seed: each inner loop is a pure function of (θ, task, job).
 */
import { Worker } from 'node:worker_threads';
import type { Backend } from '../nn/backend.js';
import { createPolicy } from '../policy/create.js';
import type { OffloadingPolicy, PolicyConfig } from '../policy/policy.js';
import type { PpoConfig } from '../rl/config.js';
import type { CompiledTask, LearningTask } from '../rl/learning-task.js';
import { isProfiling, mergeProfile } from '../util/profile.js';
import { runInnerLoop, type InnerLoopJob } from './inner-loop.js';

export interface InnerLoopInit {
  tasks: LearningTask[];
  policy: PolicyConfig;
  /** Profile the inner loops (util/profile.ts) and send the phases back with each result. */
  profile?: boolean;
}

export interface InnerLoopRequest {
  id: number;
  theta: Float32Array;
  taskIndex: number;
  ppo: PpoConfig;
  job: InnerLoopJob;
}

export type InnerLoopReply =
  | {
      id: number;
      thetaPrime: Float32Array;
      sampledMakespanMs: number;
      /** When profiling: the job's time in the worker and its phases (ms). */
      computeMs?: number;
      profile?: Record<string, number>;
    }
  | { id: number; error: string };

export interface InnerLoopResult {
  thetaPrime: Float32Array;
  sampledMakespanMs: number;
}

export interface InnerLoopRunner {
  readonly workers: number;
  run(
    theta: Float32Array,
    jobs: readonly { taskIndex: number; job: InnerLoopJob }[],
    ppo: PpoConfig,
  ): Promise<InnerLoopResult[]>;
  close(): Promise<void>;
}

export class SequentialInnerLoops implements InnerLoopRunner {
  readonly workers = 0;
  private readonly scratch: OffloadingPolicy;

  constructor(
    private readonly be: Backend,
    private readonly tasks: readonly CompiledTask[],
    policy: PolicyConfig,
  ) {
    this.scratch = createPolicy(policy, 0);
  }

  async run(
    theta: Float32Array,
    jobs: readonly { taskIndex: number; job: InnerLoopJob }[],
    ppo: PpoConfig,
  ): Promise<InnerLoopResult[]> {
    return jobs.map((j) => runInnerLoop(this.be, this.scratch, theta, this.tasks[j.taskIndex], ppo, j.job));
  }

  async close(): Promise<void> {}
}

/**
 * Inner loops in worker threads. A worker that dies (an exit without a reply: killed, out of memory)
 * is replaced and its job run once more on the new worker; a job that loses its worker twice, or that
 * fails with an error, fails the run with one line. Jobs are pure, so a retried job gives the same θ'.
 */
export class WorkerInnerLoops implements InnerLoopRunner {
  private readonly pool: Worker[] = [];
  private readonly entry = new URL('./inner-loop-worker.js', import.meta.url);
  private nextId = 0;
  private closing = false;

  constructor(
    readonly workers: number,
    private readonly init: InnerLoopInit,
  ) {
    for (let w = 0; w < workers; w++) this.pool.push(this.spawn());
  }

  /** Slots whose worker has exited (between runs too), respawned when the next run starts. */
  private readonly dead = new Set<number>();

  /** Called with every worker started, replacements included (tests use it to kill them). */
  onSpawn: ((w: Worker) => void) | undefined;

  private spawn(): Worker {
    const w = new Worker(this.entry, { workerData: { ...this.init, profile: isProfiling() } });
    this.onSpawn?.(w);
    w.once('exit', () => {
      const slot = this.pool.indexOf(w);
      if (slot >= 0) this.dead.add(slot);
    });
    return w;
  }

  /** The worker threads (tests use it to kill one mid-run). */
  get threads(): readonly Worker[] {
    return this.pool;
  }

  /** Jobs are dealt to workers as they become free; results come back in job order. */
  run(
    theta: Float32Array,
    jobs: readonly { taskIndex: number; job: InnerLoopJob }[],
    ppo: PpoConfig,
  ): Promise<InnerLoopResult[]> {
    for (const slot of this.dead) this.pool[slot] = this.spawn();
    this.dead.clear();
    return new Promise((resolve, reject) => {
      const results: InnerLoopResult[] = new Array(jobs.length);
      const pending: number[] = jobs.map((_, k) => k);
      const lost = new Array<number>(jobs.length).fill(0);
      /** The job each worker is running (by worker slot), and the request ids in flight. */
      const running = new Map<number, number>();
      const idToIndex = new Map<number, number>();
      const sentAt = new Map<number, number>();
      let done = 0;
      let finished = false;
      const detachers: (() => void)[] = [];
      const finish = (err?: Error): void => {
        if (finished) return;
        finished = true;
        for (const d of detachers) d();
        if (err) reject(err);
        else resolve(results);
      };
      const dispatch = (slot: number): void => {
        const k = pending.shift();
        if (k === undefined) return;
        const id = this.nextId++;
        idToIndex.set(id, k);
        sentAt.set(id, performance.now());
        running.set(slot, k);
        const request: InnerLoopRequest = { id, theta, taskIndex: jobs[k].taskIndex, ppo, job: jobs[k].job };
        this.pool[slot].postMessage(request);
      };
      const attach = (slot: number): void => {
        const w = this.pool[slot];
        const onMessage = (m: InnerLoopReply): void => {
          const k = idToIndex.get(m.id);
          if (finished || k === undefined) return;
          running.delete(slot);
          if ('error' in m) {
            finish(new Error(`inner loop failed in a worker: ${m.error}`));
            return;
          }
          results[k] = { thetaPrime: m.thetaPrime, sampledMakespanMs: m.sampledMakespanMs };
          if (m.profile && m.computeMs !== undefined) {
            // A job's round trip beyond its compute: cloning θ and θ' across threads, and the wake-ups.
            const messaging = performance.now() - sentAt.get(m.id)! - m.computeMs;
            mergeProfile({ ...m.profile, messaging }, 'worker');
          }
          if (++done === jobs.length) finish();
          else dispatch(slot);
        };
        const onError = (e: Error): void => finish(new Error(`an inner-loop worker failed: ${e.message}`));
        const onExit = (code: number): void => {
          if (finished || this.closing) return;
          const k = running.get(slot);
          running.delete(slot);
          detach();
          // Replace the worker; its job, if any, runs once more.
          this.pool[slot] = this.spawn();
          this.dead.delete(slot);
          attach(slot);
          if (k !== undefined) {
            if (++lost[k] > 1) {
              finish(
                new Error(
                  `an inner-loop worker exited (code ${code}) twice on task slot ${jobs[k].job.slot} of iteration ${jobs[k].job.iteration}`,
                ),
              );
              return;
            }
            pending.unshift(k);
          }
          dispatch(slot);
        };
        const detach = (): void => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        detachers.push(detach);
      };
      this.pool.forEach((_, slot) => attach(slot));
      if (jobs.length === 0) {
        finish();
        return;
      }
      this.pool.forEach((_, slot) => dispatch(slot));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.pool.map((w) => w.terminate()));
  }
}
