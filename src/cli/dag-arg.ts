import { exampleDag } from '../dag/examples.js';
import { readDagFile } from '../dag/io.js';
import type { Dag } from '../dag/dag.js';

/** A DAG named on the command line: a file path, or `example:KEY` for a built-in application. */
export function loadDagArg(arg: string): Dag {
  return arg.startsWith('example:') ? exampleDag(arg.slice('example:'.length)) : readDagFile(arg);
}
