/** A lookup table: row `ids[r]` of the table is copied to output row r. */
import type { Param, ParamSet } from './params.js';

export class Embedding {
  readonly table: Param;

  constructor(
    params: ParamSet,
    readonly name: string,
    readonly vocab: number,
    readonly dim: number,
  ) {
    this.table = params.declare(`${name}.table`, [vocab, dim], {
      kind: 'uniform',
      scale: Math.sqrt(3 / dim),
    });
  }

  forward(rows: number, ids: ArrayLike<number>, out: Float32Array): void {
    const d = this.dim;
    for (let r = 0; r < rows; r++) {
      const id = ids[r];
      if (!(id >= 0 && id < this.vocab))
        throw new RangeError(`${this.name}: id ${id} outside [0, ${this.vocab})`);
      out.set(this.table.data.subarray(id * d, id * d + d), r * d);
    }
  }

  /** Scatter-adds the output gradient into the rows that were looked up. */
  backward(rows: number, ids: ArrayLike<number>, dOut: Float32Array): void {
    const d = this.dim;
    const g = this.table.grad;
    for (let r = 0; r < rows; r++) {
      const o = ids[r] * d;
      for (let j = 0; j < d; j++) g[o + j] += dOut[r * d + j];
    }
  }
}
