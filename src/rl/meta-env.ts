/**
 * The meta-environment (as ProMP and learn2learn have it): explicit lists of training and test learning
 * tasks, `sampleTasks(n)` for a meta-batch and `setTask` to choose the task the environment serves.
 */
import type { Rng } from '../util/rng.js';
import { compileTask, type CompiledTask, type LearningTask } from './learning-task.js';

export class MetaOffloadingEnv {
  readonly train: readonly CompiledTask[];
  readonly test: readonly CompiledTask[];
  private current: CompiledTask | undefined;

  constructor(trainTasks: readonly LearningTask[], testTasks: readonly LearningTask[], neighbours: number) {
    if (trainTasks.length === 0) throw new Error('the meta-environment needs at least one training task');
    this.train = trainTasks.map((t) => compileTask(t, neighbours));
    this.test = testTasks.map((t) => compileTask(t, neighbours));
  }

  /** n training tasks, without replacement while n ≤ the number of tasks (a seeded shuffle). */
  sampleTasks(n: number, rng: Rng): CompiledTask[] {
    const out: CompiledTask[] = [];
    while (out.length < n) {
      const pool = rng.shuffle([...this.train]);
      out.push(...pool.slice(0, n - out.length));
    }
    return out;
  }

  setTask(task: CompiledTask): void {
    this.current = task;
  }

  get task(): CompiledTask {
    if (!this.current) throw new Error('no task set; call setTask()');
    return this.current;
  }
}
