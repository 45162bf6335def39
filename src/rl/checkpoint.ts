/**
 * Checkpoints: the policy's parameters, the optimiser state, the RNG states and the iteration, in one
 * tensor file (nn/tensor-file.ts) written atomically. A checkpoint also serves as a policy file.
 */
import type { SystemParams } from '../mec/system.js';
import { isObject } from '../util/is-object.js';
import { RANK_WEIGHTS, type RankWeight } from '../mec/rank.js';
import type { Adam } from '../nn/adam.js';
import { readTensorFile, writeTensorFile } from '../nn/tensor-file.js';
import { createPolicy } from '../policy/create.js';
import type { OffloadingPolicy, PolicyConfig } from '../policy/policy.js';
import { isSimProfile, type SimProfile } from '../mec/profiles.js';
import { InputError } from '../util/errors.js';
import type { RngState } from '../util/rng.js';
import { policyConfigFromValue, runConfigFromValue, type RunConfig } from './config.js';

export const CHECKPOINT_KIND = 'mrlco-checkpoint';

export interface CheckpointState {
  run: RunConfig;
  iteration: number;
  rng: Record<string, RngState>;
  /** Free-form: task names, what produced it. */
  info: Record<string, unknown>;
}

export function saveCheckpoint(
  path: string,
  policy: OffloadingPolicy,
  adam: Adam | undefined,
  state: CheckpointState,
): void {
  const arrays: Record<string, Float32Array> = { values: policy.params.values };
  if (adam) {
    arrays['adam.m'] = adam.state.m;
    arrays['adam.v'] = adam.state.v;
  }
  writeTensorFile(path, {
    meta: { kind: CHECKPOINT_KIND, policy: policy.config, ...state, adamStep: adam?.state.step ?? 0 },
    tensors: policy.params.params.map((p) => ({ name: p.name, shape: [...p.shape] })),
    arrays,
  });
}

export interface LoadedCheckpoint {
  policy: OffloadingPolicy;
  state: CheckpointState;
  adam?: { step: number; m: Float32Array; v: Float32Array };
}

/** Loads a checkpoint; every mismatch (kind, tensor names or shapes, sizes) is one line naming the file. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const file = readTensorFile(path);
  const meta = file.meta as Partial<CheckpointState> & {
    kind?: string;
    policy?: PolicyConfig;
    adamStep?: number;
  };
  if (meta.kind !== CHECKPOINT_KIND || !meta.policy || !meta.run)
    throw InputError.inFile(path, 'not an mrlco policy checkpoint');
  // The header is validated like a command line: a corrupt or foreign one is one line naming the file.
  const run = runConfigFromValue(meta.run, `${path} (its settings)`);
  let policy: OffloadingPolicy;
  try {
    policy = createPolicy(policyConfigFromValue(meta.policy, `${path} (its policy)`), 0);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw InputError.inFile(path, 'the checkpoint describes an invalid policy configuration');
  }
  const expected = policy.params.params;
  if (file.tensors.length !== expected.length)
    throw InputError.inFile(path, `has ${file.tensors.length} tensors, the policy needs ${expected.length}`);
  expected.forEach((p, k) => {
    const t = file.tensors[k];
    if (t.name !== p.name || t.shape.join('x') !== p.shape.join('x')) {
      throw InputError.inFile(
        path,
        `tensor ${k} is ${t.name} [${t.shape.join(', ')}], expected ${p.name} [${p.shape.join(', ')}]`,
      );
    }
  });
  const values = file.arrays.values;
  if (!values || values.length !== policy.params.size)
    throw InputError.inFile(path, 'parameter values missing or of the wrong size');
  policy.params.setValues(values);
  const m = file.arrays['adam.m'];
  const v = file.arrays['adam.v'];
  const adam =
    m && v && m.length === values.length && v.length === values.length
      ? { step: meta.adamStep ?? 0, m, v }
      : undefined;
  return {
    policy,
    state: {
      run,
      iteration: meta.iteration ?? 0,
      rng: meta.rng ?? {},
      info: meta.info ?? {},
    },
    ...(adam ? { adam } : {}),
  };
}

export function restoreAdam(adam: Adam, saved: { step: number; m: Float32Array; v: Float32Array }): void {
  adam.state = { step: saved.step, m: saved.m.slice(), v: saved.v.slice() };
}

/** The simulator profile a checkpoint's policy was trained on, when it records one. */
/** The one system a set of tasks shares, or null when they differ (a checkpoint records it as trained in). */
export function sharedSystem(systems: readonly SystemParams[]): SystemParams | null {
  if (systems.length === 0) return null;
  const first = JSON.stringify(systems[0]);
  return systems.every((s) => JSON.stringify(s) === first) ? systems[0] : null;
}

/** The system (rates, f_UE, f_s, k) the policy was trained in, when the checkpoint records one. */
export function systemOfCheckpoint(state: CheckpointState): SystemParams | undefined {
  return recordedSystem(state.info.system);
}

/** A system recorded as JSON (a checkpoint's, a run's config.json), when it is a valid one. */
export function recordedSystem(s: unknown): SystemParams | undefined {
  if (!isObject(s)) return undefined;
  const keys: (keyof SystemParams)[] = ['ueHz', 'serverHz', 'users', 'uplinkBps', 'downlinkBps'];
  for (const k of keys) {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return undefined;
  }
  return Object.fromEntries(keys.map((k) => [k, s[k]])) as unknown as SystemParams;
}

/** The rank weight the policy was trained with, when the checkpoint records one (else the profile's). */
export function rankWeightOfCheckpoint(state: CheckpointState): RankWeight | undefined {
  const w = state.info.rankWeight;
  return typeof w === 'string' && (RANK_WEIGHTS as readonly string[]).includes(w)
    ? (w as RankWeight)
    : undefined;
}

export function profileOfCheckpoint(state: CheckpointState): SimProfile | undefined {
  const p = state.info.profile;
  return isSimProfile(p) ? p : undefined;
}
