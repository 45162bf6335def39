/**
 * Both compute backends against float64 references: GEMM over all transpose flags, odd sizes, padded
 * strides, subarray views and alpha/beta corner cases; the LSTM cell kernels (plain and layer-normalised)
 * and the additive attention score against a float64 forward, a float64 backward and central finite
 * differences. The native backend is tested whenever it loads, and must load whenever
 * build/Release/mrlco_nn.node exists (a built-but-broken addon is a failure). Every native GEMM this
 * CPU can run (OpenBLAS, builtin AVX2, builtin AVX-512) and every cell kernel (scalar, AVX2, AVX-512;
 * they also run the additive attention) is tested, switched through the addon's test hooks, not only
 * the one that the machine picks by default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src/nn/backend.js';
import { jsBackend } from '../src/nn/js-backend.js';
import {
  loadNativeBackend,
  nativeAddonPath,
  nativeBlasInfo,
  nativeLoadError,
} from '../src/nn/native-backend.js';
import { Rng } from '../src/util/rng.js';
import { nativeKernels } from './helpers/native-kernels.js';

const addonPath = nativeAddonPath();
const addonBuilt = addonPath !== undefined && existsSync(addonPath);
const native = loadNativeBackend();

const kernels = nativeKernels(native !== undefined);
const hooks = kernels?.hooks;
// The kernels chosen at load are restored after every test that switches them.
const restoreKernels = (): void => kernels?.restore();
const gemmKernels = kernels?.gemmKernels ?? [];
const cellKernels = kernels?.cellKernels ?? [];

/** A backend under test; `use` selects its kernel before each test body (and `auto` is restored after). */
interface Variant {
  label: string;
  backend: Backend;
  use: () => void;
}
const jsVariant: Variant = { label: 'js', backend: jsBackend, use: () => {} };
const gemmVariants: Variant[] = [
  jsVariant,
  ...gemmKernels.map((k) => ({ label: `native ${k}`, backend: native!, use: () => hooks!.setGemmKernel(k) })),
];
const cellVariants: Variant[] = [
  jsVariant,
  ...cellKernels.map((k) => ({
    label: `native cell ${k}`,
    backend: native!,
    use: () => hooks!.setCellKernel(k),
  })),
];

function testVariant(name: string, v: Variant, body: () => void): void {
  test(`${v.label} ${name}`, () => {
    v.use();
    try {
      body();
    } finally {
      restoreKernels();
    }
  });
}

const TOL = 1e-5;
const SENTINEL = 12345.5;

test('the native backend loads whenever its addon has been built', () => {
  if (addonBuilt) assert.ok(native, `${addonPath} exists but does not load: ${nativeLoadError()}`);
  else assert.equal(native, undefined);
  if (native) {
    assert.equal(native.name, 'native');
    const info = nativeBlasInfo();
    assert.ok(info);
    assert.match(info.library, /\S/);
    assert.ok(Number.isInteger(info.threads) && info.threads >= 1, `threads ${info.threads}`);
    assert.equal(typeof info.coreType, 'string');
    assert.equal(info.gemm, hooks!.gemmKernel());
    assert.equal(info.cell, hooks!.cellKernel());
    assert.ok(gemmKernels.includes('openblas'));
    assert.ok(cellKernels.includes('scalar'));
  } else {
    assert.equal(nativeBlasInfo(), null);
  }
});

/**
 * A Float32Array view of `length` elements at a non-zero offset into a larger buffer whose elements
 * outside the view hold SENTINEL, so that writes or reads past the view's ends are detected.
 */
function view(length: number, offset: number): { v: Float32Array; whole: Float32Array; offset: number } {
  const whole = new Float32Array(offset + length + 7).fill(SENTINEL);
  return { v: whole.subarray(offset, offset + length), whole, offset };
}

function assertGuardsIntact(whole: Float32Array, offset: number, length: number, what: string): void {
  for (let i = 0; i < whole.length; i++) {
    if (i >= offset && i < offset + length) continue;
    assert.equal(whole[i], SENTINEL, `${what}: element ${i - offset} outside the view was written`);
  }
}

interface GemmShape {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  pad: number;
}

const ALPHAS_BETAS = [1, 0, 0.5, -2];

/** One shape, random A and B, every alpha/beta pair; the float64 op(A)·op(B) is computed once per shape. */
function checkGemm(v: Variant, rng: Rng, shape: GemmShape): void {
  const backend = v.backend;
  const { transA, transB, M, N, K, pad } = shape;
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  const lda = aCols + pad;
  const ldb = bCols + pad + 1;
  const ldc = N + pad;
  // The views are exactly as long as the last touched element requires: no slack to hide overruns.
  const lenA = (aRows - 1) * lda + aCols;
  const lenB = (bRows - 1) * ldb + bCols;
  const lenC = (M - 1) * ldc + N;
  const A = view(lenA, 3);
  const B = view(lenB, 5);
  for (let i = 0; i < lenA; i++) A.v[i] = rng.uniform(-1, 1);
  for (let i = 0; i < lenB; i++) B.v[i] = rng.uniform(-1, 1);

  // prod = op(A)·op(B) and absProd = |op(A)|·|op(B)| (the error scale of a float32 dot product).
  const prod = new Float64Array(M * N);
  const absProd = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      const a = transA ? A.v[k * lda + i] : A.v[i * lda + k];
      for (let j = 0; j < N; j++) {
        const ab = a * (transB ? B.v[j * ldb + k] : B.v[k * ldb + j]);
        prod[i * N + j] += ab;
        absProd[i * N + j] += Math.abs(ab);
      }
    }

  for (const alpha of ALPHAS_BETAS)
    for (const beta of ALPHAS_BETAS) {
      const label = `${v.label} ${JSON.stringify({ ...shape, alpha, beta })}`;
      // Stride padding inside C must survive untouched; with beta 0 the live elements start as NaN garbage.
      const C = view(lenC, 1 + pad);
      C.v.fill(SENTINEL);
      const c0 = new Float64Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          C.v[i * ldc + j] = beta === 0 ? NaN : rng.uniform(-1, 1);
          c0[i * N + j] = C.v[i * ldc + j];
        }

      backend.gemm(transA, transB, M, N, K, alpha, A.v, lda, B.v, ldb, beta, C.v, ldc);

      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          const old = beta === 0 ? 0 : beta * c0[i * N + j];
          const want = alpha * prod[i * N + j] + old;
          const scale = Math.abs(alpha) * absProd[i * N + j] + Math.abs(old);
          const got = C.v[i * ldc + j];
          if (!(Math.abs(got - want) <= TOL * scale + 1e-30))
            assert.fail(`${label}: C[${i},${j}] = ${got}, want ${want} (scale ${scale})`);
        }
        for (let j = N; j < ldc && i < M - 1; j++)
          assert.equal(C.v[i * ldc + j], SENTINEL, `${label}: padding`);
      }
      assertGuardsIntact(C.whole, C.offset, lenC, `${label} C`);
    }
  assertGuardsIntact(A.whole, A.offset, lenA, `${v.label} A`);
  assertGuardsIntact(B.whole, B.offset, lenB, `${v.label} B`);
}

/** Sizes at and around the builtin GEMM's block edges: MR (6, 12), NR (16, 32), the dot path's N <= 24. */
const EDGES = [1, 5, 6, 7, 11, 12, 13, 15, 16, 17, 24, 25, 31, 33, 255, 257];

for (const v of gemmVariants) {
  testVariant(
    'gemm matches a float64 reference (transposes, odd sizes, strides, views, alpha/beta)',
    v,
    () => {
      const rng = new Rng(20210101);
      const sizes = [1, 3, 17, 64];
      let n = 0;
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const M of sizes)
            for (const N of sizes)
              for (const K of sizes) {
                // Cycle the stride padding (0 = tight rows) so every shape sees padded strides somewhere.
                checkGemm(v, rng, { transA, transB, M, N, K, pad: [0, 2, 5][n++ % 3] });
              }
    },
  );

  testVariant('gemm matches a float64 reference at the block edges of M, N and K', v, () => {
    const rng = new Rng(4242);
    let n = 0;
    const pad = () => [0, 3, 1][n++ % 3];
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        for (const M of EDGES)
          checkGemm(v, rng, { transA, transB, M, N: [1, 17, 33][M % 3], K: 31, pad: pad() });
        for (const N of EDGES)
          checkGemm(v, rng, { transA, transB, M: [1, 6, 13][N % 3], N, K: 20, pad: pad() });
        // K around the builtin's depth blocks (256; K is split into equal blocks of at most 256).
        for (const K of [1, 7, 8, 9, 255, 256, 257, 513])
          checkGemm(v, rng, { transA, transB, M: 7, N: 33, K, pad: pad() });
      }
    // Around the B block width (512 columns for K = 256) and one full-size output layer tile grid.
    for (const N of [511, 513]) checkGemm(v, rng, { transA: false, transB: true, M: 13, N, K: 256, pad: 1 });
  });

  test(`${v.label} gemm with beta 0 discards NaN in C, also when alpha is 0 or K is 0`, () => {
    v.use();
    try {
      for (const [alpha, K] of [
        [0, 4],
        [1, 0],
        [1, 4],
      ]) {
        const A = new Float32Array(Math.max(1, 2 * K)).fill(1);
        const B = new Float32Array(Math.max(1, 3 * K)).fill(1);
        const C = new Float32Array(6).fill(NaN);
        v.backend.gemm(false, false, 2, 3, K, alpha, A, Math.max(1, K), B, 3, 0, C, 3);
        assert.deepEqual(Array.from(C), new Array(6).fill(alpha * K), `alpha ${alpha}, K ${K}`);
      }
      // The same on a shape that goes through the builtin's blocked path (N > 24) with NaN everywhere.
      const C = new Float32Array(40 * 50).fill(NaN);
      v.backend.gemm(
        false,
        false,
        40,
        50,
        3,
        1,
        new Float32Array(120).fill(1),
        3,
        new Float32Array(150).fill(1),
        50,
        0,
        C,
        50,
      );
      assert.ok(C.every((x) => x === 3));
    } finally {
      restoreKernels();
    }
  });
}

/**
 * The layer shapes of the policy's train step (B = 100 sequences, L = 20, H = 256), each against a
 * float64 reference, on every native GEMM. For the largest, the reference covers a sample of rows (every
 * 7th or 37th and the last), which still lands on every position within the builtin's MR-row tiles.
 */
const LAYER_SHAPES: [number, number, number, boolean, boolean][] = [
  [100, 1024, 256, false, false],
  [100, 256, 1024, false, true],
  [2000, 1024, 256, false, false],
  [2000, 256, 1024, false, true],
  [256, 1024, 2000, true, false],
  [2000, 256, 512, false, false],
  [20, 20, 256, false, true],
  [20, 256, 20, false, false],
  [1, 20, 256, false, true],
  [2000, 3, 256, false, false],
];

if (native) {
  test('native gemm matches a float64 reference on the policy layer shapes, on every GEMM kernel', () => {
    const rng = new Rng(99);
    for (const [M, N, K, transA, transB] of LAYER_SHAPES) {
      const A = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
      const B = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
      const C0 = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
      const [lda, ldb] = [transA ? M : K, transB ? K : N];
      const stride = M * N * K > 1e8 ? 37 : M * N * K > 2e7 ? 7 : 1;
      const rows = Array.from({ length: M }, (_, i) => i).filter((i) => i % stride === 0 || i === M - 1);
      const ref = new Map<number, { prod: Float64Array; abs: Float64Array }>();
      for (const i of rows) {
        const prod = new Float64Array(N);
        const abs = new Float64Array(N);
        for (let k = 0; k < K; k++) {
          const a = transA ? A[k * lda + i] : A[i * lda + k];
          for (let j = 0; j < N; j++) {
            const ab = a * (transB ? B[j * ldb + k] : B[k * ldb + j]);
            prod[j] += ab;
            abs[j] += Math.abs(ab);
          }
        }
        ref.set(i, { prod, abs });
      }
      for (const kernel of gemmKernels) {
        hooks!.setGemmKernel(kernel);
        for (const [alpha, beta] of [
          [1, 0],
          [-0.5, 2],
        ]) {
          const C = Float32Array.from(C0);
          native.gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
          for (const i of rows) {
            const { prod, abs } = ref.get(i)!;
            for (let j = 0; j < N; j++) {
              const old = beta === 0 ? 0 : beta * C0[i * N + j];
              const want = alpha * prod[j] + old;
              const scale = Math.abs(alpha) * abs[j] + Math.abs(old);
              const got = C[i * N + j];
              if (!(Math.abs(got - want) <= TOL * scale))
                assert.fail(
                  `${kernel} ${JSON.stringify({ M, N, K, transA, transB, alpha, beta })}: C[${i},${j}] = ${got}, want ${want}`,
                );
            }
          }
        }
      }
      restoreKernels();
    }
  });

  test('native gemm small-M products (the batch-1 path) match a float64 reference on every GEMM kernel', () => {
    const rng = new Rng(2024);
    // Padded strides and subarray views at odd offsets: the kernels must honour lda/ldb/ldc and never
    // touch the padding (checked: it stays NaN, and a NaN read into a result would show).
    const PAD = 3;
    const OFF = 5;
    const view = (n: number, fill: () => number): Float32Array => {
      const buf = new Float32Array(n + OFF + 2).fill(NaN);
      const v = buf.subarray(OFF, OFF + n);
      for (let i = 0; i < n; i++) v[i] = fill();
      return v;
    };
    const uni = () => rng.uniform(-1, 1);
    for (const M of [1, 2, 3, 4, 5])
      for (const N of [1, 3, 16, 17, 1024])
        for (const K of [1, 20, 256])
          for (const transA of [false, true])
            for (const transB of [false, true]) {
              const [ra, ca] = transA ? [K, M] : [M, K];
              const [rb, cb] = transB ? [N, K] : [K, N];
              const [lda, ldb, ldc] = [ca + PAD, cb + PAD, N + PAD];
              const A = view(ra * lda, uni);
              const B = view(rb * ldb, uni);
              for (let r = 0; r < ra; r++) A.fill(NaN, r * lda + ca, (r + 1) * lda);
              for (let r = 0; r < rb; r++) B.fill(NaN, r * ldb + cb, (r + 1) * ldb);
              const at = (i: number, k: number) => (transA ? A[k * lda + i] : A[i * lda + k]);
              const bt = (k: number, j: number) => (transB ? B[j * ldb + k] : B[k * ldb + j]);
              const prod = new Float64Array(M * N);
              const abs = new Float64Array(M * N);
              for (let i = 0; i < M; i++)
                for (let k = 0; k < K; k++) {
                  const a = at(i, k);
                  for (let j = 0; j < N; j++) {
                    const ab = a * bt(k, j);
                    prod[i * N + j] += ab;
                    abs[i * N + j] += Math.abs(ab);
                  }
                }
              const C0 = view(M * ldc, uni);
              for (let r = 0; r < M; r++) C0.fill(NaN, r * ldc + N, (r + 1) * ldc);
              const cases: [number, number, boolean][] = [
                [1, 0, true], // beta = 0 with NaN in C: C's old contents are ignored
                [-0.5, 2, false],
                [0, 0.5, false], // alpha = 0 only scales C
                [0, 0, true],
                [1.5, 1, false],
              ];
              for (const kernel of gemmKernels) {
                hooks!.setGemmKernel(kernel);
                for (const [alpha, beta, nanC] of cases) {
                  const Cbuf = new Float32Array(C0.length + OFF + 2).fill(NaN);
                  const C = Cbuf.subarray(OFF, OFF + C0.length);
                  C.set(C0);
                  if (nanC) for (let r = 0; r < M; r++) C.fill(NaN, r * ldc, r * ldc + N);
                  native.gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
                  const what = () =>
                    `${kernel} ${JSON.stringify({ M, N, K, transA, transB, alpha, beta, nanC })}`;
                  for (let i = 0; i < M; i++) {
                    for (let j = 0; j < N; j++) {
                      const old = beta === 0 ? 0 : beta * C0[i * ldc + j];
                      const want = alpha * prod[i * N + j] + old;
                      const scale = Math.abs(alpha) * abs[i * N + j] + Math.abs(old);
                      const got = C[i * ldc + j];
                      if (!(Math.abs(got - want) <= TOL * scale + 1e-30))
                        assert.fail(`${what()}: C[${i},${j}] = ${got}, want ${want}`);
                    }
                    for (let j = N; j < ldc && i * ldc + j < C.length; j++)
                      if (!Number.isNaN(C[i * ldc + j]))
                        assert.fail(`${what()}: padding C[${i},${j}] written`);
                  }
                  for (let x = 0; x < OFF; x++)
                    if (!Number.isNaN(Cbuf[x])) assert.fail(`${what()}: wrote before C`);
                  for (let x = OFF + C0.length; x < Cbuf.length; x++)
                    if (!Number.isNaN(Cbuf[x])) assert.fail(`${what()}: wrote past C`);
                  // Deterministic: the same call gives the same bits.
                  if (!nanC && alpha !== 0) {
                    const again = Cbuf.subarray(OFF, OFF + C0.length).slice();
                    C.set(C0);
                    native.gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
                    assert.ok(
                      Buffer.from(again.buffer).equals(Buffer.from(C.slice().buffer)),
                      `${what()} not deterministic`,
                    );
                  }
                }
              }
            }
    restoreKernels();
  });

  test('the builtin GEMM gives bit-identical results on 1 and 2 threads', () => {
    const builtins = gemmKernels.filter((k) => k.startsWith('builtin'));
    const initial = hooks!.setGemmThreads(2);
    try {
      const rng = new Rng(5);
      // [M, N, K, transA, transB]; N = 129 and 1000 split off the panel grid; K = 300 and 500 are two depth blocks.
      for (const [M, N, K, transA, transB] of [
        [100, 1024, 256, false, false],
        [256, 1024, 2000, true, false],
        [2000, 256, 1024, false, true],
        [37, 1000, 300, true, true],
        [200, 129, 500, false, false],
      ] as const) {
        const A = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
        const B = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
        const C0 = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
        for (const kernel of builtins) {
          hooks!.setGemmKernel(kernel);
          const run = (threads: number): Float32Array => {
            hooks!.setGemmThreads(threads);
            const C = Float32Array.from(C0);
            native.gemm(transA, transB, M, N, K, 0.7, A, transA ? M : K, B, transB ? K : N, 0.3, C, N);
            return C;
          };
          const one = run(1);
          const two = run(2);
          const same = Buffer.from(one.buffer).equals(Buffer.from(two.buffer));
          assert.ok(
            same,
            `${kernel} ${JSON.stringify({ M, N, K, transA, transB })} differs between 1 and 2 threads`,
          );
        }
      }
    } finally {
      hooks!.setGemmThreads(initial);
      restoreKernels();
    }
  });

  test('the GEMM is chosen per machine: builtin when OpenBLAS runs a generic pre-AVX2 core on an AVX2 CPU; MRLCO_GEMM overrides', () => {
    const probe = (env: Record<string, string>) =>
      spawnSync(
        process.execPath,
        ['-e', `const a = require(${JSON.stringify(addonPath)}); console.log(JSON.stringify(a.blasInfo()))`],
        { encoding: 'utf8', env: { ...process.env, MRLCO_GEMM: '', ...env } },
      );
    const info = (env: Record<string, string>) => {
      const r = probe(env);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { coreType: string; gemm: string };
    };
    const best = gemmKernels.includes('builtin-avx512')
      ? 'builtin-avx512'
      : gemmKernels.includes('builtin-avx2')
        ? 'builtin-avx2'
        : 'openblas';
    const auto = info({});
    const generic =
      /^(prescott|core2|penryn|dunnington|nehalem|atom|katmai|coppermine|northwood|banias|unknown|)$/i;
    assert.equal(auto.gemm, generic.test(auto.coreType) ? best : 'openblas', `core ${auto.coreType}`);
    assert.equal(info({ MRLCO_GEMM: 'openblas' }).gemm, 'openblas');
    assert.equal(info({ MRLCO_GEMM: 'builtin' }).gemm, best);
    const bad = probe({ MRLCO_GEMM: 'fast' });
    assert.notEqual(bad.status, 0);
    assert.match(
      bad.stderr,
      /MRLCO_GEMM must be 'auto', 'openblas', 'builtin', 'builtin-avx2' or 'builtin-avx512', got 'fast'/,
    );
    // The CPU check agrees with what the kernel reports (Linux only: /proc/cpuinfo).
    if (existsSync('/proc/cpuinfo')) {
      const flags = new Set(
        /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim().split(/\s+/),
      );
      assert.equal(gemmKernels.includes('builtin-avx2'), flags.has('avx2') && flags.has('fma'));
      assert.equal(
        cellKernels.includes('avx512'),
        flags.has('avx512f') && flags.has('avx2') && flags.has('fma'),
      );
    }
  });
}

if (native) {
  const nat = native;
  test('native gemm rejects out-of-range strides and short arrays with RangeError, writing nothing', () => {
    const A = new Float32Array(2 * 4);
    const B = new Float32Array(4 * 3);
    const C = new Float32Array(2 * 3).fill(7);
    // lda below the row length (CBLAS itself would only print an xerbla message and skip the call).
    assert.throws(() => nat.gemm(false, false, 2, 3, 4, 1, A, 3, B, 3, 0, C, 3), RangeError);
    // lda so large that row 1 lies past the end of A.
    assert.throws(() => nat.gemm(false, false, 2, 3, 4, 1, A, 1000, B, 3, 0, C, 3), RangeError);
    assert.throws(() => nat.gemm(false, false, 2, 3, 4, 1, A, 2 ** 31 - 1, B, 3, 0, C, 3), RangeError);
    // A view whose buffer is long enough, but the view itself is not: the byteOffset/length must count.
    const big = new Float32Array(100);
    assert.throws(() => nat.gemm(false, false, 2, 3, 4, 1, big.subarray(95), 4, B, 3, 0, C, 3), RangeError);
    assert.throws(() => nat.gemm(true, false, 2, 3, 4, 1, A, 2, B, 3, 0, C.subarray(1), 3), RangeError);
    assert.throws(() => nat.gemm(false, true, 2, 3, 4, 1, A, 4, B, 4, 0, C, 2), RangeError);
    assert.throws(() => nat.gemm(false, false, -1, 3, 4, 1, A, 4, B, 3, 0, C, 3), RangeError);
    assert.throws(() => nat.gemm(false, false, 2.5, 3, 4, 1, A, 4, B, 3, 0, C, 3), RangeError);
    assert.throws(
      () =>
        nat.gemm(false, false, 2, 3, 4, 1, new Float64Array(8) as unknown as Float32Array, 4, B, 3, 0, C, 3),
      TypeError,
    );
    assert.deepEqual(Array.from(C), new Array(6).fill(7));
  });

  test('native LSTM kernels reject short arrays with RangeError', () => {
    const H = 4;
    const rows = 2;
    const n = rows * H;
    const ok = (k: number): Float32Array => new Float32Array(k * n);
    assert.throws(
      () => nat.lstmCellForward(rows, H, ok(4).subarray(1), ok(1), ok(1), ok(1), ok(1)),
      RangeError,
    );
    assert.throws(
      () => nat.lstmCellForward(rows, H, ok(4), ok(1), ok(1), ok(1), ok(1).subarray(1)),
      RangeError,
    );
    assert.throws(
      () => nat.lstmCellBackward(rows, H, ok(4), ok(1), ok(1), ok(1), ok(1), ok(4).subarray(4)),
      RangeError,
    );
  });
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

interface Forward64 {
  act: Float64Array;
  c: Float64Array;
  tanhC: Float64Array;
  h: Float64Array;
}

function forward64(rows: number, H: number, pre: ArrayLike<number>, cPrev: ArrayLike<number>): Forward64 {
  const act = new Float64Array(rows * 4 * H);
  const c = new Float64Array(rows * H);
  const tanhC = new Float64Array(rows * H);
  const h = new Float64Array(rows * H);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < H; j++) {
      const g0 = r * 4 * H;
      const s = r * H + j;
      const i = (act[g0 + j] = sigmoid(pre[g0 + j]));
      const f = (act[g0 + H + j] = sigmoid(pre[g0 + H + j]));
      const g = (act[g0 + 2 * H + j] = Math.tanh(pre[g0 + 2 * H + j]));
      const o = (act[g0 + 3 * H + j] = sigmoid(pre[g0 + 3 * H + j]));
      c[s] = f * cPrev[s] + i * g;
      tanhC[s] = Math.tanh(c[s]);
      h[s] = o * tanhC[s];
    }
  return { act, c, tanhC, h };
}

/** The backward formulas in float64, evaluated on the backend's own (float32) forward outputs. */
function backward64(
  rows: number,
  H: number,
  act: ArrayLike<number>,
  cPrev: ArrayLike<number>,
  tanhC: ArrayLike<number>,
  dh: ArrayLike<number>,
  dcIn: ArrayLike<number>,
): { dGates: Float64Array; dcPrev: Float64Array } {
  const dGates = new Float64Array(rows * 4 * H);
  const dcPrev = new Float64Array(rows * H);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < H; j++) {
      const g0 = r * 4 * H;
      const s = r * H + j;
      const [i, f, g, o] = [act[g0 + j], act[g0 + H + j], act[g0 + 2 * H + j], act[g0 + 3 * H + j]];
      const t = tanhC[s];
      const dc = dcIn[s] + dh[s] * o * (1 - t * t);
      dGates[g0 + j] = dc * g * i * (1 - i);
      dGates[g0 + H + j] = dc * cPrev[s] * f * (1 - f);
      dGates[g0 + 2 * H + j] = dc * i * (1 - g * g);
      dGates[g0 + 3 * H + j] = dh[s] * t * o * (1 - o);
      dcPrev[s] = dc * f;
    }
  return { dGates, dcPrev };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

function randomF32(rng: Rng, n: number, lo: number, hi: number, offset: number) {
  const r = view(n, offset);
  for (let i = 0; i < n; i++) r.v[i] = rng.uniform(lo, hi);
  return r;
}

// H around the vector widths (8, 16) for the masked tails, and the policy's H = 256.
const LSTM_SHAPES: [number, number][] = [
  [1, 1],
  [3, 5],
  [2, 17],
  [4, 64],
  [2, 7],
  [2, 15],
  [3, 33],
  [3, 256],
];

for (const v of cellVariants) {
  const backend = v.backend;
  testVariant('lstmCellForward/Backward match float64 references (on subarray views)', v, () => {
    const rng = new Rng(7, 1);
    for (const [rows, H] of LSTM_SHAPES) {
      const n = rows * H;
      const label = `${v.label} rows ${rows} H ${H}`;
      const gates = randomF32(rng, 4 * n, -4, 4, 2);
      const pre = Float64Array.from(gates.v);
      const cPrev = randomF32(rng, n, -2, 2, 1);
      const c = view(n, 3);
      const tanhC = view(n, 4);
      const h = view(n, 5);
      backend.lstmCellForward(rows, H, gates.v, cPrev.v, c.v, tanhC.v, h.v);
      const ref = forward64(rows, H, pre, cPrev.v);
      assertClose(gates.v, ref.act, TOL, `${label} activations`);
      assertClose(c.v, ref.c, TOL, `${label} c`);
      assertClose(tanhC.v, ref.tanhC, TOL, `${label} tanhC`);
      assertClose(h.v, ref.h, TOL, `${label} h`);
      for (const [name, x, len] of [
        ['gates', gates, 4 * n],
        ['c', c, n],
        ['tanhC', tanhC, n],
        ['h', h, n],
      ] as const)
        assertGuardsIntact(x.whole, x.offset, len, `${label} ${name}`);

      const dh = randomF32(rng, n, -1, 1, 6);
      const dc = randomF32(rng, n, -1, 1, 7);
      const dcIn = Float64Array.from(dc.v);
      const dGates = view(4 * n, 8);
      dGates.v.fill(NaN); // output only: old contents must not matter
      backend.lstmCellBackward(rows, H, gates.v, cPrev.v, tanhC.v, dh.v, dc.v, dGates.v);
      const back = backward64(rows, H, gates.v, cPrev.v, tanhC.v, dh.v, dcIn);
      assertClose(dGates.v, back.dGates, TOL, `${label} dGates`);
      assertClose(dc.v, back.dcPrev, TOL, `${label} dcPrev`);
      assertGuardsIntact(dGates.whole, dGates.offset, 4 * n, `${label} dGates`);
      assertGuardsIntact(dc.whole, dc.offset, n, `${label} dc`);
    }
  });

  testVariant('lstmCellBackward matches central finite differences of a scalar loss', v, () => {
    const rng = new Rng(11, 2);
    for (const [rows, H] of LSTM_SHAPES.slice(0, 3)) {
      const n = rows * H;
      const label = `${v.label} rows ${rows} H ${H}`;
      // Float32-representable inputs, so the float64 loss sees exactly what the backend sees.
      const pre = Float32Array.from({ length: 4 * n }, () => rng.uniform(-3, 3));
      const cPrev = Float32Array.from({ length: n }, () => rng.uniform(-2, 2));
      const wh = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
      const wc = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
      // L = Σ wh ⊙ h + Σ wc ⊙ c, so dL/dh = wh and the gradient arriving at c is wc.
      const loss = (p: ArrayLike<number>, cp: ArrayLike<number>): number => {
        const f = forward64(rows, H, p, cp);
        let sum = 0;
        for (let s = 0; s < n; s++) sum += wh[s] * f.h[s] + wc[s] * f.c[s];
        return sum;
      };
      const central = (x: ArrayLike<number>, perturb: (x: Float64Array) => number): Float64Array => {
        const eps = 1e-6;
        const grad = new Float64Array(x.length);
        const y = Float64Array.from(x);
        for (let k = 0; k < x.length; k++) {
          y[k] = x[k] + eps;
          const up = perturb(y);
          y[k] = x[k] - eps;
          const down = perturb(y);
          y[k] = x[k];
          grad[k] = (up - down) / (2 * eps);
        }
        return grad;
      };
      const fdGates = central(pre, (p) => loss(p, cPrev));
      const fdCPrev = central(cPrev, (cp) => loss(pre, cp));

      const gates = Float32Array.from(pre);
      const [c, tanhC, h] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      backend.lstmCellForward(rows, H, gates, cPrev, c, tanhC, h);
      const dc = Float32Array.from(wc);
      const dGates = new Float32Array(4 * n);
      backend.lstmCellBackward(rows, H, gates, cPrev, tanhC, wh, dc, dGates);
      assertClose(dGates, fdGates, TOL, `${label} dL/dgates`);
      assertClose(dc, fdCPrev, TOL, `${label} dL/dcPrev`);
    }
  });

  // The vector kernels' exp/tanh are polynomial approximations: check them relative to the value (not
  // only to max(1, |value|)) across the branch points (|x| = 0.625 in tanh), tiny inputs, saturation
  // and the exp clamp (|x| >= 87).
  testVariant('LSTM activations are accurate to 2e-6 relative, from tiny inputs to saturation', v, () => {
    const xs = [
      0, 1e-30, 1e-8, 3e-5, 1e-3, 0.1, 0.5, 0.6249, 0.625, 0.6251, 0.7, 1, 2, 3.7, 8.9, 9.1, 15, 20, 40, 87,
      88.5, 100,
    ];
    const inputs = Float32Array.from([...xs, ...xs.map((x) => -x)]);
    const H = inputs.length;
    const gates = new Float32Array(4 * H);
    for (let q = 0; q < 4; q++) gates.set(inputs, q * H);
    const cPrev = Float32Array.from(inputs, (x) => x / 2);
    const [c, tanhC, h] = [new Float32Array(H), new Float32Array(H), new Float32Array(H)];
    backend.lstmCellForward(1, H, gates, cPrev, c, tanhC, h);
    const rel = (got: number, want: number, what: string) =>
      assert.ok(
        Math.abs(got - want) <= 2e-6 * Math.abs(want) + 1e-37,
        `${v.label} ${what}: got ${got}, want ${want}`,
      );
    for (let j = 0; j < H; j++) {
      const x = inputs[j];
      for (const q of [0, 1, 3]) rel(gates[q * H + j], sigmoid(x), `sigmoid(${x})`);
      rel(gates[2 * H + j], Math.tanh(x), `tanh(${x})`);
      rel(tanhC[j], Math.tanh(c[j]), `tanh(c = ${c[j]})`);
    }
  });
}

if (native && cellKernels.length > 1) {
  test('native lstmCellBackward is bit-identical on every cell kernel (same products, same order)', () => {
    const rng = new Rng(3);
    const [rows, H] = [3, 37];
    const n = rows * H;
    const gates = Float32Array.from({ length: 4 * n }, () => rng.uniform(0, 1));
    const [cPrev, tanhC, dh, dc0] = [0, 1, 2, 3].map(() =>
      Float32Array.from({ length: n }, () => rng.uniform(-1, 1)),
    );
    const results = cellKernels.map((k) => {
      hooks!.setCellKernel(k);
      const dc = Float32Array.from(dc0);
      const dGates = new Float32Array(4 * n);
      native.lstmCellBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates);
      return Buffer.concat([Buffer.from(dGates.buffer), Buffer.from(dc.buffer)]);
    });
    restoreKernels();
    for (let i = 1; i < results.length; i++)
      assert.ok(results[i].equals(results[0]), `${cellKernels[i]} differs from ${cellKernels[0]}`);
  });
}

// ---- The layer-normalised LSTM cell ----

const LN_EPS = 1e-5;

/** Mean and 1/σ of x[o .. o+H) in float64 (population variance, eps as layer-norm.ts). */
function stats64(x: ArrayLike<number>, o: number, H: number): { mean: number; inv: number } {
  let mean = 0;
  for (let j = 0; j < H; j++) mean += x[o + j];
  mean /= H;
  let variance = 0;
  for (let j = 0; j < H; j++) variance += (x[o + j] - mean) ** 2;
  return { mean, inv: 1 / Math.sqrt(variance / H + LN_EPS) };
}

interface LnParams {
  gain: Float32Array;
  bias: Float32Array;
  cellGain: Float32Array;
  cellBias: Float32Array;
}

interface LnForward64 extends Forward64 {
  xhat: Float64Array;
  inv: Float64Array;
  cXhat: Float64Array;
  cInv: Float64Array;
}

/** LayerNormBasicLSTMCell in float64: LN per gate block (with its gain/bias), activations, LN of c. */
function lnForward64(
  rows: number,
  H: number,
  pre: ArrayLike<number>,
  cPrev: ArrayLike<number>,
  p: {
    gain: ArrayLike<number>;
    bias: ArrayLike<number>;
    cellGain: ArrayLike<number>;
    cellBias: ArrayLike<number>;
  },
): LnForward64 {
  const G = 4 * H;
  const act = new Float64Array(rows * G);
  const xhat = new Float64Array(rows * G);
  const inv = new Float64Array(rows * 4);
  const raw = new Float64Array(rows * H);
  const c = new Float64Array(rows * H);
  const tanhC = new Float64Array(rows * H);
  const h = new Float64Array(rows * H);
  const cXhat = new Float64Array(rows * H);
  const cInv = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < 4; k++) {
      const o = r * G + k * H;
      const st = stats64(pre, o, H);
      inv[r * 4 + k] = st.inv;
      for (let j = 0; j < H; j++) {
        xhat[o + j] = (pre[o + j] - st.mean) * st.inv;
        const y = p.gain[k * H + j] * xhat[o + j] + p.bias[k * H + j];
        act[o + j] = k === 2 ? Math.tanh(y) : sigmoid(y);
      }
    }
    for (let j = 0; j < H; j++) {
      const s = r * H + j;
      raw[s] = act[r * G + H + j] * cPrev[s] + act[r * G + j] * act[r * G + 2 * H + j];
    }
    const st = stats64(raw, r * H, H);
    cInv[r] = st.inv;
    for (let j = 0; j < H; j++) {
      const s = r * H + j;
      cXhat[s] = (raw[s] - st.mean) * st.inv;
      c[s] = p.cellGain[j] * cXhat[s] + p.cellBias[j];
      tanhC[s] = Math.tanh(c[s]);
      h[s] = act[r * G + 3 * H + j] * tanhC[s];
    }
  }
  return { act, c, tanhC, h, xhat, inv, cXhat, cInv };
}

interface LnGrads64 {
  dGates: Float64Array;
  dcPrev: Float64Array;
  dGain: Float64Array;
  dBias: Float64Array;
  dCellGain: Float64Array;
  dCellBias: Float64Array;
  /** Σ |term| of each accumulated gradient (its initial value included): the float32 error scale. */
  scaleGain: Float64Array;
  scaleBias: Float64Array;
  scaleCellGain: Float64Array;
  scaleCellBias: Float64Array;
}

/**
 * The LN cell backward in float64, evaluated on a forward's outputs and caches (the backend's own, so
 * that only the backward's arithmetic is compared); the parameter gradients start from init.
 */
function lnBackward64(
  rows: number,
  H: number,
  f: {
    act: ArrayLike<number>;
    tanhC: ArrayLike<number>;
    xhat: ArrayLike<number>;
    inv: ArrayLike<number>;
    cXhat: ArrayLike<number>;
    cInv: ArrayLike<number>;
  },
  cPrev: ArrayLike<number>,
  gain: ArrayLike<number>,
  cellGain: ArrayLike<number>,
  dh: ArrayLike<number>,
  dcIn: ArrayLike<number>,
  init: {
    gain: ArrayLike<number>;
    bias: ArrayLike<number>;
    cellGain: ArrayLike<number>;
    cellBias: ArrayLike<number>;
  },
): LnGrads64 {
  const G = 4 * H;
  const out: LnGrads64 = {
    dGates: new Float64Array(rows * G),
    dcPrev: new Float64Array(rows * H),
    dGain: Float64Array.from(init.gain),
    dBias: Float64Array.from(init.bias),
    dCellGain: Float64Array.from(init.cellGain),
    dCellBias: Float64Array.from(init.cellBias),
    scaleGain: Float64Array.from(init.gain, Math.abs),
    scaleBias: Float64Array.from(init.bias, Math.abs),
    scaleCellGain: Float64Array.from(init.cellGain, Math.abs),
    scaleCellBias: Float64Array.from(init.cellBias, Math.abs),
  };
  const dAct = new Float64Array(G);
  const dNorm = new Float64Array(H);
  for (let r = 0; r < rows; r++) {
    const g0 = r * G;
    let mD = 0;
    let mDX = 0;
    for (let j = 0; j < H; j++) {
      const s = r * H + j;
      const o = f.act[g0 + 3 * H + j];
      const t = f.tanhC[s];
      const d = dcIn[s] + dh[s] * o * (1 - t * t);
      dNorm[j] = d;
      dAct[3 * H + j] = dh[s] * t * o * (1 - o);
      out.dCellBias[j] += d;
      out.scaleCellBias[j] += Math.abs(d);
      out.dCellGain[j] += d * f.cXhat[s];
      out.scaleCellGain[j] += Math.abs(d * f.cXhat[s]);
      mD += d * cellGain[j];
      mDX += d * cellGain[j] * f.cXhat[s];
    }
    mD /= H;
    mDX /= H;
    for (let j = 0; j < H; j++) {
      const s = r * H + j;
      const dRaw = f.cInv[r] * (dNorm[j] * cellGain[j] - mD - f.cXhat[s] * mDX);
      const [i, fg, g] = [f.act[g0 + j], f.act[g0 + H + j], f.act[g0 + 2 * H + j]];
      dAct[j] = dRaw * g * i * (1 - i);
      dAct[H + j] = dRaw * cPrev[s] * fg * (1 - fg);
      dAct[2 * H + j] = dRaw * i * (1 - g * g);
      out.dcPrev[s] = dRaw * fg;
    }
    for (let k = 0; k < 4; k++) {
      let m = 0;
      let mx = 0;
      for (let j = 0; j < H; j++) {
        const q = k * H + j;
        const d = dAct[q];
        const xh = f.xhat[g0 + q];
        out.dBias[q] += d;
        out.scaleBias[q] += Math.abs(d);
        out.dGain[q] += d * xh;
        out.scaleGain[q] += Math.abs(d * xh);
        m += d * gain[q];
        mx += d * gain[q] * xh;
      }
      m /= H;
      mx /= H;
      for (let j = 0; j < H; j++) {
        const q = k * H + j;
        out.dGates[g0 + q] = f.inv[r * 4 + k] * (dAct[q] * gain[q] - m - f.xhat[g0 + q] * mx);
      }
    }
  }
  return out;
}

/** |got − want| <= tol · max(1, scale) elementwise, with a per-element error scale. */
function assertCloseScaled(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  scale: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(
      err <= tol * Math.max(1, scale[i]),
      `${what}[${i}] = ${got[i]}, want ${want[i]} (scale ${scale[i]})`,
    );
  }
}

function randomLnParams(rng: Rng, H: number): LnParams {
  return {
    gain: Float32Array.from({ length: 4 * H }, () => rng.uniform(0.5, 1.5)),
    bias: Float32Array.from({ length: 4 * H }, () => rng.uniform(-1, 1)),
    cellGain: Float32Array.from({ length: H }, () => rng.uniform(0.5, 1.5)),
    cellBias: Float32Array.from({ length: H }, () => rng.uniform(-0.5, 0.5)),
  };
}

// H around the vector widths (8, 16) and the policy's 256; rows 1, 3 and a train step's 100.
const LN_HIDDEN = [1, 7, 16, 33, 256];
const LN_ROWS = [1, 3, 100];

for (const v of cellVariants) {
  const backend = v.backend;
  testVariant('lstmCellLnForward/Backward match float64 references (odd H, views, accumulation)', v, () => {
    const rng = new Rng(17, 3);
    for (const H of LN_HIDDEN)
      for (const rows of LN_ROWS) {
        const n = rows * H;
        const label = `${v.label} LN rows ${rows} H ${H}`;
        const p = randomLnParams(rng, H);
        // Pre-activations with a per-row offset and spread, so that the normalisation has work to do.
        const gates = view(4 * n, 2);
        for (let r = 0; r < rows; r++) {
          const [mid, spread] = [rng.uniform(-3, 3), rng.uniform(0.2, 4)];
          for (let q = 0; q < 4 * H; q++) gates.v[r * 4 * H + q] = mid + spread * rng.uniform(-1, 1);
        }
        const pre = Float64Array.from(gates.v);
        const cPrev = randomF32(rng, n, -2, 2, 1);
        const outs = {
          c: view(n, 3),
          tanhC: view(n, 4),
          h: view(n, 5),
          gateXhat: view(4 * n, 6),
          gateInvStd: view(4 * rows, 7),
          cellXhat: view(n, 8),
          cellInvStd: view(rows, 9),
        };
        for (const o of Object.values(outs)) o.v.fill(NaN); // outputs only: old contents must not matter
        backend.lstmCellLnForward(
          rows,
          H,
          gates.v,
          cPrev.v,
          outs.c.v,
          outs.tanhC.v,
          outs.h.v,
          p.gain,
          p.bias,
          p.cellGain,
          p.cellBias,
          outs.gateXhat.v,
          outs.gateInvStd.v,
          outs.cellXhat.v,
          outs.cellInvStd.v,
        );
        const ref = lnForward64(rows, H, pre, cPrev.v, p);
        assertClose(gates.v, ref.act, TOL, `${label} activations`);
        assertClose(outs.c.v, ref.c, TOL, `${label} c`);
        assertClose(outs.tanhC.v, ref.tanhC, TOL, `${label} tanhC`);
        assertClose(outs.h.v, ref.h, TOL, `${label} h`);
        assertClose(outs.gateXhat.v, ref.xhat, TOL, `${label} gateXhat`);
        assertClose(outs.gateInvStd.v, ref.inv, TOL, `${label} gateInvStd`);
        assertClose(outs.cellXhat.v, ref.cXhat, TOL, `${label} cellXhat`);
        assertClose(outs.cellInvStd.v, ref.cInv, TOL, `${label} cellInvStd`);
        assertGuardsIntact(gates.whole, gates.offset, 4 * n, `${label} gates`);
        for (const [name, o] of Object.entries(outs))
          assertGuardsIntact(o.whole, o.offset, o.v.length, `${label} ${name}`);

        const dh = randomF32(rng, n, -1, 1, 6);
        const dc = randomF32(rng, n, -1, 1, 7);
        const dcIn = Float64Array.from(dc.v);
        const dGates = view(4 * n, 8);
        dGates.v.fill(NaN); // output only
        // The parameter gradients accumulate: start them away from zero.
        const grads = {
          gain: randomF32(rng, 4 * H, -1, 1, 1),
          bias: randomF32(rng, 4 * H, -1, 1, 2),
          cellGain: randomF32(rng, H, -1, 1, 3),
          cellBias: randomF32(rng, H, -1, 1, 4),
        };
        const init = {
          gain: Float64Array.from(grads.gain.v),
          bias: Float64Array.from(grads.bias.v),
          cellGain: Float64Array.from(grads.cellGain.v),
          cellBias: Float64Array.from(grads.cellBias.v),
        };
        backend.lstmCellLnBackward(
          rows,
          H,
          gates.v,
          cPrev.v,
          outs.tanhC.v,
          dh.v,
          dc.v,
          dGates.v,
          p.gain,
          p.cellGain,
          outs.gateXhat.v,
          outs.gateInvStd.v,
          outs.cellXhat.v,
          outs.cellInvStd.v,
          grads.gain.v,
          grads.bias.v,
          grads.cellGain.v,
          grads.cellBias.v,
        );
        const back = lnBackward64(
          rows,
          H,
          {
            act: gates.v,
            tanhC: outs.tanhC.v,
            xhat: outs.gateXhat.v,
            inv: outs.gateInvStd.v,
            cXhat: outs.cellXhat.v,
            cInv: outs.cellInvStd.v,
          },
          cPrev.v,
          p.gain,
          p.cellGain,
          dh.v,
          dcIn,
          init,
        );
        assertClose(dGates.v, back.dGates, TOL, `${label} dGates`);
        assertClose(dc.v, back.dcPrev, TOL, `${label} dcPrev`);
        assertCloseScaled(grads.gain.v, back.dGain, back.scaleGain, TOL, `${label} dGain`);
        assertCloseScaled(grads.bias.v, back.dBias, back.scaleBias, TOL, `${label} dBias`);
        assertCloseScaled(grads.cellGain.v, back.dCellGain, back.scaleCellGain, TOL, `${label} dCellGain`);
        assertCloseScaled(grads.cellBias.v, back.dCellBias, back.scaleCellBias, TOL, `${label} dCellBias`);
        assertGuardsIntact(dGates.whole, dGates.offset, 4 * n, `${label} dGates`);
        assertGuardsIntact(dc.whole, dc.offset, n, `${label} dc`);
        for (const [name, o] of Object.entries(grads))
          assertGuardsIntact(o.whole, o.offset, o.v.length, `${label} d${name}`);
      }
  });

  testVariant('lstmCellLnBackward matches central finite differences of a float64 loss', v, () => {
    const rng = new Rng(23, 4);
    for (const [rows, H] of [
      [1, 1],
      [2, 3],
      [3, 7],
      [2, 17],
    ]) {
      const n = rows * H;
      const label = `${v.label} LN rows ${rows} H ${H}`;
      // Float32-representable inputs, so the float64 loss sees exactly what the backend sees.
      const pre = Float32Array.from({ length: 4 * n }, () => rng.uniform(-3, 3));
      const cPrev = Float32Array.from({ length: n }, () => rng.uniform(-2, 2));
      const p = randomLnParams(rng, H);
      const wh = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
      const wc = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
      // L = Σ wh ⊙ h + Σ wc ⊙ c, so dL/dh = wh and the gradient arriving at c is wc.
      const loss = (x: {
        pre: ArrayLike<number>;
        cPrev: ArrayLike<number>;
        gain: ArrayLike<number>;
        bias: ArrayLike<number>;
        cellGain: ArrayLike<number>;
        cellBias: ArrayLike<number>;
      }): number => {
        const f = lnForward64(rows, H, x.pre, x.cPrev, x);
        let sum = 0;
        for (let s = 0; s < n; s++) sum += wh[s] * f.h[s] + wc[s] * f.c[s];
        return sum;
      };
      const base = { pre, cPrev, ...p };
      const central = (key: keyof typeof base): Float64Array => {
        const eps = 1e-6;
        const x = Float64Array.from(base[key]);
        const grad = new Float64Array(x.length);
        for (let k = 0; k < x.length; k++) {
          const old = x[k];
          x[k] = old + eps;
          const up = loss({ ...base, [key]: x });
          x[k] = old - eps;
          const down = loss({ ...base, [key]: x });
          x[k] = old;
          grad[k] = (up - down) / (2 * eps);
        }
        return grad;
      };

      const gates = Float32Array.from(pre);
      const [c, tanhC, h, cellXhat] = [0, 1, 2, 3].map(() => new Float32Array(n));
      const gateXhat = new Float32Array(4 * n);
      const gateInvStd = new Float32Array(4 * rows);
      const cellInvStd = new Float32Array(rows);
      backend.lstmCellLnForward(
        rows,
        H,
        gates,
        cPrev,
        c,
        tanhC,
        h,
        p.gain,
        p.bias,
        p.cellGain,
        p.cellBias,
        gateXhat,
        gateInvStd,
        cellXhat,
        cellInvStd,
      );
      const dc = Float32Array.from(wc);
      const dGates = new Float32Array(4 * n);
      const [dGain, dBias] = [new Float32Array(4 * H), new Float32Array(4 * H)];
      const [dCellGain, dCellBias] = [new Float32Array(H), new Float32Array(H)];
      backend.lstmCellLnBackward(
        rows,
        H,
        gates,
        cPrev,
        tanhC,
        wh,
        dc,
        dGates,
        p.gain,
        p.cellGain,
        gateXhat,
        gateInvStd,
        cellXhat,
        cellInvStd,
        dGain,
        dBias,
        dCellGain,
        dCellBias,
      );
      assertClose(dGates, central('pre'), TOL, `${label} dL/dgates`);
      assertClose(dc, central('cPrev'), TOL, `${label} dL/dcPrev`);
      assertClose(dGain, central('gain'), TOL, `${label} dL/dgain`);
      assertClose(dBias, central('bias'), TOL, `${label} dL/dbias`);
      assertClose(dCellGain, central('cellGain'), TOL, `${label} dL/dcellGain`);
      assertClose(dCellBias, central('cellBias'), TOL, `${label} dL/dcellBias`);
    }
  });

  testVariant('lstmCellLnForward gives the same results when c aliases cPrev', v, () => {
    const rng = new Rng(29);
    const [rows, H] = [3, 19];
    const n = rows * H;
    const p = randomLnParams(rng, H);
    const pre = Float32Array.from({ length: 4 * n }, () => rng.uniform(-3, 3));
    const cPrev = Float32Array.from({ length: n }, () => rng.uniform(-2, 2));
    const run = (alias: boolean) => {
      const gates = Float32Array.from(pre);
      const cp = Float32Array.from(cPrev);
      const c = alias ? cp : new Float32Array(n);
      const [tanhC, h, cellXhat] = [0, 1, 2].map(() => new Float32Array(n));
      const gateXhat = new Float32Array(4 * n);
      backend.lstmCellLnForward(
        rows,
        H,
        gates,
        cp,
        c,
        tanhC,
        h,
        p.gain,
        p.bias,
        p.cellGain,
        p.cellBias,
        gateXhat,
        new Float32Array(4 * rows),
        cellXhat,
        new Float32Array(rows),
      );
      return [gates, c, tanhC, h, gateXhat, cellXhat].map((a) => Array.from(a));
    };
    assert.deepEqual(run(true), run(false));
  });
}

// ---- The additive attention score ----

/** tanh(P + Q) and vᵀ tanh(P + Q) in float64, with Σ |v ⊙ hidden| as the scores' error scale. */
function additiveForward64(
  B: number,
  Ld: number,
  Le: number,
  H: number,
  P: ArrayLike<number>,
  Q: ArrayLike<number>,
  v: ArrayLike<number>,
): { hidden: Float64Array; scores: Float64Array; scale: Float64Array } {
  const hidden = new Float64Array(B * Ld * Le * H);
  const scores = new Float64Array(B * Ld * Le);
  const scale = new Float64Array(B * Ld * Le);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < Ld; t++)
      for (let i = 0; i < Le; i++) {
        const s = (b * Ld + t) * Le + i;
        for (let j = 0; j < H; j++) {
          const th = Math.tanh(P[(b * Le + i) * H + j] + Q[(b * Ld + t) * H + j]);
          hidden[s * H + j] = th;
          scores[s] += v[j] * th;
          scale[s] += Math.abs(v[j] * th);
        }
      }
  return { hidden, scores, scale };
}

/** The backward in float64 on a given hidden, accumulating onto init; Σ |term| as the error scales. */
function additiveBackward64(
  B: number,
  Ld: number,
  Le: number,
  H: number,
  v: ArrayLike<number>,
  hidden: ArrayLike<number>,
  dScores: ArrayLike<number>,
  init: { dP: ArrayLike<number>; dQ: ArrayLike<number>; dv: ArrayLike<number> },
) {
  const out = {
    dP: Float64Array.from(init.dP),
    dQ: Float64Array.from(init.dQ),
    dv: Float64Array.from(init.dv),
    scaleP: Float64Array.from(init.dP, Math.abs),
    scaleQ: Float64Array.from(init.dQ, Math.abs),
    scaleV: Float64Array.from(init.dv, Math.abs),
  };
  for (let b = 0; b < B; b++)
    for (let t = 0; t < Ld; t++)
      for (let i = 0; i < Le; i++) {
        const s = (b * Ld + t) * Le + i;
        const ds = dScores[s];
        if (ds === 0) continue;
        for (let j = 0; j < H; j++) {
          const th = hidden[s * H + j];
          out.dv[j] += ds * th;
          out.scaleV[j] += Math.abs(ds * th);
          const d = ds * v[j] * (1 - th * th);
          out.dP[(b * Le + i) * H + j] += d;
          out.scaleP[(b * Le + i) * H + j] += Math.abs(d);
          out.dQ[(b * Ld + t) * H + j] += d;
          out.scaleQ[(b * Ld + t) * H + j] += Math.abs(d);
        }
      }
  return out;
}

// [B, Ld, Le]: one query on one key, a small batch, a decoding step (Ld = 1) and a train step's 100
// sequences, with each H of LN_HIDDEN.
const ATTENTION_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 4, 5],
  [100, 1, 7],
  [100, 3, 2],
];

for (const v of cellVariants) {
  const backend = v.backend;
  testVariant(
    'additiveAttentionForward/Backward match float64 references (odd H, views, accumulation)',
    v,
    () => {
      const rng = new Rng(31, 5);
      for (const H of LN_HIDDEN)
        for (const [B, Ld, Le] of ATTENTION_SHAPES) {
          const label = `${v.label} additive B ${B} Ld ${Ld} Le ${Le} H ${H}`;
          const nS = B * Ld * Le;
          const P = randomF32(rng, B * Le * H, -2, 2, 1);
          const Q = randomF32(rng, B * Ld * H, -2, 2, 2);
          const vec = randomF32(rng, H, -1, 1, 3);
          const hidden = view(nS * H, 4);
          const scores = view(nS, 5);
          hidden.v.fill(NaN);
          scores.v.fill(NaN);
          backend.additiveAttentionForward(B, Ld, Le, H, P.v, Q.v, vec.v, hidden.v, scores.v);
          const ref = additiveForward64(B, Ld, Le, H, P.v, Q.v, vec.v);
          assertClose(hidden.v, ref.hidden, TOL, `${label} hidden`);
          assertCloseScaled(scores.v, ref.scores, ref.scale, TOL, `${label} scores`);
          assertGuardsIntact(hidden.whole, hidden.offset, nS * H, `${label} hidden`);
          assertGuardsIntact(scores.whole, scores.offset, nS, `${label} scores`);

          // About a third of dScores exactly 0 (masked keys): their hidden rows must not even be read.
          const dScores = randomF32(rng, nS, -1, 1, 6);
          for (let s = 0; s < nS; s++) if (rng.next() < 0.33) dScores.v[s] = 0;
          const hid = Float32Array.from(hidden.v);
          for (let s = 0; s < nS; s++) if (dScores.v[s] === 0) hidden.v.fill(NaN, s * H, (s + 1) * H);
          const dP = randomF32(rng, B * Le * H, -1, 1, 7);
          const dQ = randomF32(rng, B * Ld * H, -1, 1, 8);
          const dv = randomF32(rng, H, -1, 1, 9);
          const init = {
            dP: Float64Array.from(dP.v),
            dQ: Float64Array.from(dQ.v),
            dv: Float64Array.from(dv.v),
          };
          backend.additiveAttentionBackward(B, Ld, Le, H, vec.v, hidden.v, dScores.v, dP.v, dQ.v, dv.v);
          const back = additiveBackward64(B, Ld, Le, H, vec.v, hid, dScores.v, init);
          assertCloseScaled(dP.v, back.dP, back.scaleP, TOL, `${label} dP`);
          assertCloseScaled(dQ.v, back.dQ, back.scaleQ, TOL, `${label} dQ`);
          assertCloseScaled(dv.v, back.dv, back.scaleV, TOL, `${label} dv`);
          for (const [name, x] of [
            ['dP', dP],
            ['dQ', dQ],
            ['dv', dv],
          ] as const)
            assertGuardsIntact(x.whole, x.offset, x.v.length, `${label} ${name}`);
        }
    },
  );

  testVariant('biasTanh matches a float64 reference (odd widths, with and without a bias, views)', v, () => {
    const rng = new Rng(41, 7);
    for (const cols of [1, 3, 8, 16, 17, 33, 64])
      for (const rows of [1, 5])
        for (const withBias of [true, false]) {
          const label = `${v.label} biasTanh ${rows}×${cols} ${withBias ? 'bias' : 'no bias'}`;
          const y = randomF32(rng, rows * cols, -12, 12, 1);
          const bias = withBias ? randomF32(rng, cols, -1, 1, 2).v : null;
          const ref = Float64Array.from(y.v, (x, k) => Math.tanh(x + (bias ? bias[k % cols] : 0)));
          backend.biasTanh(rows, cols, y.v, bias);
          assertClose(y.v, ref, TOL, label);
          assertGuardsIntact(y.whole, y.offset, rows * cols, label);
        }
  });

  testVariant('additiveAttentionBackward matches central finite differences of a float64 loss', v, () => {
    const rng = new Rng(37, 6);
    for (const [B, Ld, Le, H] of [
      [1, 1, 1, 1],
      [2, 2, 3, 5],
      [2, 3, 2, 17],
    ]) {
      const label = `${v.label} additive B ${B} Ld ${Ld} Le ${Le} H ${H}`;
      const nS = B * Ld * Le;
      const base = {
        P: Float32Array.from({ length: B * Le * H }, () => rng.uniform(-2, 2)),
        Q: Float32Array.from({ length: B * Ld * H }, () => rng.uniform(-2, 2)),
        v: Float32Array.from({ length: H }, () => rng.uniform(-1, 1)),
      };
      const w = Float32Array.from({ length: nS }, () => rng.uniform(-1, 1));
      // L = Σ w ⊙ scores, so dL/dscores = w.
      const loss = (x: typeof base | Record<keyof typeof base, ArrayLike<number>>): number => {
        const f = additiveForward64(B, Ld, Le, H, x.P, x.Q, x.v);
        let sum = 0;
        for (let s = 0; s < nS; s++) sum += w[s] * f.scores[s];
        return sum;
      };
      const central = (key: keyof typeof base): Float64Array => {
        const eps = 1e-6;
        const x = Float64Array.from(base[key]);
        const grad = new Float64Array(x.length);
        for (let k = 0; k < x.length; k++) {
          const old = x[k];
          x[k] = old + eps;
          const up = loss({ ...base, [key]: x });
          x[k] = old - eps;
          const down = loss({ ...base, [key]: x });
          x[k] = old;
          grad[k] = (up - down) / (2 * eps);
        }
        return grad;
      };
      const hidden = new Float32Array(nS * H);
      backend.additiveAttentionForward(B, Ld, Le, H, base.P, base.Q, base.v, hidden, new Float32Array(nS));
      const [dP, dQ, dv] = [B * Le * H, B * Ld * H, H].map((len) => new Float32Array(len));
      backend.additiveAttentionBackward(B, Ld, Le, H, base.v, hidden, w, dP, dQ, dv);
      assertClose(dP, central('P'), TOL, `${label} dL/dP`);
      assertClose(dQ, central('Q'), TOL, `${label} dL/dQ`);
      assertClose(dv, central('v'), TOL, `${label} dL/dv`);
    }
  });
}

if (native) {
  const nat = native;
  test('native layer-norm cell and additive attention kernels reject short arrays with RangeError', () => {
    const [rows, H] = [2, 4];
    const n = rows * H;
    const f = (k: number): Float32Array => new Float32Array(k);
    // Each call lists its arrays with the right lengths; `short` (an index) gets one element too few.
    const lnForward = (short: number) => {
      const lens = [4 * n, n, n, n, n, 4 * H, 4 * H, H, H, 4 * n, 4 * rows, n, rows];
      const a = lens.map((len, i) => f(i === short ? len - 1 : len));
      nat.lstmCellLnForward(
        rows,
        H,
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        a[5],
        a[6],
        a[7],
        a[8],
        a[9],
        a[10],
        a[11],
        a[12],
      );
    };
    const lnBackward = (short: number) => {
      const lens = [4 * n, n, n, n, n, 4 * n, 4 * H, H, 4 * n, 4 * rows, n, rows, 4 * H, 4 * H, H, H];
      const a = lens.map((len, i) => f(i === short ? len - 1 : len));
      nat.lstmCellLnBackward(
        rows,
        H,
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        a[5],
        a[6],
        a[7],
        a[8],
        a[9],
        a[10],
        a[11],
        a[12],
        a[13],
        a[14],
        a[15],
      );
    };
    const [B, Ld, Le] = [2, 3, 5];
    const attForward = (short: number) => {
      const lens = [B * Le * H, B * Ld * H, H, B * Ld * Le * H, B * Ld * Le];
      const a = lens.map((len, i) => f(i === short ? len - 1 : len));
      nat.additiveAttentionForward(B, Ld, Le, H, a[0], a[1], a[2], a[3], a[4]);
    };
    const attBackward = (short: number) => {
      const lens = [H, B * Ld * Le * H, B * Ld * Le, B * Le * H, B * Ld * H, H];
      const a = lens.map((len, i) => f(i === short ? len - 1 : len));
      nat.additiveAttentionBackward(B, Ld, Le, H, a[0], a[1], a[2], a[3], a[4], a[5]);
    };
    for (const [name, call, count] of [
      ['lstmCellLnForward', lnForward, 13],
      ['lstmCellLnBackward', lnBackward, 16],
      ['additiveAttentionForward', attForward, 5],
      ['additiveAttentionBackward', attBackward, 6],
    ] as const) {
      call(-1); // all lengths right: no throw
      for (let i = 0; i < count; i++)
        assert.throws(() => call(i), RangeError, `${name}: array ${i} one short`);
    }
    assert.throws(
      () => nat.additiveAttentionForward(B, Ld, -1, H, f(0), f(0), f(0), f(0), f(0)),
      RangeError,
      'negative size',
    );
  });
}

test('getBackend falls back to js with a one-line notice (once), and MRLCO_BACKEND forces a choice', () => {
  const selectUrl = new URL('../src/nn/select-backend.js', import.meta.url).href;
  const script = `
    const { getBackend, backendInfo } = await import(${JSON.stringify(selectUrl)});
    let out;
    try { out = [getBackend().name, getBackend().name, backendInfo().backend]; } catch (e) { out = ['threw', e.message]; }
    console.log(JSON.stringify(out));`;
  const run = (env: Record<string, string>): { out: string[]; stderr: string } => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, MRLCO_BACKEND: '', ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return { out: JSON.parse(r.stdout) as string[], stderr: r.stderr };
  };
  const missing = { MRLCO_NATIVE_PATH: '/nonexistent/mrlco_nn.node' };

  const fallback = run(missing);
  assert.deepEqual(fallback.out, ['js', 'js', 'js']);
  assert.equal(
    fallback.stderr,
    'mrlco: native backend unavailable, using the pure TypeScript backend (slower); see README\n',
  );

  const forcedNative = run({ ...missing, MRLCO_BACKEND: 'native' });
  assert.equal(forcedNative.out[0], 'threw');
  assert.match(forcedNative.out[1], /^MRLCO_BACKEND=native but the native backend is unavailable: [^\n]+$/);

  const forcedJs = run({ MRLCO_BACKEND: 'js' });
  assert.deepEqual(forcedJs.out, ['js', 'js', 'js']);
  assert.equal(forcedJs.stderr, '');

  assert.equal(run({ MRLCO_BACKEND: 'gpu' }).out[0], 'threw');

  if (native) {
    const byDefault = run({});
    assert.deepEqual(byDefault.out, ['native', 'native', 'native']);
    assert.equal(byDefault.stderr, '');
  }
});

test('the GEMM is chosen by measurement: mrlco info shows each candidate and the fastest is in use; MRLCO_GEMM overrides', () => {
  const cli = fileURLToPath(new URL('../../bin/mrlco.js', import.meta.url));
  const info = (env: Record<string, string>) => {
    const { MRLCO_GEMM: _ignored, ...rest } = process.env;
    const r = spawnSync(process.execPath, [cli, 'info', '--json'], {
      encoding: 'utf8',
      env: { ...rest, ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as {
      backend: string;
      gemm: string;
      gemmSource: string | null;
      gemmCandidates: Record<string, { gflops: number }>;
    };
  };
  const auto = info({});
  if (auto.backend !== 'native') return;
  const names = Object.keys(auto.gemmCandidates);
  assert.ok(names.includes('openblas'), names.join(','));
  for (const c of Object.values(auto.gemmCandidates)) assert.ok(c.gflops > 0);
  const fastest = names.sort((a, b) => auto.gemmCandidates[b].gflops - auto.gemmCandidates[a].gflops)[0];
  assert.equal(auto.gemm, fastest);
  assert.match(String(auto.gemmSource), /^(measured|cache)$/);
  // A second process reads the same choice from the machine's cache.
  const again = info({});
  assert.equal(again.gemm, auto.gemm);
  assert.equal(again.gemmSource, 'cache');
  const forced = info({ MRLCO_GEMM: 'openblas' });
  assert.equal(forced.gemm, 'openblas');
  assert.equal(forced.gemmSource, 'MRLCO_GEMM');
});
