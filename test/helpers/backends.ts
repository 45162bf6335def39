import type { Backend } from '../../src/nn/backend.js';
import { jsBackend } from '../../src/nn/js-backend.js';

/** The backends the tests run on: js always; native too once the addon is available. */
export function availableBackends(): Backend[] {
  return [jsBackend];
}
