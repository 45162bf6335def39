/**
 * Worker-thread entry: holds the compiled learning tasks and a scratch policy, and runs inner loops on
 * request (see inner-loop-pool.ts). Each job is a pure function of its message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getBackend } from '../nn/select-backend.js';
import { createPolicy } from '../policy/create.js';
import { compileTask } from '../rl/learning-task.js';
import { enableProfiling, isProfiling, profileTotals, resetProfile } from '../util/profile.js';
import { runInnerLoop } from './inner-loop.js';
import type { InnerLoopInit, InnerLoopRequest, InnerLoopReply } from './inner-loop-pool.js';

const init = workerData as InnerLoopInit;
const be = getBackend();
const tasks = init.tasks.map((t) => compileTask(t, init.policy.neighbours));
const scratch = createPolicy(init.policy, 0);
enableProfiling(init.profile === true);

parentPort!.on('message', (msg: InnerLoopRequest) => {
  try {
    const started = performance.now();
    const r = runInnerLoop(be, scratch, msg.theta, tasks[msg.taskIndex], msg.ppo, msg.job);
    const reply: InnerLoopReply = {
      id: msg.id,
      thetaPrime: r.thetaPrime,
      sampledMakespanMs: r.sampledMakespanMs,
    };
    if (isProfiling()) {
      reply.computeMs = performance.now() - started;
      reply.profile = profileTotals();
      resetProfile();
    }
    parentPort!.postMessage(reply, [r.thetaPrime.buffer as ArrayBuffer]);
  } catch (err) {
    const reply: InnerLoopReply = { id: msg.id, error: (err as Error).message };
    parentPort!.postMessage(reply);
  }
});
