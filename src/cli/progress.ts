/** Below this, a log reads too fast for a progress line to be worth the flicker. */
const MIN_BYTES = 16 * 1024 * 1024;
const INTERVAL_MS = 200;

export interface Progress {
  /** Pass as `onProgress` to a reader; undefined when no progress is shown. */
  update: ((done: number, total: number) => void) | undefined;
  /** Erases the progress line (call before printing results; a later update redraws it). */
  done(): void;
}

/** A one-line `label NN% (x / y MB)` on stderr, only when stderr is a terminal. */
export function byteProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: undefined, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (total < MIN_BYTES || now - last < INTERVAL_MS) return;
      last = now;
      shown = true;
      const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
      stream.write(`\r${label} ${Math.floor((done / total) * 100)}% (${mb(done)} / ${mb(total)} MB)`);
    },
    done() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
