/** A one-line progress display on stderr, shown only on a terminal so that pipes and logs stay clean. */
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
