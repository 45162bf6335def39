/** Temporary folders for tests, removed once the test file's tests have run (pass or fail). */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

// Registered when a test file first imports this module: a hook of the file's root, run after all its tests.
after(() => {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder a test made unreadable (file-system error tests, without root): left behind.
    }
  }
});

/** A fresh folder os.tmpdir()/mrlco-PREFIX-XXXXXX, removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mrlco-${prefix}-`));
  made.push(dir);
  return dir;
}
