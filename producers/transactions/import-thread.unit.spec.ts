import { Readable, Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RejectedLine } from '../../slices/slice.ts';
import { ImportRefused } from '../imports/refused.ts';
import type { Chunk } from './chunker.ts';
import { importOnWorker, ImportWorkerFailed, type ThreadHandlers } from './import-thread.ts';
import { readTransactionChunks } from './read-chunks.ts';
import { transactionsSample } from './sample-file.ts';
import { HANDOVER_LINES, HANDOVERS_AHEAD, type HandedChunk } from './worker-messages.ts';

const csv = { encoding: 'auto', delimiter: 'auto' } as const;

function collecting(publish: ThreadHandlers['publish'] = async () => undefined) {
  const published: HandedChunk[] = [];
  const rejected: RejectedLine[] = [];
  const progress: number[] = [];
  const handlers: ThreadHandlers = {
    publish: async (chunks) => {
      await publish(chunks);
      published.push(...chunks);
    },
    reject: (line) => rejected.push(line),
    progress: (linesRead) => progress.push(linesRead),
  };
  return { handlers, published, rejected, progress };
}

describe('importOnWorker', () => {
  it('when a file is read on the worker thread, then the chunks, rejects and counts are those of reading it here', async () => {
    const sample = () => transactionsSample(20_000, { seed: 7, badEvery: 97, duplicateEvery: 53 });
    const here = { chunks: [] as Chunk[], rejected: [] as RejectedLine[] };
    const expected = await readTransactionChunks(sample(), csv, {
      chunk: (chunk) => here.chunks.push(chunk),
      reject: (line) => here.rejected.push(line),
      piece: () => undefined,
    });

    const { handlers, published, rejected, progress } = collecting();
    const counts = await importOnWorker(sample(), { csv }, handlers);

    expect(counts).toEqual(expected);
    expect(counts.rejected).toBeGreaterThan(0);
    expect(published).toEqual(here.chunks.map((chunk) => ({ bucket: chunk.bucket, lines: chunk.lines })));
    expect(rejected).toEqual(here.rejected);
    expect(rejected[0]).toMatchObject({ column: 'date', reason: expect.stringContaining('is not a date') });
    expect(progress.at(-1)).toBe(20_000);
  });

  it('when Kafka does not acknowledge, then the worker stops reading a few handovers ahead, and goes on once it does', async () => {
    let release!: () => void;
    const acknowledged = new Promise<void>((resolve) => (release = resolve));
    const { handlers, published } = collecting(() => acknowledged);
    let bytesPulled = 0;
    const counter = new Transform({
      transform(piece: Buffer, _encoding, callback) {
        bytesPulled += piece.length;
        callback(null, piece);
      },
    });
    const file = transactionsSample(80_000, { seed: 3 }).pipe(counter);

    const importing = importOnWorker(file, { csv }, handlers);
    importing.catch(() => undefined); // awaited below; a failed expectation first must not leave it unhandled
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // About 60 bytes a line: the handovers allowed ahead, plus what the streams buffer (a few 64 KiB pieces).
    const bound = (HANDOVERS_AHEAD + 1) * HANDOVER_LINES * 60 + 2 * 1024 * 1024;
    expect(bytesPulled).toBeLessThan(bound);
    expect(published).toHaveLength(0);

    release();
    const counts = await importing;
    expect(counts.read).toBe(80_000);
    expect(published.reduce((sum, chunk) => sum + chunk.lines.length, 0)).toBe(counts.accepted);
  });

  it('when the file has wrong columns, then it is refused whole with the header line, and nothing is published', async () => {
    const { handlers, published } = collecting();
    const file = Readable.from([Buffer.from('account_id,amount\nA,1.00\n')]);
    const refused = await importOnWorker(file, { csv }, handlers).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ImportRefused);
    expect(refused).toMatchObject({ lineNumber: 1, message: expect.stringContaining('date') });
    expect(published).toHaveLength(0);
  });

  it('when the file cannot be read, then the import fails with the source error', async () => {
    const { handlers } = collecting();
    const file = new Readable({
      read() {
        this.destroy(new Error('the bucket went away'));
      },
    });
    await expect(importOnWorker(file, { csv }, handlers)).rejects.toThrow('the bucket went away');
  });

  it('when publishing fails, then the import fails with the publisher error', async () => {
    const { handlers } = collecting(async () => {
      throw new Error('no leader for transactions.raw');
    });
    await expect(importOnWorker(transactionsSample(5_000, { seed: 1 }), { csv }, handlers)).rejects.toThrow(
      'no leader for transactions.raw',
    );
  });

  it('when the worker thread crashes (here: out of its heap), then the job fails, saying so', async () => {
    const { handlers } = collecting();
    const failed = await importOnWorker(transactionsSample(5_000, { seed: 1 }), { csv }, handlers, { heapMb: 1 }).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ImportWorkerFailed);
    expect(failed).toBeInstanceOf(ImportRefused); // the job ends failed with the reason, not left running
    expect((failed as Error).message).toMatch(/^the import's worker thread failed: /);
  });
});
