import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { adaptDrl, adaptReferences } from '../../experiments/drl.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { UsageError } from '../../util/errors.js';
import { parseNonNegativeInt } from '../options.js';
import {
  addRunOptions,
  runConfigFromOptions,
  taskSpecsFromOptions,
  type RunCliOptions,
} from '../run-options.js';

interface AdaptOptions extends RunCliOptions {
  from: string;
  steps: number;
  out?: string;
  optimalTimeLimit: number;
  json?: boolean;
}

export function adaptCommand(): Command {
  const cmd = new Command('adapt')
    .description(
      'fine-tune a trained policy on a new dataset; after each update step, the mean argmax makespan next to HEFT, Greedy and the optimum',
    )
    .requiredOption('--from <checkpoint>', 'a checkpoint written by mrlco train or meta-train')
    .option('--data <dir>', 'the new learning task: a dataset folder')
    .option(
      '--steps <n>',
      'update steps (each samples --trajectories per DAG, then m PPO gradient steps)',
      parseNonNegativeInt,
      20,
    )
    .option('--out <dir>', 'folder for adapt.csv (default: print only)')
    .option(
      '--optimal-time-limit <seconds>',
      'Optimal reference: time limit per DAG, 0 = skip Optimal',
      parseNonNegativeInt,
      10,
    )
    .option('--json', 'print the curve as JSON');
  addRunOptions(cmd, { iterations: false });
  return cmd.action((opts: AdaptOptions) => {
    const loaded = loadCheckpoint(opts.from);
    const specs = taskSpecsFromOptions(opts);
    if (specs.length !== 1) throw new UsageError('adapt takes exactly one dataset in --data');
    if (
      opts.hidden !== undefined ||
      opts.layers !== undefined ||
      opts.layerNorm !== undefined ||
      opts.attention !== undefined
    ) {
      throw new UsageError(
        'the network shape comes from --from; --hidden, --layers, --layer-norm and --attention do not apply',
      );
    }
    const config = runConfigFromOptions(opts, loaded.state.run);
    const refs = adaptReferences(specs[0], opts.optimalTimeLimit === 0 ? 0 : opts.optimalTimeLimit * 1000);
    if (opts.out) mkdirSync(opts.out, { recursive: true });
    const opt = refs.optimalMs?.toFixed(2) ?? '-';
    if (!opts.json)
      console.log(
        `step  makespan (ms)   HEFT ${refs.heftMs.toFixed(2)}   Greedy ${refs.greedyMs.toFixed(2)}   Optimal ${opt}`,
      );
    const { curve } = adaptDrl({
      be: getBackend(),
      from: loaded.policy,
      spec: specs[0],
      ppo: config.ppo,
      steps: opts.steps,
      seed: config.seed,
      references: refs,
      ...(opts.out ? { outDir: opts.out } : {}),
      onStep: (p) => {
        if (!opts.json)
          console.log(
            `${String(p.step).padStart(4)}  ${p.makespanMs.toFixed(2).padStart(13)}   (${p.wallS.toFixed(1)} s)`,
          );
      },
    });
    if (opts.json) {
      console.log(
        JSON.stringify({
          references: refs,
          curve: curve.map((p) => ({ step: p.step, makespanMs: p.makespanMs })),
        }),
      );
      return;
    }
    if (opts.out) console.log(`wrote ${join(opts.out, 'adapt.csv')}`);
  });
}
