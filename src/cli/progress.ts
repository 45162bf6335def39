/**
 * Progress on long runs, on stderr so that stdout stays clean for results. On a terminal: a one-line
 * display or a cli-progress bar; elsewhere (logs, CI): one plain line per update for bars, nothing for
 * the transient one-liners.
 */
import cliProgress from 'cli-progress';

export function progressLine(enabled = process.stderr.isTTY === true): {
  update(text: string): void;
  done(): void;
} {
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[K${text}`);
    },
    done() {
      if (enabled && shown) process.stderr.write('\r\x1b[K');
    },
  };
}

export interface ProgressBar {
  update(value: number, status: string): void;
  stop(): void;
}

/** A bar `label [=====   ] value/total | status` (without the count when `count` is false: the status says it). */
export function progressBar(
  label: string,
  total: number,
  start = 0,
  quiet = false,
  count = true,
): ProgressBar {
  if (quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY !== true) {
    return {
      update(value, status) {
        process.stderr.write(`${label} ${value}/${total} | ${status}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] ${count ? '{value}/{total}' : '{percentage}%'} | {status}`,
      stream: process.stderr,
      hideCursor: true,
      barsize: 24,
      etaBuffer: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { status: 'starting' });
  return {
    update(value, status) {
      bar.update(value, { status });
    },
    stop() {
      bar.stop();
    },
  };
}
