// The policy over places (issue 17): gradient checks of its one-logit-per-place head and value, the
// untrained policy equals the HEFT-rollout, episodes' rewards telescope to the objective, PPO and
// MRLCO are deterministic, its file round-trips and is refused when damaged, and the systems
// experiment's plans re-simulate to the numbers it reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { readDataset } from '../src/dag/io.js';
import { objectiveOf } from '../src/mec/places/objective.js';
import { createPlacementProblem, scorePlan } from '../src/mec/places/problem.js';
import { BUILTIN_SYSTEMS } from '../src/mec/places/system-spec.js';
import { metaTrainPlaces, PLACE_META } from '../src/meta/place-meta.js';
import { jsBackend } from '../src/nn/js-backend.js';
import { PLACE_ROW_FEATURES } from '../src/policy/place-features.js';
import { DEFAULT_PLACE_POLICY, PlacePolicy } from '../src/policy/place-policy.js';
import { loadPlacePolicy, savePlacePolicy } from '../src/rl/place-checkpoint.js';
import {
  PLACE_PPO,
  placeAdam,
  placePolicyPlans,
  placePpoIteration,
  playPlaceEpisodes,
} from '../src/rl/place-ppo.js';
import { placementSchedulerByName } from '../src/schedulers/places/registry.js';
import { Rng } from '../src/util/rng.js';
import { checkGradients, dot64, randomArray } from './helpers/gradcheck.js';
import { cliPath } from './helpers/paths.js';
import { tempDir } from './helpers/tmp.js';

const be = jsBackend;

for (const P of [2, 5])
  test(`gradient check of the place policy with ${P} places: every parameter, the prior's gain included`, () => {
    const policy = new PlacePolicy({ hidden: 6, layers: 2, priorGain: 3 }, 4);
    const rng = new Rng(9);
    // The zero-initialised logit head would hide the trunk's gradients: give it values.
    for (const p of policy.params.params)
      if (p.name.startsWith('place.logit')) p.data.set(randomArray(p.size, rng, 0.5));
    const rows = 3;
    const x = randomArray(rows * P * PLACE_ROW_FEATURES, rng);
    const wl = randomArray(rows * P, rng);
    const wv = randomArray(rows, rng);
    const loss = () => {
      const f = policy.forward(be, rows, P, x);
      return dot64(f.logits, wl) + dot64(f.values, wv);
    };
    policy.params.zeroGrad();
    const f = policy.forward(be, rows, P, x);
    policy.backward(be, f.cache, wl, wv);
    const r = checkGradients(policy.params.values, Float32Array.from(policy.params.grads), loss, {
      samples: policy.params.size,
      label: `P=${P}`,
    });
    assert.equal(r.checked, policy.params.size);
  });

test("the untrained policy's argmax is the HEFT-rollout's plan on every preset and objective", () => {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 15, seed: 8 }, 4);
  const policy = new PlacePolicy(DEFAULT_PLACE_POLICY, 1);
  for (const name of Object.keys(BUILTIN_SYSTEMS))
    for (const kind of ['latency', 'energy', 'qoe'] as const) {
      const problems = dags.map((d) =>
        createPlacementProblem(d, BUILTIN_SYSTEMS[name], { profile: 'paper', objective: objectiveOf(kind) }),
      );
      const plans = placePolicyPlans(be, policy, problems);
      problems.forEach((p, d) =>
        assert.deepEqual(
          Array.from(plans[d]),
          Array.from(placementSchedulerByName('heft-rollout').schedule(p).plan),
          `${name} ${kind}`,
        ),
      );
    }
});

test("an episode's rewards telescope to minus its objective, and its plan re-simulates to it", () => {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 12, seed: 2 }, 2);
  const policy = new PlacePolicy({ ...DEFAULT_PLACE_POLICY, priorGain: 1 }, 3);
  for (const kind of ['latency', 'qoe'] as const) {
    const problems = dags.map((d) =>
      createPlacementProblem(d, BUILTIN_SYSTEMS['three-servers-cloud'], {
        profile: 'reference',
        objective: objectiveOf(kind),
      }),
    );
    const ep = playPlaceEpisodes(be, policy, problems, 2, new Rng(5), 1);
    ep.plans.forEach((plan, e) => {
      const p = problems[Math.floor(e / 2)];
      assert.equal(scorePlan(p, plan).objective, ep.objectives[e]);
    });
    // With λ = 1 the first step's return is the episode's return: minus its objective change, scaled.
    let r = 0;
    ep.plans.forEach((_, e) => {
      const p = problems[Math.floor(e / 2)];
      const scale = kind === 'latency' ? p.local.makespanMs : 1;
      const start = kind === 'latency' ? 0 : -1;
      assert.ok(Math.abs(ep.returns[r] - -(ep.objectives[e] - start) / scale) < 1e-4, `${kind} episode ${e}`);
      r += p.order.length;
    });
  }
});

test('PPO and MRLCO over places: the same seed gives the same parameters, and training changes them', () => {
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 10, seed: 6 }, 4);
  const problems = dags.map((d) =>
    createPlacementProblem(d, BUILTIN_SYSTEMS['three-servers-cloud'], {
      profile: 'paper',
      objective: objectiveOf('qoe'),
    }),
  );
  const run = () => {
    const policy = new PlacePolicy({ ...DEFAULT_PLACE_POLICY, hidden: 8 }, 2);
    const adam = placeAdam(policy, PLACE_PPO.learningRate);
    const rng = new Rng(4);
    for (let k = 0; k < 3; k++)
      placePpoIteration(be, policy, adam, problems, rng, rng, {
        ...PLACE_PPO,
        dagsPerBatch: 2,
        trajectories: 2,
      });
    return Float32Array.from(policy.params.values);
  };
  const a = run();
  assert.deepEqual(a, run());
  assert.notDeepEqual(a, new PlacePolicy({ ...DEFAULT_PLACE_POLICY, hidden: 8 }, 2).params.values);
  const tasks = [
    { name: 'a', problems },
    {
      name: 'b',
      problems: dags.map((d) =>
        createPlacementProblem(d, BUILTIN_SYSTEMS.energy, {
          profile: 'paper',
          objective: objectiveOf('qoe'),
        }),
      ),
    },
  ];
  const meta = () => {
    const policy = new PlacePolicy({ ...DEFAULT_PLACE_POLICY, hidden: 8 }, 2);
    metaTrainPlaces(
      be,
      policy,
      tasks,
      7,
      { ...PLACE_META, iterations: 2, metaBatch: 2, innerSteps: 1 },
      { ...PLACE_PPO, dagsPerBatch: 2, trajectories: 2 },
    );
    return Float32Array.from(policy.params.values);
  };
  assert.deepEqual(meta(), meta());
});

test("a place policy's file round-trips; a damaged or foreign one is refused in one line naming it", () => {
  const dir = tempDir('place-policy');
  const policy = new PlacePolicy({ ...DEFAULT_PLACE_POLICY, hidden: 8 }, 5);
  const path = join(dir, 'p.bin');
  savePlacePolicy(path, policy, 'test');
  assert.deepEqual(loadPlacePolicy(path).params.values, policy.params.values);
  const bytes = readFileSync(path);
  bytes[bytes.length - 3] ^= 0xff;
  writeFileSync(join(dir, 'bad.bin'), bytes);
  assert.throws(
    () => loadPlacePolicy(join(dir, 'bad.bin')),
    (e: Error) => e.message.startsWith(join(dir, 'bad.bin')) && !e.message.includes('\n'),
  );
  assert.throws(() => loadPlacePolicy(join('policies', 'mrlco-default.bin')), /not a policy over places/);
});

test('experiment systems --quick: every reported mean re-simulates from the plans it wrote', () => {
  const out = join(tempDir('systems-exp'), 'run');
  const r = spawnSync(process.execPath, [cliPath, 'experiment', 'systems', '--quick', '--out', out], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(doc.results.length, 4);
  const dags =
    doc.evaluation.dataset === 'offload_random20_8'
      ? null
      : generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 99 }, doc.settings.evalDags);
  const evalDags =
    dags ??
    readDataset(
      join('..', 'shared', 'data', 'reference', 'meta_offloading_20', 'offload_random20_8'),
      doc.settings.evalDags,
    ).dags;
  for (const task of doc.results) {
    const problems = evalDags.map((d) =>
      createPlacementProblem(d, doc.testSystems[task.system], {
        profile: doc.profile,
        objective: task.objective,
      }),
    );
    for (const row of task.rows) {
      const plans: number[][] = task.plans[row.scheduler];
      const mean = plans.reduce((s, plan, d) => s + scorePlan(problems[d], plan).objective, 0) / plans.length;
      assert.ok(
        Math.abs(mean - row.meanObjective) <= 1e-9 * (1 + Math.abs(mean)),
        `${task.system} ${row.scheduler}`,
      );
    }
    for (const m of [
      'heft',
      'heft-rollout',
      'heft-rollout:2',
      'optimal',
      'mrlco (zero-shot)',
      'mrlco (+2 steps)',
      'fine-tuning (+2 steps)',
    ])
      assert.ok(task.plans[m], m);
  }
  assert.ok(loadPlacePolicy(join(out, 'mrlco-places.bin')).params.size > 0);
});

test('adapt --system: the shipped policy over places adapted on a dataset, its curve beside the ladder, its file written; other learning flags refused', () => {
  const dir = tempDir('adapt-places');
  const data = join(dir, 'dags');
  const gen = spawnSync(
    process.execPath,
    [cliPath, 'generate', '--n', '10', '--count', '4', '--seed', '5', '--out', data],
    { encoding: 'utf8' },
  );
  assert.equal(gen.status, 0, gen.stderr);
  const out = join(dir, 'adapted');
  const r = spawnSync(
    process.execPath,
    [
      cliPath,
      'adapt',
      '--system',
      'three-servers-cloud',
      '--objective',
      'qoe',
      '--data',
      data,
      '--steps',
      '2',
      '--out',
      out,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.curve.length, 3);
  assert.ok(j.references['heft-rollout:2'] <= j.references['heft-rollout']);
  // The adapted file's argmax plans score what the curve's last step says.
  const adapted = loadPlacePolicy(join(out, 'checkpoint.bin'));
  const problems = readDataset(data).dags.map((d) =>
    createPlacementProblem(d, BUILTIN_SYSTEMS['three-servers-cloud'], {
      profile: 'paper',
      objective: objectiveOf('qoe'),
    }),
  );
  const plans = placePolicyPlans(be, adapted, problems);
  const mean = plans.reduce((s, plan, d) => s + scorePlan(problems[d], plan).objective, 0) / plans.length;
  assert.ok(Math.abs(mean - j.curve[2].objective) < 1e-9);
  const refused = spawnSync(
    process.execPath,
    [cliPath, 'adapt', '--system', 'energy', '--data', data, '--lr', '0.1'],
    { encoding: 'utf8' },
  );
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--lr does not apply/);
});
