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
import { runInnerLoop, type InnerLoopJob } from './inner-loop.js';

export interface InnerLoopInit {
  tasks: LearningTask[];
  policy: PolicyConfig;
}

export interface InnerLoopRequest {
  id: number;
  theta: Float32Array;
  taskIndex: number;
  ppo: PpoConfig;
  job: InnerLoopJob;
}

export type InnerLoopReply =
  { id: number; thetaPrime: Float32Array; sampledMakespanMs: number } | { id: number; error: string };

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

export class WorkerInnerLoops implements InnerLoopRunner {
  private readonly pool: Worker[] = [];
  private nextId = 0;

  constructor(
    readonly workers: number,
    init: InnerLoopInit,
  ) {
    const entry = new URL('./inner-loop-worker.js', import.meta.url);
    for (let w = 0; w < workers; w++) this.pool.push(new Worker(entry, { workerData: init }));
  }

  /** Jobs are dealt to workers as they become free; results come back in job order. */
  run(
    theta: Float32Array,
    jobs: readonly { taskIndex: number; job: InnerLoopJob }[],
    ppo: PpoConfig,
  ): Promise<InnerLoopResult[]> {
    return new Promise((resolve, reject) => {
      const results: InnerLoopResult[] = new Array(jobs.length);
      let next = 0;
      let done = 0;
      let failed = false;
      const idToIndex = new Map<number, number>();
      const listeners: [Worker, (m: InnerLoopReply) => void, (e: Error) => void][] = [];
      const cleanup = (): void => {
        for (const [w, onMessage, onError] of listeners) {
          w.off('message', onMessage);
          w.off('error', onError);
        }
      };
      const dispatch = (w: Worker): void => {
        if (next >= jobs.length) return;
        const k = next++;
        const id = this.nextId++;
        idToIndex.set(id, k);
        const request: InnerLoopRequest = { id, theta, taskIndex: jobs[k].taskIndex, ppo, job: jobs[k].job };
        w.postMessage(request);
      };
      for (const w of this.pool) {
        const onMessage = (m: InnerLoopReply): void => {
          if (failed) return;
          const k = idToIndex.get(m.id);
          if (k === undefined) return;
          if ('error' in m) {
            failed = true;
            cleanup();
            reject(new Error(`inner loop failed in a worker: ${m.error}`));
            return;
          }
          results[k] = { thetaPrime: m.thetaPrime, sampledMakespanMs: m.sampledMakespanMs };
          if (++done === jobs.length) {
            cleanup();
            resolve(results);
          } else dispatch(w);
        };
        const onError = (e: Error): void => {
          if (failed) return;
          failed = true;
          cleanup();
          reject(e);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        listeners.push([w, onMessage, onError]);
      }
      if (jobs.length === 0) {
        cleanup();
        resolve([]);
        return;
      }
      for (const w of this.pool) dispatch(w);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.pool.map((w) => w.terminate()));
  }
}
