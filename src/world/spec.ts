/**
 * The world specification: what happens when a plan runs (docs/world.md). One JSON object, every
 * dynamic optional; the empty world `{}` is the paper's (constant rates, nothing random), in which the
 * world's makespans equal the latency model's.
 *
 *   {
 *     "name": "ATT LTE at 7 Mbit/s, 20 ms per transfer",
 *     "links": { "kind": "trace", "uplink": "ATT-LTE-driving.up", "downlink": "ATT-LTE-driving.down",
 *                "meanMbps": 7 },
 *     "transferLatency": { "ms": 20, "jitterMs": 5 },
 *     "server": { "arrivalsPerS": 2, "meanHoldMs": 500 },
 *     "noise": { "sigma": 0.2, "per": "run" }
 *   }
 *
 * links: `{"kind": "constant"}` (the system's rates; the default), `{"kind": "trace", "uplink"?: FILE,
 * "downlink"?: FILE, "format"?: "mahimahi"|"rate", "meanMbps"?: M}` (a direction without a file keeps
 * the system's rate; `meanMbps` scales both traces by the factor that gives the uplink trace, or the
 * only trace, this mean), or `{"kind": "markov", "states": [{"upMbps", "downMbps", "meanSojournMs"}, …],
 * "jumps"?: [[…]]}`. Trace files are relative to the specification's folder.
 */
import { basename, resolve } from 'node:path';
import { readSpecDocument } from '../util/spec-document.js';
import { InputError } from '../util/errors.js';
import { isObject } from '../util/is-object.js';
import type { MarkovState } from './markov.js';
import type { ServerLoadSpec } from './server-load.js';
import { TRACE_FORMATS, type TraceFormat } from './trace.js';

export interface ConstantLinks {
  kind: 'constant';
}
export interface TraceLinks {
  kind: 'trace';
  uplink?: string;
  downlink?: string;
  format?: TraceFormat;
  meanMbps?: number;
  /** Offsets are drawn in [start, end) seconds of the traces (a user's part of a long drive). */
  segmentS?: [number, number];
}
export interface MarkovLinks {
  kind: 'markov';
  states: MarkovState[];
  jumps?: number[][];
}
export type LinkSpec = ConstantLinks | TraceLinks | MarkovLinks;

export interface TransferLatencySpec {
  /** Fixed part, ms. */
  ms: number;
  /** Mean of an exponential extra part, ms (0: fixed). */
  jitterMs?: number;
}

export interface NoiseSpec {
  /** σ of the log-normal factor (mean 1) on each task's cycles, upload and result sizes. */
  sigma: number;
  /** Drawn afresh for every run, or once per task (the same in every run). */
  per: 'run' | 'task';
}

export interface WorldSpec {
  name?: string;
  links?: LinkSpec;
  /** The rates a belief starts from (the nominal system); default: each link's time average. */
  nominalMbps?: { up: number; down: number };
  transferLatency?: TransferLatencySpec;
  server?: ServerLoadSpec;
  noise?: NoiseSpec;
}

/** Worlds that need no file. */
export const BUILTIN_WORLDS: Record<string, WorldSpec> = {
  static: { name: 'static (the paper: constant rates)' },
  markov: {
    name: 'markov (2 states, 12 / 1.5 Mbit/s, 200 ms sojourns)',
    links: {
      kind: 'markov',
      states: [
        { upMbps: 12, downMbps: 12, meanSojournMs: 200 },
        { upMbps: 1.5, downMbps: 1.5, meanSojournMs: 200 },
      ],
    },
  },
  'markov-slow': {
    name: 'markov-slow (2 states, 12 / 1.5 Mbit/s, 1 s sojourns)',
    links: {
      kind: 'markov',
      states: [
        { upMbps: 12, downMbps: 12, meanSojournMs: 1000 },
        { upMbps: 1.5, downMbps: 1.5, meanSojournMs: 1000 },
      ],
    },
  },
};

/** The bounds of a specification's numbers (declared once, checked here and by the flags). */
export const WORLD_LIMITS = {
  rateMbps: 1e5,
  latencyMs: 1e5,
  sojournMs: 1e8,
  sigma: 3,
  states: 64,
  arrivalsPerS: 1e5,
  holdMs: 1e8,
} as const;

/**
 * Reads `--world`: a built-in name, a JSON file (trace paths resolved against its folder), or the JSON
 * itself (starting with `{`, as a decision log records it; trace paths as they are).
 */
export function loadWorldSpec(nameOrFile: string): WorldSpec {
  const builtin = BUILTIN_WORLDS[nameOrFile];
  if (builtin) return structuredClone(builtin);
  const { doc, origin, base } = readSpecDocument(nameOrFile, '--world', 'world', Object.keys(BUILTIN_WORLDS));
  return validateWorldSpec(doc, origin, base);
}

/** Checks a parsed specification; `base` resolves relative trace paths. Errors name `origin` and the field. */
export function validateWorldSpec(doc: unknown, origin: string, base?: string): WorldSpec {
  const fail = (problem: string): never => {
    throw InputError.inFile(origin, problem);
  };
  if (!isObject(doc)) return fail('a world must be a JSON object');
  known(doc, ['name', 'links', 'nominalMbps', 'transferLatency', 'server', 'noise'], '', fail);
  const spec: WorldSpec = {};
  if (doc.name !== undefined)
    spec.name = typeof doc.name === 'string' ? doc.name : fail('"name" must be a string');
  if (doc.links !== undefined) spec.links = linksOf(doc.links, fail, base);
  if (doc.nominalMbps !== undefined) {
    const n = doc.nominalMbps;
    if (!isObject(n)) return fail('"nominalMbps" must be an object {"up", "down"}');
    known(n, ['up', 'down'], 'nominalMbps.', fail);
    spec.nominalMbps = {
      up: positive(n.up, 'nominalMbps.up', WORLD_LIMITS.rateMbps, fail),
      down: positive(n.down, 'nominalMbps.down', WORLD_LIMITS.rateMbps, fail),
    };
  }
  if (doc.transferLatency !== undefined) {
    const t = doc.transferLatency;
    if (!isObject(t)) return fail('"transferLatency" must be an object {"ms", "jitterMs"?}');
    known(t, ['ms', 'jitterMs'], 'transferLatency.', fail);
    spec.transferLatency = {
      ms: num(t.ms, 'transferLatency.ms', 0, WORLD_LIMITS.latencyMs, fail),
      ...(t.jitterMs !== undefined
        ? { jitterMs: num(t.jitterMs, 'transferLatency.jitterMs', 0, WORLD_LIMITS.latencyMs, fail) }
        : {}),
    };
  }
  if (doc.server !== undefined) {
    const s = doc.server;
    if (!isObject(s)) return fail('"server" must be an object {"arrivalsPerS", "meanHoldMs"}');
    known(s, ['arrivalsPerS', 'meanHoldMs'], 'server.', fail);
    spec.server = {
      arrivalsPerS: num(s.arrivalsPerS, 'server.arrivalsPerS', 0, WORLD_LIMITS.arrivalsPerS, fail),
      meanHoldMs: positive(s.meanHoldMs, 'server.meanHoldMs', WORLD_LIMITS.holdMs, fail),
    };
  }
  if (doc.noise !== undefined) {
    const n = doc.noise;
    if (!isObject(n)) return fail('"noise" must be an object {"sigma", "per"}');
    known(n, ['sigma', 'per'], 'noise.', fail);
    const per = n.per ?? 'run';
    if (per !== 'run' && per !== 'task')
      fail(`"noise.per" must be "run" or "task", got ${JSON.stringify(per)}`);
    spec.noise = {
      sigma: num(n.sigma, 'noise.sigma', 0, WORLD_LIMITS.sigma, fail),
      per: per as 'run' | 'task',
    };
  }
  return spec;
}

function linksOf(v: unknown, fail: (p: string) => never, base?: string): LinkSpec {
  if (!isObject(v)) return fail('"links" must be an object with a "kind"');
  if (v.kind === 'constant') {
    known(v, ['kind'], 'links.', fail);
    return { kind: 'constant' };
  }
  if (v.kind === 'trace') {
    known(v, ['kind', 'uplink', 'downlink', 'format', 'meanMbps', 'segmentS'], 'links.', fail);
    const file = (key: 'uplink' | 'downlink'): string | undefined => {
      const f = v[key];
      if (f === undefined) return undefined;
      if (typeof f !== 'string' || f === '') return fail(`"links.${key}" must be a trace file's path`);
      return base ? resolve(base, f) : f;
    };
    const uplink = file('uplink');
    const downlink = file('downlink');
    if (!uplink && !downlink) fail('"links" of kind "trace" needs an "uplink" or a "downlink" trace file');
    if (v.format !== undefined && !(TRACE_FORMATS as readonly unknown[]).includes(v.format))
      fail(`"links.format" must be one of ${TRACE_FORMATS.join(', ')}`);
    return {
      kind: 'trace',
      ...(uplink ? { uplink } : {}),
      ...(downlink ? { downlink } : {}),
      ...(v.format !== undefined ? { format: v.format as TraceFormat } : {}),
      ...(v.meanMbps !== undefined
        ? { meanMbps: positive(v.meanMbps, 'links.meanMbps', WORLD_LIMITS.rateMbps, fail) }
        : {}),
      ...(v.segmentS !== undefined ? { segmentS: segmentOf(v.segmentS, fail) } : {}),
    };
  }
  if (v.kind === 'markov') {
    known(v, ['kind', 'states', 'jumps'], 'links.', fail);
    if (!Array.isArray(v.states) || v.states.length === 0 || v.states.length > WORLD_LIMITS.states)
      return fail(`"links.states" must be an array of 1 to ${WORLD_LIMITS.states} states`);
    const states = v.states.map((s: unknown, k: number): MarkovState => {
      if (!isObject(s)) return fail(`"links.states[${k}]" must be {"upMbps", "downMbps", "meanSojournMs"}`);
      known(s, ['upMbps', 'downMbps', 'meanSojournMs'], `links.states[${k}].`, fail);
      return {
        upMbps: num(s.upMbps, `links.states[${k}].upMbps`, 0, WORLD_LIMITS.rateMbps, fail),
        downMbps: num(s.downMbps, `links.states[${k}].downMbps`, 0, WORLD_LIMITS.rateMbps, fail),
        meanSojournMs: positive(
          s.meanSojournMs,
          `links.states[${k}].meanSojournMs`,
          WORLD_LIMITS.sojournMs,
          fail,
        ),
      };
    });
    if (!states.some((s) => s.upMbps > 0) || !states.some((s) => s.downMbps > 0))
      fail('"links.states": some state must have a positive uplink and some a positive downlink rate');
    const spec: MarkovLinks = { kind: 'markov', states };
    if (v.jumps !== undefined) spec.jumps = jumpsOf(v.jumps, states.length, fail);
    return spec;
  }
  return fail(`"links.kind" must be "constant", "trace" or "markov", got ${JSON.stringify(v.kind)}`);
}

function segmentOf(v: unknown, fail: (p: string) => never): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) return fail('"links.segmentS" must be [start, end] in seconds');
  const start = num(v[0], 'links.segmentS[0]', 0, 1e7, fail);
  const end = num(v[1], 'links.segmentS[1]', 0, 1e7, fail);
  if (end <= start) fail(`"links.segmentS" must end after it starts, got [${start}, ${end}]`);
  return [start, end];
}

function jumpsOf(v: unknown, m: number, fail: (p: string) => never): number[][] {
  if (!Array.isArray(v) || v.length !== m) return fail(`"links.jumps" must be a ${m} × ${m} matrix`);
  return v.map((row: unknown, a: number) => {
    if (!Array.isArray(row) || row.length !== m) return fail(`"links.jumps[${a}]" must have ${m} entries`);
    const values = row.map((p: unknown, b: number) => num(p, `links.jumps[${a}][${b}]`, 0, 1, fail));
    const sum = values.reduce((s, p) => s + p, 0);
    if (m > 1 && values[a] !== 0) fail(`"links.jumps[${a}][${a}]" must be 0 (a jump leaves its state)`);
    if (Math.abs(sum - 1) > 1e-9) fail(`"links.jumps[${a}]" must sum to 1, sums to ${sum}`);
    return values;
  });
}

function known(o: Record<string, unknown>, keys: string[], prefix: string, fail: (p: string) => never): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      fail(`unknown key "${prefix}${k}" (known: ${keys.map((x) => prefix + x).join(', ')})`);
}

function num(v: unknown, field: string, lo: number, hi: number, fail: (p: string) => never): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    return fail(`"${field}" must be a number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  return v;
}

function positive(v: unknown, field: string, hi: number, fail: (p: string) => never): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > hi)
    return fail(`"${field}" must be a positive number up to ${hi}, got ${JSON.stringify(v)}`);
  return v;
}

/** True when nothing in the world varies: its makespans are the latency model's. */
export function isStatic(spec: WorldSpec): boolean {
  return (
    (spec.links === undefined || spec.links.kind === 'constant') &&
    (spec.transferLatency === undefined ||
      (spec.transferLatency.ms === 0 && !spec.transferLatency.jitterMs)) &&
    (spec.server === undefined || spec.server.arrivalsPerS === 0) &&
    (spec.noise === undefined || spec.noise.sigma === 0)
  );
}

/** A world in a few words (its name, or what it is made of). */
export function describeWorldSpec(spec: WorldSpec): string {
  if (spec.name) return spec.name;
  const parts: string[] = [];
  const links = spec.links;
  if (links?.kind === 'trace')
    parts.push(
      `${[...new Set([links.uplink, links.downlink].filter(Boolean).map((f) => basename(f!).replace(/\.(up|down)$/, '')))].join(' / ')}${links.meanMbps ? ` at ${links.meanMbps} Mbit/s` : ''}`,
    );
  else if (links?.kind === 'markov') parts.push(`Markov channel of ${links.states.length} states`);
  else parts.push('constant rates');
  if (spec.transferLatency) parts.push(`${spec.transferLatency.ms} ms per transfer`);
  if (spec.server) parts.push(`shared server (${spec.server.arrivalsPerS}/s, ${spec.server.meanHoldMs} ms)`);
  if (spec.noise) parts.push(`noise σ ${spec.noise.sigma} per ${spec.noise.per}`);
  return parts.join(', ');
}
