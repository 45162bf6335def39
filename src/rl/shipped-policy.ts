/**
 * The policy shipped with the package: an MRLCO meta-policy trained over the training tasks of all
 * three experiments, none of their test sets (docs/training.md says how to rebuild it). It is the
 * default of `mrlco schedule`, `mrlco adapt` and the `policy` scheduler of `mrlco baselines`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.js';

/** policies/mrlco-default.bin at the package root (this module runs from dist/src/rl/). */
export const SHIPPED_POLICY_PATH = fileURLToPath(
  new URL('../../../policies/mrlco-default.bin', import.meta.url),
);

/**
 * The online policy shipped with the package: an MRLCO meta-policy trained to decide online over the
 * training worlds of the world experiment, none of its test links (`npm run build:online-policy`). The
 * default policy wherever a command decides in a world.
 */
export const SHIPPED_ONLINE_POLICY_PATH = fileURLToPath(
  new URL('../../../policies/mrlco-online.bin', import.meta.url),
);

/** The given checkpoint path, or the shipped online policy's. */
export function onlinePolicyPathOr(path: string | undefined): string {
  return (
    path ??
    shippedOrRefuse(
      SHIPPED_ONLINE_POLICY_PATH,
      'the shipped online policy',
      'give --policy a checkpoint trained in a world',
    )
  );
}

/** The given checkpoint path, or the shipped policy's when none is given. */
export function policyPathOr(path: string | undefined): string {
  return (
    path ?? shippedOrRefuse(SHIPPED_POLICY_PATH, 'the shipped policy', 'give --policy/--from a checkpoint')
  );
}

/**
 * The policy over places shipped with the package: the MRLCO meta-policy of `experiment systems`
 * (meta-trained on random systems, none of the presets; `npm run build:places-policy` rebuilds it).
 * The default of the `policy` row of `baselines --system`.
 */
export const SHIPPED_PLACES_POLICY_PATH = fileURLToPath(
  new URL('../../../policies/mrlco-places.bin', import.meta.url),
);

/** The given policy path, or the shipped policy over places. */
export function placesPolicyPathOr(path: string | undefined): string {
  return (
    path ??
    shippedOrRefuse(
      SHIPPED_PLACES_POLICY_PATH,
      'the shipped policy over places',
      'give --policy a place policy',
    )
  );
}

/** A shipped file's path, or one line saying it is missing and what to give instead. */
function shippedOrRefuse(path: string, what: string, hint: string): string {
  if (!existsSync(path)) throw new InputError(`${path}: ${what} is missing from this installation; ${hint}`);
  return path;
}
