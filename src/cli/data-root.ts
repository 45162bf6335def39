/** The paper's datasets: $MRLCO_DATA_ROOT, else ../shared/data/reference beside the checkout. */
export function defaultDataRoot(): string {
  return process.env.MRLCO_DATA_ROOT ?? '../shared/data/reference';
}

/** Link traces (Mahimahi's): $MRLCO_TRACES, else ../shared/data/traces/mahimahi beside the checkout. */
export function defaultTraces(): string {
  return process.env.MRLCO_TRACES ?? '../shared/data/traces/mahimahi';
}
