// The federation's pure parts: the parameter codec, upload checks, tokens, addresses, the state store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeParams, encodeParams } from '../src/services/federation/params-codec.js';
import { checkUpdate } from '../src/services/federation/update-check.js';
import { robustCombine } from '../src/services/federation/aggregate.js';
import { bearerToken, checkDeviceName, hashToken, newToken } from '../src/services/federation/tokens.js';
import { parseServerUrl } from '../src/services/federation/endpoint.js';
import { parseHostPort } from '../src/services/grpc/address.js';
import { StateStore } from '../src/services/federation/state-store.js';
import { DEFAULT_FEDERATION, updateNormBound } from '../src/services/federation/settings.js';
import { cliPath } from './helpers/paths.js';
import { startCli } from './helpers/processes.js';
import { createServer, type AddressInfo } from 'node:net';
import { tempDir } from './helpers/tmp.js';

test('parameters round-trip as float32 bytes; every corruption is named', () => {
  const values = Float32Array.from([0, -1.5, 3.25, 1e-30, 7]);
  const msg = encodeParams(values);
  assert.equal(msg.data.length, 20);
  const back = decodeParams(msg, 5);
  assert.ok(back.ok);
  assert.deepEqual(Array.from(back.values), Array.from(values));
  assert.match(
    (decodeParams(msg, 6) as { reason: string }).reason,
    /wrong shape: 5 parameters, the model has 6/,
  );
  assert.match((decodeParams({ ...msg, format: 2 }, 5) as { reason: string }).reason, /format 2/);
  const flipped = Buffer.from(msg.data);
  flipped[3] ^= 1;
  assert.match(
    (decodeParams({ ...msg, data: flipped }, 5) as { reason: string }).reason,
    /checksum mismatch/,
  );
  assert.match(
    (decodeParams({ ...msg, data: msg.data.subarray(4), count: 5 }, 5) as { reason: string }).reason,
    /16 bytes/,
  );
  assert.match((decodeParams(null, 5) as { reason: string }).reason, /no parameters/);
});

test('upload checks: version, samples, finiteness, norm bound (reject or clip onto the bound)', () => {
  const theta = new Float32Array(100).fill(0.5);
  const near = theta.map((v) => v + 0.01);
  const far = theta.map((v) => v + 1);
  const update = (tp: Float32Array, extra = {}) => ({
    round: 1,
    modelVersion: 0,
    params: encodeParams(tp),
    samples: 8,
    sampledMakespanMs: 10,
    ...extra,
  });
  const expect = { modelVersion: 0, normBound: 1, normPolicy: 'reject' as const, maxSamples: 8 };
  const ok = checkUpdate(update(near), theta, expect);
  assert.ok(ok.ok && !ok.clipped && Math.abs(ok.updateNorm - 0.1) < 1e-5);
  assert.match(
    (checkUpdate(update(near, { modelVersion: 3 }), theta, expect) as { reason: string }).reason,
    /stale model version 3/,
  );
  assert.match(
    (checkUpdate(update(near, { samples: 0 }), theta, expect) as { reason: string }).reason,
    /sample count/,
  );
  assert.match(
    (checkUpdate(update(near, { samples: 9 }), theta, expect) as { reason: string }).reason,
    /sample count 9 exceeds the round's 8/,
  );
  const nan = near.slice();
  nan[42] = Number.POSITIVE_INFINITY;
  assert.match(
    (checkUpdate(update(nan), theta, expect) as { reason: string }).reason,
    /non-finite value at parameter 42/,
  );
  assert.match(
    (checkUpdate(update(far), theta, expect) as { reason: string }).reason,
    /update norm 10\.00 exceeds the bound 1\.000/,
  );
  const clipped = checkUpdate(update(far), theta, { ...expect, normPolicy: 'clip' });
  assert.ok(clipped.ok && clipped.clipped);
  let sq = 0;
  for (let i = 0; i < theta.length; i++) sq += (clipped.thetaPrime[i] - theta[i]) ** 2;
  assert.ok(Math.abs(Math.sqrt(sq) - 1) < 1e-5, 'clipped onto the bound');
  // The automatic bound: 3·α·m·√P.
  assert.ok(Math.abs(updateNormBound(DEFAULT_FEDERATION, 5e-4, 3, 10000) - 0.45) < 1e-12);
});

test('tokens are random, stored hashed, and read from a Bearer header', () => {
  const a = newToken();
  assert.notEqual(a, newToken());
  assert.match(a, /^mrlco_[A-Za-z0-9_-]{32}$/);
  assert.equal(hashToken(a).length, 64);
  assert.equal(bearerToken(`Bearer ${a}`), a);
  assert.equal(bearerToken(a), undefined);
  assert.equal(bearerToken(undefined), undefined);
  assert.equal(checkDeviceName('phone-1.lab'), undefined);
  assert.ok(checkDeviceName('<script>'));
});

test('addresses: HOST:PORT to listen on, grpc:// or grpcs:// URLs for devices', () => {
  assert.deepEqual(parseHostPort('0.0.0.0:0', '--listen', true), { host: '0.0.0.0', port: 0 });
  assert.throws(() => parseHostPort('nowhere', '--listen', true), /--listen must be HOST:PORT/);
  assert.deepEqual(parseServerUrl('grpcs://edge.example:443'), {
    host: 'edge.example',
    port: 443,
    tls: true,
  });
  assert.deepEqual(parseServerUrl('10.0.0.2:50051'), { host: '10.0.0.2', port: 50051, tls: false });
  assert.throws(() => parseServerUrl('http://x:1'), /expected grpc:\/\/HOST:PORT/);
});

test('the state store: a second device with the same name is refused; a corrupt database is one line', () => {
  const dir = tempDir('store');
  const store = StateStore.open(dir);
  store.addDevice('d1', hashToken('t1'));
  assert.throws(() => store.addDevice('d1', hashToken('t2')), /a device named d1 exists already/);
  assert.deepEqual(store.deviceByTokenHash(hashToken('t1')), { name: 'd1', revoked: false });
  assert.ok(store.revokeDevice('d1'));
  assert.equal(store.deviceByTokenHash(hashToken('t1'))?.revoked, true);
  assert.equal(store.revokeDevice('nobody'), false);
  store.close();

  const bad = tempDir('store-bad');
  writeFileSync(join(bad, 'state.db'), 'this is not a database'.repeat(100));
  const r = spawnSync(process.execPath, [cliPath, 'serve', '--state', bad, '--listen', '127.0.0.1:0'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr.trim(),
    /^mrlco: .*state\.db: cannot open the service state: file is not a database$/,
  );
});

test('robust aggregation: coordinate-wise median and trimmed mean ignore an outlier', () => {
  const honest = [Float32Array.from([1, 2]), Float32Array.from([1.2, 2.2]), Float32Array.from([0.8, 1.8])];
  const poisoned = [...honest, Float32Array.from([100, -100])];
  assert.deepEqual(Array.from(robustCombine(honest, 'median', 0)), [1, 2]);
  // Even n: the mean of the two middle values.
  const median = robustCombine(poisoned, 'median', 0);
  assert.ok(Math.abs(median[0] - 1.1) < 1e-6 && Math.abs(median[1] - 1.9) < 1e-6);
  // n = 4, trim 0.25: one value dropped at each end.
  const trimmed = robustCombine(poisoned, 'trimmed-mean', 0.25);
  assert.ok(Math.abs(trimmed[0] - 1.1) < 1e-6 && Math.abs(trimmed[1] - 1.9) < 1e-6);
  // Trim 0 is the plain mean, which the outlier drags.
  assert.ok(Math.abs(robustCombine(poisoned, 'trimmed-mean', 0)[0] - 25.75) < 1e-5);
});

test('serve names a bad TLS file in one line and creates no state', () => {
  const dir = tempDir('tls-bad');
  const pem = join(dir, 'bad.pem');
  writeFileSync(pem, 'not a certificate\n');
  const r = spawnSync(
    process.execPath,
    [
      cliPath,
      'serve',
      '--state',
      join(dir, 'state'),
      '--tls-cert',
      pem,
      '--tls-key',
      pem,
      '--listen',
      '127.0.0.1:0',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^mrlco: .*bad\.pem: not a PEM certificate: [^\n]*$/);
  assert.equal(existsSync(join(dir, 'state')), false);
});

test('serve: a busy --listen or --http port is one line before any state is made; one service per state folder', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const port = (busy.address() as AddressInfo).port;
  const root = tempDir('ports');
  try {
    for (const flag of ['--listen', '--http']) {
      const state = join(root, flag.slice(2));
      const args =
        flag === '--listen'
          ? ['--listen', `127.0.0.1:${port}`]
          : ['--listen', '127.0.0.1:0', '--http', `127.0.0.1:${port}`];
      const r = spawnSync(
        process.execPath,
        [cliPath, 'serve', '--state', state, ...args, '--rounds', '1', '--hidden', '8'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim(), `mrlco: ${flag} 127.0.0.1:${port}: address already in use`);
      assert.ok(!existsSync(state), `${flag}: no state created`);
    }
    const state = join(root, 'shared');
    const first = startCli([
      'serve',
      '--state',
      state,
      '--listen',
      '127.0.0.1:0',
      '--rounds',
      '1',
      '--hidden',
      '8',
    ]);
    try {
      await first.waitFor(/service listening/, 20_000);
      const second = spawnSync(
        process.execPath,
        [cliPath, 'serve', '--state', state, '--listen', '127.0.0.1:0', '--rounds', '1', '--hidden', '8'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      assert.equal(second.status, 1, second.stderr);
      assert.match(
        second.stderr.trim(),
        /in use by another mrlco process \(pid \d+\); one writer per folder$/,
      );
    } finally {
      first.kill('SIGTERM');
      await first.exited;
    }
  } finally {
    busy.close();
  }
});

test('serve token rotate gives a device a new token, refuses the old one and re-admits a revoked device', () => {
  const state = tempDir('rotate');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [cliPath, 'serve', 'token', ...args, '--state', state], { encoding: 'utf8' });
  const added = run('add', 'dev-a');
  assert.equal(added.status, 0, added.stderr);
  const oldToken = added.stdout.trim();
  assert.equal(run('revoke', 'dev-a').status, 0);
  // Adding it again is refused, naming the command that re-admits it.
  const again = run('add', 'dev-a');
  assert.equal(again.status, 1);
  assert.equal(again.stderr.trim().split('\n').length, 1);
  assert.match(
    again.stderr,
    /exists already \(revoked\): `mrlco serve token rotate dev-a --state .*` gives it a new token and re-admits it/,
  );
  const rotated = run('rotate', 'dev-a');
  assert.equal(rotated.status, 0, rotated.stderr);
  const newTokenValue = rotated.stdout.trim();
  assert.notEqual(newTokenValue, oldToken);
  const store = StateStore.open(state, { create: false });
  try {
    assert.equal(store.deviceByTokenHash(hashToken(oldToken)), undefined);
    assert.deepEqual(store.deviceByTokenHash(hashToken(newTokenValue)), { name: 'dev-a', revoked: false });
  } finally {
    store.close();
  }
  const unknown = run('rotate', 'nobody');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no device named nobody/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  // A state folder below a file: one line in words, not the system's ENOTDIR text.
  writeFileSync(join(state, 'file'), '');
  const below = spawnSync(
    process.execPath,
    [cliPath, 'serve', 'token', 'add', 'x', '--state', join(state, 'file', 'st')],
    { encoding: 'utf8' },
  );
  assert.equal(below.status, 1);
  assert.equal(
    below.stderr,
    `mrlco: ${join(state, 'file', 'st')}: cannot hold the service state: a part of this path is a file, not a folder\n`,
  );
});
