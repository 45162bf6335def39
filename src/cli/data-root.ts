/** The paper's datasets: $MRLCO_DATA_ROOT, else ../shared/data/reference beside the checkout. */
export function defaultDataRoot(): string {
  return process.env.MRLCO_DATA_ROOT ?? '../shared/data/reference';
}

/**
 * With inner loops in worker threads, one BLAS thread per worker keeps the cores from being
 * oversubscribed. OpenBLAS reads the variable when it loads, so this must run before the backend loads;
 * a value the user set is kept.
 */
export function limitBlasThreadsForWorkers(workers: number): void {
  if (workers > 0 && process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = '1';
}
