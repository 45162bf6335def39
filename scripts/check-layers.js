#!/usr/bin/env node
// Checks that imports flow one way through the architecture's layers (DEVELOPERS.md, "Layers").
// Each folder of src/ may import only the folders listed for it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const allowed = {
  util: [],
  dag: ['util'],
  mec: ['dag', 'util'],
  world: ['schedulers', 'mec', 'dag', 'util'],
  schedulers: ['mec', 'dag', 'util'],
  report: ['mec', 'dag', 'util'],
  nn: ['util'],
  policy: ['nn', 'mec', 'dag', 'util'],
  rl: ['policy', 'nn', 'world', 'schedulers', 'mec', 'dag', 'util'],
  meta: ['rl', 'policy', 'nn', 'world', 'schedulers', 'mec', 'dag', 'util'],
  experiments: ['meta', 'rl', 'policy', 'nn', 'world', 'schedulers', 'report', 'mec', 'dag', 'util'],
  services: ['meta', 'rl', 'policy', 'nn', 'world', 'schedulers', 'report', 'mec', 'dag', 'util'],
  cli: [
    'experiments',
    'services',
    'meta',
    'rl',
    'policy',
    'nn',
    'world',
    'schedulers',
    'report',
    'mec',
    'dag',
    'util',
  ],
};

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts')) check(path);
  }
}
function layerOf(path) {
  const rel = relative(root, path);
  return rel.includes('/') ? rel.split('/')[0] : null;
}
function check(file) {
  const from = layerOf(file);
  if (from === null) return; // src/index.ts re-exports the library
  if (!(from in allowed)) {
    problems.push(
      `${relative(root, file)}: folder src/${from} has no place in the layer map (scripts/check-layers.js)`,
    );
    return;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
    const target = layerOf(resolve(dirname(file), m[1]));
    if (target === null) problems.push(`${relative(root, file)}: imports the package root ${m[1]}`);
    else if (target !== from && !allowed[from].includes(target)) {
      problems.push(`${relative(root, file)}: src/${from} must not import src/${target} (${m[1]})`);
    }
  }
}
walk(root);
if (problems.length > 0) {
  console.error(
    `layer check: ${problems.length} import(s) against the architecture:\n` + problems.join('\n'),
  );
  process.exit(1);
}
console.log('layer check: imports flow one way');
