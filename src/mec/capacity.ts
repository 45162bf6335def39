/**
 * A resource whose capacity varies in time (a wireless link replaying a trace, a Markov channel, a
 * server shared with other users): the world's side of the simulator. The latency model's resources
 * have constant capacity, so their durations are fixed per task (TaskTimes); a resource with a
 * capacity path instead computes when a job ends from when it starts.
 *
 * Units: time in ms; work in the resource's own unit (bytes for a link, cycles for a processor).
 */
export interface CapacityPath {
  /**
   * The earliest time ≥ start by which `work` units have been served since `start`, the resource
   * serving this job alone at its full capacity. Non-decreasing in `start` (first in, first out: a job
   * that starts later never ends earlier).
   */
  finish(start: number, work: number): number;
  /** The units served in [from, to] (0 when to ≤ from). */
  served(from: number, to: number): number;
}

/** The resources of the latency model that may vary: one path each, or null for a constant one. */
export interface ResourcePaths {
  readonly ue: CapacityPath | null;
  readonly uplink: CapacityPath | null;
  readonly mec: CapacityPath | null;
  readonly downlink: CapacityPath | null;
}

/**
 * A task's actual work and its transfers' set-up time, read for resources with a capacity path (a
 * constant resource's duration, set-up included, is in TaskTimes).
 */
export interface TaskWork {
  readonly cycles: Float64Array;
  readonly uploadBytes: Float64Array;
  readonly resultBytes: Float64Array;
  /** Per transfer: the time before its bytes start to flow (ms); the link is held meanwhile. */
  readonly uplinkLatency: Float64Array;
  readonly downlinkLatency: Float64Array;
}

export interface Dynamics {
  readonly paths: ResourcePaths;
  readonly work: TaskWork;
}
