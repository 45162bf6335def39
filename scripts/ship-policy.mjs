#!/usr/bin/env node
// Copies a trained checkpoint to the shipped policy file without its optimiser state (a policy file,
// not a resumable run): node scripts/ship-policy.mjs FROM TO. Run by `npm run build:policy`.
import { loadCheckpoint, saveCheckpoint } from '../dist/src/rl/checkpoint.js';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: node scripts/ship-policy.mjs FROM.bin TO.bin');
  process.exit(2);
}
const { policy, state } = loadCheckpoint(from);
// No paths in the file: the same command gives the same bytes wherever it ran.
saveCheckpoint(to, policy, undefined, {
  ...state,
  rng: {},
  info: {
    ...state.info,
    shippedBy: to.includes('online') ? 'npm run build:online-policy' : 'npm run build:policy',
  },
});
console.log(
  `wrote ${to} (${policy.params.size} parameters, ${policy.config.arch}, iteration ${state.iteration})`,
);
