import { Command } from 'commander';
import { extname } from 'node:path';
import { createProblem, timelineOf } from '../../mec/problem.js';
import { getBackend } from '../../nn/select-backend.js';
import { renderGanttSvg } from '../../report/gantt-svg.js';
import { PngUnavailableError, svgToPng } from '../../report/png.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { placesPolicyPathOr, policyPathOr } from '../../rl/shipped-policy.js';
import { knownSchedulerNames, schedulerByName } from '../../schedulers/registry.js';
import { decideOffloading } from '../../services/offloading-scheduler.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { InputError, UsageError } from '../../util/errors.js';
import { loadDagArg } from '../dag-arg.js';
import { simulateTimeline } from '../../mec/simulator.js';
import { PolicyDecider } from '../../rl/policy-decider.js';
import { DECIDER_NAMES, deciderByName } from '../../world/deciders.js';
import { OnlineEpisode } from '../../world/online.js';
import { World } from '../../world/world.js';
import { describeWorldSpec } from '../../world/spec.js';
import {
  addRealisationOptions,
  addWorldOptions,
  type RealisationCliOptions,
  worldGiven,
  worldSpecFromOptions,
  type WorldCliOptions,
} from '../world-options.js';
import {
  addSystemOptions,
  addTimeLimitOption,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';
import { noteLookaheadCost, notePolicyModel, policyModelDefaults } from '../policy-model.js';
import { describeObjective } from '../../mec/places/objective.js';
import { createPlacementProblem, placeTimeline, scorePlan } from '../../mec/places/problem.js';
import { renderPlacesGanttSvg } from '../../report/places-gantt-svg.js';
import { loadPlacePolicy } from '../../rl/place-checkpoint.js';
import { placePolicyPlans } from '../../rl/place-ppo.js';
import { placementSchedulerByName } from '../../schedulers/places/registry.js';
import { parsePlacePlan } from '../places-plan.js';
import {
  addPlacementOptions,
  placementFromOptions,
  placementGiven,
  worldOverPlacesRefused,
  type PlacementCliOptions,
} from '../system-spec-options.js';

interface GanttOptions extends SystemCliOptions, WorldCliOptions, RealisationCliOptions, PlacementCliOptions {
  decider?: string;
  dag: string;
  scheduler?: string;
  policy?: string;
  plan?: string;
  out: string;
  timeLimit: number;
}

export function ganttCommand(): Command {
  const cmd = new Command('gantt')
    .description(
      'draw a schedule as a Gantt chart (UE CPU, uplink, MEC VM, downlink) beside the DAG, as SVG or PNG',
    )
    .requiredOption('--dag <file>', 'DAG file (.gv, .dot, .json) or example:KEY')
    .option(
      '--scheduler <name>',
      `whose plan to draw (default: heft): ${knownSchedulerNames(["policy (a trained policy's plan, see --policy)"])}`,
    )
    .option(
      '--policy <checkpoint>',
      'the policy of --scheduler policy (default: the shipped policy; alone, it implies --scheduler policy)',
    )
    .option('--plan <digits>', 'draw this plan instead (one 0/1 digit per task in id order)')
    .option('--out <file>', 'the chart: .svg, or .png (rendered by resvg)', 'schedule.svg')
    .option(
      '--decider <name>',
      `with a world: a world decider's realised timeline (${DECIDER_NAMES}); --policy: a policy trained in a world, deciding online`,
    );
  addSystemOptions(cmd);
  addPlacementOptions(cmd);
  addTimeLimitOption(cmd);
  addWorldOptions(cmd);
  addRealisationOptions(cmd);
  return cmd.action((opts: GanttOptions) => {
    const format = extname(opts.out).toLowerCase();
    if (format !== '.svg' && format !== '.png')
      throw new UsageError(`--out must name an .svg or a .png file, got "${opts.out}"`);
    if (placementGiven(opts)) return ganttPlaces(opts, format);
    if (worldGiven(opts)) return ganttInWorld(opts, format);
    if (opts.decider !== undefined)
      throw new UsageError('--decider decides in a world: add --world (or a trace)');
    if (opts.plan !== undefined && (opts.scheduler !== undefined || opts.policy !== undefined))
      throw new UsageError('give either --plan or --scheduler/--policy, not both');
    const scheduler = opts.scheduler ?? (opts.policy !== undefined ? 'policy' : 'heft');
    if (opts.policy !== undefined && scheduler !== 'policy')
      throw new UsageError('--policy belongs to --scheduler policy');
    const dag = loadDagArg(opts.dag);
    // A policy's plan is drawn under the model it was trained in unless the flags say otherwise.
    const loaded =
      opts.plan === undefined && scheduler === 'policy'
        ? loadCheckpoint(policyPathOr(opts.policy))
        : undefined;
    const { system, model } = systemFromOptions(opts, loaded ? policyModelDefaults(loaded.state) : {});
    if (loaded) notePolicyModel(loaded.state, system, model);
    const problem = createProblem(dag, system, model);
    let plan: Uint8Array;
    let order: readonly number[] = problem.order;
    let label: string;
    if (opts.plan !== undefined) {
      if (!/^[01]+$/.test(opts.plan) || opts.plan.length !== dag.tasks.length) {
        throw new UsageError(`--plan must be ${dag.tasks.length} digits of 0 or 1, got "${opts.plan}"`);
      }
      plan = Uint8Array.from(opts.plan, (c) => Number(c));
      label = `plan ${opts.plan}`;
    } else if (loaded) {
      noteLookaheadCost(loaded.policy.config, [dag]);
      const decision = decideOffloading(getBackend(), loaded.policy, dag, system, model);
      plan = decision.plan;
      order = decision.order;
      label = `policy ${opts.policy ?? '(shipped)'}`;
    } else {
      const result = schedulerByName(scheduler, ['policy']).schedule(problem, {
        timeLimitMs: opts.timeLimit * 1000,
      });
      plan = result.plan;
      order = result.order;
      // A plan Optimal did not prove within its time limit is the best it found, not the optimum.
      label =
        result.stats?.proven === false
          ? `${scheduler}: best found (not proven within ${opts.timeLimit} s)`
          : scheduler;
    }
    const timeline = timelineOf(problem, plan, order);
    const svg = renderGanttSvg(dag, timeline, { title: `${dag.name}: ${label}, ${model.profile} profile` });
    writeFileAtomic(opts.out, format === '.png' ? pngOf(svg, opts.out) : svg);
    console.log(`${label}: makespan ${timeline.makespanMs.toFixed(2)} ms; wrote ${opts.out}`);
  });
}

/** A schedule over the places of a system (--system/--objective): a lane per link, server and backhaul. */
function ganttPlaces(opts: GanttOptions, format: string): void {
  if (worldGiven(opts)) throw worldOverPlacesRefused('--world');
  if (opts.decider !== undefined)
    throw new UsageError('--decider decides in a world: add --world (or a trace)');
  if (opts.plan !== undefined && (opts.scheduler !== undefined || opts.policy !== undefined))
    throw new UsageError('give either --plan or --scheduler/--policy, not both');
  const scheduler = opts.scheduler ?? (opts.policy !== undefined ? 'policy' : 'heft');
  if (opts.policy !== undefined && scheduler !== 'policy')
    throw new UsageError('--policy belongs to --scheduler policy');
  const dag = loadDagArg(opts.dag);
  const { spec, objective, model } = placementFromOptions(opts, systemFromOptions(opts).system);
  const problem = createPlacementProblem(dag, spec, model);
  let plan: Uint8Array;
  let order: readonly number[] = problem.order;
  let label: string;
  if (opts.plan !== undefined) {
    plan = parsePlacePlan(opts.plan, dag.tasks.length, problem.places);
    label = `plan ${opts.plan}`;
  } else if (scheduler === 'policy') {
    plan = placePolicyPlans(getBackend(), loadPlacePolicy(placesPolicyPathOr(opts.policy)), [problem])[0];
    label = `policy ${opts.policy ?? '(shipped, over places)'}`;
  } else {
    const r = placementSchedulerByName(scheduler, ['policy']).schedule(problem, {
      timeLimitMs: opts.timeLimit * 1000,
    });
    plan = r.plan;
    order = r.order;
    label =
      r.stats?.proven === false
        ? `${scheduler}: best found (not proven within ${opts.timeLimit} s)`
        : scheduler;
  }
  const score = scorePlan(problem, plan, order);
  const svg = renderPlacesGanttSvg({
    spec,
    places: problem.places,
    taskIds: dag.tasks.map((t) => t.id),
    tasks: placeTimeline(problem, plan, order),
    makespanMs: score.makespanMs,
    energyJ: score.energyMj / 1000,
    objective: `${describeObjective(objective)} ${score.objective.toFixed(objective.kind === 'qoe' ? 4 : 2)}`,
    title: `${dag.name}: ${label}, ${spec.name ?? 'system'}, ${problem.profile} profile`,
  });
  writeFileAtomic(opts.out, format === '.png' ? pngOf(svg, opts.out) : svg);
  console.log(
    `${label}: makespan ${score.makespanMs.toFixed(2)} ms, device energy ${(score.energyMj / 1000).toFixed(4)} J, objective ${score.objective.toFixed(4)}; wrote ${opts.out}`,
  );
}

/** The chart as PNG; where resvg cannot load, one line saying so (an .svg still works). */
function pngOf(svg: string, out: string): Uint8Array {
  try {
    return svgToPng(svg);
  } catch (err) {
    if (err instanceof PngUnavailableError)
      throw InputError.inFile(out, `${err.message}; write an .svg instead`);
    throw err;
  }
}

/**
 * The realised timeline of one realisation of a world, with the links' capacity under their lanes: a
 * plan (--plan, or a scheduler's up front on the nominal model) or a decider deciding online (--decider,
 * or --policy for a policy trained in a world).
 */
function ganttInWorld(opts: GanttOptions, format: string): void {
  const sources = [opts.plan, opts.scheduler, opts.decider, opts.policy].filter((s) => s !== undefined);
  if (sources.length > 1) throw new UsageError('give one of --plan, --scheduler, --decider and --policy');
  const dag = loadDagArg(opts.dag);
  const loaded = opts.policy !== undefined ? loadCheckpoint(opts.policy) : undefined;
  const { system, model } = systemFromOptions(opts, loaded ? policyModelDefaults(loaded.state) : {});
  const world = new World(worldSpecFromOptions(opts), system);
  const problem = createProblem(dag, world.nominal, model);
  const instance = world.instance(problem, opts.dagIndex, opts.seed);
  const info = instance.realise(opts.realisation, opts.offset === undefined ? {} : { offsetMs: opts.offset });
  let plan: Uint8Array;
  let label: string;
  if (opts.plan !== undefined) {
    if (!/^[01]+$/.test(opts.plan) || opts.plan.length !== dag.tasks.length)
      throw new UsageError(`--plan must be ${dag.tasks.length} digits of 0 or 1, got "${opts.plan}"`);
    plan = Uint8Array.from(opts.plan, (c) => Number(c));
    label = `plan ${opts.plan}`;
  } else {
    const name = opts.decider ?? (loaded ? 'policy' : (opts.scheduler ?? 'heft-rollout'));
    const decider = loaded ? new PolicyDecider(getBackend(), loaded.policy) : deciderByName(name);
    const ctx = { instance, realisation: opts.realisation, timeLimitMs: opts.timeLimit * 1000 };
    decider.start(ctx);
    const episode = new OnlineEpisode(instance);
    episode.reset();
    while (!episode.done) episode.decide(decider.decide(episode));
    plan = new Uint8Array(dag.tasks.length);
    problem.order.forEach((task, k) => (plan[task] = episode.actions[k]));
    label =
      name === 'heft-rollout' && opts.scheduler === undefined
        ? "the paper's plan (heft-rollout, up front)"
        : name;
  }
  const timeline = simulateTimeline(dag, instance.sim, problem.order, plan);
  // Past the makespan too, to the axis' last tick.
  const span = Math.max(1, timeline.makespanMs * 1.5);
  // Windows of a few pixels: a trace's capacity per millisecond is a packet or none.
  const step = Math.max(10, span / 80);
  const series = instance.capacitySeries(0, span, step);
  const svg = renderGanttSvg(dag, timeline, {
    title: `${dag.name}: ${label}; ${describeWorldSpec(world.spec)}, offset ${info.offsetMs} ms`,
    capacity: { uplink: series.map((p) => [p.t, p.up]), downlink: series.map((p) => [p.t, p.down]) },
  });
  writeFileAtomic(opts.out, format === '.png' ? pngOf(svg, opts.out) : svg);
  console.log(`${label}: realised makespan ${timeline.makespanMs.toFixed(2)} ms; wrote ${opts.out}`);
}
