import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

function mrlco(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: { code: number; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at\s/m, 'no stack trace');
}

const set8 = join(referenceData, 'meta_offloading_20/offload_random20_8');

test('baselines --json prints the Table 3 numbers keyed by scheduler', () => {
  const r = mrlco(
    'baselines',
    set8,
    '--schedulers',
    'greedy,heft',
    '--profile',
    'reference',
    '--rate',
    '7',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    profile: string;
    schedulers: Record<string, { meanMakespanMs: number }>;
  };
  assert.equal(out.profile, 'reference');
  assert.equal(out.schedulers.greedy.meanMakespanMs.toFixed(2), '847.73');
  assert.equal(out.schedulers.heft.meanMakespanMs.toFixed(2), '800.75');
});

test('baselines --csv has a header and one row per scheduler', () => {
  const r = mrlco(
    'baselines',
    join(referenceData, 'meta_offloading_n/offload_random10'),
    '--schedulers',
    'local,optimal',
    '--csv',
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(
    lines[0],
    /^scheduler,mean_makespan_ms,gap_to_optimum_pct,dags,model_steps_per_dag,ms_per_dag,mean_nodes,proven,wall_s$/,
  );
  assert.match(lines[1], /^local,[\d.]+,[\d.]+,100,10,[\d.]+,,,/);
  assert.match(lines[2], /^optimal,[\d.]+,0.00,100,,[\d.]+,\d+,100\/100,/);
});

test('evaluate --json gives the makespan and a timeline; the plan length is checked', () => {
  const file = join(set8, 'random.20.0.gv');
  const plan = '01'.repeat(10);
  const r = mrlco('evaluate', '--dag', file, '--plan', plan, '--profile', 'reference', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { makespanMs: number; tasks: { id: string; location: string }[] };
  assert.ok(out.makespanMs > 0);
  assert.equal(out.tasks.length, 20);
  assert.equal(out.tasks.find((t) => t.id === '2')?.location, 'mec');
  assertOneLineError(
    mrlco('evaluate', '--dag', file, '--plan', '0101'),
    /--plan has 4 digits but .* has 20 tasks/,
  );
  assertOneLineError(
    mrlco('evaluate', '--dag', file, '--plan', '01x'),
    /--plan must be a string of 0s and 1s/,
  );
});

test('generate is deterministic for a seed and writes files the other commands read', () => {
  const a = tempDir('gen-a');
  const b = tempDir('gen-b');
  for (const dir of [a, b])
    assert.equal(mrlco('generate', '--n', '12', '--count', '5', '--seed', '9', '--out', dir).code, 0);
  const files = readdirSync(a).sort();
  assert.equal(files.length, 5);
  for (const f of files) assert.equal(readFileSync(join(a, f), 'utf8'), readFileSync(join(b, f), 'utf8'));
  assert.match(readFileSync(join(a, files[0]), 'utf8'), /--seed 9/);
  const r = mrlco('baselines', a, '--schedulers', 'heft', '--json');
  assert.equal(r.code, 0, r.stderr);
  // A folder that holds a dataset is not written over (the two would mix) unless --force replaces it.
  const again = mrlco('generate', '--n', '12', '--count', '2', '--seed', '3', '--out', a);
  assertOneLineError(again, /already holds 5 DAG files; .* give --force to replace them/);
  assert.deepEqual(readdirSync(a).sort(), files);
  const forced = mrlco('generate', '--n', '12', '--count', '2', '--seed', '3', '--out', a, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /removed the 5 DAG files/);
  assert.deepEqual(readdirSync(a).sort(), files.slice(0, 2));
  assert.match(readFileSync(join(a, files[0]), 'utf8'), /--seed 3/);
});

test('bad input: unknown options, missing files, malformed and cyclic graphs give one clear line', () => {
  assertOneLineError(mrlco('baselines', set8, '--frobnicate'), /unknown option '--frobnicate'/);
  assertOneLineError(mrlco('baselines', '/no/such/dir'), /\/no\/such\/dir: no such file or folder/);
  assertOneLineError(mrlco('baselines', set8, '--schedulers', 'magic'), /unknown scheduler "magic"/);
  assertOneLineError(mrlco('baselines', set8, '--rate', '-3'), /--rate/);
  assertOneLineError(mrlco('generate', '--out', tmpdir(), '--fat', '2'), /fat/);
  const dir = tempDir('bad');
  const cyclic = join(dir, 'cyclic.gv');
  writeFileSync(
    cyclic,
    'digraph G { 1 [size="1", expect_size="1"] 2 [size="1", expect_size="1"] 1 -> 2 2 -> 1 }',
  );
  assertOneLineError(mrlco('evaluate', '--dag', cyclic, '--plan', '00'), /cyclic\.gv: the graph has a cycle/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"format": "mrlco-dag", ');
  assertOneLineError(mrlco('evaluate', '--dag', broken, '--plan', '0'), /broken\.json: malformed JSON/);
  assertOneLineError(mrlco('nosuchcommand'), /unknown command/);
  const corrupt = join(dir, 'policy.bin');
  writeFileSync(corrupt, 'MRLCOTNS garbage');
  assertOneLineError(mrlco('adapt', '--from', corrupt, '--data', set8), /policy\.bin: (truncated|corrupt)/);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ ppo: { learningrate: 1 } }));
  assertOneLineError(
    mrlco('train', '--data', set8, '--config', config),
    /config\.json: unknown setting ppo\.learningrate/,
  );
  assertOneLineError(mrlco('train', '--data', set8, '--hidden', '0'), /--hidden/);
  assertOneLineError(mrlco('train'), /--data is required/);
});

test('--help works on every command', () => {
  for (const cmd of ['generate', 'evaluate', 'baselines', 'gantt', 'examples', 'train', 'adapt', 'info']) {
    const r = mrlco(cmd, '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: mrlco ${cmd}`));
  }
});

test('every policy and PPO flag of train --help reaches the run configuration', () => {
  const data = join(referenceData, 'meta_offloading_n/offload_random10');
  const cases: [string[], (c: Record<string, Record<string, unknown>>) => unknown, unknown][] = [
    [['--arch', 'seq2seq'], (c) => c.policy.arch, 'seq2seq'],
    [['--lookahead', 'heft'], (c) => c.policy.lookahead, 'heft'],
    [['--prior-gain', '3'], (c) => c.policy.priorGain, 3],
    [['--hidden', '12'], (c) => c.policy.hidden, 12],
    [['--layers', '3'], (c) => c.policy.layers, 3],
    [['--attention', 'additive'], (c) => c.policy.attention, 'additive'],
    [['--layer-norm'], (c) => c.policy.layerNorm, true],
    [['--trajectories', '3'], (c) => c.ppo.trajectoriesPerDag, 3],
    [['--dags-per-batch', '7'], (c) => c.ppo.dagsPerBatch, 7],
    [['--lr', '0.002'], (c) => c.ppo.learningRate, 0.002],
    [['--gradient-steps', '2'], (c) => c.ppo.gradientSteps, 2],
    [['--minibatches', '2'], (c) => c.ppo.minibatches, 2],
    [['--advantage', 'gae'], (c) => c.ppo.advantage, 'gae'],
    [['--entropy-coef', '0.01'], (c) => c.ppo.entropyCoef, 0.01],
    [['--clip-epsilon', '0.1'], (c) => c.ppo.clipEpsilon, 0.1],
    [['--gamma', '0.9'], (c) => c.ppo.gamma, 0.9],
    [['--gae-lambda', '0.8'], (c) => c.ppo.gaeLambda, 0.8],
    [['--seed', '9'], (c) => c.seed, 9],
    [['--eval-every', '4'], (c) => c.evalEvery, 4],
  ];
  const help = mrlco('train', '--help').stdout;
  for (const [flags, get, expected] of cases) {
    assert.ok(help.includes(flags[0]), `${flags[0]} not in train --help`);
    const out = join(tempDir('flags'), 'run');
    const r = mrlco(
      'train',
      '--data',
      data,
      '--profile',
      'reference',
      '--iterations',
      '0',
      '--out',
      out,
      ...flags,
    );
    assert.equal(r.code, 0, `${flags.join(' ')}: ${r.stderr}`);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepEqual(get(config), expected, flags.join(' '));
  }
});
