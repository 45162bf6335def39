/**
 * Optimal (branch-and-bound): time, nodes and proven optima per reference dataset at 7 Mbit/s,
 * reference profile. `npm run bench -- --all` adds every n = 20 set; the n = 25/30/40 sets run with
 * a per-DAG time limit (BENCH_OPTIMAL_LIMIT_S, default 20 s) and report how many optima were proven.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/dag/io.js';
import { runBaselines } from '../src/experiments/baselines.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { optimal } from '../src/schedulers/optimal.js';
import { greedy, heft } from '../src/schedulers/earliest-finish.js';

const reference = fileURLToPath(new URL('../../../shared/data/reference/', import.meta.url));
const all = process.argv.includes('--all');
const large = process.argv.includes('--large') || all;
const limitS = Number(process.env.BENCH_OPTIMAL_LIMIT_S ?? 20);

const n20 = (all ? Array.from({ length: 25 }, (_, k) => k + 1) : [4, 8, 12, 16, 20, 24]).map(
  (k) => `meta_offloading_20/offload_random20_${k}`,
);
const bigger = large
  ? [
      'meta_offloading_n/offload_random25',
      'meta_offloading_n/offload_random30',
      'meta_offloading_n/offload_random40',
    ]
  : [];

console.log(
  'set                                   heft(ms)  greedy(ms)  optimal(ms)  proven   mean nodes   max nodes   wall (s)',
);
for (const set of [...n20, ...bigger]) {
  const dataset = readDataset(join(reference, set));
  const report = runBaselines(
    dataset,
    [heft, greedy, optimal],
    DEFAULT_SYSTEM,
    { profile: 'reference' },
    { timeLimitMs: limitS * 1000 },
  );
  const [h, g, o] = report.summaries;
  console.log(
    `${set.padEnd(38)}${h.meanMakespanMs.toFixed(2).padStart(8)}${g.meanMakespanMs.toFixed(2).padStart(12)}${o.meanMakespanMs.toFixed(2).padStart(13)}  ${`${o.proven}/${o.dags}`.padStart(7)}${Math.round(
      o.meanNodes ?? 0,
    )
      .toString()
      .padStart(13)}${String(o.maxNodes).padStart(12)}${(o.wallMs / 1000).toFixed(2).padStart(11)}`,
  );
}
if (!large)
  console.log('(add -- --large for n = 25, 30, 40 with a time limit per DAG, -- --all for every set)');
