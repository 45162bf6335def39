#!/usr/bin/env node
// The package's `install` step: builds the native compute backend (binding.gyp -> build/Release/mrlco_nn.node).
// The native backend is an optimisation, not a requirement: when it cannot be built (no compiler, no
// libopenblas-dev, no Python, ...) this prints one line and exits 0 so that `npm install` still succeeds
// and mrlco falls back to the pure TypeScript backend. MRLCO_SKIP_NATIVE=1 skips the build entirely.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'mrlco_nn.node');
const fallback = 'using the pure TypeScript backend.';

function giveUp(reason) {
  console.error(
    `mrlco: native backend not built (${reason}); ${fallback} Install libopenblas-dev and run npm rebuild for speed.`,
  );
  process.exit(0);
}

if (process.env.MRLCO_SKIP_NATIVE === '1') {
  console.error(`mrlco: MRLCO_SKIP_NATIVE=1, native backend not built; ${fallback}`);
  process.exit(0);
}

// node-gyp must build against the local Node headers and never download them. npm passes its `nodedir`
// config as npm_config_nodedir; when run by hand, point node-gyp at the headers installed next to this
// node binary (Debian: /usr/include/node, official tarballs: <prefix>/include/node) if they exist.
const gypArgs = ['rebuild'];
if (!process.env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${prefix}`);
}

// Output is passed through when the build ends (it shows why a build failed) and kept to name
// the reason in the one-line summary.
let tail = '';
function run(cmd, args) {
  const child = spawnSync(cmd, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    shell: process.platform === 'win32', // node-gyp/npm are .cmd shims there
  });
  if (child.stdout) process.stdout.write(child.stdout);
  if (child.stderr) process.stderr.write(child.stderr);
  tail = `${child.stdout ?? ''}\n${child.stderr ?? ''}`.slice(-20000);
  return child;
}

// Inside npm scripts `node-gyp` (npm's bundled copy) is on PATH; by hand it usually is not, so look for
// the copy bundled with npm before letting `npm exec` fetch one from the registry.
let result = run('node-gyp', gypArgs);
if (result.error && result.error.code === 'ENOENT') {
  const npmCli = process.env.npm_execpath;
  const bundled = [
    process.env.npm_config_node_gyp,
    npmCli && join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ].find((p) => p && existsSync(p));
  result = bundled
    ? run(process.execPath, [bundled, ...gypArgs])
    : run('npm', ['exec', '--yes', '--', 'node-gyp', ...gypArgs]);
}

function reasonOf(res) {
  if (res.error) return `could not run node-gyp: ${res.error.message}`;
  if (/cblas\.h: No such file|cannot find -lopenblas|unable to find library -lopenblas/i.test(tail))
    return 'OpenBLAS headers or library not found';
  if (/find any Python|python.*not found|Could not find Python/i.test(tail)) return 'python3 not found';
  const noTool =
    /(g\+\+|c\+\+|cc|make): (command )?not found|not found: make|No such file or directory.*(g\+\+|make)/i;
  if (noTool.test(tail)) return 'C++ compiler or make not found';
  return `node-gyp rebuild exited with code ${res.status ?? res.signal}`;
}

if (result.error || result.status !== 0 || !existsSync(addon)) giveUp(reasonOf(result));

// A build that links but does not load (e.g. libopenblas.so.0 missing at run time) would make every
// run fail to load it; check once here and remove it so mrlco cleanly uses the TypeScript backend.
const probe = spawnSync(
  process.execPath,
  [
    '-e',
    `const b = require(${JSON.stringify(addon)}).blasInfo(); console.log('mrlco: native backend built (' + b.library + ', core ' + b.coreType + ', ' + b.threads + ' threads)')`,
  ],
  { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' },
);
if (probe.status !== 0) {
  rmSync(addon, { force: true });
  const first = (probe.stderr ?? '').split('\n').find((l) => /Error/.test(l)) ?? `exit code ${probe.status}`;
  giveUp(`the built addon does not load: ${first.trim()}`);
}
