/**
 * Picks the compute backend: `native` (OpenBLAS addon) when it loads, else the pure TypeScript one.
 * MRLCO_BACKEND=js|native forces a choice — js for bit-for-bit reproducible reference runs, native to
 * make a missing addon an error rather than a silent slowdown. Thread count is OpenBLAS's own business
 * (it reads OPENBLAS_NUM_THREADS at load); OPENBLAS_CORETYPE is likewise left to the environment.
 */
import type { Backend, BackendName } from './backend.js';
import { jsBackend } from './js-backend.js';
import {
  loadNativeBackend,
  nativeBlasInfo,
  nativeGemmCalibration,
  nativeLoadError,
  type BlasInfo,
} from './native-backend.js';

let noticePrinted = false;

function requested(): BackendName | undefined {
  const value = process.env.MRLCO_BACKEND?.trim();
  if (!value) return undefined;
  if (value === 'js' || value === 'native') return value;
  throw new Error(`MRLCO_BACKEND must be 'js' or 'native', got '${value}'`);
}

/** The backend to use; see the module comment. Throws only for a bad or unsatisfiable MRLCO_BACKEND. */
export function getBackend(): Backend {
  const want = requested();
  if (want === 'js') return jsBackend;
  const native = loadNativeBackend();
  if (native) return native;
  if (want === 'native') {
    throw new Error(
      `MRLCO_BACKEND=native but the native backend is unavailable: ${nativeLoadError() ?? 'unknown reason'}`,
    );
  }
  if (!noticePrinted) {
    noticePrinted = true;
    process.stderr.write(
      'mrlco: native backend unavailable, using the pure TypeScript backend (slower); see README\n',
    );
  }
  return jsBackend;
}

export interface BackendInfo {
  backend: BackendName;
  blas: BlasInfo | null;
  /** The GEMM in use: the js backend's own, or the native one's (null if the addon could not say). */
  gemm: BlasInfo['gemm'] | 'js' | null;
  node: string;
  openblasNumThreads: string | null;
  /** MRLCO_GEMM as set (openblas|builtin|...), which overrides the native GEMM choice. */
  mrlcoGemm: string | null;
  /** Each native GEMM candidate's measured throughput on the policy's shapes (empty under MRLCO_GEMM). */
  gemmCandidates: Record<string, { gflops: number }>;
  /** How the GEMM was chosen: measured now, from this machine's cache, or MRLCO_GEMM. */
  gemmSource: string | null;
}

/** What `mrlco info` reports: the backend in use, OpenBLAS details, and the settings that affect speed. */
export function backendInfo(): BackendInfo {
  const backend = getBackend().name;
  const blas = backend === 'native' ? nativeBlasInfo() : null;
  return {
    backend,
    blas,
    gemm: backend === 'js' ? 'js' : (blas?.gemm ?? null),
    node: process.version,
    openblasNumThreads: process.env.OPENBLAS_NUM_THREADS ?? null,
    mrlcoGemm: process.env.MRLCO_GEMM ?? null,
    gemmCandidates: backend === 'native' ? (nativeGemmCalibration()?.candidates ?? {}) : {},
    gemmSource: backend === 'native' ? (nativeGemmCalibration()?.source ?? null) : null,
  };
}
