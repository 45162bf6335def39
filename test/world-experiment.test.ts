// The world experiment end to end at its quick scale: every output is written, every learned number's
// episodes are in decisions.jsonl and replay (evaluate --world's function) to the reported mean, and a
// rerun resumes from the stored stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDagFile } from '../src/dag/io.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { evaluateInWorld } from '../src/cli/commands/evaluate-world.js';
import { validateWorldSpec } from '../src/world/spec.js';
import { cliPath, referenceData, repoRoot } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

const traces = join(repoRoot, '..', 'shared', 'data', 'traces', 'mahimahi');

test('experiment worlds --quick: curves, figures, results; the decision logs replay to the reported means; a rerun resumes', () => {
  const out = join(tempDir('world-exp'), 'exp');
  const args = [
    cliPath,
    'experiment',
    'worlds',
    '--quick',
    '--out',
    out,
    '--data-root',
    referenceData,
    '--traces',
    traces,
  ];
  execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const f of ['results.md', 'curves.csv', 'decisions.jsonl', 'summary.json', 'fig-verizon-evdo.svg'])
    assert.ok(existsSync(join(out, f)), f);
  const curves = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n').slice(1);
  const mean = new Map<string, number>();
  for (const line of curves) {
    const m = /^"([^"]+)","([^"]+)",(\d+),([\d.]+)$/.exec(line)!;
    mean.set(`${m[1]}|${m[2]}|${m[3]}`, Number(m[4]));
  }
  const labels: Record<string, string> = {
    mrlco: 'MRLCO',
    'fine-tuning': 'Fine-tuning DRL',
    scratch: 'From scratch',
    context: 'MRLCO, context only',
    'context-gradient': 'MRLCO, context and gradient',
  };
  const lines = readFileSync(join(out, 'decisions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.length > 0);
  const sums = new Map<string, { sum: number; count: number }>();
  for (const l of lines) {
    const dag = readDagFile(join(referenceData, l.set, l.file));
    const replayed = evaluateInWorld(
      dag,
      Uint8Array.from(l.plan, Number),
      validateWorldSpec(l.spec, 'log'),
      DEFAULT_SYSTEM,
      { profile: 'reference' },
      { seed: l.seed, dagIndex: l.dag, realisation: l.realisation },
    );
    assert.equal(replayed.realisation.offsetMs, l.offsetMs);
    assert.ok(
      Math.abs(replayed.timeline.makespanMs - l.makespanMs) < 1e-6,
      `${l.method} ${l.world} ${l.file}`,
    );
    const key = `${labels[l.method]}|${l.world}|${l.step}`;
    const s = sums.get(key) ?? { sum: 0, count: 0 };
    s.sum += replayed.timeline.makespanMs;
    s.count++;
    sums.set(key, s);
  }
  for (const [key, s] of sums) assert.ok(Math.abs(s.sum / s.count - mean.get(key)!) < 1e-3, key);
  // Stored stages: a rerun writes the same results without training again.
  const before = readFileSync(join(out, 'results.md'), 'utf8');
  const started = Date.now();
  execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(readFileSync(join(out, 'results.md'), 'utf8'), before);
  assert.ok(Date.now() - started < 60_000);
});
