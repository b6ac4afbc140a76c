import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, logEntry } from '../../test/support/lake.ts';
import { uniqueName } from '../../test/support/platform.ts';

let backbone: Backbone;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(async () => {
  await backbone?.close();
});

/** Starts the partitioner in a child process; resolves once it consumes, or with the exit of one that died first. */
function partitioner(args: string[]) {
  // node --import tsx, not the tsx CLI: the CLI runs the script in a child and would hide the signal.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/lake-process.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (c: Buffer) => c.includes('ready') && resolve()),
  );
  return { child, exited, ready: Promise.race([ready, exited.then(() => undefined)]), stderr: () => stderr };
}

describe('the log lake partitioner killed with SIGKILL', () => {
  it(
    'when it is killed at random points (and right after storing objects) then restarted, then every entry is in the lake exactly once',
    { timeout: 150_000 },
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'tributary-lake-crash-'));
      const args = [backbone.suffix, uniqueName('lake').replace(/-/g, '_'), uniqueName('lake-stage'), directory];
      const hour = (h: number, i: number) => new Date(Date.UTC(2026, 10, 18, h, i % 60));
      const batch = (round: number) =>
        Array.from({ length: 25 }, (_, i) =>
          logEntry(`org-k${i % 3}`, i % 2 ? 'web' : 'app', hour(round % 2 ? 10 : 11, i)),
        );
      const published = [];
      let kills = 0;

      for (let round = 0; round < 3; round += 1) {
        const entries = batch(round);
        published.push(...entries);
        await backbone.publisher.publishBatch(entries);
        const run = partitioner([...args, 'crash-prone']);
        await run.ready;
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 1500));
        run.child.kill('SIGKILL');
        const ended = await run.exited;
        expect(ended, run.stderr()).toBe('SIGKILL');
        kills += 1;
      }

      const last = partitioner([...args, 'steady']);
      try {
        await last.ready;
        const ids = new Set(published.map((e) => e.metadata.eventId));
        const rows = await eventually(
          async () => {
            const found = (await lakeRows(directory)).filter((r) => ids.has(r.event_id!));
            expect(found.length).toBeGreaterThanOrEqual(published.length);
            return found;
          },
          { timeoutMs: 60_000 },
        );
        expect(kills).toBe(3);
        expect(rows).toHaveLength(published.length);
        expect(new Set(rows.map((r) => r.event_id)).size).toBe(published.length);
      } finally {
        last.child.kill('SIGKILL');
        await last.exited;
      }
    },
  );
});
