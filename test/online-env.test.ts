// The online environment: Gymnasium's API and spaces, its features in the static world equal to the latency
// model's step features, its stored features equal to a re-simulation, and none of them seeing the future.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateDags, DEFAULT_GENERATOR_PARAMS } from '../src/dag/generate.js';
import type { Dag } from '../src/dag/dag.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { OffloadingVectorEnv, type DagRef } from '../src/rl/env.js';
import { compileTask, type CompiledTask } from '../src/rl/learning-task.js';
import { ONLINE_FEATURE_COUNT, ONLINE_FEATURES } from '../src/rl/online-features.js';
import { OnlineEnv, OnlineVectorEnv } from '../src/rl/online-env.js';
import { Rng } from '../src/util/rng.js';
import { DEFAULT_ESTIMATOR } from '../src/world/estimators.js';
import type { WorldSpec } from '../src/world/spec.js';

const settings = { lookahead: 'heft' as const, stepFeatures: ONLINE_FEATURE_COUNT };

function compiled(spec: WorldSpec, dags: Dag[]): CompiledTask {
  const world = { spec, seed: 3, estimator: { ...DEFAULT_ESTIMATOR, kind: 'live' as const } };
  return compileTask({ name: 'w', dags, system: DEFAULT_SYSTEM, profile: 'reference', world }, 12);
}

test('Gymnasium API: declared spaces, rewards summing to −makespan / all-local makespan', () => {
  const spec: WorldSpec = {
    links: {
      kind: 'markov',
      states: [
        { upMbps: 9, downMbps: 9, meanSojournMs: 100 },
        { upMbps: 2, downMbps: 2, meanSojournMs: 100 },
      ],
    },
  };
  const task = compiled(spec, generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 12 }, 2));
  const env = new OnlineEnv({ task, dag: 1, realisation: 4 }, settings);
  assert.deepEqual(env.actionSpace, { kind: 'discrete', n: 2 });
  assert.deepEqual(env.observationSpace.steps.shape, [ONLINE_FEATURE_COUNT]);
  assert.equal(ONLINE_FEATURES.length, ONLINE_FEATURE_COUNT);
  const { observation } = env.reset();
  assert.equal(observation.steps.length, ONLINE_FEATURE_COUNT);
  let total = 0;
  let last = -1;
  for (let k = 0; ; k++) {
    const r = env.step(k % 3 === 0 ? 0 : 1);
    assert.ok(r.info.decisionTimeMs >= last);
    last = r.info.decisionTimeMs;
    total += r.reward;
    if (r.terminated) {
      assert.ok(Math.abs(total + r.info.makespanMs / task.scales[1]) < 1e-5);
      break;
    }
  }
});

test('in the static world the online features begin with the latency model step features', () => {
  const task = compiled({}, generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 15 }, 4));
  const refs = [0, 1, 2, 3].map((dag) => ({ task, dag }));
  const online = new OnlineVectorEnv(
    refs.map((r) => ({ ...r, realisation: 0 })),
    settings,
  );
  const model = new OffloadingVectorEnv(refs, { stepFeatures: 9, lookahead: 'heft' });
  online.reset();
  model.reset();
  const rng = new Rng(8);
  for (let t = 0; t < online.T; t++) {
    const a = Uint8Array.from({ length: 4 }, () => (rng.next() < 0.5 ? 1 : 0));
    for (let b = 0; b < 4; b++)
      for (let f = 0; f < 9; f++)
        assert.equal(
          online.obs.steps[(t * 4 + b) * ONLINE_FEATURE_COUNT + f],
          model.obs.steps[(t * 4 + b) * 9 + f],
          `step ${t}, row ${b}, feature ${ONLINE_FEATURES[f][0]}`,
        );
    online.stepAll(a);
    model.stepAll(a);
  }
  for (let b = 0; b < 4; b++) assert.equal(online.makespanOf(b), model.makespanOf(b));
});

/** Two trace worlds that agree until trace time 2000 + split ms, with the same nominal rates. */
function traceSpecs(dir: string, split: number): WorldSpec[] {
  return [6, 0.4].map((after, k) => {
    const f = join(dir, `l${k}.txt`);
    writeFileSync(f, `0 5\n0.5 9\n1 3\n1.5 7\n${(2000 + split) / 1000} ${after}\n300 ${after}\n`);
    return {
      links: { kind: 'trace', uplink: f, downlink: f },
      transferLatency: { ms: 4, jitterMs: 3 },
      nominalMbps: { up: 6, down: 6 },
    };
  });
}

test('stored features equal a re-simulation, and none changes when only the link after its decision time does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrlco-online-env-'));
  try {
    const split = 500;
    const [a, b] = traceSpecs(dir, split);
    const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 6 }, 6);
    // Every episode at offset 2000: the two worlds agree until episode time `split`.
    const refsOf = (task: CompiledTask): DagRef[] =>
      dags.map((_, d) => ({ task, dag: d, realisation: d % 3, offsetMs: 2000 }));
    const envA = new OnlineVectorEnv(refsOf(compiled(a, dags)), settings);
    const rng = new Rng(2);
    const played: Uint8Array[] = [];
    envA.reset();
    for (let t = 0; t < envA.T; t++) {
      const actions = Uint8Array.from({ length: envA.B }, () => (rng.next() < 0.5 ? 1 : 0));
      played.push(actions);
      envA.stepAll(actions);
    }
    const stored = Float32Array.from(envA.obs.steps);
    const replay = (spec: WorldSpec) => {
      const env = new OnlineVectorEnv(refsOf(compiled(spec, dags)), settings);
      env.reset();
      for (const actions of played) env.stepAll(actions);
      return env;
    };
    assert.deepEqual(Array.from(replay(a).obs.steps), Array.from(stored));
    const envB = replay(b);
    let compared = 0;
    const S = ONLINE_FEATURE_COUNT;
    for (let d = 0; d < dags.length; d++) {
      const times = envA.episodeOf(d).decisionTimes;
      const timesB = envB.episodeOf(d).decisionTimes;
      for (let t = 0; t < envA.T; t++) {
        if (times[t] >= split || timesB[t] >= split) break;
        const at = (t * dags.length + d) * S;
        assert.deepEqual(
          Array.from(envB.obs.steps.subarray(at, at + S)),
          Array.from(stored.subarray(at, at + S)),
          `DAG ${d}, decision ${t}`,
        );
        compared++;
      }
    }
    assert.ok(compared > 20, `only ${compared} decisions before the split`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
