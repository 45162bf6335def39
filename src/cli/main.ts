/**
 * The `mrlco` command line. Every failure the user can cause ends as one line on stderr and a
 * non-zero exit: 1 for bad input files or values, 2 for bad command lines.
 */
import { fsInputError } from '../util/fs-errors.js';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../util/errors.js';
import { baselinesCommand } from './commands/baselines.js';
import { evaluateCommand } from './commands/evaluate.js';
import { examplesCommand } from './commands/examples.js';
import { ganttCommand } from './commands/gantt.js';
import { generateCommand } from './commands/generate.js';
import { infoCommand } from './commands/info.js';
import { trainCommand } from './commands/train.js';
import { adaptCommand } from './commands/adapt.js';
import { metaTrainCommand } from './commands/meta-train.js';
import { experimentCommand } from './commands/experiment.js';
import { serveCommand } from './commands/serve.js';
import { deviceCommand } from './commands/device.js';
import { scheduleCommand } from './commands/schedule.js';
import { executorCommand } from './commands/executor.js';
import { runCommand } from './commands/run.js';
import { traceCommand } from './commands/trace.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** One-line errors, prefixed with the command's path, for a command and its subcommands. */
function configureErrors(cmd: Command, path: string): void {
  cmd.exitOverride().configureOutput({
    outputError: (text, write) => write(`${path}: ${text.replace(/^error: /, '')}`),
  });
  for (const sub of cmd.commands) configureErrors(sub, `${path} ${sub.name()}`);
}

export function buildProgram(): Command {
  const program = new Command('mrlco')
    .description('Task offloading in edge computing: DAG workloads, the MEC latency model, schedulers')
    .version(version())
    .showSuggestionAfterError()
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`mrlco: ${text.replace(/^error: /, '')}`) });
  for (const cmd of [
    generateCommand(),
    evaluateCommand(),
    baselinesCommand(),
    ganttCommand(),
    examplesCommand(),
    trainCommand(),
    adaptCommand(),
    metaTrainCommand(),
    experimentCommand(),
    serveCommand(),
    deviceCommand(),
    scheduleCommand(),
    executorCommand(),
    runCommand(),
    traceCommand(),
    infoCommand(),
  ]) {
    configureErrors(cmd, `mrlco ${cmd.name()}`);
    program.addCommand(cmd);
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command may end with its own code (a training run stopped by a signal: 130).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one-line message (or the help text).
      return err.exitCode === 0 ? 0 : 2;
    }
    // A message of several lines (one per differing setting) has each line prefixed.
    const lines = (message: string) => message.replace(/^/gm, 'mrlco: ');
    if (err instanceof UsageError) {
      console.error(lines(err.message));
      return 2;
    }
    if (err instanceof InputError) {
      console.error(lines(err.message));
      return 1;
    }
    // A file-system error on a path the user gave (or a full disk): one line naming the path.
    const fsError = fsInputError(err);
    if (fsError) {
      console.error(`mrlco: ${fsError.message}`);
      return 1;
    }
    const e = err as Error;
    console.error(
      `mrlco: internal error: ${e.message ?? String(err)}${process.env.MRLCO_DEBUG ? `\n${e.stack}` : ' (set MRLCO_DEBUG=1 for details)'}`,
    );
    return 70;
  }
}

process.exitCode = await main(process.argv);
