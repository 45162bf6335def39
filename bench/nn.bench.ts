/**
 * `npm run bench:nn`: one PPO-style train step (forward + backward + Adam) and one sampling pass of the
 * policy for B = 100 DAGs of L = 20 tasks, H = 128 and 256, layer norm off and on, on both backends;
 * in the same run, the PyTorch reference (../shared/bench/torch_reference.py) with the same settings,
 * and the ratio ours / PyTorch; the GFLOPS each pass achieves (its GEMMs' 2·M·N·K over its time)
 * beside the machine's peak (the best GEMM kernel's GFLOPS in the calibration). Also one argmax
 * decision: the paper network on a 20- and a 100-task DAG, and the default network closed loop (the
 * latency-model lookahead included) on a 20-task DAG at H = 64 (shipped), 128 and 256.
 * Options: --quick (H = 128 only, fewer runs), --no-torch, --backend js|native.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsBackend } from '../src/nn/js-backend.js';
import { loadNativeBackend, nativeGemmCalibration } from '../src/nn/native-backend.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { createPolicy } from '../src/policy/create.js';
import { DEFAULT_POLICY } from '../src/policy/policy.js';
import { decideOffloading } from '../src/services/offloading-scheduler.js';
import type { Backend } from '../src/nn/backend.js';
import { Adam } from '../src/nn/adam.js';
import { decodeStored } from '../src/policy/decode.js';
import { logProbsOf } from '../src/policy/head-rows.js';
import { Seq2SeqPolicy } from '../src/policy/seq2seq.js';
import { batchObservations } from '../src/policy/observation.js';
import { Rng } from '../src/util/rng.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withTorch = !args.includes('--no-torch');
const only = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : undefined;
const B = 100;
const L = 20;
const runs = quick ? 3 : 5;
const hiddens = quick ? [128] : [128, 256];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, warmup: number, n: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function setup(H: number, layerNorm: boolean, rows = B, len = L) {
  const policy = new Seq2SeqPolicy(
    {
      arch: 'paper',
      neighbours: 6,
      hidden: H,
      layers: 2,
      layerNorm,
      attention: 'luong',
      lookahead: 'none',
      priorGain: 0,
      observation: 'model',
    },
    1,
  );
  const rng = new Rng(2);
  const F = policy.features; // 17, as the PyTorch reference
  const obs = batchObservations(
    Array.from({ length: rows }, () => Float32Array.from({ length: len * F }, () => rng.normal())),
    F,
  );
  const actions = Uint8Array.from({ length: rows * len }, () => (rng.next() < 0.5 ? 1 : 0));
  const adv = Float32Array.from({ length: rows * len }, () => rng.normal());
  const ret = Float32Array.from({ length: rows * len }, () => rng.normal());
  const oldLp = Float32Array.from({ length: rows * len }, () => Math.log(0.5) + 0.1 * rng.normal());
  return { policy, obs, actions, adv, ret, oldLp, rng };
}

/** The backend with its GEMMs' floating-point operations counted. */
function counting(be: Backend): { be: Backend; flops: () => number } {
  let flops = 0;
  const counted: Backend = {
    ...be,
    gemm: (tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) => {
      flops += 2 * M * N * K;
      be.gemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    },
  };
  return { be: counted, flops: () => flops };
}

/** GEMM flops of one call of `fn` on backend `be`. */
function flopsOf(be: Backend, fn: (b: Backend) => void): number {
  const c = counting(be);
  fn(c.be);
  return c.flops();
}

function trainStep(be: Backend, s: ReturnType<typeof setup>, adam: Adam): void {
  const { policy, obs, actions, adv, ret, oldLp } = s;
  const fwd = policy.forward(be, obs, actions);
  const lp = logProbsOf(fwd.logits, actions);
  const n = actions.length;
  const dLogits = new Float32Array(fwd.logits.length);
  const dValues = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ratio = Math.exp(lp[i] - oldLp[i]);
    const unclipped = ratio * adv[i] <= Math.min(Math.max(ratio, 0.8), 1.2) * adv[i];
    const d = unclipped ? -(ratio * adv[i]) / n : 0;
    const p1 = 1 / (1 + Math.exp(fwd.logits[2 * i] - fwd.logits[2 * i + 1]));
    const p = [1 - p1, p1];
    for (let k = 0; k < 2; k++) dLogits[2 * i + k] = d * ((k === actions[i] ? 1 : 0) - p[k]);
    dValues[i] = (2 * 0.5 * (fwd.values[i] - ret[i])) / n;
  }
  policy.params.zeroGrad();
  policy.backward(be, fwd.cache, dLogits, dValues);
  adam.step(policy.params.values, policy.params.grads);
}

const backends: Backend[] = [];
const native = loadNativeBackend();
if (native && only !== 'js') backends.push(native);
if (only !== 'native') backends.push(jsBackend);

console.log(
  `policy network: B=${B} DAGs, L=${L} tasks, 2+2 LSTM layers, luong attention; median of ${runs} runs (ms)`,
);
const peak = nativeGemmCalibration()?.candidates ?? {};
const peakGflops = Math.max(0, ...Object.values(peak).map((c) => c.gflops));
console.log(
  `machine peak (the calibration's best GEMM): ${peakGflops ? `${peakGflops.toFixed(1)} GFLOPS` : 'not measured'} (${Object.entries(
    peak,
  )
    .map(([k, v]) => `${k} ${v.gflops.toFixed(1)}`)
    .join(', ')})`,
);
console.log(
  'backend  H    LN   train step  sampling   torch train  torch sample  train/torch  sample/torch  GFLOPS train / sample',
);
const torchScript = fileURLToPath(new URL('../../../shared/bench/torch_reference.py', import.meta.url));
const torchCache = new Map<number, { train: number; sample: number } | undefined>();
function torch(H: number): { train: number; sample: number } | undefined {
  if (!withTorch) return undefined;
  if (torchCache.has(H)) return torchCache.get(H);
  let result: { train: number; sample: number } | undefined;
  if (existsSync(torchScript) && existsSync('/usr/bin/python3')) {
    const threads = process.env.OPENBLAS_NUM_THREADS ?? '1';
    const r = spawnSync(
      '/usr/bin/python3',
      [torchScript, '--H', String(H), '--threads', threads, '--runs', String(runs), '--what', 'train,sample'],
      {
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_NUM_THREADS: threads },
      },
    );
    const line = r.stdout?.trim().split('\n').pop();
    if (r.status === 0 && line) {
      const j = JSON.parse(line) as { train: { median_ms: number }; sample: { median_ms: number } };
      result = { train: j.train.median_ms, sample: j.sample.median_ms };
    }
  }
  torchCache.set(H, result);
  return result;
}

for (const be of backends) {
  for (const H of hiddens) {
    for (const layerNorm of [false, true]) {
      if (be.name === 'js' && H > 128 && !args.includes('--slow-js')) continue; // minutes per run
      const s = setup(H, layerNorm);
      const adam = new Adam(s.policy.params.size);
      const train = time(() => trainStep(be, s, adam), 1, runs);
      const sample = time(() => decodeStored(be, s.policy, s.obs, 'sample', s.rng), 1, runs);
      const trainFlops = flopsOf(be, (b) => trainStep(b, s, adam));
      const sampleFlops = flopsOf(be, (b) => decodeStored(b, s.policy, s.obs, 'sample', s.rng));
      const gflops = `${(trainFlops / train / 1e6).toFixed(1)} / ${(sampleFlops / sample / 1e6).toFixed(1)}`;
      const t = layerNorm ? undefined : torch(H); // the PyTorch reference has no layer norm
      const f = (x?: number) => (x === undefined ? '-' : x.toFixed(1));
      const ratio = (a: number, b?: number) => (b === undefined ? '-' : (a / b).toFixed(2));
      console.log(
        `${be.name.padEnd(8)} ${String(H).padEnd(4)} ${(layerNorm ? 'on' : 'off').padEnd(4)} ${f(train).padStart(10)} ${f(sample).padStart(9)} ${f(t?.train).padStart(12)} ${f(t?.sample).padStart(13)} ${ratio(train, t?.train).padStart(12)} ${ratio(sample, t?.sample).padStart(13)}  ${gflops.padStart(21)}`,
      );
    }
  }
}

// One argmax decision (batch 1): the deployment latency.
for (const be of backends) {
  for (const n of [20, 100]) {
    const s = setup(256, true, 1, n);
    const ms = time(() => decodeStored(be, s.policy, s.obs, 'greedy'), 2, runs);
    console.log(`${be.name}: argmax plan for one ${n}-task DAG (H=256, layer norm on): ${ms.toFixed(2)} ms`);
  }
}

// The default network's decision, closed loop: the latency-model lookahead of every step included.
{
  const be = backends[0];
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 7 }, 20);
  for (const H of [64, 128, 256]) {
    const policy = createPolicy({ ...DEFAULT_POLICY, hidden: H }, 1);
    let i = 0;
    const ms = time(
      () => decideOffloading(be, policy, dags[i++ % dags.length], DEFAULT_SYSTEM, 'reference'),
      200,
      101,
    );
    console.log(
      `${be.name}: argmax plan for one 20-task DAG, default network (${DEFAULT_POLICY.arch}, lookahead ${DEFAULT_POLICY.lookahead}) H=${H}: ${ms.toFixed(2)} ms (median of 101)`,
    );
  }
}
