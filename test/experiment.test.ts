// The quick variant of a Sec. 5.3 experiment, end to end through the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, referenceData } from './helpers/paths.js';

test('mrlco experiment topology --quick writes the curves, the figure (SVG and PNG) and Table 3; a rerun resumes', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mrlco-exp-')), 'topology');
  const run = () =>
    spawnSync(
      process.execPath,
      [cliPath, 'experiment', 'topology', '--quick', '--out', out, '--data-root', referenceData],
      { encoding: 'utf8' },
    );
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const csv = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'method,test_set,step,makespan_ms');
  // Two methods × (steps 0, 1, 2) on one test set.
  assert.equal(csv.length, 1 + 2 * 3);
  assert.ok(
    csv.some((l) => l.startsWith('MRLCO,Topology I,2,')) &&
      csv.some((l) => l.startsWith('Fine-tuning DRL,Topology I,0,')),
  );
  const table = readFileSync(join(out, 'table3.md'), 'utf8');
  assert.match(table, /\| Topology I \| [\d.]+ \(8\/8 proven\) \| [\d.]+ \(\+[\d.]+%\) \|/);
  assert.match(table, /\| paper \| 679\.31/);
  assert.ok(readFileSync(join(out, 'fig-topology-i.svg'), 'utf8').startsWith('<svg'));
  assert.deepEqual(
    [...readFileSync(join(out, 'fig-topology-i.png')).subarray(0, 4)],
    [0x89, 0x50, 0x4e, 0x47],
  );
  assert.ok(
    existsSync(join(out, 'meta', 'checkpoint.bin')) && existsSync(join(out, 'drl', 'checkpoint.bin')),
  );

  const again = run();
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /adapting/, 'finished stages are not redone');
  assert.equal(readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n').length, csv.length);
});

test('experiment: a missing data root is one clear line', () => {
  const r = spawnSync(
    process.execPath,
    [cliPath, 'experiment', 'rates', '--quick', '--data-root', '/no/such/root'],
    { encoding: 'utf8' },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr.trim().split('\n').pop()!, /\/no\/such\/root.*no such file or folder/);
});
