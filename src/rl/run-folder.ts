/** Run folders shared by PPO training and meta-training: creation, the resume rule and its checks. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import type { RunConfig } from './config.js';

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
  mkdirSync(outDir, { recursive: true });
  const path = checkpointPathOf(outDir);
  if (!existsSync(path)) return undefined;
  if (!resume)
    throw InputError.inFile(
      outDir,
      'already holds a run (checkpoint.bin); use --resume to continue it or choose another --out',
    );
  const saved = loadCheckpoint(path);
  if (
    JSON.stringify(saved.state.run.policy) !== JSON.stringify(config.policy) ||
    saved.state.run.seed !== config.seed
  ) {
    throw InputError.inFile(path, 'was written with another policy configuration or seed than this run');
  }
  return saved;
}
