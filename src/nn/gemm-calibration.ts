/**
 * The native GEMM chosen by measurement, not by core name: a short calibration (a few hundred ms) times
 * each GEMM the addon can run (OpenBLAS, the builtin AVX2 and AVX-512 kernels) at the policy networks'
 * shapes and keeps the fastest. The choice is cached per machine and build (beside the addon, keyed by
 * the CPU model, the thread setting and the addon file), so that every process on a machine uses the
 * same kernel (the kernels differ in float rounding) and only the first one pays for the measurement;
 * concurrent first processes wait for one of them to measure. MRLCO_GEMM overrides it.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Backend } from './backend.js';

/** The addon's GEMM and its kernel switch. */
export interface GemmHooks extends Pick<Backend, 'gemm'> {
  gemmKernel(): string;
  setGemmKernel(name: string): string;
}

export interface GemmCalibration {
  key: string;
  /** The kernel in use. */
  choice: string;
  /** Each candidate's throughput over the calibration shapes. */
  candidates: Record<string, { gflops: number }>;
  /** 'measured' (this process), 'cache' (an earlier one on this machine and build), 'MRLCO_GEMM'. */
  source: 'measured' | 'cache' | 'MRLCO_GEMM';
}

const CANDIDATES = ['openblas', 'builtin-avx2', 'builtin-avx512'];
/** [transA, M, N, K]: the MLP's and the seq2seq's forward, input-gradient and weight-gradient products. */
const SHAPES: [boolean, number, number, number][] = [
  [false, 2048, 64, 38],
  [false, 2048, 64, 64],
  [true, 64, 64, 2048],
  [false, 1024, 256, 128],
  [true, 128, 256, 1024],
];
const MS_PER_SHAPE = 12;
const WAIT_MS = 10_000;

function keyOf(addonPath: string): string {
  const mtime = existsSync(addonPath) ? statSync(addonPath).mtimeMs : 0;
  return `${cpus()[0]?.model ?? 'cpu'}|threads=${process.env.OPENBLAS_NUM_THREADS ?? ''}|${mtime}`;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Times `kernel` over SHAPES; GFLOPS of the whole mix. */
function measure(hooks: GemmHooks, kernel: string): number {
  hooks.setGemmKernel(kernel);
  let flops = 0;
  let seconds = 0;
  for (const [transA, M, N, K] of SHAPES) {
    const A = new Float32Array(M * K).fill(0.5);
    const B = new Float32Array(K * N).fill(0.25);
    const C = new Float32Array(M * N);
    const lda = transA ? M : K;
    const run = () => hooks.gemm(transA, false, M, N, K, 1, A, lda, B, N, 0, C, N);
    run();
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < MS_PER_SHAPE) {
      run();
      reps++;
      t = performance.now();
    }
    flops += 2 * M * N * K * reps;
    seconds += (t - t0) / 1000;
  }
  return flops / seconds / 1e9;
}

function measureAll(hooks: GemmHooks, key: string): GemmCalibration {
  const initial = hooks.gemmKernel();
  const candidates: Record<string, { gflops: number }> = {};
  for (const name of CANDIDATES) {
    try {
      candidates[name] = { gflops: measure(hooks, name) };
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // a kernel this CPU cannot run
    }
  }
  hooks.setGemmKernel(initial);
  const best = Object.entries(candidates).sort((a, b) => b[1].gflops - a[1].gflops)[0]?.[0] ?? initial;
  return { key, choice: best, candidates, source: 'measured' };
}

function readCache(path: string, key: string): GemmCalibration | undefined {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as GemmCalibration;
    return c.key === key && typeof c.choice === 'string' ? { ...c, source: 'cache' } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets the addon's GEMM to the calibrated choice (measuring and caching it if this machine and build
 * have none) and returns the calibration; with MRLCO_GEMM set, leaves the addon's choice alone.
 */
export function applyGemmCalibration(hooks: GemmHooks, addonPath: string): GemmCalibration {
  const key = keyOf(addonPath);
  if (process.env.MRLCO_GEMM)
    return { key, choice: hooks.gemmKernel(), candidates: {}, source: 'MRLCO_GEMM' };
  // The kernel is process-wide: a worker thread keeps the one its process's main thread chose, and
  // never switches it under the threads already computing.
  if (!isMainThread) return { key, choice: hooks.gemmKernel(), candidates: {}, source: 'cache' };
  const cachePath = join(dirname(addonPath), 'gemm-calibration.json');
  const lockPath = `${cachePath}.lock`;
  let cal = readCache(cachePath, key);
  for (let waited = 0; !cal;) {
    let mine = false;
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      mine = true;
    } catch {
      // Another process is measuring (or the folder is read-only: measure without caching below).
    }
    if (mine) {
      try {
        cal = measureAll(hooks, key);
        writeFileAtomic(cachePath, JSON.stringify({ ...cal, source: undefined }, null, 1) + '\n');
      } catch {
        // Not writable: this process keeps its measurement.
      } finally {
        rmSync(lockPath, { force: true });
      }
      break;
    }
    if (waited >= WAIT_MS) {
      // A lock left by a killed process, or a read-only build folder: measure for this process only.
      rmSync(lockPath, { force: true });
      cal = measureAll(hooks, key);
      break;
    }
    sleep(50);
    waited += 50;
    cal = readCache(cachePath, key);
  }
  cal ??= measureAll(hooks, key);
  hooks.setGemmKernel(cal.choice);
  return cal;
}
