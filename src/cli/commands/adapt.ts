import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { adaptDrl, adaptReferences, modelOf } from '../../experiments/drl.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../rl/checkpoint.js';
import { describeModel, modelJson, notePolicyModel, policyModelDefaults } from '../policy-model.js';
import { policyPathOr } from '../../rl/shipped-policy.js';
import { UsageError } from '../../util/errors.js';
import { OPTIMAL_DEFAULT_TIME_LIMIT_S } from '../../schedulers/optimal.js';
import { parseIntIn } from '../options.js';
import { MAX_ADAPT_STEPS, MAX_TIME_LIMIT_S } from '../../util/limits.js';
import { addWorkersOption, limitBlasThreadsForWorkers } from '../workers.js';
import { readDatasetArg } from '../dag-arg.js';
import { systemFromOptions } from '../options.js';
import {
  addPlacementOptions,
  placementFromOptions,
  placementGiven,
  type PlacementCliOptions,
} from '../system-spec-options.js';
import { describeObjective } from '../../mec/places/objective.js';
import { scorePlan } from '../../mec/places/problem.js';
import { mean } from '../../experiments/baselines.js';
import { placementProblems } from '../../experiments/system-baselines.js';
import { loadPlacePolicy, savePlacePolicy } from '../../rl/place-checkpoint.js';
import { PLACE_PPO, placeAdam, placePolicyPlans, placePpoIteration } from '../../rl/place-ppo.js';
import { placesPolicyPathOr } from '../../rl/shipped-policy.js';
import { placementSchedulerByName } from '../../schedulers/places/registry.js';
import { streamRng } from '../../util/rng-streams.js';
import {
  addRunOptions,
  runConfigFromOptions,
  taskSpecsFromOptions,
  type RunCliOptions,
} from '../run-options.js';

interface AdaptOptions extends RunCliOptions, PlacementCliOptions {
  workers: number;
  from?: string;
  steps: number;
  out?: string;
  optimalTimeLimit: number;
  json?: boolean;
}

export function adaptCommand(): Command {
  const cmd = new Command('adapt')
    .description(
      'fine-tune a trained policy on a new dataset; after each update step, the mean argmax makespan next to HEFT, HEFT-rollout, Greedy and the optimum',
    )
    .option(
      '--from <checkpoint>',
      'a checkpoint written by mrlco train, meta-train or adapt (default: the shipped policy)',
    )
    .option('--data <dir>', 'the new learning task: a dataset folder')
    .option(
      '--steps <n>',
      'update steps (each samples --trajectories per DAG, then m PPO gradient steps)',
      parseIntIn(0, MAX_ADAPT_STEPS),
      20,
    )
    .option(
      '--out <dir>',
      'folder for adapt.csv, the adapted policy (checkpoint.bin, last step) and best.bin (the step with the best makespan)',
    )
    .option(
      '--optimal-time-limit <seconds>',
      'Optimal reference: time limit per DAG, 0 = skip Optimal',
      parseIntIn(0, MAX_TIME_LIMIT_S),
      OPTIMAL_DEFAULT_TIME_LIMIT_S,
    )
    .option('--json', 'print the curve as JSON');
  addRunOptions(cmd, { iterations: false, policy: false });
  addPlacementOptions(cmd);
  addWorkersOption(cmd, 'the episodes (sampling and evaluation)');
  return cmd.action((opts: AdaptOptions) => {
    if (placementGiven(opts)) return adaptPlaces(cmd, opts);
    limitBlasThreadsForWorkers(opts.workers);
    const loaded = loadCheckpoint(policyPathOr(opts.from));
    // The checkpoint's profile, rank order and system unless the flags say otherwise (then a note says so).
    const specs = taskSpecsFromOptions(opts, policyModelDefaults(loaded.state));
    if (specs.length !== 1) throw new UsageError('adapt takes exactly one dataset in --data');
    notePolicyModel(loaded.state, specs[0].system, modelOf(specs[0]));
    const config = runConfigFromOptions(opts, loaded.state.run, { iterations: false, policy: false });
    const refs = adaptReferences(specs[0], opts.optimalTimeLimit === 0 ? 0 : opts.optimalTimeLimit * 1000);
    if (opts.out) mkdirSync(opts.out, { recursive: true });
    const opt = refs.optimalMs?.toFixed(2) ?? '-';
    // Optimal's mean is the optimum only where it proved every DAG within its time limit.
    const dags = specs[0].dataset.dags.length;
    const optimalLabel =
      refs.optimalProven !== undefined && refs.optimalProven < dags
        ? `Optimal: best found (not proven on ${dags - refs.optimalProven} of ${dags})`
        : 'Optimal';
    if (!opts.json)
      console.log(
        `step  makespan (ms)   HEFT ${refs.heftMs.toFixed(2)}   HEFT-rollout ${refs.heftRolloutMs.toFixed(2)}   Greedy ${refs.greedyMs.toFixed(2)}   ${optimalLabel} ${opt}   (${describeModel(specs[0].system, modelOf(specs[0]))})`,
      );
    let best = Infinity;
    const save = (file: string, step: number, policy: Parameters<typeof saveCheckpoint>[1]) =>
      saveCheckpoint(join(opts.out!, file), policy, undefined, {
        run: config,
        iteration: step,
        rng: {},
        info: {
          kind: 'adapted',
          from: opts.from ?? 'shipped',
          data: opts.data ?? null,
          step,
          profile: specs[0].profile,
          rankWeight: specs[0].rankWeight ?? null,
          system: specs[0].system,
        },
      });
    const { curve, policy } = adaptDrl({
      be: getBackend(),
      from: loaded.policy,
      spec: specs[0],
      ppo: config.ppo,
      steps: opts.steps,
      seed: config.seed,
      workers: opts.workers,
      references: refs,
      ...(opts.out ? { outDir: opts.out } : {}),
      onStep: (p, current) => {
        if (opts.out && p.makespanMs < best) {
          best = p.makespanMs;
          save('best.bin', p.step, current);
        }
        if (!opts.json)
          console.log(
            `${String(p.step).padStart(4)}  ${p.makespanMs.toFixed(2).padStart(13)}   (${p.wallS.toFixed(1)} s)`,
          );
      },
    });
    if (opts.out) save('checkpoint.bin', opts.steps, policy);
    if (opts.json) {
      console.log(
        JSON.stringify({
          ...modelJson(specs[0].system, modelOf(specs[0])),
          references: {
            ...refs,
            ...(refs.optimalProven !== undefined && refs.optimalProven < dags
              ? { optimalLabel: 'best found (not proven)' }
              : {}),
          },
          curve: curve.map((p) => ({ step: p.step, makespanMs: p.makespanMs })),
          ...(opts.out
            ? { checkpoint: join(opts.out, 'checkpoint.bin'), best: join(opts.out, 'best.bin') }
            : {}),
        }),
      );
      return;
    }
    if (opts.out)
      console.log(
        `wrote ${join(opts.out, 'adapt.csv')}, ${join(opts.out, 'checkpoint.bin')} (step ${opts.steps}) and ${join(opts.out, 'best.bin')} (best: ${best.toFixed(2)} ms)`,
      );
  });
}

/**
 * `adapt --system S`: the policy over places (default: the shipped one) adapted by PPO on a dataset of
 * the system; after each step its argmax objective beside HEFT, HEFT-rollout and rollout².
 */
function adaptPlaces(cmd: Command, opts: AdaptOptions): void {
  const allowed = new Set([
    'from',
    'data',
    'steps',
    'out',
    'json',
    'seed',
    'system',
    'objective',
    'lambdaT',
    'lambdaE',
    'profile',
    'rankWeight',
  ]);
  const notHere = cmd.options
    .map((o) => o.attributeName())
    .filter((k) => !allowed.has(k) && cmd.getOptionValueSource(k) === 'cli');
  if (notHere.length > 0)
    throw new UsageError(
      `adapt --system adapts the policy over places with its own PPO settings (docs/system.md): ${notHere.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ${notHere.length === 1 ? 'does' : 'do'} not apply`,
    );
  if (opts.data === undefined) throw new UsageError('adapt --system needs --data DIR (the DAGs to adapt on)');
  const { spec, objective, model } = placementFromOptions(opts, systemFromOptions(opts).system);
  const dataset = readDatasetArg(opts.data);
  const problems = placementProblems(dataset, spec, model);
  const from = placesPolicyPathOr(opts.from);
  const policy = loadPlacePolicy(from);
  const be = getBackend();
  const seed = typeof opts.seed === 'number' ? opts.seed : 1;
  const qoe = objective.kind === 'qoe';
  const fmt = (v: number) => v.toFixed(qoe ? 4 : 2);
  const refs = Object.fromEntries(
    ['heft', 'heft-rollout', 'heft-rollout:2'].map((name) => [
      name,
      mean(problems.map((p) => placementSchedulerByName(name).schedule(p).objective)),
    ]),
  );
  const argmax = () =>
    mean(placePolicyPlans(be, policy, problems).map((plan, d) => scorePlan(problems[d], plan).objective));
  const curve: { step: number; objective: number }[] = [{ step: 0, objective: argmax() }];
  if (!opts.json)
    console.log(
      `step  objective (${describeObjective(objective)})   HEFT ${fmt(refs.heft)}   HEFT-rollout ${fmt(refs['heft-rollout'])}   rollout² ${fmt(refs['heft-rollout:2'])}   (${spec.name ?? 'system'}, ${dataset.dags.length} DAGs)`,
    );
  const print = (p: { step: number; objective: number }) => {
    if (!opts.json) console.log(`${String(p.step).padStart(4)}  ${fmt(p.objective).padStart(10)}`);
  };
  print(curve[0]);
  const rng = streamRng(seed, 'adaptSample');
  const adam = placeAdam(policy, PLACE_PPO.learningRate);
  for (let step = 1; step <= opts.steps; step++) {
    placePpoIteration(be, policy, adam, problems, rng, rng, PLACE_PPO);
    curve.push({ step, objective: argmax() });
    print(curve[curve.length - 1]);
  }
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    savePlacePolicy(
      join(opts.out, 'checkpoint.bin'),
      policy,
      `adapted from ${from} on ${opts.data} (${opts.steps} steps, seed ${seed})`,
    );
  }
  if (opts.json)
    console.log(
      JSON.stringify({
        system: spec,
        objective,
        references: refs,
        curve,
        ...(opts.out ? { checkpoint: join(opts.out, 'checkpoint.bin') } : {}),
      }),
    );
  else if (opts.out)
    console.log(`wrote ${join(opts.out, 'checkpoint.bin')} (a policy over places, step ${opts.steps})`);
}
