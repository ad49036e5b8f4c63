// The progress of a migration, on standard error: a bar redrawn in place on a terminal, plain lines otherwise (a log
// file or CI shows one line per import request instead of a screenful of carriage returns).
import type { Counts } from './migration-state';

export interface ProgressOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  /** After each import request: the counts so far, out of `total` users when the source said how many it has. */
  update(counts: Counts, total: number | undefined): void;
  /** A line of its own (a step, a warning), never mixed into the bar. */
  note(line: string): void;
  /** Ends the bar's line. */
  end(): void;
}

const BAR_WIDTH = 30;

export function describeCounts(counts: Counts, total: number | undefined): string {
  const of = total !== undefined ? `${counts.exported}/${total}` : String(counts.exported);
  return `${of} users: ${counts.created} created, ${counts.updated} updated, ${counts.skipped} skipped, ${counts.failed} failed`;
}

export function createProgress(output: ProgressOutput): Progress {
  let barShown = false;
  const clearBar = () => {
    if (barShown) output.write('\r\x1b[2K');
    barShown = false;
  };
  return {
    update(counts, total) {
      const text = describeCounts(counts, total);
      if (!output.isTTY) {
        output.write(`${text}\n`);
        return;
      }
      const share = total ? Math.min(1, counts.exported / total) : undefined;
      const filled = share === undefined ? 0 : Math.round(share * BAR_WIDTH);
      const bar = share === undefined ? '' : `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}% `;
      const line = `${bar}${text}`;
      clearBar();
      output.write(output.columns ? line.slice(0, output.columns - 1) : line);
      barShown = true;
    },
    note(line) {
      clearBar();
      output.write(`${line}\n`);
    },
    end() {
      if (barShown) output.write('\n');
      barShown = false;
    },
  };
}
