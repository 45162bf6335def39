/**
 * The whole configuration of a federated run, stored in the service's state on first start: the run
 * configuration (policy, inner-loop PPO, β, rounds, seed), the federation settings, and the held-out
 * tasks θ is evaluated on. A restart uses the stored one; only the number of rounds may change.
 */
import type { SimProfile } from '../../mec/simulator.js';
import type { SystemParams } from '../../mec/system.js';
import { runConfigFromValue, type RunConfig } from '../../rl/config.js';
import { InputError } from '../../util/errors.js';
import { checkFederationSettings, DEFAULT_FEDERATION, type FederationSettings } from './settings.js';
import { isObject } from '../../util/is-object.js';
import type { StateStore } from './state-store.js';

export interface EvalSpec {
  dirs: string[];
  system: SystemParams;
  profile: SimProfile;
}

export interface ServiceConfig {
  run: RunConfig;
  federation: FederationSettings;
  eval: EvalSpec | null;
}

export function storedServiceConfig(store: StateStore): ServiceConfig | undefined {
  const text = store.getMeta('config');
  if (text === undefined) return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    throw InputError.inFile(store.path, 'the stored configuration is not valid JSON');
  }
  if (!isObject(stored)) throw InputError.inFile(store.path, 'the stored configuration is not an object');
  const origin = `${store.path} (stored configuration)`;
  // Validated as the command line is; settings added after the run was created take their defaults.
  return {
    run: runConfigFromValue(stored.run, origin),
    federation: checkFederationSettings(
      {
        ...DEFAULT_FEDERATION,
        ...(isObject(stored.federation) ? stored.federation : {}),
      } as FederationSettings,
      origin,
    ),
    eval: (stored.eval ?? null) as EvalSpec | null,
  };
}

export function storeServiceConfig(store: StateStore, config: ServiceConfig): void {
  store.setMeta('config', JSON.stringify(config));
}

/** The differences between two configurations other than the number of rounds ("a.b.c" paths). */
export function configDifferences(a: ServiceConfig, b: ServiceConfig): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (path === 'run.iterations') return;
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null && !Array.isArray(x)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys)
        walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(path);
  };
  walk(a, b, '');
  return out;
}
