// A training run killed with SIGKILL resumes from its last checkpoint and ends with the same numbers
// as an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTensorFile } from '../src/nn/tensor-file.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';
import { startCli } from './helpers/processes.js';

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
  const base = tempDir('resume');
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

test('--resume takes the stored settings and data; a differing flag is refused by name; a no-op leaves the folder as it is', () => {
  const out = join(tempDir('resume-flags'), 'run');
  const first = spawnSync(
    process.execPath,
    args(out).map((a) => (a === '5' ? '2' : a)),
    { encoding: 'utf8' },
  );
  assert.equal(first.status, 0, first.stderr);
  const files = () =>
    Object.fromEntries(
      ['config.json', 'checkpoint.bin', 'metrics.jsonl'].map((f) => [f, readFileSync(join(out, f))]),
    );
  const before = files();
  // Nothing but the folder and a larger iteration count: it continues.
  const more = spawnSync(
    process.execPath,
    [cliPath, 'train', '--out', out, '--resume', '--iterations', '3', '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(more.status, 0, more.stderr);
  assert.equal((JSON.parse(more.stdout.trim().split('\n').pop()!) as { resumedFrom: number }).resumedFrom, 2);
  const after = files();
  assert.equal(metricsWithoutTimes(out).length, 3);
  // A differing setting, system or data is refused, one line naming the option and both values, whatever
  // else is given, and changes nothing.
  const sameData = ['--data', join(referenceData, 'meta_offloading_n/offload_random10')];
  const refusals: [string[], string][] = [
    [['--lr', '0.01'], '--lr is 0.0005 in this run, 0.01 given'],
    [['--profile', 'paper'], '--profile is "reference" in this run, "paper" given'],
    [['--profile', 'paper', ...sameData], '--profile is "reference" in this run, "paper" given'],
    [['--rate', '3'], '--rate is 7 in this run, 3 given'],
    [['--rate-down', '2.5'], '--rate-down is 7 in this run, 2.5 given'],
    [['--users', '2'], '--users is 1 in this run, 2 given'],
    [['--rank-weight', 'offload'], '--rank-weight is "min" in this run, "offload" given'],
    [['--hidden', '32'], '--hidden is 16 in this run, 32 given'],
    [['--data', referenceData], `--data is "${sameData[1]}" in this run, "${referenceData}" given`],
  ];
  for (const [given, line] of refusals) {
    const r = spawnSync(
      process.execPath,
      [cliPath, 'train', '--out', out, '--resume', '--iterations', '4', ...given],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1, `${given.join(' ')} accepted: ${r.stderr}`);
    assert.equal(r.stderr, `mrlco: ${out}: resume refused: ${line}\n`);
    assert.deepEqual(files(), after);
  }
  // Several differences: one line each.
  const several = spawnSync(
    process.execPath,
    [cliPath, 'train', '--out', out, '--resume', '--users', '3', '--lr', '0.1', '--iterations', '1'],
    { encoding: 'utf8' },
  );
  assert.deepEqual(several.stderr.trim().split('\n').sort(), [
    `mrlco: ${out}: resume refused: --iterations 1 is below the 3 iterations this run has done`,
    `mrlco: ${out}: resume refused: --lr is 0.0005 in this run, 0.1 given`,
    `mrlco: ${out}: resume refused: --users is 1 in this run, 3 given`,
  ]);
  // The same values as the run's are no change: it continues.
  const same = spawnSync(
    process.execPath,
    [cliPath, 'train', '--out', out, '--resume', '--rank-weight', 'min', '--rate', '7', ...sameData],
    { encoding: 'utf8' },
  );
  assert.equal(same.status, 0, same.stderr);
  assert.deepEqual(files(), after);
  // A resume where there is nothing to resume says so.
  const none = spawnSync(
    process.execPath,
    [cliPath, 'train', '--out', join(out, 'new'), '--resume', ...sameData],
    { encoding: 'utf8' },
  );
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^mrlco: nothing to resume in .*new \(no checkpoint\.bin there\)/);
  // A resume with nothing left to do rewrites nothing; its best covers the whole run.
  const noop = spawnSync(
    process.execPath,
    [cliPath, 'train', '--out', out, '--resume', '--iterations', '3', '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(noop.status, 0, noop.stderr);
  assert.deepEqual(files(), after);
  const evals = metricsWithoutTimes(out).map((m) => m.evalMakespanMs as number);
  assert.equal(
    (JSON.parse(noop.stdout.trim().split('\n').pop()!) as { bestMakespanMs: number }).bestMakespanMs,
    Math.min(...evals),
  );
  assert.notDeepEqual(after['checkpoint.bin'], before['checkpoint.bin']);
});

test('one writer per run folder: a second train on the same --out is refused naming the first; a stale lock is taken over', async () => {
  const out = join(tempDir('lock'), 'run');
  const first = spawn(
    process.execPath,
    args(out).map((a) => (a === '5' ? '400' : a)),
    { stdio: 'pipe' },
  );
  try {
    // Wait until the first run has written its lock and a checkpoint (to resume below).
    for (let i = 0; i < 800 && !existsSync(join(out, 'checkpoint.bin')); i++)
      await new Promise((r) => setTimeout(r, 25));
    const second = spawnSync(process.execPath, [...args(out), '--resume'], { encoding: 'utf8' });
    assert.notEqual(second.status, 0);
    assert.match(second.stderr.trim(), new RegExp(`in use by another mrlco process \\(pid ${first.pid}\\)`));
    assert.equal(second.stderr.trim().split('\n').length, 1);
  } finally {
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
  }
  // The killed run's lock is stale: a resume takes it over and says so.
  writeFileSync(join(out, '.lock'), '999999999\n');
  // Up to the checkpoint's iteration: nothing left to train, but the lock is taken.
  const done = String(readTensorFile(join(out, 'checkpoint.bin')).meta.iteration);
  const resumed = spawnSync(
    process.execPath,
    [cliPath, 'train', '--out', out, '--resume', '--iterations', done],
    { encoding: 'utf8' },
  );
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /taking over the lock of a process that is gone \(pid 999999999\)/);
  assert.ok(!existsSync(join(out, '.lock')), 'released at exit');
});

test('Ctrl-C stops a training run after the iteration in progress: checkpointed, folder released, a resume hint, exit 130', async () => {
  const out = join(tempDir('sigint'), 'run');
  const run = startCli(
    args(out)
      .slice(1)
      .map((a) => (a === '5' ? '2000' : a)),
  );
  await run.waitFor(/train 3\/2000/);
  run.kill('SIGINT');
  assert.equal(await run.exited, 130, run.output());
  const stopped =
    /stopped after iteration (\d+) of 2000; continue with: mrlco train --out (\S+) --resume/.exec(
      run.output(),
    );
  assert.ok(stopped, run.output());
  assert.equal(stopped[2], out);
  assert.equal(readTensorFile(join(out, 'checkpoint.bin')).meta.iteration, Number(stopped[1]));
  assert.ok(!existsSync(join(out, '.lock')), 'the folder is released');
});

test("train --config R/config.json --data D takes the run's system and profile from the file", () => {
  const first = join(tempDir('config-system'), 'first');
  const data = join(referenceData, 'meta_offloading_n/offload_random10');
  const start = (out: string, ...more: string[]) =>
    spawnSync(
      process.execPath,
      [cliPath, 'train', '--data', data, '--iterations', '0', '--out', out, ...more],
      {
        encoding: 'utf8',
      },
    );
  assert.equal(start(first, '--profile', 'reference', '--rate', '3', '--hidden', '8').status, 0);
  const second = join(first, '..', 'second');
  const r = start(second, '--config', join(first, 'config.json'));
  assert.equal(r.status, 0, r.stderr);
  const stored = JSON.parse(readFileSync(join(second, 'config.json'), 'utf8')) as {
    policy: { hidden: number };
    datasets: { profile: string; system: { uplinkBps: number } }[];
  };
  assert.equal(stored.policy.hidden, 8);
  assert.equal(stored.datasets[0].profile, 'reference');
  assert.equal(stored.datasets[0].system.uplinkBps, 3e6);
  // A flag still overrides the file.
  const third = start(
    join(first, '..', 'third'),
    '--config',
    join(first, 'config.json'),
    '--profile',
    'paper',
  );
  assert.equal(third.status, 0, third.stderr);
  assert.match(third.stderr, /paper profile/);
});
