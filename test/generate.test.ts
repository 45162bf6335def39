import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GENERATOR_PARAMS,
  generateDag,
  generateDags,
  generateTopology,
  validateGeneratorParams,
  type GeneratorParams,
} from '../src/dag/generate.js';
import { edgeCount, edgesOf, type Dag } from '../src/dag/dag.js';
import { sizeFromBytes, sizeFromCycles } from '../src/dag/daggen-units.js';
import { formatDag, parseDag } from '../src/dag/io.js';
import { InputError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

const params = (overrides: Partial<GeneratorParams> = {}): GeneratorParams => ({
  ...DEFAULT_GENERATOR_PARAMS,
  ...overrides,
});

/** Level of each task when jump = 1: every parent is on the previous level, so level = longest path depth. */
function levelsOf(dag: Dag): number[] {
  const level: number[] = [];
  dag.tasks.forEach((_, t) => {
    level[t] = dag.parents[t].length === 0 ? 0 : 1 + Math.max(...dag.parents[t].map((p) => level[p]));
  });
  return level;
}

function levelSizes(levels: readonly number[]): number[] {
  const sizes: number[] = [];
  for (const l of levels) sizes[l] = (sizes[l] ?? 0) + 1;
  return sizes;
}

const relativeError = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const SHAPES: Partial<GeneratorParams>[] = [
  { n: 20, fat: 0.6, density: 0.8 },
  { n: 20, fat: 0.4, density: 0.4, regular: 0.2 },
  { n: 50, fat: 0.8, density: 0.5, regular: 0 },
  { n: 35, fat: 0.5, density: 1, regular: 0.9 },
  { n: 1 },
  { n: 7, fat: 1, density: 0 },
];

test('the same seed gives identical DAGs, another seed or index different ones', () => {
  const p = params({ n: 30 });
  assert.deepEqual(generateDags(p, 5), generateDags(p, 5));
  assert.deepEqual(generateDag(p, 3), generateDags(p, 5)[3], 'graph k regenerates alone');
  assert.notDeepEqual(generateDag(params({ n: 30, seed: 2 }), 0).tasks, generateDag(p, 0).tasks);
  assert.notDeepEqual(generateDag(p, 1).tasks, generateDag(p, 0).tasks);
});

test('regression: seed 1 gives the same small graph as when this test was written', () => {
  const dag = generateDag(params({ n: 8, seed: 1 }), 0);
  const edges = edgesOf(dag).map(([p, c]) => `${dag.tasks[p].id}->${dag.tasks[c].id}`);
  assert.deepEqual(edges, GOLDEN_EDGES);
});
const GOLDEN_EDGES = ['1->5', '1->6', '1->7', '2->5', '2->7', '3->5', '4->7', '6->8', '7->8'];

test('graphs have exactly n tasks with ids "1".."n", named random.<n>.<index>', () => {
  for (const shape of SHAPES) {
    const p = params(shape);
    for (const [k, dag] of generateDags(p, 10).entries()) {
      assert.equal(dag.tasks.length, p.n);
      assert.deepEqual(
        dag.tasks.map((t) => t.id),
        Array.from({ length: p.n }, (_, i) => String(i + 1)),
      );
      assert.equal(dag.name, `random.${p.n}.${k}`);
    }
  }
});

test('with jump 1 every task below the top level has a parent on the previous level only', () => {
  for (const shape of SHAPES) {
    for (const dag of generateDags(params(shape), 20)) {
      const level = levelsOf(dag);
      const sizes = levelSizes(level);
      dag.tasks.forEach((_, t) => {
        for (const p of dag.parents[t]) assert.equal(level[p], level[t] - 1, `edge ${p} -> ${t}`);
        if (t > 0) assert.ok(level[t] >= level[t - 1], 'ids are numbered level by level');
        if (level[t] > 0) assert.ok(dag.parents[t].length <= sizes[level[t] - 1], 'parents bound');
      });
    }
  }
});

test('the topology numbers tasks level by level and draws parents from the jump levels above', () => {
  for (const jump of [1, 2, 4]) {
    for (let k = 0; k < 20; k++) {
      const p = params({ n: 40, fat: 0.5, jump });
      const { levelSizes: sizes, parents } = generateTopology(p, new Rng(p.seed, k));
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        p.n,
      );
      const levelOf = sizes.flatMap((size, l) => Array<number>(size).fill(l));
      parents.forEach((ps, t) => {
        const level = levelOf[t];
        if (level === 0) assert.equal(ps.length, 0);
        else {
          assert.ok(ps.length >= 1 && ps.length <= sizes[level - 1], `task ${t}: ${ps.length} parents`);
          assert.equal(new Set(ps).size, ps.length, 'no parent twice');
        }
        for (const parent of ps) {
          assert.ok(levelOf[parent] < level, 'edges go from an earlier level');
          assert.ok(levelOf[parent] >= Math.max(0, level - jump), 'at most jump levels up');
        }
      });
      const dag = generateDag(p, k);
      assert.deepEqual(
        dag.parents,
        parents.map((ps) => [...ps].sort((a, b) => a - b)),
        'the DAG is built on the topology',
      );
    }
  }
});

test('regular = 1 makes every level floor(n^fat) wide except the last', () => {
  for (const [n, fat] of [
    [50, 0.5],
    [20, 0.6],
    [33, 0.7],
  ]) {
    const width = Math.floor(n ** fat);
    for (const dag of generateDags(params({ n, fat, regular: 1 }), 10)) {
      const sizes = levelSizes(levelsOf(dag));
      sizes.slice(0, -1).forEach((size) => assert.equal(size, width));
      assert.ok(sizes[sizes.length - 1] >= 1 && sizes[sizes.length - 1] <= width);
    }
  }
});

test('the topology does not depend on the profile or ccr', () => {
  const a = generateDag(params({ profile: 'reference', ccr: 0.5 }), 4);
  const b = generateDag(params({ profile: 'paper', ccr: 0.3 }), 4);
  assert.deepEqual(a.parents, b.parents);
});

test('reference profile: result volumes are multiples of 1024 in [minData, maxData) and ccr-rounded', () => {
  for (const ccr of [0.3, 0.37, 0.5, 1]) {
    const p = params({ ccr, n: 25 });
    for (const dag of generateDags(p, 10)) {
      for (const task of dag.tasks) {
        const expect = Math.round(sizeFromBytes(task.resultBytes));
        const size = Math.round(sizeFromCycles(task.cycles));
        assert.equal(expect % 1024, 0);
        assert.ok(expect >= p.minData && expect < p.maxData, `expect_size ${expect}`);
        assert.equal(Math.round(size * ccr), expect);
        assert.equal(Math.round(sizeFromBytes(task.uploadBytes)), size, 'upload volume = size');
      }
    }
  }
});

test('reference profile with the datasets parameters stays in the paper ranges', () => {
  for (const task of generateDags(params(), 20).flatMap((d) => d.tasks)) {
    assert.ok(task.cycles >= 1e7 && task.cycles <= 1e8, `cycles ${task.cycles}`);
    assert.ok(task.resultBytes >= 5e3 && task.resultBytes < 5e4, `result ${task.resultBytes}`);
  }
});

test('paper profile: cycles in [1e7, 1e8], upload in [5 KB, 50 KB], result = ccr x upload', () => {
  const p = params({ profile: 'paper', ccr: 0.4, n: 30 });
  for (const task of generateDags(p, 10).flatMap((d) => d.tasks)) {
    assert.ok(task.cycles >= 1e7 && task.cycles <= 1e8, `cycles ${task.cycles}`);
    assert.ok(task.uploadBytes >= 5e3 && task.uploadBytes <= 5e4, `upload ${task.uploadBytes}`);
    assert.ok(relativeError(task.resultBytes, 0.4 * task.uploadBytes) < 1e-12);
  }
});

test('meta records every parameter, the seed and the index', () => {
  const p = params({ n: 15, seed: 42, profile: 'paper', jump: 2 });
  assert.deepEqual(generateDag(p, 3).meta, {
    generator: 'mrlco',
    n: 15,
    fat: p.fat,
    density: p.density,
    regular: p.regular,
    jump: 2,
    ccr: p.ccr,
    mindata: p.minData,
    maxdata: p.maxData,
    profile: 'paper',
    seed: 42,
    index: 3,
  });
});

function assertSameGraph(actual: Dag, expected: Dag, tolerance: number): void {
  assert.deepEqual(edgesOf(actual), edgesOf(expected));
  assert.deepEqual(
    actual.tasks.map((t) => t.id),
    expected.tasks.map((t) => t.id),
  );
  actual.tasks.forEach((task, i) => {
    for (const field of ['cycles', 'uploadBytes', 'resultBytes'] as const) {
      const error = relativeError(task[field], expected.tasks[i][field]);
      assert.ok(error <= tolerance, `task ${task.id} ${field}: relative error ${error}`);
    }
  });
  for (const [key, value] of Object.entries(expected.meta)) assert.equal(actual.meta[key], value, key);
}

test('JSON and DOT round-trips keep sizes, edges and the generator meta', () => {
  for (const profile of ['reference', 'paper'] as const) {
    const dag = generateDag(params({ profile, n: 25, seed: 7, ccr: 0.35 }), 2);
    const json = parseDag(formatDag(dag, 'json'), 'json', 'memory.json');
    assertSameGraph(json, dag, 1e-9);
    assert.equal(json.name, dag.name);
    const dot = parseDag(formatDag(dag, 'dot'), 'dot', 'memory.gv', dag.name);
    assertSameGraph(dot, dag, 1e-6);
  }
});

test('a higher density gives more edges per task', () => {
  const meanEdgesPerTask = (density: number): number => {
    const dags = generateDags(params({ n: 40, fat: 0.6, density, seed: 11 }), 100);
    return dags.reduce((sum, d) => sum + edgeCount(d), 0) / (dags.length * 40);
  };
  const dense = meanEdgesPerTask(0.8);
  const sparse = meanEdgesPerTask(0.4);
  assert.ok(dense > sparse * 1.2, `density 0.8: ${dense} edges/task, 0.4: ${sparse}`);
});

test('invalid parameters throw a one-line InputError', () => {
  const invalid: Partial<GeneratorParams>[] = [
    { n: 0 },
    { n: 2.5 },
    { n: NaN },
    { fat: 0 },
    { fat: 1.1 },
    { density: -0.1 },
    { density: 2 },
    { regular: -1 },
    { regular: NaN },
    { jump: 0 },
    { jump: 1.5 },
    { ccr: 0 },
    { ccr: -1 },
    { ccr: Infinity },
    { minData: 10, maxData: 5 },
    { minData: -1 },
    { profile: 'other' as GeneratorParams['profile'] },
    { seed: 1.5 },
  ];
  for (const overrides of invalid) {
    const p = params(overrides);
    assert.throws(
      () => validateGeneratorParams(p),
      (err: unknown) => err instanceof InputError && !err.message.includes('\n'),
      JSON.stringify(overrides),
    );
    assert.throws(() => generateDag(p), InputError);
  }
  assert.throws(() => generateDag(params(), -1), InputError);
  assert.throws(() => generateDags(params(), 1.5), InputError);
  assert.doesNotThrow(() => validateGeneratorParams(params({ density: 0, regular: 0, fat: 1 })));
});
