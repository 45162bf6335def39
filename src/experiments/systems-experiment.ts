/**
 * Learning over systems of places (`experiment systems`, docs/system.md): MRLCO meta-trains the place
 * policy on randomly drawn systems (one to three servers, a cloud or not, rates, loads, objectives),
 * then meets the presets it never saw (paper, three-servers-cloud, energy) zero-shot and after a few
 * adaptation steps, beside the ladder HEFT → HEFT-rollout → rollout² → Optimal and the fine-tuning
 * DRL baseline (one policy pre-trained by PPO on the same systems with the same number of updates).
 * Every plan is written, so every number can be re-simulated.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../dag/generate.js';
import type { Dag } from '../dag/dag.js';
import type { Backend } from '../nn/backend.js';
import { describeObjective, objectiveOf, type Objective } from '../mec/places/objective.js';
import { createPlacementProblem, type PlacementProblem } from '../mec/places/problem.js';
import { BUILTIN_SYSTEMS, DRLTO_POWER, type ServerSpec, type SystemSpec } from '../mec/places/system-spec.js';
import {
  metaTrainPlaces,
  PLACE_META,
  type PlaceLearningTask,
  type PlaceMetaSettings,
} from '../meta/place-meta.js';
import { DEFAULT_PLACE_POLICY, PlacePolicy, type PlacePolicyConfig } from '../policy/place-policy.js';
import { adaptPlacePolicy } from '../rl/place-adapt.js';
import { savePlacePolicy } from '../rl/place-checkpoint.js';
import {
  PLACE_PPO,
  placeAdam,
  placePolicyPlans,
  placePpoIteration,
  type PlacePpoSettings,
} from '../rl/place-ppo.js';
import { placementSchedulerByName } from '../schedulers/places/registry.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { Rng } from '../util/rng.js';
import { streamRng } from '../util/rng-streams.js';
import { addPlacementPlansRow, runPlacementBaselines, type PlacementSummary } from './system-baselines.js';

export interface SystemsExperimentSettings {
  seed: number;
  /** Randomly drawn training systems, and DAGs (n = 20, generated) per system. */
  trainSystems: number;
  dagsPerTrainSystem: number;
  /** Generated DAGs each test system adapts on (never the evaluation DAGs). */
  adaptDags: number;
  adaptSteps: number;
  /** Evaluation DAGs: the first of the dataset given (or generated). */
  evalDags: number;
  optimalTimeLimitMs: number;
  policy: PlacePolicyConfig;
  ppo: PlacePpoSettings;
  meta: PlaceMetaSettings;
}

export function systemsExperimentSettings(quick: boolean, seed = 1): SystemsExperimentSettings {
  return quick
    ? {
        seed,
        trainSystems: 4,
        dagsPerTrainSystem: 6,
        adaptDags: 6,
        adaptSteps: 2,
        evalDags: 4,
        optimalTimeLimitMs: 1000,
        policy: { ...DEFAULT_PLACE_POLICY, hidden: 16 },
        ppo: { ...PLACE_PPO, dagsPerBatch: 2, trajectories: 2 },
        meta: { ...PLACE_META, iterations: 2, metaBatch: 2, innerSteps: 1 },
      }
    : {
        seed,
        trainSystems: 24,
        dagsPerTrainSystem: 40,
        adaptDags: 100,
        adaptSteps: 20,
        evalDags: 50,
        optimalTimeLimitMs: 5000,
        policy: DEFAULT_PLACE_POLICY,
        ppo: PLACE_PPO,
        meta: { ...PLACE_META, iterations: 200 },
      };
}

/** The test tasks: each preset with its own objective, and three-servers-cloud under QoE too. */
export const SYSTEM_TEST_TASKS: readonly { system: string; objective: Objective }[] = [
  { system: 'paper', objective: objectiveOf('latency') },
  { system: 'three-servers-cloud', objective: objectiveOf('latency') },
  { system: 'three-servers-cloud', objective: objectiveOf('qoe') },
  { system: 'energy', objective: objectiveOf('qoe') },
];

/** A random training system: 1-3 servers at 3-20 Mbit/s with 1-4 users, a cloud half the time. */
export function randomSystem(rng: Rng, index: number): { spec: SystemSpec; objective: Objective } {
  const servers: ServerSpec[] = Array.from({ length: rng.int(1, 3) }, (_, k) => {
    const mbps = Math.round(rng.uniform(3, 20) * 10) / 10;
    return { name: `s${k}`, ghz: 10, users: rng.int(1, 4), upMbps: mbps, downMbps: mbps };
  });
  const spec: SystemSpec = {
    name: `train-${index}`,
    device: { ghz: [0.8, 1, 1.2][rng.int(0, 2)], power: DRLTO_POWER },
    servers,
    ...(rng.next() < 0.5
      ? {
          cloud: {
            ghz: Math.round(rng.uniform(20, 60)),
            via: servers[rng.int(0, servers.length - 1)].name,
            backhaulMbps: Math.round(rng.uniform(20, 100)),
            backhaulLatencyMs: Math.round(rng.uniform(10, 60)),
          },
        }
      : {}),
  };
  const weights = [
    [0.5, 0.5],
    [0.8, 0.2],
    [0.2, 0.8],
  ][rng.int(0, 2)];
  const objective = rng.next() < 0.4 ? objectiveOf('latency') : objectiveOf('qoe', weights[0], weights[1]);
  return { spec, objective };
}

export interface SystemsExperimentArgs {
  be: Backend;
  settings: SystemsExperimentSettings;
  /** The evaluation DAGs (a reference set, or generated). */
  evalDags: readonly Dag[];
  evalName: string;
  outDir: string;
  onStage?: (message: string) => void;
}

export interface SystemsTaskResult {
  system: string;
  objective: Objective;
  rows: PlacementSummary[];
  plans: Record<string, number[][]>;
  adaptCurves: Record<string, number[]>;
}

const PROFILE = 'paper';

export function runSystemsExperiment(a: SystemsExperimentArgs): SystemsTaskResult[] {
  const s = a.settings;
  const log = a.onStage ?? (() => {});
  mkdirSync(a.outDir, { recursive: true });
  const rng = new Rng(s.seed, 0x5157);
  const train: PlaceLearningTask[] = Array.from({ length: s.trainSystems }, (_, k) => {
    const { spec, objective } = randomSystem(rng, k);
    const dags = generateDags(
      { ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 1000 + s.seed * 97 + k },
      s.dagsPerTrainSystem,
    );
    return {
      name: `${spec.name} (${spec.servers.length} servers${spec.cloud ? ' + cloud' : ''}, ${describeObjective(objective)})`,
      problems: dags.map((d) => createPlacementProblem(d, spec, { profile: PROFILE, objective })),
    };
  });
  log(
    `meta-training on ${train.length} random systems (${s.meta.iterations} iterations of ${s.meta.metaBatch} tasks × ${s.meta.innerSteps} PPO steps)`,
  );
  const meta = new PlacePolicy(s.policy, s.seed);
  metaTrainPlaces(a.be, meta, train, s.seed, s.meta, s.ppo, (p) => {
    if (p.iteration % Math.max(1, Math.floor(s.meta.iterations / 5)) === 0)
      log(
        `  meta ${p.iteration}/${s.meta.iterations}: the inner loops' mean objective ${p.innerObjective.toFixed(4)} (each task in its own unit)`,
      );
  });
  savePlacePolicy(join(a.outDir, 'mrlco-places.bin'), meta, `experiment systems, seed ${s.seed}: MRLCO`);
  // Fine-tuning DRL: one policy trained by PPO over the same systems with as many PPO updates.
  const updates = s.meta.iterations * s.meta.metaBatch * s.meta.innerSteps;
  log(`fine-tuning baseline: ${updates} PPO iterations over the same systems`);
  const drl = new PlacePolicy(s.policy, s.seed);
  const adam = placeAdam(drl, s.ppo.learningRate);
  const drlRng = streamRng(s.seed, 'trainData');
  for (let k = 0; k < updates; k++) {
    const task = train[drlRng.int(0, train.length - 1)];
    placePpoIteration(a.be, drl, adam, task.problems, drlRng, drlRng, s.ppo);
  }
  savePlacePolicy(
    join(a.outDir, 'drl-places.bin'),
    drl,
    `experiment systems, seed ${s.seed}: fine-tuning DRL`,
  );

  const results: SystemsTaskResult[] = [];
  const ladder = ['heft', 'heft-rollout', 'heft-rollout:2', 'optimal'].map((n) =>
    placementSchedulerByName(n),
  );
  for (const [t, task] of SYSTEM_TEST_TASKS.entries()) {
    const spec = BUILTIN_SYSTEMS[task.system];
    const model = { profile: PROFILE, objective: task.objective } as const;
    const label = `${task.system} / ${describeObjective(task.objective)}`;
    log(`${label}: the ladder on ${a.evalDags.length} DAGs of ${a.evalName}`);
    const problems = a.evalDags.map((d) => createPlacementProblem(d, spec, model));
    const report = runPlacementBaselines(problems, ladder, task.objective, {
      seed: s.seed,
      timeLimitMs: s.optimalTimeLimitMs,
    });
    const adaptOn = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 5000 + t }, s.adaptDags).map(
      (d) => createPlacementProblem(d, spec, model),
    );
    const curves: Record<string, number[]> = {};
    const scratch = new PlacePolicy(s.policy, s.seed);
    for (const [name, source] of [
      ['mrlco', meta],
      ['fine-tuning', drl],
      ['scratch', scratch],
    ] as const) {
      const policy = new PlacePolicy(s.policy, s.seed);
      policy.params.setValues(source.params.values);
      if (name !== 'scratch') addPolicyRow(a.be, report, problems, `${name} (zero-shot)`, policy);
      curves[name] = adaptPlacePolicy(
        a.be,
        policy,
        adaptOn,
        s.adaptSteps,
        streamRng(s.seed, 'adaptSample'),
        s.ppo,
      );
      addPolicyRow(a.be, report, problems, `${name} (+${s.adaptSteps} steps)`, policy);
    }
    log(
      `  ${report.summaries.map((r) => `${r.scheduler} ${r.meanObjective.toFixed(task.objective.kind === 'qoe' ? 4 : 1)}`).join(', ')}`,
    );
    results.push({
      system: task.system,
      objective: task.objective,
      rows: report.summaries,
      plans: report.plans,
      adaptCurves: curves,
    });
  }
  writeFileAtomic(
    join(a.outDir, 'results.json'),
    JSON.stringify(
      {
        settings: s,
        profile: PROFILE,
        evaluation: { dataset: a.evalName, dags: a.evalDags.map((d) => d.name) },
        trainSystems: train.map((t) => ({
          name: t.name,
          objective: t.problems[0]?.objective,
          spec: t.problems[0]?.spec,
        })),
        testSystems: Object.fromEntries(SYSTEM_TEST_TASKS.map((t) => [t.system, BUILTIN_SYSTEMS[t.system]])),
        results,
      },
      null,
      1,
    ) + '\n',
  );
  writeFileAtomic(join(a.outDir, 'results.md'), resultsTable(results, a.evalName, s));
  return results;
}

function addPolicyRow(
  be: Backend,
  report: Parameters<typeof addPlacementPlansRow>[0],
  problems: PlacementProblem[],
  name: string,
  policy: PlacePolicy,
): void {
  const started = performance.now();
  const plans = placePolicyPlans(be, policy, problems);
  addPlacementPlansRow(report, problems, name, plans, performance.now() - started);
}

/** The results as a Markdown table per test system. */
export function resultsTable(
  results: readonly SystemsTaskResult[],
  evalName: string,
  s: SystemsExperimentSettings,
): string {
  const lines = [
    `# Learning over systems of places`,
    ``,
    `Evaluation: ${evalName}; objective values are means over DAGs (qoe: fraction of the all-local plan; latency: ms). Seed ${s.seed}.`,
    ``,
  ];
  for (const r of results) {
    const qoe = r.objective.kind === 'qoe';
    lines.push(`## ${r.system}, ${describeObjective(r.objective)}`, ``);
    lines.push(
      `| method | objective | gap to optimum (${qoe ? 'pp' : '%'}) | makespan (ms) | energy (J) | ms/DAG |`,
      `|---|---|---|---|---|---|`,
    );
    for (const row of r.rows)
      lines.push(
        `| ${row.scheduler}${row.scheduler === 'optimal' && row.proven !== row.dags ? ` (proven ${row.proven}/${row.dags})` : ''} | ${row.meanObjective.toFixed(qoe ? 4 : 2)} | ${row.meanGapToOptimum === undefined ? '' : (100 * row.meanGapToOptimum).toFixed(2)} | ${row.meanMakespanMs.toFixed(1)} | ${row.meanEnergyJ.toFixed(3)} | ${(row.wallMs / row.dags).toFixed(2)} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}
