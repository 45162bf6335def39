// Gradient checks of every layer and of the whole policy network, on both backends.
import { Workspace } from '../src/nn/workspace.js';
import { test } from 'node:test';
import { Rng } from '../src/util/rng.js';
import { ParamSet } from '../src/nn/params.js';
import { Linear } from '../src/nn/linear.js';
import { Embedding } from '../src/nn/embedding.js';
import { LstmLayer } from '../src/nn/lstm.js';
import { Attention, ATTENTION_KINDS } from '../src/nn/attention.js';
import { layerNormBackward, layerNormForward } from '../src/nn/layer-norm.js';
import type { Backend } from '../src/nn/backend.js';
import assert from 'node:assert/strict';
import { createPolicy } from '../src/policy/create.js';
import type { OffloadingPolicy, PolicyConfig } from '../src/policy/policy.js';
import { Seq2SeqPolicy } from '../src/policy/seq2seq.js';
import { batchObservations } from '../src/policy/observation.js';
import { checkGradients, dot64, randomArray } from './helpers/gradcheck.js';
import { availableBackends } from './helpers/backends.js';

const backends: Backend[] = availableBackends();
const base: PolicyConfig = {
  arch: 'mlp',
  neighbours: 2,
  hidden: 4,
  layers: 1,
  layerNorm: false,
  attention: 'luong',
  lookahead: 'none',
  priorGain: 0,
  observation: 'model',
};

for (const be of backends) {
  test(`[${be.name}] Linear: weight, bias and input gradients`, () => {
    const rng = new Rng(1);
    const params = new ParamSet();
    const layer = new Linear(params, 'l', 5, 4);
    params.allocate(rng);
    const rows = 3;
    const x = randomArray(rows * 5, rng);
    const w = randomArray(rows * 4, rng);
    const y = new Float32Array(rows * 4);
    const loss = () => (layer.forward(be, rows, x, y), dot64(y, w));
    loss();
    params.zeroGrad();
    const dx = new Float32Array(rows * 5);
    layer.backward(be, rows, x, w, dx);
    checkGradients(params.values, params.grads, loss, { label: 'linear params' });
    checkGradients(x, dx, loss, { label: 'linear input' });
  });

  test(`[${be.name}] Embedding: scatter-add of gradients`, () => {
    const rng = new Rng(2);
    const params = new ParamSet();
    const emb = new Embedding(params, 'e', 3, 4);
    params.allocate(rng);
    const ids = [2, 0, 2, 1];
    const w = randomArray(4 * 4, rng);
    const out = new Float32Array(16);
    const loss = () => (emb.forward(4, ids, out), dot64(out, w));
    params.zeroGrad();
    emb.backward(4, ids, w);
    checkGradients(params.values, params.grads, loss, { samples: 12, label: 'embedding' });
  });

  for (const layerNorm of [false, true]) {
    test(`[${be.name}] LSTM layer (layer norm ${layerNorm ? 'on' : 'off'}): BPTT with a length mask and initial state`, () => {
      const rng = new Rng(3);
      const params = new ParamSet();
      const T = 4;
      const rows = 3;
      const In = 3;
      const H = 5;
      const layer = new LstmLayer(params, 'lstm', In, H, layerNorm);
      params.allocate(rng);
      layer.initForgetBias();
      const x = randomArray(T * rows * In, rng);
      const h0 = randomArray(rows * H, rng, 0.5);
      const c0 = randomArray(rows * H, rng, 0.5);
      // Row 1 stops after 2 steps, row 2 after 3.
      const lens = [4, 2, 3];
      const mask = new Float32Array(T * rows);
      for (let t = 0; t < T; t++) for (let r = 0; r < rows; r++) mask[t * rows + r] = t < lens[r] ? 1 : 0;
      const wOut = randomArray(T * rows * H, rng);
      for (let t = 0; t < T; t++)
        for (let r = 0; r < rows; r++)
          if (t >= lens[r]) wOut.fill(0, (t * rows + r) * H, (t * rows + r + 1) * H);
      const wH = randomArray(rows * H, rng);
      const wC = randomArray(rows * H, rng);
      const ws = new Workspace();
      const loss = () => {
        const r = layer.forward(be, ws, T, rows, x, mask, { h: h0, c: c0 });
        return dot64(r.out, wOut) + dot64(r.final.h, wH) + dot64(r.final.c, wC);
      };
      const r = layer.forward(be, ws, T, rows, x, mask, { h: h0, c: c0 });
      params.zeroGrad();
      const g = layer.backward(be, ws, r.cache, wOut, { h: wH, c: wC });
      checkGradients(params.values, params.grads, loss, { samples: 60, label: 'lstm params' });
      checkGradients(x, g.dx, loss, { label: 'lstm input' });
      checkGradients(h0, g.dInit.h, loss, { label: 'lstm h0' });
      checkGradients(c0, g.dInit.c, loss, { label: 'lstm c0' });
    });
  }

  for (const kind of ATTENTION_KINDS) {
    test(`[${be.name}] ${kind} attention: gradients w.r.t. parameters, decoder and encoder outputs`, () => {
      const rng = new Rng(4);
      const params = new ParamSet();
      const H = 4;
      const B = 2;
      const Le = 3;
      const Ld = 3;
      const att = new Attention(params, 'att', H, kind);
      params.allocate(rng);
      const E = randomArray(B * Le * H, rng);
      const D = randomArray(B * Ld * H, rng);
      const lens = [3, 2];
      const w = randomArray(B * Ld * H, rng);
      const ws = new Workspace();
      const loss = () => {
        const keys = att.prepare(be, ws, B, Le, E, lens);
        return dot64(att.forward(be, ws, keys, Ld, D).out, w);
      };
      const keys = att.prepare(be, ws, B, Le, E, lens);
      const cache = att.forward(be, ws, keys, Ld, D);
      params.zeroGrad();
      const g = att.backward(be, ws, keys, cache, w);
      checkGradients(params.values, params.grads, loss, { label: 'attention params' });
      checkGradients(D, g.dD, loss, { label: 'attention decoder' });
      checkGradients(E, g.dE, loss, { label: 'attention encoder' });
    });
  }
}

test('layer norm: gradients w.r.t. input, gain and bias', () => {
  const rng = new Rng(5);
  const rows = 3;
  const width = 6;
  const x = randomArray(rows * width, rng);
  const gain = randomArray(width, rng);
  const bias = randomArray(width, rng);
  const w = randomArray(rows * width, rng);
  const y = new Float32Array(rows * width);
  const xhat = new Float32Array(rows * width);
  const inv = new Float32Array(rows);
  const loss = () => (layerNormForward(rows, width, x, width, gain, bias, y, width, xhat, inv), dot64(y, w));
  loss();
  const dGain = new Float32Array(width);
  const dBias = new Float32Array(width);
  const dx = new Float32Array(rows * width);
  layerNormBackward(rows, width, w, width, xhat, inv, gain, dGain, dBias, dx, width);
  checkGradients(x, dx, loss, { samples: 18, label: 'ln input' });
  checkGradients(gain, dGain, loss, { samples: 6, label: 'ln gain' });
  checkGradients(bias, dBias, loss, { samples: 6, label: 'ln bias' });
});

/**
 * A random batch of three DAGs (lengths 4, 2, 3; random step features when the policy reads them), the
 * loss Σ w·logits + Σ w·values over the valid steps, and the policy's analytic gradients of it.
 */
function policyLoss(be: Backend, policy: OffloadingPolicy, rng: Rng): () => number {
  const F = policy.features;
  const lens = [4, 2, 3];
  const obs = batchObservations(
    lens.map((n) => randomArray(n * F, rng)),
    F,
    policy.stepFeatures,
  );
  obs.steps.set(randomArray(obs.steps.length, rng));
  const { B, T } = obs;
  const actions = Uint8Array.from({ length: B * T }, () => (rng.next() < 0.5 ? 1 : 0));
  const wLogits = randomArray(B * T * 2, rng);
  const wValues = randomArray(B * T, rng);
  for (let b = 0; b < B; b++)
    for (let t = lens[b]; t < T; t++) {
      wLogits.fill(0, (b * T + t) * 2, (b * T + t + 1) * 2);
      wValues[b * T + t] = 0;
    }
  const loss = () => {
    const r = policy.forward(be, obs, actions);
    return dot64(r.logits, wLogits) + dot64(r.values, wValues);
  };
  const r = policy.forward(be, obs, actions);
  policy.params.zeroGrad();
  policy.backward(be, r.cache, wLogits, wValues);
  return loss;
}

for (const be of backends) {
  for (const layerNorm of [false, true]) {
    for (const attention of ATTENTION_KINDS) {
      test(`[${be.name}] whole policy network (layer norm ${layerNorm ? 'on' : 'off'}, ${attention}): gradients of logits and values`, () => {
        const policy = new Seq2SeqPolicy(
          { ...base, arch: 'paper', hidden: 6, layers: 2, layerNorm, attention },
          11,
        );
        const loss = policyLoss(be, policy, new Rng(6));
        checkGradients(policy.params.values, policy.params.grads, loss, { samples: 120, label: 'policy' });
      });
    }
  }
}

// The architectures that see the state: gradients through the step features' paths as well.
for (const be of backends) {
  const configs: PolicyConfig[] = [
    { ...base, arch: 'seq2seq', hidden: 6, layers: 2, layerNorm: true, lookahead: 'heft', priorGain: 3 },
    { ...base, arch: 'seq2seq', hidden: 5, layers: 1, attention: 'additive', lookahead: 'none' },
    { ...base, arch: 'mlp', hidden: 7, layers: 2, lookahead: 'rollout', priorGain: 2 },
    { ...base, arch: 'mlp', hidden: 4, layers: 1, lookahead: 'none' },
    // Deciding online in a world: the online observation (25 features), and with the world's context (31).
    { ...base, arch: 'mlp', hidden: 6, layers: 2, lookahead: 'heft', priorGain: 4, observation: 'online' },
    {
      ...base,
      arch: 'mlp',
      hidden: 5,
      layers: 1,
      lookahead: 'heft',
      priorGain: 2,
      observation: 'online-context',
    },
    {
      ...base,
      arch: 'seq2seq',
      hidden: 5,
      layers: 1,
      lookahead: 'heft',
      priorGain: 3,
      observation: 'online',
    },
  ];
  for (const config of configs) {
    test(`[${be.name}] ${config.arch} policy (${config.layers} layers, lookahead ${config.lookahead}, ${config.observation} observation): gradients of logits and values`, () => {
      const policy = createPolicy(config, 13);
      assert.ok(policy.stepFeatures > 0);
      const loss = policyLoss(be, policy, new Rng(7));
      // Every tensor, so that the state's own paths (decoder_state, decoder_task, the head's extra columns) are checked.
      for (const p of policy.params.params)
        checkGradients(p.data, p.grad, loss, { samples: 8, eps: 3e-3, label: p.name });
    });
  }
}
