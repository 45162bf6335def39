import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXAMPLE_DAGS, exampleDag } from '../src/dag/examples.js';
import { edgesOf, topologicalOrder } from '../src/dag/dag.js';
import { InputError } from '../src/util/errors.js';

test('the required examples exist with unique keys', () => {
  const keys = EXAMPLE_DAGS.map((e) => e.key);
  assert.equal(new Set(keys).size, keys.length);
  for (const key of ['face-recognition', 'gesture', 'augmented-reality']) assert.ok(keys.includes(key), key);
});

for (const example of EXAMPLE_DAGS) {
  test(`example ${example.key}: builds an acyclic DAG with named tasks in topological order`, () => {
    const dag = example.build();
    const n = dag.tasks.length;
    assert.ok(n >= 5, `${n} tasks`);
    assert.equal(topologicalOrder(dag).length, n, 'acyclic');
    assert.deepEqual(
      dag.tasks.map((t) => t.id),
      Array.from({ length: n }, (_, i) => String(i + 1)),
    );
    for (const [p, c] of edgesOf(dag)) assert.ok(p < c, `edge ${p + 1} -> ${c + 1} goes backwards`);
    const names = dag.tasks.map((t) => t.name ?? '');
    assert.ok(
      names.every((name) => name.trim() !== ''),
      'every task has a name',
    );
    assert.equal(new Set(names).size, n, 'names are unique');
    assert.ok(
      dag.tasks.every((_, t) => dag.parents[t].length > 0 || dag.children[t].length > 0),
      'no isolated task',
    );
  });

  test(`example ${example.key}: sizes lie in the paper's ranges`, () => {
    for (const task of example.build().tasks) {
      assert.ok(task.cycles >= 1e7 && task.cycles <= 1e8, `${task.name}: ${task.cycles} cycles`);
      for (const bytes of [task.uploadBytes, task.resultBytes])
        assert.ok(bytes >= 5e3 && bytes <= 5e4, `${task.name}: ${bytes} bytes`);
    }
  });

  test(`example ${example.key}: meta and source cite the paper and say the numbers are estimates`, () => {
    const dag = exampleDag(example.key);
    assert.deepEqual(dag, example.build());
    assert.equal(dag.meta.example, example.key);
    assert.equal(dag.meta.source, example.source);
    assert.match(example.source, /\d{4}/, 'the citation has a year');
    assert.match(example.source, /estimates/);
    assert.ok(example.title.length > 0);
  });
}

test('an unknown example key throws an InputError listing the known keys', () => {
  assert.throws(
    () => exampleDag('nope'),
    (err: unknown) =>
      err instanceof InputError && EXAMPLE_DAGS.every((e) => (err as Error).message.includes(e.key)),
  );
});
