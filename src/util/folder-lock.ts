/**
 * One writer per folder: an exclusive lock file (DIR/.lock, created with O_EXCL) holding the writer's
 * pid. A second writer is refused with one line naming the holder; a lock left by a process that no
 * longer exists is taken over with a notice. The lock is released when the process exits.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './errors.js';
import { fsProblem } from './fs-errors.js';

const held = new Set<string>();
let exitHook = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock for this process (creating the folder); `onNotice` hears a stale takeover. */
export function lockFolder(dir: string, onNotice: (line: string) => void = (l) => console.error(l)): void {
  const path = join(dir, '.lock');
  if (held.has(path)) return;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw InputError.inFile(dir, `cannot create the folder: ${fsProblem(err) ?? (err as Error).message}`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      held.add(path);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const p of held) rmSync(p, { force: true });
        });
      }
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw InputError.inFile(
          dir,
          `cannot write its lock file: ${fsProblem(err) ?? (err as Error).message}`,
        );
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      // Unreadable: treat as stale below.
    }
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
      throw InputError.inFile(
        dir,
        `is in use by another mrlco process (pid ${holder}); one writer per folder`,
      );
    onNotice(
      `${dir}: taking over the lock of a process that is gone (pid ${Number.isNaN(holder) ? '?' : holder})`,
    );
    rmSync(path, { force: true });
  }
  throw InputError.inFile(dir, 'could not take its lock');
}

/** Releases a lock this process holds (for long-lived processes that finish with a folder). */
export function unlockFolder(dir: string): void {
  const path = join(dir, '.lock');
  if (held.delete(path)) rmSync(path, { force: true });
}
