import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTensorFile, writeTensorFile } from '../src/nn/tensor-file.js';
import { InputError } from '../src/util/errors.js';
import { Adam, clipGradNorm } from '../src/nn/adam.js';
import { tempDir } from './helpers/tmp.js';

const file = () => ({
  meta: { model: 'test', hidden: 4 },
  tensors: [{ name: 'w', shape: [2, 3] }],
  arrays: {
    values: Float32Array.from([1, 2, 3, 4, 5, 6.5]),
    'adam.m': Float32Array.from([0.5, -1, 0, 0, 0, 0]),
  },
});

test('tensor files round-trip exactly', () => {
  const path = join(tempDir('tf'), 'p.bin');
  writeTensorFile(path, file());
  const back = readTensorFile(path);
  assert.deepEqual(back.meta, file().meta);
  assert.deepEqual(back.tensors, file().tensors);
  assert.deepEqual(back.arrays.values, file().arrays.values);
  assert.deepEqual(back.arrays['adam.m'], file().arrays['adam.m']);
});

test('corrupt tensor files give one clear line naming the file', () => {
  const dir = tempDir('tf');
  const path = join(dir, 'p.bin');
  writeTensorFile(path, file());
  const good = readFileSync(path);
  const cases: [string, Buffer, RegExp][] = [
    ['magic', Buffer.concat([Buffer.from('XXXXXXXX'), good.subarray(8)]), /bad magic/],
    ['truncated', good.subarray(0, good.length - 5), /truncated/],
    ['flipped', Buffer.from(good.map((b, i) => (i === good.length - 2 ? b ^ 0xff : b))), /checksum mismatch/],
    ['trailing', Buffer.concat([good, Buffer.from([1, 2, 3, 4])]), /trailing bytes/],
    ['empty', Buffer.alloc(0), /bad magic/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const p = join(dir, `${name}.bin`);
    writeFileSync(p, bytes);
    assert.throws(
      () => readTensorFile(p),
      (err: unknown) =>
        err instanceof InputError &&
        pattern.test(err.message) &&
        err.message.startsWith(p) &&
        !err.message.includes('\n'),
      name,
    );
  }
  assert.throws(() => readTensorFile(join(dir, 'missing.bin')), /no such file/);
});

test('Adam follows the reference update and clipping bounds the global norm', () => {
  const adam = new Adam(2, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const values = Float32Array.from([1, -1]);
  adam.step(values, Float32Array.from([0.5, -2]));
  // First step: m̂ = g, v̂ = g², so the update is lr · sign(g).
  assert.ok(Math.abs(values[0] - 0.9) < 1e-6 && Math.abs(values[1] + 0.9) < 1e-6);
  const g = Float32Array.from([3, 4]);
  assert.equal(clipGradNorm(g, 1), 5);
  assert.ok(Math.abs(Math.hypot(g[0], g[1]) - 1) < 1e-6);
});
