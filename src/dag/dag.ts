/**
 * The application model: a DAG of tasks with CPU cycles, upload and result sizes.
 * It knows nothing of the system that runs it (rates, CPUs): that is src/mec.
 */
import { InputError } from '../util/errors.js';

export interface Task {
  /** The task's id as written in its file (daggen numbers tasks 1..n). */
  readonly id: string;
  /** Optional human-readable name (real application DAGs). */
  readonly name?: string;
  /** CPU cycles needed to run the task. */
  readonly cycles: number;
  /** Bytes sent to the edge server when the task is offloaded (data_i^s). */
  readonly uploadBytes: number;
  /** Bytes of the result returned to the device (data_i^r). */
  readonly resultBytes: number;
}

/** Free-form provenance: generator parameters and seed, source reference, daggen header. */
export type DagMeta = Record<string, string | number | boolean>;

export interface Dag {
  readonly name: string;
  /** Tasks in canonical order: numeric ids ascending when all ids are numbers, else file order. */
  readonly tasks: readonly Task[];
  /** parents[i] / children[i]: indices into `tasks`, ascending. */
  readonly parents: readonly (readonly number[])[];
  readonly children: readonly (readonly number[])[];
  readonly meta: DagMeta;
}

export interface DagSpec {
  name: string;
  tasks: Task[];
  /** Dependencies as [parent id, child id]. */
  edges: [string, string][];
  meta?: DagMeta;
}

/**
 * Validates a specification and builds the DAG. `origin` (a file path or a label) starts every
 * error message, so that the user knows which input is wrong.
 */
export function createDag(spec: DagSpec, origin: string = spec.name): Dag {
  const fail = (problem: string): never => {
    throw InputError.inFile(origin, problem);
  };
  if (spec.tasks.length === 0) fail('the DAG has no tasks');

  const tasks = [...spec.tasks];
  if (tasks.every((t) => /^-?\d+$/.test(t.id))) tasks.sort((a, b) => Number(a.id) - Number(b.id));

  const indexOf = new Map<string, number>();
  tasks.forEach((task, index) => {
    if (indexOf.has(task.id)) fail(`task ${task.id} is defined twice`);
    indexOf.set(task.id, index);
    for (const field of ['cycles', 'uploadBytes', 'resultBytes'] as const) {
      const value = task[field];
      if (typeof value !== 'number' || !Number.isFinite(value))
        fail(`task ${task.id}: ${field} must be a finite number, got ${String(value)}`);
      if (value < 0) fail(`task ${task.id}: ${field} must not be negative, got ${value}`);
    }
  });

  const parentSets = tasks.map(() => new Set<number>());
  const childSets = tasks.map(() => new Set<number>());
  for (const [from, to] of spec.edges) {
    const p = indexOf.get(from);
    const c = indexOf.get(to);
    if (p === undefined) fail(`edge ${from} -> ${to} refers to unknown task ${from}`);
    if (c === undefined) fail(`edge ${from} -> ${to} refers to unknown task ${to}`);
    if (p === c) fail(`edge ${from} -> ${to} is a self-loop`);
    parentSets[c!].add(p!);
    childSets[p!].add(c!);
  }
  const parents = parentSets.map((s) => [...s].sort((a, b) => a - b));
  const children = childSets.map((s) => [...s].sort((a, b) => a - b));

  const cycle = findCycle(children);
  if (cycle) fail(`the graph has a cycle: ${cycle.map((i) => tasks[i].id).join(' -> ')}`);

  return { name: spec.name, tasks, parents, children, meta: { ...(spec.meta ?? {}) } };
}

/** Returns one cycle as a list of task indices (first = last), or undefined when acyclic. */
function findCycle(children: readonly (readonly number[])[]): number[] | undefined {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Uint8Array(children.length);
  const parentOf = new Int32Array(children.length).fill(-1);
  for (let root = 0; root < children.length; root++) {
    if (color[root] !== WHITE) continue;
    // Iterative DFS so that long chains cannot overflow the stack.
    const stack: [number, number][] = [[root, 0]];
    color[root] = GREY;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, next] = top;
      if (next < children[node].length) {
        top[1]++;
        const child = children[node][next];
        if (color[child] === GREY) {
          const cycle = [child];
          for (let v = node; v !== child; v = parentOf[v]) cycle.push(v);
          cycle.push(child);
          return cycle.reverse();
        }
        if (color[child] === WHITE) {
          color[child] = GREY;
          parentOf[child] = node;
          stack.push([child, 0]);
        }
      } else {
        color[node] = BLACK;
        stack.pop();
      }
    }
  }
  return undefined;
}

/** A topological order that prefers the smallest task index among the ready tasks. */
export function topologicalOrder(dag: Dag): number[] {
  const n = dag.tasks.length;
  const waiting = dag.parents.map((p) => p.length);
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);
  const order: number[] = [];
  while (ready.length > 0) {
    // n is small (tens to hundreds): a linear scan for the minimum keeps this simple.
    let best = 0;
    for (let k = 1; k < ready.length; k++) if (ready[k] < ready[best]) best = k;
    const task = ready[best];
    ready[best] = ready[ready.length - 1];
    ready.pop();
    order.push(task);
    for (const c of dag.children[task]) if (--waiting[c] === 0) ready.push(c);
  }
  return order;
}

export function edgeCount(dag: Dag): number {
  return dag.children.reduce((sum, c) => sum + c.length, 0);
}

/** Edges as [parent index, child index], parents ascending. */
export function edgesOf(dag: Dag): [number, number][] {
  const edges: [number, number][] = [];
  dag.children.forEach((cs, p) => cs.forEach((c) => edges.push([p, c])));
  return edges;
}
