import { exampleDag } from '../dag/examples.js';
import { readDagFile, readDataset, type Dataset } from '../dag/io.js';
import type { Dag } from '../dag/dag.js';

/** A DAG named on the command line: a file path, or `example:KEY` for a built-in application. */
export function loadDagArg(arg: string): Dag {
  return arg.startsWith('example:') ? exampleDag(arg.slice('example:'.length)) : readDagFile(arg);
}

/** `DIR[,DIR…]`: the DAGs of one or more dataset folders, in that order, as one dataset. */
export function loadDatasetArg(arg: string): Dataset {
  const dirs = arg
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const sets = dirs.map(readDataset);
  if (sets.length === 1) return sets[0];
  return {
    name: sets.map((s) => s.name).join('+'),
    dir: dirs.join(','),
    dags: sets.flatMap((s) => s.dags),
    files: sets.flatMap((s) => (s.files ?? s.dags.map((d) => d.name)).map((f) => `${s.name}/${f}`)),
  };
}
