// Several executors, one per edge server: `mrlco run --system three-servers-cloud --executors …` executes
// a plan over the device and three servers for real (each server's bytes over its own gRPC session, its
// own VM and links), against the several-place model's prediction; plans the executors cannot run are
// refused in one line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readDagFile } from '../src/dag/io.js';
import { objectiveOf } from '../src/mec/places/objective.js';
import { createPlacementProblem, scorePlan } from '../src/mec/places/problem.js';
import { BUILTIN_SYSTEMS } from '../src/mec/places/system-spec.js';
import { cliPath, referenceData } from './helpers/paths.js';

const dagFile = join(referenceData, 'meta_offloading_n/offload_random10/random.10.0.gv');
// As in execution.test.ts: late by at most 6 % plus 10 ms of wall time, once more if a loaded host
// preempts a run; never early.
const RELATIVE_TOLERANCE = 0.06;
const ABSOLUTE_TOLERANCE_WALL_MS = 10;
const EARLY_SLACK_MS = 0.5;
const TIME_SCALE = 2;

function mrlco(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const servers = BUILTIN_SYSTEMS['three-servers-cloud'].servers;
const executors: ChildProcess[] = [];
const addresses: Record<string, string> = {};

before(async () => {
  for (const s of servers) {
    const p = spawn(
      process.execPath,
      [
        cliPath,
        'executor',
        '--listen',
        '127.0.0.1:0',
        '--server-ghz',
        String(s.ghz),
        '--users',
        String(s.users),
        '--quiet',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    executors.push(p);
    addresses[s.name] = await new Promise<string>((resolve, reject) => {
      let out = '';
      p.stdout!.setEncoding('utf8');
      p.stdout!.on('data', (text: string) => {
        out += text;
        const m = /executor listening on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      p.once('exit', (code) => reject(new Error(`executor exited with ${code} before listening`)));
    });
  }
});

after(() => {
  for (const p of executors) if (p.exitCode === null) p.kill('SIGTERM');
});

const list = () => servers.map((s) => `${s.name}=${addresses[s.name]}`).join(',');

test('a plan over the device and three servers, run on three executors, takes the makespan the model predicts', async () => {
  // Every place but the cloud, each server used.
  const plan = '0123012301';
  const dag = readDagFile(dagFile);
  const problem = createPlacementProblem(dag, BUILTIN_SYSTEMS['three-servers-cloud'], {
    profile: 'paper',
    objective: objectiveOf('latency'),
  });
  const predicted = scorePlan(problem, Array.from(plan, Number)).makespanMs;
  const misses: string[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const r = await mrlco(
      'run',
      '--dag',
      dagFile,
      '--system',
      'three-servers-cloud',
      '--executors',
      list(),
      '--plan',
      plan,
      '--time-scale',
      String(TIME_SCALE),
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout);
    assert.equal(run.predictedMakespanMs, predicted);
    // Each server's executor received its tasks' inputs and sent their results back.
    for (const [k, s] of servers.entries()) {
      const mine = dag.tasks.filter((_, i) => Number(plan[i]) === k + 1);
      assert.equal(
        run.bytes[s.name].up,
        mine.reduce((a, t) => a + Math.round(t.uploadBytes), 0),
        s.name,
      );
      assert.equal(
        run.bytes[s.name].down,
        mine.reduce((a, t) => a + Math.round(t.resultBytes), 0),
        s.name,
      );
    }
    const allowed = RELATIVE_TOLERANCE * predicted + ABSOLUTE_TOLERANCE_WALL_MS / TIME_SCALE;
    let miss: string | undefined;
    for (const t of [
      ...run.tasks,
      { index: -1, predictedFinish: predicted, measuredFinish: run.measuredMakespanMs },
    ]) {
      const late = t.measuredFinish - t.predictedFinish;
      assert.ok(late >= -EARLY_SLACK_MS, `task ${t.index} finished ${-late} ms before the model allows`);
      if (late > allowed)
        miss ??= `task ${t.index} ${late.toFixed(1)} ms late (allowed ${allowed.toFixed(1)})`;
    }
    if (!miss) return;
    misses.push(`attempt ${attempt}: ${miss}`);
  }
  assert.fail(misses.join('; '));
});

test('plans the executors cannot run are refused in one line', async () => {
  const cloud = await mrlco(
    'run',
    '--dag',
    dagFile,
    '--system',
    'three-servers-cloud',
    '--executors',
    list(),
    '--plan',
    '0000000004',
  );
  assert.notEqual(cloud.code, 0);
  assert.match(cloud.stderr, /the plan sends tasks to the cloud, which has no executor yet/);
  const missing = await mrlco(
    'run',
    '--dag',
    dagFile,
    '--system',
    'three-servers-cloud',
    '--executors',
    `near=${addresses.near}`,
    '--plan',
    '0000000002',
  );
  assert.notEqual(missing.code, 0);
  assert.match(
    missing.stderr,
    /the plan offloads to mid, which has no executor: add mid=HOST:PORT to --executors/,
  );
  const unknown = await mrlco(
    'run',
    '--dag',
    dagFile,
    '--system',
    'three-servers-cloud',
    '--executors',
    'edge=127.0.0.1:1',
  );
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /--executors: "edge" is not a server of this system \(near, mid, far\)/);
  for (const r of [cloud, missing, unknown]) assert.equal(r.stderr.trim().split('\n').length, 1);
});
