/**
 * The `native` backend: the N-API addon built from native/mrlco_nn.cc (OpenBLAS SGEMM plus fused LSTM
 * cell and additive-attention kernels) by `npm install`. Loading is optional — when the addon was not
 * built (no libopenblas-dev, MRLCO_SKIP_NATIVE=1, ...) or does not load, the functions here return
 * undefined/null and never throw, so the caller can fall back to the TypeScript backend (see
 * select-backend.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend.js';
import { applyGemmCalibration, type GemmCalibration } from './gemm-calibration.js';

/**
 * What OpenBLAS reports about itself, and which kernels the addon runs; `mrlco info` shows it so slow
 * runs can be diagnosed. `gemm` is the GEMM chosen by measurement on this machine (gemm-calibration.ts);
 * MRLCO_GEMM overrides.
 */
export interface BlasInfo {
  library: string;
  threads: number;
  coreType: string;
  gemm: 'openblas' | 'builtin-avx2' | 'builtin-avx512';
  /** Threads of that GEMM: OpenBLAS's own, or for the builtin min(2, OpenBLAS's) on large products. */
  gemmThreads: number;
  /**
   * The LSTM cell (plain and layer-normalised) and additive attention kernels: vectorised when the CPU
   * has AVX2+FMA / AVX-512.
   */
  cell: 'scalar' | 'avx2' | 'avx512';
}

/** The Backend methods, which the addon exports under the same names and with the same signatures. */
const KERNELS = [
  'gemm',
  'lstmCellForward',
  'lstmCellBackward',
  'lstmCellLnForward',
  'lstmCellLnBackward',
  'additiveAttentionForward',
  'additiveAttentionBackward',
  'biasTanh',
] as const satisfies readonly (keyof Backend)[];

interface Addon extends Pick<Backend, (typeof KERNELS)[number]> {
  blasInfo(): BlasInfo;
  gemmKernel(): string;
  setGemmKernel(name: string): string;
}

const PACKAGE_NAME = 'mrlco';
const ADDON_RELATIVE = join('build', 'Release', 'mrlco_nn.node');

/**
 * The package root is the nearest folder above this module holding mrlco's package.json. Walking up
 * (rather than a fixed '../../..') keeps this right for dist/src/nn/*.js, for a copy of dist with its
 * own package.json, and for the .ts source run directly.
 */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME)
          return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Where the addon is expected: MRLCO_NATIVE_PATH (an explicit .node file, for unusual layouts) or
 * build/Release/mrlco_nn.node under the package root. Undefined when no root is found.
 */
export function nativeAddonPath(): string | undefined {
  const override = process.env.MRLCO_NATIVE_PATH;
  if (override) return resolve(override);
  const root = packageRoot();
  return root === undefined ? undefined : join(root, ADDON_RELATIVE);
}

let loaded:
  | {
      backend: Backend | undefined;
      addon: Addon | undefined;
      error: string | undefined;
      calibration?: GemmCalibration;
    }
  | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const path = nativeAddonPath();
  try {
    if (path === undefined) throw new Error(`no ${PACKAGE_NAME} package.json found above ${import.meta.url}`);
    if (!existsSync(path))
      throw new Error(`${path} does not exist (install libopenblas-dev, then npm rebuild)`);
    const addon = createRequire(import.meta.url)(path) as Partial<Addon>;
    for (const fn of [...KERNELS, 'blasInfo', 'gemmKernel', 'setGemmKernel'] as const) {
      if (typeof addon[fn] !== 'function')
        throw new Error(`${path} does not export ${fn}() (built from older sources? npm rebuild)`);
    }
    const a = addon as Addon;
    // The addon's functions already have the Backend signatures; use them directly (no wrapper call).
    const backend: Backend = {
      name: 'native',
      gemm: a.gemm,
      lstmCellForward: a.lstmCellForward,
      lstmCellBackward: a.lstmCellBackward,
      lstmCellLnForward: a.lstmCellLnForward,
      lstmCellLnBackward: a.lstmCellLnBackward,
      additiveAttentionForward: a.additiveAttentionForward,
      additiveAttentionBackward: a.additiveAttentionBackward,
      biasTanh: a.biasTanh,
    };
    // The GEMM by measurement on this machine (cached), unless MRLCO_GEMM says which.
    const calibration = applyGemmCalibration(a, path);
    loaded = { backend, addon: a, error: undefined, calibration };
  } catch (e) {
    // Keep only the first line: dlopen errors can be long, and callers print this as one line.
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    loaded = { backend: undefined, addon: undefined, error: message };
  }
  return loaded;
}

/** The native backend, or undefined when the addon is missing or does not load. Never throws. */
export function loadNativeBackend(): Backend | undefined {
  return load().backend;
}

/** Why the native backend is unavailable (one line), or undefined when it loaded. */
export function nativeLoadError(): string | undefined {
  return load().error;
}

/** How the GEMM was chosen (each candidate's measured GFLOPS), or undefined without the addon. */
export function nativeGemmCalibration(): GemmCalibration | undefined {
  return load().calibration;
}

/** OpenBLAS's build string, thread count and selected core, or null without the addon. */
export function nativeBlasInfo(): BlasInfo | null {
  const addon = load().addon;
  if (!addon) return null;
  try {
    return addon.blasInfo();
  } catch {
    return null;
  }
}
