/**
 * An edge server shared with other users. The server's capacity f_s is shared equally (processor
 * sharing) among the k VMs of the latency model and the jobs of other users in progress. Other users'
 * jobs arrive as a Poisson process and each holds its share for an exponential time, independently of
 * ours (an M/M/∞ occupancy m(t): our tasks do not slow theirs), so the device's VM runs at
 * f_s / (k + m(t)). An episode starts with m drawn from the stationary (Poisson) distribution.
 */
import type { Rng } from '../util/rng.js';
import { exponential, GeneratedPath, type SegmentSource } from './paths.js';

export interface ServerLoadSpec {
  /** Other users' jobs per second. */
  arrivalsPerS: number;
  /** Mean time a job holds its share, ms. */
  meanHoldMs: number;
}

/** The mean number of other users' jobs in progress (λ·h). */
export function meanJobs(spec: ServerLoadSpec): number {
  return (spec.arrivalsPerS / 1e3) * spec.meanHoldMs;
}

export class ServerLoad implements SegmentSource {
  readonly path: GeneratedPath;
  private jobs = 0;
  private readonly ratePerMs: number;

  constructor(
    readonly spec: ServerLoadSpec,
    /** f_s, cycles per second, and k. */
    private readonly serverHz: number,
    private readonly users: number,
    private rng: Rng,
  ) {
    this.ratePerMs = spec.arrivalsPerS / 1e3;
    this.path = new GeneratedPath(this);
    this.restartWith(rng);
  }

  /** A new realisation: the occupancy at time 0 from the stationary distribution. */
  restartWith(rng: Rng): void {
    this.rng = rng;
    this.path.restart(0);
    this.jobs = poisson(rng, meanJobs(this.spec));
  }

  restart(): void {
    // The owner draws the initial occupancy (restartWith); the path's own restart lands here.
  }

  nextRate(): number {
    return this.serverHz / (this.users + this.jobs) / 1e3;
  }

  /** The time to the next arrival or departure; the occupancy then changes. */
  nextLength(): number {
    const births = this.ratePerMs;
    const deaths = this.jobs / this.spec.meanHoldMs;
    const total = births + deaths;
    if (total === 0) return 1e12;
    const length = exponential(this.rng, 1 / total);
    if (this.rng.next() * total < births) this.jobs++;
    else this.jobs--;
    return length;
  }
}

function poisson(rng: Rng, mean: number): number {
  // Knuth's method: the means here are small (a few jobs).
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
