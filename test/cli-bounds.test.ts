// Every count and seed a user can give has a declared upper bound (util/limits.ts): a value above it is
// refused with one line naming the option and the bound, before any work (no crash, no internal error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MAX_GENERATED_DAGS, MAX_INFERENCE_SAMPLES, MAX_SEED } from '../src/util/limits.js';
import { join } from 'node:path';
import { cliPath } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

function mrlco(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  // A bound that is missing would let the command run (or crash): the timeout keeps that a failure.
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertRefused(args: string[], option: string, bound: number): void {
  const r = mrlco(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], new RegExp(`'${option}`));
  assert.match(lines[0], new RegExp(`to ${bound}\\b`));
  assert.equal(r.stdout, '');
}

test('--samples above its bound is refused in one line (schedule, baselines)', () => {
  for (const samples of ['1000000', '1e9', String(MAX_INFERENCE_SAMPLES + 1)])
    assertRefused(
      ['schedule', '--dag', 'example:face-recognition', '--samples', samples],
      '--samples',
      MAX_INFERENCE_SAMPLES,
    );
  assertRefused(
    ['baselines', '--schedulers', 'policy', '--samples', '1000000'],
    '--samples',
    MAX_INFERENCE_SAMPLES,
  );
});

test('seeds are bounded to 0..2^32-1 wherever a command takes one', () => {
  const huge = '99999999999999999999';
  assertRefused(['train', '--data', tempDir('bounds'), '--seed', huge], '--seed', MAX_SEED);
  assertRefused(['generate', '--out', join(tempDir('bounds'), 'x'), '--seed', huge], '--seed', MAX_SEED);
  assertRefused(['schedule', '--dag', 'example:face-recognition', '--seed', huge], '--seed', MAX_SEED);
  assertRefused(['baselines', '--seed', String(MAX_SEED + 1)], '--seed', MAX_SEED);
});

test('generate --count above its bound is refused before writing anything', () => {
  const out = join(tempDir('bounds'), 'x');
  assertRefused(['generate', '--out', out, '--count', '1e9'], '--count', MAX_GENERATED_DAGS);
  assert.equal(existsSync(out), false);
});
