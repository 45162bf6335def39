/**
 * The upper bound of every count, size and seed a user can give, declared once: a typo (an extra zero,
 * 1e9) is refused with one line naming the option instead of exhausting memory or running for days.
 * Each bound is generous for its purpose; the bounds that come from the random streams' ranges are
 * re-exported from there.
 */
import { MAX_META_BATCH, MAX_REPORT_STEP } from './rng-streams.js';

/** Seeds are 32-bit: every value names its own streams, and seed arithmetic stays exact. */
export const MAX_SEED = 2 ** 32 - 1;
/** Sampled plans per DAG beside the argmax one (schedule, baselines, experiment): one batch holds them all. */
export const MAX_INFERENCE_SAMPLES = 1024;
/** Tasks per generated DAG. */
export const MAX_GENERATED_TASKS = 100_000;
/** DAGs per generated dataset. */
export const MAX_GENERATED_DAGS = 100_000;
/** Training iterations, rounds of the federated service. */
export const MAX_ITERATIONS = 1_000_000;
/** Users sharing the edge server (k in f_vm = f_s / k). */
export const MAX_USERS = 100_000;
/** --max-dags: the DAGs used of each dataset. */
export const MAX_DATASET_DAGS = 1_000_000;
/** Test sets an experiment adapts on (--test-limit). */
export const MAX_TEST_SETS = 1000;
/** Seconds of Optimal's time limit per DAG (a day). */
export const MAX_TIME_LIMIT_S = 86_400;
/** Units per layer of a policy network. */
export const MAX_HIDDEN = 4096;
/** Adaptation steps: a report step draws from its own stream, and there are this many. */
export const MAX_ADAPT_STEPS = MAX_REPORT_STEP;
export { MAX_META_BATCH };
