// A training run killed with SIGKILL resumes from its last checkpoint and ends with the same numbers
// as an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTensorFile } from '../src/nn/tensor-file.js';
import { cliPath, referenceData } from './helpers/paths.js';

const args = (out: string) => [
  cliPath,
  'train',
  '--data',
  join(referenceData, 'meta_offloading_n/offload_random10'),
  '--profile',
  'reference',
  '--hidden',
  '16',
  '--attention',
  'luong',
  '--iterations',
  '5',
  '--trajectories',
  '4',
  '--dags-per-batch',
  '30',
  '--seed',
  '7',
  '--out',
  out,
];

function metricsWithoutTimes(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { wallS: _wallS, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

test('kill -9 during training, then --resume: the same metrics and parameters as an uninterrupted run', async () => {
  const base = mkdtempSync(join(tmpdir(), 'mrlco-resume-'));
  const straight = join(base, 'straight');
  const killed = join(base, 'killed');
  const r = spawnSync(process.execPath, args(straight), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);

  // Kill the second run once iteration 2 has been checkpointed (progress lines come after the checkpoint).
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args(killed), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (/train 2\/5/.test(err)) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed: ${err}`)),
    );
  });
  const partial = readTensorFile(join(killed, 'checkpoint.bin'));
  assert.ok(
    Number(partial.meta.iteration) >= 2 && Number(partial.meta.iteration) < 5,
    `checkpoint at ${String(partial.meta.iteration)}`,
  );

  const again = spawnSync(process.execPath, args(killed), { encoding: 'utf8' });
  assert.notEqual(again.status, 0, 'an existing run is not overwritten without --resume');
  assert.match(again.stderr, /already holds a run/);
  const resumed = spawnSync(process.execPath, [...args(killed), '--resume', '--json'], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  const summary = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as {
    resumedFrom: number;
    finalMakespanMs: number;
  };
  assert.equal(summary.resumedFrom, Number(partial.meta.iteration));

  assert.deepEqual(metricsWithoutTimes(killed), metricsWithoutTimes(straight));
  assert.deepEqual(
    readTensorFile(join(killed, 'checkpoint.bin')).arrays,
    readTensorFile(join(straight, 'checkpoint.bin')).arrays,
  );
});
