/**
 * The learning tasks of the world experiment (issue 16, docs/results.md "Learning in the world"): each
 * task is a world (a link, possibly one user's segment of a long drive) with a set of DAGs. The split is
 * by link: the test links never appear in training.
 *
 *   training: the ATT LTE drive as four users (four disjoint segments), the T-Mobile LTE walk as two,
 *             the ATT LTE 2016 drive as two, each scaled to 7 Mbit/s; and a family of two-state Markov
 *             channels (good / bad rates × mean sojourns);
 *   test:     Verizon EVDO, Verizon LTE and T-Mobile UMTS, each scaled to 7 Mbit/s; three Markov
 *             channels whose rates and sojourns are not in the family.
 * Training DAGs: the reference sets 1-7 (n = 20); test DAGs: sets 8, 12 and 24 (the anchor table's).
 */
import { join } from 'node:path';
import type { WorldSpec } from '../world/spec.js';

export interface WorldTaskPreset {
  name: string;
  spec: WorldSpec;
  /** A Markov channel (its law-aware decider is an anchor). */
  markov: boolean;
}

export interface WorldExperimentPreset {
  train: WorldTaskPreset[];
  test: WorldTaskPreset[];
  /** Dataset folders relative to the data root. */
  trainSets: string[];
  testSets: string[];
}

/** Mbit/s every trace is scaled to (the paper's reference experiments' rate). */
export const WORLD_MEAN_MBPS = 7;

function traceTask(traces: string, name: string, file: string, segment?: [number, number]): WorldTaskPreset {
  return {
    name: segment ? `${name} ${segment[0]}-${segment[1]} s` : name,
    markov: false,
    spec: {
      name: segment
        ? `${file} ${segment[0]}-${segment[1]} s at ${WORLD_MEAN_MBPS} Mbit/s`
        : `${file} at ${WORLD_MEAN_MBPS} Mbit/s`,
      links: {
        kind: 'trace',
        uplink: join(traces, `${file}.up`),
        downlink: join(traces, `${file}.down`),
        meanMbps: WORLD_MEAN_MBPS,
        ...(segment ? { segmentS: segment } : {}),
      },
    },
  };
}

function markovTask(good: number, bad: number, sojournMs: number): WorldTaskPreset {
  const name = `markov ${good}/${bad} Mbit/s ${sojournMs} ms`;
  return {
    name,
    markov: true,
    spec: {
      name,
      links: {
        kind: 'markov',
        states: [
          { upMbps: good, downMbps: good, meanSojournMs: sojournMs },
          { upMbps: bad, downMbps: bad, meanSojournMs: sojournMs },
        ],
      },
    },
  };
}

export function worldExperimentPreset(traces: string): WorldExperimentPreset {
  // The ATT drive's downlink is the shorter trace (786 s): four users of 196 s each.
  const att: [number, number][] = [
    [0, 196],
    [196, 392],
    [392, 588],
    [588, 784],
  ];
  return {
    train: [
      ...att.map((s) => traceTask(traces, 'ATT LTE', 'ATT-LTE-driving', s)),
      traceTask(traces, 'T-Mobile LTE', 'TMobile-LTE-short', [0, 70]),
      traceTask(traces, 'T-Mobile LTE', 'TMobile-LTE-short', [70, 139]),
      traceTask(traces, 'ATT LTE 2016', 'ATT-LTE-driving-2016', [0, 60]),
      traceTask(traces, 'ATT LTE 2016', 'ATT-LTE-driving-2016', [60, 119]),
      ...[100, 500, 2000].flatMap((sojourn) => [
        markovTask(12, 1.5, sojourn),
        markovTask(16, 2, sojourn),
        markovTask(9, 1, sojourn),
      ]),
    ],
    test: [
      traceTask(traces, 'Verizon EVDO', 'Verizon-EVDO-driving'),
      traceTask(traces, 'Verizon LTE', 'Verizon-LTE-short'),
      traceTask(traces, 'T-Mobile UMTS', 'TMobile-UMTS-driving'),
      markovTask(10, 1, 250),
      markovTask(14, 2.5, 800),
      markovTask(8, 2, 150),
    ],
    trainSets: [1, 2, 3, 4, 5, 6, 7].map((k) => `meta_offloading_20/offload_random20_${k}`),
    testSets: [8, 12, 24].map((k) => `meta_offloading_20/offload_random20_${k}`),
  };
}
