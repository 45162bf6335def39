/**
 * The native addon's kernel switches (test hooks, not part of the Backend contract; the same module
 * instance as the loaded native backend), shared by the backend tests and the kernel benchmark.
 */
import { createRequire } from 'node:module';
import { nativeAddonPath } from '../../src/nn/native-backend.js';

export interface KernelHooks {
  gemmKernel(): string;
  setGemmKernel(name: string): string;
  /** Returns the previous count. */
  setGemmThreads(threads: number): number;
  cellKernel(): string;
  setCellKernel(name: string): string;
}

export interface NativeKernels {
  hooks: KernelHooks;
  /** Puts back the kernels chosen at load (MRLCO_GEMM included). */
  restore(): void;
  /** The GEMM and cell kernels this CPU runs (a setter throws RangeError for an ISA the CPU lacks). */
  gemmKernels: string[];
  cellKernels: string[];
}

/** The switches, when the native backend loaded (`nativeLoaded`); undefined otherwise. */
export function nativeKernels(nativeLoaded: boolean): NativeKernels | undefined {
  const path = nativeAddonPath();
  if (!nativeLoaded || !path) return undefined;
  const hooks = createRequire(import.meta.url)(path) as KernelHooks;
  const initialGemm = hooks.gemmKernel();
  const initialCell = hooks.cellKernel();
  const restore = (): void => {
    hooks.setGemmKernel(initialGemm);
    hooks.setCellKernel(initialCell);
  };
  const runnable = (set: (name: string) => string, names: string[]): string[] => {
    const ok = names.filter((name) => {
      try {
        set(name);
        return true;
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return false;
      }
    });
    restore();
    return ok;
  };
  return {
    hooks,
    restore,
    gemmKernels: runnable((n) => hooks.setGemmKernel(n), ['openblas', 'builtin-avx2', 'builtin-avx512']),
    cellKernels: runnable((n) => hooks.setCellKernel(n), ['scalar', 'avx2', 'avx512']),
  };
}
