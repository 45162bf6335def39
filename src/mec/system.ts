/**
 * The MEC system of Sec. 3: a device (UE) CPU, an uplink, a VM on the edge server and a downlink.
 * All parameters in SI units; simulated times come out in milliseconds.
 */
import { InputError } from '../util/errors.js';
import type { Dag } from '../dag/dag.js';

export interface SystemParams {
  /** f_UE: the device CPU, cycles per second. */
  readonly ueHz: number;
  /** f_s: the edge server's total capacity, cycles per second (cores × clock). */
  readonly serverHz: number;
  /** k: users sharing the server; each gets a VM with f_vm = f_s / k. */
  readonly users: number;
  /** R_ul and R_dl in bits per second. */
  readonly uplinkBps: number;
  readonly downlinkBps: number;
}

/** Sec. 5.2: 1 GHz device, one VM of 4 cores × 2.5 GHz, 7 Mbit/s both ways (the reference experiments' rate). */
export const DEFAULT_SYSTEM: SystemParams = {
  ueHz: 1e9,
  serverHz: 4 * 2.5e9,
  users: 1,
  uplinkBps: 7e6,
  downlinkBps: 7e6,
};

export function vmHz(system: SystemParams): number {
  return system.serverHz / system.users;
}

export function validateSystem(system: SystemParams, origin = 'system parameters'): SystemParams {
  for (const key of ['ueHz', 'serverHz', 'uplinkBps', 'downlinkBps'] as const) {
    const v = system[key];
    if (!Number.isFinite(v) || v <= 0)
      throw InputError.inFile(origin, `${key} must be a positive number, got ${v}`);
  }
  if (!Number.isInteger(system.users) || system.users < 1) {
    throw InputError.inFile(origin, `users must be a positive integer, got ${system.users}`);
  }
  return system;
}

/** Per-task latencies (Eq. 4 and T^UE) in milliseconds, as typed arrays for the hot loops. */
export interface TaskTimes {
  readonly local: Float64Array;
  readonly uplink: Float64Array;
  readonly mec: Float64Array;
  readonly downlink: Float64Array;
}

export function taskTimes(dag: Dag, system: SystemParams): TaskTimes {
  const n = dag.tasks.length;
  const times: TaskTimes = {
    local: new Float64Array(n),
    uplink: new Float64Array(n),
    mec: new Float64Array(n),
    downlink: new Float64Array(n),
  };
  const fVm = vmHz(system);
  dag.tasks.forEach((t, i) => {
    times.local[i] = (t.cycles / system.ueHz) * 1e3;
    times.uplink[i] = ((t.uploadBytes * 8) / system.uplinkBps) * 1e3;
    times.mec[i] = (t.cycles / fVm) * 1e3;
    times.downlink[i] = ((t.resultBytes * 8) / system.downlinkBps) * 1e3;
  });
  return times;
}
