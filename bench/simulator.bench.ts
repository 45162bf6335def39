/**
 * Simulator throughput: task decisions per second on one core (n = 20 and n = 50 reference DAGs),
 * for both profiles. Run with `npm run bench`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/dag/io.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { SIM_PROFILES } from '../src/mec/simulator.js';
import { Rng } from '../src/util/rng.js';

const reference = fileURLToPath(new URL('../../../shared/data/reference/', import.meta.url));
const sets = ['meta_offloading_20/offload_random20_8', 'meta_offloading_n/offload_random50'];
const REPEATS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log('simulator throughput (median of 7 runs of ~0.3 s each)');
for (const set of sets) {
  const dags = readDataset(join(reference, set)).dags;
  for (const profile of SIM_PROFILES) {
    const problems = dags.map((dag) => createProblem(dag, DEFAULT_SYSTEM, { profile }));
    const rng = new Rng(1);
    const plans = problems.map((p) => Uint8Array.from(p.order, () => (rng.next() < 0.5 ? 1 : 0)));
    const rates: number[] = [];
    let sink = 0;
    for (let r = 0; r < REPEATS; r++) {
      let decisions = 0;
      const start = performance.now();
      while (performance.now() - start < 300) {
        for (let d = 0; d < problems.length; d++) {
          sink += problems[d].simulator.run(problems[d].order, plans[d]);
          decisions += problems[d].order.length;
        }
      }
      rates.push(decisions / ((performance.now() - start) / 1000));
    }
    const n = problems[0].order.length;
    console.log(
      `  n=${n} ${profile.padEnd(9)} ${(median(rates) / 1e6).toFixed(2)} M decisions/s  (min ${(Math.min(...rates) / 1e6).toFixed(2)}, max ${(Math.max(...rates) / 1e6).toFixed(2)})${sink < 0 ? '!' : ''}`,
    );
  }
}
