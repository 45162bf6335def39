/**
 * Throughput of the compute backends' kernels, side by side in one run: for the GEMM shapes of the
 * policy's train step (B = 100 sequences, L = 20, H = 256) and a few small ones, the median wall time and
 * GFLOPS (2·M·N·K per call) of every GEMM the native addon can run here (OpenBLAS, builtin AVX2,
 * builtin AVX-512) and, on the smaller shapes, of the js backend; then the LSTM cell kernels (plain and
 * layer-normalised) and the additive attention score, on every cell kernel and the js backend.
 * Run after a build: `OPENBLAS_NUM_THREADS=1 node dist/bench/nn-backend.bench.js` (the builtin GEMM is
 * single-threaded, so one OpenBLAS thread is the like-for-like comparison). Calls of the different
 * kernels are interleaved, so a busy machine slows them alike instead of skewing one column.
 */
import type { Backend } from '../src/nn/backend.js';
import { jsBackend } from '../src/nn/js-backend.js';
import { loadNativeBackend, nativeBlasInfo, nativeLoadError } from '../src/nn/native-backend.js';
import { Rng } from '../src/util/rng.js';
import { nativeKernels } from '../test/helpers/native-kernels.js';

// [M, N, K, transA, transB, what]
const SHAPES: [number, number, number, boolean, boolean, string][] = [
  [100, 1024, 256, false, false, 'LSTM gates, one step'],
  [100, 256, 1024, false, true, 'LSTM dh, one step'],
  [2000, 1024, 256, false, false, 'LSTM input gates, all steps'],
  [2000, 256, 1024, false, true, 'LSTM dx, all steps'],
  [256, 1024, 2000, true, false, 'LSTM dW'],
  [2000, 256, 512, false, false, 'attention output'],
  [20, 20, 256, false, true, 'attention scores'],
  [20, 256, 20, false, false, 'attention context'],
  [1, 20, 256, false, true, 'scores, one query'],
  [1, 1024, 256, false, false, 'LSTM gates, batch 1'],
  [1, 1024, 256, true, false, 'LSTM gates, batch 1, op(A) transposed'],
  [1, 256, 1024, false, true, 'LSTM dh, batch 1'],
  [1, 256, 512, false, false, 'attention output, batch 1'],
  [1, 256, 20, false, false, 'attention context, batch 1'],
  [1, 3, 256, false, false, 'heads, batch 1'],
  [4, 1024, 256, false, false, 'LSTM gates, 4 rows'],
  [2000, 3, 256, false, false, 'heads'],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function random(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const native = loadNativeBackend();
console.log(`native: ${native ? JSON.stringify(nativeBlasInfo()) : `unavailable (${nativeLoadError()})`}`);
console.log(`OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? '(unset)'}`);
const kernels = nativeKernels(native !== undefined);
const hooks = kernels?.hooks;
// The kernels chosen at load (MRLCO_GEMM included), restored after switching.
const restoreKernels = (): void => kernels?.restore();

interface Column {
  name: string;
  backend: Backend;
  use: () => void;
}
const gemmColumns: Column[] = [
  ...(hooks
    ? kernels!.gemmKernels.map((k) => ({
        name: k,
        backend: native!,
        use: () => hooks.setGemmKernel(k),
      }))
    : []),
  { name: 'js', backend: jsBackend, use: () => {} },
];

const rng = new Rng(1);
const header = gemmColumns.map((c) => `${c.name.padStart(16)} ms  GFLOPS`).join('');
console.log(`\n${'gemm M×N×K (op)'.padEnd(24)}${header}   builtin/openblas`);
for (const [M, N, K, transA, transB, what] of SHAPES) {
  const flops = 2 * M * N * K;
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const A = random(rng, M * K);
  const B = random(rng, K * N);
  const C = new Float32Array(M * N);
  // About 0.3 s per column at 20 GFLOPS, within [5, 200] calls; the js backend only up to ~3e7 flops.
  const repeats = Math.min(200, Math.max(5, Math.round(0.3 / (flops / 20e9))));
  const columns = gemmColumns.filter((c) => c.name !== 'js' || flops <= 3e7);
  const times = columns.map(() => [] as number[]);
  for (const c of columns) {
    c.use();
    c.backend.gemm(transA, transB, M, N, K, 1, A, lda, B, ldb, 0, C, N); // warm-up (JIT, buffers, threads)
  }
  for (let r = 0; r < repeats; r++)
    columns.forEach((c, i) => {
      if (c.name === 'js' && r >= 3) return;
      c.use();
      const t0 = process.hrtime.bigint();
      c.backend.gemm(transA, transB, M, N, K, 1, A, lda, B, ldb, 0, C, N);
      times[i].push(ms(t0));
    });
  restoreKernels();
  const med = new Map(columns.map((c, i) => [c.name, median(times[i])]));
  const cells = gemmColumns
    .map((c) => {
      const t = med.get(c.name);
      if (t === undefined) return `${'-'.padStart(19)}${'-'.padStart(8)}`;
      return `${t.toFixed(3).padStart(19)}${(flops / (t * 1e6)).toFixed(1).padStart(8)}`;
    })
    .join('');
  const blas = med.get('openblas');
  const best = med.get('builtin-avx512') ?? med.get('builtin-avx2');
  const speedup = blas !== undefined && best !== undefined ? `${(blas / best).toFixed(2)}x` : '-';
  const shape = `${M}×${N}×${K} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  console.log(`${shape.padEnd(24)}${cells}${speedup.padStart(19)}   ${what}`);
}

// LSTM cell kernels on the train step's rows = 100, H = 256 (one time step of one layer).
const cellColumns: Column[] = [
  ...(hooks
    ? kernels!.cellKernels.map((k) => ({
        name: `native ${k}`,
        backend: native!,
        use: () => hooks.setCellKernel(k),
      }))
    : []),
  { name: 'js', backend: jsBackend, use: () => {} },
];
const rows = 100;
const H = 256;
const n = rows * H;
const pre = random(rng, 4 * n, -4, 4);
const gates = new Float32Array(4 * n);
const cPrev = random(rng, n);
const [c, tanhC, h, dh, dc] = [0, 1, 2, 3, 4].map(() => random(rng, n));
const dGates = new Float32Array(4 * n);
console.log(`\nLSTM cell, rows ${rows}, H ${H}: median ms per call`);
for (const col of cellColumns) {
  col.use();
  const fwd: number[] = [];
  const bwd: number[] = [];
  for (let r = 0; r < 51; r++) {
    gates.set(pre);
    let t0 = process.hrtime.bigint();
    col.backend.lstmCellForward(rows, H, gates, cPrev, c, tanhC, h);
    fwd.push(ms(t0));
    t0 = process.hrtime.bigint();
    col.backend.lstmCellBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates);
    bwd.push(ms(t0));
  }
  console.log(
    `${col.name.padEnd(16)} forward ${median(fwd).toFixed(3).padStart(8)}  backward ${median(bwd).toFixed(3).padStart(8)}`,
  );
}
restoreKernels();

// The layer-normalised cell on the same shapes (gains/biases near their initial 1/0).
const gain = random(rng, 4 * H, 0.8, 1.2);
const bias = random(rng, 4 * H, -0.2, 0.2);
const cellGain = random(rng, H, 0.8, 1.2);
const cellBias = random(rng, H, -0.2, 0.2);
const gateXhat = new Float32Array(4 * n);
const gateInvStd = new Float32Array(4 * rows);
const cellXhat = new Float32Array(n);
const cellInvStd = new Float32Array(rows);
const [dGain, dBias] = [new Float32Array(4 * H), new Float32Array(4 * H)];
const [dCellGain, dCellBias] = [new Float32Array(H), new Float32Array(H)];
console.log(`\nLSTM cell with layer norm, rows ${rows}, H ${H}: median ms per call`);
for (const col of cellColumns) {
  col.use();
  const fwd: number[] = [];
  const bwd: number[] = [];
  for (let r = 0; r < 51; r++) {
    gates.set(pre);
    let t0 = process.hrtime.bigint();
    col.backend.lstmCellLnForward(
      rows,
      H,
      gates,
      cPrev,
      c,
      tanhC,
      h,
      gain,
      bias,
      cellGain,
      cellBias,
      gateXhat,
      gateInvStd,
      cellXhat,
      cellInvStd,
    );
    fwd.push(ms(t0));
    t0 = process.hrtime.bigint();
    col.backend.lstmCellLnBackward(
      rows,
      H,
      gates,
      cPrev,
      tanhC,
      dh,
      dc,
      dGates,
      gain,
      cellGain,
      gateXhat,
      gateInvStd,
      cellXhat,
      cellInvStd,
      dGain,
      dBias,
      dCellGain,
      dCellBias,
    );
    bwd.push(ms(t0));
  }
  console.log(
    `${col.name.padEnd(16)} forward ${median(fwd).toFixed(3).padStart(8)}  backward ${median(bwd).toFixed(3).padStart(8)}`,
  );
}
restoreKernels();

// The additive attention score of a train step (B = 100, Ld = Le = 20, H = 256: 10M tanh per pass)
// and of one decoding step (Ld = 1). The js backend only runs the decoding step (seconds otherwise).
const [Ba, La] = [100, 20];
const P = random(rng, Ba * La * H);
const Q = random(rng, Ba * La * H);
const vScore = random(rng, H);
const hidden = new Float32Array(Ba * La * La * H);
const scores = new Float32Array(Ba * La * La);
const dScores = random(rng, Ba * La * La);
const [dP, dQ, dv] = [new Float32Array(Ba * La * H), new Float32Array(Ba * La * H), new Float32Array(H)];
console.log(`\nadditive attention scores, B ${Ba}, Le ${La}, H ${H}: median ms per call`);
for (const col of cellColumns) {
  col.use();
  for (const Ld of [La, 1]) {
    if (col.name === 'js' && Ld > 1) continue;
    const fwd: number[] = [];
    const bwd: number[] = [];
    for (let r = 0; r < (Ld > 1 ? 11 : 51); r++) {
      let t0 = process.hrtime.bigint();
      col.backend.additiveAttentionForward(Ba, Ld, La, H, P, Q, vScore, hidden, scores);
      fwd.push(ms(t0));
      t0 = process.hrtime.bigint();
      col.backend.additiveAttentionBackward(Ba, Ld, La, H, vScore, hidden, dScores, dP, dQ, dv);
      bwd.push(ms(t0));
    }
    console.log(
      `${col.name.padEnd(16)} Ld ${String(Ld).padStart(2)}  forward ${median(fwd).toFixed(3).padStart(8)}  backward ${median(bwd).toFixed(3).padStart(8)}`,
    );
  }
}
restoreKernels();
