// The remote execution service replaying link traces: a plan executed for real through an executor whose
// uplink and downlink follow a trace takes the makespan the world's simulator predicts for the same
// realisation (offset), within the emulation's latency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDagFile } from '../src/dag/io.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { heft } from '../src/schedulers/earliest-finish.js';
import { runOnExecutor } from '../src/services/execution/device-runner.js';
import { startExecutor } from '../src/services/execution/executor-server.js';
import { World } from '../src/world/world.js';
import { referenceData } from './helpers/paths.js';

const RELATIVE_TOLERANCE = 0.06;
const ABSOLUTE_TOLERANCE_MS = 15;

test('an executor replaying traces runs a plan in the makespan the world predicts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-exec-trace-'));
  try {
    // A link that alternates fast and slow spells every 150 ms.
    const lines = Array.from({ length: 40 }, (_, k) => `${(k * 0.15).toFixed(2)} ${k % 2 === 0 ? 12 : 2}`);
    const trace = join(dir, 'link.txt');
    writeFileSync(trace, lines.join('\n') + '\n');
    const world = new World(
      { links: { kind: 'trace', uplink: trace, downlink: trace, meanMbps: 7 } },
      DEFAULT_SYSTEM,
    );
    const executor = await startExecutor({
      listen: '127.0.0.1:0',
      serverHz: DEFAULT_SYSTEM.serverHz,
      users: 1,
      timeScale: 1,
      traces: { uplink: world.uplinkTrace, downlink: world.downlinkTrace, scale: world.traceScale },
    });
    try {
      const dag = readDagFile(join(referenceData, 'meta_offloading_n/offload_random10/random.10.0.gv'));
      for (const profile of ['reference', 'paper'] as const) {
        const problem = createProblem(dag, world.nominal, { profile });
        const instance = world.instance(problem, 0, 1);
        instance.realise(0, { offsetMs: 1234 });
        const plan = Uint8Array.from(heft.schedule(problem).plan);
        plan[problem.order[0]] = 1; // at least one transfer over each link
        const predicted = instance.sim.run(problem.order, plan);
        let last: Awaited<ReturnType<typeof runOnExecutor>> | undefined;
        for (let attempt = 0; attempt < 2; attempt++) {
          last = await runOnExecutor(problem, plan, problem.order, {
            executor: executor.address,
            world: instance,
            timeScale: 1,
          });
          const error = last.measuredMakespanMs - predicted;
          if (error >= -0.5 && error <= RELATIVE_TOLERANCE * predicted + ABSOLUTE_TOLERANCE_MS) break;
        }
        assert.equal(last!.predictedMakespanMs, predicted);
        const error = last!.measuredMakespanMs - predicted;
        assert.ok(
          error >= -0.5,
          `${profile}: measured ${last!.measuredMakespanMs} before the prediction ${predicted}`,
        );
        assert.ok(
          error <= RELATIVE_TOLERANCE * predicted + ABSOLUTE_TOLERANCE_MS,
          `${profile}: measured ${last!.measuredMakespanMs.toFixed(1)} vs predicted ${predicted.toFixed(1)}`,
        );
        // The same plan at constant rates would take another time: the trace is what was run.
        assert.notEqual(Math.round(problem.simulator.run(problem.order, plan)), Math.round(predicted));
      }
      // A run whose world has no traces is refused by an executor that replays some.
      const plain = createProblem(dag, DEFAULT_SYSTEM, { profile: 'reference' });
      await assert.rejects(
        runOnExecutor(plain, new Uint8Array(dag.tasks.length).fill(1), plain.order, {
          executor: executor.address,
        }),
        /replays traces/,
      );
    } finally {
      await executor.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
