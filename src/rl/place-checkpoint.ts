/**
 * A place policy's file: the tensor format (nn/tensor-file.ts) with `meta.kind` "place-policy (…)"
 * and its configuration. Written atomically; a file that is not one, or whose tensors do not match its
 * configuration, is refused in one line naming it.
 */
import { readTensorFile, writeTensorFile } from '../nn/tensor-file.js';
import { PlacePolicy, type PlacePolicyConfig } from '../policy/place-policy.js';
import { InputError } from '../util/errors.js';
import { isObject } from '../util/is-object.js';

export const PLACE_POLICY_KIND = 'place-policy';

export function savePlacePolicy(path: string, policy: PlacePolicy, origin: string): void {
  writeTensorFile(path, {
    meta: { kind: PLACE_POLICY_KIND, origin, config: policy.config },
    tensors: policy.params.params.map((p) => ({ name: p.name, shape: [...p.shape] })),
    arrays: { values: Float32Array.from(policy.params.values) },
  });
}

/** True when the tensor file at `path` is a place policy (read errors are the caller's to report). */
export function isPlacePolicyFile(path: string): boolean {
  return readTensorFile(path).meta.kind === PLACE_POLICY_KIND;
}

export function loadPlacePolicy(path: string): PlacePolicy {
  const file = readTensorFile(path);
  const fail = (problem: string): never => {
    throw InputError.inFile(path, problem);
  };
  if (file.meta.kind !== PLACE_POLICY_KIND)
    fail(`not a policy over places (its kind is ${JSON.stringify(file.meta.kind ?? 'a two-way policy')})`);
  const c = file.meta.config;
  if (!isObject(c)) return fail('has no policy configuration');
  const int = (v: unknown, lo: number, hi: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  if (
    !int(c.hidden, 1, 4096) ||
    !int(c.layers, 0, 16) ||
    typeof c.priorGain !== 'number' ||
    !Number.isFinite(c.priorGain)
  )
    fail('has a malformed policy configuration');
  const config: PlacePolicyConfig = {
    hidden: c.hidden as number,
    layers: c.layers as number,
    priorGain: c.priorGain as number,
  };
  const policy = new PlacePolicy(config, 0);
  const values = file.arrays.values;
  if (!values || values.length !== policy.params.size)
    fail(`holds ${values?.length ?? 0} parameters, its configuration needs ${policy.params.size}`);
  const names = policy.params.params.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  if (file.tensors.map((t) => `${t.name}:${t.shape.join('x')}`).join(',') !== names)
    fail("its tensors do not match its configuration's");
  policy.params.setValues(values);
  return policy;
}
