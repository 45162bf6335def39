/** Plain-text tables and CSV for command output. */
export type Cell = string | number | undefined;

export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))));
  const widths = header.map((h, k) => Math.max(h.length, ...text.map((r) => (r[k] ?? '').length)));
  const looksNumeric = (c: Cell): boolean =>
    c === undefined || typeof c === 'number' || /^-?[\d.]+(\/\d+)?%?$/.test(c);
  const numeric = header.map((_, k) => rows.every((r) => looksNumeric(r[k])));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, k) => (numeric[k] ? c.padStart(widths[k]) : c.padEnd(widths[k])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function formatCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const escape = (c: Cell): string => {
    const s = c === undefined ? '' : String(c);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(escape).join(',')).join('\n') + '\n';
}

export const fixed = (x: number | undefined, digits = 2): string | undefined =>
  x === undefined || Number.isNaN(x) ? undefined : x.toFixed(digits);
