/**
 * Plans over places on the command line (evaluate and gantt with --system): one digit per task in
 * task-id order, the place's index (0 the device, then the servers in order, then the cloud); with
 * more than ten places, comma-separated numbers.
 */
import { UsageError } from '../util/errors.js';

export function parsePlacePlan(text: string, tasks: number, places: readonly string[]): Uint8Array {
  const parts = text.includes(',') ? text.split(',').map((s) => s.trim()) : [...text];
  const legend = places.map((p, k) => `${k} ${p}`).join(', ');
  if (parts.length !== tasks)
    throw new UsageError(
      `--plan has ${parts.length} places but the DAG has ${tasks} tasks (places: ${legend})`,
    );
  return Uint8Array.from(parts, (s) => {
    const v = Number(s);
    if (s === '' || !Number.isInteger(v) || v < 0 || v >= places.length)
      throw new UsageError(`--plan: "${s}" is not a place of this system (places: ${legend})`);
    return v;
  });
}
