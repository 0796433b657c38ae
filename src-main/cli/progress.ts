import type { ProgressFn } from '../data/dataset';

export interface ProgressBar {
  update: ProgressFn;
  /** Clears the bar and prints the closing line (the only line when stderr is not a terminal). */
  finish: (line: string) => void;
}

const BAR_WIDTH = 24;
/** About ten redraws a second: more only costs time on slow terminals. */
const REDRAW_MS = 100;

interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write: (text: string) => unknown;
}

/** A one-line `\r`-redrawn progress bar of files done / total on stderr, for terminals only. */
export function createProgressBar(label: string, stream: ProgressStream = process.stderr, now: () => number = () => performance.now()): ProgressBar {
  const tty = Boolean(stream.isTTY);
  let lastDraw = -Infinity;
  let drawn = false;

  const update: ProgressFn = (done, total, what) => {
    if (!tty) return;
    const t = now();
    if (t - lastDraw < REDRAW_MS && done < total) return;
    lastDraw = t;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
    const line = `${label} [${bar}] ${done}/${total} ${what}`;
    // Some pseudo-terminals report 0 columns.
    const columns = stream.columns && stream.columns > 20 ? stream.columns : 80;
    stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
    drawn = true;
  };

  const finish = (line: string) => {
    stream.write(`${drawn ? '\r\x1b[K' : ''}${line}\n`);
  };
  return { update, finish };
}
