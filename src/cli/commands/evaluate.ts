import { Command, Option } from 'commander';
import { loadDagArg } from '../dag-arg.js';
import { topologicalOrder } from '../../dag/dag.js';
import { createProblem, timelineOf } from '../../mec/problem.js';
import type { Timeline } from '../../mec/simulator.js';
import { UsageError } from '../../util/errors.js';
import { addSystemOptions, systemFromOptions, type SystemCliOptions } from '../options.js';
import { formatTable, fixed } from '../table.js';
import { modelJson } from '../policy-model.js';
import {
  addRealisationOptions,
  addWorldOptions,
  type RealisationCliOptions,
  worldGiven,
  worldSpecFromOptions,
  type WorldCliOptions,
} from '../world-options.js';
import { evaluateInWorld } from './evaluate-world.js';
import type { Dag } from '../../dag/dag.js';
import { describeObjective } from '../../mec/places/objective.js';
import { createPlacementProblem, placeTimeline, scorePlan } from '../../mec/places/problem.js';
import { parsePlacePlan } from '../places-plan.js';
import {
  addPlacementOptions,
  placementFromOptions,
  placementGiven,
  worldOverPlacesRefused,
  type PlacementCliOptions,
} from '../system-spec-options.js';

interface EvaluateOptions
  extends SystemCliOptions, WorldCliOptions, RealisationCliOptions, PlacementCliOptions {
  dag: string;
  plan: string;
  order: 'rank' | 'id';
  json?: boolean;
}

export function evaluateCommand(): Command {
  const cmd = new Command('evaluate')
    .description('makespan and timeline of one offloading plan for one DAG')
    .requiredOption('--dag <file>', 'DAG file (.gv, .dot, .json) or example:KEY')
    .requiredOption(
      '--plan <digits>',
      "one digit per task in task-id order: 0 = on the device, 1 = offload (with --system: the place's index)",
    )
    .addOption(
      new Option('--order <order>', 'scheduling sequence: descending rank, or task id')
        .choices(['rank', 'id'])
        .default('rank'),
    )
    .option('--json', 'print a JSON object with makespanMs and the timeline');
  addSystemOptions(cmd);
  addPlacementOptions(cmd);
  addWorldOptions(cmd);
  addRealisationOptions(cmd);
  return cmd.action((opts: EvaluateOptions) => {
    const dag = loadDagArg(opts.dag);
    const n = dag.tasks.length;
    if (placementGiven(opts)) return evaluatePlaces(dag, opts);
    if (!/^[01]+$/.test(opts.plan))
      throw new UsageError(`--plan must be a string of 0s and 1s, got "${opts.plan}"`);
    if (opts.plan.length !== n)
      throw new UsageError(`--plan has ${opts.plan.length} digits but ${opts.dag} has ${n} tasks`);
    const plan = Uint8Array.from(opts.plan, (c) => Number(c));
    const { system, model } = systemFromOptions(opts);
    if (worldGiven(opts)) {
      if (opts.order !== 'rank')
        throw new UsageError('in a world, tasks are decided in rank order: --order rank');
      const r = evaluateInWorld(dag, plan, worldSpecFromOptions(opts), system, model, {
        seed: opts.seed,
        dagIndex: opts.dagIndex,
        realisation: opts.realisation,
        ...(opts.offset !== undefined ? { offsetMs: opts.offset } : {}),
      });
      if (opts.json) {
        console.log(
          JSON.stringify(
            {
              dag: opts.dag,
              plan: opts.plan,
              ...modelJson(system, model),
              world: r.world,
              seed: r.seed,
              dagIndex: r.realisation.dag,
              realisation: r.realisation.realisation,
              offsetMs: r.realisation.offsetMs,
              ...r.timeline,
            },
            null,
            1,
          ),
        );
        return;
      }
      printTimeline(r.timeline);
      console.log(
        `realised makespan: ${r.timeline.makespanMs.toFixed(2)} ms (${model.profile} profile; seed ${r.seed}, DAG ${r.realisation.dag}, realisation ${r.realisation.realisation}, offset ${r.realisation.offsetMs} ms)`,
      );
      return;
    }
    const problem = createProblem(dag, system, model);
    const order = opts.order === 'rank' ? problem.order : topologicalOrder(dag);
    const timeline = timelineOf(problem, plan, order);
    if (opts.json) {
      console.log(
        JSON.stringify(
          { dag: opts.dag, plan: opts.plan, order: opts.order, ...modelJson(system, model), ...timeline },
          null,
          1,
        ),
      );
      return;
    }
    printTimeline(timeline);
    console.log(`makespan: ${timeline.makespanMs.toFixed(2)} ms (${model.profile} profile)`);
  });
}

/** A plan over the places of a system: its timeline, makespan, device energy and objective. */
function evaluatePlaces(dag: Dag, opts: EvaluateOptions): void {
  if (worldGiven(opts)) throw worldOverPlacesRefused('--world');
  const { spec, objective, model } = placementFromOptions(opts, systemFromOptions(opts).system);
  const problem = createPlacementProblem(dag, spec, model);
  const plan = parsePlacePlan(opts.plan, dag.tasks.length, problem.places);
  const order = opts.order === 'rank' ? problem.order : topologicalOrder(dag);
  const score = scorePlan(problem, plan, order);
  const tasks = placeTimeline(problem, plan, order);
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          dag: opts.dag,
          plan: Array.from(plan),
          order: opts.order,
          system: spec,
          places: problem.places,
          profile: problem.profile,
          objective,
          makespanMs: score.makespanMs,
          energyMj: score.energyMj,
          objectiveValue: score.objective,
          local: problem.local,
          tasks: tasks.map((t) => ({ ...t, id: dag.tasks[t.index].id, placeName: problem.places[t.place] })),
        },
        null,
        1,
      ),
    );
    return;
  }
  const span = (i?: { start: number; finish: number }): string | undefined =>
    i ? `${fixed(i.start)}-${fixed(i.finish)}` : undefined;
  const rows = tasks.map((t) => [
    dag.tasks[t.index].id,
    problem.places[t.place],
    span(t.local),
    span(t.uplink),
    span(t.backhaulUp),
    span(t.cpu),
    span(t.backhaulDown),
    span(t.downlink),
    fixed(t.finish),
    (t.energyMj / 1000).toFixed(4),
  ]);
  console.log(
    formatTable(
      [
        'task',
        'place',
        'device CPU',
        'uplink',
        'backhaul up',
        'remote CPU',
        'backhaul down',
        'downlink',
        'finish',
        'energy (J)',
      ],
      rows,
    ),
  );
  console.log(
    `makespan: ${score.makespanMs.toFixed(2)} ms; device energy: ${(score.energyMj / 1000).toFixed(4)} J; objective ${describeObjective(objective)}: ${score.objective.toFixed(objective.kind === 'qoe' ? 4 : 2)} (all local: ${problem.local.makespanMs.toFixed(2)} ms, ${(problem.local.energyMj / 1000).toFixed(4)} J; ${spec.name ?? 'system'}, ${problem.profile} profile)`,
  );
}

/** The timeline as a table: where each task ran and its stages' spans. */
function printTimeline(timeline: Timeline): void {
  const span = (i?: { start: number; finish: number }): string | undefined =>
    i ? `${fixed(i.start)}-${fixed(i.finish)}` : undefined;
  const rows = timeline.tasks.map((t) => [
    t.id,
    t.name,
    t.location === 'ue' ? 'UE' : 'MEC',
    span(t.ue),
    span(t.uplink),
    span(t.mec),
    span(t.downlink),
    fixed(t.finish),
  ]);
  console.log(
    formatTable(['task', 'name', 'where', 'UE CPU', 'uplink', 'MEC VM', 'downlink', 'finish'], rows),
  );
}
