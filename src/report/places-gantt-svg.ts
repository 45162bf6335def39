/**
 * A schedule over several places as a Gantt chart: a lane for the device's CPU, and per server its
 * uplink, VM and downlink, and for the cloud its backhaul each way and its CPU. Each task's bar is
 * labelled with its id and coloured by its place; the footer gives makespan, energy and objective.
 */
import type { PlaceTaskTimeline } from '../mec/places/simulator.js';
import type { SystemSpec } from '../mec/places/system-spec.js';
import { escapeXml, niceTicks } from './gantt-svg.js';

export interface PlaceGanttInput {
  spec: SystemSpec;
  places: readonly string[];
  taskIds: readonly string[];
  tasks: readonly PlaceTaskTimeline[];
  makespanMs: number;
  energyJ: number;
  objective: string;
  title: string;
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];
const LANE_H = 26;
const LEFT = 150;
const WIDTH = 1000;

interface Lane {
  label: string;
  bars: { start: number; finish: number; task: string; place: number }[];
}

export function renderPlacesGanttSvg(g: PlaceGanttInput): string {
  const S = g.spec.servers.length;
  const cloudPlace = g.spec.cloud ? S + 1 : -1;
  const lanes: Lane[] = [{ label: 'device CPU', bars: [] }];
  const laneOf = new Map<string, Lane>();
  const add = (key: string, label: string) => {
    const lane = { label, bars: [] };
    lanes.push(lane);
    laneOf.set(key, lane);
  };
  g.spec.servers.forEach((s, k) => {
    add(`up${k}`, `${s.name} uplink`);
    add(`cpu${k + 1}`, `${s.name} VM`);
    add(`down${k}`, `${s.name} downlink`);
  });
  if (g.spec.cloud) {
    const name = g.places[cloudPlace];
    add('bhup', `${name} backhaul up`);
    add(`cpu${cloudPlace}`, `${name} CPU`);
    add('bhdown', `${name} backhaul down`);
  }
  const viaLink = g.spec.cloud ? g.spec.servers.findIndex((s) => s.name === g.spec.cloud!.via) : -1;
  for (const t of g.tasks) {
    const task = g.taskIds[t.index];
    const bar = (lane: Lane | undefined, i?: { start: number; finish: number }) => {
      if (lane && i && i.finish > i.start) lane.bars.push({ ...i, task, place: t.place });
    };
    if (t.place === 0) bar(lanes[0], t.local);
    else {
      const link = t.place === cloudPlace ? viaLink : t.place - 1;
      bar(laneOf.get(`up${link}`), t.uplink);
      bar(laneOf.get('bhup'), t.backhaulUp);
      bar(laneOf.get(`cpu${t.place}`), t.cpu);
      bar(laneOf.get('bhdown'), t.backhaulDown);
      bar(laneOf.get(`down${link}`), t.downlink);
    }
  }
  const ticks = niceTicks(g.makespanMs, 8);
  const x = (v: number) => LEFT + ((WIDTH - LEFT - 20) * v) / ticks.max;
  const top = 40;
  const height = top + lanes.length * LANE_H + 70;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${escapeXml(g.title)}</text>`,
  ];
  lanes.forEach((lane, k) => {
    const y = top + k * LANE_H;
    out.push(`<text x="10" y="${y + 17}">${escapeXml(lane.label)}</text>`);
    out.push(`<line x1="${LEFT}" x2="${WIDTH - 20}" y1="${y + LANE_H}" y2="${y + LANE_H}" stroke="#ddd"/>`);
    for (const b of lane.bars) {
      const x0 = x(b.start);
      const w = Math.max(1, x(b.finish) - x0);
      out.push(
        `<rect x="${x0.toFixed(2)}" y="${y + 3}" width="${w.toFixed(2)}" height="${LANE_H - 6}" fill="${COLOURS[b.place % COLOURS.length]}" stroke="white"><title>${escapeXml(`${b.task} at ${g.places[b.place]}: ${b.start.toFixed(1)}-${b.finish.toFixed(1)} ms`)}</title></rect>`,
      );
      if (w > 8 * b.task.length)
        out.push(
          `<text x="${(x0 + w / 2).toFixed(2)}" y="${y + 17}" text-anchor="middle" fill="white">${escapeXml(b.task)}</text>`,
        );
    }
  });
  const axisY = top + lanes.length * LANE_H;
  for (const v of ticks.values) {
    out.push(
      `<line x1="${x(v).toFixed(2)}" x2="${x(v).toFixed(2)}" y1="${axisY}" y2="${axisY + 5}" stroke="#333"/>`,
    );
    out.push(
      `<text x="${x(v).toFixed(2)}" y="${axisY + 18}" text-anchor="middle">${v.toFixed(ticks.decimals)}</text>`,
    );
  }
  out.push(`<text x="${WIDTH - 20}" y="${axisY + 34}" text-anchor="end">ms</text>`);
  const legend = g.places
    .map((p, k) => `<tspan fill="${COLOURS[k % COLOURS.length]}">■</tspan> ${escapeXml(p)}`)
    .join('  ');
  out.push(`<text x="10" y="${axisY + 34}">${legend}</text>`);
  out.push(
    `<text x="10" y="${axisY + 54}">${escapeXml(`makespan ${g.makespanMs.toFixed(2)} ms, device energy ${g.energyJ.toFixed(3)} J, objective ${g.objective}`)}</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
