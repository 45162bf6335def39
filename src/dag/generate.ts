/**
 * Synthetic application DAGs with the algorithm of daggen (F. Suter, github.com/frs69wq/daggen), the
 * generator the paper cites [27] and used for its public datasets. Re-implemented on our seeded Rng rather
 * than calling daggen, so that a seed gives the same graphs on every machine and any graph of a set can be
 * regenerated alone: graph k of a set draws from `new Rng(seed, k)`.
 */
import { createDag, type Dag, type DagMeta, type Task } from './dag.js';
import { bytesFromSize, cyclesFromSize } from './daggen-units.js';
import { InputError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { MAX_GENERATED_TASKS, MAX_SEED } from '../util/limits.js';

/**
 * How task cycles and data sizes are drawn:
 * - `reference` reproduces the paper's public datasets (daggen with --mindata/--maxdata, daggen units);
 * - `paper` follows the ranges of Sec. 5.2 of the paper directly in SI units.
 */
export type TaskProfile = 'reference' | 'paper';
export const TASK_PROFILES: readonly TaskProfile[] = ['reference', 'paper'];

export interface GeneratorParams {
  /** Number of tasks. */
  n: number;
  /** Width of the DAG: the ideal level size is n^fat. */
  fat: number;
  /** Fraction of the previous level's size that bounds a task's number of parents. */
  density: number;
  /** Regularity of level sizes: 1 makes every level n^fat wide. */
  regular: number;
  /** How many levels up a parent may be (1: previous level only). */
  jump: number;
  /** Communication-to-computation ratio: result volume / computation volume. */
  ccr: number;
  /** Result volume bounds in daggen units (`reference` profile only). */
  minData: number;
  maxData: number;
  profile: TaskProfile;
  seed: number;
}

/** The parameters of the paper's public datasets (their files' daggen command line) and seed 1. */
export const DEFAULT_GENERATOR_PARAMS: Readonly<GeneratorParams> = Object.freeze({
  n: 20,
  fat: 0.6,
  density: 0.8,
  regular: 0.5,
  jump: 1,
  ccr: 0.5,
  minData: 5242880,
  maxData: 52428800,
  profile: 'reference',
  seed: 1,
});

/** Ranges of Sec. 5.2 of the paper, used by the `paper` profile. */
const PAPER_CYCLES: readonly [number, number] = [1e7, 1e8];
const PAPER_UPLOAD_BYTES: readonly [number, number] = [5e3, 5e4];

/** daggen draws result volumes as whole multiples of this many daggen units. */
const DATA_QUANTUM = 1024;

export function validateGeneratorParams(p: GeneratorParams): void {
  const fail = (problem: string): never => {
    throw new InputError(`invalid generator parameters: ${problem}`);
  };
  if (!Number.isInteger(p.n) || p.n < 1 || p.n > MAX_GENERATED_TASKS)
    fail(`n must be an integer from 1 to ${MAX_GENERATED_TASKS}, got ${p.n}`);
  if (!(p.fat > 0 && p.fat <= 1)) fail(`fat must be in (0, 1], got ${p.fat}`);
  if (!(p.density >= 0 && p.density <= 1)) fail(`density must be in [0, 1], got ${p.density}`);
  if (!(p.regular >= 0 && p.regular <= 1)) fail(`regular must be in [0, 1], got ${p.regular}`);
  if (!Number.isInteger(p.jump) || p.jump < 1 || p.jump > MAX_GENERATED_TASKS)
    fail(`jump must be an integer from 1 to ${MAX_GENERATED_TASKS}, got ${p.jump}`);
  if (!(Number.isFinite(p.ccr) && p.ccr > 0)) fail(`ccr must be a positive finite number, got ${p.ccr}`);
  if (!(Number.isFinite(p.minData) && p.minData >= 0))
    fail(`minData must be a non-negative number, got ${p.minData}`);
  if (!(Number.isFinite(p.maxData) && p.maxData >= 0))
    fail(`maxData must be a non-negative number, got ${p.maxData}`);
  if (p.minData > p.maxData) fail(`minData (${p.minData}) must not exceed maxData (${p.maxData})`);
  if (!TASK_PROFILES.includes(p.profile))
    fail(`profile must be one of ${TASK_PROFILES.join(', ')}, got ${String(p.profile)}`);
  // Rng would truncate a fractional seed, so 1.2 and 1.7 would silently give the same graphs.
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > MAX_SEED)
    fail(`seed must be an integer from 0 to ${MAX_SEED}, got ${p.seed}`);
}

/** Graph number `index` of the set defined by `params`; the same for a given seed and index everywhere. */
export function generateDag(params: GeneratorParams, index = 0): Dag {
  validateGeneratorParams(params);
  if (!Number.isSafeInteger(index) || index < 0)
    throw new InputError(`the graph index must be a non-negative integer, got ${index}`);
  const rng = new Rng(params.seed, index);
  // Topology first, so that the profile, ccr and data bounds never change the shape of a seeded graph.
  const topology = generateTopology(params, rng);
  const tasks = topology.parents.map((_, t) => drawTask(String(t + 1), params, rng));
  const edges = topology.parents.flatMap((ps, child) =>
    ps.map((parent): [string, string] => [String(parent + 1), String(child + 1)]),
  );
  const name = `random.${params.n}.${index}`;
  return createDag({ name, tasks, edges, meta: generatorMeta(params, index) }, name);
}

/** Graphs 0..count-1 of the set defined by `params`. */
export function generateDags(params: GeneratorParams, count: number): Dag[] {
  validateGeneratorParams(params);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new InputError(`the number of graphs must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, k) => generateDag(params, k));
}

function generatorMeta(p: GeneratorParams, index: number): DagMeta {
  return {
    generator: 'mrlco',
    n: p.n,
    fat: p.fat,
    density: p.density,
    regular: p.regular,
    jump: p.jump,
    ccr: p.ccr,
    mindata: p.minData,
    maxdata: p.maxData,
    profile: p.profile,
    seed: p.seed,
    index,
  };
}

export interface DagTopology {
  /** Number of tasks of each level, top level first; they sum to n. */
  levelSizes: number[];
  /** parents[t]: parents of task t (0-based, tasks numbered level by level), in the order drawn. */
  parents: number[][];
}

/** daggen's level and dependency generation, drawing from `rng`. Exported for tests. */
export function generateTopology(params: GeneratorParams, rng: Rng): DagTopology {
  const levelSizes = drawLevelSizes(params, rng);
  const levels = numberLevelByLevel(levelSizes);
  const parents: number[][] = levels.flat().map(() => []);
  for (let level = 1; level < levels.length; level++) {
    for (const task of levels[level]) parents[task] = drawParents(levels, level, params, rng);
  }
  return { levelSizes, parents };
}

/** Levels of about n^fat tasks each, varying by up to ±100(1 − regular) %, the last one cut to reach n. */
function drawLevelSizes({ n, fat, regular }: GeneratorParams, rng: Rng): number[] {
  // Computed as daggen does, so that widths agree with it even where n^fat is an integer.
  const idealWidth = Math.floor(Math.exp(fat * Math.log(n)));
  const spreadPercent = 100 * (1 - regular);
  const sizes: number[] = [];
  let total = 0;
  while (total < n) {
    const percent = rng.uniform(-spreadPercent, spreadPercent);
    const size = Math.max(1, Math.floor(idealWidth * (1 + percent / 100)));
    sizes.push(Math.min(size, n - total));
    total += sizes[sizes.length - 1];
  }
  return sizes;
}

function numberLevelByLevel(levelSizes: readonly number[]): number[][] {
  let next = 0;
  return levelSizes.map((size) => Array.from({ length: size }, () => next++));
}

/**
 * Parents of one task of `level` ≥ 1: up to density × |previous level| of them (at least one), each from one
 * of the `jump` levels above. A task drawn twice is replaced by the next one of its level, cyclically.
 */
function drawParents(levels: readonly number[][], level: number, p: GeneratorParams, rng: Rng): number[] {
  const previousWidth = levels[level - 1].length;
  const count = Math.min(1 + floorUniform(rng, 0, p.density * previousWidth), previousWidth);
  const chosen: number[] = [];
  for (let k = 0; k < count; k++) {
    const candidates = levels[Math.max(0, level - floorUniform(rng, 1, p.jump + 1))];
    const start = floorUniform(rng, 0, candidates.length);
    for (let step = 0; step < candidates.length; step++) {
      const candidate = candidates[(start + step) % candidates.length];
      if (!chosen.includes(candidate)) {
        chosen.push(candidate);
        break;
      }
    }
  }
  return chosen;
}

function drawTask(id: string, p: GeneratorParams, rng: Rng): Task {
  return p.profile === 'reference' ? drawReferenceTask(id, p, rng) : drawPaperTask(id, p, rng);
}

/**
 * daggen's volumes, converted like the datasets' files: the result volume is a multiple of 1024 units in
 * [minData, maxData), the computation (and upload) volume is result / ccr rounded, as measured on the files.
 */
function drawReferenceTask(id: string, p: GeneratorParams, rng: Rng): Task {
  const expectSize = DATA_QUANTUM * floorUniform(rng, p.minData / DATA_QUANTUM, p.maxData / DATA_QUANTUM);
  const size = Math.round(expectSize / p.ccr);
  return {
    id,
    cycles: cyclesFromSize(size),
    uploadBytes: bytesFromSize(size),
    resultBytes: bytesFromSize(expectSize),
  };
}

/**
 * Sec. 5.2 of the paper: cycles in [1e7, 1e8] and data in [5 KB, 50 KB]. The paper does not say how ccr
 * relates the two data sizes; we read it as result = ccr × upload (minData/maxData are ignored here).
 */
function drawPaperTask(id: string, p: GeneratorParams, rng: Rng): Task {
  const cycles = rng.uniform(PAPER_CYCLES[0], PAPER_CYCLES[1]);
  const uploadBytes = rng.uniform(PAPER_UPLOAD_BYTES[0], PAPER_UPLOAD_BYTES[1]);
  return { id, cycles, uploadBytes, resultBytes: p.ccr * uploadBytes };
}

/**
 * daggen's `(int) U[lo, hi)`. Floating-point rounding can make lo + (hi − lo)·u reach hi itself; the
 * clamp keeps the result strictly below hi as the half-open interval promises.
 */
function floorUniform(rng: Rng, lo: number, hi: number): number {
  const value = Math.floor(rng.uniform(lo, hi));
  return hi > lo ? Math.min(value, Math.ceil(hi) - 1) : value;
}
