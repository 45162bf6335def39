/**
 * Where a run's time goes: named, nested phases with self time (a phase's total excludes the phases
 * entered inside it), keyed by their path ("evaluation/network.decode"). Off by default: then every
 * call is one boolean test, so the hooks stay in the training code. `npm run bench:train` turns it on.
 * One profile per thread; workers send theirs back with their results.
 */

let enabled = false;
const stack: string[] = [];
const totals = new Map<string, number>();
let mark = 0;

export function enableProfiling(on = true): void {
  enabled = on;
}

export function isProfiling(): boolean {
  return enabled;
}

function charge(now: number): void {
  if (stack.length === 0) return;
  const path = stack.join('/');
  totals.set(path, (totals.get(path) ?? 0) + (now - mark));
}

export function enterPhase(name: string): void {
  if (!enabled) return;
  const now = performance.now();
  charge(now);
  stack.push(name);
  mark = now;
}

export function leavePhase(): void {
  if (!enabled) return;
  const now = performance.now();
  charge(now);
  stack.pop();
  mark = now;
}

/** Runs `fn` as the phase `name`. */
export function profiled<T>(name: string, fn: () => T): T {
  if (!enabled) return fn();
  enterPhase(name);
  try {
    return fn();
  } finally {
    leavePhase();
  }
}

/** Self time per phase path (ms) since the last reset. */
export function profileTotals(): Record<string, number> {
  return Object.fromEntries(totals);
}

/** Adds another thread's totals, under `prefix/` (e.g. a worker's). */
export function mergeProfile(other: Record<string, number>, prefix: string): void {
  for (const [path, ms] of Object.entries(other)) {
    const key = `${prefix}/${path}`;
    totals.set(key, (totals.get(key) ?? 0) + ms);
  }
}

export function resetProfile(): void {
  totals.clear();
  stack.length = 0;
}
