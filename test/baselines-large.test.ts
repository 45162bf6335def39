/**
 * A big input end to end: a 2000-task DAG written as DOT by the generator, read back by the default
 * `baselines` (every scheduler of its default list). Every default is bounded: Optimal stops at its
 * default time limit (10 s per DAG), reports the DAG as not proven and labels its plan as the best found;
 * heft-rollout:2 (n³ model steps, over 5 minutes here) leaves the default list above its declared DAG
 * size, saying so; the rest are at most n² steps. The table shows Optimal first, then each row with its
 * gap to the best found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_GENERATOR_PARAMS, generateDag } from '../src/dag/generate.js';
import { writeDagFile } from '../src/dag/io.js';
import { DEEP_ROLLOUT_DEFAULT_MAX_TASKS } from '../src/schedulers/heft-rollout.js';
import { OPTIMAL_DEFAULT_TIME_LIMIT_S } from '../src/schedulers/optimal.js';
import { cliPath } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

test('the default baselines on a 2000-task DAG ends within its bound: Optimal at its time limit, heft-rollout:2 left out', () => {
  const dir = tempDir('big');
  writeDagFile(join(dir, 'big.gv'), generateDag({ ...DEFAULT_GENERATOR_PARAMS, n: 2000 }, 0));
  const started = performance.now();
  // The timeout turns an unbounded default into a failure rather than a hung suite.
  const r = spawnSync(process.execPath, [cliPath, 'baselines', dir], { encoding: 'utf8', timeout: 120_000 });
  const wallS = (performance.now() - started) / 1000;
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `note: heft-rollout:2 left out: the largest DAG has 2000 tasks, above the ${DEEP_ROLLOUT_DEFAULT_MAX_TASKS} `,
    ),
  );
  const table = r.stdout.trim().split('\n');
  assert.match(table[1], /gap to best found \(%\)/, 'no DAG proven: gaps are to the best found');
  const rows = table.slice(3).filter((l) => /^\S/.test(l) && !/^optimal: proven on/.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(/\s{2,}/)[0]),
    ['optimal: best found (not proven)', 'local', 'remote', 'random', 'greedy', 'heft', 'heft-rollout'],
  );
  const optimal = rows[0].split(/\s+/);
  assert.equal(optimal[optimal.length - 2], '0/1', 'not proven within the limit');
  const optimalS = Number(optimal[optimal.length - 1]);
  assert.ok(
    optimalS >= OPTIMAL_DEFAULT_TIME_LIMIT_S * 0.9 && optimalS < OPTIMAL_DEFAULT_TIME_LIMIT_S * 1.5,
    `optimal ${optimalS} s`,
  );
  // HEFT's row carries its gap to Optimal's best plan.
  assert.match(rows[5], /^heft\s+[\d.]+\s+-?[\d.]+\s+1\s/);
  assert.match(table[table.length - 1], /^optimal: proven on 0 of 1 DAGs within its time limit/);
  // The bound: Optimal's limit plus the other rows (n² at most, a few seconds here).
  assert.ok(wallS < OPTIMAL_DEFAULT_TIME_LIMIT_S + 30, `the whole command took ${wallS} s`);
});
