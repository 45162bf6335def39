/** The policy network of a configuration, by architecture. */
import { MlpPolicy } from './mlp.js';
import type { OffloadingPolicy, PolicyConfig } from './policy.js';
import { Seq2SeqPolicy } from './seq2seq.js';

export function createPolicy(config: PolicyConfig, seed: number): OffloadingPolicy {
  return config.arch === 'mlp' ? new MlpPolicy(config, seed) : new Seq2SeqPolicy(config, seed);
}
