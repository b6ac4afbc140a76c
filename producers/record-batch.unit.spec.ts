import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { RECORD_BATCH_OVERHEAD, recordSize, singleRecordBatchSize, type OutgoingMessage } from './record-batch.ts';

// kafkajs's own record batch encoder: what goes on the wire, and so what the broker measures.
const require = createRequire(import.meta.url);
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (batch: object) => Promise<{ buffer: Buffer }>;
};

async function encodedBatchSize(messages: readonly OutgoingMessage[]): Promise<number> {
  const records = messages.map((message, offsetDelta) => Record({ ...message, offsetDelta, timestampDelta: 0 }));
  const batch = await RecordBatch({ records, lastOffsetDelta: messages.length - 1 });
  return batch.buffer.length;
}

const message = (valueBytes: number, keyBytes = 36, headerValueBytes = 36): OutgoingMessage => ({
  key: 'k'.repeat(keyBytes),
  value: Buffer.alloc(valueBytes, 1),
  headers: {
    'tributary.type': 'ThreadCreated',
    'tributary.event-id': 'e'.repeat(headerValueBytes),
    'tributary.correlation-id': 'é'.repeat(headerValueBytes),
  },
});

describe('record batch sizes', () => {
  it('when one record of any size is measured, then it is the size kafkajs encodes its batch to', async () => {
    for (const bytes of [0, 1, 40, 63, 64, 8_000, 8_192, 1_048_000, 2_097_152]) {
      expect(singleRecordBatchSize(message(bytes)), `${bytes} bytes`).toBe(await encodedBatchSize([message(bytes)]));
    }
  });

  it('when many records share a batch, then the header plus each record at its offset delta is the encoded size', async () => {
    const messages = Array.from({ length: 300 }, (_, i) => message(i * 7, i % 90, i % 70));
    const measured = RECORD_BATCH_OVERHEAD + messages.reduce((sum, m, i) => sum + recordSize(m, i), 0);
    expect(measured).toBe(await encodedBatchSize(messages));
  });
});
