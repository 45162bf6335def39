/**
 * Allocate once: a second teacher-forced pass (forward and backward) and a second decoding of the same
 * shape allocate no typed arrays, for every architecture, and give the same numbers as the first (the
 * reused buffers start clean). A smaller batch fits in the buffers already there. A cache or decoder
 * whose buffers a later pass has reused is refused instead of read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceAllocations } from '../src/nn/workspace.js';
import { createPolicy } from '../src/policy/create.js';
import { batchObservations } from '../src/policy/observation.js';
import { START_ACTION, type OffloadingPolicy, type PolicyConfig } from '../src/policy/policy.js';
import { DEFAULT_POLICY, PAPER_POLICY } from '../src/policy/policy.js';
import type { Backend } from '../src/nn/backend.js';
import { Rng } from '../src/util/rng.js';
import { availableBackends } from './helpers/backends.js';

const configs: [string, PolicyConfig][] = [
  ['paper (layer norm, additive)', { ...PAPER_POLICY, hidden: 16 }],
  ['paper (luong, no layer norm)', { ...PAPER_POLICY, hidden: 16, layerNorm: false, attention: 'luong' }],
  [
    'seq2seq (lookahead heft)',
    { ...PAPER_POLICY, arch: 'seq2seq', hidden: 16, lookahead: 'heft', priorGain: 10 },
  ],
  ['mlp (default)', { ...DEFAULT_POLICY, hidden: 16 }],
];

function batch(policy: OffloadingPolicy, lens: number[], rng: Rng) {
  const F = policy.features;
  const obs = batchObservations(
    lens.map((n) => Float32Array.from({ length: n * F }, () => rng.normal())),
    F,
    policy.stepFeatures,
  );
  for (let i = 0; i < obs.steps.length; i++) obs.steps[i] = rng.normal();
  const actions = Uint8Array.from({ length: obs.B * obs.T }, () => (rng.next() < 0.5 ? 1 : 0));
  const dLogits = Float32Array.from({ length: obs.B * obs.T * 2 }, () => rng.normal());
  const dValues = Float32Array.from({ length: obs.B * obs.T }, () => rng.normal());
  return { obs, actions, dLogits, dValues };
}

/** One teacher-forced pass and one decoding; returns what they computed (copied out of the buffers). */
function passes(be: Backend, policy: OffloadingPolicy, b: ReturnType<typeof batch>) {
  const fwd = policy.forward(be, b.obs, b.actions);
  const logits = fwd.logits.slice();
  policy.params.zeroGrad();
  policy.backward(be, fwd.cache, b.dLogits, b.dValues);
  const grads = policy.params.grads.slice();
  const { B, T } = b.obs;
  const S = policy.stepFeatures;
  const decoder = policy.beginDecode(be, b.obs);
  const prev = new Int32Array(B).fill(START_ACTION);
  const head = new Float32Array(B * 3);
  const heads = new Float32Array(T * B * 3);
  for (let t = 0; t < T; t++) {
    decoder.step(t, prev, b.obs.steps.subarray(t * B * S, (t + 1) * B * S), head);
    heads.set(head, t * B * 3);
    for (let r = 0; r < B; r++) prev[r] = b.actions[r * T + t];
  }
  return { logits, grads, heads };
}

for (const be of availableBackends()) {
  for (const [label, config] of configs) {
    test(`[${be.name}] ${label}: a second pass of the same shape allocates no typed arrays`, () => {
      const policy = createPolicy(config, 3);
      const rng = new Rng(5);
      const b = batch(policy, [5, 3, 7, 6], rng);
      const first = passes(be, policy, b);
      const before = workspaceAllocations();
      const second = passes(be, policy, b);
      assert.equal(workspaceAllocations() - before, 0, 'typed arrays allocated by the second pass');
      assert.deepEqual(second.logits, first.logits);
      assert.deepEqual(second.grads, first.grads);
      assert.deepEqual(second.heads, first.heads);
      // A smaller batch fits in the buffers already there.
      const small = batch(policy, [4, 2], rng);
      passes(be, policy, small);
      assert.equal(workspaceAllocations() - before, 0, 'typed arrays allocated by a smaller pass');
    });

    test(`[${be.name}] ${label}: a stale forward cache or decoder is refused`, () => {
      const policy = createPolicy(config, 3);
      const b = batch(policy, [4, 3], new Rng(6));
      const stale = policy.forward(be, b.obs, b.actions);
      policy.forward(be, b.obs, b.actions);
      assert.throws(() => policy.backward(be, stale.cache, b.dLogits, b.dValues), /later pass has reused/);
      const old = policy.beginDecode(be, b.obs);
      policy.beginDecode(be, b.obs);
      const S = policy.stepFeatures;
      assert.throws(
        () =>
          old.step(
            0,
            new Int32Array(2).fill(START_ACTION),
            b.obs.steps.subarray(0, 2 * S),
            new Float32Array(6),
          ),
        /later pass has reused/,
      );
    });
  }
}
