/** The paper's datasets: $MRLCO_DATA_ROOT, else ../shared/data/reference beside the checkout. */
export function defaultDataRoot(): string {
  return process.env.MRLCO_DATA_ROOT ?? '../shared/data/reference';
}
