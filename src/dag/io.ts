/** Reading and writing DAG files and datasets (folders of DAG files) in either format. */
import { fsProblem } from '../util/fs-errors.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Dag } from './dag.js';
import { formatDot, parseDot } from './dot.js';
import { formatDagJson, parseDagJson } from './json.js';
import { InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export type DagFormat = 'dot' | 'json';

const DOT_EXTENSIONS = new Set(['.gv', '.dot']);

export function formatOfPath(path: string): DagFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (DOT_EXTENSIONS.has(ext)) return 'dot';
  if (ext === '.json') return 'json';
  return undefined;
}

export function parseDag(text: string, format: DagFormat, origin: string, name?: string): Dag {
  return format === 'dot' ? parseDot(text, origin, name) : parseDagJson(text, origin, name);
}

export function formatDag(dag: Dag, format: DagFormat): string {
  return format === 'dot' ? formatDot(dag) : formatDagJson(dag);
}

export function readDagFile(path: string): Dag {
  const format = formatOfPath(path);
  if (!format) throw InputError.inFile(path, 'unknown DAG file type (expected .gv, .dot or .json)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw InputError.inFile(path, describeFsError(err));
  }
  return parseDag(text, format, path, basename(path, extname(path)));
}

export function writeDagFile(path: string, dag: Dag, format: DagFormat = formatOfPath(path) ?? 'json'): void {
  writeFileAtomic(path, formatDag(dag, format));
}

export interface Dataset {
  readonly name: string;
  readonly dir: string;
  readonly dags: readonly Dag[];
  /** The file name of each DAG, when read from a folder. */
  readonly files?: readonly string[];
}

/** The DAG files (.gv, .dot, .json) of a folder, in natural order; none when the folder does not exist. */
export function dagFilesIn(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((f) => formatOfPath(f) !== undefined).sort(naturalCompare);
}

/**
 * Loads every DAG file of a folder, in natural file-name order (random.20.2 before random.20.10), or only
 * the first `limit` of them.
 */
export function readDataset(dir: string, limit = Infinity): Dataset {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw InputError.inFile(dir, 'not a folder');
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw InputError.inFile(dir, describeFsError(err));
  }
  const files = entries
    .filter((f) => formatOfPath(f) !== undefined)
    .sort(naturalCompare)
    .slice(0, limit);
  if (files.length === 0) throw InputError.inFile(dir, 'no DAG files (.gv, .dot, .json) in this folder');
  return { name: basename(dir), dir, dags: files.map((f) => readDagFile(join(dir, f))), files };
}

const collator = new Intl.Collator('en', { numeric: true });
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

function describeFsError(err: unknown): string {
  return fsProblem(err) ?? (err as Error).message;
}
