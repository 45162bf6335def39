import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset } from '../src/dag/io.js';
import { createProblem } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { batchObservations, encodeProblem, featureCount } from '../src/policy/observation.js';
import { decodeStored } from '../src/policy/decode.js';
import { logProbsOf } from '../src/policy/head-rows.js';
import { Seq2SeqPolicy, type PolicyConfig } from '../src/policy/seq2seq.js';
import { Adam } from '../src/nn/adam.js';
import { Rng } from '../src/util/rng.js';
import { referenceData } from './helpers/paths.js';
import { availableBackends } from './helpers/backends.js';

const small: PolicyConfig = {
  arch: 'paper',
  neighbours: 12,
  hidden: 16,
  layers: 2,
  layerNorm: true,
  attention: 'luong',
  lookahead: 'none',
  priorGain: 0,
  observation: 'model',
};

function mixedBatch() {
  const n10 = readDataset(join(referenceData, 'meta_offloading_n/offload_random10')).dags.slice(0, 3);
  const n15 = readDataset(join(referenceData, 'meta_offloading_n/offload_random15')).dags.slice(0, 2);
  const problems = [...n10, ...n15].map((d) => createProblem(d, DEFAULT_SYSTEM, { profile: 'reference' }));
  return { problems, encoded: problems.map((p) => encodeProblem(p)) };
}

test('observation: rank-order positions, normalised times, parents and children padded with -1', () => {
  const { problems, encoded } = mixedBatch();
  const p = problems[0];
  const F = featureCount(12);
  const x = encoded[0];
  assert.equal(x.length, p.order.length * F);
  const n = p.order.length;
  for (let k = 0; k < n; k++) {
    assert.ok(Math.abs(x[k * F] - k / n) < 1e-7);
    const task = p.order[k];
    const parents = p.dag.parents[task].map((j) => p.order.indexOf(j)).sort((a, b) => a - b);
    for (let s = 0; s < 12; s++)
      assert.ok(Math.abs(x[k * F + 5 + s] - (s < parents.length ? parents[s] / n : -1)) < 1e-7);
    // Parents come earlier in the sequence.
    for (const q of parents) assert.ok(q < k);
  }
  let meanLocal = 0;
  for (let k = 0; k < n; k++) meanLocal += x[k * F + 1];
  assert.ok(Math.abs(meanLocal / n - 1) < 1e-5);
});

for (const be of availableBackends()) {
  test(`[${be.name}] sampled log-probabilities and values equal the teacher-forced ones (mixed lengths)`, () => {
    const { encoded } = mixedBatch();
    const policy = new Seq2SeqPolicy(small, 3);
    const obs = batchObservations(encoded, policy.features);
    const decoded = decodeStored(be, policy, obs, 'sample', new Rng(5));
    const forward = policy.forward(be, obs, decoded.actions);
    const lp = logProbsOf(forward.logits, decoded.actions);
    for (let b = 0; b < obs.B; b++) {
      for (let t = 0; t < obs.lens[b]; t++) {
        const r = b * obs.T + t;
        assert.ok(Math.abs(lp[r] - decoded.logProbs[r]) < 1e-4, `logp b=${b} t=${t}`);
        assert.ok(Math.abs(forward.values[r] - decoded.values[r]) < 1e-4, `value b=${b} t=${t}`);
      }
    }
  });

  test(`[${be.name}] a DAG's decisions do not depend on what else is in the batch`, () => {
    const { encoded } = mixedBatch();
    const policy = new Seq2SeqPolicy(small, 4);
    const together = decodeStored(be, policy, batchObservations(encoded, policy.features), 'greedy');
    const alone = decodeStored(be, policy, batchObservations([encoded[1]], policy.features), 'greedy');
    const Tt = Math.max(...encoded.map((e) => e.length / policy.features));
    const n = encoded[1].length / policy.features;
    for (let t = 0; t < n; t++) {
      assert.equal(together.actions[1 * Tt + t], alone.actions[t]);
      assert.ok(Math.abs(together.values[1 * Tt + t] - alone.values[t]) < 1e-4);
    }
  });

  test(`[${be.name}] sampling is reproducible for a seed; weights are reproducible for a seed`, () => {
    const { encoded } = mixedBatch();
    const a = new Seq2SeqPolicy(small, 9);
    const b = new Seq2SeqPolicy(small, 9);
    assert.deepEqual(a.params.values, b.params.values);
    assert.notDeepEqual(a.params.values, new Seq2SeqPolicy(small, 10).params.values);
    const obs = batchObservations(encoded, a.features);
    assert.deepEqual(
      decodeStored(be, a, obs, 'sample', new Rng(1)).actions,
      decodeStored(be, b, obs, 'sample', new Rng(1)).actions,
    );
  });

  test(`[${be.name}] Adam on the policy fits a target plan by teacher forcing (it learns)`, () => {
    const { problems, encoded } = mixedBatch();
    const policy = new Seq2SeqPolicy({ ...small, layerNorm: false }, 2);
    const obs = batchObservations(encoded, policy.features);
    // Target: offload the tasks whose local time exceeds the mean (feature 1 > 1).
    const target = new Uint8Array(obs.B * obs.T);
    problems.forEach((_, b) => {
      for (let t = 0; t < obs.lens[b]; t++)
        target[b * obs.T + t] = encoded[b][t * policy.features + 1] > 1 ? 1 : 0;
    });
    const adam = new Adam(policy.params.size, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const nll = (): number => {
      const lp = logProbsOf(policy.forward(be, obs, target).logits, target);
      let s = 0;
      for (let b = 0; b < obs.B; b++) for (let t = 0; t < obs.lens[b]; t++) s -= lp[b * obs.T + t];
      return s;
    };
    const before = nll();
    for (let step = 0; step < 200; step++) {
      const r = policy.forward(be, obs, target);
      const dLogits = new Float32Array(r.logits.length);
      for (let b = 0; b < obs.B; b++) {
        for (let t = 0; t < obs.lens[b]; t++) {
          const i = b * obs.T + t;
          const l0 = r.logits[2 * i];
          const l1 = r.logits[2 * i + 1];
          const p1 = 1 / (1 + Math.exp(l0 - l1));
          dLogits[2 * i] = target[i] === 0 ? -(1 - (1 - p1)) : 1 - p1;
          dLogits[2 * i + 1] = target[i] === 1 ? -(1 - p1) : p1;
        }
      }
      policy.params.zeroGrad();
      policy.backward(be, r.cache, dLogits, new Float32Array(r.values.length));
      adam.step(policy.params.values, policy.params.grads);
    }
    const after = nll();
    assert.ok(after < 0.25 * before, `NLL ${before} -> ${after}`);
    const greedy = decodeStored(be, policy, obs, 'greedy');
    let agree = 0;
    let total = 0;
    for (let b = 0; b < obs.B; b++)
      for (let t = 0; t < obs.lens[b]; t++, total++)
        if (greedy.actions[b * obs.T + t] === target[b * obs.T + t]) agree++;
    assert.ok(agree / total > 0.9, `argmax agrees on ${agree}/${total}`);
  });
}
