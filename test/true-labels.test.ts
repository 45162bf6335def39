// Labels that say no more than was shown: a plan Optimal did not prove is "best found (not proven)" in
// every output (table, JSON, CSV, chart) and gaps are then to the best found; every row of one command
// is under one stated latency model, and the JSON outputs say which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GENERATOR_PARAMS, generateDag } from '../src/dag/generate.js';
import { writeDagFile } from '../src/dag/io.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

function mrlco(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A 200-task DAG: Optimal cannot prove it in a millisecond (its first plan's polish alone takes longer). */
function hardDataset(): string {
  const dir = tempDir('labels');
  writeDagFile(join(dir, 'd200.gv'), generateDag({ ...DEFAULT_GENERATOR_PARAMS, n: 200 }, 0));
  return dir;
}

test('an unproven Optimal plan is never labelled optimal: table, JSON, CSV and Gantt chart say best found', () => {
  const dir = hardDataset();
  const limit = ['--schedulers', 'heft,optimal', '--time-limit', '0.001'];
  const table = mrlco('baselines', dir, ...limit);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[1], /gap to best found \(%\)/);
  assert.doesNotMatch(lines[1], /gap to optimum/);
  assert.match(lines[3], /^optimal: best found \(not proven\)\s+[\d.]+\s+0\.00\s+1\s/);
  assert.match(lines[lines.length - 1], /^optimal: proven on 0 of 1 DAGs/);

  const json = JSON.parse(mrlco('baselines', dir, ...limit, '--json').stdout) as {
    gapTo: string;
    schedulers: Record<string, Record<string, unknown>>;
  };
  assert.equal(json.gapTo, 'best found (not proven)');
  assert.equal(json.schedulers.optimal.label, 'best found (not proven)');
  assert.equal(json.schedulers.optimal.proven, 0);
  assert.ok('meanGapToBestFound' in json.schedulers.heft);
  assert.ok(!('meanGapToOptimum' in json.schedulers.heft), 'no gap "to the optimum"');

  const csv = mrlco('baselines', dir, ...limit, '--csv').stdout.split('\n')[0];
  assert.match(csv, /,gap_to_best_found_pct,/);

  const out = join(dir, 'chart.svg');
  const gantt = mrlco(
    'gantt',
    '--dag',
    join(dir, 'd200.gv'),
    '--scheduler',
    'optimal',
    '--time-limit',
    '0.001',
    '--out',
    out,
  );
  assert.equal(gantt.code, 0, gantt.stderr);
  assert.match(gantt.stdout, /^optimal: best found \(not proven within 0\.001 s\): makespan/);
  assert.match(readFileSync(out, 'utf8'), /d200: optimal: best found \(not proven within 0\.001 s\)/);
});

test('a proven optimum keeps its name: gaps to the optimum', () => {
  const r = mrlco(
    'baselines',
    join(referenceData, 'meta_offloading_n/offload_random10'),
    '--schedulers',
    'heft,optimal',
    '--json',
  );
  const json = JSON.parse(r.stdout) as { gapTo: string; schedulers: Record<string, Record<string, unknown>> };
  assert.equal(json.gapTo, 'optimum');
  assert.ok('meanGapToOptimum' in json.schedulers.heft);
  assert.equal(json.schedulers.optimal.label, undefined);
});

test('baselines --schedulers heft,policy: HEFT under the one stated model, the same as asked for by flags', () => {
  const set8 = join(referenceData, 'meta_offloading_20/offload_random20_8');
  const both = mrlco('baselines', set8, '--schedulers', 'heft,policy', '--json');
  assert.equal(both.code, 0, both.stderr);
  const withPolicy = JSON.parse(both.stdout) as {
    profile: string;
    rankWeight: string;
    system: { uplinkBps: number };
    schedulers: Record<string, { meanMakespanMs: number }>;
  };
  // The shipped policy was trained on the reference profile: every row is under it, and it is said.
  assert.equal(withPolicy.profile, 'reference');
  assert.equal(withPolicy.rankWeight, 'min');
  assert.equal(withPolicy.system.uplinkBps, 7e6);
  assert.match(both.stderr, /note: every row is under the policy's model \(reference profile/);
  const heftAlone = JSON.parse(
    mrlco('baselines', set8, '--schedulers', 'heft', '--profile', 'reference', '--json').stdout,
  ) as { profile: string; schedulers: Record<string, { meanMakespanMs: number }> };
  assert.equal(heftAlone.profile, 'reference');
  assert.equal(withPolicy.schedulers.heft.meanMakespanMs, heftAlone.schedulers.heft.meanMakespanMs);
  // The table states the model on its first line.
  const table = mrlco('baselines', set8, '--schedulers', 'heft,policy');
  assert.match(
    table.stdout.split('\n')[0],
    /every row under the reference profile, min rank order, 7\/7 Mbit\/s/,
  );
  // An explicit profile applies to every row, the policy's too, with a note that it was trained on another.
  const paper = mrlco('baselines', set8, '--schedulers', 'heft,policy', '--profile', 'paper', '--json');
  assert.equal((JSON.parse(paper.stdout) as { profile: string }).profile, 'paper');
  assert.match(
    paper.stderr,
    /the policy was trained on the reference profile; its plans are under the paper profile/,
  );
});

test('gantt writes a real PNG for a .png name, draws a policy plan, and refuses other names', () => {
  const dir = tempDir('gantt');
  const png = join(dir, 'face.png');
  const r = mrlco('gantt', '--dag', 'example:face-recognition', '--out', png);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const policy = mrlco(
    'gantt',
    '--dag',
    'example:face-recognition',
    '--scheduler',
    'policy',
    '--out',
    join(dir, 'p.svg'),
  );
  assert.equal(policy.code, 0, policy.stderr);
  assert.match(policy.stdout, /^policy \(shipped\): makespan [\d.]+ ms/);
  assert.match(
    readFileSync(join(dir, 'p.svg'), 'utf8'),
    /face-recognition: policy \(shipped\), reference profile/,
  );
  const pdf = mrlco('gantt', '--dag', 'example:face-recognition', '--out', join(dir, 'x.pdf'));
  assert.equal(pdf.code, 2);
  assert.match(pdf.stderr, /--out must name an \.svg or a \.png file/);
});
