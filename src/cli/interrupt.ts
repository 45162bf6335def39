/**
 * Ctrl-C (SIGINT) or SIGTERM during a training run: the run stops after the iteration in progress with
 * its checkpoint written, releases its folder and says how to continue. A second signal stops at once;
 * the last checkpoint stays valid (checkpoints are written atomically) and the folder is released too.
 */
export interface StopRequest {
  /** True once a signal asked the run to stop. */
  requested(): boolean;
  /** Removes the handlers (the run is over). */
  dispose(): void;
}

/** `resumeHint` is the command that continues the run, printed when it stops early. */
export function stopOnSignal(resumeHint: string): StopRequest {
  let requested = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) {
      console.error(
        `\nmrlco: ${signal} again: stopping now; continue from the last checkpoint with: ${resumeHint}`,
      );
      // The exit hooks release the folder's lock.
      process.exit(130);
    }
    requested = true;
    console.error(
      `\nmrlco: ${signal}: stopping after this iteration (its checkpoint kept); again to stop at once`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested: () => requested,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
