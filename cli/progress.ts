import type { ReplayProgress } from '../projections/replay.ts';

/**
 * One progress line: rewritten in place on a terminal, printed every few seconds otherwise
 * (CI logs), so long work always shows it is moving.
 */
export function progressPrinter(
  label: string,
  everyMs = 5000,
): { update(progress: ReplayProgress): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  let line = '';
  return {
    update(p) {
      const percent = p.total > 0 ? ((100 * p.applied) / p.total).toFixed(1) : '100.0';
      const eta = p.etaSeconds !== undefined ? `, ETA ${p.etaSeconds} s` : '';
      line = `${label}: ${p.applied.toLocaleString('en')} / ${p.total.toLocaleString('en')} events (${percent}%), ${p.eventsPerSecond.toLocaleString('en')} events/s${eta}`;
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (Date.now() - lastPrinted >= everyMs) {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    },
    done() {
      if (tty && line) process.stderr.write('\n');
      else if (line) process.stderr.write(`${line}\n`);
    },
  };
}
