import { Command } from 'commander';
import { createProblem, timelineOf } from '../../mec/problem.js';
import { renderGanttSvg } from '../../report/gantt-svg.js';
import { schedulerByName } from '../../schedulers/registry.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { UsageError } from '../../util/errors.js';
import { loadDagArg } from '../dag-arg.js';
import {
  addSystemOptions,
  addTimeLimitOption,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';

interface GanttOptions extends SystemCliOptions {
  dag: string;
  scheduler: string;
  plan?: string;
  out: string;
  timeLimit: number;
}

export function ganttCommand(): Command {
  const cmd = new Command('gantt')
    .description('draw a schedule as a Gantt chart (UE CPU, uplink, MEC VM, downlink) beside the DAG, as SVG')
    .requiredOption('--dag <file>', 'DAG file (.gv, .dot, .json) or example:KEY')
    .option('--scheduler <name>', 'scheduler whose plan to draw', 'heft')
    .option('--plan <digits>', 'draw this plan instead (one 0/1 digit per task in id order)')
    .option('--out <file>', 'SVG file to write', 'schedule.svg');
  addSystemOptions(cmd);
  addTimeLimitOption(cmd);
  return cmd.action((opts: GanttOptions) => {
    const dag = loadDagArg(opts.dag);
    const { system, model } = systemFromOptions(opts);
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
    } else {
      const result = schedulerByName(opts.scheduler).schedule(problem, {
        timeLimitMs: opts.timeLimit * 1000,
      });
      plan = result.plan;
      order = result.order;
      label = opts.scheduler;
    }
    const timeline = timelineOf(problem, plan, order);
    writeFileAtomic(
      opts.out,
      renderGanttSvg(dag, timeline, { title: `${dag.name}: ${label}, ${model.profile} profile` }),
    );
    console.log(`makespan ${timeline.makespanMs.toFixed(2)} ms; wrote ${opts.out}`);
  });
}
