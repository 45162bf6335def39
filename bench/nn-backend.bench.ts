/**
 * GEMM throughput of the compute backends: median wall time and GFLOPS (2·M·N·K per call) for two
 * layer-shaped products, C[M×N] = A[M×K]·B[K×N]. Run after a build:
 * `node dist/bench/nn-backend.bench.js` (OPENBLAS_NUM_THREADS and OPENBLAS_CORETYPE apply as usual).
 */
import type { Backend } from '../src/nn/backend.js';
import { jsBackend } from '../src/nn/js-backend.js';
import { loadNativeBackend, nativeBlasInfo, nativeLoadError } from '../src/nn/native-backend.js';
import { Rng } from '../src/util/rng.js';

const SHAPES: [number, number, number][] = [
  [100, 512, 1024],
  [2000, 256, 1024],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function random(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

const native = loadNativeBackend();
console.log(`native: ${native ? JSON.stringify(nativeBlasInfo()) : `unavailable (${nativeLoadError()})`}`);
const backends: Backend[] = native ? [native, jsBackend] : [jsBackend];

const rng = new Rng(1);
for (const [M, K, N] of SHAPES) {
  const A = random(rng, M * K);
  const B = random(rng, K * N);
  const C = new Float32Array(M * N);
  for (const backend of backends) {
    // The pure TypeScript GEMM takes about a second per call at these sizes, so it gets fewer repeats.
    const repeats = backend.name === 'js' ? 3 : 15;
    backend.gemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N); // warm-up (JIT, OpenBLAS thread start)
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = process.hrtime.bigint();
      backend.gemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ms = median(times);
    const gflops = (2 * M * N * K) / (ms * 1e6);
    console.log(
      `gemm M=${M} K=${K} N=${N}  ${backend.name.padEnd(6)} ${ms.toFixed(2).padStart(9)} ms  ${gflops.toFixed(2).padStart(7)} GFLOPS`,
    );
  }
}
