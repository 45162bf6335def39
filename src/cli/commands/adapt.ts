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
import {
  addRunOptions,
  runConfigFromOptions,
  taskSpecsFromOptions,
  type RunCliOptions,
} from '../run-options.js';

interface AdaptOptions extends RunCliOptions {
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
  addWorkersOption(cmd, 'the episodes (sampling and evaluation)');
  return cmd.action((opts: AdaptOptions) => {
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
