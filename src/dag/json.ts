/**
 * mrlco's own JSON format for DAGs (docs/formats.md), version 1:
 * { "format": "mrlco-dag", "version": 1, "name": ..., "meta": {...},
 *   "tasks": [{ "id", "name"?, "cycles", "uploadBytes", "resultBytes" }], "edges": [[parentId, childId], ...] }
 * Sizes are in SI units: CPU cycles and bytes.
 */
import { isObject } from '../util/is-object.js';
import { createDag, type Dag, type DagMeta, type Task } from './dag.js';
import { InputError } from '../util/errors.js';

export const DAG_FORMAT = 'mrlco-dag';
export const DAG_FORMAT_VERSION = 1;

export function parseDagJson(text: string, origin: string, name = origin): Dag {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw InputError.inFile(origin, `malformed JSON: ${(err as Error).message}`);
  }
  const fail = (problem: string): never => {
    throw InputError.inFile(origin, problem);
  };
  if (!isObject(doc)) return fail('expected a JSON object');
  if (doc.format !== DAG_FORMAT) fail(`"format" must be "${DAG_FORMAT}"`);
  if (doc.version !== DAG_FORMAT_VERSION)
    fail(`unsupported version ${String(doc.version)} (this build reads ${DAG_FORMAT_VERSION})`);
  if (!Array.isArray(doc.tasks)) fail('"tasks" must be an array');
  if (!Array.isArray(doc.edges)) fail('"edges" must be an array');

  const tasks: Task[] = (doc.tasks as unknown[]).map((raw, k) => {
    if (!isObject(raw)) return fail(`tasks[${k}] must be an object`);
    const id = raw.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      return fail(`tasks[${k}].id must be a string or a number`);
    const num = (field: string): number => {
      const v = raw[field];
      if (typeof v !== 'number') return fail(`task ${id}: "${field}" must be a number`);
      return v;
    };
    const task: Task = {
      id: String(id),
      cycles: num('cycles'),
      uploadBytes: num('uploadBytes'),
      resultBytes: num('resultBytes'),
      ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    };
    return task;
  });
  const edges = (doc.edges as unknown[]).map((e, k): [string, string] => {
    if (
      !Array.isArray(e) ||
      e.length !== 2 ||
      !e.every((x) => typeof x === 'string' || typeof x === 'number')
    ) {
      return fail(`edges[${k}] must be a [parentId, childId] pair`);
    }
    return [String(e[0]), String(e[1])];
  });
  const meta: DagMeta = {};
  if (isObject(doc.meta)) {
    for (const [k, v] of Object.entries(doc.meta)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') meta[k] = v;
    }
  }
  const docName = typeof doc.name === 'string' ? doc.name : name;
  return createDag({ name: docName, tasks, edges, meta }, origin);
}

export function formatDagJson(dag: Dag): string {
  const idValue = (id: string): string | number => (/^\d+$/.test(id) ? Number(id) : id);
  const doc = {
    format: DAG_FORMAT,
    version: DAG_FORMAT_VERSION,
    name: dag.name,
    meta: Object.fromEntries(Object.entries(dag.meta).filter(([k]) => k !== 'format')),
    tasks: dag.tasks.map((t) => ({
      id: idValue(t.id),
      ...(t.name !== undefined ? { name: t.name } : {}),
      cycles: t.cycles,
      uploadBytes: t.uploadBytes,
      resultBytes: t.resultBytes,
    })),
    edges: dag.children.flatMap((cs, p) =>
      cs.map((c) => [idValue(dag.tasks[p].id), idValue(dag.tasks[c].id)]),
    ),
  };
  return JSON.stringify(doc, null, 1) + '\n';
}
