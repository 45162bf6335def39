/**
 * The latency model a command's makespans are under, stated: a trained policy's model (profile, rank
 * order, system) as a command's default, the notes where a command runs a policy under another one,
 * and the model in words and as JSON for every output.
 */
import { defaultRankWeight, type ModelOptions } from '../mec/problem.js';
import { DEFAULT_SYSTEM, type SystemParams } from '../mec/system.js';
import {
  profileOfCheckpoint,
  rankWeightOfCheckpoint,
  systemOfCheckpoint,
  type CheckpointState,
} from '../rl/checkpoint.js';
import type { SystemDefaults } from './run-options.js';
import type { Dag } from '../dag/dag.js';
import type { PolicyConfig } from '../policy/policy.js';
import { DEEP_ROLLOUT_DEFAULT_MAX_TASKS } from '../schedulers/heft-rollout.js';

/** The model a policy was trained in, as the defaults of the system options. */
export function policyModelDefaults(state: CheckpointState): SystemDefaults {
  return {
    profile: profileOfCheckpoint(state),
    rankWeight: rankWeightOfCheckpoint(state),
    system: systemOfCheckpoint(state),
  };
}

/** Notes on stderr where a policy is used under another profile, rank order or system than it was trained in. */
export function notePolicyModel(state: CheckpointState, system: SystemParams, model: ModelOptions): void {
  const trainedIn = systemOfCheckpoint(state);
  if (trainedIn && JSON.stringify(trainedIn) !== JSON.stringify(system))
    console.error(
      `note: the policy was trained at ${describeSystem(trainedIn)}; its plans are under ${describeSystem(system)}`,
    );
  const trainedOn = profileOfCheckpoint(state);
  if (trainedOn !== undefined && trainedOn !== model.profile)
    console.error(
      `note: the policy was trained on the ${trainedOn} profile; its plans are under the ${model.profile} profile`,
    );
  const weight = model.rankWeight ?? defaultRankWeight(model.profile);
  const trainedWeight = rankWeightOfCheckpoint(state) ?? (trainedOn ? defaultRankWeight(trainedOn) : weight);
  if (weight !== trainedWeight)
    console.error(
      `note: the policy was trained in the ${trainedWeight} rank order; its plans are in the ${weight} rank order`,
    );
}

/** Rates, f_UE, f_s and k in one phrase. */
export function describeSystem(s: SystemParams): string {
  return `${s.uplinkBps / 1e6}/${s.downlinkBps / 1e6} Mbit/s, f_UE ${s.ueHz / 1e9} GHz, f_s ${s.serverHz / 1e9} GHz, k ${s.users}`;
}

/** "reference profile, min rank order, 7/7 Mbit/s, f_UE 1 GHz, f_s 10 GHz, k 1". */
export function describeModel(system: SystemParams, model: ModelOptions): string {
  return `${model.profile} profile, ${model.rankWeight ?? defaultRankWeight(model.profile)} rank order, ${describeSystem(system)}`;
}

/** The model of a JSON output: what its makespans are under. */
export function modelJson(
  system: SystemParams,
  model: ModelOptions,
): { profile: string; rankWeight: string; system: SystemParams } {
  return { profile: model.profile, rankWeight: model.rankWeight ?? defaultRankWeight(model.profile), system };
}

/** True when a policy's model differs from the command's own default (the paper profile, DEFAULT_SYSTEM). */
export function policyModelIsNotDefault(d: SystemDefaults): boolean {
  return (
    (d.profile !== undefined && d.profile !== 'paper') ||
    (d.rankWeight ?? defaultRankWeight(d.profile ?? 'paper')) !== defaultRankWeight('paper') ||
    (d.system !== undefined && JSON.stringify(d.system) !== JSON.stringify(DEFAULT_SYSTEM))
  );
}

/**
 * A note before a policy with the rollout lookahead decides DAGs above the size deep rollouts run on by
 * default: its lookahead is a depth-1 rollout at every step, n³ model steps in all (minutes at 2000 tasks).
 */
export function noteLookaheadCost(config: PolicyConfig, dags: readonly Dag[]): void {
  const largest = dags.reduce((m, d) => Math.max(m, d.tasks.length), 0);
  if (config.lookahead === 'rollout' && largest > DEEP_ROLLOUT_DEFAULT_MAX_TASKS)
    console.error(
      `note: the policy's rollout lookahead costs about n³ model steps per DAG: the largest DAG has ${largest} tasks (above ${DEEP_ROLLOUT_DEFAULT_MAX_TASKS}, about 10 s at 500 tasks, minutes at 2000)`,
    );
}
