/**
 * Settings that arrive from elsewhere are validated as a command line is, with one line naming where
 * they came from: a checkpoint's header (a corrupt or foreign value, an unknown key), the policy and
 * PPO settings a federated service sends its devices, and a service's stored configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readTensorFile, writeTensorFile } from '../src/nn/tensor-file.js';
import { createPolicy } from '../src/policy/create.js';
import { DEFAULT_POLICY, PAPER_POLICY } from '../src/policy/policy.js';
import { loadCheckpoint, saveCheckpoint } from '../src/rl/checkpoint.js';
import { DEFAULT_RUN, policyConfigFromJson, ppoConfigFromJson } from '../src/rl/config.js';
import { storedServiceConfig, storeServiceConfig } from '../src/services/federation/service-config.js';
import { DEFAULT_FEDERATION } from '../src/services/federation/settings.js';
import { StateStore } from '../src/services/federation/state-store.js';
import { tempDir } from './helpers/tmp.js';

test("a checkpoint's header is validated: a bad value or an unknown key is one line naming the file", () => {
  const dir = tempDir('wire');
  const good = join(dir, 'good.bin');
  const policy = createPolicy({ ...DEFAULT_POLICY, hidden: 8 }, 1);
  saveCheckpoint(good, policy, undefined, {
    run: { ...DEFAULT_RUN, policy: policy.config },
    iteration: 1,
    rng: {},
    info: {},
  });
  assert.equal(loadCheckpoint(good).state.run.policy.hidden, 8);
  const file = readTensorFile(good);
  const bad = (name: string, meta: Record<string, unknown>) => {
    const path = join(dir, name);
    writeTensorFile(path, { ...file, meta: { ...file.meta, ...meta } });
    return path;
  };
  const run = file.meta.run as Record<string, unknown>;
  const negative = bad('negative.bin', {
    run: { ...run, ppo: { ...(run.ppo as object), learningRate: -1 } },
  });
  assert.throws(() => loadCheckpoint(negative), {
    name: 'InputError',
    message: /negative\.bin \(its settings\): ppo\.learningRate must be a positive number, got -1/,
  });
  const unknown = bad('unknown.bin', { policy: { ...(file.meta.policy as object), wings: 2 } });
  assert.throws(() => loadCheckpoint(unknown), {
    name: 'InputError',
    message: /unknown\.bin \(its policy\): unknown setting policy\.wings/,
  });
});

test("the service's policy and PPO settings are validated on the device", () => {
  const origin = "grpc://edge:50051: the service's policy";
  assert.deepEqual(policyConfigFromJson(JSON.stringify(DEFAULT_POLICY), origin), DEFAULT_POLICY);
  // A service of a version before the architectures: the paper's network.
  assert.deepEqual(policyConfigFromJson('{"hidden": 256}', origin), PAPER_POLICY);
  assert.throws(
    () => policyConfigFromJson('{"hidden": 1e9}', origin),
    /the service's policy: policy\.hidden must be an integer from 1 to 4096/,
  );
  assert.throws(() => policyConfigFromJson('{"hidden": 2', origin), /the service's policy: malformed JSON/);
  assert.throws(
    () => ppoConfigFromJson('{"clipEpsilon": "wide"}', 'the service'),
    /ppo\.clipEpsilon must be a positive number/,
  );
});

test("a service's stored configuration is validated when it is read", () => {
  const store = StateStore.open(tempDir('wire-state'));
  try {
    storeServiceConfig(store, { run: DEFAULT_RUN, federation: DEFAULT_FEDERATION, eval: null });
    assert.deepEqual(storedServiceConfig(store)?.run, DEFAULT_RUN);
    store.setMeta(
      'config',
      JSON.stringify({ run: { ...DEFAULT_RUN, seed: -4 }, federation: DEFAULT_FEDERATION, eval: null }),
    );
    assert.throws(
      () => storedServiceConfig(store),
      /stored configuration\): run\.seed must be an integer from 0 to 4294967295/,
    );
    store.setMeta(
      'config',
      JSON.stringify({ run: DEFAULT_RUN, federation: { ...DEFAULT_FEDERATION, quorum: 3 }, eval: null }),
    );
    assert.throws(() => storedServiceConfig(store), /quorum must be a number in \(0, 1\]/);
  } finally {
    store.close();
  }
});
