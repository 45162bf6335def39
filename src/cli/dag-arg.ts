import { exampleDag } from '../dag/examples.js';
import { readDagFile, readDataset, type Dataset } from '../dag/io.js';
import type { Dag } from '../dag/dag.js';
import { implausibleSize, PLAUSIBLE_MAX_BYTES, PLAUSIBLE_MAX_CYCLES } from '../dag/plausibility.js';

/** A DAG named on the command line: a file path, or `example:KEY` for a built-in application. */
export function loadDagArg(arg: string): Dag {
  const dag = arg.startsWith('example:') ? exampleDag(arg.slice('example:'.length)) : readDagFile(arg);
  noteImplausible([dag], arg);
  return dag;
}

/** A dataset folder named on the command line, with a note when its sizes look like a unit mistake. */
export function readDatasetArg(dir: string): Dataset {
  const dataset = readDataset(dir);
  noteImplausible(dataset.dags, dir, dataset.files);
  return dataset;
}

/** One line on stderr when DAGs have sizes beyond any application's (valid, but likely wrong units). */
function noteImplausible(dags: readonly Dag[], origin: string, files?: readonly string[]): void {
  const found = dags.map(implausibleSize);
  const first = found.findIndex((f) => f !== undefined);
  if (first < 0) return;
  const count = found.filter((f) => f !== undefined).length;
  const where = files ? `${files[first]}: ` : '';
  console.error(
    `note: ${origin}: ${count === 1 ? 'a DAG has' : `${count} DAGs have`} implausibly large tasks (${where}${found[first]}; beyond ${PLAUSIBLE_MAX_CYCLES.toExponential()} cycles or ${PLAUSIBLE_MAX_BYTES.toExponential()} bytes): check the units (docs/formats.md)`,
  );
}

/** `DIR[,DIR…]`: the DAGs of one or more dataset folders, in that order, as one dataset. */
export function loadDatasetArg(arg: string): Dataset {
  const dirs = arg
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const sets = dirs.map(readDatasetArg);
  if (sets.length === 1) return sets[0];
  return {
    name: sets.map((s) => s.name).join('+'),
    dir: dirs.join(','),
    dags: sets.flatMap((s) => s.dags),
    files: sets.flatMap((s) => (s.files ?? s.dags.map((d) => d.name)).map((f) => `${s.name}/${f}`)),
  };
}
