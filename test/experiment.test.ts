// The quick variant of a Sec. 5.3 experiment, end to end through the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topologicalOrder } from '../src/dag/dag.js';
import { readDagFile } from '../src/dag/io.js';
import { experimentSettings, type PlanLine } from '../src/experiments/experiment.js';
import { metaFlags, POLICY_FLAGS, PPO_FLAGS, settingsPatch } from '../src/cli/run-options.js';
import { createProblem, makespanOf, type OffloadingProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

test('mrlco experiment topology --quick writes the curves, the figure (SVG and PNG), Table 3 and the plans behind it; a rerun resumes', () => {
  const out = join(tempDir('exp'), 'topology');
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

  // Every learned and heuristic number of the table is the mean of plans.jsonl's lines, and every line
  // re-simulates to its makespan.
  const lines = readFileSync(join(out, 'plans.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as PlanLine);
  const system = { ...DEFAULT_SYSTEM, uplinkBps: 7e6, downlinkBps: 7e6 };
  const problems = new Map<string, OffloadingProblem>();
  for (const l of lines) {
    let problem = problems.get(l.file);
    if (!problem) {
      const dag = readDagFile(join(referenceData, l.set, l.file));
      problem = createProblem(dag, system, { profile: 'reference' });
      problems.set(l.file, problem);
    }
    const plan = Uint8Array.from(l.plan, (c) => Number(c));
    const order = l.order === 'id' ? topologicalOrder(problem.dag) : problem.order;
    assert.ok(Math.abs(makespanOf(problem, plan, order) - l.makespanMs) < 1e-9, `${l.method} ${l.file}`);
  }
  const meanOf = (pick: (l: PlanLine) => boolean) => {
    const xs = lines.filter(pick).map((l) => l.makespanMs);
    assert.equal(xs.length, 8);
    return (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
  };
  const row = table.split('\n').find((l) => l.startsWith('| Topology I |'))!;
  const cellsOf = row.split(' | ').map((c) => c.split(' ')[0].replace(/^\| /, ''));
  // Columns: set, optimal, HEFT, rollout, rollout:2, Greedy, FT 0/1/2, MRLCO 0/1/2, MRLCO best of K.
  assert.equal(
    cellsOf[1],
    meanOf((l) => l.method === 'optimal'),
  );
  assert.equal(
    cellsOf[3],
    meanOf((l) => l.method === 'heft-rollout'),
  );
  assert.equal(
    cellsOf[6],
    meanOf((l) => l.method === 'fine-tuning' && l.step === 0 && l.decoding === 'argmax'),
  );
  assert.equal(
    cellsOf[11],
    meanOf((l) => l.method === 'mrlco' && l.step === 2 && l.decoding === 'argmax'),
  );
  assert.equal(
    cellsOf[12],
    meanOf((l) => l.method === 'mrlco' && l.step === 2 && l.decoding === 'best-of-4'),
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

test("experiment settings: a flag for one section keeps the preset's others (the tasks preset's meta-batch 5)", () => {
  const patch = settingsPatch({ trajectories: 10, lr: 0.001 }, [...POLICY_FLAGS, ...PPO_FLAGS]);
  const s = experimentSettings('tasks', false, patch);
  assert.equal(s.run.meta.metaBatch, 5);
  assert.equal(s.run.ppo.trajectoriesPerDag, 10);
  assert.equal(s.run.ppo.learningRate, 0.001);
  assert.equal(experimentSettings('topology', false, patch).run.meta.metaBatch, 10);
  // The outer learning rate alone keeps the preset's meta-batch; --quick keeps its scale under a flag.
  const outer = settingsPatch({ outerLr: 0.002 }, metaFlags());
  assert.equal(experimentSettings('tasks', false, outer).run.meta.metaBatch, 5);
  assert.equal(experimentSettings('tasks', false, outer).run.meta.outerLearningRate, 0.002);
  const quick = experimentSettings('tasks', true, patch);
  assert.equal(quick.run.ppo.dagsPerBatch, 8);
  assert.equal(quick.run.ppo.trajectoriesPerDag, 10);
  assert.equal(quick.run.meta.metaBatch, 2);
});
