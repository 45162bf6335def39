/**
 * Capacity paths (mec/capacity.ts) of one episode: a replayed trace, and a piecewise-constant process
 * generated as far as it is read (a Markov channel's states, a shared server's occupancy). Both are
 * allocation-free once warm: a generated path keeps its buffers across episodes and grows them only
 * when an episode reaches further than any before.
 */
import type { CapacityPath } from '../mec/capacity.js';
import type { Rng } from '../util/rng.js';
import type { LinkTrace } from './trace.js';

/** A trace replayed from an offset, its bytes scaled: episode time x is trace time offset + x. */
export class TracePath implements CapacityPath {
  offsetMs = 0;

  constructor(
    readonly trace: LinkTrace,
    /** Bytes per opportunity × scale (`--trace-mean`). */
    readonly scale: number,
  ) {}

  finish(start: number, work: number): number {
    if (work <= 0) return start;
    const o = this.offsetMs;
    const t = this.trace;
    const end = t.timeOfCumulative(t.cumulative(o + start) + work / this.scale) - o;
    return end > start ? end : start;
  }

  served(from: number, to: number): number {
    if (to <= from) return 0;
    const o = this.offsetMs;
    return (this.trace.cumulative(o + to) - this.trace.cumulative(o + from)) * this.scale;
  }
}

/**
 * A piecewise-constant capacity generated forward from time 0: `next` gives each segment's length and
 * rate in turn. Reading past the generated part generates more.
 */
export class GeneratedPath implements CapacityPath {
  private starts: Float64Array = new Float64Array(64);
  private cum: Float64Array = new Float64Array(64);
  private rates: Float64Array = new Float64Array(64);
  /** Segments generated; the last one ends at starts[count]. */
  private count = 0;

  constructor(private readonly source: SegmentSource) {}

  /** Starts a new realisation at `startMs` (the source is reseeded by its owner). */
  restart(startMs = 0): void {
    this.source.restart();
    this.count = 0;
    this.starts[0] = startMs;
    this.cum[0] = 0;
  }

  finish(start: number, work: number): number {
    if (work <= 0) return start;
    const target = this.cumulative(start) + work;
    while (this.cum[this.count] < target) this.extend();
    const s = this.firstReaching(target);
    const end = this.starts[s] + (target - this.cum[s]) / this.rates[s];
    return end > start ? end : start;
  }

  served(from: number, to: number): number {
    return to <= from ? 0 : this.cumulative(to) - this.cumulative(from);
  }

  /** The rate at time t (units per ms). */
  rateAt(t: number): number {
    return this.rates[this.segmentAt(t)];
  }

  /** The segment index at time t (the state of a Markov channel, through its source). */
  segmentAt(t: number): number {
    while (this.starts[this.count] <= t) this.extend();
    const { starts } = this;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  cumulative(t: number): number {
    const s = this.segmentAt(t);
    return this.cum[s] + (t - this.starts[s]) * this.rates[s];
  }

  private firstReaching(target: number): number {
    const { cum } = this;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid + 1] >= target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private extend(): void {
    const k = this.count;
    if (k + 2 > this.starts.length) {
      this.starts = grow(this.starts);
      this.cum = grow(this.cum);
      this.rates = grow(this.rates);
    }
    const rate = this.source.nextRate();
    const length = this.source.nextLength();
    this.rates[k] = rate;
    this.starts[k + 1] = this.starts[k] + length;
    this.cum[k + 1] = this.cum[k] + rate * length;
    this.count = k + 1;
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** What a generated path reads: the next segment's rate, then its length (ms), in that order. */
export interface SegmentSource {
  /** Back to the realisation's first segment. */
  restart(): void;
  nextRate(): number;
  nextLength(): number;
}

/** An exponential sample of the given mean. */
export function exponential(rng: Rng, mean: number): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return -Math.log(u) * mean;
}

/** A constant capacity (a belief's estimated rate): units per ms. */
export class ConstantPath implements CapacityPath {
  constructor(public rate: number) {}

  finish(start: number, work: number): number {
    return work <= 0 ? start : start + work / this.rate;
  }

  served(from: number, to: number): number {
    return to > from ? (to - from) * this.rate : 0;
  }
}
