/**
 * File-system mistakes and out-of-range sizes reach the user as one line naming the path or the
 * setting, with exit 1 (never a stack trace or "internal error"): --out that is a file, a path through a
 * file, a folder where a file goes, a full disk (the error mapping, as a full disk cannot be made
 * here), --hidden beyond its bound; and `train --iterations 0` reports no checkpoint it never wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsInputError, fsProblem } from '../src/util/fs-errors.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

const set10 = join(referenceData, 'meta_offloading_n/offload_random10');

function mrlco(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLine(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error|^\s+at\s/m);
}

const tiny = ['--iterations', '1', '--dags-per-batch', '2', '--trajectories', '2', '--workers', '0'];

test('--out that is a file, or a path through a file: one line naming it', () => {
  const dir = tempDir('fs');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  for (const cmd of [
    ['train', '--data', set10, ...tiny],
    ['generate', '--count', '1'],
    ['adapt', '--data', set10, '--steps', '0', '--optimal-time-limit', '0', '--workers', '0'],
  ]) {
    assertOneLine(mrlco(...cmd, '--out', file), new RegExp(`${file}: .*(not a folder|already exists)`));
    assertOneLine(mrlco(...cmd, '--out', join(file, 'sub')), new RegExp(`${file}.*: .*not a folder`));
  }
});

test('a folder where a file goes: one line naming it', () => {
  const dir = tempDir('fs');
  const folder = join(dir, 'schedule.svg');
  mkdirSync(folder);
  const dag = join(set10, 'random.10.1.gv');
  assertOneLine(mrlco('gantt', '--dag', dag, '--out', folder), new RegExp(`${folder}: is a folder`));
});

test('a full disk and other file-system errors are described in words, naming the path', () => {
  assert.equal(fsProblem({ code: 'ENOSPC', syscall: 'write' }), 'no space left on the device');
  assert.equal(fsProblem({ code: 'EEXIST', syscall: 'mkdir' }), 'exists and is not a folder');
  assert.equal(fsProblem(new Error('not a file-system error')), undefined);
  assert.equal(
    fsInputError({ code: 'ENOSPC', syscall: 'write', path: '/runs/x/checkpoint.bin' })?.message,
    '/runs/x/checkpoint.bin: no space left on the device',
  );
  // The atomic writer names the target, not its temporary file.
  const dir = tempDir('fs');
  mkdirSync(join(dir, 'taken'));
  assert.throws(() => writeFileAtomic(join(dir, 'taken'), 'x'), {
    name: 'InputError',
    message: `${join(dir, 'taken')}: is a folder, expected a file`,
  });
});

test('--hidden beyond its bound is refused with the flag named, before anything runs', () => {
  const r = mrlco('train', '--data', set10, ...tiny, '--hidden', '100000', '--out', tempDir('m'));
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    /option '--hidden <units>' argument '100000' is invalid\. expected an integer from 1 to 4096/,
  );
});

test('train --iterations 0 reports no checkpoint', () => {
  const out = join(tempDir('fs'), 'run');
  const r = mrlco('train', '--data', set10, ...tiny.slice(2), '--iterations', '0', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { checkpoint: string | null };
  assert.equal(summary.checkpoint, null);
  assert.equal(existsSync(join(out, 'checkpoint.bin')), false);
});
