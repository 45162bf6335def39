/**
 * `baselines --system S --objective O`: the ladder of schedulers on a system of several places, with
 * each row's objective, makespan, device energy, gap to the optimum and where it put the tasks.
 */
import type { Dataset } from '../../dag/io.js';
import { describeObjective, type Objective } from '../../mec/places/objective.js';
import type { PlacementOptions } from '../../mec/places/problem.js';
import {
  describeSystemSpec,
  hasTraces,
  oneServerParams,
  placeNames,
  type SystemSpec,
} from '../../mec/places/system-spec.js';
import { PlaceWorld } from '../../world/place-world.js';
import {
  addPlacementPlansRow,
  addRealised,
  placementProblems,
  runPlacementBaselines,
  type PlacementSummary,
} from '../../experiments/system-baselines.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { isPlacePolicyFile, loadPlacePolicy } from '../../rl/place-checkpoint.js';
import { placePolicyPlans } from '../../rl/place-ppo.js';
import { decideOffloadingAll } from '../../services/offloading-scheduler.js';
import { placementSchedulerByName } from '../../schedulers/places/registry.js';
import { UsageError } from '../../util/errors.js';
import { streamRng } from '../../util/rng-streams.js';
import { formatCsv, type Cell } from '../table.js';

export interface SystemBaselinesArgs {
  dataset: Dataset;
  spec: SystemSpec;
  objective: Objective;
  /** The problems' profile, rank order and objective (placementFromOptions). */
  model: PlacementOptions;
  names: readonly string[];
  /** The `policy` row's file: a policy over places, or a two-way policy (one-server systems only). */
  policyPath?: string;
  samples: number;
  seed: number;
  /** Realisations per DAG when some server's link replays a trace. */
  episodes: number;
  timeLimitS: number;
  json?: boolean;
  csv?: boolean;
}

export function systemBaselines(a: SystemBaselinesArgs): void {
  const schedulers = a.names
    .filter((n) => n !== 'policy')
    .map((n) => placementSchedulerByName(n, ['policy']));
  const places = placeNames(a.spec);
  const params = oneServerParams(a.spec);
  const placePolicy =
    a.policyPath !== undefined && isPlacePolicyFile(a.policyPath) ? loadPlacePolicy(a.policyPath) : undefined;
  const twoWay = a.policyPath !== undefined && !placePolicy ? loadCheckpoint(a.policyPath).policy : undefined;
  if (placePolicy && a.samples > 0)
    throw new UsageError(
      '--samples: the policy over places decodes its argmax plan only; leave --samples out',
    );
  if (twoWay && !params)
    throw new UsageError(
      `${a.policyPath}: this policy decides between the device and one server; ${a.spec.name ?? 'this system'} has ${places.length} places (${places.join(', ')}): give a policy over places (policies/mrlco-places.bin)`,
    );
  const model = a.model;
  const problems = placementProblems(a.dataset, a.spec, model);
  const world = hasTraces(a.spec) ? { world: new PlaceWorld(a.spec), episodes: a.episodes } : undefined;
  const stream = !a.json && !a.csv;
  const gapUnit = a.objective.kind === 'qoe' ? 'pp' : '%';
  if (stream) {
    console.log(
      `${a.dataset.name}: ${a.dataset.dags.length} DAGs; ${describeSystemSpec(a.spec)}; ${model.profile} profile; objective ${describeObjective(a.objective)}`,
    );
  }
  // Optimal first, so that every later row shows its gap to the optimum as it is printed.
  const runOrder = [...schedulers].sort(
    (x, y) => Number(y.name === 'optimal') - Number(x.name === 'optimal'),
  );
  if (stream && world)
    console.log(
      `traced links (${a.spec.servers
        .filter((s) => s.trace)
        .map((s) => s.name)
        .join(
          ', ',
        )}): every plan is made on the model's rates and also scored in ${a.episodes} realisations per DAG (seed ${a.seed})`,
    );
  const unit = { latency: ' (ms)', energy: ' (mJ)', qoe: '' }[a.objective.kind];
  const table = stream ? streamedTable(places, gapUnit, unit, world !== undefined) : undefined;
  const report = runPlacementBaselines(problems, runOrder, a.objective, {
    ...(world ? { world } : {}),
    seed: a.seed,
    timeLimitMs: a.timeLimitS * 1000,
    onSummary: (s) => table?.row(s),
  });
  if (placePolicy) {
    const started = performance.now();
    const plans = placePolicyPlans(getBackend(), placePolicy, problems);
    const row = addPlacementPlansRow(report, problems, 'policy', plans, performance.now() - started);
    if (world) addRealised(row, problems, plans, world, a.seed);
    table?.row(row);
  }
  if (twoWay && params) {
    const started = performance.now();
    const decisions = decideOffloadingAll(
      getBackend(),
      twoWay,
      a.dataset.dags,
      params,
      { profile: model.profile, ...(model.rankWeight ? { rankWeight: model.rankWeight } : {}) },
      { samples: a.samples, polish: false, rng: streamRng(a.seed, 'inferenceSamples') },
    );
    const row = addPlacementPlansRow(
      report,
      problems,
      'policy',
      decisions.map((d) => d.plan),
      performance.now() - started,
    );
    if (world)
      addRealised(
        row,
        problems,
        decisions.map((d) => d.plan),
        world,
        a.seed,
      );
    table?.row(row);
  }
  const opt = report.summaries.find((s) => s.scheduler === 'optimal');
  if (stream) {
    if (opt && opt.proven !== opt.dags)
      console.log(
        `optimal: proven on ${opt.proven} of ${opt.dags} DAGs within ${a.timeLimitS} s each; on the others the gaps are to the best plan it found`,
      );
    return;
  }
  report.summaries.sort((x, y) => a.names.indexOf(x.scheduler) - a.names.indexOf(y.scheduler));
  if (a.json) {
    console.log(
      JSON.stringify(
        {
          dataset: a.dataset.name,
          dags: a.dataset.dags.length,
          system: a.spec,
          places,
          profile: model.profile,
          objective: a.objective,
          ...(opt ? { gapTo: opt.proven === opt.dags ? 'optimum' : 'best found (not proven)' } : {}),
          schedulers: Object.fromEntries(report.summaries.map(({ scheduler, ...rest }) => [scheduler, rest])),
          plans: report.plans,
        },
        null,
        1,
      ),
    );
    return;
  }
  process.stdout.write(
    formatCsv(
      csvHeader(places, world !== undefined),
      report.summaries.map((s) => cellsOf(s, gapUnit)),
    ),
  );
}

function csvHeader(places: readonly string[], realised: boolean): string[] {
  return [
    'scheduler',
    'mean_objective',
    'gap_to_optimum',
    'mean_makespan_ms',
    'mean_energy_j',
    ...places.map((p) => `share_${p}`),
    'ms_per_dag',
    'proven',
    ...(realised ? ['realised_objective', 'realised_makespan_ms', 'realised_energy_j'] : []),
  ];
}

function cellsOf(s: PlacementSummary, gapUnit: string): Cell[] {
  return [
    s.scheduler,
    s.meanObjective.toFixed(gapUnit === 'pp' ? 4 : 2),
    s.meanGapToOptimum === undefined ? undefined : (100 * s.meanGapToOptimum).toFixed(2),
    s.meanMakespanMs.toFixed(2),
    s.meanEnergyJ.toFixed(3),
    ...s.placeShares.map((x) => x.toFixed(3)),
    (s.wallMs / s.dags).toFixed(3),
    s.proven === undefined ? undefined : `${s.proven}/${s.dags}`,
    ...(s.realised
      ? [
          s.realised.meanObjective.toFixed(gapUnit === 'pp' ? 4 : 2),
          s.realised.meanMakespanMs.toFixed(2),
          s.realised.meanEnergyJ.toFixed(3),
        ]
      : []),
  ];
}

/** The ladder a row at a time, as each scheduler finishes. */
function streamedTable(
  places: readonly string[],
  gapUnit: string,
  unit: string,
  realised: boolean,
): { row(s: PlacementSummary): void } {
  const columns: [string, number][] = [
    ['scheduler', 16],
    [`objective${unit}`, 14],
    [`gap to opt. (${gapUnit})`, 17],
    ['makespan (ms)', 13],
    ['energy (J)', 10],
    [`places (% ${places.join('/')})`, Math.max(20, places.length * 4 + 12)],
    ['ms/DAG', 10],
    ['proven', 8],
    ...(realised
      ? ([
          ['realised objective', 18],
          ['realised makespan', 17],
          ['realised energy', 15],
        ] as [string, number][])
      : []),
  ];
  let started = false;
  const line = (cells: readonly string[]) =>
    cells
      .map((c, k) => (k === 0 ? c.padEnd(columns[k][1]) : c.padStart(columns[k][1])))
      .join('  ')
      .trimEnd();
  return {
    row(s) {
      if (!started) {
        started = true;
        console.log(line(columns.map(([t]) => t)));
        console.log(line(columns.map(([, w]) => '-'.repeat(w))));
      }
      const cells = cellsOf(s, gapUnit);
      const shares = s.placeShares.map((x) => Math.round(100 * x)).join('/');
      console.log(
        line(
          [
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            shares,
            ...cells.slice(5 + s.placeShares.length),
          ].map((c) => (c === undefined ? '' : String(c))),
        ),
      );
    },
  };
}
