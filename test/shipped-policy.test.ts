// The shipped policy on a fresh clone: schedule, adapt and baselines use it without being told, and
// what they print re-simulates to the same makespans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, profileOfCheckpoint } from '../src/rl/checkpoint.js';
import { DEFAULT_RUN } from '../src/rl/config.js';
import { SHIPPED_POLICY_PATH } from '../src/rl/shipped-policy.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

function mrlco(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Three DAGs of Topology I (a test set: never in the shipped policy's training data). */
function smallSet(): string {
  const dir = join(tempDir('shipped'), 'set8');
  mkdirSync(dir);
  for (const i of [0, 1, 2])
    copyFileSync(
      join(referenceData, 'meta_offloading_20/offload_random20_8', `random.20.${i}.gv`),
      join(dir, `random.20.${i}.gv`),
    );
  return dir;
}

test('the shipped policy: under 3 MB, the default network, trained on the reference profile', () => {
  assert.ok(existsSync(SHIPPED_POLICY_PATH), SHIPPED_POLICY_PATH);
  assert.ok(statSync(SHIPPED_POLICY_PATH).size <= 3 * 1024 * 1024);
  const { policy, state } = loadCheckpoint(SHIPPED_POLICY_PATH);
  assert.deepEqual(policy.config, DEFAULT_RUN.policy);
  assert.equal(profileOfCheckpoint(state), 'reference');
  assert.equal(state.info.kind, 'meta');
});

test('schedule with no --policy decides a folder; each plan re-simulates to its makespan', () => {
  const dir = smallSet();
  const r = mrlco('schedule', '--dag', dir, '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    dags: { file: string; plan: string; makespanMs: number }[];
    meanMakespanMs: number;
  };
  assert.deepEqual(
    out.dags.map((d) => d.file),
    ['random.20.0.gv', 'random.20.1.gv', 'random.20.2.gv'],
  );
  let sum = 0;
  for (const d of out.dags) {
    assert.match(d.plan, /^[01]{20}$/);
    sum += d.makespanMs;
    // The policy's profile (reference) is the default; evaluate needs it said.
    const e = mrlco(
      'evaluate',
      '--dag',
      join(dir, d.file),
      '--plan',
      d.plan,
      '--profile',
      'reference',
      '--json',
    );
    assert.equal(e.code, 0, e.stderr);
    assert.ok(Math.abs((JSON.parse(e.stdout) as { makespanMs: number }).makespanMs - d.makespanMs) < 1e-9);
  }
  assert.ok(Math.abs(out.meanMakespanMs - sum / 3) < 1e-9);
  // Sampling more plans never loses to argmax.
  const best = JSON.parse(mrlco('schedule', '--dag', dir, '--json', '--samples', '8', '--polish').stdout) as {
    meanMakespanMs: number;
  };
  assert.ok(best.meanMakespanMs <= out.meanMakespanMs + 1e-9);
});

test('adapt with no --from writes an adapted policy that schedule uses; baselines has a policy row', () => {
  const dir = smallSet();
  const out = join(tempDir('adapted'), 'run');
  const a = mrlco(
    'adapt',
    '--data',
    dir,
    '--steps',
    '2',
    '--trajectories',
    '2',
    '--optimal-time-limit',
    '0',
    '--out',
    out,
  );
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /\(reference profile, min rank order, 7\/7 Mbit\/s/);
  for (const f of ['adapt.csv', 'checkpoint.bin', 'best.bin']) assert.ok(existsSync(join(out, f)), f);
  const adapted = loadCheckpoint(join(out, 'checkpoint.bin'));
  assert.equal(adapted.state.iteration, 2);
  assert.equal(profileOfCheckpoint(adapted.state), 'reference');
  const s = mrlco(
    'schedule',
    '--policy',
    join(out, 'best.bin'),
    '--dag',
    join(dir, 'random.20.0.gv'),
    '--json',
  );
  assert.equal(s.code, 0, s.stderr);
  assert.match((JSON.parse(s.stdout) as { plan: string }).plan, /^[01]{20}$/);

  const b = mrlco('baselines', dir, '--schedulers', 'greedy,heft,heft-rollout,policy,optimal', '--json');
  assert.equal(b.code, 0, b.stderr);
  const rows = (
    JSON.parse(b.stdout) as {
      schedulers: Record<string, { meanMakespanMs: number; meanGapToOptimum: number }>;
    }
  ).schedulers;
  assert.deepEqual(Object.keys(rows), ['greedy', 'heft', 'heft-rollout', 'policy', 'optimal']);
  assert.ok(rows.policy.meanGapToOptimum >= 0);
  assert.ok(rows.policy.meanMakespanMs >= rows.optimal.meanMakespanMs - 1e-9);
});
