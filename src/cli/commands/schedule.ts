import { Command } from 'commander';
import { createProblem } from '../../mec/problem.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { greedy, heft } from '../../schedulers/earliest-finish.js';
import { decideOffloading } from '../../services/offloading-scheduler.js';
import { loadDagArg } from '../dag-arg.js';
import { addSystemOptions, systemFromOptions, type SystemCliOptions } from '../options.js';

interface ScheduleOptions extends SystemCliOptions {
  policy: string;
  dag: string;
  json?: boolean;
}

export function scheduleCommand(): Command {
  const cmd = new Command('schedule')
    .description("the device's offloading scheduler: a trained policy's plan for a DAG (argmax decoding)")
    .requiredOption(
      '--policy <checkpoint>',
      "a policy checkpoint (train, meta-train, adapt, or a service state's policy.bin)",
    )
    .requiredOption('--dag <file>', 'a DOT or JSON DAG, or example:KEY')
    .option('--json', 'print JSON');
  addSystemOptions(cmd);
  return cmd.action((opts: ScheduleOptions) => {
    const { policy } = loadCheckpoint(opts.policy);
    const dag = loadDagArg(opts.dag);
    const { system, model } = systemFromOptions(opts);
    const decision = decideOffloading(getBackend(), policy, dag, system, model.profile);
    const problem = createProblem(dag, system, model);
    const refs = { heftMs: heft.schedule(problem).makespanMs, greedyMs: greedy.schedule(problem).makespanMs };
    const planText = Array.from(decision.plan).join('');
    if (opts.json) {
      console.log(
        JSON.stringify({
          dag: dag.name,
          plan: planText,
          offloaded: decision.plan.reduce((a, b) => a + b, 0),
          makespanMs: decision.makespanMs,
          ...refs,
        }),
      );
      return;
    }
    console.log(`${dag.name}: plan ${planText} (1 = offload; task order of the file)`);
    console.log(
      `makespan ${decision.makespanMs.toFixed(2)} ms (HEFT ${refs.heftMs.toFixed(2)}, Greedy ${refs.greedyMs.toFixed(2)}), ${model.profile} profile`,
    );
  });
}
