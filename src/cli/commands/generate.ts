import { Command, Option } from 'commander';
import { join } from 'node:path';
import {
  DEFAULT_GENERATOR_PARAMS,
  TASK_PROFILES,
  generateDag,
  validateGeneratorParams,
  type GeneratorParams,
} from '../../dag/generate.js';
import { dagFilesIn, writeDagFile, type DagFormat } from '../../dag/io.js';
import { rmSync } from 'node:fs';
import { InputError } from '../../util/errors.js';
import { parseIntIn, parseNumber, parseSeed } from '../options.js';
import { MAX_GENERATED_DAGS, MAX_GENERATED_TASKS } from '../../util/limits.js';

/** The generator's parameters, flag for flag, and what to write. */
interface GenerateOptions extends GeneratorParams {
  count: number;
  out: string;
  format: DagFormat;
  force?: boolean;
}

export function generateCommand(): Command {
  const d = DEFAULT_GENERATOR_PARAMS;
  return new Command('generate')
    .description("generate a dataset of random DAGs with daggen's algorithm (seeded, reproducible)")
    .requiredOption('--out <dir>', 'folder to write the DAG files into')
    .option('--n <tasks>', 'tasks per DAG', parseIntIn(1, MAX_GENERATED_TASKS), d.n)
    .option('--fat <fat>', 'width: the ideal level size is n^fat', parseNumber, d.fat)
    .option('--density <density>', 'edges between levels, 0..1', parseNumber, d.density)
    .option('--regular <regular>', 'regularity of level sizes, 0..1', parseNumber, d.regular)
    .option(
      '--jump <levels>',
      'how many levels up a parent may be',
      parseIntIn(1, MAX_GENERATED_TASKS),
      d.jump,
    )
    .option('--ccr <ccr>', 'communication to computation ratio', parseNumber, d.ccr)
    .option(
      '--min-data <size>',
      'smallest result volume, daggen units (reference profile)',
      parseNumber,
      d.minData,
    )
    .option(
      '--max-data <size>',
      'largest result volume, daggen units (reference profile)',
      parseNumber,
      d.maxData,
    )
    .addOption(
      new Option(
        '--profile <profile>',
        "task sizes, not a latency model (the other commands' --profile): reference, fitted to the shared datasets the generator reproduces, or paper, Sec. 5.2's ranges",
      )
        .choices(TASK_PROFILES)
        .default(d.profile),
    )
    .option('--count <count>', 'number of DAGs', parseIntIn(1, MAX_GENERATED_DAGS), 100)
    .option('--seed <seed>', 'random seed', parseSeed, d.seed)
    .addOption(new Option('--format <format>', 'file format').choices(['dot', 'json']).default('dot'))
    .option(
      '--force',
      'replace the DAG files already in --out (without it, a folder holding some is refused)',
    )
    .action((opts: GenerateOptions) => {
      const { count: _count, out: _out, format: _format, force: _force, ...params } = opts;
      validateGeneratorParams(params);
      // A dataset is a whole folder: writing over another one would mix the two.
      const existing = dagFilesIn(opts.out);
      if (existing.length > 0 && !opts.force)
        throw InputError.inFile(
          opts.out,
          `already holds ${existing.length} DAG files; a new dataset would overwrite and mix with them: choose another --out, or give --force to replace them`,
        );
      for (const f of existing) rmSync(join(opts.out, f));
      if (existing.length > 0)
        console.error(`removed the ${existing.length} DAG files that were in ${opts.out}`);
      const ext = opts.format === 'dot' ? 'gv' : 'json';
      for (let k = 0; k < opts.count; k++) {
        const dag = generateDag(params, k);
        writeDagFile(join(opts.out, `${dag.name}.${ext}`), dag, opts.format);
      }
      console.log(
        `wrote ${opts.count} DAGs (n=${opts.n}, fat=${opts.fat}, density=${opts.density}, ccr=${opts.ccr}, seed=${opts.seed}) to ${opts.out}`,
      );
    });
}
