// The world from the command line, as a new user would run it: baselines --world (built-in Markov world,
// a user's trace file, the shipped online policy), trace, schedule --online and evaluate --world
// replaying its log, gantt --world, and one-line errors for bad worlds and traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

function mrlco(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const dir = tempDir('world-cli');
const data = join(dir, 'dags');
execFileSync(process.execPath, [
  cliPath,
  'generate',
  '--n',
  '12',
  '--count',
  '4',
  '--seed',
  '3',
  '--out',
  data,
]);
const trace = join(dir, 'link.txt');
writeFileSync(
  trace,
  Array.from({ length: 30 }, (_, k) => `${k * 0.2} ${k % 3 === 0 ? 1 : 9}`).join('\n') + '\n',
);

test('baselines --world markov: every default decider on the same realisations, the clairvoyant bound proven and lowest', () => {
  const r = mrlco('baselines', data, '--world', 'markov', '--episodes', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.episodes, 2);
  assert.ok(out.world.spec.links.kind === 'markov');
  const d = out.deciders;
  for (const name of ['clairvoyant', 'local', 'heft-rollout', 'online', 'replan', 'true-state', 'law'])
    assert.ok(d[name], name);
  assert.equal(d.clairvoyant.proven, 8);
  for (const [name, s] of Object.entries(d) as [string, { meanMakespanMs: number }][])
    assert.ok(s.meanMakespanMs >= d.clairvoyant.meanMakespanMs - 1e-9, name);
});

test("baselines with a user's trace file and the shipped online policy; trace summarises the file", () => {
  const r = mrlco(
    'baselines',
    data,
    '--uplink-trace',
    trace,
    '--downlink-trace',
    trace,
    '--trace-mean',
    '7',
    '--episodes',
    '2',
    '--schedulers',
    'local,online,policy',
    '--csv',
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.equal(rows.length, 4);
  assert.ok(rows[3].startsWith('policy,online,'));
  const t = mrlco('trace', trace, '--json');
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).format, 'rate');
});

test('schedule --online logs its decisions, and evaluate --world replays each to the same makespan', () => {
  const r = mrlco(
    'schedule',
    '--online',
    '--dag',
    data,
    '--world',
    'markov',
    '--episodes',
    '2',
    '--seed',
    '5',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const logs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(logs.length, 8);
  for (const l of logs.slice(0, 3)) {
    assert.ok(
      l.decisions.every(
        (d: { atMs: number }, k: number, all: { atMs: number }[]) => k === 0 || d.atMs >= all[k - 1].atMs,
      ),
    );
    const e = mrlco(
      'evaluate',
      '--dag',
      join(data, l.file),
      '--plan',
      l.plan,
      '--world',
      JSON.stringify(l.world),
      '--seed',
      String(l.seed),
      '--dag-index',
      String(l.dag),
      '--realisation',
      String(l.realisation),
      '--profile',
      l.profile,
      '--json',
    );
    assert.equal(e.code, 0, e.stderr);
    assert.ok(Math.abs(JSON.parse(e.stdout).makespanMs - l.makespanMs) < 1e-9);
  }
});

test('gantt --world draws a decider’s realised timeline with the links’ capacity', () => {
  const out = join(dir, 'g.svg');
  const files = readdirSync(data).sort();
  const r = mrlco(
    'gantt',
    '--dag',
    join(data, files[0]),
    '--world',
    'markov',
    '--decider',
    'online',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /realised makespan/);
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /class="capacity"/);
});

test('bad worlds and traces: one line naming the file or the option, a non-zero exit', () => {
  const bad = join(dir, 'bad.up');
  writeFileSync(bad, '5\n3\n');
  const cases: [string[], RegExp][] = [
    [['baselines', data, '--uplink-trace', bad], /bad\.up:2: timestamp 3 is before the previous one/],
    [['baselines', data, '--world', join(dir, 'missing.json')], /missing\.json: no such world file/],
    [['baselines', data, '--world', '{"links": {"kind": "wifi"}}'], /"links\.kind" must be/],
    [['baselines', data, '--trace-mean', '7'], /--trace-mean and --trace-format apply to traces/],
    [
      ['baselines', data, '--world', 'markov', '--schedulers', 'online,teleport'],
      /unknown decider "teleport"/,
    ],
    [['baselines', data, '--world', 'markov', '--episodes', '5000'], /--episodes/],
    [['baselines', data, '--episodes', '3'], /belong to a world/],
    [['executor', '--listen', '127.0.0.1:0', '--trace-mean', '7'], /apply to traces/],
  ];
  for (const [args, message] of cases) {
    const r = mrlco(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
