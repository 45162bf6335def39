import { Command, Option } from 'commander';
import { join } from 'node:path';
import { EXAMPLE_DAGS } from '../../dag/examples.js';
import { edgeCount } from '../../dag/dag.js';
import { writeDagFile, type DagFormat } from '../../dag/io.js';
import { formatTable } from '../table.js';

export function examplesCommand(): Command {
  return new Command('examples')
    .description('list the built-in application DAGs from the offloading literature, or write them out')
    .option('--out <dir>', 'write each example into this folder')
    .addOption(
      new Option('--format <format>', 'file format for --out').choices(['dot', 'json']).default('json'),
    )
    .action((opts: { out?: string; format: DagFormat }) => {
      const rows = EXAMPLE_DAGS.map((e) => {
        const dag = e.build();
        return [e.key, dag.tasks.length, edgeCount(dag), e.title];
      });
      console.log(formatTable(['key', 'tasks', 'edges', 'title'], rows));
      if (opts.out) {
        for (const e of EXAMPLE_DAGS)
          writeDagFile(
            join(opts.out, `${e.key}.${opts.format === 'dot' ? 'gv' : 'json'}`),
            e.build(),
            opts.format,
          );
        console.log(`wrote ${EXAMPLE_DAGS.length} DAGs to ${opts.out}`);
      }
      console.log('\nsources:');
      for (const e of EXAMPLE_DAGS) console.log(`  ${e.key}: ${e.source}`);
    });
}
