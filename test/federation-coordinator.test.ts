// The coordinator and the gRPC server in this process: straggler backoff and the message size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { getBackend } from '../src/nn/select-backend.js';
import { DEFAULT_RUN, mergeRunConfig } from '../src/rl/config.js';
import { Coordinator } from '../src/services/federation/coordinator.js';
import { FederationClient } from '../src/services/federation/device.js';
import { decodeParams, encodeParams } from '../src/services/federation/params-codec.js';
import { startFederationServer } from '../src/services/federation/server.js';
import { DEFAULT_FEDERATION } from '../src/services/federation/settings.js';
import { StateStore } from '../src/services/federation/state-store.js';
import { hashToken } from '../src/services/federation/tokens.js';
import { ManualClock } from '../src/util/clock.js';
import { FederationStatusSource } from '../src/services/web/federation-status.js';
import { tempDir } from './helpers/tmp.js';

const run = mergeRunConfig(
  DEFAULT_RUN,
  { policy: { hidden: 8, layers: 1 }, meta: { metaBatch: 3 }, iterations: 6, seed: 3 },
  'test',
);

function setup(
  deadlineS: number,
  extra: Partial<typeof DEFAULT_FEDERATION> = {},
  clock?: ManualClock,
): { coordinator: Coordinator; store: StateStore } {
  const store = StateStore.open(tempDir('coord'));
  for (const d of ['d1', 'd2', 'd3']) store.addDevice(d, hashToken(`token-${d}`));
  const coordinator = new Coordinator({
    be: getBackend(),
    store,
    run,
    federation: { ...DEFAULT_FEDERATION, minDevices: 3, roundDeadlineS: deadlineS, ...extra },
    ...(clock ? { clock } : {}),
  });
  return { coordinator, store };
}

test('a device that keeps missing rounds sits out more of them (on a manual clock: no sleeping)', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const { coordinator, store } = setup(0.5, {}, clock);
  const selections: string[][] = [];
  for (const d of ['d1', 'd2', 'd3']) coordinator.hello(d, d);
  for (let round = 1; round <= 5; round++) {
    const answered: string[] = [];
    for (const d of ['d1', 'd2', 'd3']) {
      const task = await coordinator.nextTask(d, 0);
      // (d2's upload may close this round and open the next before d3 asks: count this round only.)
      if (task.kind !== 'TRAIN' || task.round !== round) continue;
      answered.push(d);
      // d1 and d2 upload θ unchanged (a valid, empty update); d3 never answers.
      if (d !== 'd3')
        coordinator.submit(d, {
          round: task.round,
          modelVersion: task.modelVersion,
          params: task.params,
          samples: 1,
          sampledMakespanMs: 1,
        });
    }
    selections.push(answered.sort());
    // The round closes when every selected device has answered, or at its deadline.
    if (coordinator.round < round) clock.advance(500);
    assert.ok(coordinator.round >= round, `round ${round} closed`);
  }
  // Misses in rounds 1 and 2 → sits out round 3; back in round 4, misses again (3rd) → sits out 5 (and 6-7).
  assert.deepEqual(selections, [
    ['d1', 'd2', 'd3'],
    ['d1', 'd2', 'd3'],
    ['d1', 'd2'],
    ['d1', 'd2', 'd3'],
    ['d1', 'd2'],
  ]);
  const d3 = new FederationStatusSource(coordinator).status().devices.find((d) => d.name === 'd3')!;
  assert.equal(d3.failures, 3);
  assert.equal(d3.lastOutcome, 'missed');
  assert.deepEqual(
    store.listRounds().map((r) => r.closedBy),
    ['deadline', 'deadline', 'all', 'deadline', 'all'],
  );
  coordinator.shutdown();
  store.close();
});

test('messages over the size limit are refused by gRPC; the service keeps serving', async () => {
  const { coordinator, store } = setup(60);
  const service = await startFederationServer({ coordinator, store, host: '127.0.0.1', port: 0 });
  const client = new FederationClient({ host: '127.0.0.1', port: service.port, tls: false }, 'token-d1');
  try {
    const hello = await client.hello('d1', 1);
    assert.equal(hello.maxMessageBytes, hello.paramCount * 4 + (1 << 20));
    const huge = encodeParams(new Float32Array(hello.maxMessageBytes / 4 + 1000));
    await assert.rejects(
      client.submit({ round: 1, modelVersion: 0, params: huge, samples: 1, sampledMakespanMs: 1 }),
      (err: grpc.ServiceError) => err.code === grpc.status.RESOURCE_EXHAUSTED,
    );
    assert.equal((await client.hello('d1', 1)).device, 'd1');
  } finally {
    client.close();
    await service.close();
    store.close();
  }
});

test('with the median, a poisoner inside the norm bound cannot move θ; with the mean it can', async () => {
  const moved: number[] = [];
  for (const aggregation of ['median', 'mean'] as const) {
    const { coordinator, store } = setup(60, { aggregation });
    for (const d of ['d1', 'd2', 'd3']) coordinator.hello(d, d);
    const before = coordinator.policy.params.values.slice();
    for (const d of ['d1', 'd2', 'd3']) {
      const task = await coordinator.nextTask(d, 0);
      assert.equal(task.kind, 'TRAIN');
      const theta = decodeParams(task.params, before.length);
      assert.ok(theta.ok);
      // d1 and d2: no change; d3 pushes every parameter the same way, just inside the bound.
      if (d === 'd3') for (let i = 0; i < theta.values.length; i++) theta.values[i] += 1e-4;
      const reply = coordinator.submit(d, {
        round: 1,
        modelVersion: 0,
        params: encodeParams(theta.values),
        samples: 1,
        sampledMakespanMs: 1,
      });
      assert.ok(reply.accepted, reply.reason);
    }
    assert.equal(coordinator.round, 1);
    let m = 0;
    const after = coordinator.policy.params.values;
    for (let i = 0; i < after.length; i++) m = Math.max(m, Math.abs(after[i] - before[i]));
    moved.push(m);
    coordinator.shutdown();
    store.close();
  }
  assert.equal(moved[0], 0, 'median: θ unchanged');
  assert.ok(moved[1] > 1e-4, `mean: θ moved ${moved[1]}`);
});

test('a device whose long poll is cancelled (its process ended) is offline at once, not for the online window', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const { coordinator } = setup(600, {}, clock);
  const online = () =>
    coordinator
      .view()
      .devices.filter((d) => d.online)
      .map((d) => d.name);
  coordinator.hello('d1', 'd1');
  coordinator.hello('d2', 'd2');
  // Fewer than minDevices (3): both wait in a long poll.
  const polls = [coordinator.nextTask('d1', 10_000), coordinator.nextTask('d2', 10_000)];
  assert.deepEqual(online(), ['d1', 'd2']);
  coordinator.leave('d1');
  assert.equal((await polls[0]).kind, 'WAIT');
  assert.deepEqual(online(), ['d2'], 'd1 left: offline although its last call is within the window');
  clock.advance(10_000);
  assert.equal((await polls[1]).kind, 'WAIT');
  assert.deepEqual(online(), ['d2'], 'd2 still within the window after its poll ended');
  // A cancel reported for a poll already answered (its client closing afterwards) changes nothing.
  coordinator.leave('d2');
  assert.deepEqual(online(), ['d2']);
  coordinator.shutdown();
});
