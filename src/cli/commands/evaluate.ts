import { Command, Option } from 'commander';
import { loadDagArg } from '../dag-arg.js';
import { topologicalOrder } from '../../dag/dag.js';
import { createProblem, timelineOf } from '../../mec/problem.js';
import { UsageError } from '../../util/errors.js';
import { addSystemOptions, systemFromOptions, type SystemCliOptions } from '../options.js';
import { formatTable, fixed } from '../table.js';
import { modelJson } from '../policy-model.js';

interface EvaluateOptions extends SystemCliOptions {
  dag: string;
  plan: string;
  order: 'rank' | 'id';
  json?: boolean;
}

export function evaluateCommand(): Command {
  const cmd = new Command('evaluate')
    .description('makespan and timeline of one offloading plan for one DAG')
    .requiredOption('--dag <file>', 'DAG file (.gv, .dot, .json) or example:KEY')
    .requiredOption('--plan <digits>', 'one digit per task in task-id order: 0 = on the device, 1 = offload')
    .addOption(
      new Option('--order <order>', 'scheduling sequence: descending rank, or task id')
        .choices(['rank', 'id'])
        .default('rank'),
    )
    .option('--json', 'print a JSON object with makespanMs and the timeline');
  addSystemOptions(cmd);
  return cmd.action((opts: EvaluateOptions) => {
    const dag = loadDagArg(opts.dag);
    const n = dag.tasks.length;
    if (!/^[01]+$/.test(opts.plan))
      throw new UsageError(`--plan must be a string of 0s and 1s, got "${opts.plan}"`);
    if (opts.plan.length !== n)
      throw new UsageError(`--plan has ${opts.plan.length} digits but ${opts.dag} has ${n} tasks`);
    const plan = Uint8Array.from(opts.plan, (c) => Number(c));
    const { system, model } = systemFromOptions(opts);
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
    console.log(`makespan: ${timeline.makespanMs.toFixed(2)} ms (${model.profile} profile)`);
  });
}
