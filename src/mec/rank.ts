/**
 * Task order: the upward rank of Eq. (10), tasks scheduled in descending rank (parents first).
 */
import type { Dag } from '../dag/dag.js';
import type { TaskTimes } from './system.js';

/**
 * The per-task weight in the rank: `offload` is the paper's T_i^o = T^ul + T^s + T^dl;
 * `min` is min(T^UE, T^o), as the paper's public experiments compute it.
 */
export type RankWeight = 'offload' | 'min';
export const RANK_WEIGHTS: readonly RankWeight[] = ['offload', 'min'];

export function upwardRanks(dag: Dag, times: TaskTimes, weight: RankWeight): Float64Array {
  return upwardRanksBy(dag, (i) => {
    const offload = times.uplink[i] + times.mec[i] + times.downlink[i];
    return weight === 'offload' ? offload : Math.min(times.local[i], offload);
  });
}

/** Eq. (10) with any per-task weight w: rank(i) = w(i) + the largest rank of its children. */
export function upwardRanksBy(dag: Dag, w: (task: number) => number): Float64Array {
  const n = dag.tasks.length;
  const rank = new Float64Array(n);
  const done = new Uint8Array(n);
  // Reverse topological sweep, iterative so that deep graphs cannot overflow the stack.
  const stack: number[] = [];
  for (let root = 0; root < n; root++) {
    if (done[root]) continue;
    stack.push(root);
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      let pending = false;
      for (const c of dag.children[v]) {
        if (!done[c]) {
          stack.push(c);
          pending = true;
        }
      }
      if (pending) continue;
      stack.pop();
      if (done[v]) continue;
      let best = 0;
      for (const c of dag.children[v]) best = Math.max(best, rank[c]);
      rank[v] = w(v) + best;
      done[v] = 1;
    }
  }
  return rank;
}

/**
 * Tasks in descending rank, ties broken by task index. Done as a prioritised topological sort so that
 * parents come first even where zero-cost tasks tie with their children.
 */
export function rankOrder(dag: Dag, rank: Float64Array): number[] {
  const n = dag.tasks.length;
  const waiting = dag.parents.map((p) => p.length);
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);
  const before = (a: number, b: number): boolean => rank[a] > rank[b] || (rank[a] === rank[b] && a < b);
  const order: number[] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let k = 1; k < ready.length; k++) if (before(ready[k], ready[best])) best = k;
    const task = ready[best];
    ready[best] = ready[ready.length - 1];
    ready.pop();
    order.push(task);
    for (const c of dag.children[task]) if (--waiting[c] === 0) ready.push(c);
  }
  return order;
}
