/** Run folders shared by PPO training and meta-training: creation, the resume rule and its checks, resuming. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import type { Adam } from '../nn/adam.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { lockFolder } from '../util/folder-lock.js';
import { differingKeys, differingLeaves, shortValue } from '../util/json-diff.js';
import type { Rng } from '../util/rng.js';
import { loadCheckpoint, restoreAdam, type LoadedCheckpoint } from './checkpoint.js';
import type { RunConfig } from './config.js';
import type { MetricsLog } from './metrics-log.js';

export function checkpointPathOf(outDir: string): string {
  return join(outDir, 'checkpoint.bin');
}

/**
 * Creates the folder. When it already holds a checkpoint, refuses unless `resume`, and otherwise loads it
 * after checking that it was written by a run with the same policy configuration and seed.
 */
export function openRunFolder(
  outDir: string,
  config: RunConfig,
  resume: boolean | undefined,
): LoadedCheckpoint | undefined {
  lockFolder(outDir);
  const path = checkpointPathOf(outDir);
  if (!existsSync(path)) return undefined;
  if (!resume)
    throw InputError.inFile(
      outDir,
      'already holds a run (checkpoint.bin); use --resume to continue it or choose another --out',
    );
  const saved = loadCheckpoint(path);
  // Only the iteration count may change on a resume (it may grow to train on).
  const diff = differingKeys({ ...saved.state.run, iterations: 0 }, { ...config, iterations: 0 });
  if (diff !== '')
    throw InputError.inFile(path, `was written by a run with other settings: ${diff} (stored → given)`);
  return saved;
}

/** Where a run starts: iteration 1, or the one after its checkpoint. */
export interface RunStart {
  policy: OffloadingPolicy;
  start: number;
  resumedFrom?: number;
}

/**
 * Prepares a run's folder (when there is one): on a resume, the checkpoint's policy, optimiser state,
 * RNG streams (by name) and metrics replace the fresh ones; then `config.json` records the run.
 */
export function startRun(
  outDir: string | undefined,
  config: RunConfig,
  o: {
    resume: boolean | undefined;
    policy: OffloadingPolicy;
    adam: Adam;
    rngs: Record<string, Rng>;
    log: MetricsLog;
    description: Record<string, unknown>;
  },
): RunStart {
  if (!outDir) return { policy: o.policy, start: 1 };
  const saved = openRunFolder(outDir, config, o.resume);
  let result: RunStart = { policy: o.policy, start: 1 };
  if (saved) {
    if (saved.adam) restoreAdam(o.adam, saved.adam);
    for (const [name, rng] of Object.entries(o.rngs)) rng.setState(saved.state.rng[name]);
    o.log.reload('iteration', saved.state.iteration);
    result = { policy: saved.policy, start: saved.state.iteration + 1, resumedFrom: saved.state.iteration };
    const stored = readStoredConfig(outDir);
    if (stored) {
      // A key the stored file lacks was not recorded by the version that wrote it: not compared.
      const diff = differingLeaves(
        { ...stored, iterations: 0 },
        JSON.parse(JSON.stringify({ ...config, ...o.description, iterations: 0 })),
        true,
      )
        .map((c) => `${c.path}: ${shortValue(c.a)} → ${shortValue(c.b)}`)
        .join(', ');
      if (diff !== '')
        throw InputError.inFile(
          join(outDir, 'config.json'),
          `other data or settings than this run: ${diff} (stored → given)`,
        );
      // A resume with nothing left to do leaves the folder as it is.
      if (result.start > config.iterations) return result;
    }
  }
  writeFileAtomic(
    join(outDir, 'config.json'),
    JSON.stringify({ ...config, ...o.description }, null, 1) + '\n',
  );
  return result;
}

/** A run folder's config.json (the settings and data description it was started with), if readable. */
export function readStoredConfig(outDir: string): Record<string, unknown> | undefined {
  const path = join(outDir, 'config.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw InputError.inFile(path, 'unreadable run configuration');
  }
}
