/** Per-iteration metrics as JSON Lines (camelCase keys) and CSV (snake_case columns), both rewritten atomically after every iteration. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

export type MetricsRow = Record<string, number | string | undefined>;

export class MetricsLog {
  readonly rows: MetricsRow[] = [];

  constructor(
    readonly dir: string | undefined,
    readonly basename = 'metrics',
  ) {}

  /** Reloads earlier rows (on resume), keeping those with `key` ≤ `upTo`. */
  reload(key: string, upTo: number): void {
    if (!this.dir) return;
    const path = join(this.dir, `${this.basename}.jsonl`);
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const row = JSON.parse(line) as MetricsRow;
      if (Number(row[key]) <= upTo) this.rows.push(row);
    }
  }

  append(row: MetricsRow): void {
    this.rows.push(row);
    if (!this.dir) return;
    writeFileAtomic(
      join(this.dir, `${this.basename}.jsonl`),
      this.rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const columns = [...new Set(this.rows.flatMap((r) => Object.keys(r)))];
    const csv =
      [
        columns.map(snakeCase).join(','),
        ...this.rows.map((r) => columns.map((c) => formatCell(r[c])).join(',')),
      ].join('\n') + '\n';
    writeFileAtomic(join(this.dir, `${this.basename}.csv`), csv);
  }
}

/** CSV columns in snake_case (evalMakespanMs → eval_makespan_ms), as spreadsheets and pandas like them. */
function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function formatCell(v: number | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(7);
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
