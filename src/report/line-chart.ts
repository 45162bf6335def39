/**
 * A standalone SVG line chart, for the paper's Figs. 6-8: average latency against the number of update
 * steps, with learned curves (MRLCO, fine-tuning DRL) drawn as solid lines with markers and the fixed
 * baselines (HEFT-based, Greedy, Optimal) as dashed or dotted horizontal reference lines.
 *
 * House style as in gantt-svg.ts: no scripts, no external fonts, every text XML-escaped, coordinates
 * rounded and no generated ids, so the same chart gives byte-identical output. The legend sits outside
 * the plot area (right of it, or below when it would leave the plot too narrow), so it never hides data.
 */
import { escapeXml } from './gantt-svg.js';

export type SeriesStyle = 'line' | 'dashed' | 'dotted';

export interface LineSeries {
  name: string;
  /** [x, y] pairs; pairs with a non-finite coordinate (NaN, ±Infinity) are skipped. */
  points: [number, number][];
  /** 'line' (default): a solid line with markers; 'dashed' and 'dotted': reference lines, no markers. */
  style?: SeriesStyle;
  /** Any SVG colour; defaults to the palette entry of the series' position. */
  color?: string;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
}

export interface LineChartOptions {
  /** Width of the whole figure in px (default 800, at least 320). */
  width?: number;
  /** Height of the whole figure in px (default 480, at least 240). */
  height?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Style
// ---------------------------------------------------------------------------------------------------------

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
/** Tableau 10: distinct hues that stay apart in greyscale together with the marker shapes below. */
const PALETTE = [
  '#4e79a7',
  '#e15759',
  '#59a14f',
  '#f28e2b',
  '#b07aa1',
  '#76b7b2',
  '#9c755f',
  '#edc948',
  '#ff9da7',
  '#bab0ac',
];
const COLOR = { grid: '#e0e0e0', axis: '#333333', text: '#1a1a1a', muted: '#767676' } as const;
const DASH: Record<SeriesStyle, string | undefined> = { line: undefined, dashed: '8 5', dotted: '2 4' };
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down'] as const;
type Marker = (typeof MARKERS)[number];

const PAD = 16;
/** Space from the figure's top padding to the plot, beyond the title's lines. */
const TITLE_GAP = 14;
/** Bold glyphs are wider than the average of CHAR_EM. */
const BOLD_CHAR_EM = 0.68;
/** The smallest plot height kept: a figure too short for its legend grows instead. */
const MIN_PLOT_H = 120;
const TICK_FONT = 11;
const LABEL_FONT = 13;
const LEGEND_FONT = 12;
const LEGEND_ROW_H = 20;
/** Below the plot: tick marks and labels, then the axis label. */
const X_AXIS_H = 8 + TICK_FONT + 8 + LABEL_FONT + 4;
/** Length of the line sample in a legend entry. */
const LEGEND_SAMPLE_W = 30;
/** At most this many markers per series: denser curves get markers on an evenly spaced subset. */
const MAX_MARKERS = 20;
const MARKER_R = 3.6;
/** Average glyph width of the sans-serif fonts above, in em; used for layout, never for clipping. */
const CHAR_EM = 0.62;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/** Coordinates rounded to 0.01 px: small files and output that is stable across platforms. */
function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * CHAR_EM;
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join(' ');
}

function text(x: number, y: number, content: string, a: Record<string, string | number | undefined> = {}) {
  return `<text ${attrs({ x, y, ...a })}>${escapeXml(content)}</text>`;
}

// ---------------------------------------------------------------------------------------------------------
// Scales
// ---------------------------------------------------------------------------------------------------------

export interface AxisScale {
  /** Ends of the axis: multiples of the step that enclose the data. */
  min: number;
  max: number;
  /** 1, 2 or 5 × 10^k. */
  step: number;
  /** The tick values from min to max, rounded to `decimals`. */
  values: number[];
  /** Decimals needed to print the ticks without noise (0 for steps ≥ 1). */
  decimals: number;
}

/** The 1-2-5 step nearest to `raw` (on a log scale, roughly). */
function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const r = raw / magnitude;
  const factor = r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10;
  return factor * magnitude;
}

/**
 * Round ticks covering [lo, hi]: a step of 1, 2 or 5 × 10^k giving about `target` intervals, and axis
 * ends at the multiples of the step just outside the data. A zero-width or invalid range is widened.
 */
export function niceScale(lo: number, hi: number, target = 5): AxisScale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const half = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    [lo, hi] = [lo - half, hi + half];
  }
  const step = niceStep((hi - lo) / Math.max(1, target));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  // Each tick from its integer index, so that rounding errors never accumulate.
  for (let k = first; k <= last; k++) {
    const v = Number((k * step).toFixed(decimals));
    values.push(v === 0 ? 0 : v);
  }
  return { min: values[0], max: values[values.length - 1], step, values, decimals };
}

/**
 * The y range to show: the data padded by 5 % of its span on both sides, and stretched down to 0 when the
 * data start close to it (the lowest value under half the span), as the eye reads bars and lines from 0.
 */
function paddedRange(lo: number, hi: number): [number, number] {
  const span = hi - lo;
  if (span <= 0) return [lo, hi];
  if (lo >= 0 && lo <= 0.5 * span) return [0, hi + 0.05 * span];
  if (hi <= 0 && -hi <= 0.5 * span) return [lo - 0.05 * span, 0];
  return [lo - 0.05 * span, hi + 0.05 * span];
}

// ---------------------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------------------

interface PreparedSeries {
  name: string;
  color: string;
  style: SeriesStyle;
  /** Finite points only, in the given order. */
  points: [number, number][];
  marker: Marker | undefined;
}

function prepare(chart: LineChart): PreparedSeries[] {
  return chart.series.map((s, k) => {
    const style: SeriesStyle = s.style ?? 'line';
    const points = s.points.filter(
      (p): p is [number, number] => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]),
    );
    // Learned curves get markers; reference lines only when a lone point would otherwise be invisible.
    // The shape follows the series' position, as the colour does, so no two nearby series share one.
    const marker = style === 'line' || points.length === 1 ? MARKERS[k % MARKERS.length] : undefined;
    const color = s.color !== undefined && s.color.trim() !== '' ? s.color : PALETTE[k % PALETTE.length];
    return { name: s.name, color, style, points, marker };
  });
}

interface Legend {
  placement: 'right' | 'below';
  width: number;
  height: number;
  /** Entry positions relative to the legend's top left corner (the sample's left end, the row's middle). */
  items: { x: number; y: number }[];
}

function legendLabel(s: PreparedSeries): string {
  return s.points.length === 0 ? `${s.name} (no data)` : s.name;
}

function entryWidth(s: PreparedSeries): number {
  return LEGEND_SAMPLE_W + 8 + textWidth(legendLabel(s), LEGEND_FONT);
}

/** Entries stacked in a column right of the plot, or below it in a grid of equal columns. */
function layoutLegend(series: PreparedSeries[], placement: 'right' | 'below', width: number): Legend {
  if (series.length === 0) return { placement, width: 0, height: 0, items: [] };
  if (placement === 'right') {
    return {
      placement,
      width: Math.max(...series.map(entryWidth)) + 12,
      height: series.length * LEGEND_ROW_H,
      items: series.map((_, k) => ({ x: 12, y: (k + 0.5) * LEGEND_ROW_H })),
    };
  }
  const avail = width - 2 * PAD;
  const column = Math.max(...series.map(entryWidth)) + 20;
  const columns = Math.max(1, Math.min(series.length, Math.floor((avail + 20) / column)));
  const rows = Math.ceil(series.length / columns);
  // The grid is centred under the figure.
  const x0 = Math.max(0, (avail - (columns * column - 20)) / 2);
  return {
    placement,
    width: avail,
    height: rows * LEGEND_ROW_H,
    items: series.map((_, k) => ({
      x: x0 + (k % columns) * column,
      y: (Math.floor(k / columns) + 0.5) * LEGEND_ROW_H,
    })),
  };
}

/**
 * The title in at most two lines at the largest size from 15 down to 11 px that fits `room`; a title too
 * long even so is shortened with an ellipsis (the full text stays in the document's <title>).
 */
function titleLines(title: string, room: number): { lines: string[]; size: number } {
  const fits = (t: string, size: number) => [...t].length * size * BOLD_CHAR_EM <= room;
  const wrap = (size: number): string[] => {
    const lines: string[] = [];
    let current = '';
    for (const word of title.split(/\s+/).filter((w) => w !== '')) {
      const next = current === '' ? word : `${current} ${word}`;
      if (current !== '' && !fits(next, size)) {
        lines.push(current);
        current = word;
      } else current = next;
    }
    if (current !== '' || lines.length === 0) lines.push(current);
    return lines;
  };
  for (let size = 15; size >= 11; size--) {
    const lines = wrap(size);
    if (lines.length <= 2 && lines.every((l) => fits(l, size))) return { lines, size };
  }
  const lines = wrap(11).slice(0, 2);
  const keep = Math.max(1, Math.floor(room / (11 * BOLD_CHAR_EM)) - 1);
  return {
    lines: lines.map((l, i) => (fits(l, 11) && i < 1 ? l : [...l].slice(0, keep).join('') + '…')),
    size: 11,
  };
}

function markerShape(marker: Marker, x: number, y: number, color: string, cls: string): string {
  const r = MARKER_R;
  const common = { class: cls, fill: color, stroke: '#ffffff', 'stroke-width': 0.8 };
  switch (marker) {
    case 'circle':
      return `<circle ${attrs({ cx: x, cy: y, r, ...common })}/>`;
    case 'square':
      return `<rect ${attrs({ x: x - r * 0.9, y: y - r * 0.9, width: r * 1.8, height: r * 1.8, ...common })}/>`;
    case 'triangle':
    case 'triangle-down':
    case 'diamond': {
      const s = r * 1.25;
      const pts: [number, number][] =
        marker === 'triangle'
          ? [
              [x, y - s],
              [x + s, y + s * 0.75],
              [x - s, y + s * 0.75],
            ]
          : marker === 'triangle-down'
            ? [
                [x, y + s],
                [x + s, y - s * 0.75],
                [x - s, y - s * 0.75],
              ]
            : [
                [x, y - s],
                [x + s, y],
                [x, y + s],
                [x - s, y],
              ];
      return `<polygon ${attrs({ points: pts.map(([a, b]) => `${num(a)},${num(b)}`).join(' '), ...common })}/>`;
    }
  }
}

/** Indices that get a marker: all when few, else about MAX_MARKERS evenly spaced ones and the last. */
function markerIndices(count: number): number[] {
  if (count <= MAX_MARKERS) return Array.from({ length: count }, (_, i) => i);
  const every = Math.ceil(count / MAX_MARKERS);
  const out: number[] = [];
  for (let i = 0; i < count; i += every) out.push(i);
  // The last point always gets one, in place of a regular one too close before it.
  if (count - 1 - out[out.length - 1] < every / 2) out.pop();
  if (out[out.length - 1] !== count - 1) out.push(count - 1);
  return out;
}

interface Geometry {
  legend: Legend;
  /** The figure's height: the requested one, or more when the plot would be shorter than MIN_PLOT_H. */
  figureHeight: number;
  plotBottom: number;
  plotLeft: number;
  plotRight: number;
  yScale: AxisScale;
  yLabels: string[];
  xScale: AxisScale;
}

function lineAttrs(s: PreparedSeries): Record<string, string | number | undefined> {
  return {
    fill: 'none',
    stroke: s.color,
    'stroke-width': s.style === 'line' ? 2 : 1.8,
    'stroke-dasharray': DASH[s.style],
    'stroke-linecap': s.style === 'dotted' ? 'round' : 'butt',
    'stroke-linejoin': 'round',
  };
}

// ---------------------------------------------------------------------------------------------------------
// The figure
// ---------------------------------------------------------------------------------------------------------

/**
 * Renders the chart as a standalone SVG document. Non-finite points are skipped (the line joins the
 * points on either side); a series without points keeps its legend entry, marked "(no data)"; series may
 * have different lengths and x ranges. The x axis spans the data's x range rounded out to ticks; the y
 * axis the padded y range (see paddedRange).
 */
export function renderLineChartSvg(chart: LineChart, options: LineChartOptions = {}): string {
  const width = Math.max(320, Math.round(options.width ?? 800));
  const height = Math.max(240, Math.round(options.height ?? 480));
  const series = prepare(chart);
  const all = series.flatMap((s) => s.points);
  const hasData = all.length > 0;

  const title = titleLines(chart.title, width - 2 * PAD);
  const titleLineH = Math.round(title.size * 1.3);
  const plotTop = PAD + title.lines.length * titleLineH + TITLE_GAP;

  const geometry = (placement: 'right' | 'below'): Geometry => {
    const legend = layoutLegend(series, placement, width);
    const below = placement === 'below' ? legend.height + 10 : 0;
    const plotBottom = Math.max(plotTop + MIN_PLOT_H, height - PAD - X_AXIS_H - below);
    const figureHeight = plotBottom + X_AXIS_H + below + PAD;
    // The y scale first: its tick labels set the left margin.
    const ys = all.map((p) => p[1]);
    const [yLo, yHi] = hasData ? paddedRange(Math.min(...ys), Math.max(...ys)) : [0, 1];
    const yScale = niceScale(yLo, yHi, Math.max(2, Math.min(10, Math.round((plotBottom - plotTop) / 55))));
    const yLabels = yScale.values.map((v) => v.toFixed(yScale.decimals));
    const yTickW = Math.max(...yLabels.map((l) => textWidth(l, TICK_FONT)));
    const plotLeft = PAD + LABEL_FONT + 10 + yTickW + 8;
    // Room on the right for the legend column, or for half of the last x tick label.
    const plotRight = width - PAD - (placement === 'right' && legend.width > 0 ? legend.width + 12 : 12);
    const xs = all.map((p) => p[0]);
    const xTarget = Math.max(2, Math.min(10, Math.round((plotRight - plotLeft) / 80)));
    const xScale = hasData ? niceScale(Math.min(...xs), Math.max(...xs), xTarget) : niceScale(0, 1, 5);
    return { legend, figureHeight, plotBottom, plotLeft, plotRight, yScale, yLabels, xScale };
  };
  // The legend goes right of the plot when the plot keeps most of the width and the column fits its height.
  const right = geometry('right');
  const g =
    right.plotRight - right.plotLeft >= 0.55 * width && right.legend.height <= right.plotBottom - plotTop
      ? right
      : geometry('below');
  const { legend, figureHeight, plotBottom, plotLeft, plotRight, yScale, yLabels, xScale } = g;

  const px = (x: number) =>
    plotLeft + ((x - xScale.min) / (xScale.max - xScale.min)) * (plotRight - plotLeft);
  const py = (y: number) =>
    plotBottom - ((y - yScale.min) / (yScale.max - yScale.min)) * (plotBottom - plotTop);

  const out: string[] = [];
  title.lines.forEach((line, i) =>
    out.push(
      text(width / 2, PAD + (i + 1) * titleLineH - 4, line, {
        class: 'title',
        'text-anchor': 'middle',
        'font-size': title.size,
        'font-weight': 'bold',
      }),
    ),
  );

  // Plot frame, grid and ticks.
  out.push(
    `<rect ${attrs({ class: 'plot-area', x: plotLeft, y: plotTop, width: plotRight - plotLeft, height: plotBottom - plotTop, fill: '#ffffff', stroke: COLOR.axis, 'stroke-width': 1 })}/>`,
  );
  out.push('<g class="grid">');
  for (const v of yScale.values) {
    const y = py(v);
    if (v !== yScale.min && v !== yScale.max)
      out.push(
        `<line ${attrs({ x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: COLOR.grid, 'stroke-width': 1 })}/>`,
      );
  }
  for (const v of xScale.values) {
    const x = px(v);
    if (v !== xScale.min && v !== xScale.max)
      out.push(
        `<line ${attrs({ x1: x, y1: plotTop, x2: x, y2: plotBottom, stroke: COLOR.grid, 'stroke-width': 1 })}/>`,
      );
  }
  out.push('</g>');
  out.push('<g class="axes">');
  yScale.values.forEach((v, k) => {
    const y = py(v);
    out.push(
      `<line ${attrs({ x1: plotLeft - 5, y1: y, x2: plotLeft, y2: y, stroke: COLOR.axis, 'stroke-width': 1 })}/>`,
    );
    out.push(
      text(plotLeft - 8, y, yLabels[k], {
        class: 'tick-y',
        'text-anchor': 'end',
        'dominant-baseline': 'central',
        'font-size': TICK_FONT,
      }),
    );
  });
  for (const v of xScale.values) {
    const x = px(v);
    out.push(
      `<line ${attrs({ x1: x, y1: plotBottom, x2: x, y2: plotBottom + 5, stroke: COLOR.axis, 'stroke-width': 1 })}/>`,
    );
    out.push(
      text(x, plotBottom + 8 + TICK_FONT, v.toFixed(xScale.decimals), {
        class: 'tick-x',
        'text-anchor': 'middle',
        'font-size': TICK_FONT,
      }),
    );
  }
  const xLabelY = plotBottom + X_AXIS_H - 4;
  out.push(
    text((plotLeft + plotRight) / 2, xLabelY, chart.xLabel, {
      class: 'x-label',
      'text-anchor': 'middle',
      'font-size': LABEL_FONT,
    }),
  );
  const yMid = (plotTop + plotBottom) / 2;
  const yLabelX = PAD + LABEL_FONT - 2;
  out.push(
    text(yLabelX, yMid, chart.yLabel, {
      class: 'y-label',
      'text-anchor': 'middle',
      'font-size': LABEL_FONT,
      transform: `rotate(-90 ${num(yLabelX)} ${num(yMid)})`,
    }),
  );
  out.push('</g>');

  if (!hasData) {
    out.push(
      text((plotLeft + plotRight) / 2, yMid, 'no data', {
        class: 'no-data',
        'text-anchor': 'middle',
        'dominant-baseline': 'central',
        'font-size': 14,
        fill: COLOR.muted,
      }),
    );
  }

  // Series: reference lines first, so that the learned curves and their markers are drawn on top.
  const order = series.map((s, k) => ({ s, k }));
  order.sort((a, b) => Number(a.s.style === 'line') - Number(b.s.style === 'line') || a.k - b.k);
  for (const { s, k } of order) {
    if (s.points.length === 0) continue;
    out.push(`<g class="series series-${k}">`);
    out.push(`<title>${escapeXml(s.name)}</title>`);
    if (s.points.length > 1) {
      const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(px(x))} ${num(py(y))}`).join(' ');
      out.push(`<path ${attrs({ class: 'line', d, ...lineAttrs(s) })}/>`);
    }
    if (s.marker !== undefined) {
      for (const i of markerIndices(s.points.length)) {
        const [x, y] = s.points[i];
        out.push(markerShape(s.marker, px(x), py(y), s.color, 'marker'));
      }
    }
    out.push('</g>');
  }

  // Legend, outside the plot area.
  if (series.length > 0) {
    const lx = legend.placement === 'right' ? plotRight : PAD;
    const ly = legend.placement === 'right' ? plotTop : xLabelY + 12;
    out.push(`<g class="legend legend-${legend.placement}">`);
    series.forEach((s, k) => {
      const { x, y } = legend.items[k];
      const [x0, y0] = [lx + x, ly + y];
      const muted = s.points.length === 0;
      out.push(
        `<line ${attrs({ x1: x0, y1: y0, x2: x0 + LEGEND_SAMPLE_W, y2: y0, ...lineAttrs(s), stroke: muted ? COLOR.muted : s.color })}/>`,
      );
      if (s.marker !== undefined && !muted)
        out.push(markerShape(s.marker, x0 + LEGEND_SAMPLE_W / 2, y0, s.color, 'marker'));
      out.push(
        text(x0 + LEGEND_SAMPLE_W + 8, y0, legendLabel(s), {
          'dominant-baseline': 'central',
          'font-size': LEGEND_FONT,
          fill: muted ? COLOR.muted : undefined,
        }),
      );
    });
    out.push('</g>');
  }

  const h = figureHeight;
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" ${attrs({ width, height: h })} ` +
    `viewBox="0 0 ${num(width)} ${num(h)}" font-family="${escapeXml(FONT)}" fill="${COLOR.text}">`;
  const docTitle = `<title>${escapeXml(chart.title)}</title>`;
  const background = `<rect class="background" x="0" y="0" width="${num(width)}" height="${num(h)}" fill="#ffffff"/>`;
  return [head, docTitle, background, ...out, '</svg>'].join('\n');
}
