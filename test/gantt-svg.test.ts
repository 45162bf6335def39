import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDag, edgeCount, type Dag, type Task } from '../src/dag/dag.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { createProblem, timelineOf } from '../src/mec/problem.js';
import type { Timeline } from '../src/mec/simulator.js';
import { layoutDag, niceTicks, renderGanttSvg } from '../src/report/gantt-svg.js';

const NASTY = 'A&B <x> "q"';

function task(id: string, mcycles: number, kbUp: number, kbDown: number, name?: string): Task {
  return {
    id,
    ...(name !== undefined ? { name } : {}),
    cycles: mcycles * 1e6,
    uploadBytes: kbUp * 1e3,
    resultBytes: kbDown * 1e3,
  };
}

/** A diamond with a tail and a long edge (1 -> 6), so that the layout needs a dummy node. */
function sample(): { dag: Dag; timeline: Timeline; plan: number[] } {
  const dag = createDag({
    name: 'sample',
    tasks: [
      task('1', 40, 20, 5, 'decode'),
      task('2', 120, 30, 10, NASTY),
      task('3', 60, 10, 10),
      task('4', 200, 40, 5, 'detect'),
      task('5', 30, 5, 5),
      task('6', 50, 10, 20, 'render'),
    ],
    edges: [
      ['1', '2'],
      ['1', '3'],
      ['2', '4'],
      ['3', '4'],
      ['4', '5'],
      ['1', '6'],
      ['5', '6'],
    ],
  });
  const problem = createProblem(dag, DEFAULT_SYSTEM, { profile: 'reference' });
  // Tasks 2 and 4 offloaded, the rest local.
  const plan = [0, 1, 0, 1, 0, 0];
  return { dag, timeline: timelineOf(problem, plan), plan };
}

function count(haystack: string, needle: RegExp): number {
  return (haystack.match(needle) ?? []).length;
}

/** The part of the document inside <g class="NAME…">…</g> (the groups do not nest). */
function group(svg: string, name: string): string {
  const start = svg.indexOf(`<g class="${name}`);
  assert.ok(start >= 0, `group ${name} is present`);
  return svg.slice(start, svg.indexOf('</g>', start));
}

function intervalsOf(timeline: Timeline): number {
  let n = 0;
  for (const t of timeline.tasks) for (const k of ['ue', 'uplink', 'mec', 'downlink'] as const) if (t[k]) n++;
  return n;
}

test('the document is a standalone SVG with balanced elements', () => {
  const { timeline } = sample();
  const svg = renderGanttSvg(sample().dag, timeline);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.endsWith('</svg>'));
  assert.equal(count(svg, /<svg[\s>]/g), 1);
  assert.doesNotMatch(svg, /<script|href=|@import|url\(http/i);
  for (const tag of ['g', 'text', 'title', 'marker', 'defs']) {
    assert.equal(count(svg, new RegExp(`<${tag}[\\s>]`, 'g')), count(svg, new RegExp(`</${tag}>`, 'g')), tag);
  }
  // Every attribute value is quoted and no raw '&' escapes the entity syntax.
  assert.doesNotMatch(svg, /&(?!(amp|lt|gt|quot|apos);)/);
});

test('one bar and one tooltip per resource interval, plus the counted decorations', () => {
  const { dag, timeline, plan } = sample();
  const svg = renderGanttSvg(dag, timeline);
  const intervals = intervalsOf(timeline);
  const offloaded = plan.filter((a) => a === 1).length;
  assert.equal(intervals, plan.length - offloaded + 3 * offloaded);
  assert.equal(count(svg, /<rect class="bar /g), intervals);
  // Decorations: 1 background, 4 lane backgrounds, 3 legend swatches.
  assert.equal(count(svg, /<rect[\s>]/g), intervals + 1 + 4 + 3);
  assert.equal(count(group(svg, 'gantt'), /<title>/g), intervals);
  assert.equal(count(svg, /<rect class="bar ue"/g), plan.length - offloaded);
  assert.equal(count(svg, /<rect class="bar mec"/g), 3 * offloaded);
  // Uplink and downlink bars of an offloaded task share the MEC bar's hue (a light tint of it).
  assert.match(svg, /<rect class="bar mec" [^>]*fill="#f28e2b"/);
  assert.match(svg, /<rect class="bar mec" [^>]*fill="#fbd3ab"/);
  assert.doesNotMatch(svg, /<rect class="bar ue" [^>]*fill="#f28e2b"/);
});

test('overlapping intervals (the unqueued reference downlink) are stacked, never drawn over each other', () => {
  // Three independent offloaded tasks with equal uploads: their downloads overlap in the reference profile.
  const dag = createDag({
    name: 'parallel',
    tasks: [task('1', 10, 1, 1), task('2', 400, 30, 40), task('3', 400, 30, 40), task('4', 400, 30, 40)],
    edges: [
      ['1', '2'],
      ['1', '3'],
      ['1', '4'],
    ],
  });
  const timeline = timelineOf(createProblem(dag, DEFAULT_SYSTEM, { profile: 'reference' }), [0, 1, 1, 1]);
  const dl = timeline.tasks.flatMap((t) => (t.downlink ? [t.downlink] : []));
  const overlapping = dl.some((a, i) =>
    dl.some((b, j) => i !== j && a.start < b.finish && b.start < a.finish),
  );
  assert.ok(overlapping, 'the fixture has overlapping downloads');
  const svg = renderGanttSvg(dag, timeline);
  const bars = [...svg.matchAll(/<rect class="bar [^"]*" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"/g)].map(
    (m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      w: Number(m[3]),
    }),
  );
  assert.equal(bars.length, intervalsOf(timeline));
  for (const a of bars)
    for (const b of bars)
      if (a !== b && a.y === b.y)
        assert.ok(a.x + a.w <= b.x + 0.01 || b.x + b.w <= a.x + 0.01, 'bars overlap');
});

test('tooltips give the task, resource and interval in ms', () => {
  const { dag, timeline } = sample();
  const svg = renderGanttSvg(dag, timeline);
  const t4 = timeline.tasks.find((t) => t.id === '4')!;
  assert.ok(t4.uplink);
  const expected = `<title>task 4 (detect): uplink ${t4.uplink.start.toFixed(1)}–${t4.uplink.finish.toFixed(1)} ms</title>`;
  assert.ok(svg.includes(expected), expected);
  const t3 = timeline.tasks.find((t) => t.id === '3')!;
  assert.ok(
    svg.includes(`<title>task 3: UE CPU ${t3.ue!.start.toFixed(1)}–${t3.ue!.finish.toFixed(1)} ms</title>`),
  );
});

test('lane labels, makespan label and axis ticks', () => {
  const { dag, timeline } = sample();
  const svg = renderGanttSvg(dag, timeline);
  for (const label of ['UE CPU', 'Uplink', 'MEC VM', 'Downlink'])
    assert.ok(svg.includes(`>${label}</text>`), label);
  assert.ok(timeline.makespanMs > 0);
  assert.ok(svg.includes(`>makespan ${timeline.makespanMs.toFixed(1)} ms</text>`));
  assert.equal(count(svg, /<line class="makespan"[^>]*stroke-dasharray/g), 1);
  assert.ok(svg.includes('>time (ms)</text>'));
  // The axis starts at 0 and its last tick is at or past the makespan.
  const ticks = niceTicks(timeline.makespanMs, 5);
  assert.ok(ticks.max >= timeline.makespanMs);
  assert.ok(svg.includes('>0</text>'));
});

test('the task graph has one circle per task and one path per edge', () => {
  const { dag, timeline, plan } = sample();
  const svg = renderGanttSvg(dag, timeline);
  const graph = group(svg, 'dag');
  assert.ok(svg.includes('<g class="dag levels-down">'), 'a small graph sits beside the chart');
  assert.equal(count(svg, /<circle[\s>]/g), dag.tasks.length);
  assert.equal(count(graph, /<circle class="node ue"/g), plan.filter((a) => a === 0).length);
  assert.equal(count(graph, /<circle class="node mec"/g), plan.filter((a) => a === 1).length);
  assert.equal(count(svg, /<path[\s>]/g), edgeCount(dag));
  assert.equal(count(graph, /marker-end="url\(#mrlco-arrow\)"/g), edgeCount(dag));
  // Node colours are the Gantt's: blue on the UE, orange on the MEC.
  assert.match(graph, /<circle class="node ue" [^>]*fill="#4e79a7"/);
  assert.match(graph, /<circle class="node mec" [^>]*fill="#f28e2b"/);
});

test('text is escaped for XML', () => {
  const { dag, timeline } = sample();
  const svg = renderGanttSvg(dag, timeline, { title: 'R&D <draft> "v2"' });
  assert.ok(!svg.includes(NASTY));
  assert.ok(svg.includes('A&amp;B &lt;x&gt; &quot;q&quot;'));
  assert.ok(svg.includes('>R&amp;D &lt;draft&gt; &quot;v2&quot;</text>'));
  assert.doesNotMatch(svg, /<(?!\/?(svg|defs|marker|polygon|rect|title|g|text|line|path|circle)[\s>/])/);
});

test('the output is deterministic', () => {
  const a = sample();
  const b = sample();
  assert.equal(renderGanttSvg(a.dag, a.timeline), renderGanttSvg(a.dag, a.timeline));
  assert.equal(renderGanttSvg(a.dag, a.timeline), renderGanttSvg(b.dag, b.timeline));
  assert.doesNotMatch(renderGanttSvg(a.dag, a.timeline), /NaN|undefined|Infinity/);
});

test('ticks are round 1-2-5 steps covering the maximum', () => {
  assert.deepEqual(niceTicks(812.3, 5).values, [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(9, 5).values, [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.7, 4).values, [0, 0.2, 0.4, 0.6, 0.8]);
  assert.equal(niceTicks(0.7, 4).decimals, 1);
  assert.deepEqual(niceTicks(50, 5).values, [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(niceTicks(0).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  for (const max of [1, 3.7, 12, 99, 130, 4321, 0.05]) {
    const t = niceTicks(max, 6);
    assert.ok(t.max >= max && t.values.length >= 2, String(max));
    const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
    assert.ok(
      [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9),
      `step ${t.step}`,
    );
  }
});

test('layout: levels are longest paths, long edges get dummies, barycenter removes avoidable crossings', () => {
  const { dag } = sample();
  const layout = layoutDag(dag);
  assert.deepEqual(layout.levelOf, [0, 1, 1, 2, 3, 4]);
  const longEdge = layout.routes.find((r) => r[0] === 0 && r[r.length - 1] === 5)!;
  assert.equal(longEdge.length, 5, 'edge 1 -> 6 crosses three levels');

  // Two chains drawn crossed in index order (a1->b2, a2->b1) must come out uncrossed.
  const crossed = createDag({
    name: 'x',
    tasks: ['a1', 'a2', 'b1', 'b2'].map((id) => task(id, 1, 1, 1)),
    edges: [
      ['a1', 'b2'],
      ['a2', 'b1'],
    ],
  });
  const l = layoutDag(crossed);
  const [top, bottom] = l.layers;
  assert.equal(top.indexOf(0) < top.indexOf(1), bottom.indexOf(3) < bottom.indexOf(2));
});

test('a wide graph goes below the chart, a timeline from another DAG is refused', () => {
  const n = 16;
  const tasks = Array.from({ length: n }, (_, i) => task(String(i + 1), 20, 5, 5));
  const edges: [string, string][] = [];
  for (let i = 2; i < n; i++) edges.push(['1', String(i)], [String(i), String(n)]);
  const dag = createDag({ name: 'fan', tasks, edges });
  const problem = createProblem(dag, DEFAULT_SYSTEM, { profile: 'reference' });
  const timeline = timelineOf(
    problem,
    tasks.map((_, i) => i % 2),
  );
  const svg = renderGanttSvg(dag, timeline, { width: 800 });
  assert.ok(svg.includes('<g class="dag levels-right">'));
  assert.ok(svg.includes('width="800"'));
  assert.equal(count(svg, /<circle[\s>]/g), n);

  const { dag: other } = sample();
  assert.throws(() => renderGanttSvg(other, timeline), /is not task/);
});

test('bars are labelled by task id, as the task graph beside them; names are in the tooltips', () => {
  const { dag, timeline } = sample();
  const svg = renderGanttSvg(dag, timeline);
  const gantt = group(svg, 'gantt');
  // The bars' labels: the texts inside the chart that keep out of the pointer's way.
  const barTexts = [...gantt.matchAll(/<text [^>]*pointer-events="none"[^>]*>([^<]*)<\/text>/g)].map(
    (m) => m[1],
  );
  assert.ok(barTexts.length > 0, 'some bars are labelled');
  const ids = new Set(dag.tasks.map((t) => t.id));
  for (const t of barTexts) assert.ok(ids.has(t) || /…$/.test(t), `bar label "${t}" is a task id`);
  assert.ok(gantt.includes('task 4 (detect)'), 'the name is in the tooltip');
  const graph = group(svg, 'dag');
  for (const t of barTexts) assert.ok(graph.includes(`>${t}</text>`), `the graph shows ${t} too`);
});
