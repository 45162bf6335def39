/**
 * The rank weight is a setting that reaches the policy: `train --rank-weight` trains in that order and
 * records it in the checkpoint and config.json, and `schedule` decodes a checkpoint in its own order
 * by default (its HEFT/Greedy references in the same order), noting an explicit different one; the
 * system (rates, f_UE) a policy was trained in is recorded and is schedule's default too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readDagFile } from '../src/dag/io.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import { loadCheckpoint, rankWeightOfCheckpoint, systemOfCheckpoint } from '../src/rl/checkpoint.js';
import { decideOffloading } from '../src/services/offloading-scheduler.js';
import { cliPath } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

/**
 * DAGs whose tasks' data and cycles are not proportional (in the reference sets and the generator they
 * are, so there both weights give one order): heavy-compute tasks with little data and light ones with
 * much, so that the offload weight and min(T^UE, T^o) order them differently.
 */
function mixedDataset(): string {
  const dir = tempDir('rank-data');
  for (let k = 0; k < 3; k++) {
    const tasks = [
      { id: 1, cycles: 1e8 + k * 1e7, uploadBytes: 1000, resultBytes: 500 },
      { id: 2, cycles: 1e6, uploadBytes: 2e6 + k * 1e5, resultBytes: 1000 },
      { id: 3, cycles: 5e7, uploadBytes: 5000, resultBytes: 500 },
      { id: 4, cycles: 2e6, uploadBytes: 1e6, resultBytes: 2000 },
    ];
    const dag = { format: 'mrlco-dag', version: 1, name: `mixed.${k}`, tasks, edges: [[3, 4]] };
    writeFileSync(join(dir, `mixed.${k}.json`), JSON.stringify(dag));
  }
  return dir;
}

function mrlco(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A one-iteration `train` on `data` (reference profile) with `flags`; returns its checkpoint's path. */
function trainTiny(data: string, ...flags: string[]): string {
  const out = join(tempDir('rank'), 'run');
  const tiny = ['--iterations', '1', '--dags-per-batch', '2', '--trajectories', '2', '--workers', '0'];
  const r = mrlco('train', '--data', data, ...tiny, '--profile', 'reference', ...flags, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  return join(out, 'checkpoint.bin');
}

test('train --rank-weight offload (not the reference profile default) is recorded and schedule decodes in that order by default', () => {
  const data = mixedDataset();
  const ckpt = trainTiny(data, '--rank-weight', 'offload');
  const loaded = loadCheckpoint(ckpt);
  assert.equal(rankWeightOfCheckpoint(loaded.state), 'offload');
  const config = JSON.parse(readFileSync(join(dirname(ckpt), 'config.json'), 'utf8')) as {
    datasets: { rankWeight?: string }[];
  };
  assert.equal(config.datasets[0].rankWeight, 'offload');

  // The order each rank weight gives, and a DAG where they differ.
  const orderOf = (file: string, rankWeight: 'min' | 'offload') =>
    decideOffloading(getBackend(), loaded.policy, readDagFile(file), DEFAULT_SYSTEM, {
      profile: 'reference',
      rankWeight,
    });
  const dagFile = readdirSync(data)
    .map((f) => join(data, f))
    .find((f) => orderOf(f, 'min').order.join() !== orderOf(f, 'offload').order.join());
  assert.ok(dagFile, 'some DAG of the set is ordered differently by the two weights');
  type Printed = { plan: string; order: number[]; makespanMs: number };
  const expect = (printed: Printed, rankWeight: 'min' | 'offload') => {
    const d = orderOf(dagFile, rankWeight);
    assert.deepEqual(printed.order, d.order);
    assert.equal(printed.plan, Array.from(d.plan).join(''));
    assert.equal(printed.makespanMs, d.makespanMs);
  };
  const byDefault = mrlco('schedule', '--policy', ckpt, '--dag', dagFile, '--json');
  assert.equal(byDefault.code, 0, byDefault.stderr);
  expect(JSON.parse(byDefault.stdout) as Printed, 'offload');
  assert.doesNotMatch(byDefault.stderr, /rank order/);
  const other = mrlco('schedule', '--policy', ckpt, '--dag', dagFile, '--json', '--rank-weight', 'min');
  assert.equal(other.code, 0, other.stderr);
  expect(JSON.parse(other.stdout) as Printed, 'min');
  assert.match(other.stderr, /trained in the offload rank order; its plans are in the min rank order/);
});

test('a checkpoint records the system it was trained in, and schedule uses it by default', () => {
  const data = mixedDataset();
  const ckpt = trainTiny(data, '--rate', '3', '--ue-ghz', '2');
  const loaded = loadCheckpoint(ckpt);
  const trained = { ...DEFAULT_SYSTEM, uplinkBps: 3e6, downlinkBps: 3e6, ueHz: 2e9 };
  assert.deepEqual(systemOfCheckpoint(loaded.state), trained);
  const file = join(data, 'mixed.1.json');
  const expected = (system: typeof trained) =>
    decideOffloading(getBackend(), loaded.policy, readDagFile(file), system, { profile: 'reference' })
      .makespanMs;
  const byDefault = mrlco('schedule', '--policy', ckpt, '--dag', file, '--json');
  assert.equal(byDefault.code, 0, byDefault.stderr);
  const printed = JSON.parse(byDefault.stdout) as { makespanMs: number; profile: string; system: unknown };
  assert.equal(printed.makespanMs, expected(trained));
  // The JSON says which model its makespan is under.
  assert.equal(printed.profile, 'reference');
  assert.deepEqual(printed.system, trained);
  assert.doesNotMatch(byDefault.stderr, /trained at/);
  const other = mrlco('schedule', '--policy', ckpt, '--dag', file, '--json', '--rate', '7');
  assert.equal(other.code, 0, other.stderr);
  assert.equal(
    (JSON.parse(other.stdout) as { makespanMs: number }).makespanMs,
    expected({ ...trained, uplinkBps: 7e6, downlinkBps: 7e6 }),
  );
  assert.match(
    other.stderr,
    /note: the policy was trained at 3\/3 Mbit\/s, f_UE 2 GHz.*; its plans are under 7\/7 Mbit\/s/,
  );
});
