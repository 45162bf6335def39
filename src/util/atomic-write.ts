import { mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { InputError } from './errors.js';
import { fsProblem } from './fs-errors.js';

/**
 * Writes a file so that readers see either the old or the complete new content (temp file + rename).
 * A file-system error (a full disk, a file where the folder should be) names `path`, not the temp file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The temp file could not have been made either (its folder is missing or a file).
    }
    const problem = fsProblem(err);
    if (problem === undefined) throw err;
    const at = (err as { path?: string }).path;
    throw InputError.inFile(at === undefined || at === tmp ? path : at, problem);
  }
}
