import { streamRng } from '../../util/rng-streams.js';
import { Command } from 'commander';
import { MAX_INFERENCE_SAMPLES } from '../../util/limits.js';
import { statSync } from 'node:fs';
import type { Dag } from '../../dag/dag.js';
import { createProblem } from '../../mec/problem.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { modelJson, noteLookaheadCost, notePolicyModel, policyModelDefaults } from '../policy-model.js';
import { onlinePolicyPathOr, policyPathOr } from '../../rl/shipped-policy.js';
import { UsageError } from '../../util/errors.js';
import { loadWorldSpec } from '../../world/spec.js';
import {
  addEpisodesOption,
  addWorldOptions,
  worldGiven,
  worldSpecFromOptions,
  type WorldCliOptions,
} from '../world-options.js';
import { scheduleOnline } from './schedule-online.js';
import { greedy, heft } from '../../schedulers/earliest-finish.js';
import { decideOffloadingAll } from '../../services/offloading-scheduler.js';
import { loadDagArg, readDatasetArg } from '../dag-arg.js';
import {
  addSystemOptions,
  parseIntIn,
  parseSeed,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';

interface ScheduleOptions extends SystemCliOptions, WorldCliOptions {
  policy?: string;
  dag: string;
  samples: number;
  polish?: boolean;
  seed: number;
  json?: boolean;
  online?: boolean;
  offset?: number;
  episodes: number;
}

/** `schedule --online`: the policy decides while each DAG runs in the world (schedule-online.ts). */
function scheduleOnlineAction(opts: ScheduleOptions): void {
  if (opts.samples > 0 || opts.polish)
    throw new UsageError('--samples and --polish plan up front: not with --online');
  const { policy, state } = loadCheckpoint(onlinePolicyPathOr(opts.policy));
  const { system, model } = systemFromOptions(opts, policyModelDefaults(state));
  const folder = !opts.dag.startsWith('example:') && isFolder(opts.dag);
  const dataset = folder ? readDatasetArg(opts.dag) : undefined;
  scheduleOnline({
    be: getBackend(),
    policy,
    dags: dataset ? dataset.dags : [loadDagArg(opts.dag)],
    files: dataset?.files ?? [opts.dag],
    spec: worldGiven(opts) ? worldSpecFromOptions(opts) : loadWorldSpec('markov'),
    system,
    model,
    seed: opts.seed,
    episodes: opts.episodes,
    ...(opts.offset !== undefined ? { offsetMs: opts.offset } : {}),
    ...(opts.json ? { json: true } : {}),
  });
}

export function scheduleCommand(): Command {
  const cmd = new Command('schedule')
    .description(
      "the device's offloading scheduler: a trained policy's plan for a DAG or a folder of DAGs (argmax decoding unless --samples)",
    )
    .option(
      '--policy <checkpoint>',
      "a policy checkpoint (train, meta-train, adapt, or a service state's policy.bin); default: the shipped policy",
    )
    .requiredOption('--dag <file|dir>', 'a DOT or JSON DAG, a folder of them, or example:KEY')
    .option(
      '--samples <k>',
      'also sample k plans per DAG and keep the best by the latency model (0: argmax only)',
      parseIntIn(0, MAX_INFERENCE_SAMPLES),
      0,
    )
    .option('--polish', 'improve the kept plan by single-task flips')
    .option('--seed <seed>', 'seed of the sampled plans', parseSeed, 1)
    .option('--json', 'print JSON')
    .option(
      '--online',
      "decide each task while the DAG runs in a world (--world, traces; default the built-in markov), at the online protocol's decision times; default policy: the shipped online one",
    )
    .option(
      '--offset <ms>',
      "with --online: replay traces from this offset (default: each realisation's own)",
      parseIntIn(0, 1e9),
    );
  addSystemOptions(cmd);
  addWorldOptions(cmd);
  addEpisodesOption(cmd, 1);
  return cmd.action((opts: ScheduleOptions) => {
    if (opts.online) return scheduleOnlineAction(opts);
    if (worldGiven(opts) || cmd.getOptionValueSource('episodes') !== 'default' || opts.offset !== undefined)
      throw new UsageError('--world, traces, --episodes and --offset belong to --online');
    const path = policyPathOr(opts.policy);
    const { policy, state } = loadCheckpoint(path);
    // The policy's model unless the flags say otherwise (and then a note says so).
    const { system, model } = systemFromOptions(opts, policyModelDefaults(state));
    notePolicyModel(state, system, model);
    const folder = !opts.dag.startsWith('example:') && isFolder(opts.dag);
    const dataset = folder ? readDatasetArg(opts.dag) : undefined;
    const dags: readonly Dag[] = dataset ? dataset.dags : [loadDagArg(opts.dag)];
    const files = dataset?.files ?? [opts.dag];
    noteLookaheadCost(policy.config, dags);
    const decisions = decideOffloadingAll(getBackend(), policy, dags, system, model, {
      samples: opts.samples,
      polish: opts.polish === true,
      rng: streamRng(opts.seed, 'inferenceSamples'),
    });
    const planText = (plan: Uint8Array) => Array.from(plan).join('');
    const mean = decisions.reduce((s, d) => s + d.makespanMs, 0) / decisions.length;
    if (folder) {
      if (opts.json) {
        console.log(
          JSON.stringify({
            ...modelJson(system, model),
            dags: decisions.map((d, k) => ({
              file: files[k],
              plan: planText(d.plan),
              order: d.order,
              makespanMs: d.makespanMs,
            })),
            meanMakespanMs: mean,
          }),
        );
        return;
      }
      decisions.forEach((d, k) =>
        console.log(`${files[k]}: plan ${planText(d.plan)} makespan ${d.makespanMs.toFixed(2)} ms`),
      );
      console.log(`${dags.length} DAGs, mean makespan ${mean.toFixed(2)} ms, ${model.profile} profile`);
      return;
    }
    const [dag] = dags;
    const [decision] = decisions;
    const problem = createProblem(dag, system, model);
    const refs = { heftMs: heft.schedule(problem).makespanMs, greedyMs: greedy.schedule(problem).makespanMs };
    if (opts.json) {
      console.log(
        JSON.stringify({
          ...modelJson(system, model),
          dag: dag.name,
          plan: planText(decision.plan),
          order: decision.order,
          offloaded: decision.plan.reduce((a, b) => a + b, 0),
          makespanMs: decision.makespanMs,
          ...refs,
        }),
      );
      return;
    }
    console.log(`${dag.name}: plan ${planText(decision.plan)} (1 = offload; task order of the file)`);
    console.log(
      `makespan ${decision.makespanMs.toFixed(2)} ms (HEFT ${refs.heftMs.toFixed(2)}, Greedy ${refs.greedyMs.toFixed(2)}), ${model.profile} profile`,
    );
  });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
