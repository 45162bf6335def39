// Line charts (Figs. 6-8), their PNG copies, Table 3 in Markdown and the learning-curve CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { niceScale, renderLineChartSvg, type LineChart } from '../src/report/line-chart.js';
import { setResvgLoaderForTests, svgToPng, writeSvgAndPng } from '../src/report/png.js';
import {
  csvField,
  optimalityGap,
  renderCurvesCsv,
  renderTable3Markdown,
  type Table3Row,
} from '../src/report/table3.js';
import { tempDir } from './helpers/tmp.js';

const NASTY = 'A&B <x> "q"';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function curve(start: number, end: number, steps: number): [number, number][] {
  return Array.from({ length: steps + 1 }, (_, i) => [i, end + (start - end) * Math.exp(-i / 15)]);
}

function figure(): LineChart {
  return {
    title: 'Fig. 6: DAG set 8 <n=20>',
    xLabel: 'Number of update steps',
    yLabel: 'Average latency (ms)',
    series: [
      { name: 'MRLCO', points: curve(790, 700, 100) },
      { name: 'Fine-tuning DRL', points: curve(880, 742, 100) },
      {
        name: NASTY,
        points: [
          [0, 800.75],
          [100, 800.75],
        ],
        style: 'dashed',
      },
      {
        name: 'Greedy',
        points: [
          [0, 847.73],
          [100, 847.73],
        ],
        style: 'dashed',
      },
      {
        name: 'Optimal',
        points: [
          [0, 679.31],
          [100, 679.31],
        ],
        style: 'dotted',
      },
    ],
  };
}

/** Opening tags (not self-closing) per name must equal the closing tags, and nothing may be left open. */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing === '/') continue;
    if (closing === '/') assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
}

function tickValues(svg: string, axis: 'x' | 'y'): number[] {
  return [...svg.matchAll(new RegExp(`<text [^>]*class="tick-${axis}"[^>]*>([^<]*)</text>`, 'g'))].map((m) =>
    Number(m[1]),
  );
}

/** Equally spaced ticks with a step of 1, 2 or 5 × 10^k. */
function assertNiceTicks(values: number[]): void {
  assert.ok(values.length >= 2, `too few ticks: ${values.join(', ')}`);
  // The step as printed: differences of large tick values carry float noise.
  const step = Number((values[1] - values[0]).toPrecision(10));
  assert.ok(step > 0);
  for (let i = 1; i < values.length; i++)
    assert.ok(Math.abs(values[i] - values[i - 1] - step) < 1e-6 * step, `uneven: ${values}`);
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
  assert.ok(
    [1, 2, 5].some((f) => Math.abs(mantissa - f) < 1e-9),
    `step ${step} is not 1, 2 or 5 × 10^k (ticks ${values.join(', ')})`,
  );
  for (const v of values)
    assert.ok(Math.abs(v / step - Math.round(v / step)) < 1e-6, `${v} not a multiple of ${step}`);
}

test('line chart: a standalone, well-formed SVG with one path per series and escaped text', () => {
  const svg = renderLineChartSvg(figure());
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.endsWith('</svg>'));
  assertBalanced(svg);
  assert.doesNotMatch(svg, /<script|javascript:|href=/i);
  assert.equal((svg.match(/<path /g) ?? []).length, 5);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 0);
  assert.ok(svg.includes('A&amp;B &lt;x&gt; &quot;q&quot;'));
  assert.ok(!svg.includes(NASTY));
  assert.ok(svg.includes('Fig. 6: DAG set 8 &lt;n=20&gt;'));
  assert.ok(svg.includes('>Number of update steps</text>'));
  assert.ok(svg.includes('>Average latency (ms)</text>'));
  // Every legend name appears in the legend group.
  const legend = /<g class="legend[^"]*">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
  for (const name of ['MRLCO', 'Fine-tuning DRL', 'A&amp;B &lt;x&gt; &quot;q&quot;', 'Greedy', 'Optimal'])
    assert.ok(legend.includes(`>${name}</text>`), `legend lacks ${name}`);
  // Reference lines are dashed or dotted, learned curves solid.
  assert.equal((svg.match(/<path [^>]*stroke-dasharray=/g) ?? []).length, 3);
});

test('line chart: the legend lies outside the plot area', () => {
  for (const width of [800, 420]) {
    const svg = renderLineChartSvg(figure(), { width, height: 480 });
    const plot = /<rect class="plot-area" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(
      svg,
    );
    assert.ok(plot);
    const [x, y, w, h] = plot.slice(1).map(Number);
    const legend = /<g class="legend[^"]*">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    const xs = [...legend.matchAll(/\bx1?="([\d.]+)"/g)].map((m) => Number(m[1]));
    const ys = [...legend.matchAll(/\by1?="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.ok(xs.length > 0 && ys.length > 0);
    const outside = xs.every((v) => v >= x + w) || ys.every((v) => v >= y + h);
    assert.ok(outside, `legend overlaps the plot at width ${width}`);
  }
});

test('line chart: a long title wraps, a crowded legend grows the figure instead of the plot shrinking', () => {
  const long = 'A very long title that does not fit on one line of a narrow figure & has <markup> in it';
  const chart: LineChart = {
    ...figure(),
    title: long,
    series: Array.from({ length: 9 }, (_, k) => ({
      name: `series ${k}`,
      points: curve(900 - 20 * k, 700, 30),
    })),
  };
  const svg = renderLineChartSvg(chart, { width: 420, height: 260 });
  assertBalanced(svg);
  assert.equal((svg.match(/class="title"/g) ?? []).length, 2);
  assert.ok(
    svg.includes(`<title>${long.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</title>`),
  );
  const plot = /<rect class="plot-area" [^>]*height="([\d.]+)"/.exec(svg);
  assert.ok(plot && Number(plot[1]) >= 120, 'plot kept readable');
  const height = Number(/<svg [^>]*height="([\d.]+)"/.exec(svg)?.[1]);
  assert.ok(height > 260, `figure height ${height}`);
  assert.match(svg, /<g class="legend legend-below">/);
});

test('line chart: nice 1-2-5 ticks, y axis padded and not forced to 0', () => {
  const svg = renderLineChartSvg(figure());
  const ys = tickValues(svg, 'y');
  const xs = tickValues(svg, 'x');
  assertNiceTicks(ys);
  assertNiceTicks(xs);
  assert.ok(ys[0] > 0 && ys[0] <= 679.31, `y axis starts at ${ys[0]}`);
  assert.ok(ys[ys.length - 1] >= 880);
  assert.equal(xs[0], 0);
  assert.equal(xs[xs.length - 1], 100);
  // Close to 0: the axis starts there.
  const near0 = renderLineChartSvg({
    ...figure(),
    series: [
      {
        name: 'a',
        points: [
          [0, 5],
          [1, 90],
        ],
      },
    ],
  });
  assert.equal(tickValues(near0, 'y')[0], 0);

  for (const [lo, hi, target] of [
    [0, 1, 5],
    [679.31, 880, 6],
    [0.0013, 0.0071, 4],
    [-3.2, 47, 5],
    [12345, 12346, 5],
    [5, 5, 5],
    [0, 0, 5],
  ]) {
    const s = niceScale(lo, hi, target);
    assertNiceTicks(s.values);
    assert.ok(s.min <= lo && s.max >= hi, `[${s.min}, ${s.max}] does not cover [${lo}, ${hi}]`);
    assert.ok(s.values.length <= 2 * target + 2, `${s.values.length} ticks for target ${target}`);
  }
  assert.deepEqual(niceScale(0, 100, 5).values, [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceScale(0.1, 0.3, 2).values, [0.1, 0.2, 0.3]);
});

test('line chart: NaN points skipped; empty, one-point and uneven series handled; deterministic', () => {
  const chart: LineChart = {
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    series: [
      {
        name: 'with gaps',
        points: [
          [0, 10],
          [1, NaN],
          [NaN, 3],
          [2, 12],
          [3, Infinity],
          [4, 11],
        ],
      },
      { name: 'empty', points: [] },
      { name: 'one point', points: [[2, 11.5]], style: 'dotted' },
      {
        name: 'short',
        points: [
          [0, 9],
          [1, 9.5],
        ],
        color: '#000000',
      },
    ],
  };
  const svg = renderLineChartSvg(chart);
  assertBalanced(svg);
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
  const paths = [...svg.matchAll(/<path [^>]*d="([^"]*)"/g)].map((m) => m[1]);
  // 'with NaN' and 'short' draw lines; 'one point' is a marker only; 'empty' draws nothing.
  assert.equal(paths.length, 2);
  assert.equal((paths[0].match(/[ML]/g) ?? []).length, 3, 'the NaN and infinite points are dropped');
  assert.match(svg, /<g class="series series-2">[\s\S]*?<(circle|rect|polygon) [^>]*class="marker"/);
  assert.ok(svg.includes('>empty (no data)</text>'));
  assert.ok(svg.includes('stroke="#000000"'));
  assert.equal(renderLineChartSvg(chart), svg);

  const none = renderLineChartSvg({ title: 'nothing', xLabel: 'x', yLabel: 'y', series: [] });
  assertBalanced(none);
  assert.ok(none.includes('>no data</text>'));
  assert.doesNotMatch(none, /NaN|Infinity/);
  const flat = renderLineChartSvg({
    title: 'flat',
    xLabel: 'x',
    yLabel: 'y',
    series: [{ name: 'c', points: [[3, 7]] }],
  });
  assert.doesNotMatch(flat, /NaN|Infinity/);
  assertNiceTicks(tickValues(flat, 'y'));
});

test('svgToPng renders PNG bytes; writeSvgAndPng writes both files', () => {
  const svg = renderLineChartSvg(figure(), { width: 640, height: 400 });
  const png = svgToPng(svg, { width: 320 });
  assert.ok(png instanceof Uint8Array);
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
  // IHDR width, big-endian at offset 16.
  assert.equal(new DataView(png.buffer, png.byteOffset).getUint32(16), 320);
  assert.equal(new DataView(svgToPng(svg).buffer).getUint32(16), 1280, 'default: twice the SVG width');

  const dir = tempDir('chart');
  try {
    const result = writeSvgAndPng(join(dir, 'sub', 'fig6'), svg);
    assert.equal(result.png, true);
    assert.equal(readFileSync(join(dir, 'sub', 'fig6.svg'), 'utf8'), svg);
    assert.deepEqual([...readFileSync(join(dir, 'sub', 'fig6.png')).subarray(0, 8)], PNG_SIGNATURE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a resvg binary: svgToPng throws one line, writeSvgAndPng writes the SVG only', () => {
  const dir = tempDir('chart');
  setResvgLoaderForTests(() => {
    throw new Error('Cannot find module @resvg/resvg-js-plan9-mips\nRequire stack:\n- index.js');
  });
  try {
    const svg = renderLineChartSvg(figure());
    assert.throws(
      () => svgToPng(svg),
      (err: Error) =>
        /resvg/.test(err.message) && !err.message.includes('\n') && /plan9-mips/.test(err.message),
    );
    const base = join(dir, 'fig7');
    writeFileSync(`${base}.png`, 'stale');
    const result = writeSvgAndPng(base, svg);
    assert.equal(result.png, false);
    assert.ok(!result.png && /resvg/.test(result.reason));
    assert.equal(readFileSync(`${base}.svg`, 'utf8'), svg);
    assert.ok(!existsSync(`${base}.png`), 'a stale PNG is removed');
  } finally {
    setResvgLoaderForTests(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  // Other errors (an invalid SVG) are not mistaken for a missing binary.
  assert.throws(() => writeSvgAndPng(join(dir, 'bad'), 'not an svg'));
});

const ROWS: Table3Row[] = [
  {
    testSet: 'Set 8',
    optimalMs: 679.31,
    optimalProven: '100/100',
    heftMs: 800.75,
    greedyMs: 847.73,
    fineTuning20Ms: 760.4,
    fineTuning100Ms: 722.63,
    mrlco20Ms: 705,
    mrlco100Ms: 679.31,
  },
  { testSet: 'n = 50 | big', heftMs: 2012.5, greedyMs: 2100.123 },
];

test('Table 3: columns, 2 decimals with gaps to the optimum, missing entries, paper lines', () => {
  const md = renderTable3Markdown(ROWS, {
    title: 'Table 3',
    paper: { 'Set 8': { optimalMs: 690.0, heftMs: 800.75, greedyMs: 847.73, mrlco100Ms: 709.88 } },
  });
  const lines = md.split('\n');
  const header = lines.find((l) => l.startsWith('| Test set'));
  assert.equal(
    header,
    '| Test set | Optimal | HEFT-based | Greedy | Fine-tuning DRL (20 steps) | Fine-tuning DRL (100 steps) | MRLCO (20 steps) | MRLCO (100 steps) |',
  );
  assert.ok(md.startsWith('**Table 3**\n'));
  const table = lines.filter((l) => l.startsWith('|'));
  // Header, separator, Set 8, its paper line, n = 50.
  assert.equal(table.length, 5);
  for (const l of table) assert.equal(l.split(/(?<!\\)\|/).length - 2, 8, `wrong column count: ${l}`);
  const cellsOf = (l: string) =>
    l
      .slice(2, -2)
      .split(/ (?<!\\)\| /)
      .map((c) => c.trim());
  const set8 = cellsOf(table[2]);
  assert.deepEqual(set8, [
    'Set 8',
    '679.31 (100/100 proven)',
    '800.75 (+17.9%)',
    '847.73 (+24.8%)',
    '760.40 (+11.9%)',
    '722.63 (+6.4%)',
    '705.00 (+3.8%)',
    '679.31 (+0.0%)',
  ]);
  const paper = cellsOf(table[3]);
  assert.deepEqual(paper, [
    'paper',
    '690.00',
    '800.75 (+16.1%)',
    '847.73 (+22.9%)',
    '–',
    '–',
    '–',
    '709.88 (+2.9%)',
  ]);
  const big = cellsOf(table[4]);
  assert.deepEqual(big, ['n = 50 \\| big', '–', '2012.50', '2100.12', '–', '–', '–', '–']);

  assert.ok(Math.abs(optimalityGap(722.63, 679.31)! - 6.377) < 1e-3);
  assert.equal(optimalityGap(722.63, 679.31)!.toFixed(2), '6.38');
  assert.equal(optimalityGap(700, undefined), undefined);
  assert.equal(optimalityGap(NaN, 679.31), undefined);
  // Below the optimum (rounding, or an unproven one): a negative gap, and a note on partial proofs.
  const md2 = renderTable3Markdown([{ ...ROWS[0], optimalProven: '97/100', mrlco100Ms: 677.01 }]);
  assert.ok(md2.includes('677.01 (-0.3%)'));
  assert.ok(md2.includes('679.31 (best found, 97/100 proven)'));
  assert.match(md2, /upper bound/);
  assert.doesNotMatch(renderTable3Markdown(ROWS), /upper bound|paper/);
});

test('learning curves CSV: header and RFC 4180 quoting', () => {
  const csv = renderCurvesCsv([
    { method: 'MRLCO', testSet: 'Set 8', step: 0, makespanMs: 790.5 },
    { method: 'fine-tuning, DRL', testSet: 'say "hi"', step: 20, makespanMs: 722.625 },
    { method: 'multi\nline', testSet: 's', step: 100, makespanMs: NaN },
  ]);
  assert.equal(
    csv,
    'method,test_set,step,makespan_ms\n' +
      'MRLCO,Set 8,0,790.5\n' +
      '"fine-tuning, DRL","say ""hi""",20,722.625\n' +
      '"multi\nline",s,100,\n',
  );
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a"b'), '"a""b"');
  assert.equal(renderCurvesCsv([]), 'method,test_set,step,makespan_ms\n');
});
