import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDot } from '../src/dag/dot.js';
import { parseDagJson } from '../src/dag/json.js';
import { formatDag, parseDag, readDagFile, readDataset, writeDagFile } from '../src/dag/io.js';
import { DEFAULT_GENERATOR_PARAMS, generateDag } from '../src/dag/generate.js';
import { implausibleSize } from '../src/dag/plausibility.js';
import { InputError } from '../src/util/errors.js';
import { cliPath, referenceData } from './helpers/paths.js';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers/tmp.js';

const sample = join(referenceData, 'meta_offloading_20/offload_random20_8/random.20.0.gv');

test('reads a daggen DOT file of the reference datasets with the units of shared/README', () => {
  const dag = readDagFile(sample);
  assert.equal(dag.tasks.length, 20);
  assert.equal(dag.tasks[0].id, '1');
  // size 52594688 -> 50.16 ms on a 1 GHz device; upload 50160 bytes; result 25080 bytes.
  assert.ok(Math.abs(dag.tasks[0].cycles - (52594688 * 1e6) / 2 ** 20) < 1e-6);
  assert.ok(Math.abs(dag.tasks[0].uploadBytes - (52594688 * 1e3) / 2 ** 20) < 1e-9);
  assert.ok(Math.abs(dag.tasks[0].resultBytes - (26297344 * 1e3) / 2 ** 20) < 1e-9);
  assert.deepEqual(dag.children[0], [7, 8]);
  assert.deepEqual(dag.parents[8], [0, 1, 2, 5]);
  assert.equal(dag.meta.fat, 0.6);
  assert.equal(dag.meta.density, 0.8);
  assert.equal(dag.meta.n, 20);
});

test('DOT and JSON round-trips keep tasks, edges and metadata', () => {
  const dag = readDagFile(sample);
  for (const format of ['dot', 'json'] as const) {
    const back = parseDag(formatDag(dag, format), format, 'roundtrip');
    assert.deepEqual(back.children, dag.children);
    assert.equal(back.meta.fat, 0.6);
    back.tasks.forEach((t, i) => {
      assert.ok(Math.abs(t.cycles - dag.tasks[i].cycles) <= 1e-6 * dag.tasks[i].cycles);
      assert.ok(Math.abs(t.uploadBytes - dag.tasks[i].uploadBytes) <= 1e-6 * dag.tasks[i].uploadBytes);
      assert.ok(Math.abs(t.resultBytes - dag.tasks[i].resultBytes) <= 1e-6 * dag.tasks[i].resultBytes);
    });
  }
  // JSON is exact.
  assert.equal(formatDag(parseDag(formatDag(dag, 'json'), 'json', 'x'), 'json'), formatDag(dag, 'json'));
});

test('DOT keeps an upload volume that differs from the computation volume', () => {
  const json = JSON.stringify({
    format: 'mrlco-dag',
    version: 1,
    name: 'u',
    tasks: [{ id: 1, cycles: 2e7, uploadBytes: 5000, resultBytes: 1000 }],
    edges: [],
  });
  const dag = parseDagJson(json, 'u.json');
  const back = parseDot(formatDag(dag, 'dot'), 'u.gv');
  assert.ok(Math.abs(back.tasks[0].uploadBytes - 5000) < 1e-3);
  assert.ok(Math.abs(back.tasks[0].cycles - 2e7) < 1);
});

function expectError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

const node = (id: number, size = 1000) => `${id} [size="${size}", alpha="0.1", expect_size="500"]`;

test('clear one-line errors for bad DOT input, naming the file', () => {
  expectError(() => parseDot('digraph G { 1 -> [ }', 'bad.gv'), /^bad\.gv: malformed DOT/);
  expectError(
    () => parseDot(`digraph G { ${node(1)} ${node(2)} 1 -> 2 2 -> 1 }`, 'cyc.gv'),
    /^cyc\.gv: the graph has a cycle: /,
  );
  expectError(
    () => parseDot(`digraph G { ${node(1, -5)} }`, 'neg.gv'),
    /^neg\.gv: node 1: size must not be negative/,
  );
  expectError(
    () => parseDot(`digraph G { ${node(1)} 1 -> 7 }`, 'dangle.gv'),
    /^dangle\.gv: edge 1 -> 7 refers to undeclared node 7/,
  );
  expectError(
    () => parseDot('digraph G { 1 [size="10"] }', 'attr.gv'),
    /^attr\.gv: node 1 has no expect_size attribute/,
  );
  expectError(
    () => parseDot('digraph G { 1 [size="ten", expect_size="1"] }', 'nan.gv'),
    /^nan\.gv: node 1: size="ten" is not a number/,
  );
  expectError(() => parseDot('digraph G { }', 'empty.gv'), /^empty\.gv: the DAG has no tasks/);
  expectError(() => parseDot(`graph G { ${node(1)} }`, 'undirected.gv'), /undirected/);
  expectError(() => parseDot(`digraph G { ${node(1)} 1 -> 1 }`, 'self.gv'), /self-loop/);
});

test('DOT: a syntax error names its line and column; a node declared twice is refused, naming it', () => {
  expectError(
    () => parseDot(`digraph G {\n  ${node(1)}\n  2 [size="3" expect_size=]\n}`, 'bad.gv'),
    /^bad\.gv: malformed DOT \(line 3, column 27\): /,
  );
  expectError(
    () => parseDot(`digraph G {\n  ${node(1)}\n  ${node(2)}\n  ${node(1, 5)}\n  1 -> 2\n}`, 'dup.gv'),
    /^dup\.gv: node 1 is declared twice \(lines 2 and 4\)/,
  );
});

test('DOT: a size too large to convert names its attribute; a large finite one is read', () => {
  expectError(
    () => parseDot(`digraph G { ${node(1, 1e308)} }`, 'huge.gv'),
    /^huge\.gv: node 1: size="1e\+308" is too large/,
  );
  expectError(
    () => parseDot('digraph G { 1 [size="1", expect_size="1e308"] }', 'huge.gv'),
    /^huge\.gv: node 1: expect_size="1e308" is too large/,
  );
  const dag = parseDot(`digraph G { ${node(1, 1e15)} }`, 'big.gv');
  assert.equal(implausibleSize(dag), `task 1: ${dag.tasks[0].cycles.toPrecision(3)} CPU cycles`);
  assert.equal(implausibleSize(parseDot(`digraph G { ${node(1)} }`, 'ok.gv')), undefined);
});

test('clear one-line errors for bad JSON input', () => {
  const ok = {
    format: 'mrlco-dag',
    version: 1,
    name: 'x',
    tasks: [{ id: 1, cycles: 1, uploadBytes: 1, resultBytes: 1 }],
    edges: [],
  };
  expectError(() => parseDagJson('{"format": ', 'bad.json'), /^bad\.json: malformed JSON/);
  expectError(() => parseDagJson(JSON.stringify({ ...ok, version: 9 }), 'v.json'), /unsupported version 9/);
  expectError(
    () => parseDagJson(JSON.stringify({ ...ok, format: 'other' }), 'f.json'),
    /"format" must be "mrlco-dag"/,
  );
  expectError(
    () =>
      parseDagJson(
        JSON.stringify({ ...ok, tasks: [{ id: 1, cycles: -1, uploadBytes: 1, resultBytes: 1 }] }),
        'n.json',
      ),
    /cycles must not be negative/,
  );
  expectError(
    () =>
      parseDagJson(
        JSON.stringify({ ...ok, tasks: [{ id: 1, cycles: '5', uploadBytes: 1, resultBytes: 1 }] }),
        's.json',
      ),
    /"cycles" must be a number/,
  );
  expectError(() => parseDagJson(JSON.stringify({ ...ok, edges: [[1, 2]] }), 'd.json'), /unknown task 2/);
  expectError(
    () => parseDagJson(JSON.stringify({ ...ok, tasks: [...ok.tasks, ...ok.tasks] }), 'dup.json'),
    /defined twice/,
  );
});

test('a dataset is a folder of DAG files in natural order; a bad file is named', () => {
  const ds = readDataset(join(referenceData, 'meta_offloading_n/offload_random10'));
  assert.equal(ds.dags.length, 100);
  assert.deepEqual(
    ds.dags.slice(0, 3).map((d) => d.name),
    ['random.10.0', 'random.10.1', 'random.10.2'],
  );
  assert.equal(ds.dags[10].name, 'random.10.10');
  const dir = tempDir('ds');
  writeFileSync(join(dir, 'a.gv'), `digraph G { ${node(1)} }`);
  writeFileSync(join(dir, 'b.json'), '{ nope');
  expectError(() => readDataset(dir), /b\.json: malformed JSON/);
  expectError(() => readDataset(join(dir, 'missing')), /no such file or folder/);
  const empty = tempDir('empty');
  expectError(() => readDataset(empty), /no DAG files/);
});

test('DOT: a 2000-task DAG written by the generator reads back whole (beyond the parser default limits)', () => {
  const dag = generateDag({ ...DEFAULT_GENERATOR_PARAMS, n: 2000 }, 0);
  const dir = tempDir('big');
  const path = join(dir, 'big.gv');
  writeDagFile(path, dag, 'dot');
  const back = readDagFile(path);
  assert.equal(back.tasks.length, 2000);
  assert.deepEqual(back.parents, dag.parents);
  assert.deepEqual(
    back.tasks.map((t) => t.cycles),
    dag.tasks.map((t) => t.cycles),
  );
});

test('the command line notes implausibly large task sizes (likely a unit mistake) and goes on', () => {
  const dir = tempDir('plausible');
  writeFileSync(join(dir, 'big.gv'), `digraph G { ${node(1, 1e15)} ${node(2)} 1 -> 2 }`);
  const r = spawnSync(process.execPath, [cliPath, 'evaluate', '--dag', join(dir, 'big.gv'), '--plan', '00'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /^note: .*big\.gv: a DAG has implausibly large tasks \(task 1: 9\.54e\+14 CPU cycles; .*check the units/,
  );
});
