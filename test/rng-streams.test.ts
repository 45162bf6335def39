/**
 * The named random streams: their ranges never meet (so no two purposes share a stream, whatever the
 * meta-batch or the step), an index outside its range is refused, and the meta-batch is bounded so
 * that inner-loop slots stay inside an iteration's range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RUN, mergeRunConfig } from '../src/rl/config.js';
import { innerLoopStream, MAX_META_BATCH, RNG_STREAMS, streamId } from '../src/util/rng-streams.js';
import { Rng } from '../src/util/rng.js';

test('the named streams occupy disjoint ranges', () => {
  const ranges = Object.entries(RNG_STREAMS)
    .map(([name, s]) => ({ name, lo: s.base, hi: s.base + ('size' in s ? s.size : 1) }))
    .sort((a, b) => a.lo - b.lo);
  for (let k = 1; k < ranges.length; k++)
    assert.ok(ranges[k].lo >= ranges[k - 1].hi, `${ranges[k - 1].name} runs into ${ranges[k].name}`);
});

test('indices are checked against their range', () => {
  assert.equal(streamId('adaptReport', 0), 13);
  assert.throws(() => streamId('adaptReport', RNG_STREAMS.adaptReport.size), /outside/);
  assert.throws(() => streamId('trainSample', 3), /has no index/);
  assert.throws(() => streamId('innerLoop'), /outside/);
  assert.equal(innerLoopStream(2, 5), 2 * MAX_META_BATCH + 5);
  assert.throws(() => innerLoopStream(0, MAX_META_BATCH), /outside/);
  assert.throws(
    () => mergeRunConfig(DEFAULT_RUN, { meta: { metaBatch: MAX_META_BATCH + 1 } }, 'x.json'),
    /meta\.metaBatch must be an integer from 1 to 1024/,
  );
});

test('the seeded shuffles: permutations, reproducible for a seed, the partial one uniform over choices', () => {
  const a = new Rng(5).shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(new Rng(5).shuffle(Array.from({ length: 50 }, (_, i) => i)), a);
  assert.notDeepEqual(new Rng(6).shuffle(Array.from({ length: 50 }, (_, i) => i)), a);
  // Each of 4 items lands first in about a quarter of 4000 partial shuffles.
  const rng = new Rng(7);
  const first = [0, 0, 0, 0];
  for (let k = 0; k < 4000; k++) first[rng.partialShuffle([0, 1, 2, 3], 2)[0]]++;
  for (const c of first) assert.ok(c > 900 && c < 1100, `first-place counts ${first.join(' ')}`);
});
