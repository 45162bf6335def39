import { Command } from 'commander';
import { loadDagArg } from '../dag-arg.js';
import { createProblem, type OffloadingProblem } from '../../mec/problem.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import type { TaskTimeline } from '../../mec/simulator.js';
import { PACEABLE_STEP_MS, shortestStepMs } from '../../services/execution/pacing.js';
import { modelJson, notePolicyModel, policyModelDefaults } from '../policy-model.js';
import { compileTask } from '../../rl/learning-task.js';
import { evaluateGreedy } from '../../rl/sampler.js';
import { knownSchedulerNames, schedulerByName } from '../../schedulers/registry.js';
import { parseHostPort } from '../../services/grpc/address.js';
import { runOnExecutor } from '../../services/execution/device-runner.js';
import { UsageError } from '../../util/errors.js';
import {
  addSystemOptions,
  addTimeLimitOption,
  parseSeed,
  parsePositive,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';
import { fixed, formatTable } from '../table.js';

interface RunCliOptions extends SystemCliOptions {
  timeLimit: number;
  dag: string;
  executor: string;
  scheduler?: string;
  plan?: string;
  policy?: string;
  seed: number;
  timeScale?: number;
  connectTimeout: number;
  json?: boolean;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description(
      'execute a DAG for real: local tasks on this device, offloaded ones on an executor (mrlco executor), links paced at R_ul/R_dl; prints the measured makespan next to the simulator',
    )
    .requiredOption('--dag <file>', 'DAG file (.gv, .dot, .json) or example:KEY')
    .requiredOption('--executor <host:port>', 'address of a running `mrlco executor`')
    .option('--scheduler <name>', `plan from a scheduler (default: heft): ${knownSchedulerNames()}`)
    .option(
      '--plan <digits>',
      'this plan: one digit per task in task-id order, 1 = offload; run in rank order',
    )
    .option('--policy <checkpoint>', "a trained policy's plan (argmax decoding)")
    .option('--seed <seed>', 'seed of the random scheduler', parseSeed, 0)
    .option(
      '--time-scale <s>',
      "wall time per model time, 1 = real time (default: the executor's --time-scale)",
      parsePositive,
    )
    .option('--connect-timeout <seconds>', 'how long to wait for the executor', parsePositive, 10)
    .option('--json', 'print a JSON object with both makespans and per-task predicted and measured times');
  addSystemOptions(cmd);
  addTimeLimitOption(cmd);
  return cmd.action(async (opts: RunCliOptions) => {
    const sources = [opts.scheduler, opts.plan, opts.policy].filter((s) => s !== undefined);
    if (sources.length > 1) throw new UsageError('give one of --scheduler, --plan and --policy');
    parseHostPort(opts.executor, '--executor');
    const dag = loadDagArg(opts.dag);
    // A policy runs under the profile it was trained on unless --profile says otherwise.
    const loaded = opts.policy !== undefined ? loadCheckpoint(opts.policy) : undefined;
    const { system, model } = systemFromOptions(opts, loaded ? policyModelDefaults(loaded.state) : {});
    if (loaded) notePolicyModel(loaded.state, system, model);

    let problem: OffloadingProblem;
    let plan: Uint8Array;
    let order: readonly number[];
    let source: string;
    if (loaded) {
      const task = compileTask(
        {
          name: dag.name,
          dags: [dag],
          system,
          profile: model.profile,
          ...(model.rankWeight ? { rankWeight: model.rankWeight } : {}),
        },
        loaded.policy.config.neighbours,
      );
      problem = task.problems[0];
      plan = evaluateGreedy(getBackend(), loaded.policy, [{ task, dag: 0 }]).plans[0];
      order = problem.order;
      source = `policy ${opts.policy}`;
    } else if (opts.plan !== undefined) {
      const n = dag.tasks.length;
      if (!/^[01]+$/.test(opts.plan) || opts.plan.length !== n)
        throw new UsageError(`--plan must be ${n} digits of 0 or 1 (one per task), got "${opts.plan}"`);
      problem = createProblem(dag, system, model);
      plan = Uint8Array.from(opts.plan, (c) => Number(c));
      order = problem.order;
      source = '--plan';
    } else {
      problem = createProblem(dag, system, model);
      const name = opts.scheduler ?? 'heft';
      const result = schedulerByName(name).schedule(problem, {
        seed: opts.seed,
        timeLimitMs: opts.timeLimit * 1000,
      });
      plan = result.plan;
      order = result.order;
      source = `scheduler ${name}`;
    }

    const run = await runOnExecutor(problem, plan, order, {
      executor: opts.executor,
      connectTimeoutMs: opts.connectTimeout * 1000,
      ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
    });
    const planDigits = Array.from(plan).join('');
    warnIfUnpaceable(
      run.tasks.map((t) => t.predicted),
      run.timeScale,
    );
    if (opts.json) {
      console.log(
        JSON.stringify(
          { dag: opts.dag, source, plan: planDigits, ...modelJson(system, model), ...run },
          null,
          1,
        ),
      );
      return;
    }
    const rows = run.tasks.map((t) => [
      t.id,
      t.location === 'ue' ? 'UE' : 'MEC',
      fixed(t.predicted.finish),
      fixed(t.measured.finish),
      fixed(t.measured.finish - t.predicted.finish),
    ]);
    console.log(formatTable(['task', 'where', 'predicted finish', 'measured finish', 'difference'], rows));
    const pct = (100 * run.relativeError).toFixed(2);
    console.log(
      `${source}: plan ${planDigits}, ${run.profile} profile, time scale ${run.timeScale}; ` +
        `${run.bytesUp} bytes up, ${run.bytesDown} bytes down`,
    );
    console.log(
      `makespan: predicted ${run.predictedMakespanMs.toFixed(2)} ms, measured ${run.measuredMakespanMs.toFixed(2)} ms ` +
        `(${run.relativeError >= 0 ? '+' : ''}${pct}%; ${run.wallMs.toFixed(1)} ms of wall time)`,
    );
  });
}

/** A warning when the time scale makes a step shorter than timers and messages can pace. */
function warnIfUnpaceable(predicted: readonly TaskTimeline[], timeScale: number): void {
  const shortest = shortestStepMs(predicted);
  if (!Number.isFinite(shortest) || shortest * timeScale >= PACEABLE_STEP_MS) return;
  // The scale that paces the shortest step, rounded up to one significant digit.
  const enough = PACEABLE_STEP_MS / shortest;
  const unit = 10 ** Math.floor(Math.log10(enough));
  const nice = Number((Math.ceil(enough / unit) * unit).toPrecision(1));
  console.error(
    `warning: at time scale ${timeScale} the shortest step lasts ${(shortest * timeScale).toFixed(3)} ms of wall time, below the ${PACEABLE_STEP_MS} ms timers and messages can pace: the measured times cannot follow the prediction (a --time-scale of ${nice} or more can)`,
  );
}
