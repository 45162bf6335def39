/**
 * The world over places: each server's wireless link as it happens, replaying its traces
 * (system-spec.ts, `servers[k].trace`), while schedulers plan with the system's constant rates. A
 * realisation draws each traced server's offset independently (whole ms below its traces' shorter
 * period), a pure function of (seed, DAG, realisation), so every plan meets the same realisations.
 */
import type { LinkPaths } from '../mec/places/simulator.js';
import { scorePlan, type PlacementProblem, type PlanScore } from '../mec/places/problem.js';
import type { SystemSpec } from '../mec/places/system-spec.js';
import { InputError } from '../util/errors.js';
import { MAX_WORLD_REALISATIONS, streamRng } from '../util/rng-streams.js';
import { TracePath } from './paths.js';
import { readTrace, type LinkTrace } from './trace.js';

interface TracedLink {
  uplink?: LinkTrace;
  downlink?: LinkTrace;
  scale: number;
  periodMs: number;
}

export class PlaceWorld {
  /** Per server: its traces, or undefined for a constant link. */
  private readonly traced: (TracedLink | undefined)[];

  constructor(readonly spec: SystemSpec) {
    this.traced = spec.servers.map((s) => {
      const t = s.trace;
      if (!t) return undefined;
      const uplink = t.uplink ? readTrace(t.uplink, t.format) : undefined;
      const downlink = t.downlink ? readTrace(t.downlink, t.format) : undefined;
      const reference = (uplink ?? downlink)!;
      for (const tr of [uplink, downlink])
        if (tr && tr.totalBytes <= 0) throw InputError.inFile(tr.name, 'the trace never delivers anything');
      return {
        ...(uplink ? { uplink } : {}),
        ...(downlink ? { downlink } : {}),
        scale: t.meanMbps !== undefined ? t.meanMbps / reference.meanMbps : 1,
        periodMs: Math.min(uplink?.periodMs ?? Infinity, downlink?.periodMs ?? Infinity),
      };
    });
  }

  /** Each server's paths in realisation r of DAG d, and the offsets drawn (ms; 0 for constant links). */
  realise(seed: number, dag: number, r: number): { links: LinkPaths[]; offsetsMs: number[] } {
    if (!Number.isInteger(r) || r < 0 || r >= MAX_WORLD_REALISATIONS)
      throw new RangeError(`realisation ${r} outside [0, ${MAX_WORLD_REALISATIONS})`);
    const rng = streamRng(seed, 'worldRealisation', dag * MAX_WORLD_REALISATIONS + r);
    const offsetsMs: number[] = [];
    const links = this.traced.map((t): LinkPaths => {
      const offset = t ? Math.floor(rng.next() * Math.max(1, Math.floor(t.periodMs))) : 0;
      offsetsMs.push(offset);
      const path = (trace?: LinkTrace) => {
        if (!trace) return null;
        const p = new TracePath(trace, t!.scale);
        p.offsetMs = offset;
        return p;
      };
      return { uplink: path(t?.uplink), downlink: path(t?.downlink) };
    });
    return { links, offsetsMs };
  }

  /** A plan's score in each of `episodes` realisations of DAG `dag`. */
  scoreIn(
    problem: PlacementProblem,
    plan: ArrayLike<number>,
    order: ArrayLike<number>,
    seed: number,
    dag: number,
    episodes: number,
  ): PlanScore[] {
    const sim = problem.simulator;
    const scores: PlanScore[] = [];
    try {
      for (let r = 0; r < episodes; r++) {
        sim.setLinkPaths(this.realise(seed, dag, r).links);
        scores.push(scorePlan(problem, plan, order));
      }
    } finally {
      sim.setLinkPaths(null);
    }
    return scores;
  }
}
