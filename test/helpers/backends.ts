import type { Backend } from '../../src/nn/backend.js';
import { jsBackend } from '../../src/nn/js-backend.js';
import { loadNativeBackend } from '../../src/nn/native-backend.js';

/** The backends the tests run on: js always, and native when the addon is built. */
export function availableBackends(): Backend[] {
  const native = loadNativeBackend();
  return native ? [jsBackend, native] : [jsBackend];
}
