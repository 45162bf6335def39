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
import { runOnExecutor, runOnlineOnExecutor } from '../../services/execution/device-runner.js';
import { PolicyDecider } from '../../rl/policy-decider.js';
import { onlinePolicyPathOr } from '../../rl/shipped-policy.js';
import { DECIDER_NAMES, deciderByName } from '../../world/deciders.js';
import { World } from '../../world/world.js';
import { addWorldOptions, worldGiven, worldSpecFromOptions, type WorldCliOptions } from '../world-options.js';
import { UsageError } from '../../util/errors.js';
import {
  addSystemOptions,
  addTimeLimitOption,
  parseIntIn,
  parseSeed,
  parsePositive,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';
import { fixed, formatTable } from '../table.js';
import { createPlacementProblem, scorePlan } from '../../mec/places/problem.js';
import { placementSchedulerByName } from '../../schedulers/places/registry.js';
import { runPlacesOnExecutors } from '../../services/execution/places-runner.js';
import { parsePlacePlan } from '../places-plan.js';
import {
  addPlacementOptions,
  placementFromOptions,
  placementGiven,
  worldOverPlacesRefused,
  type PlacementCliOptions,
} from '../system-spec-options.js';

interface RunCliOptions extends SystemCliOptions, WorldCliOptions, PlacementCliOptions {
  timeLimit: number;
  dag: string;
  /** Checked present unless --system (a commander option, not required in the declaration). */
  executor: string;
  executors?: string;
  scheduler?: string;
  plan?: string;
  policy?: string;
  seed: number;
  timeScale?: number;
  connectTimeout: number;
  json?: boolean;
  online?: boolean;
  decider?: string;
  offset: number;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description(
      'execute a DAG for real: local tasks on this device, offloaded ones on an executor (mrlco executor), links paced at R_ul/R_dl; prints the measured makespan next to the simulator',
    )
    .requiredOption('--dag <file>', 'DAG file (.gv, .dot, .json) or example:KEY')
    .option('--executor <host:port>', "address of a running `mrlco executor` (the paper's one server)")
    .option(
      '--executors <list>',
      "with --system: one executor per server the plan uses, NAME=HOST:PORT,… (each started with that server's --server-ghz and --users)",
    )
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
    .option('--json', 'print a JSON object with both makespans and per-task predicted and measured times')
    .option(
      '--online',
      'decide each task during the run, at its decision time, from what has been measured (default decider: the shipped online policy, or --policy, or --decider)',
    )
    .option('--decider <name>', `with --online: a model-based decider instead of a policy (${DECIDER_NAMES})`)
    .option(
      '--offset <ms>',
      "with traces: the trace time of the run's start (the executor must replay the same traces)",
      parseIntIn(0, 1e9),
      0,
    );
  addSystemOptions(cmd);
  addPlacementOptions(cmd);
  addTimeLimitOption(cmd);
  addWorldOptions(cmd);
  return cmd.action(async (opts: RunCliOptions) => {
    if (placementGiven(opts)) return runPlaces(opts);
    if (opts.executors !== undefined)
      throw new UsageError('--executors belongs to a system of places: add --system');
    if (opts.executor === undefined)
      throw new UsageError("required option '--executor <host:port>' not specified");
    if (opts.online || worldGiven(opts)) return runInWorld(opts);
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

/**
 * A run whose links replay traces (the executor replays the same ones, from --offset), with a fixed plan
 * or decided online; the prediction is the world's for the same realisation.
 */
async function runInWorld(opts: RunCliOptions): Promise<void> {
  parseHostPort(opts.executor, '--executor');
  const dag = loadDagArg(opts.dag);
  const spec = worldGiven(opts) ? worldSpecFromOptions(opts) : {};
  if (spec.transferLatency || spec.server || spec.noise || spec.links?.kind === 'markov')
    throw new UsageError(
      'run replays traces only (an executor emulates no set-up times, shared server, noise or Markov channel): give --uplink-trace/--downlink-trace',
    );
  const online = opts.online === true;
  const sources = [opts.scheduler, opts.plan, opts.decider, opts.policy].filter((s) => s !== undefined);
  if (sources.length > 1) throw new UsageError('give one of --scheduler, --plan, --policy and --decider');
  if (!online && (opts.decider !== undefined || opts.policy !== undefined))
    throw new UsageError('--decider, and a policy in a world, decide online: add --online');
  const loaded =
    online && opts.decider === undefined ? loadCheckpoint(onlinePolicyPathOr(opts.policy)) : undefined;
  const { system, model } = systemFromOptions(opts, loaded ? policyModelDefaults(loaded.state) : {});
  const world = new World(spec, system);
  const problem = createProblem(dag, world.nominal, model);
  const instance = world.instance(problem, 0, opts.seed);
  instance.realise(0, { offsetMs: opts.offset });
  const common = {
    executor: opts.executor,
    connectTimeoutMs: opts.connectTimeout * 1000,
    world: instance,
    ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
  };
  let run;
  let source: string;
  let decisionTimesMs: number[] | undefined;
  if (online) {
    const decider = loaded ? new PolicyDecider(getBackend(), loaded.policy) : deciderByName(opts.decider!);
    source = loaded
      ? `policy ${opts.policy ?? '(the shipped online policy)'}, online`
      : `decider ${opts.decider}`;
    const r = await runOnlineOnExecutor(problem, decider, common);
    decisionTimesMs = r.decisionTimesMs;
    run = r;
  } else {
    let plan: Uint8Array;
    if (opts.plan !== undefined) {
      if (!/^[01]+$/.test(opts.plan) || opts.plan.length !== dag.tasks.length)
        throw new UsageError(
          `--plan must be ${dag.tasks.length} digits of 0 or 1 (one per task), got "${opts.plan}"`,
        );
      plan = Uint8Array.from(opts.plan, (c) => Number(c));
      source = '--plan';
    } else {
      const name = opts.scheduler ?? 'heft';
      plan = schedulerByName(name).schedule(problem, {
        seed: opts.seed,
        timeLimitMs: opts.timeLimit * 1000,
      }).plan;
      source = `scheduler ${name} (up front, on the nominal model)`;
    }
    run = await runOnExecutor(problem, plan, problem.order, common);
  }
  const planDigits = run.tasks
    .slice()
    .sort((a, b) => a.index - b.index)
    .map((t) => (t.location === 'ue' ? '0' : '1'))
    .join('');
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          dag: opts.dag,
          source,
          plan: planDigits,
          offsetMs: opts.offset,
          world: world.describe(),
          ...modelJson(world.nominal, model),
          ...(decisionTimesMs ? { decisionTimesMs } : {}),
          ...run,
        },
        null,
        1,
      ),
    );
    return;
  }
  console.log(
    `${source}: plan ${planDigits}, ${run.profile} profile, traces from ${opts.offset} ms, time scale ${run.timeScale}`,
  );
  console.log(
    `makespan: the world predicts ${run.predictedMakespanMs.toFixed(2)} ms for this plan, measured ${run.measuredMakespanMs.toFixed(2)} ms (${run.relativeError >= 0 ? '+' : ''}${(100 * run.relativeError).toFixed(2)}%)`,
  );
}

/** A plan over several servers, each on its own executor (--system, --executors NAME=HOST:PORT,…). */
async function runPlaces(opts: RunCliOptions): Promise<void> {
  if (worldGiven(opts) || opts.online) throw worldOverPlacesRefused('--world/--online');
  if (opts.executor !== undefined)
    throw new UsageError('with --system, give each server its executor: --executors NAME=HOST:PORT,…');
  if (opts.executors === undefined)
    throw new UsageError('with --system, give --executors NAME=HOST:PORT,… (one per server the plan uses)');
  if (opts.policy !== undefined) throw new UsageError('run --system takes --scheduler or --plan');
  if (opts.plan !== undefined && opts.scheduler !== undefined)
    throw new UsageError('give either --scheduler or --plan');
  const { spec, objective, model } = placementFromOptions(opts, systemFromOptions(opts).system);
  const executors: Record<string, string> = {};
  for (const item of opts.executors
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    if (!m) throw new UsageError(`--executors: "${item}" is not NAME=HOST:PORT`);
    if (!spec.servers.some((s) => s.name === m[1]))
      throw new UsageError(
        `--executors: "${m[1]}" is not a server of this system (${spec.servers.map((s) => s.name).join(', ')})`,
      );
    parseHostPort(m[2], `--executors ${m[1]}`);
    executors[m[1]] = m[2];
  }
  const dag = loadDagArg(opts.dag);
  const problem = createPlacementProblem(dag, spec, model);
  let plan: Uint8Array;
  let order: readonly number[] = problem.order;
  let source: string;
  if (opts.plan !== undefined) {
    plan = parsePlacePlan(opts.plan, dag.tasks.length, problem.places);
    source = '--plan';
  } else {
    const name = opts.scheduler ?? 'heft';
    const r = placementSchedulerByName(name).schedule(problem, {
      seed: opts.seed,
      timeLimitMs: opts.timeLimit * 1000,
    });
    plan = r.plan;
    order = r.order;
    source = `scheduler ${name}`;
  }
  const score = scorePlan(problem, plan, order);
  const run = await runPlacesOnExecutors(problem, plan, order, {
    executors,
    connectTimeoutMs: opts.connectTimeout * 1000,
    ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
  });
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          dag: opts.dag,
          source,
          plan: Array.from(plan),
          system: spec,
          places: problem.places,
          objective,
          energyMj: score.energyMj,
          objectiveValue: score.objective,
          ...run,
        },
        null,
        1,
      ),
    );
    return;
  }
  console.log(
    formatTable(
      ['task', 'place', 'predicted finish', 'measured finish', 'difference'],
      run.tasks.map((t) => [
        dag.tasks[t.index].id,
        t.place,
        fixed(t.predictedFinish),
        fixed(t.measuredFinish),
        fixed(t.measuredFinish - t.predictedFinish),
      ]),
    ),
  );
  console.log(
    `${source}: plan ${Array.from(plan).join('')} over ${problem.places.join('/')}, ${run.profile} profile, time scale ${run.timeScale}; device energy ${(score.energyMj / 1000).toFixed(4)} J, objective ${score.objective.toFixed(4)}`,
  );
  console.log(
    `makespan: predicted ${run.predictedMakespanMs.toFixed(2)} ms, measured ${run.measuredMakespanMs.toFixed(2)} ms (${run.relativeError >= 0 ? '+' : ''}${(100 * run.relativeError).toFixed(2)}%; ${run.wallMs.toFixed(1)} ms of wall time)`,
  );
}
