/**
 * Units of daggen DOT files as the paper's public datasets use them (see docs/formats.md).
 * A node's `size` is both its computation and its upload volume, `expect_size` its result volume.
 * With these factors the paper's SI parameters (1 GHz, 10 GHz, 7 Mbit/s) reproduce its numbers in ms.
 */
const MEBI = 1024 * 1024;

export const cyclesFromSize = (size: number): number => (size * 1e6) / MEBI;
export const bytesFromSize = (size: number): number => (size * 1e3) / MEBI;
export const sizeFromCycles = (cycles: number): number => (cycles * MEBI) / 1e6;
export const sizeFromBytes = (bytes: number): number => (bytes * MEBI) / 1e3;
