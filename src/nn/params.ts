/**
 * Parameters live in one contiguous Float32Array (and gradients in another), with a named view per
 * tensor. One flat vector makes Adam, gradient clipping, checkpoints and the meta-gradient
 * (θ' − θ) simple loops, and lets parameters travel as one binary blob.
 */
import type { Rng } from '../util/rng.js';

export type Init =
  | { kind: 'uniform'; scale: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; std: number };

export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  readonly offset: number;
  readonly init: Init;
  /** Views into the set's flat buffers; valid after `allocate`. */
  data: Float32Array;
  grad: Float32Array;
}

export class ParamSet {
  private readonly list: Param[] = [];
  private total = 0;
  values = new Float32Array(0);
  grads = new Float32Array(0);

  /** Declares a parameter; its storage exists once `allocate` has run. */
  declare(name: string, shape: readonly number[], init: Init): Param {
    if (this.list.some((p) => p.name === name)) throw new Error(`parameter ${name} declared twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const param: Param = {
      name,
      shape: [...shape],
      size,
      offset: this.total,
      init,
      data: new Float32Array(0),
      grad: new Float32Array(0),
    };
    this.list.push(param);
    this.total += size;
    return param;
  }

  /** Allocates the flat buffers and draws initial values from `rng`, in declaration order. */
  allocate(rng: Rng): void {
    this.values = new Float32Array(this.total);
    this.grads = new Float32Array(this.total);
    for (const p of this.list) {
      p.data = this.values.subarray(p.offset, p.offset + p.size);
      p.grad = this.grads.subarray(p.offset, p.offset + p.size);
      fill(p.data, p.init, rng);
    }
  }

  get params(): readonly Param[] {
    return this.list;
  }

  get size(): number {
    return this.total;
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  /** Copies values from another vector of the same length (e.g. θ for an inner loop). */
  setValues(values: Float32Array): void {
    if (values.length !== this.total)
      throw new Error(`expected ${this.total} parameter values, got ${values.length}`);
    this.values.set(values);
  }
}

function fill(data: Float32Array, init: Init, rng: Rng): void {
  switch (init.kind) {
    case 'zeros':
      data.fill(0);
      break;
    case 'ones':
      data.fill(1);
      break;
    case 'constant':
      data.fill(init.value);
      break;
    case 'uniform':
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * init.scale;
      break;
    case 'normal':
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * init.std;
      break;
  }
}

/** Glorot/Xavier uniform scale for a fan-in × fan-out matrix. */
export function glorot(fanIn: number, fanOut: number): Init {
  return { kind: 'uniform', scale: Math.sqrt(6 / (fanIn + fanOut)) };
}
