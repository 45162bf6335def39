// The edge system end to end on loopback: `mrlco serve` and `mrlco device` as separate processes.
// Equivalence with one-process meta-training, a service and a device killed mid-round, and misbehaving
// or unauthenticated devices.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chromium } from 'playwright-core';
import { readDataset } from '../src/dag/io.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { metaTrain } from '../src/meta/meta-trainer.js';
import { getBackend } from '../src/nn/select-backend.js';
import { createPolicy } from '../src/policy/create.js';
import { loadCheckpoint } from '../src/rl/checkpoint.js';
import type { RunConfig } from '../src/rl/config.js';
import { FederationClient } from '../src/services/federation/device.js';
import { decodeParams, encodeParams } from '../src/services/federation/params-codec.js';
import { StateStore } from '../src/services/federation/state-store.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/browser.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { startCli, type CliProcess } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';

const base = tempDir('federation');
const started: CliProcess[] = [];
after(() => {
  for (const p of started) p.kill();
  rmSync(base, { recursive: true, force: true });
});

/** Small datasets: the first `count` DAGs of a reference set, one folder per device. */
function dataset(name: string, set: string, count: number): string {
  const dir = join(base, 'data', name);
  mkdirSync(dir, { recursive: true });
  const n = /(\d+)$/.exec(set)![1];
  for (let i = 0; i < count; i++)
    copyFileSync(
      join(referenceData, 'meta_offloading_n', set, `random.${n}.${i}.gv`),
      join(dir, `random.${n}.${i}.gv`),
    );
  return dir;
}

const deviceData = [
  dataset('n10', 'offload_random10', 4),
  dataset('n15', 'offload_random15', 4),
  dataset('n20', 'offload_random20', 4),
];
const evalData = dataset('n25', 'offload_random25', 2);
const TRAINING = [
  '--hidden',
  '16',
  '--trajectories',
  '2',
  '--dags-per-batch',
  '4',
  '--seed',
  '7',
  '--profile',
  'reference',
];

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function addToken(state: string, name: string): string {
  const r = cli(['serve', 'token', 'add', name, '--state', state]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function serve(state: string, args: string[]): Promise<{ proc: CliProcess; port: number }> {
  const proc = startCli(['serve', '--state', state, ...args]);
  started.push(proc);
  const m = await proc.waitFor(/service listening on grpcs?:\/\/127\.0\.0\.1:(\d+)/, 30_000);
  return { proc, port: Number(m[1]) };
}

function deviceArgs(url: string, token: string, data: string, ...extra: string[]): string[] {
  return ['device', '--server', url, '--token', token, '--data', data, '--profile', 'reference', ...extra];
}

function device(port: number, token: string, data: string): CliProcess {
  const proc = startCli(deviceArgs(`grpc://127.0.0.1:${port}`, token, data));
  started.push(proc);
  return proc;
}

/** One-process MRLCO meta-training (meta/meta-trainer.ts) on the devices' tasks, in device-name order. */
async function oneProcessTheta(run: RunConfig, dirs: string[]): Promise<Float32Array> {
  const tasks = dirs.map((d) => {
    const ds = readDataset(d);
    return { name: ds.name, dags: ds.dags, system: DEFAULT_SYSTEM, profile: 'reference' as const };
  });
  const r = await metaTrain({ be: getBackend(), config: run, trainTasks: tasks });
  return r.policy.params.values;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('three device processes reproduce one-process meta-training (same θ)', async () => {
  const state = join(base, 'equivalence');
  const tokens = ['dev-a', 'dev-b', 'dev-c'].map((d) => addToken(state, d));
  const { proc } = await serve(state, [
    '--listen',
    '127.0.0.1:0',
    ...TRAINING,
    '--rounds',
    '3',
    '--meta-batch',
    '3',
    '--min-devices',
    '3',
    '--exit-when-done',
    '--eval-data',
    evalData,
  ]);
  const port = Number(/:(\d+) \(state/.exec(proc.output())![1]);
  const devices = tokens.map((t, i) => device(port, t, deviceData[i]));
  assert.equal(await proc.exited, 0, proc.output());
  for (const d of devices) assert.equal(await d.exited, 0, d.output());

  const saved = loadCheckpoint(join(state, 'policy.bin'));
  assert.equal(saved.state.iteration, 3);
  const run = saved.state.run;
  assert.equal(run.policy.hidden, 16);
  assert.equal(run.meta.metaBatch, 3);
  assert.equal(run.ppo.trajectoriesPerDag, 2);
  const expected = await oneProcessTheta(run, deviceData);
  const initial = createPolicy(run.policy, run.seed).params.values;
  assert.ok(maxAbsDiff(expected, initial) > 1e-4, 'meta-training moved θ');
  const diff = maxAbsDiff(saved.policy.params.values, expected);
  assert.ok(diff <= 1e-6, `federated θ differs from one-process θ by ${diff}`);
  for (const d of devices) assert.match(d.output(), /done: 3 rounds, 3 accepted, 0 refused/);
  // The offloading scheduler decides with the service's θ; its makespan is the latency model's.
  const dag = join(deviceData[0], 'random.10.0.gv');
  const decided = cli([
    'schedule',
    '--policy',
    join(state, 'policy.bin'),
    '--dag',
    dag,
    '--profile',
    'reference',
    '--json',
  ]);
  assert.equal(decided.status, 0, decided.stderr);
  const decision = JSON.parse(decided.stdout) as { plan: string; makespanMs: number };
  assert.match(decision.plan, /^[01]{10}$/);
  const evaluated = cli([
    'evaluate',
    '--dag',
    dag,
    '--plan',
    decision.plan,
    '--profile',
    'reference',
    '--json',
  ]);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.equal(decision.makespanMs, (JSON.parse(evaluated.stdout) as { makespanMs: number }).makespanMs);
  // A restart may raise --rounds but not change the run's settings.
  const changed = cli(['serve', '--state', state, '--listen', '127.0.0.1:0', '--hidden', '32']);
  assert.equal(changed.status, 2);
  assert.match(
    changed.stderr,
    /holds a run with other settings \(run\.policy\.hidden\); only --rounds may change/,
  );
  // θ was evaluated on the held-out tasks after every round.
  const store = StateStore.open(state, { create: false });
  const rounds = store.listRounds();
  store.close();
  assert.deepEqual(
    rounds.map((r) => r.testMakespanMs !== null && r.testMakespanMs > 0),
    [true, true, true],
  );
});

test('the service and a device killed mid-round: restarted, training ends with the uninterrupted θ', async () => {
  const state = join(base, 'restart');
  const names = ['dev-a', 'dev-b', 'dev-c'];
  const tokens = names.map((d) => addToken(state, d));
  const settings = [
    ...TRAINING,
    '--rounds',
    '4',
    '--meta-batch',
    '3',
    '--min-devices',
    '3',
    '--exit-when-done',
  ];
  const first = await serve(state, ['--listen', '127.0.0.1:0', ...settings]);
  const port = first.port;
  const devices = tokens.map((t, i) => device(port, t, deviceData[i]));
  // Kill dev-c as it starts round 2's inner loop, and the service with it: round 1 is committed, round 2 open.
  await devices[2].waitFor(/round 2: training/);
  devices[2].kill();
  first.proc.kill();
  await first.proc.exited;
  const store = StateStore.open(state, { create: false });
  const committed = store.listRounds();
  store.close();
  assert.deepEqual(
    committed.map((r) => [r.round, r.accepted]),
    [[1, 3]],
  );

  // Same state, same port, no training flags: the stored configuration is used.
  const second = await serve(state, ['--listen', `127.0.0.1:${port}`, '--exit-when-done']);
  const revived = device(port, tokens[2], deviceData[2]);
  assert.equal(await second.proc.exited, 0, second.proc.output());
  assert.equal(await revived.exited, 0, revived.output());
  for (const d of devices.slice(0, 2)) assert.equal(await d.exited, 0, d.output());

  const after = StateStore.open(state, { create: false });
  const rounds = after.listRounds();
  after.close();
  assert.deepEqual(
    rounds.map((r) => [r.round, r.accepted, r.missed]),
    [
      [1, 3, 0],
      [2, 3, 0],
      [3, 3, 0],
      [4, 3, 0],
    ],
  );
  const saved = loadCheckpoint(join(state, 'policy.bin'));
  const expected = await oneProcessTheta(saved.state.run, deviceData);
  const diff = maxAbsDiff(saved.policy.params.values, expected);
  assert.ok(diff <= 1e-6, `θ after the restart differs from the uninterrupted one by ${diff}`);
});

/** A hand-driven device for misbehaviour: it takes its round's θ and uploads whatever the test makes of it. */
async function rogue(
  port: number,
  token: string,
  act: (
    client: FederationClient,
    task: Awaited<ReturnType<FederationClient['nextTask']>>,
    theta: Float32Array,
  ) => Promise<string | undefined>,
): Promise<string | undefined> {
  const client = new FederationClient({ host: '127.0.0.1', port, tls: false }, token);
  try {
    const hello = await client.hello('rogue', 1);
    for (;;) {
      const task = await client.nextTask(5000);
      if (task.kind === 'DONE') return undefined;
      if (task.kind !== 'TRAIN') continue;
      const theta = decodeParams(task.params, hello.paramCount);
      assert.ok(theta.ok);
      return await act(client, task, theta.values);
    }
  } finally {
    client.close();
  }
}

test('bad uploads, a silent device and bad credentials are refused; training goes on', async () => {
  const state = join(base, 'faults');
  const honest = ['dev-a', 'dev-b'].map((d) => addToken(state, d));
  const rogues = ['r-nan', 'r-shape', 'r-norm', 'r-stale', 'r-silent'];
  const rogueTokens = rogues.map((d) => addToken(state, d));
  const revoked = addToken(state, 'r-revoked');
  assert.equal(cli(['serve', 'token', 'revoke', 'r-revoked', '--state', state]).status, 0);
  const { proc, port } = await serve(state, [
    '--listen',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    ...TRAINING,
    '--rounds',
    '2',
    '--meta-batch',
    '7',
    '--min-devices',
    '7',
    '--deadline',
    '4',
    '--exit-when-done',
  ]);
  const pageUrl = (await proc.waitFor(/status page on (http:\S+)/))[1];

  const submit = async (
    client: FederationClient,
    round: number,
    version: number,
    params: ReturnType<typeof encodeParams>,
  ) =>
    (await client.submit({ round, modelVersion: version, params, samples: 8, sampledMakespanMs: 100 }))
      .reason;
  const replies = Promise.all([
    rogue(port, rogueTokens[0], (c, t, theta) => {
      theta[5] = Number.NaN;
      return submit(c, t.round, t.modelVersion, encodeParams(theta));
    }),
    rogue(port, rogueTokens[1], (c, t, theta) =>
      submit(c, t.round, t.modelVersion, encodeParams(theta.subarray(1))),
    ),
    rogue(port, rogueTokens[2], (c, t, theta) => {
      for (let i = 0; i < theta.length; i++) theta[i] += 1;
      return submit(c, t.round, t.modelVersion, encodeParams(theta));
    }),
    rogue(port, rogueTokens[3], (c, t, theta) => submit(c, t.round + 5, t.modelVersion, encodeParams(theta))),
    rogue(port, rogueTokens[4], async () => 'silent'),
  ]);
  const devices = honest.map((t, i) => device(port, t, deviceData[i]));
  const reasons = await replies;
  assert.match(reasons[0]!, /non-finite value at parameter 5/);
  assert.match(reasons[1]!, /wrong shape/);
  assert.match(reasons[2]!, /update norm .* exceeds the bound/);
  assert.match(reasons[3]!, /round 6 is not open/);

  // Unknown and revoked tokens are refused at the door, with the right status codes.
  const refusedWith = async (token: string): Promise<grpc.status> => {
    const c = new FederationClient({ host: '127.0.0.1', port, tls: false }, token);
    try {
      await c.hello('x', 1);
      return grpc.status.OK;
    } catch (err) {
      return (err as grpc.ServiceError).code;
    } finally {
      c.close();
    }
  };
  assert.equal(await refusedWith('mrlco_not-a-real-token'), grpc.status.UNAUTHENTICATED);
  assert.equal(await refusedWith(revoked), grpc.status.PERMISSION_DENIED);
  const badDevice = cli(deviceArgs(`grpc://127.0.0.1:${port}`, 'mrlco_nope', deviceData[0]));
  assert.equal(badDevice.status, 1);
  assert.match(
    badDevice.stderr.trim(),
    /^mrlco: grpc:\/\/127\.0\.0\.1:\d+: the service refused this device: unknown device token$/,
  );

  // The page's JSON, from the running service.
  const status = (await (await fetch(new URL('api/status', pageUrl))).json()) as {
    devices: { name: string }[];
  };
  assert.equal(status.devices.length, 8);

  // Round 2 goes on: the rogues are gone (offline after their window) or silent; the honest ones count.
  assert.equal(await proc.exited, 0, proc.output());
  for (const d of devices) assert.equal(await d.exited, 0, d.output());
  const store = StateStore.open(state, { create: false });
  const rounds = store.listRounds();
  const events = store.listEvents();
  store.close();
  assert.equal(rounds.length, 2);
  assert.deepEqual([rounds[0].accepted, rounds[0].rejected, rounds[0].missed], [2, 3, 2]);
  assert.equal(rounds[0].closedBy, 'deadline');
  assert.equal(rounds[1].accepted, 2);
  for (const [device, reason] of [
    ['r-nan', /non-finite/],
    ['r-shape', /wrong shape/],
    ['r-norm', /exceeds the bound/],
    ['r-stale', /not open/],
    ['r-revoked', /revoked/],
  ] as const)
    assert.ok(
      events.some((e) => e.device === device && reason.test(e.reason)),
      `no refusal logged for ${device}`,
    );
  assert.match(proc.output(), /refused r-nan in round 1: non-finite value/);
  // θ survived: finite, and moved by at most two outer Adam steps (β each, per parameter).
  const saved = loadCheckpoint(join(state, 'policy.bin'));
  const initial = createPolicy(saved.state.run.policy, saved.state.run.seed).params.values;
  const moved = maxAbsDiff(saved.policy.params.values, initial);
  assert.ok(
    Number.isFinite(moved) && moved > 0 && moved <= 2 * saved.state.run.meta.outerLearningRate * 1.01,
    `θ moved ${moved}`,
  );
});

test('over TLS: a device that trusts the service certificate trains; a plaintext one cannot connect', async () => {
  const state = join(base, 'tls');
  const key = join(base, 'tls.key');
  const cert = join(base, 'tls.crt');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, `openssl could not make a test certificate: ${made.stderr}`);
  const token = addToken(state, 'dev-a');
  const { proc, port } = await serve(state, [
    '--listen',
    '127.0.0.1:0',
    '--tls-cert',
    cert,
    '--tls-key',
    key,
    ...TRAINING,
    '--rounds',
    '1',
    '--meta-batch',
    '1',
    '--exit-when-done',
  ]);
  assert.match(proc.output(), /listening on grpcs:/);
  const plain = cli(deviceArgs(`grpc://127.0.0.1:${port}`, token, deviceData[0], '--give-up', '2'));
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /unreachable/);
  const secure = startCli(deviceArgs(`grpcs://127.0.0.1:${port}`, token, deviceData[0], '--tls-ca', cert));
  started.push(secure);
  assert.equal(await secure.exited, 0, secure.output());
  assert.match(secure.output(), /done: 1 rounds, 1 accepted/);
  assert.equal(await proc.exited, 0, proc.output());
});

// The few browser globals the page predicates use (the compiler's lib has no DOM types).
declare const document: {
  querySelector(
    selector: string,
  ): { getAttribute(name: string): string | null; naturalWidth?: number } | null;
  querySelectorAll(selector: string): { length: number };
};

test('the status page of a running service shows its devices, the makespan chart and a Gantt chart', async () => {
  const state = join(base, 'page');
  const tokens = ['dev-a', 'dev-b'].map((d) => addToken(state, d));
  const { proc, port } = await serve(state, [
    '--listen',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    ...TRAINING,
    '--rounds',
    '3',
    '--meta-batch',
    '2',
    '--min-devices',
    '2',
    '--eval-data',
    evalData,
  ]);
  const pageUrl = (await proc.waitFor(/status page on (http:\S+)/))[1];
  const devices = tokens.map((t, i) => device(port, t, deviceData[i]));
  await proc.waitFor(/training finished after 3 rounds/);
  for (const d of devices) assert.equal(await d.exited, 0, d.output());
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    await page.waitForFunction(
      () => document.querySelectorAll('#devices tr[data-device]').length === 2,
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.waitForFunction(
      () =>
        document.querySelector('#chart path.series[data-series="test"]')?.getAttribute('data-points') === '3',
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForFunction(() => (document.querySelector('#gantt')?.naturalWidth ?? 0) > 0, undefined, {
      timeout: 15_000,
    });
    const names = await page.$$eval('#devices tr[data-device]', (rows) =>
      rows.map((r) => r.getAttribute('data-device')),
    );
    assert.deepEqual(names, ['dev-a', 'dev-b']);
    assert.equal(await page.locator('#chart line.reference').count(), 2, 'HEFT and Greedy reference lines');
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
    assert.equal(await proc.exited, 0);
  }
});
