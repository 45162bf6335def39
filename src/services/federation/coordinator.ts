/**
 * The global training service's logic (Fig. 3, steps 1 and 4), without the network: the device registry,
 * rounds (select devices → hand out θ → collect θ'_i → Eq. (22) → commit), straggler handling and upload
 * checks. `server.ts` puts it behind gRPC; tests can drive it directly.
 *
 * A round selects n = meta.metaBatch devices among those online (sorted by name) with the same seeded
 * shuffle as the one-process meta-trainer draws its tasks, and gives each its slot in the meta-batch, so
 * that N devices holding the same N tasks reproduce one-process meta-training exactly. Devices that
 * failed in their last rounds sit out 2^(f−1) − 1 rounds (f consecutive failures, at most 15).
 */
import { evaluatesAt } from '../../rl/iteration-cadence.js';
import { SYSTEM_CLOCK, type Clock } from '../../util/clock.js';
import { streamRng } from '../../util/rng-streams.js';
import type { Backend } from '../../nn/backend.js';
import { Adam } from '../../nn/adam.js';
import { createPolicy } from '../../policy/create.js';
import type { OffloadingPolicy } from '../../policy/policy.js';
import { applyMetaUpdate } from '../../meta/outer-update.js';
import { saveCheckpoint } from '../../rl/checkpoint.js';
import { adamConfigOf, type RunConfig } from '../../rl/config.js';
import { compileTask, type CompiledTask, type LearningTask } from '../../rl/learning-task.js';
import { allDags, evaluateGreedy } from '../../rl/sampler.js';
import type { Rng } from '../../util/rng.js';
import { robustCombine } from './aggregate.js';
import { encodeParams } from './params-codec.js';
import {
  PROTOCOL_VERSION,
  type HelloReply,
  type ParamsMessage,
  type TaskReply,
  type UpdateMessage,
} from './proto.js';
import { messageLimit, updateNormBound, type FederationSettings } from './settings.js';
import type { DeviceRecord, RoundRecord, StateStore } from './state-store.js';
import { checkUpdate } from './update-check.js';

/** The coordinator's state for the status page: plain data, no behaviour. */
export interface CoordinatorView {
  startedAt: string;
  listen: string;
  seed: number;
  /** Rounds closed so far (the model version). */
  version: number;
  totalRounds: number;
  finished: boolean;
  minDevices: number;
  open: { round: number; deadline: number; selected: string[]; reported: string[] } | undefined;
  devices: (DeviceRecord & { online: boolean })[];
  history: readonly RoundRecord[];
}

export interface CoordinatorOptions {
  be: Backend;
  store: StateStore;
  run: RunConfig;
  federation: FederationSettings;
  /** Held-out tasks on which θ is evaluated after each round (for the page and the log). */
  evalTasks?: readonly LearningTask[];
  /** Where the current θ is also written as a policy checkpoint after each round. */
  checkpointPath?: string;
  listen?: string;
  log?: (line: string) => void;
  /** Time and timers (round deadlines, poll timeouts); the system clock by default. */
  clock?: Clock;
}

interface Report {
  thetaPrime: Float32Array;
  samples: number;
  sampledMakespanMs: number;
}

interface OpenRound {
  round: number;
  selected: string[];
  reports: Map<number, Report>;
  refused: Set<number>;
  startedAt: number;
  deadline: number;
  timer: unknown;
  bytesIn: number;
  bytesOut: number;
}

interface Waiter {
  device: string;
  wake: () => void;
  /** The device closed the poll (its process ended): it is offline, not just waiting. */
  gone?: boolean;
}

const MAX_BACKOFF_ROUNDS = 15;

export class Coordinator {
  readonly policy: OffloadingPolicy;
  private readonly outer: Adam;
  private readonly taskRng: Rng;
  private version: number;
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly lastContact = new Map<string, number>();
  private open: OpenRound | undefined;
  private readonly waiters = new Set<Waiter>();
  private history: RoundRecord[];
  private readonly evalTasks: CompiledTask[];
  private paramsCache: { version: number; msg: ParamsMessage } | undefined;
  private closed = false;
  private readonly startedAt = new Date().toISOString();
  private readonly clock: Clock;
  private readonly log: (line: string) => void;

  constructor(private readonly o: CoordinatorOptions) {
    const { run, store } = o;
    this.clock = o.clock ?? SYSTEM_CLOCK;
    this.log = o.log ?? (() => {});
    this.policy = createPolicy(run.policy, run.seed);
    this.outer = new Adam(this.policy.params.size, adamConfigOf(run.ppo, run.meta.outerLearningRate));
    this.taskRng = streamRng(run.seed, 'metaTasks'); // the stream metaTrain draws its meta-batches from
    const saved = store.loadModel();
    if (saved) {
      if (saved.theta.length !== this.policy.params.size)
        throw new Error(
          `${store.path}: stored θ has ${saved.theta.length} values, the policy ${this.policy.params.size}`,
        );
      this.policy.params.setValues(saved.theta);
      this.outer.state = { step: saved.adam.step, m: saved.adam.m, v: saved.adam.v };
      this.taskRng.setState(saved.taskRng);
      this.version = saved.round;
    } else {
      this.version = 0;
      store.initModel(this.modelState());
    }
    for (const d of store.listDevices()) this.devices.set(d.name, d);
    this.history = store.listRounds();
    // The store is the authority: a kill between its commit and the file write left policy.bin a round behind.
    this.writeCheckpoint();
    this.evalTasks = (o.evalTasks ?? []).map((t) => compileTask(t, run.policy.neighbours));
  }

  get round(): number {
    return this.version;
  }

  get finished(): boolean {
    return this.version >= this.o.run.iterations;
  }

  get paramCount(): number {
    return this.policy.params.size;
  }

  get maxMessageBytes(): number {
    return messageLimit(this.o.federation, this.paramCount);
  }

  // --- calls from devices (already authenticated: `device` is a registered, unrevoked name) ---

  hello(device: string, taskName: string): HelloReply {
    const rec = this.deviceRecord(device);
    rec.taskName = taskName;
    this.touch(device);
    this.maybeOpenRound();
    return {
      protocol: PROTOCOL_VERSION,
      device,
      policyJson: JSON.stringify(this.o.run.policy),
      seed: this.o.run.seed,
      paramCount: this.paramCount,
      maxMessageBytes: this.maxMessageBytes,
    };
  }

  /**
   * A device whose long poll was cancelled has gone (its process ended, its connection closed): it is
   * offline at once rather than for the rest of the online window.
   */
  leave(device: string): void {
    // Only a poll still waiting: a call already answered may be reported cancelled as its client closes.
    let waiting = false;
    for (const w of [...this.waiters])
      if (w.device === device) {
        waiting = true;
        w.gone = true;
        w.wake();
      }
    if (waiting) this.lastContact.delete(device);
  }

  /** Work for the device now, or after waiting up to waitMs for a round to open (then WAIT). */
  async nextTask(device: string, waitMs: number): Promise<TaskReply> {
    this.touch(device);
    this.maybeOpenRound();
    const ready = this.assignment(device);
    if (ready) return ready;
    const limit = Math.min(waitMs, this.o.federation.pollTimeoutS * 1000);
    if (limit <= 0) return this.waitReply();
    let gone = false;
    await new Promise<void>((resolve) => {
      const waiter: Waiter = {
        device,
        wake: () => {
          this.clock.clearTimer(timer);
          this.waiters.delete(waiter);
          gone = waiter.gone === true;
          resolve();
        },
      };
      const timer = this.clock.setTimer(waiter.wake, limit);
      this.waiters.add(waiter);
    });
    if (gone) return this.waitReply();
    this.touch(device);
    return this.assignment(device) ?? this.waitReply();
  }

  submit(device: string, update: UpdateMessage): { accepted: boolean; reason: string } {
    this.touch(device);
    const open = this.open;
    const rec = this.deviceRecord(device);
    if (!open || update.round !== open.round) {
      const reason =
        update.round <= this.version
          ? `round ${update.round} is closed`
          : `round ${update.round} is not open (current ${open ? open.round : 'none'})`;
      return this.refuse(device, update.round, 'late', reason);
    }
    const slot = open.selected.indexOf(device);
    if (slot < 0)
      return this.refuse(device, update.round, 'rejected', `not selected for round ${open.round}`);
    if (open.reports.has(slot) || open.refused.has(slot))
      return this.refuse(device, update.round, 'rejected', `a second upload for round ${open.round}`);
    const theta = this.policy.params.values;
    const { ppo } = this.o.run;
    const check = checkUpdate(update, theta, {
      modelVersion: this.version,
      normBound: updateNormBound(this.o.federation, ppo.learningRate, ppo.gradientSteps, theta.length),
      normPolicy: this.o.federation.normPolicy,
      maxSamples: ppo.dagsPerBatch * ppo.trajectoriesPerDag,
    });
    open.bytesIn += update.params?.data.length ?? 0;
    if (!check.ok) {
      open.refused.add(slot);
      this.failed(rec, open.round, 'rejected', check.reason);
      this.logRefusal(device, open.round, 'rejected', check.reason);
      this.maybeClose();
      return { accepted: false, reason: check.reason };
    }
    if (check.clipped)
      this.logRefusal(
        device,
        open.round,
        'clipped',
        `update norm ${check.updateNorm.toPrecision(4)} clipped to the bound`,
      );
    open.reports.set(slot, {
      thetaPrime: check.thetaPrime,
      samples: update.samples,
      sampledMakespanMs: update.sampledMakespanMs,
    });
    rec.lastSampledMakespanMs = update.sampledMakespanMs;
    rec.lastSamples = update.samples;
    this.maybeClose();
    return { accepted: true, reason: check.clipped ? 'accepted after clipping its norm' : '' };
  }

  /** Records a refused call of an authenticated or unknown caller. */
  logRefusal(device: string | null, round: number | null, kind: string, reason: string): void {
    this.o.store.logEvent({ time: new Date(this.clock.now()).toISOString(), round, device, kind, reason });
    this.log(
      `refused ${device ?? '(unknown device)'}${round !== null ? ` in round ${round}` : ''}: ${reason}`,
    );
  }

  // --- rounds ---

  /** Online: called within the online window, or waiting in a long poll right now. */
  private isOnline(d: DeviceRecord, t: number): boolean {
    if (d.revoked) return false;
    if (t - (this.lastContact.get(d.name) ?? -Infinity) <= this.o.federation.onlineWindowS * 1000)
      return true;
    for (const w of this.waiters) if (w.device === d.name) return true;
    return false;
  }

  private online(): string[] {
    const t = this.clock.now();
    return [...this.devices.values()]
      .filter((d) => this.isOnline(d, t))
      .map((d) => d.name)
      .sort();
  }

  private maybeOpenRound(): void {
    if (this.open || this.closed || this.finished) return;
    const online = this.online();
    if (online.length < this.o.federation.minDevices) return;
    const round = this.version + 1;
    let pool = online.filter((name) => this.devices.get(name)!.backoffUntil <= round);
    if (pool.length === 0) pool = online; // everyone is backing off: better a round than none
    // metaTrain's draw (MetaOffloadingEnv.sampleTasks): one seeded shuffle of the pool, first n.
    pool = this.taskRng.shuffle([...pool]);
    const selected = pool.slice(0, Math.min(this.o.run.meta.metaBatch, pool.length));
    const startedAt = this.clock.now();
    const deadline = startedAt + this.o.federation.roundDeadlineS * 1000;
    const timer = this.clock.setTimer(() => this.close('deadline'), deadline - startedAt);
    this.open = {
      round,
      selected,
      reports: new Map(),
      refused: new Set(),
      startedAt,
      deadline,
      timer,
      bytesIn: 0,
      bytesOut: 0,
    };
    for (const name of selected) this.devices.get(name)!.selections++;
    this.log(`round ${round} open: ${selected.join(', ')}`);
    this.wakeAll();
  }

  private assignment(device: string): TaskReply | undefined {
    if (this.finished) return { ...this.waitReply(), kind: 'DONE' };
    const open = this.open;
    if (!open) return undefined;
    const slot = open.selected.indexOf(device);
    if (slot < 0 || open.reports.has(slot) || open.refused.has(slot)) return undefined;
    if (!this.paramsCache || this.paramsCache.version !== this.version)
      this.paramsCache = { version: this.version, msg: encodeParams(this.policy.params.values) };
    open.bytesOut += this.paramsCache.msg.data.length;
    return {
      kind: 'TRAIN',
      round: open.round,
      modelVersion: this.version,
      slot,
      params: this.paramsCache.msg,
      ppoJson: JSON.stringify(this.o.run.ppo),
      deadlineMs: open.deadline,
      retryAfterMs: 0,
    };
  }

  private waitReply(): TaskReply {
    return {
      kind: 'WAIT',
      round: this.open?.round ?? this.version,
      modelVersion: this.version,
      slot: 0,
      params: null,
      ppoJson: '',
      deadlineMs: 0,
      retryAfterMs: 0,
    };
  }

  private maybeClose(): void {
    const open = this.open;
    if (!open) return;
    const n = open.selected.length;
    if (open.reports.size + open.refused.size >= n) this.close('all');
    else if (open.reports.size >= Math.ceil(this.o.federation.quorum * n)) this.close('quorum');
  }

  private close(closedBy: RoundRecord['closedBy']): void {
    const open = this.open;
    if (!open) return;
    this.clock.clearTimer(open.timer);
    this.open = undefined;
    const slots = [...open.reports.keys()].sort((a, b) => a - b);
    const reports = slots.map((s) => open.reports.get(s)!);
    const { ppo } = this.o.run;
    let weights: number[] = reports.map(() => 1);
    if (this.o.federation.weighting === 'samples' && reports.length > 0) {
      const meanSamples = reports.reduce((a, r) => a + r.samples, 0) / reports.length;
      weights = reports.map((r) => r.samples / meanSamples);
    }
    const theta = this.policy.params.values;
    const { aggregation, trimFraction } = this.o.federation;
    // A robust rule combines the θ'_i into one before Eq. (22), which then sees a single update.
    const updates =
      aggregation === 'mean' || reports.length === 0
        ? reports.map((r, k) => ({ thetaPrime: r.thetaPrime, weight: weights[k] }))
        : [
            {
              thetaPrime: robustCombine(
                reports.map((r) => r.thetaPrime),
                aggregation,
                trimFraction,
              ),
            },
          ];
    const metaGradNorm = applyMetaUpdate(this.outer, theta, updates, ppo.learningRate, ppo.gradientSteps);
    this.version = open.round;
    for (const [slot, name] of open.selected.entries()) {
      const rec = this.devices.get(name)!;
      if (open.reports.has(slot)) {
        rec.accepted++;
        rec.consecutiveFailures = 0;
        rec.backoffUntil = 0;
        rec.lastRound = open.round;
        rec.lastOutcome = 'accepted';
        rec.lastReason = null;
      } else if (!open.refused.has(slot)) {
        this.failed(rec, open.round, 'missed', `no upload before the round closed (${closedBy})`);
      }
    }
    const record: RoundRecord = {
      round: open.round,
      selected: open.selected,
      accepted: reports.length,
      rejected: open.refused.size,
      missed: open.selected.length - reports.length - open.refused.size,
      closedBy,
      wallS: (this.clock.now() - open.startedAt) / 1000,
      bytesIn: open.bytesIn,
      bytesOut: open.bytesOut,
      innerSampledMakespanMs:
        reports.length > 0 ? reports.reduce((a, r) => a + r.sampledMakespanMs, 0) / reports.length : null,
      testMakespanMs: null,
      trainMakespanMs: null,
      metaGradNorm,
      closedAt: new Date(this.clock.now()).toISOString(),
    };
    const run = this.o.run;
    // The training loops' cadence; the coordinator writes θ every round (its store is the run's record).
    if (this.evalTasks.length > 0 && evaluatesAt(open.round, run)) {
      const r = evaluateGreedy(this.o.be, this.policy, allDags(this.evalTasks));
      record.testMakespanMs = r.makespans.reduce((a, b) => a + b, 0) / r.makespans.length;
    }
    this.o.store.commitRound(this.modelState(), record, [...this.devices.values()]);
    this.writeCheckpoint();
    this.history.push(record);
    this.log(
      `round ${record.round} closed (${closedBy}): ${record.accepted} accepted, ${record.rejected} refused, ${record.missed} missed` +
        (record.testMakespanMs !== null ? `; held-out makespan ${record.testMakespanMs.toFixed(2)} ms` : ''),
    );
    if (this.finished) this.log(`training finished after ${this.version} rounds`);
    this.maybeOpenRound();
    this.wakeAll();
  }

  /** θ as a policy checkpoint beside the state (for schedule, adapt, run --policy), written atomically. */
  private writeCheckpoint(): void {
    if (!this.o.checkpointPath) return;
    saveCheckpoint(this.o.checkpointPath, this.policy, this.outer, {
      run: this.o.run,
      iteration: this.version,
      rng: { tasks: this.taskRng.getState() },
      info: { kind: 'federated', round: this.version, profile: this.o.evalTasks?.[0]?.profile ?? null },
    });
  }

  private failed(rec: DeviceRecord, round: number, outcome: 'rejected' | 'missed', reason: string): void {
    rec.failures++;
    rec.consecutiveFailures++;
    rec.backoffUntil = round + 1 + Math.min(2 ** (rec.consecutiveFailures - 1) - 1, MAX_BACKOFF_ROUNDS);
    rec.lastRound = round;
    rec.lastOutcome = outcome;
    rec.lastReason = reason;
  }

  private refuse(
    device: string,
    round: number,
    outcome: 'late' | 'rejected',
    reason: string,
  ): { accepted: false; reason: string } {
    const rec = this.deviceRecord(device);
    rec.lastOutcome = outcome;
    rec.lastReason = reason;
    this.logRefusal(device, round, outcome, reason);
    return { accepted: false, reason };
  }

  private deviceRecord(name: string): DeviceRecord {
    let rec = this.devices.get(name);
    if (!rec) {
      // Registered after the service started (`serve token add` on the same state).
      rec = this.o.store.device(name);
      if (!rec) throw new Error(`device ${name} is not registered`);
      this.devices.set(name, rec);
    }
    return rec;
  }

  private touch(device: string): void {
    const rec = this.deviceRecord(device);
    const t = this.clock.now();
    this.lastContact.set(device, t);
    rec.lastSeen = new Date(t).toISOString();
  }

  /** Marks a device revoked in memory (the store is the authority; the server checks it on every call). */
  markRevoked(device: string): void {
    const rec = this.devices.get(device);
    if (rec) rec.revoked = true;
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w.wake();
  }

  private modelState() {
    return {
      round: this.version,
      theta: this.policy.params.values,
      adam: this.outer.state,
      taskRng: this.taskRng.getState(),
    };
  }

  // --- what the status page reads (services/web/federation-status.ts projects it) ---

  /** The service's state as plain data, at this moment. */
  view(): CoordinatorView {
    const t = this.clock.now();
    const open = this.open;
    return {
      startedAt: this.startedAt,
      listen: this.o.listen ?? '',
      seed: this.o.run.seed,
      version: this.version,
      totalRounds: this.o.run.iterations,
      finished: this.finished,
      minDevices: this.o.federation.minDevices,
      open: open
        ? {
            round: open.round,
            deadline: open.deadline,
            selected: open.selected,
            reported: [...open.reports.keys()].map((s) => open.selected[s]),
          }
        : undefined,
      devices: [...this.devices.values()].map((d) => ({ ...d, online: this.isOnline(d, t) })),
      history: this.history,
    };
  }

  /** The held-out tasks (the page's references and its Gantt chart). */
  get heldOutTasks(): readonly CompiledTask[] {
    return this.evalTasks;
  }

  /** The backend the service decides with. */
  get backend(): Backend {
    return this.o.be;
  }

  /** Stops timers and releases waiting polls (they answer WAIT). */
  shutdown(): void {
    this.closed = true;
    if (this.open) this.clock.clearTimer(this.open.timer);
    this.wakeAll();
  }
}
