/**
 * The named random streams: their ranges never meet (so no two purposes share a stream, whatever the
 * meta-batch or the step), an index outside its range is refused, and the meta-batch is bounded so
 * that inner-loop slots stay inside an iteration's range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RUN, mergeRunConfig } from '../src/rl/config.js';
import { innerLoopStream, MAX_META_BATCH, RNG_STREAMS, streamId } from '../src/util/rng-streams.js';

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
