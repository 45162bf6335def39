/**
 * Worker-thread entry of play-workers.ts: holds the compiled tasks, plays the chunks it is sent with
 * the parameters of the current call, and bumps the shared counter after every reply (and on exit, so
 * that a dying worker cannot leave the caller waiting).
 */
import { workerData } from 'node:worker_threads';
import { getBackend } from '../nn/select-backend.js';
import { createPolicy } from '../policy/create.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { enableProfiling, isProfiling, profileTotals, resetProfile } from '../util/profile.js';
import type { DagRef } from './env.js';
import { playChunk } from './episode-chunks.js';
import { compileTask } from './learning-task.js';
import { CONTEXT_FEATURE_COUNT } from './world-context.js';
import type { PlayJob, PlayReply, PlayWorkerInit } from './play-workers.js';

const init = workerData as PlayWorkerInit;
const { port, signal, slot } = init;
const wake = (): void => {
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
process.on('exit', () => {
  Atomics.store(signal, 1 + slot, 1);
  wake();
});
enableProfiling(init.profile);
const be = getBackend();
const tasks = init.tasks.map((t) => compileTask(t, init.neighbours));
const policies = new Map<string, OffloadingPolicy>();

port.on('message', (job: PlayJob) => {
  try {
    const key = JSON.stringify(job.config);
    let policy = policies.get(key);
    if (!policy) {
      policy = createPolicy(job.config, 0);
      policies.set(key, policy);
    }
    if (job.theta) policy.params.setValues(job.theta);
    const refs: DagRef[] = [];
    const C = CONTEXT_FEATURE_COUNT;
    for (let k = 0, row = 0; k < job.rows.length; k += 4, row++) {
      const ref: DagRef = { task: tasks[job.rows[k]], dag: job.rows[k + 1] };
      if (job.rows[k + 2] >= 0) ref.realisation = job.rows[k + 2];
      if (job.rows[k + 3] >= 0) ref.contextEpisodes = job.rows[k + 3];
      const offset = job.offsets?.[row];
      if (offset !== undefined && !Number.isNaN(offset)) ref.offsetMs = offset;
      const context = job.contexts?.subarray(row * C, (row + 1) * C);
      if (context && !Number.isNaN(context[0])) ref.context = context;
      refs.push(ref);
    }
    const r = playChunk(be, policy, refs, job.mode, job.uniforms ?? undefined);
    const plans = new Uint8Array(r.plans.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of r.plans) {
      plans.set(p, at);
      at += p.length;
    }
    const reply: PlayReply = { id: job.id, ...r, plans };
    if (isProfiling()) {
      reply.profile = profileTotals();
      resetProfile();
    }
    const buffers = [r.steps, r.actions, r.logProbs, r.values, r.rewards, r.makespans, plans].map(
      (a) => a.buffer as ArrayBuffer,
    );
    port.postMessage(reply, [...new Set(buffers)]);
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).message } satisfies PlayReply);
  }
  wake();
});
