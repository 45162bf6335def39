/**
 * What a plan is judged by: one declared setting used by every scheduler, Optimal's bound, the reward
 * and the reports.
 *  - `latency`: the makespan T (ms), the paper's objective;
 *  - `energy`: the device's energy E (mJ);
 *  - `qoe`: DRLTO's weighted cost λ_t·(T − T_local)/T_local + λ_e·(E − E_local)/E_local against the
 *    all-local plan (0 for it; negative is better than running everything on the device).
 * Every objective is non-decreasing in T and in E, which is what makes a bound on each a bound on it.
 */
import { InputError } from '../../util/errors.js';

export type ObjectiveKind = 'latency' | 'energy' | 'qoe';
export const OBJECTIVE_KINDS: readonly ObjectiveKind[] = ['latency', 'energy', 'qoe'];

export interface Objective {
  readonly kind: ObjectiveKind;
  /** λ_t and λ_e of `qoe` (ignored by the others). */
  readonly lambdaT: number;
  readonly lambdaE: number;
}

/** DRLTO's energy-efficient goal: λ_t = λ_e = 0.5. */
export const QOE_DEFAULT_LAMBDA = 0.5;

export const LATENCY: Objective = { kind: 'latency', lambdaT: 1, lambdaE: 0 };

export function objectiveOf(kind: ObjectiveKind, lambdaT?: number, lambdaE?: number): Objective {
  if (kind !== 'qoe') {
    if (lambdaT !== undefined || lambdaE !== undefined)
      throw new InputError(`--lambda-t and --lambda-e weigh the qoe objective, not ${kind}`);
    return kind === 'latency' ? LATENCY : { kind, lambdaT: 0, lambdaE: 1 };
  }
  const t = lambdaT ?? QOE_DEFAULT_LAMBDA;
  const e = lambdaE ?? QOE_DEFAULT_LAMBDA;
  for (const [name, v] of [
    ['--lambda-t', t],
    ['--lambda-e', e],
  ] as const)
    if (!Number.isFinite(v) || v < 0 || v > 1e3)
      throw new InputError(`${name} must be a number from 0 to 1000, got ${v}`);
  if (t === 0 && e === 0) throw new InputError('--lambda-t and --lambda-e are both 0: nothing to minimise');
  return { kind, lambdaT: t, lambdaE: e };
}

/** The all-local plan's makespan and energy: QoE's reference point. */
export interface LocalReference {
  readonly makespanMs: number;
  readonly energyMj: number;
}

/** The objective's value of a plan with makespan T and energy E. */
export function objectiveValue(o: Objective, T: number, E: number, ref: LocalReference): number {
  if (o.kind === 'latency') return T;
  if (o.kind === 'energy') return E;
  return qoeTerm(o.lambdaT, T, ref.makespanMs) + qoeTerm(o.lambdaE, E, ref.energyMj);
}

/** λ·(x − x_local)/x_local; a zero reference (an empty DAG, a free device) contributes nothing. */
function qoeTerm(lambda: number, x: number, local: number): number {
  return lambda === 0 || local <= 0 ? 0 : (lambda * (x - local)) / local;
}

export function describeObjective(o: Objective): string {
  if (o.kind !== 'qoe') return o.kind;
  return `qoe (λ_t ${o.lambdaT}, λ_e ${o.lambdaE})`;
}

/**
 * How two plans' objectives compare in a report: relative for latency and energy (%), the plain
 * difference for qoe (already a fraction of the all-local plan; shown in percentage points).
 */
export function objectiveGap(o: Objective, value: number, best: number): number {
  if (o.kind === 'qoe') return value - best;
  return best > 0 ? value / best - 1 : 0;
}
