/**
 * The PPO update of Sec. 4.3: the clipped surrogate (Eqs. 16-17), the value loss (Eq. 19, weight c1),
 * an optional entropy bonus and value clipping, m gradient steps over (mini)batches with Adam.
 * Gradients are taken analytically w.r.t. the logits and values, then backpropagated through the net.
 */
import { enterPhase, leavePhase, profiled } from '../util/profile.js';
import type { Backend } from '../nn/backend.js';
import { clipGradNorm, type Adam } from '../nn/adam.js';
import type { ObservationBatch } from '../policy/observation.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import type { Rng } from '../util/rng.js';
import type { PpoConfig } from './config.js';
import { computeGae } from './gae.js';
import { selectRows, type Rollout } from './sampler.js';

export interface PpoStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  gradNorm: number;
}

type Batch = LossBatch;

/** Advantages (normalised over all valid steps when configured) and returns for a rollout. */
export function advantagesOf(
  rollout: Rollout,
  cfg: PpoConfig,
): { advantages: Float32Array; returns: Float32Array } {
  const { obs } = rollout;
  const { advantages, returns } = computeGae(
    rollout.rewards,
    rollout.values,
    obs.lens,
    obs.T,
    cfg.gamma,
    cfg.gaeLambda,
  );
  if (cfg.advantage === 'group') groupAdvantages(rollout, advantages);
  if (cfg.normalizeAdvantages) {
    let n = 0;
    let mean = 0;
    forValid(obs, (i) => {
      n++;
      mean += advantages[i];
    });
    mean /= n;
    let variance = 0;
    forValid(obs, (i) => (variance += (advantages[i] - mean) ** 2));
    const std = Math.sqrt(variance / n) + 1e-8;
    forValid(obs, (i) => (advantages[i] = (advantages[i] - mean) / std));
  }
  return { advantages, returns };
}

/** Each trajectory's return minus its group's mean return, on every step of it (see PpoConfig.advantage). */
function groupAdvantages(rollout: Rollout, advantages: Float32Array): void {
  const { obs, rewards, groups } = rollout;
  const groupCount = groups.reduce((m, g) => Math.max(m, g + 1), 0);
  const sum = new Float64Array(groupCount);
  const count = new Float64Array(groupCount);
  const returns = new Float64Array(obs.B);
  for (let b = 0; b < obs.B; b++) {
    let r = 0;
    for (let t = 0; t < obs.lens[b]; t++) r += rewards[b * obs.T + t];
    returns[b] = r;
    sum[groups[b]] += r;
    count[groups[b]]++;
  }
  for (let b = 0; b < obs.B; b++) {
    const a = returns[b] - sum[groups[b]] / count[groups[b]];
    for (let t = 0; t < obs.lens[b]; t++) advantages[b * obs.T + t] = a;
  }
}

function forValid(obs: ObservationBatch, fn: (i: number) => void): void {
  for (let b = 0; b < obs.B; b++) for (let t = 0; t < obs.lens[b]; t++) fn(b * obs.T + t);
}

/** m gradient steps on one rollout; returns the statistics of the last step. */
export function ppoUpdate(
  be: Backend,
  policy: OffloadingPolicy,
  adam: Adam,
  rollout: Rollout,
  cfg: PpoConfig,
  rng: Rng,
): PpoStats {
  const { advantages, returns } = profiled('ppo.advantages', () => advantagesOf(rollout, cfg));
  const full: Batch = {
    obs: rollout.obs,
    actions: rollout.actions,
    oldLogProbs: rollout.logProbs,
    oldValues: rollout.values,
    advantages,
    returns,
  };
  let stats: PpoStats = {
    policyLoss: 0,
    valueLoss: 0,
    entropy: 0,
    approxKl: 0,
    clipFraction: 0,
    gradNorm: 0,
  };
  for (let step = 0; step < cfg.gradientSteps; step++) {
    for (const batch of profiled('ppo.minibatches', () => minibatches(full, cfg.minibatches, rng)))
      stats = gradientStep(be, policy, adam, batch, cfg);
  }
  return stats;
}

function minibatches(full: Batch, count: number, rng: Rng): Batch[] {
  const rows = full.obs.B;
  if (count <= 1 || rows < 2) return [full];
  const perm = rng.shuffle(Array.from({ length: rows }, (_, i) => i));
  const T = full.obs.T;
  const size = Math.ceil(rows / count);
  const out: Batch[] = [];
  for (let start = 0; start < rows; start += size) {
    const pick = perm.slice(start, start + size);
    const gather = <A extends Float32Array | Uint8Array>(src: A, make: (n: number) => A): A => {
      const dst = make(pick.length * T);
      pick.forEach((r, k) => dst.set(src.subarray(r * T, (r + 1) * T), k * T));
      return dst;
    };
    const f32 = (n: number) => new Float32Array(n);
    out.push({
      obs: selectRows(full.obs, pick),
      actions: gather(full.actions, (n) => new Uint8Array(n)),
      oldLogProbs: gather(full.oldLogProbs, f32),
      oldValues: gather(full.oldValues, f32),
      advantages: gather(full.advantages, f32),
      returns: gather(full.returns, f32),
    });
  }
  return out;
}

export interface LossBatch {
  obs: ObservationBatch;
  actions: Uint8Array;
  oldLogProbs: Float32Array;
  oldValues: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

/**
 * The PPO loss for given logits and values, and its gradients w.r.t. them:
 * L = −mean(min(r·A, clip(r, 1−ε, 1+ε)·A)) + c1·mean((v − R)²) − c_ent·mean(H), over valid steps.
 */
export function ppoLoss(
  logits: Float32Array,
  values: Float32Array,
  batch: LossBatch,
  cfg: PpoConfig,
): { loss: number; dLogits: Float32Array; dValues: Float32Array; stats: Omit<PpoStats, 'gradNorm'> } {
  const { obs, actions } = batch;
  const dLogits = new Float32Array(logits.length);
  const dValues = new Float32Array(values.length);
  let n = 0;
  forValid(obs, () => n++);
  const eps = cfg.clipEpsilon;
  let policyLoss = 0;
  let valueLoss = 0;
  let entropy = 0;
  let approxKl = 0;
  let clipped = 0;
  forValid(obs, (i) => {
    const l0 = logits[2 * i];
    const l1 = logits[2 * i + 1];
    const m = Math.max(l0, l1);
    const lse = m + Math.log(Math.exp(l0 - m) + Math.exp(l1 - m));
    const logp = [l0 - lse, l1 - lse];
    const p = [Math.exp(logp[0]), Math.exp(logp[1])];
    const a = actions[i];
    const logRatio = logp[a] - batch.oldLogProbs[i];
    const ratio = Math.exp(logRatio);
    const adv = batch.advantages[i];
    const surr1 = ratio * adv;
    const surr2 = Math.min(Math.max(ratio, 1 - eps), 1 + eps) * adv;
    policyLoss -= Math.min(surr1, surr2) / n;
    if (Math.abs(ratio - 1) > eps) clipped++;
    approxKl += (ratio - 1 - logRatio) / n;
    // d(−min(surr1, surr2))/d log π(a): −ratio·A where the unclipped term is the minimum, else 0.
    const dLogp = surr1 <= surr2 ? -(ratio * adv) / n : 0;
    const h = -(p[0] * logp[0] + p[1] * logp[1]);
    entropy += h / n;
    for (let k = 0; k < 2; k++) {
      const dFromPolicy = dLogp * ((k === a ? 1 : 0) - p[k]);
      // The loss carries −c_ent·H; dH/dlogit_k = −p_k (log p_k + H).
      const dFromEntropy = (cfg.entropyCoef / n) * p[k] * (logp[k] + h);
      dLogits[2 * i + k] = dFromPolicy + dFromEntropy;
    }
    const v = values[i];
    const target = batch.returns[i];
    const unclippedSq = (v - target) ** 2;
    if (cfg.clipValueLoss) {
      const delta = Math.min(Math.max(v - batch.oldValues[i], -eps), eps);
      const vClipped = batch.oldValues[i] + delta;
      const clippedSq = (vClipped - target) ** 2;
      if (unclippedSq >= clippedSq) {
        valueLoss += (cfg.valueCoef * unclippedSq) / n;
        dValues[i] = (2 * cfg.valueCoef * (v - target)) / n;
      } else {
        valueLoss += (cfg.valueCoef * clippedSq) / n;
        dValues[i] =
          Math.abs(v - batch.oldValues[i]) < eps ? (2 * cfg.valueCoef * (vClipped - target)) / n : 0;
      }
    } else {
      valueLoss += (cfg.valueCoef * unclippedSq) / n;
      dValues[i] = (2 * cfg.valueCoef * (v - target)) / n;
    }
  });
  const loss = policyLoss + valueLoss - cfg.entropyCoef * entropy;
  return {
    loss,
    dLogits,
    dValues,
    stats: { policyLoss, valueLoss, entropy, approxKl, clipFraction: clipped / n },
  };
}

function gradientStep(
  be: Backend,
  policy: OffloadingPolicy,
  adam: Adam,
  batch: Batch,
  cfg: PpoConfig,
): PpoStats {
  const fwd = profiled('network.forward', () => policy.forward(be, batch.obs, batch.actions));
  const { dLogits, dValues, stats } = profiled('ppo.loss', () => ppoLoss(fwd.logits, fwd.values, batch, cfg));
  enterPhase('network.backward');
  policy.params.zeroGrad();
  policy.backward(be, fwd.cache, dLogits, dValues);
  leavePhase();
  enterPhase('ppo.optimizer');
  const gradNorm = clipGradNorm(policy.params.grads, cfg.maxGradNorm > 0 ? cfg.maxGradNorm : Infinity);
  adam.step(policy.params.values, policy.params.grads);
  leavePhase();
  return { ...stats, gradNorm };
}
