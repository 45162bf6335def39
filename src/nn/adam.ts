/** Adam (Kingma & Ba 2015) over a flat parameter vector, and global-norm gradient clipping. */

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The paper's Table 2 learning rate with the usual Adam constants. */
export const DEFAULT_ADAM: AdamConfig = { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface AdamState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export class Adam {
  state: AdamState;

  constructor(
    size: number,
    public config: AdamConfig = DEFAULT_ADAM,
  ) {
    this.state = { step: 0, m: new Float32Array(size), v: new Float32Array(size) };
  }

  /** One update: values -= lr · m̂ / (√v̂ + eps). */
  step(values: Float32Array, grads: Float32Array): void {
    const { lr, beta1, beta2, eps } = this.config;
    const s = this.state;
    if (values.length !== s.m.length || grads.length !== s.m.length)
      throw new Error('Adam: parameter vector size changed');
    s.step++;
    const c1 = 1 - Math.pow(beta1, s.step);
    const c2 = 1 - Math.pow(beta2, s.step);
    const stepSize = lr / c1;
    const { m, v } = s;
    for (let i = 0; i < values.length; i++) {
      const g = grads[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      values[i] -= (stepSize * m[i]) / (Math.sqrt(v[i] / c2) + eps);
    }
  }

  reset(): void {
    this.state = {
      step: 0,
      m: new Float32Array(this.state.m.length),
      v: new Float32Array(this.state.v.length),
    };
  }
}

/** Scales gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(grads: Float32Array, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i] * grads[i];
  const norm = Math.sqrt(sq);
  if (norm > maxNorm && norm > 0) {
    const scale = maxNorm / norm;
    for (let i = 0; i < grads.length; i++) grads[i] *= scale;
  }
  return norm;
}
