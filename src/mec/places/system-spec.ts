/**
 * The system as data (docs/system.md): a device, any number of edge servers, each with its own wireless
 * link, CPU and share, and an optional cloud reached through one server's backhaul. A task runs at one
 * place: place 0 is the device, places 1..S the servers in the order given, place S + 1 the cloud.
 *
 *   {
 *     "name": "three servers and a cloud",
 *     "device": { "ghz": 1, "power": { "rho": 1.25e-26, "zeta": 3, "transmitW": 1.258, "receiveW": 1.181 } },
 *     "servers": [ { "name": "near", "ghz": 10, "users": 4, "upMbps": 10, "downMbps": 10 }, … ],
 *     "cloud": { "ghz": 40, "via": "near", "backhaulMbps": 100, "backhaulLatencyMs": 30 }
 *   }
 *
 * The device has one CPU speed, used both for a local task's time and (with `rho`, `zeta`) for its
 * computing power ρ·f^ζ. DRLTO's code computes local time at another speed than its energy formula;
 * here there is one, and the `energy` preset takes DRLTO's 0.8 GHz for both.
 */
import { resolve } from 'node:path';
import { readSpecDocument } from '../../util/spec-document.js';
import { InputError } from '../../util/errors.js';
import { isObject } from '../../util/is-object.js';
import { MAX_USERS } from '../../util/limits.js';
import type { SystemParams } from '../system.js';
import { OBJECTIVE_KINDS, type ObjectiveKind } from './objective.js';

/** The device's power draw, W. Computing is `computeW`, or ρ·f^ζ from the device's clock f. */
export interface DevicePower {
  readonly computeW?: number;
  readonly rho?: number;
  readonly zeta?: number;
  readonly transmitW: number;
  readonly receiveW: number;
  /** While the device neither computes, transmits nor receives before the makespan (DRLTO: free). */
  readonly idleW?: number;
}

export interface DeviceSpec {
  readonly ghz: number;
  readonly power: DevicePower;
}

export interface ServerSpec {
  readonly name: string;
  /** f_s: the server's total capacity (cores × clock), GHz. */
  readonly ghz: number;
  /** k: users sharing it; this device's VM has f_s / k. */
  readonly users: number;
  /** The device's wireless link to this server, Mbit/s each way: the model's rates (what a scheduler plans with). */
  readonly upMbps: number;
  readonly downMbps: number;
  /**
   * The link as it happens (optional): traces replayed in each realisation (world/place-world.ts), in
   * Mahimahi's format or 'seconds Mbit/s', scaled to `meanMbps` (by the uplink trace's, or the only
   * one's, mean). A direction without a trace keeps its constant rate. Paths are relative to the
   * specification's folder.
   */
  readonly trace?: ServerTraceSpec;
}

export interface ServerTraceSpec {
  readonly uplink?: string;
  readonly downlink?: string;
  readonly meanMbps?: number;
  readonly format?: 'mahimahi' | 'rate';
}

export interface CloudSpec {
  readonly name?: string;
  readonly ghz: number;
  /** The server whose backhaul reaches the cloud: the device uses that server's wireless link. */
  readonly via: string;
  readonly backhaulMbps: number;
  /** One-way propagation on the backhaul, ms (not holding the link). */
  readonly backhaulLatencyMs: number;
}

/** The goal a system's users have, unless a command's --objective says otherwise. */
export interface ObjectiveSpec {
  readonly kind: ObjectiveKind;
  readonly lambdaT?: number;
  readonly lambdaE?: number;
}

export interface SystemSpec {
  readonly name?: string;
  readonly device: DeviceSpec;
  readonly servers: readonly ServerSpec[];
  readonly cloud?: CloudSpec;
  /** Default: latency. */
  readonly objective?: ObjectiveSpec;
}

/** DRLTO's device constants (linkpark/RLTaskOffloading): ρ, ζ and the radio's powers. */
export const DRLTO_POWER: DevicePower = { rho: 1.25e-26, zeta: 3, transmitW: 1.258, receiveW: 1.181 };

/** The largest server count a specification may have (the policies have one logit per place). */
export const MAX_SERVERS = 32;

export const BUILTIN_SYSTEMS: Readonly<Record<string, SystemSpec>> = {
  /** The paper's system (Sec. 5.2): a 1 GHz device, one 4 × 2.5 GHz VM, 7 Mbit/s both ways. */
  paper: {
    name: 'paper',
    device: { ghz: 1, power: DRLTO_POWER },
    servers: [{ name: 'edge', ghz: 10, users: 1, upMbps: 7, downMbps: 7 }],
  },
  /**
   * Three edge servers at different distances (rates) and loads (users), and a cloud behind the near
   * server's backhaul: the near one is fast to reach but crowded, the far one slow to reach but free.
   */
  'three-servers-cloud': {
    name: 'three-servers-cloud',
    device: { ghz: 1, power: DRLTO_POWER },
    servers: [
      { name: 'near', ghz: 10, users: 4, upMbps: 14, downMbps: 14 },
      { name: 'mid', ghz: 10, users: 2, upMbps: 7, downMbps: 7 },
      { name: 'far', ghz: 10, users: 1, upMbps: 3.5, downMbps: 3.5 },
    ],
    cloud: { name: 'cloud', ghz: 40, via: 'near', backhaulMbps: 50, backhaulLatencyMs: 40 },
  },
  /**
   * DRLTO's constants and goal: f = 0.8 GHz for time and power (6.4 W computing), its radio, one
   * server, the weighted QoE with λ_t = λ_e = 0.5.
   */
  energy: {
    name: 'energy',
    device: { ghz: 0.8, power: DRLTO_POWER },
    servers: [{ name: 'edge', ghz: 10, users: 1, upMbps: 7, downMbps: 7 }],
    objective: { kind: 'qoe', lambdaT: 0.5, lambdaE: 0.5 },
  },
};

/** The paper's one-server system of `SystemParams` (every other command's flags) as a specification. */
export function systemSpecFromParams(p: SystemParams, power: DevicePower = DRLTO_POWER): SystemSpec {
  return {
    device: { ghz: p.ueHz / 1e9, power },
    servers: [
      {
        name: 'edge',
        ghz: p.serverHz / 1e9,
        users: p.users,
        upMbps: p.uplinkBps / 1e6,
        downMbps: p.downlinkBps / 1e6,
      },
    ],
  };
}

/** The paper's SystemParams of a one-server system without a cloud (a two-way policy's), else undefined. */
export function oneServerParams(spec: SystemSpec): SystemParams | undefined {
  if (spec.servers.length !== 1 || spec.cloud) return undefined;
  const s = spec.servers[0];
  return {
    ueHz: spec.device.ghz * 1e9,
    serverHz: s.ghz * 1e9,
    users: s.users,
    uplinkBps: s.upMbps * 1e6,
    downlinkBps: s.downMbps * 1e6,
  };
}

/** Place names in action order: the device, the servers, the cloud. */
export function placeNames(spec: SystemSpec): string[] {
  return ['device', ...spec.servers.map((s) => s.name), ...(spec.cloud ? [spec.cloud.name ?? 'cloud'] : [])];
}

export function placeCount(spec: SystemSpec): number {
  return 1 + spec.servers.length + (spec.cloud ? 1 : 0);
}

/** The device's computing power, W. */
export function computeWatts(device: DeviceSpec): number {
  const p = device.power;
  if (p.computeW !== undefined) return p.computeW;
  return p.rho! * (device.ghz * 1e9) ** p.zeta!;
}

/** A system in a few words. */
export function describeSystemSpec(spec: SystemSpec): string {
  const servers = spec.servers
    .map((s) => `${s.name} ${s.ghz} GHz/${s.users} at ${s.upMbps}/${s.downMbps} Mbit/s`)
    .join(', ');
  const cloud = spec.cloud
    ? `; ${spec.cloud.name ?? 'cloud'} ${spec.cloud.ghz} GHz via ${spec.cloud.via} (${spec.cloud.backhaulMbps} Mbit/s, ${spec.cloud.backhaulLatencyMs} ms)`
    : '';
  const name = spec.name ? `${spec.name}: ` : '';
  return `${name}device ${spec.device.ghz} GHz (${computeWatts(spec.device).toFixed(2)} W computing); ${servers}${cloud}`;
}

/** Checks a parsed specification; errors name `origin` and the field. */
export function validateSystemSpec(doc: unknown, origin: string, base?: string): SystemSpec {
  const fail = (problem: string): never => {
    throw InputError.inFile(origin, problem);
  };
  if (!isObject(doc)) return fail('a system must be a JSON object');
  known(doc, ['name', 'device', 'servers', 'cloud', 'objective'], '', fail);
  if (doc.name !== undefined && typeof doc.name !== 'string') fail('"name" must be a string');
  const device = deviceOf(doc.device, fail);
  if (!Array.isArray(doc.servers) || doc.servers.length === 0 || doc.servers.length > MAX_SERVERS)
    return fail(`"servers" must be a list of 1 to ${MAX_SERVERS} servers`);
  const servers = doc.servers.map((s, k) => serverOf(s, `servers[${k}].`, fail, base));
  const names = new Set<string>(['device']);
  for (const s of servers) {
    if (names.has(s.name)) fail(`server name "${s.name}" is used twice (or is "device")`);
    names.add(s.name);
  }
  const spec: SystemSpec = {
    ...(typeof doc.name === 'string' ? { name: doc.name } : {}),
    device,
    servers,
    ...(doc.cloud !== undefined ? { cloud: cloudOf(doc.cloud, servers, names, fail) } : {}),
    ...(doc.objective !== undefined ? { objective: objectiveSpecOf(doc.objective, fail) } : {}),
  };
  return spec;
}

function objectiveSpecOf(v: unknown, fail: (p: string) => never): ObjectiveSpec {
  if (!isObject(v)) return fail('"objective" must be an object {"kind", "lambdaT"?, "lambdaE"?}');
  known(v, ['kind', 'lambdaT', 'lambdaE'], 'objective.', fail);
  if (!(OBJECTIVE_KINDS as readonly unknown[]).includes(v.kind))
    fail(`"objective.kind" must be one of ${OBJECTIVE_KINDS.join(', ')}, got ${JSON.stringify(v.kind)}`);
  return {
    kind: v.kind as ObjectiveKind,
    ...(v.lambdaT !== undefined ? { lambdaT: num(v.lambdaT, 'objective.lambdaT', 0, 1e3, fail) } : {}),
    ...(v.lambdaE !== undefined ? { lambdaE: num(v.lambdaE, 'objective.lambdaE', 0, 1e3, fail) } : {}),
  };
}

/**
 * Reads `--system`: a built-in name, a JSON file, or the JSON itself (starting with `{`, as outputs
 * record it).
 */
export function loadSystemSpec(nameOrFile: string): SystemSpec {
  const builtin = BUILTIN_SYSTEMS[nameOrFile];
  if (builtin) return structuredClone(builtin);
  const { doc, origin, base } = readSpecDocument(
    nameOrFile,
    '--system',
    'system',
    Object.keys(BUILTIN_SYSTEMS),
  );
  return validateSystemSpec(doc, origin, base);
}

function deviceOf(v: unknown, fail: (p: string) => never): DeviceSpec {
  if (!isObject(v)) return fail('"device" must be an object {"ghz", "power"}');
  known(v, ['ghz', 'power'], 'device.', fail);
  const ghz = positive(v.ghz, 'device.ghz', 1e3, fail);
  const p = v.power ?? DRLTO_POWER;
  if (!isObject(p)) return fail('"device.power" must be an object');
  known(p, ['computeW', 'rho', 'zeta', 'transmitW', 'receiveW', 'idleW'], 'device.power.', fail);
  const hasDvfs = p.rho !== undefined || p.zeta !== undefined;
  if (p.computeW !== undefined && hasDvfs)
    fail('"device.power" takes either "computeW" or "rho" and "zeta", not both');
  if (p.computeW === undefined && (p.rho === undefined || p.zeta === undefined))
    fail('"device.power" needs "computeW", or "rho" and "zeta" (computing power ρ·f^ζ)');
  const power: DevicePower = {
    ...(p.computeW !== undefined ? { computeW: nonNegative(p.computeW, 'device.power.computeW', fail) } : {}),
    ...(p.rho !== undefined ? { rho: nonNegative(p.rho, 'device.power.rho', fail) } : {}),
    ...(p.zeta !== undefined ? { zeta: num(p.zeta, 'device.power.zeta', 0, 10, fail) } : {}),
    transmitW: nonNegative(p.transmitW, 'device.power.transmitW', fail),
    receiveW: nonNegative(p.receiveW, 'device.power.receiveW', fail),
    ...(p.idleW !== undefined ? { idleW: nonNegative(p.idleW, 'device.power.idleW', fail) } : {}),
  };
  const device = { ghz, power };
  const w = computeWatts(device);
  if (!Number.isFinite(w) || w > 1e6)
    fail(`"device.power" gives ${w} W computing at ${ghz} GHz: rho and zeta are in SI units (Hz)`);
  return device;
}

function serverOf(v: unknown, at: string, fail: (p: string) => never, base?: string): ServerSpec {
  if (!isObject(v)) return fail(`"${at.slice(0, -1)}" must be an object`);
  known(v, ['name', 'ghz', 'users', 'upMbps', 'downMbps', 'trace'], at, fail);
  if (typeof v.name !== 'string' || v.name === '') return fail(`"${at}name" must be a non-empty string`);
  const users = v.users ?? 1;
  if (typeof users !== 'number' || !Number.isInteger(users) || users < 1 || users > MAX_USERS)
    fail(`"${at}users" must be an integer from 1 to ${MAX_USERS}, got ${JSON.stringify(users)}`);
  return {
    name: v.name,
    ghz: positive(v.ghz, `${at}ghz`, 1e5, fail),
    users: users as number,
    upMbps: positive(v.upMbps, `${at}upMbps`, 1e6, fail),
    downMbps: positive(v.downMbps, `${at}downMbps`, 1e6, fail),
    ...(v.trace !== undefined ? { trace: traceOf(v.trace, `${at}trace.`, fail, base) } : {}),
  };
}

function traceOf(v: unknown, at: string, fail: (p: string) => never, base?: string): ServerTraceSpec {
  if (!isObject(v))
    return fail(`"${at.slice(0, -1)}" must be an object {"uplink"?, "downlink"?, "meanMbps"?, "format"?}`);
  known(v, ['uplink', 'downlink', 'meanMbps', 'format'], at, fail);
  if (v.uplink === undefined && v.downlink === undefined)
    fail(`"${at.slice(0, -1)}" needs "uplink" or "downlink" (a trace file)`);
  const file = (f: unknown, key: string) =>
    typeof f === 'string' && f !== ''
      ? base
        ? resolve(base, f)
        : f
      : fail(`"${at}${key}" must be a file name`);
  if (v.format !== undefined && v.format !== 'mahimahi' && v.format !== 'rate')
    fail(`"${at}format" must be mahimahi or rate, got ${JSON.stringify(v.format)}`);
  return {
    ...(v.uplink !== undefined ? { uplink: file(v.uplink, 'uplink') } : {}),
    ...(v.downlink !== undefined ? { downlink: file(v.downlink, 'downlink') } : {}),
    ...(v.meanMbps !== undefined ? { meanMbps: positive(v.meanMbps, `${at}meanMbps`, 1e6, fail) } : {}),
    ...(v.format !== undefined ? { format: v.format as 'mahimahi' | 'rate' } : {}),
  };
}

/** True when some server's link replays a trace: the system is a world, not only a model. */
export function hasTraces(spec: SystemSpec): boolean {
  return spec.servers.some((s) => s.trace !== undefined);
}

function cloudOf(
  v: unknown,
  servers: readonly ServerSpec[],
  names: Set<string>,
  fail: (p: string) => never,
): CloudSpec {
  if (!isObject(v)) return fail('"cloud" must be an object');
  known(v, ['name', 'ghz', 'via', 'backhaulMbps', 'backhaulLatencyMs'], 'cloud.', fail);
  if (v.name !== undefined && (typeof v.name !== 'string' || v.name === ''))
    fail('"cloud.name" must be a non-empty string');
  const name = (v.name as string | undefined) ?? 'cloud';
  if (names.has(name)) fail(`the cloud's name "${name}" is a server's (or "device")`);
  if (typeof v.via !== 'string' || !servers.some((s) => s.name === v.via))
    return fail(
      `"cloud.via" must name a server (${servers.map((s) => s.name).join(', ')}), got ${JSON.stringify(v.via)}`,
    );
  return {
    ...(v.name !== undefined ? { name } : {}),
    ghz: positive(v.ghz, 'cloud.ghz', 1e6, fail),
    via: v.via,
    backhaulMbps: positive(v.backhaulMbps, 'cloud.backhaulMbps', 1e7, fail),
    backhaulLatencyMs: num(v.backhaulLatencyMs, 'cloud.backhaulLatencyMs', 0, 1e5, fail),
  };
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

function nonNegative(v: unknown, field: string, fail: (p: string) => never): number {
  return num(v, field, 0, 1e6, fail);
}

function positive(v: unknown, field: string, hi: number, fail: (p: string) => never): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > hi)
    return fail(`"${field}" must be a positive number up to ${hi}, got ${JSON.stringify(v)}`);
  return v;
}
