/**
 * Real application DAGs from the offloading literature, to run the offloading policies on something other
 * than synthetic graphs.
 *
 * Only the STRUCTURE (components and their data flow) follows the cited papers, as published in their
 * figures. The cycle and data figures are our illustrative estimates, chosen inside the ranges of Sec. 5.2 of
 * the MRLCO paper (1e7–1e8 cycles, 5–50 KB); they are not measurements from the cited papers.
 */
import { createDag, type Dag } from './dag.js';
import { InputError } from '../util/errors.js';

export interface ExampleDag {
  readonly key: string;
  readonly title: string;
  /** Citation of the application's structure and a note on where the numbers come from. */
  readonly source: string;
  build(): Dag;
}

/** One component: name, millions of cycles, KB uploaded when offloaded, KB of result (1 KB = 1000 bytes). */
interface Stage {
  name: string;
  megacycles: number;
  uploadKB: number;
  resultKB: number;
}

/** A pipeline: stages in a topological order (they become tasks "1".."n") and edges by stage name. */
interface Pipeline {
  stages: Stage[];
  edges: [string, string][];
}

const ESTIMATES_NOTE =
  'The structure follows the cited paper; cycles and data sizes are illustrative estimates, not measurements from it.';

const ODESSA =
  'M.-R. Ra, A. Sheth, L. Mummert, P. Pillai, D. Wetherall, R. Govindan, "Odessa: Enabling Interactive ' +
  'Perception Applications on Mobile Devices", MobiSys 2011';

const CLOUDLETS =
  'T. Verbelen, P. Simoens, F. De Turck, B. Dhoedt, "Cloudlets: Bringing the cloud to the mobile user", ' +
  'MCS 2012';

function stage(name: string, megacycles: number, uploadKB: number, resultKB: number): Stage {
  return { name, megacycles, uploadKB, resultKB };
}

/** `count` data-parallel copies of a stage, named "<name> 1".."<name> count" (Odessa's tiles). */
function parallel(base: Stage, count: number): Stage[] {
  return Array.from({ length: count }, (_, k) => ({ ...base, name: `${base.name} ${k + 1}` }));
}

function fanOut(from: string, to: readonly Stage[]): [string, string][] {
  return to.map((s): [string, string] => [from, s.name]);
}

function fanIn(from: readonly Stage[], to: string): [string, string][] {
  return from.map((s): [string, string] => [s.name, to]);
}

/** Odessa, face recognition: tiles of the frame are searched for faces in parallel, then classified. */
function faceRecognition(): Pipeline {
  const detectors = parallel(stage('Face detection, tile', 85, 15, 6), 3);
  const classifiers = parallel(stage('Face classifier, part', 70, 9, 5), 2);
  return {
    stages: [
      stage('Camera source', 12, 6, 45),
      stage('Tiler', 15, 45, 44),
      ...detectors,
      stage('Feature merger', 14, 18, 10),
      stage('Graph splitter', 12, 10, 9),
      ...classifiers,
      stage('Recognition merger', 11, 10, 6),
      stage('Display', 20, 30, 5),
    ],
    edges: [
      ['Camera source', 'Tiler'],
      ...fanOut('Tiler', detectors),
      ...fanIn(detectors, 'Feature merger'),
      ['Feature merger', 'Graph splitter'],
      ...fanOut('Graph splitter', classifiers),
      ...fanIn(classifiers, 'Recognition merger'),
      ['Recognition merger', 'Display'],
      ['Camera source', 'Display'],
    ],
  };
}

/** Odessa, gesture recognition: motion-SIFT features of a pair of frames, computed tile by tile. */
function gesture(): Pipeline {
  const sift = parallel(stage('Motion-SIFT, tile', 95, 8, 11), 4);
  return {
    stages: [
      stage('Camera source', 12, 6, 48),
      stage('Frame copier', 10, 48, 46),
      stage('Face detection', 75, 46, 6),
      stage('Scaler', 25, 46, 24),
      stage('Tiler', 12, 24, 24),
      ...sift,
      stage('Feature merger', 18, 44, 40),
      stage('Descaler', 14, 40, 38),
      stage('Gesture classifier', 88, 38, 5),
      stage('Display', 20, 12, 5),
    ],
    edges: [
      ['Camera source', 'Frame copier'],
      ['Frame copier', 'Face detection'],
      ['Frame copier', 'Scaler'],
      ['Scaler', 'Tiler'],
      ...fanOut('Tiler', sift),
      ...fanIn(sift, 'Feature merger'),
      ['Feature merger', 'Descaler'],
      ['Descaler', 'Gesture classifier'],
      ['Gesture classifier', 'Display'],
      ['Face detection', 'Display'],
    ],
  };
}

/** Odessa, object and pose recognition (after MOPED): SIFT, model matching, clustering, RANSAC pose fit. */
function objectPose(): Pipeline {
  const sift = parallel(stage('SIFT features, tile', 92, 10, 12), 4);
  const matchers = parallel(stage('Model matcher', 60, 22, 8), 2);
  const clusterers = parallel(stage('Clustering', 40, 9, 7), 2);
  return {
    stages: [
      stage('Camera source', 12, 6, 48),
      stage('Scaler', 25, 48, 40),
      stage('Tiler', 12, 40, 40),
      ...sift,
      stage('Feature merger', 18, 48, 45),
      stage('Descaler', 14, 45, 44),
      stage('Feature splitter', 10, 44, 43),
      ...matchers,
      stage('Match joiner', 11, 16, 15),
      stage('Cluster splitter', 10, 15, 14),
      ...clusterers,
      stage('Cluster joiner', 11, 14, 12),
      stage('RANSAC pose estimation', 78, 12, 5),
      stage('Display', 20, 10, 5),
    ],
    edges: [
      ['Camera source', 'Scaler'],
      ['Scaler', 'Tiler'],
      ...fanOut('Tiler', sift),
      ...fanIn(sift, 'Feature merger'),
      ['Feature merger', 'Descaler'],
      ['Descaler', 'Feature splitter'],
      ...fanOut('Feature splitter', matchers),
      ...fanIn(matchers, 'Match joiner'),
      ['Match joiner', 'Cluster splitter'],
      ...fanOut('Cluster splitter', clusterers),
      ...fanIn(clusterers, 'Cluster joiner'),
      ['Cluster joiner', 'RANSAC pose estimation'],
      ['RANSAC pose estimation', 'Display'],
    ],
  };
}

/**
 * Verbelen et al.'s component-based augmented reality application (a PTAM-style tracker and mapper): the
 * tracker follows the camera pose, the mapper builds the 3D map from keyframes, the relocalizer recovers a
 * lost pose, the object recognizer finds known objects in the map, and the renderer draws the overlay.
 */
function augmentedReality(): Pipeline {
  return {
    stages: [
      stage('Video source', 12, 6, 42),
      stage('Tracker', 60, 42, 6),
      stage('Relocalizer', 70, 42, 5),
      stage('Mapper', 95, 40, 28),
      stage('Object recognizer', 90, 45, 6),
      stage('Renderer', 35, 45, 40),
    ],
    edges: [
      ['Video source', 'Tracker'],
      ['Video source', 'Relocalizer'],
      ['Tracker', 'Relocalizer'],
      ['Video source', 'Mapper'],
      ['Tracker', 'Mapper'],
      ['Video source', 'Object recognizer'],
      ['Mapper', 'Object recognizer'],
      ['Video source', 'Renderer'],
      ['Tracker', 'Renderer'],
      ['Relocalizer', 'Renderer'],
      ['Object recognizer', 'Renderer'],
    ],
  };
}

function buildPipeline(key: string, source: string, pipeline: Pipeline): Dag {
  const idOf = new Map(pipeline.stages.map((s, k) => [s.name, String(k + 1)]));
  const id = (name: string): string => {
    const found = idOf.get(name);
    if (found === undefined) throw new Error(`example ${key}: edge to unknown stage "${name}"`);
    return found;
  };
  const tasks = pipeline.stages.map((s, k) => ({
    id: String(k + 1),
    name: s.name,
    cycles: s.megacycles * 1e6,
    uploadBytes: s.uploadKB * 1e3,
    resultBytes: s.resultKB * 1e3,
  }));
  const edges = pipeline.edges.map(([from, to]): [string, string] => [id(from), id(to)]);
  return createDag({ name: key, tasks, edges, meta: { source, example: key } }, `example ${key}`);
}

function example(key: string, title: string, citation: string, pipeline: () => Pipeline): ExampleDag {
  const source = `${citation}. ${ESTIMATES_NOTE}`;
  return { key, title, source, build: () => buildPipeline(key, source, pipeline()) };
}

export const EXAMPLE_DAGS: readonly ExampleDag[] = Object.freeze([
  example('face-recognition', 'Face recognition (Odessa)', ODESSA, faceRecognition),
  example('gesture', 'Gesture recognition (Odessa)', ODESSA, gesture),
  example('object-pose', 'Object and pose recognition (Odessa)', ODESSA, objectPose),
  example('augmented-reality', 'Augmented reality (cloudlet components)', CLOUDLETS, augmentedReality),
]);

export function exampleDag(key: string): Dag {
  const found = EXAMPLE_DAGS.find((e) => e.key === key);
  if (!found) {
    const known = EXAMPLE_DAGS.map((e) => e.key).join(', ');
    throw new InputError(`unknown example DAG "${key}" (known: ${known})`);
  }
  return found.build();
}
