/**
 * The status page's view of a federated run: projects the coordinator's state (Coordinator.view) onto
 * the page's JSON, with the held-out tasks' HEFT and Greedy references (computed once) and the Gantt
 * chart of the first held-out DAG under θ's argmax plan (drawn once per model version).
 */
import { simulateTimeline } from '../../mec/simulator.js';
import { renderGanttSvg } from '../../report/gantt-svg.js';
import { evaluateGreedy } from '../../rl/sampler.js';
import { greedy, heft } from '../../schedulers/earliest-finish.js';
import type { Scheduler } from '../../schedulers/scheduler.js';
import type { Coordinator } from '../federation/coordinator.js';
import type { FederationStatus, StatusSource } from './status.js';

export class FederationStatusSource implements StatusSource {
  private references: FederationStatus['references'] | undefined;
  private gantt: { version: number; svg: string | undefined } | undefined;

  constructor(private readonly coordinator: Coordinator) {}

  status(): FederationStatus {
    const v = this.coordinator.view();
    return {
      service: { startedAt: v.startedAt, listen: v.listen, seed: v.seed, modelVersion: v.version },
      round: {
        number: v.open?.round ?? v.version,
        state: v.finished ? 'finished' : v.open ? 'open' : 'waiting',
        ...(v.open || v.finished ? {} : { opensWhen: `${v.minDevices} devices are online` }),
        deadline: v.open ? new Date(v.open.deadline).toISOString() : null,
        selected: v.open?.selected ?? [],
        reported: v.open?.reported ?? [],
      },
      totalRounds: v.totalRounds,
      devices: [...v.devices]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((d) => ({
          name: d.name,
          online: d.online,
          revoked: d.revoked,
          lastSeen: d.lastSeen,
          selections: d.selections,
          accepted: d.accepted,
          failures: d.failures,
          lastRound: d.lastRound,
          lastOutcome: d.lastOutcome,
          lastReason: d.lastReason,
          lastSampledMakespanMs: d.lastSampledMakespanMs,
          lastSamples: d.lastSamples,
        })),
      history: v.history.map((r) => ({
        round: r.round,
        selected: r.selected.length,
        accepted: r.accepted,
        rejected: r.rejected,
        missed: r.missed,
        closedBy: r.closedBy,
        wallS: r.wallS,
        bytesIn: r.bytesIn,
        bytesOut: r.bytesOut,
        innerSampledMakespanMs: r.innerSampledMakespanMs,
        testMakespanMs: r.testMakespanMs,
        trainMakespanMs: r.trainMakespanMs,
      })),
      references: this.heldOutReferences(),
    };
  }

  /** Mean HEFT and Greedy makespans over the held-out tasks' DAGs (computed once). */
  private heldOutReferences(): FederationStatus['references'] {
    if (this.references !== undefined) return this.references;
    const problems = this.coordinator.heldOutTasks.flatMap((t) => t.problems);
    const meanOf = (s: Scheduler): number =>
      problems.reduce((a, p) => a + s.schedule(p).makespanMs, 0) / problems.length;
    this.references = problems.length > 0 ? { heftMs: meanOf(heft), greedyMs: meanOf(greedy) } : null;
    return this.references;
  }

  ganttSvg(): string | undefined {
    const version = this.coordinator.round;
    if (this.gantt && this.gantt.version === version) return this.gantt.svg;
    let svg: string | undefined;
    const task = this.coordinator.heldOutTasks[0];
    if (task) {
      const r = evaluateGreedy(this.coordinator.backend, this.coordinator.policy, [{ task, dag: 0 }]);
      const problem = task.problems[0];
      const timeline = simulateTimeline(problem.dag, problem.simulator, problem.order, r.plans[0]);
      svg = renderGanttSvg(problem.dag, timeline, {
        title: `${problem.dag.name}: meta policy after round ${version}, ${timeline.profile} profile`,
      });
    }
    this.gantt = { version, svg };
    return svg;
  }
}
