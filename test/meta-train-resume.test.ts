// meta-train --resume continues a run from its folder alone: the preset, the data root and --max-dags
// are the run's (config.json records them), a differing one is refused by name and leaves the folder as
// it was, and the continued run ends where an uninterrupted one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTensorFile } from '../src/nn/tensor-file.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

const small = ['--hidden', '8', '--trajectories', '1', '--dags-per-batch', '2', '--workers', '0'];

function metaTrain(...args: string[]) {
  return spawnSync(process.execPath, [cliPath, 'meta-train', ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
}

const folder = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));

test('meta-train --out R --resume --iterations N continues with no other flag; another --max-dags is refused', () => {
  const base = tempDir('meta-resume');
  const start = ['--preset', 'tasks', '--max-dags', '2', '--data-root', referenceData, ...small];
  const straight = join(base, 'straight');
  const resumed = join(base, 'resumed');
  assert.equal(metaTrain(...start, '--iterations', '3', '--out', straight).status, 0);
  const first = metaTrain(...start, '--iterations', '2', '--out', resumed);
  assert.equal(first.status, 0, first.stderr);
  const config = JSON.parse(readFileSync(join(resumed, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config.maxDags, 2, 'config.json records --max-dags');
  assert.equal(config.preset, 'tasks');

  // Another --max-dags (or preset, or data root) would train on other data: refused, nothing written.
  const before = folder(resumed);
  for (const [flag, value, line] of [
    ['--max-dags', '3', '--max-dags is 2 in this run, 3 given'],
    ['--preset', 'rates', '--preset is "tasks" in this run, "rates" given'],
    ['--data-root', base, `--data-root is "${referenceData}" in this run, "${base}" given`],
  ]) {
    const r = metaTrain('--out', resumed, '--resume', '--iterations', '3', flag, value);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `mrlco: ${resumed}: resume refused: ${line}\n`);
    assert.deepEqual(folder(resumed), before);
  }

  const more = metaTrain('--out', resumed, '--resume', '--iterations', '3', '--workers', '0', '--json');
  assert.equal(more.status, 0, more.stderr);
  const summary = JSON.parse(more.stdout.trim().split('\n').pop()!) as { resumedFrom: number };
  assert.equal(summary.resumedFrom, 2);
  assert.deepEqual(
    readTensorFile(join(resumed, 'checkpoint.bin')).arrays,
    readTensorFile(join(straight, 'checkpoint.bin')).arrays,
  );
});
