/** A dense layer Y = X·W + b over a batch of rows (W stored in × out, row-major). */
import type { Backend } from './backend.js';
import { glorot, type Init, type Param, type ParamSet } from './params.js';

export class Linear {
  readonly weight: Param;
  readonly bias: Param | undefined;

  constructor(
    params: ParamSet,
    readonly name: string,
    readonly inSize: number,
    readonly outSize: number,
    withBias = true,
    weightInit: Init = glorot(inSize, outSize),
  ) {
    this.weight = params.declare(`${name}.weight`, [inSize, outSize], weightInit);
    this.bias = withBias ? params.declare(`${name}.bias`, [outSize], { kind: 'zeros' }) : undefined;
  }

  /** y[rows × out] = x[rows × in] · W + b. */
  forward(be: Backend, rows: number, x: Float32Array, y: Float32Array): void {
    this.apply(be, rows, x, y, 0);
  }

  /** y[rows × out] = tanh(x[rows × in] · W + b), the bias and tanh in one fused kernel. */
  forwardTanh(be: Backend, rows: number, x: Float32Array, y: Float32Array): void {
    this.project(be, rows, x, y, 0);
    be.biasTanh(rows, this.outSize, y, this.bias ? this.bias.data : null);
  }

  /** y[rows × out] += x[rows × in] · W + b (a sum of projections without a temporary). */
  forwardAccumulate(be: Backend, rows: number, x: Float32Array, y: Float32Array): void {
    this.apply(be, rows, x, y, 1);
  }

  private apply(be: Backend, rows: number, x: Float32Array, y: Float32Array, beta: number): void {
    this.project(be, rows, x, y, beta);
    if (this.bias) addRowVector(rows, this.outSize, y, this.bias.data);
  }

  /** y = x · W + beta · y, without the bias. */
  private project(be: Backend, rows: number, x: Float32Array, y: Float32Array, beta: number): void {
    be.gemm(
      false,
      false,
      rows,
      this.outSize,
      this.inSize,
      1,
      x,
      this.inSize,
      this.weight.data,
      this.outSize,
      beta,
      y,
      this.outSize,
    );
  }

  /**
   * Accumulates dW += xᵀ·dy and db += Σ dy; writes dx = dy·Wᵀ when `dx` is given
   * (accumulating into it when `accumulateDx`).
   */
  backward(
    be: Backend,
    rows: number,
    x: Float32Array,
    dy: Float32Array,
    dx?: Float32Array,
    accumulateDx = false,
  ): void {
    be.gemm(
      true,
      false,
      this.inSize,
      this.outSize,
      rows,
      1,
      x,
      this.inSize,
      dy,
      this.outSize,
      1,
      this.weight.grad,
      this.outSize,
    );
    if (this.bias) sumRowsInto(rows, this.outSize, dy, this.bias.grad);
    if (dx)
      be.gemm(
        false,
        true,
        rows,
        this.inSize,
        this.outSize,
        1,
        dy,
        this.outSize,
        this.weight.data,
        this.outSize,
        accumulateDx ? 1 : 0,
        dx,
        this.inSize,
      );
  }
}

export function addRowVector(rows: number, cols: number, y: Float32Array, v: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) y[o + j] += v[j];
  }
}

export function sumRowsInto(rows: number, cols: number, dy: Float32Array, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[j] += dy[o + j];
  }
}
