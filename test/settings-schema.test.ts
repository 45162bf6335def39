/**
 * One declaration per setting: every declared flag (the run configuration's sections and the federated
 * service's own settings) parses through commander to its own setting's key, with the help showing
 * the default, and a value its check refuses is refused at the flag, naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../src/dag/generate.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import { compileTask } from '../src/rl/learning-task.js';
import { trainPpo } from '../src/rl/trainer.js';
import {
  addSettingFlags,
  declaredFlags,
  declaredValues,
  metaFlags,
  POLICY_FLAGS,
  PPO_FLAGS,
  settingsPatch,
} from '../src/cli/run-options.js';
import {
  DEFAULT_RUN,
  loadRunConfig,
  mergeRunConfig,
  META_SETTINGS,
  POLICY_SETTINGS,
  PPO_SETTINGS,
  type Setting,
} from '../src/rl/config.js';
import { DEFAULT_FEDERATION, FEDERATION_SETTINGS } from '../src/services/federation/settings.js';
import { tempDir } from './helpers/tmp.js';

/** A value the setting accepts that differs from its default, as a command-line string. */
function otherValue(s: Setting, current: unknown): string {
  if (s.choices) return s.choices.find((c) => c !== current)!;
  for (const v of [2, 3, 0.5, 0.25, 7, 0]) if (v !== current && s.check(v) === undefined) return String(v);
  throw new Error(`no other value for ${s.flag}`);
}

function parse(flags: Parameters<typeof addSettingFlags>[1], argv: string[]): Record<string, unknown> {
  const cmd = addSettingFlags(new Command('t').exitOverride().configureOutput({ writeErr: () => {} }), flags);
  cmd.parse(argv, { from: 'user' });
  return cmd.opts();
}

const DECLARED: Record<string, Record<string, Setting>> = {
  policy: POLICY_SETTINGS,
  ppo: PPO_SETTINGS,
  meta: META_SETTINGS,
};

test('every declared flag of the run configuration reaches its own setting', () => {
  const flags = [...POLICY_FLAGS, ...PPO_FLAGS, ...metaFlags()];
  assert.ok(flags.length >= 18);
  for (const f of flags) {
    const section = f.section as 'policy' | 'ppo' | 'meta';
    const current = (DEFAULT_RUN[section] as unknown as Record<string, unknown>)[f.key];
    const value = otherValue(DECLARED[section][f.key], current);
    const patch = settingsPatch(parse(flags, [f.flags.split(' ')[0], value]), flags);
    const config = mergeRunConfig(DEFAULT_RUN, patch, 'test');
    const got = (config[section] as unknown as Record<string, unknown>)[f.key];
    assert.equal(String(got), value, `${f.flags} → ${section}.${f.key}`);
    assert.match(f.help, /\(default: /, `${f.flags} shows its default`);
  }
});

test('every declared flag of the federated service reaches its setting; a refused value names the flag', () => {
  const flags = declaredFlags(FEDERATION_SETTINGS, { ...DEFAULT_FEDERATION });
  assert.equal(flags.length, Object.keys(FEDERATION_SETTINGS).length);
  for (const f of flags) {
    const setting = FEDERATION_SETTINGS[f.key as keyof typeof FEDERATION_SETTINGS] as Setting;
    const value = otherValue(setting, DEFAULT_FEDERATION[f.key as keyof typeof DEFAULT_FEDERATION]);
    const values = declaredValues(parse(flags, [f.flags.split(' ')[0], value]), flags);
    assert.deepEqual(Object.keys(values), [f.key], f.flags);
    assert.equal(String(values[f.key]), value, f.flags);
  }
  assert.throws(
    () => parse(flags, ['--quorum', '3']),
    /--quorum <fraction>' argument '3' is invalid\. expected a number in \(0, 1\]/,
  );
  assert.throws(() => parse(flags, ['--min-devices', '0']), /--min-devices <n>' argument '0' is invalid/);
});

test("a run folder's own config.json is a valid --config: the same settings, its data description ignored", async () => {
  const out = tempDir('config');
  const dags = generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 6, seed: 2 }, 3);
  const task = compileTask({ name: 'six', dags, system: DEFAULT_SYSTEM, profile: 'reference' }, 12);
  const run = mergeRunConfig(
    DEFAULT_RUN,
    {
      iterations: 1,
      seed: 4,
      policy: { hidden: 8 },
      ppo: { dagsPerBatch: 2, trajectoriesPerDag: 2, learningRate: 1e-3 },
    },
    'test',
  );
  await trainPpo({
    be: getBackend(),
    config: run,
    tasks: [task],
    outDir: out,
    description: { datasets: ['x'] },
  });
  const stored = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.ok('tasks' in stored && 'datasets' in stored, 'config.json describes the data');
  assert.deepEqual(loadRunConfig(join(out, 'config.json')), run);
  // A typo at the top level is still an error.
  writeFileSync(join(out, 'typo.json'), JSON.stringify({ ...stored, iteratons: 3 }));
  assert.throws(() => loadRunConfig(join(out, 'typo.json')), /unknown setting run\.iteratons/);
});
