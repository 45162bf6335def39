/**
 * A big input end to end: a 2000-task DAG written as DOT by the generator, read back by `baselines`,
 * scheduled by HEFT and by Optimal under its default time limit (10 s per DAG): Optimal stops, reports
 * the DAG as not proven and keeps its best plan; the table shows Optimal first and then each row with
 * its gap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GENERATOR_PARAMS, generateDag } from '../src/dag/generate.js';
import { writeDagFile } from '../src/dag/io.js';
import { OPTIMAL_DEFAULT_TIME_LIMIT_S } from '../src/schedulers/optimal.js';
import { cliPath } from './helpers/paths.js';

test('baselines on a 2000-task DAG: Optimal gives up at its default time limit, every row is printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-big-'));
  writeDagFile(join(dir, 'big.gv'), generateDag({ ...DEFAULT_GENERATOR_PARAMS, n: 2000 }, 0));
  const r = spawnSync(process.execPath, [cliPath, 'baselines', dir, '--schedulers', 'heft,optimal'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .filter((l) => /^(optimal|heft)\s/.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(/\s+/)[0]),
    ['optimal', 'heft'],
  );
  const optimal = rows[0].split(/\s+/);
  assert.equal(optimal[optimal.length - 2], '0/1', 'not proven within the limit');
  const wallS = Number(optimal[optimal.length - 1]);
  assert.ok(
    wallS >= OPTIMAL_DEFAULT_TIME_LIMIT_S * 0.9 && wallS < OPTIMAL_DEFAULT_TIME_LIMIT_S * 2.5,
    `wall ${wallS} s`,
  );
  // HEFT's row carries its gap to Optimal's best plan.
  assert.match(rows[1], /^heft\s+[\d.]+\s+-?[\d.]+\s+1\s/);
});
