import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (tests run from dist/test/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The shared reference datasets, beside the checkout. */
export const referenceData = join(repoRoot, '..', 'shared', 'data', 'reference');
export const cliPath = join(repoRoot, 'bin', 'mrlco.js');
