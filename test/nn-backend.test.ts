/**
 * Both compute backends against float64 references: GEMM over all transpose flags, odd sizes, padded
 * strides, subarray views and alpha/beta corner cases; the LSTM cell kernels against a float64 forward,
 * a float64 backward and central finite differences. The native backend is tested whenever it loads,
 * and must load whenever build/Release/mrlco_nn.node exists (a built-but-broken addon is a failure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Backend } from '../src/nn/backend.js';
import { jsBackend } from '../src/nn/js-backend.js';
import {
  loadNativeBackend,
  nativeAddonPath,
  nativeBlasInfo,
  nativeLoadError,
} from '../src/nn/native-backend.js';
import { Rng } from '../src/util/rng.js';

const addonPath = nativeAddonPath();
const addonBuilt = addonPath !== undefined && existsSync(addonPath);
const native = loadNativeBackend();
const backends: Backend[] = native ? [jsBackend, native] : [jsBackend];

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
function checkGemm(backend: Backend, rng: Rng, shape: GemmShape): void {
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
      const label = `${backend.name} ${JSON.stringify({ ...shape, alpha, beta })}`;
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
  assertGuardsIntact(A.whole, A.offset, lenA, `${backend.name} A`);
  assertGuardsIntact(B.whole, B.offset, lenB, `${backend.name} B`);
}

for (const backend of backends) {
  test(`${backend.name} gemm matches a float64 reference (transposes, odd sizes, strides, views, alpha/beta)`, () => {
    const rng = new Rng(20210101);
    const sizes = [1, 3, 17, 64];
    let n = 0;
    for (const transA of [false, true])
      for (const transB of [false, true])
        for (const M of sizes)
          for (const N of sizes)
            for (const K of sizes) {
              // Cycle the stride padding (0 = tight rows) so every shape sees padded strides somewhere.
              checkGemm(backend, rng, { transA, transB, M, N, K, pad: [0, 2, 5][n++ % 3] });
            }
  });

  test(`${backend.name} gemm with beta 0 discards NaN in C, also when alpha is 0 or K is 0`, () => {
    for (const [alpha, K] of [
      [0, 4],
      [1, 0],
      [1, 4],
    ]) {
      const A = new Float32Array(Math.max(1, 2 * K)).fill(1);
      const B = new Float32Array(Math.max(1, 3 * K)).fill(1);
      const C = new Float32Array(6).fill(NaN);
      backend.gemm(false, false, 2, 3, K, alpha, A, Math.max(1, K), B, 3, 0, C, 3);
      assert.deepEqual(Array.from(C), new Array(6).fill(alpha * K), `alpha ${alpha}, K ${K}`);
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

const LSTM_SHAPES: [number, number][] = [
  [1, 1],
  [3, 5],
  [2, 17],
  [4, 64],
];

for (const backend of backends) {
  test(`${backend.name} lstmCellForward/Backward match float64 references (on subarray views)`, () => {
    const rng = new Rng(7, 1);
    for (const [rows, H] of LSTM_SHAPES) {
      const n = rows * H;
      const label = `${backend.name} rows ${rows} H ${H}`;
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

  test(`${backend.name} lstmCellBackward matches central finite differences of a scalar loss`, () => {
    const rng = new Rng(11, 2);
    for (const [rows, H] of LSTM_SHAPES.slice(0, 3)) {
      const n = rows * H;
      const label = `${backend.name} rows ${rows} H ${H}`;
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
