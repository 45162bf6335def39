/**
 * The three experiments of Sec. 5.3 as presets over the paper's public datasets (a data root holding
 * meta_offloading_20/ and meta_offloading_n/), reference simulator profile, f_UE = 1 GHz, f_VM = 10 GHz.
 */
import { join } from 'node:path';
import { readDataset, type Dataset } from '../dag/io.js';
import { DEFAULT_SYSTEM } from '../mec/system.js';
import type { TaskSpec } from './drl.js';

export type PresetName = 'topology' | 'tasks' | 'rates' | 'all';
/** The experiments of Sec. 5.3, and `all`: the training tasks of all three, for the shipped policy. */
export const PRESET_NAMES: readonly PresetName[] = ['topology', 'tasks', 'rates', 'all'];

export interface PresetTask {
  /** Dataset folder relative to the data root. */
  set: string;
  rateMbps: number;
  /** The name in tables and figures. */
  label: string;
}

/** Table 3's numbers for a test set (ms). */
export interface PaperRow {
  optimalMs?: number;
  heftMs: number;
  greedyMs: number;
  fineTuning20Ms: number;
  fineTuning100Ms: number;
  mrlco20Ms: number;
  mrlco100Ms: number;
}

export interface Preset {
  name: PresetName;
  description: string;
  train: PresetTask[];
  test: PresetTask[];
  metaBatch: number;
  paper: Record<string, PaperRow>;
}

const n20 = (k: number) => `meta_offloading_20/offload_random20_${k}`;
const nSet = (n: number) => `meta_offloading_n/offload_random${n}`;
const TOPOLOGY_TEST = [8, 12, 24, 4, 16, 20];
const TOPOLOGY_LABELS: Record<number, string> = { 8: 'Topology I', 12: 'Topology II', 24: 'Topology III' };
const RATES = [4, 7, 10, 13, 16, 19, 22];
const N_TRAIN = [10, 15, 25, 35, 45, 50];
const N_TEST = [20, 30, 40];
const TEST_RATES = [5.5, 8.5, 11.5];

export const PRESETS: Record<PresetName, Preset> = {
  topology: {
    name: 'topology',
    description:
      'different DAG topologies: train on 19 of the 25 n = 20 sets, test on sets 8, 12, 24 (Topology I-III) and 4, 16, 20',
    train: Array.from({ length: 25 }, (_, k) => k + 1)
      .filter((k) => !TOPOLOGY_TEST.includes(k))
      .map((k) => ({ set: n20(k), rateMbps: 7, label: `set ${k}` })),
    test: TOPOLOGY_TEST.map((k) => ({ set: n20(k), rateMbps: 7, label: TOPOLOGY_LABELS[k] ?? `set ${k}` })),
    metaBatch: 10,
    paper: {
      'Topology I': {
        optimalMs: 679.31,
        heftMs: 800.75,
        greedyMs: 847.73,
        fineTuning20Ms: 812.32,
        fineTuning100Ms: 789.92,
        mrlco20Ms: 791.03,
        mrlco100Ms: 722.63,
      },
      'Topology II': {
        optimalMs: 555.46,
        heftMs: 802.46,
        greedyMs: 848.43,
        fineTuning20Ms: 688.05,
        fineTuning100Ms: 636.49,
        mrlco20Ms: 651.42,
        mrlco100Ms: 601.93,
      },
      'Topology III': {
        optimalMs: 605.05,
        heftMs: 814.39,
        greedyMs: 859.03,
        fineTuning20Ms: 778.52,
        fineTuning100Ms: 712.79,
        mrlco20Ms: 729.63,
        mrlco100Ms: 641.92,
      },
    },
  },
  tasks: {
    name: 'tasks',
    description: 'different task numbers: train on n = 10, 15, 25, 35, 45, 50, test on n = 20, 30, 40',
    train: N_TRAIN.map((n) => ({ set: nSet(n), rateMbps: 7, label: `n = ${n}` })),
    test: N_TEST.map((n) => ({ set: nSet(n), rateMbps: 7, label: `n = ${n}` })),
    metaBatch: 5,
    paper: {
      'n = 20': {
        optimalMs: 689.21,
        heftMs: 838.31,
        greedyMs: 893.62,
        fineTuning20Ms: 818.14,
        fineTuning100Ms: 802.5,
        mrlco20Ms: 802.41,
        mrlco100Ms: 743.42,
      },
      'n = 30': {
        heftMs: 1222.93,
        greedyMs: 1276.7,
        fineTuning20Ms: 1185.47,
        fineTuning100Ms: 1152.07,
        mrlco20Ms: 1174.55,
        mrlco100Ms: 1098.43,
      },
      'n = 40': {
        heftMs: 1527.47,
        greedyMs: 1589.66,
        fineTuning20Ms: 1493.11,
        fineTuning100Ms: 1432.41,
        mrlco20Ms: 1472.53,
        mrlco100Ms: 1397.63,
      },
    },
  },
  rates: {
    name: 'rates',
    description:
      'different transmission rates: train on the 25 n = 20 sets at 4, 7, ..., 22 Mbit/s, test on offload_random20 at 5.5, 8.5, 11.5 Mbit/s',
    train: Array.from({ length: 25 }, (_, k) => k + 1).flatMap((k) =>
      RATES.map((r) => ({ set: n20(k), rateMbps: r, label: `set ${k} @ ${r}` })),
    ),
    test: TEST_RATES.map((r) => ({ set: nSet(20), rateMbps: r, label: `R = ${r} Mbps` })),
    metaBatch: 10,
    paper: {
      'R = 5.5 Mbps': {
        optimalMs: 770.1,
        heftMs: 929.79,
        greedyMs: 990.58,
        fineTuning20Ms: 945.82,
        fineTuning100Ms: 901.36,
        mrlco20Ms: 897.73,
        mrlco100Ms: 831.58,
      },
      'R = 8.5 Mbps': {
        optimalMs: 628.21,
        heftMs: 757.99,
        greedyMs: 763.49,
        fineTuning20Ms: 736.81,
        fineTuning100Ms: 701.75,
        mrlco20Ms: 703.38,
        mrlco100Ms: 674.93,
      },
      'R = 11.5 Mbps': {
        optimalMs: 524.14,
        heftMs: 649.15,
        greedyMs: 684.97,
        fineTuning20Ms: 589.33,
        fineTuning100Ms: 570.19,
        mrlco20Ms: 567.88,
        mrlco100Ms: 548.26,
      },
    },
  },
  all: {
    name: 'all',
    description:
      'the training tasks of all three experiments without any of their test sets: the 19 topology training sets and n = 10, 15, 25, 35, 45, 50, each at 4, 7, ..., 22 Mbit/s; held out: every test set of the three',
    train: [
      ...Array.from({ length: 25 }, (_, k) => k + 1)
        .filter((k) => !TOPOLOGY_TEST.includes(k))
        .flatMap((k) => RATES.map((r) => ({ set: n20(k), rateMbps: r, label: `set ${k} @ ${r}` }))),
      ...N_TRAIN.flatMap((n) => RATES.map((r) => ({ set: nSet(n), rateMbps: r, label: `n = ${n} @ ${r}` }))),
    ],
    test: [
      ...TOPOLOGY_TEST.map((k) => ({ set: n20(k), rateMbps: 7, label: TOPOLOGY_LABELS[k] ?? `set ${k}` })),
      ...N_TEST.map((n) => ({ set: nSet(n), rateMbps: 7, label: `n = ${n}` })),
      ...TEST_RATES.map((r) => ({ set: nSet(20), rateMbps: r, label: `R = ${r} Mbps` })),
    ],
    metaBatch: 10,
    paper: {},
  },
};

export type LoadedPresetTask = TaskSpec & { label: string; set: string; rateMbps: number };

/** Loads the datasets of preset tasks (each folder once), optionally keeping only the first `maxDags` DAGs. */
export function loadPresetTasks(
  tasks: readonly PresetTask[],
  dataRoot: string,
  maxDags?: number,
): LoadedPresetTask[] {
  const cache = new Map<string, Dataset>();
  return tasks.map((t) => {
    let dataset = cache.get(t.set);
    if (!dataset) {
      dataset = readDataset(join(dataRoot, t.set), maxDags);
      cache.set(t.set, dataset);
    }
    const rate = t.rateMbps * 1e6;
    return {
      dataset: { ...dataset, name: t.label },
      system: { ...DEFAULT_SYSTEM, uplinkBps: rate, downlinkBps: rate },
      profile: 'reference' as const,
      label: t.label,
      set: t.set,
      rateMbps: t.rateMbps,
    };
  });
}
