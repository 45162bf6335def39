/**
 * The paper's Table 3 as a GitHub Markdown table (average latency in ms per test set and method, each
 * with its gap to the optimum), and the learning curves behind Figs. 6-8 as CSV.
 */

export interface Table3Row {
  testSet: string;
  heftMs: number;
  greedyMs: number;
  /** Mean over the test set of the optimal (or best found, see optimalProven) makespan. */
  optimalMs?: number;
  /** How many of the set's DAGs were proven optimal, e.g. "100/100". */
  optimalProven?: string;
  heftRolloutMs?: number;
  heftRollout2Ms?: number;
  fineTuning0Ms?: number;
  fineTuning20Ms?: number;
  fineTuning100Ms?: number;
  mrlco0Ms?: number;
  mrlco20Ms?: number;
  mrlco100Ms?: number;
  /** Best of argmax + K sampled plans after the last update step. */
  fineTuning100BestMs?: number;
  mrlco100BestMs?: number;
}

export type Table3Key = keyof Omit<Table3Row, 'testSet' | 'optimalProven'>;
export interface Table3Column {
  header: string;
  key: Table3Key;
}

export interface Table3Options {
  /** A bold caption line above the table. */
  title?: string;
  /** The paper's numbers per test set: each set found here gets a second line, labelled `paper`. */
  paper?: Record<string, Partial<Table3Row>>;
  /** The columns (default: the paper's own seven). */
  columns?: readonly Table3Column[];
}

const MISSING = '–';

/** The paper's columns. */
export const PAPER_COLUMNS: readonly Table3Column[] = [
  { header: 'Optimal', key: 'optimalMs' },
  { header: 'HEFT-based', key: 'heftMs' },
  { header: 'Greedy', key: 'greedyMs' },
  { header: 'Fine-tuning DRL (20 steps)', key: 'fineTuning20Ms' },
  { header: 'Fine-tuning DRL (100 steps)', key: 'fineTuning100Ms' },
  { header: 'MRLCO (20 steps)', key: 'mrlco20Ms' },
  { header: 'MRLCO (100 steps)', key: 'mrlco100Ms' },
];

/** The relative gap of `value` to `optimum` in percent (positive: slower), or undefined if either is missing. */
export function optimalityGap(value: number | undefined, optimum: number | undefined): number | undefined {
  if (value === undefined || optimum === undefined) return undefined;
  if (!Number.isFinite(value) || !Number.isFinite(optimum) || optimum <= 0) return undefined;
  return (value / optimum - 1) * 100;
}

/** A gap as `+6.4%` or `-0.3%`, never `-0.0%`. */
function formatGap(gap: number): string {
  const rounded = Number(gap.toFixed(1));
  return `${rounded < 0 ? '-' : '+'}${Math.abs(rounded).toFixed(1)}%`;
}

/** Text that cannot break the table: pipes escaped, line breaks folded into spaces. */
function cellText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*[\r\n]+\s*/g, ' ');
}

/** "k/n" with k < n: the optimum is not proven for every DAG of the set. */
export function partlyProven(proven: string | undefined): boolean {
  const m = proven === undefined ? null : /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(proven);
  return m !== null && Number(m[1]) < Number(m[2]);
}

function cells(label: string, row: Partial<Table3Row>, columns: readonly Table3Column[]): string[] {
  const optimum = row.optimalMs;
  const out = [cellText(label)];
  for (const { key } of columns) {
    const v = row[key];
    if (v === undefined || !Number.isFinite(v)) {
      out.push(MISSING);
    } else if (key === 'optimalMs') {
      const proven = row.optimalProven;
      // Not proven everywhere: the mean of the best plans found, said so in the cell itself.
      out.push(
        proven === undefined || proven === ''
          ? v.toFixed(2)
          : `${v.toFixed(2)} (${partlyProven(proven) ? 'best found, ' : ''}${cellText(proven)} proven)`,
      );
    } else {
      const gap = optimalityGap(v, optimum);
      out.push(gap === undefined ? v.toFixed(2) : `${v.toFixed(2)} (${formatGap(gap)})`);
    }
  }
  return out;
}

function line(values: string[]): string {
  return `| ${values.join(' | ')} |`;
}

/**
 * Renders Table 3: one line per test set with the average latency (ms) of every method to 2 decimals and,
 * where the set's optimum is known, the gap to it in parentheses; `–` for an entry not measured. A set
 * with numbers in `options.paper` is followed by a line labelled `paper` (gaps against the paper's optimum).
 */
export function renderTable3Markdown(rows: Table3Row[], options: Table3Options = {}): string {
  const out: string[] = [];
  const columns = options.columns ?? PAPER_COLUMNS;
  if (options.title !== undefined && options.title !== '') out.push(`**${cellText(options.title)}**`, '');
  out.push(line(['Test set', ...columns.map((c) => c.header)]));
  out.push(line([':--', ...columns.map(() => '--:')]));
  for (const row of rows) {
    out.push(line(cells(row.testSet, row, columns)));
    const paper = options.paper?.[row.testSet];
    if (paper !== undefined) out.push(line(cells('paper', paper, columns)));
  }
  out.push(
    '',
    'Average latency in ms; in parentheses the gap to the optimum of the same line. ' +
      `${MISSING}: not measured.`,
  );
  if (rows.some((r) => partlyProven(r.optimalProven)))
    out.push(
      'Where fewer than all DAGs of a set are proven optimal, Optimal averages the best schedules found ' +
        '(an upper bound on the optimum) and the gaps are to that bound.',
    );
  return out.join('\n') + '\n';
}

/** A CSV field quoted as RFC 4180 asks: in double quotes, inner quotes doubled, when it has , " CR or LF. */
export function csvField(value: string | number): string {
  const s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The learning curves as CSV, `method,test_set,step,makespan_ms`, one line per point (LF line ends). */
export function renderCurvesCsv(
  curves: { method: string; testSet: string; step: number; makespanMs: number }[],
): string {
  const lines = ['method,test_set,step,makespan_ms'];
  for (const c of curves) lines.push([c.method, c.testSet, c.step, c.makespanMs].map(csvField).join(','));
  return lines.join('\n') + '\n';
}
