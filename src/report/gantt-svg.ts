/**
 * A standalone SVG figure of one schedule: a Gantt chart of the four resources (UE CPU, uplink, MEC VM,
 * downlink) and, beside or below it, the task graph drawn in layers and coloured by where each task ran.
 *
 * Written for papers and reports: no scripts, no external fonts or images, and byte-identical output for
 * the same input (coordinates are rounded, ids are fixed), so figures can be checked into a repository.
 */
import { topologicalOrder, type Dag } from '../dag/dag.js';
import type { Interval, TaskTimeline, Timeline } from '../mec/simulator.js';

export interface GanttSvgOptions {
  /** Heading over the chart; defaults to the DAG's name, task count and offload count. */
  title?: string;
  /** Width of the whole figure in px (default 960). The figure grows wider only if the task graph needs it. */
  width?: number;
  /**
   * A world's links (docs/world.md): their capacity over time, drawn as a shaded profile inside the
   * uplink and downlink lanes, under the bars (each lane scaled to its own peak, named in its label).
   */
  capacity?: LinkCapacity;
}

/** Samples of the links' capacity: [time ms, Mbit/s] pairs, each the mean over the step that follows. */
export interface LinkCapacity {
  uplink: [number, number][];
  downlink: [number, number][];
}

// ---------------------------------------------------------------------------------------------------------
// Style. Two hues only, so that the figure survives greyscale printing: blue for the device, orange for the
// edge server. Transfers of an offloaded task are a light tint of its orange, its MEC run the full colour.
// ---------------------------------------------------------------------------------------------------------

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const COLOR = {
  local: { fill: '#4e79a7', stroke: '#2f4b6b', text: '#ffffff' },
  mec: { fill: '#f28e2b', stroke: '#a85a12', text: '#1a1a1a' },
  transfer: { fill: '#fbd3ab', stroke: '#a85a12', text: '#1a1a1a' },
  unscheduled: { fill: '#d9d9d9', stroke: '#8c8c8c', text: '#1a1a1a' },
  laneBg: '#f4f4f4',
  grid: '#d6d6d6',
  axis: '#333333',
  edge: '#555555',
  makespan: '#c0392b',
} as const;

const PAD = 16;
const TITLE_H = 30;
const MAKESPAN_ROW_H = 20;
const LANE_H = 34;
const LANE_GAP = 6;
/** Height of one row in a lane whose intervals overlap and are stacked. */
const SUBROW_H = 18;
const AXIS_H = 42;
const NODE_R = 13;
/** Average glyph width of the sans-serif fonts above, in em; used to decide whether a label fits. */
const CHAR_EM = 0.62;

type Resource = 'ue' | 'uplink' | 'mec' | 'downlink';
const LANES: readonly { key: Resource; label: string; tooltip: string }[] = [
  { key: 'ue', label: 'UE CPU', tooltip: 'UE CPU' },
  { key: 'uplink', label: 'Uplink', tooltip: 'uplink' },
  { key: 'mec', label: 'MEC VM', tooltip: 'MEC VM' },
  { key: 'downlink', label: 'Downlink', tooltip: 'downlink' },
];

// ---------------------------------------------------------------------------------------------------------
// Text and number helpers
// ---------------------------------------------------------------------------------------------------------

/** Escapes text for use in XML content and in double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Coordinates rounded to 0.01 px: keeps the file small and the output stable across platforms. */
function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * CHAR_EM;
}

function ms(v: number): string {
  return v.toFixed(1);
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => `${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join(' ');
}

function text(x: number, y: number, content: string, a: Record<string, string | number> = {}): string {
  return `<text ${attrs({ x, y, ...a })}>${escapeXml(content)}</text>`;
}

// ---------------------------------------------------------------------------------------------------------
// Scale and ticks
// ---------------------------------------------------------------------------------------------------------

export interface Ticks {
  /** Upper end of the axis: the first tick at or above the data maximum. */
  max: number;
  step: number;
  values: number[];
  /** Decimals needed to print the ticks without noise (0 for steps ≥ 1). */
  decimals: number;
}

/** Round ticks from 0 to at least `max`, with a step of 1, 2 or 5 × 10^k and about `target` intervals. */
export function niceTicks(max: number, target = 5): Ticks {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  // The smallest of 1, 2, 5, 10 that is not below the raw step keeps the count at or under the target.
  const factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
  const step = factor * magnitude;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const count = Math.ceil(top / step - 1e-9);
  const values: number[] = [];
  for (let i = 0; i <= count; i++) values.push(Number((i * step).toFixed(decimals)));
  return { max: values[values.length - 1], step, values, decimals };
}

// ---------------------------------------------------------------------------------------------------------
// Gantt chart
// ---------------------------------------------------------------------------------------------------------

interface Box {
  x: number;
  y: number;
  width: number;
}

interface Bar {
  task: TaskTimeline;
  lane: number;
  interval: Interval;
  /** Sub-row within the lane: intervals on an unqueued resource (the reference downlink) may overlap. */
  row: number;
}

/** Everything the chart's parts need to agree on: the time scale and where each lane sits. */
interface GanttGeometry {
  box: Box;
  plotLeft: number;
  plotRight: number;
  ticks: Ticks;
  laneY: number[];
  laneH: number[];
  rows: number[];
  bars: Bar[];
  legend: { row: number; x: number }[];
  /** Bottom of the last lane. */
  lanesBottom: number;
  height: number;
}

function taskLabel(t: { id: string; name?: string }): string {
  return t.name !== undefined ? `task ${t.id} (${t.name})` : `task ${t.id}`;
}

function colorOf(location: 'ue' | 'mec' | undefined, resource?: Resource) {
  if (location === undefined) return COLOR.unscheduled;
  if (location === 'ue') return COLOR.local;
  return resource === 'mec' ? COLOR.mec : COLOR.transfer;
}

/**
 * The text inside a bar: the task's id, as in the task graph beside it (names differ too much in length
 * to fit bars consistently; the tooltip has the name), shortened with an ellipsis if need be, else nothing.
 * Two characters at least when shortened, as one is no help to the reader.
 */
function barLabel(t: TaskTimeline, width: number, fontSize: number): string | undefined {
  return fitText(t.id, width - 6, fontSize, 2);
}

/** `label`, or its first characters and an ellipsis, within `room` px; undefined if not even `min` fit. */
function fitText(label: string, room: number, fontSize: number, min: number): string | undefined {
  if (textWidth(label, fontSize) <= room) return label;
  const chars = [...label];
  const keep = Math.floor(room / (fontSize * CHAR_EM)) - 1;
  return keep >= min ? chars.slice(0, keep).join('') + '…' : undefined;
}

/**
 * Collects the bars and gives overlapping ones separate rows (first row free at the bar's start), so that
 * no bar hides another. Queued resources never overlap and keep a single row.
 */
function assignBars(timeline: Timeline): { bars: Bar[]; rows: number[] } {
  const bars: Bar[] = [];
  const rows = LANES.map(() => 1);
  LANES.forEach((lane, k) => {
    const inLane: Bar[] = [];
    for (const task of timeline.tasks) {
      const interval = task[lane.key];
      if (interval !== undefined) inLane.push({ task, lane: k, interval, row: 0 });
    }
    // Stable sort: ties keep the scheduling order, so the result is deterministic.
    inLane.sort((a, b) => a.interval.start - b.interval.start);
    const rowFree: number[] = [];
    for (const bar of inLane) {
      let row = rowFree.findIndex((free) => free <= bar.interval.start + 1e-9);
      if (row < 0) row = rowFree.push(0) - 1;
      rowFree[row] = bar.interval.finish;
      bar.row = row;
    }
    rows[k] = Math.max(1, rowFree.length);
    bars.push(...inLane);
  });
  return { bars, rows };
}

function ganttGeometry(box: Box, timeline: Timeline): GanttGeometry {
  const labelColumn = Math.max(...LANES.map((l) => textWidth(l.label, 12))) + 14;
  const plotLeft = box.x + labelColumn;
  // Room on the right for half of the last tick label.
  const plotRight = box.x + box.width - 14;
  const ticks = niceTicks(timeline.makespanMs, Math.max(2, Math.floor((plotRight - plotLeft) / 90)));
  const { bars, rows } = assignBars(timeline);
  const laneY: number[] = [];
  const laneH: number[] = [];
  let y = box.y + TITLE_H + MAKESPAN_ROW_H;
  for (let k = 0; k < LANES.length; k++) {
    laneY.push(y);
    // A lane of several rows grows instead of squeezing its bars below a readable height.
    laneH.push(rows[k] === 1 ? LANE_H : rows[k] * SUBROW_H + 6);
    y += laneH[k] + LANE_GAP;
  }
  const lanesBottom = y - LANE_GAP;
  const legend = legendLayout(plotLeft, box.x + box.width);
  const legendRows = legend[legend.length - 1].row + 1;
  const height = lanesBottom - box.y + AXIS_H + legendRows * LEGEND_ROW_H + 8;
  return { box, plotLeft, plotRight, ticks, laneY, laneH, rows, bars, lanesBottom, legend, height };
}

function timeX(g: GanttGeometry, t: number): number {
  return g.plotLeft + (t / g.ticks.max) * (g.plotRight - g.plotLeft);
}

/** Lane backgrounds and labels: the fixed frame the bars are drawn on. */
function renderLanes(g: GanttGeometry): string[] {
  const out: string[] = [];
  LANES.forEach((lane, k) => {
    const [y, h] = [g.laneY[k], g.laneH[k]];
    out.push(
      `<rect ${attrs({ class: 'lane', x: g.plotLeft, y, width: g.plotRight - g.plotLeft, height: h, fill: COLOR.laneBg })}/>`,
    );
    out.push(
      text(g.plotLeft - 8, y + h / 2, lane.label, {
        'text-anchor': 'end',
        'dominant-baseline': 'central',
        'font-size': 12,
      }),
    );
  });
  return out;
}

/** The links' capacity inside their lanes: a step profile from the lane's bottom, up to its peak. */
function renderCapacity(g: GanttGeometry, capacity: LinkCapacity): string[] {
  const out: string[] = [];
  for (const [key, samples] of [
    ['uplink', capacity.uplink],
    ['downlink', capacity.downlink],
  ] as const) {
    const k = LANES.findIndex((l) => l.key === key);
    const visible = samples.filter(([t]) => t <= g.ticks.max);
    if (k < 0 || visible.length === 0) continue;
    const peak = Math.max(...visible.map(([, c]) => c));
    if (!(peak > 0)) continue;
    const [y, h] = [g.laneY[k], g.laneH[k]];
    const bottom = y + h;
    const yOf = (c: number) => bottom - (c / peak) * (h - 2);
    let d = `M${num(timeX(g, visible[0][0]))},${num(bottom)}`;
    const stepMs = visible.length > 1 ? visible[1][0] - visible[0][0] : 0;
    let end = visible[0][0];
    visible.forEach(([t, c], i) => {
      end = Math.min(g.ticks.max, i + 1 < visible.length ? visible[i + 1][0] : t + stepMs);
      d += ` L${num(timeX(g, t))},${num(yOf(c))} L${num(timeX(g, end))},${num(yOf(c))}`;
    });
    d += ` L${num(timeX(g, end))},${num(bottom)} Z`;
    out.push(
      `<path ${attrs({ class: 'capacity', d, fill: '#9fc5e8', 'fill-opacity': 0.55, stroke: 'none' })}><title>${escapeXml(`${key} capacity, peak ${peak.toFixed(1)} Mbit/s`)}</title></path>`,
    );
    out.push(
      text(g.plotLeft - 8, y + h - 4, `≤ ${peak.toFixed(1)} Mbit/s`, {
        'text-anchor': 'end',
        'font-size': 9,
        fill: '#555555',
      }),
    );
  }
  return out;
}

/** Grid lines, the axis line, tick marks and labels, and the axis title. */
function renderAxis(g: GanttGeometry): string[] {
  const top = g.laneY[0];
  const bottom = g.lanesBottom;
  const out: string[] = [];
  for (const v of g.ticks.values) {
    const x = timeX(g, v);
    out.push(
      `<line ${attrs({ x1: x, y1: top, x2: x, y2: bottom, stroke: COLOR.grid, 'stroke-width': 1 })}/>`,
    );
  }
  out.push(
    `<line ${attrs({ x1: g.plotLeft, y1: bottom + 2, x2: g.plotRight, y2: bottom + 2, stroke: COLOR.axis, 'stroke-width': 1 })}/>`,
  );
  for (const v of g.ticks.values) {
    const x = timeX(g, v);
    out.push(
      `<line ${attrs({ x1: x, y1: bottom + 2, x2: x, y2: bottom + 7, stroke: COLOR.axis, 'stroke-width': 1 })}/>`,
    );
    out.push(text(x, bottom + 19, v.toFixed(g.ticks.decimals), { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  out.push(
    text((g.plotLeft + g.plotRight) / 2, bottom + 36, 'time (ms)', {
      'text-anchor': 'middle',
      'font-size': 12,
    }),
  );
  return out;
}

/** One bar per resource interval, with its tooltip; the label is kept out of the pointer's way. */
function renderBars(g: GanttGeometry): string[] {
  const out: string[] = [];
  for (const { task: t, lane: k, interval: iv, row } of g.bars) {
    const lane = LANES[k];
    const x0 = timeX(g, iv.start);
    // Zero-length intervals (a task with no data to send) still get a sliver, so every phase is visible.
    const w = Math.max(1.5, timeX(g, iv.finish) - x0);
    const rowH = (g.laneH[k] - 6) / g.rows[k];
    const y = g.laneY[k] + 3 + row * rowH;
    const h = rowH - (g.rows[k] > 1 ? 1 : 0);
    const c = colorOf(t.location, lane.key);
    const tip = `${taskLabel(t)}: ${lane.tooltip} ${ms(iv.start)}–${ms(iv.finish)} ms`;
    out.push(
      `<rect ${attrs({ class: `bar ${t.location}`, x: x0, y, width: w, height: h, fill: c.fill, stroke: c.stroke, 'stroke-width': 0.8 })}>` +
        `<title>${escapeXml(tip)}</title></rect>`,
    );
    const label = barLabel(t, w, 10);
    if (label !== undefined) {
      out.push(
        text(x0 + w / 2, y + h / 2, label, {
          'text-anchor': 'middle',
          'dominant-baseline': 'central',
          'font-size': 10,
          fill: c.text,
          'pointer-events': 'none',
        }),
      );
    }
  }
  return out;
}

/** The dashed makespan marker; its label sits left of the line unless that would leave the plot. */
function renderMakespan(g: GanttGeometry, makespan: number): string[] {
  const mx = timeX(g, makespan);
  const top = g.laneY[0] - 4;
  const label = `makespan ${ms(makespan)} ms`;
  const before = mx - 4 - textWidth(label, 11) >= g.plotLeft;
  return [
    `<line ${attrs({ class: 'makespan', x1: mx, y1: top, x2: mx, y2: g.lanesBottom + 2, stroke: COLOR.makespan, 'stroke-width': 1.5, 'stroke-dasharray': '5 3' })}/>`,
    text(before ? mx - 4 : mx + 4, top - 4, label, {
      'text-anchor': before ? 'end' : 'start',
      'font-size': 11,
      fill: COLOR.makespan,
    }),
  ];
}

const LEGEND_ITEMS = [
  { c: COLOR.local, label: 'local (UE CPU)' },
  { c: COLOR.transfer, label: 'offloaded: uplink / downlink' },
  { c: COLOR.mec, label: 'offloaded: MEC VM' },
];
const LEGEND_ROW_H = 18;

/** Legend items flow left to right and wrap when the chart is narrow; returns each item's row and x. */
function legendLayout(left: number, right: number): { row: number; x: number }[] {
  let row = 0;
  let x = left;
  return LEGEND_ITEMS.map((item) => {
    // Legend text is short and known: a tighter width estimate than CHAR_EM keeps the items together.
    const w = 17 + [...item.label].length * 11 * 0.56;
    if (x > left && x + w > right) {
      row++;
      x = left;
    }
    const at = { row, x };
    x += w + 16;
    return at;
  });
}

/** The colour key, shared by the Gantt bars and the graph's nodes. */
function renderLegend(g: GanttGeometry): string[] {
  const out: string[] = [];
  const top = g.lanesBottom + AXIS_H + LEGEND_ROW_H / 2 + 6;
  LEGEND_ITEMS.forEach((item, k) => {
    const { row, x } = g.legend[k];
    const y = top + row * LEGEND_ROW_H;
    out.push(
      `<rect ${attrs({ class: 'legend', x, y: y - 6, width: 12, height: 12, fill: item.c.fill, stroke: item.c.stroke, 'stroke-width': 0.8 })}/>`,
    );
    out.push(text(x + 17, y, item.label, { 'dominant-baseline': 'central', 'font-size': 11 }));
  });
  return out;
}

function renderGantt(g: GanttGeometry, timeline: Timeline, title: string, capacity?: LinkCapacity): string[] {
  return [
    `<g class="gantt">`,
    text(g.box.x, g.box.y + 18, title, { 'font-size': 15, 'font-weight': 'bold' }),
    ...renderLanes(g),
    ...(capacity ? renderCapacity(g, capacity) : []),
    ...renderAxis(g),
    ...renderBars(g),
    ...renderMakespan(g, timeline.makespanMs),
    ...renderLegend(g),
    `</g>`,
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Task graph layout: levels by longest path, dummy nodes on long edges, barycenter ordering, then
// coordinates that pull each node towards its neighbours so that edges run as straight as the order allows
// ---------------------------------------------------------------------------------------------------------

export interface DagLayout {
  /** levelOf[i]: longest path (in edges) from any source to task i. */
  levelOf: number[];
  /** layers[l]: node ids in drawing order. Ids < n are tasks; ids ≥ n are dummies that route long edges. */
  layers: number[][];
  /** Per DAG edge (parents ascending, as edgesOf): the node ids it passes through, parent first. */
  routes: number[][];
  /** slot[v]: position of node v across its layer, in node widths, the smallest being 0. */
  slot: number[];
  /** The largest slot: the drawing is span + 1 node widths across. */
  span: number;
}

function longestPathLevels(dag: Dag): number[] {
  const level = new Array<number>(dag.tasks.length).fill(0);
  for (const i of topologicalOrder(dag))
    for (const c of dag.children[i]) level[c] = Math.max(level[c], level[i] + 1);
  return level;
}

/** Crossings between two adjacent layers, counted pairwise: n is small enough for O(E²). */
function crossings(upper: number[], down: number[][], pos: number[]): number {
  const edges: [number, number][] = [];
  for (const u of upper) for (const v of down[u]) edges.push([pos[u], pos[v]]);
  let count = 0;
  for (let a = 0; a < edges.length; a++)
    for (let b = a + 1; b < edges.length; b++)
      if ((edges[a][0] - edges[b][0]) * (edges[a][1] - edges[b][1]) < 0) count++;
  return count;
}

function totalCrossings(layers: number[][], down: number[][], pos: number[]): number {
  let sum = 0;
  for (let l = 0; l + 1 < layers.length; l++) sum += crossings(layers[l], down, pos);
  return sum;
}

/** Reorders one layer by the mean position of each node's neighbours in the fixed layer; ties keep order. */
function barycenterPass(layer: number[], neighbours: number[][], pos: number[]): number[] {
  const key = layer.map((v) => {
    const ns = neighbours[v];
    return ns.length === 0 ? pos[v] : ns.reduce((s, u) => s + pos[u], 0) / ns.length;
  });
  const order = layer.map((v, k) => ({ v, k, key: key[k] }));
  order.sort((a, b) => a.key - b.key || a.k - b.k);
  const result = order.map((o) => o.v);
  result.forEach((v, k) => (pos[v] = k));
  return result;
}

/** Orders every layer to reduce crossings, keeping the best ordering seen (the heuristic can oscillate). */
function orderLayers(
  layers: number[][],
  up: number[][],
  down: number[][],
  nodes: number,
  sweeps: number,
): number[][] {
  const pos = new Array<number>(nodes).fill(0);
  for (const layer of layers) layer.forEach((v, k) => (pos[v] = k));
  let best = layers.map((l) => [...l]);
  let bestCrossings = totalCrossings(layers, down, pos);
  for (let s = 0; s < sweeps && bestCrossings > 0; s++) {
    if (s % 2 === 0) for (let l = 1; l < layers.length; l++) layers[l] = barycenterPass(layers[l], up, pos);
    else for (let l = layers.length - 2; l >= 0; l--) layers[l] = barycenterPass(layers[l], down, pos);
    const c = totalCrossings(layers, down, pos);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
  }
  return best;
}

/**
 * Positions nearest (least squares) to `desired` that keep the layer's order and minimum separations:
 * isotonic regression by pooling adjacent violators. Dummies are only edge bends and need half the room.
 */
function placeLayer(layer: number[], desired: number[], tasks: number): number[] {
  const half = (v: number) => (v < tasks ? 0.5 : 0.25);
  const offset = layer.map(() => 0);
  for (let k = 1; k < layer.length; k++) offset[k] = offset[k - 1] + half(layer[k - 1]) + half(layer[k]);
  const blocks: { sum: number; count: number }[] = [];
  layer.forEach((_, k) => {
    blocks.push({ sum: desired[k] - offset[k], count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const prev = blocks[blocks.length - 2];
      if (prev.sum / prev.count <= last.sum / last.count) break;
      prev.sum += last.sum;
      prev.count += last.count;
      blocks.pop();
    }
  });
  const result: number[] = [];
  for (const b of blocks)
    for (let j = 0; j < b.count; j++) result.push(b.sum / b.count + offset[result.length]);
  return result;
}

/** Alternating sweeps move each node to the mean position of its neighbours, within placeLayer's limits. */
function assignSlots(
  layers: number[][],
  up: number[][],
  down: number[][],
  tasks: number,
  nodes: number,
): number[] {
  const slot = new Array<number>(nodes).fill(0);
  const place = (layer: number[], neighbours: (v: number) => number[]) => {
    const desired = layer.map((v) => {
      const ns = neighbours(v);
      return ns.length === 0 ? slot[v] : ns.reduce((s, u) => s + slot[u], 0) / ns.length;
    });
    placeLayer(layer, desired, tasks).forEach((x, k) => (slot[layer[k]] = x));
  };
  for (const layer of layers) place(layer, () => []);
  for (let round = 0; round < 4; round++) {
    for (let l = 1; l < layers.length; l++) place(layers[l], (v) => up[v]);
    for (let l = layers.length - 2; l >= 0; l--) place(layers[l], (v) => down[v]);
  }
  // A last pass against both sides balances nodes between their parents and children.
  for (const layer of layers) place(layer, (v) => [...up[v], ...down[v]]);
  // Shift so that the leftmost node or bend is at 0; the panel is sized from the span.
  const min = slot.length === 0 ? 0 : Math.min(...slot);
  return slot.map((x) => x - min);
}

export function layoutDag(dag: Dag, sweeps = 12): DagLayout {
  const n = dag.tasks.length;
  const levelOf = longestPathLevels(dag);
  const depth = n === 0 ? 0 : Math.max(...levelOf) + 1;
  const layers: number[][] = Array.from({ length: depth }, () => []);
  for (let i = 0; i < n; i++) layers[levelOf[i]].push(i);
  const up: number[][] = Array.from({ length: n }, () => []);
  const down: number[][] = Array.from({ length: n }, () => []);
  const routes: number[][] = [];
  // Long edges get one dummy per level they cross, so that ordering also untangles them.
  let next = n;
  dag.children.forEach((cs, p) => {
    for (const c of cs) {
      const route = [p];
      for (let l = levelOf[p] + 1; l < levelOf[c]; l++) {
        const d = next++;
        layers[l].push(d);
        up.push([]);
        down.push([]);
        route.push(d);
      }
      route.push(c);
      for (let k = 0; k + 1 < route.length; k++) {
        down[route[k]].push(route[k + 1]);
        up[route[k + 1]].push(route[k]);
      }
      routes.push(route);
    }
  });
  const ordered = orderLayers(layers, up, down, next, sweeps);
  const slot = assignSlots(ordered, up, down, n, next);
  const span = Math.max(0, ...slot);
  return { levelOf, layers: ordered, routes, slot, span };
}

// ---------------------------------------------------------------------------------------------------------
// Task graph drawing
// ---------------------------------------------------------------------------------------------------------

/** 'down': levels top to bottom (a tall panel beside the chart); 'right': left to right (a wide panel below). */
type Orientation = 'down' | 'right';

interface GraphGeometry {
  orientation: Orientation;
  levelGap: number;
  slotGap: number;
  width: number;
  height: number;
}

const GRAPH_CAPTION = 'Task graph';
const GRAPH_HEADER_H = 24;
const GRAPH_MARGIN = NODE_R + 8;

function graphGeometry(layout: DagLayout, orientation: Orientation, levelGap: number): GraphGeometry {
  const slotGap = orientation === 'down' ? 40 : 36;
  const levelSpan = Math.max(0, layout.layers.length - 1) * levelGap + 2 * GRAPH_MARGIN;
  const slotSpan = layout.span * slotGap + 2 * GRAPH_MARGIN;
  const captionW = textWidth(GRAPH_CAPTION, 12) + 4;
  return orientation === 'down'
    ? {
        orientation,
        levelGap,
        slotGap,
        width: Math.max(captionW, slotSpan),
        height: GRAPH_HEADER_H + levelSpan,
      }
    : {
        orientation,
        levelGap,
        slotGap,
        width: Math.max(captionW, levelSpan),
        height: GRAPH_HEADER_H + slotSpan,
      };
}

/** Node centres (dummies included): levels along the orientation, slots across, the drawing centred. */
function nodePositions(
  layout: DagLayout,
  g: GraphGeometry,
  x0: number,
  y0: number,
): Map<number, [number, number]> {
  const at = new Map<number, [number, number]>();
  const top = y0 + GRAPH_HEADER_H;
  const across = (g.orientation === 'down' ? g.width : g.height - GRAPH_HEADER_H) - layout.span * g.slotGap;
  layout.layers.forEach((layer, l) => {
    for (const v of layer) {
      const slot = across / 2 + layout.slot[v] * g.slotGap;
      const level = GRAPH_MARGIN + l * g.levelGap;
      at.set(v, g.orientation === 'down' ? [x0 + slot, top + level] : [x0 + level, top + slot]);
    }
  });
  return at;
}

/** A polyline through the route, trimmed to the circles so that the arrowhead touches the child. */
function edgePath(points: [number, number][]): string {
  const pts = points.map(([x, y]) => [x, y] as [number, number]);
  const trim = (from: [number, number], to: [number, number], by: number): [number, number] => {
    const dx = to[0] - from[0];
    const dy = to[1] - from[1];
    const len = Math.hypot(dx, dy) || 1;
    return [from[0] + (dx / len) * by, from[1] + (dy / len) * by];
  };
  const last = pts.length - 1;
  const start = trim(points[0], points[1], NODE_R);
  // The marker's tip is at the path's end: stop 1 px short of the circle so the stroke does not cover it.
  const end = trim(points[last], points[last - 1], NODE_R + 1);
  pts[0] = start;
  pts[last] = end;
  return pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${num(x)} ${num(y)}`).join(' ');
}

/** The id inside the circle, shrunk to fit and, failing that, shortened with an ellipsis. */
function nodeLabel(id: string): { label: string; size: number } {
  const room = 2 * NODE_R - 5;
  for (let size = 11; size >= 8; size--) if (textWidth(id, size) <= room) return { label: id, size };
  return { label: fitText(id, room, 8, 1) ?? '…', size: 8 };
}

function renderGraph(
  dag: Dag,
  layout: DagLayout,
  g: GraphGeometry,
  x0: number,
  y0: number,
  locationOf: Map<number, 'ue' | 'mec'>,
): string[] {
  const at = nodePositions(layout, g, x0, y0);
  const out: string[] = [
    // The class records the orientation, for tools and tests that look at the figure's structure.
    `<g class="dag levels-${g.orientation}">`,
    text(x0, y0 + 14, GRAPH_CAPTION, { 'font-size': 12, 'font-weight': 'bold' }),
  ];
  for (const route of layout.routes) {
    const d = edgePath(route.map((v) => at.get(v)!));
    out.push(
      `<path ${attrs({ class: 'edge', d, fill: 'none', stroke: COLOR.edge, 'stroke-width': 1, 'marker-end': 'url(#mrlco-arrow)' })}/>`,
    );
  }
  dag.tasks.forEach((task, i) => {
    const [cx, cy] = at.get(i)!;
    const loc = locationOf.get(i);
    const c = colorOf(loc, 'mec');
    const where = loc === 'ue' ? 'UE' : loc === 'mec' ? 'MEC' : 'not scheduled';
    const { label, size } = nodeLabel(task.id);
    out.push(
      `<circle ${attrs({ class: `node ${loc ?? 'none'}`, cx, cy, r: NODE_R, fill: c.fill, stroke: c.stroke, 'stroke-width': 1 })}>` +
        `<title>${escapeXml(`${taskLabel(task)}: ${where}`)}</title></circle>`,
    );
    out.push(
      text(cx, cy, label, {
        'text-anchor': 'middle',
        'dominant-baseline': 'central',
        'font-size': size,
        fill: c.text,
        'pointer-events': 'none',
      }),
    );
  });
  out.push(`</g>`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The figure
// ---------------------------------------------------------------------------------------------------------

/** Checks that the timeline belongs to this DAG: a mismatch would draw a plausible but wrong figure. */
function locations(dag: Dag, timeline: Timeline): Map<number, 'ue' | 'mec'> {
  const map = new Map<number, 'ue' | 'mec'>();
  for (const t of timeline.tasks) {
    const task = dag.tasks[t.index];
    if (task === undefined || task.id !== t.id)
      throw new Error(
        `timeline task ${t.id} (index ${t.index}) is not task ${task?.id ?? '?'} of DAG ${dag.name}`,
      );
    map.set(t.index, t.location);
  }
  return map;
}

function defaultTitle(dag: Dag, timeline: Timeline): string {
  const offloaded = timeline.tasks.filter((t) => t.location === 'mec').length;
  return `${dag.name}: ${dag.tasks.length} tasks, ${offloaded} offloaded (${timeline.profile} profile)`;
}

/**
 * Renders the schedule as a standalone SVG document: the Gantt chart of the four resources with the
 * makespan marked, and the task graph coloured by location, beside the chart when it is narrow enough
 * (at most 40 % of the width and not much taller than the chart), otherwise below it, left to right.
 */
export function renderGanttSvg(dag: Dag, timeline: Timeline, options: GanttSvgOptions = {}): string {
  const width = Math.max(480, Math.round(options.width ?? 960));
  const title = options.title ?? defaultTitle(dag, timeline);
  const locationOf = locations(dag, timeline);
  const layout = layoutDag(dag);
  // The chart at full width: its height (nearly independent of width) sizes the graph panel.
  const chartH = ganttGeometry({ x: PAD, y: PAD, width: width - 2 * PAD }, timeline).height;

  // Beside: fit the levels to the chart's height where possible, within readable spacing.
  const levels = Math.max(1, layout.layers.length);
  const besideGap = Math.min(
    64,
    Math.max(44, (chartH - GRAPH_HEADER_H - 2 * GRAPH_MARGIN) / Math.max(1, levels - 1)),
  );
  const beside = graphGeometry(layout, 'down', besideGap);
  const useBeside = beside.width <= 0.4 * width && beside.height <= 2 * chartH;

  let svgWidth = width;
  let svgHeight: number;
  let parts: string[];
  if (useBeside) {
    const gantt = ganttGeometry({ x: PAD, y: PAD, width: width - 3 * PAD - beside.width }, timeline);
    svgHeight = PAD + Math.max(gantt.height, TITLE_H + beside.height) + PAD;
    parts = [
      ...renderGantt(gantt, timeline, title, options.capacity),
      ...renderGraph(dag, layout, beside, width - PAD - beside.width, PAD + TITLE_H, locationOf),
    ];
  } else {
    const belowGap = Math.min(
      110,
      Math.max(48, (width - 2 * PAD - 2 * GRAPH_MARGIN) / Math.max(1, levels - 1)),
    );
    const below = graphGeometry(layout, 'right', belowGap);
    svgWidth = Math.max(width, below.width + 2 * PAD);
    const gantt = ganttGeometry({ x: PAD, y: PAD, width: width - 2 * PAD }, timeline);
    const graphY = PAD + gantt.height + PAD;
    svgHeight = graphY + below.height + PAD;
    parts = [
      ...renderGantt(gantt, timeline, title, options.capacity),
      ...renderGraph(dag, layout, below, PAD + (svgWidth - 2 * PAD - below.width) / 2, graphY, locationOf),
    ];
  }

  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" ${attrs({ width: svgWidth, height: svgHeight })} ` +
    `viewBox="0 0 ${num(svgWidth)} ${num(svgHeight)}" font-family="${escapeXml(FONT)}" fill="#1a1a1a">`;
  const defs =
    `<defs><marker id="mrlco-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" ` +
    `markerUnits="userSpaceOnUse" orient="auto"><polygon points="0,0 8,4 0,8" fill="${COLOR.edge}"/></marker></defs>`;
  const background = `<rect class="background" x="0" y="0" width="${num(svgWidth)}" height="${num(svgHeight)}" fill="#ffffff"/>`;
  return [head, defs, background, ...parts, '</svg>'].join('\n');
}
