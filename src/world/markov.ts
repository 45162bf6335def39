/**
 * A Markov-modulated channel: the link is in one of a few states, each with an uplink and a downlink
 * rate, and stays in it for an exponential time of the state's mean sojourn; then it jumps to another
 * state (uniformly, or by a given jump matrix). One state sequence drives both directions. An episode
 * starts in a state drawn from the stationary distribution, so every episode time is alike.
 */
import type { Rng } from '../util/rng.js';
import { exponential, GeneratedPath, type SegmentSource } from './paths.js';

export interface MarkovState {
  upMbps: number;
  downMbps: number;
  meanSojournMs: number;
}

export interface MarkovChannelSpec {
  states: MarkovState[];
  /** jumps[a][b]: the probability that state a is followed by b (zero diagonal); default uniform. */
  jumps?: number[][];
}

/** Mbit/s → bytes per ms. */
export const MBPS_TO_BYTES_PER_MS = 125;

/** The jump matrix: the given one, or uniform over the other states. */
export function jumpMatrix(spec: MarkovChannelSpec): number[][] {
  const m = spec.states.length;
  if (spec.jumps) return spec.jumps;
  return spec.states.map((_, a) => spec.states.map((__, b) => (m === 1 ? 1 : a === b ? 0 : 1 / (m - 1))));
}

/** The share of time in each state: the jump chain's stationary distribution weighted by the sojourns. */
export function stationary(spec: MarkovChannelSpec): number[] {
  const P = jumpMatrix(spec);
  const m = P.length;
  let pi = new Array<number>(m).fill(1 / m);
  for (let it = 0; it < 10_000; it++) {
    const next = new Array<number>(m).fill(0);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) next[b] += pi[a] * P[a][b];
    // Averaging with the previous iterate converges on periodic chains (two states alternate) too.
    const mixed = next.map((v, b) => (v + pi[b]) / 2);
    const change = mixed.reduce((s, v, b) => s + Math.abs(v - pi[b]), 0);
    pi = mixed;
    if (change < 1e-15) break;
  }
  const w = pi.map((p, a) => p * spec.states[a].meanSojournMs);
  const total = w.reduce((s, v) => s + v, 0);
  return w.map((v) => v / total);
}

/** The time-average rates, Mbit/s: the belief's nominal rates on this channel. */
export function meanRates(spec: MarkovChannelSpec): { upMbps: number; downMbps: number } {
  const pi = stationary(spec);
  return {
    upMbps: pi.reduce((s, p, a) => s + p * spec.states[a].upMbps, 0),
    downMbps: pi.reduce((s, p, a) => s + p * spec.states[a].downMbps, 0),
  };
}

/** One realisation of the state sequence, generated as far as it is read. */
export class MarkovStates {
  private states: Int32Array = new Int32Array(64);
  private lengths: Float64Array = new Float64Array(64);
  private count = 0;
  private readonly jumps: number[][];
  private readonly pi: number[];
  readonly uplink: GeneratedPath;
  readonly downlink: GeneratedPath;

  constructor(
    readonly spec: MarkovChannelSpec,
    private rng: Rng,
  ) {
    this.jumps = jumpMatrix(spec);
    this.pi = stationary(spec);
    this.uplink = new GeneratedPath(this.cursor((s) => s.upMbps));
    this.downlink = new GeneratedPath(this.cursor((s) => s.downMbps));
    this.restart(rng);
  }

  /**
   * A new realisation from `rng`: starting at `startMs` in `state` (default: a stationary draw), and in
   * it for a fresh exponential sojourn (memoryless, so this is exact when the state is known at that time).
   */
  restart(rng: Rng, startMs = 0, state?: number): void {
    this.rng = rng;
    this.count = 0;
    this.push(state ?? draw(rng, this.pi));
    this.uplink.restart(startMs);
    this.downlink.restart(startMs);
  }

  /** The state at episode time t (t ≥ the realisation's start). */
  stateAt(t: number): number {
    return this.states[this.uplink.segmentAt(t)];
  }

  private push(state: number): void {
    if (this.count === this.states.length) {
      const s = new Int32Array(this.count * 2);
      s.set(this.states);
      this.states = s;
      const l = new Float64Array(this.count * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    this.states[this.count] = state;
    this.lengths[this.count] = exponential(this.rng, this.spec.states[state].meanSojournMs);
    this.count++;
  }

  /** A segment source reading the sequence from its start, mapping each state to a rate (bytes/ms). */
  private cursor(rateOf: (s: MarkovState) => number): SegmentSource {
    let k = 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const owner = this;
    return {
      restart: () => {
        k = 0;
      },
      nextRate(): number {
        while (k >= owner.count) owner.push(draw(owner.rng, owner.jumps[owner.states[owner.count - 1]]));
        return rateOf(owner.spec.states[owner.states[k]]) * MBPS_TO_BYTES_PER_MS;
      },
      nextLength(): number {
        return owner.lengths[k++];
      },
    };
  }
}

/** An index drawn with the given probabilities. */
export function draw(rng: Rng, p: readonly number[]): number {
  let u = rng.next();
  for (let k = 0; k < p.length - 1; k++) {
    if (u < p[k]) return k;
    u -= p[k];
  }
  return p.length - 1;
}
