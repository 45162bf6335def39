/**
 * Link capacity traces, read as published (docs/world.md, "Traces"):
 *  - Mahimahi's format: one line per delivery opportunity of one 1500-byte packet, an integer
 *    millisecond timestamp from the trace's start (a millisecond with several opportunities repeats
 *    its timestamp). An opportunity at t delivers its 1500 bytes evenly over (t − 1, t]; the trace
 *    repeats with a period equal to its last timestamp (so an opportunity at 0 is one at the period).
 *  - a two-column format, `seconds Mbit/s` per line (blank lines and `#` comments allowed): the rate of
 *    a line holds until the next line's time; the first line is at 0 s, and the last line's rate holds
 *    for as long as the step before it (one line alone: a constant rate), which ends the period.
 * Either becomes a periodic, piecewise-constant capacity in bytes per ms (`LinkTrace`), whose
 * cumulative bytes are tabulated at the segments' starts so that a transfer's end is one bisection.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../util/errors.js';

export const MAHIMAHI_PACKET_BYTES = 1500;
export type TraceFormat = 'mahimahi' | 'rate';
export const TRACE_FORMATS: readonly TraceFormat[] = ['mahimahi', 'rate'];

/** A periodic piecewise-constant capacity, bytes per ms, over [0, period). */
export class LinkTrace {
  /** Segment k covers [starts[k], starts[k + 1]); starts[segments] = period. */
  readonly starts: Float64Array;
  /** Bytes delivered over [0, starts[k]); cum[segments] = total. */
  readonly cum: Float64Array;
  /** Bytes per ms in segment k. */
  readonly rates: Float64Array;
  readonly segments: number;
  readonly periodMs: number;
  readonly totalBytes: number;

  constructor(
    readonly name: string,
    readonly format: TraceFormat,
    starts: Float64Array,
    rates: Float64Array,
  ) {
    const m = rates.length;
    if (starts.length !== m + 1) throw new RangeError('a trace needs one more start than segments');
    this.starts = starts;
    this.rates = rates;
    this.segments = m;
    this.cum = new Float64Array(m + 1);
    for (let k = 0; k < m; k++) this.cum[k + 1] = this.cum[k] + rates[k] * (starts[k + 1] - starts[k]);
    this.periodMs = starts[m];
    this.totalBytes = this.cum[m];
  }

  /** The mean rate over a period, Mbit/s. */
  get meanMbps(): number {
    return (this.totalBytes * 8) / this.periodMs / 1e3;
  }

  /** Bytes delivered over [0, x) of trace time (x ≥ 0, any number of periods). */
  cumulative(x: number): number {
    const P = this.periodMs;
    const k = Math.floor(x / P);
    const y = x - k * P;
    const s = this.segmentAt(y);
    return k * this.totalBytes + this.cum[s] + (y - this.starts[s]) * this.rates[s];
  }

  /** The first trace time x at which `cumulative(x)` reaches `bytes` (bytes ≥ 0). */
  timeOfCumulative(bytes: number): number {
    if (bytes <= 0) return 0;
    const total = this.totalBytes;
    let k = Math.floor(bytes / total);
    let rem = bytes - k * total;
    // Exactly k periods: reached at the end of period k − 1's last delivering segment.
    if (rem <= 0) {
      k -= 1;
      rem = total;
    }
    // The first segment whose end reaches rem (it delivers, since the cumulative before it is below rem).
    const { cum } = this;
    let lo = 0;
    let hi = this.segments - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid + 1] >= rem) hi = mid;
      else lo = mid + 1;
    }
    return k * this.periodMs + this.starts[lo] + (rem - cum[lo]) / this.rates[lo];
  }

  /** The segment containing y ∈ [0, period). */
  private segmentAt(y: number): number {
    const { starts } = this;
    let lo = 0;
    let hi = this.segments - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Reads a trace file; the format is detected from the first data line (one column or two) unless given. */
export function readTrace(path: string, format?: TraceFormat): LinkTrace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw InputError.inFile(
      path,
      code === 'ENOENT'
        ? 'no such trace file'
        : code === 'EISDIR'
          ? 'is a folder, not a trace file'
          : `cannot read the trace file (${code ?? (err as Error).message})`,
    );
  }
  return parseTrace(text, path, format);
}

export function parseTrace(text: string, origin: string, format?: TraceFormat): LinkTrace {
  if (format !== 'rate') {
    const stamps = fastMahimahi(text);
    if (stamps) return mahimahiTrace(stamps, origin);
  }
  const lines = text.split(/\r?\n/);
  const data: { line: number; fields: string[] }[] = [];
  lines.forEach((raw, k) => {
    const content = raw.replace(/#.*$/, '').trim();
    if (content !== '') data.push({ line: k + 1, fields: content.split(/[\s,]+/) });
  });
  if (data.length === 0) throw InputError.inFile(origin, 'the trace is empty (no data lines)');
  const detected = format ?? (data[0].fields.length === 1 ? 'mahimahi' : 'rate');
  return detected === 'mahimahi' ? parseMahimahi(data, origin) : parseRateTrace(data, origin);
}

function parseMahimahi(data: { line: number; fields: string[] }[], origin: string): LinkTrace {
  const stamps = new Float64Array(data.length);
  let previous = -Infinity;
  data.forEach(({ line, fields }, k) => {
    const at = `${origin}:${line}`;
    if (fields.length !== 1)
      throw InputError.inFile(
        at,
        `expected one timestamp (ms) per line (Mahimahi's format), got "${fields.join(' ')}"`,
      );
    const t = Number(fields[0]);
    if (!/^\d+$/.test(fields[0]) || !Number.isSafeInteger(t))
      throw InputError.inFile(at, `"${fields[0]}" is not a non-negative integer millisecond timestamp`);
    if (t < previous)
      throw InputError.inFile(
        at,
        `timestamp ${t} is before the previous one (${previous}): timestamps must not decrease`,
      );
    stamps[k] = previous = t;
  });
  return mahimahiTrace(stamps, origin);
}

/**
 * Mahimahi's format read in one pass over the characters (the traces run to millions of lines); null
 * when the text has anything but digits and line ends, or timestamps out of order, so that the careful
 * reader can name the line.
 */
function fastMahimahi(text: string): Float64Array | null {
  let stamps = new Float64Array(Math.max(16, text.length >> 2));
  let count = 0;
  let value = 0;
  let digits = 0;
  let previous = -1;
  for (let k = 0; k <= text.length; k++) {
    const c = k < text.length ? text.charCodeAt(k) : 10;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 15) return null;
    } else if (c === 10 || c === 13) {
      if (digits === 0) continue;
      if (value < previous) return null;
      if (count === stamps.length) {
        const grown = new Float64Array(2 * count);
        grown.set(stamps);
        stamps = grown;
      }
      stamps[count++] = previous = value;
      value = 0;
      digits = 0;
    } else return null;
  }
  return count > 0 ? stamps.subarray(0, count) : null;
}

function mahimahiTrace(stamps: Float64Array, origin: string): LinkTrace {
  const period = stamps[stamps.length - 1];
  if (period <= 0) throw InputError.inFile(origin, 'the trace lasts 0 ms (its last timestamp is 0)');
  // Opportunities per 1-ms bin (j, j + 1]; an opportunity at 0 belongs to the period's last bin.
  const counts = new Uint32Array(period);
  for (let k = 0; k < stamps.length; k++) {
    const t = stamps[k];
    counts[t === 0 ? period - 1 : t - 1]++;
  }
  // Runs of equal count become one segment.
  const starts: number[] = [0];
  const rates: number[] = [counts[0] * MAHIMAHI_PACKET_BYTES];
  for (let j = 1; j < period; j++) {
    if (counts[j] !== counts[j - 1]) {
      starts.push(j);
      rates.push(counts[j] * MAHIMAHI_PACKET_BYTES);
    }
  }
  starts.push(period);
  return new LinkTrace(origin, 'mahimahi', Float64Array.from(starts), Float64Array.from(rates));
}

/** Mbit/s → bytes per ms. */
const BYTES_PER_MS_PER_MBPS = 1e6 / 8 / 1e3;

function parseRateTrace(data: { line: number; fields: string[] }[], origin: string): LinkTrace {
  const times: number[] = [];
  const rates: number[] = [];
  for (const { line, fields } of data) {
    const at = `${origin}:${line}`;
    if (fields.length !== 2)
      throw InputError.inFile(at, `expected "seconds Mbit/s" (two numbers), got "${fields.join(' ')}"`);
    const [t, r] = fields.map(Number);
    if (fields[0] === '' || !Number.isFinite(t))
      throw InputError.inFile(at, `"${fields[0]}" is not a time in seconds`);
    if (fields[1] === '' || !Number.isFinite(r) || r < 0)
      throw InputError.inFile(at, `"${fields[1]}" is not a non-negative rate in Mbit/s`);
    if (times.length === 0 && t !== 0) throw InputError.inFile(at, `the first line must be at 0 s, got ${t}`);
    if (times.length > 0 && t * 1e3 <= times[times.length - 1])
      throw InputError.inFile(
        at,
        `time ${t} s is not after the previous line's (${times[times.length - 1] / 1e3} s)`,
      );
    times.push(t * 1e3);
    rates.push(r * BYTES_PER_MS_PER_MBPS);
  }
  const m = times.length;
  const lastStep = m > 1 ? times[m - 1] - times[m - 2] : 1e3;
  const starts = Float64Array.from([...times, times[m - 1] + lastStep]);
  const trace = new LinkTrace(origin, 'rate', starts, Float64Array.from(rates));
  if (trace.totalBytes <= 0)
    throw InputError.inFile(origin, 'the trace never delivers anything (every rate is 0)');
  return trace;
}

/** Summary statistics of a trace (`mrlco trace`). */
export interface TraceStats {
  name: string;
  format: TraceFormat;
  durationS: number;
  meanMbps: number;
  /** Percentiles of the rate averaged over windows of `windowMs`. */
  windowMs: number;
  percentilesMbps: Record<'p5' | 'p25' | 'p50' | 'p75' | 'p95', number>;
  /** Mean time the windowed rate stays within a factor 2 of where it was, s. */
  meanStableS: number;
  /** Windows with no delivery at all: their count, their share of time, and the longest run, s. */
  outages: number;
  outageShare: number;
  longestOutageS: number;
}

export function traceStats(trace: LinkTrace, windowMs = 100): TraceStats {
  const windows = Math.max(1, Math.floor(trace.periodMs / windowMs));
  const rate = new Float64Array(windows);
  for (let w = 0; w < windows; w++)
    rate[w] = ((trace.cumulative((w + 1) * windowMs) - trace.cumulative(w * windowMs)) * 8) / windowMs / 1e3;
  const sorted = Float64Array.from(rate).sort();
  const pct = (p: number) => sorted[Math.min(windows - 1, Math.floor(p * windows))];
  // Stability: from each window, how long until the rate leaves [r/2, 2r]; averaged over start windows.
  let stableSum = 0;
  for (let w = 0; w < windows; w++) {
    const r = rate[w];
    let v = w + 1;
    while (v < windows && (r === 0 ? rate[v] === 0 : rate[v] >= r / 2 && rate[v] <= 2 * r)) v++;
    stableSum += (v - w) * windowMs;
  }
  let outages = 0;
  let outageWindows = 0;
  let run = 0;
  let longest = 0;
  for (let w = 0; w < windows; w++) {
    if (rate[w] === 0) {
      if (run === 0) outages++;
      run++;
      outageWindows++;
      longest = Math.max(longest, run);
    } else run = 0;
  }
  return {
    name: trace.name,
    format: trace.format,
    durationS: trace.periodMs / 1e3,
    meanMbps: trace.meanMbps,
    windowMs,
    percentilesMbps: { p5: pct(0.05), p25: pct(0.25), p50: pct(0.5), p75: pct(0.75), p95: pct(0.95) },
    meanStableS: stableSum / windows / 1e3,
    outages,
    outageShare: outageWindows / windows,
    longestOutageS: (longest * windowMs) / 1e3,
  };
}
