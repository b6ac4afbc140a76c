import { RECORD_BATCH_OVERHEAD, recordSize, type OutgoingMessage } from './record-batch.ts';

/** One record on its way: its topic, the partition the publisher picked, and the message itself. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: OutgoingMessage;
}

/** A record of one caller's batch, placed in a produce request. */
export interface PackedRecord<C> {
  readonly caller: C;
  /** Its position in the caller's batch. */
  readonly index: number;
  readonly record: OutgoingRecord;
}

/**
 * Packs callers' batches into produce requests so that no partition's record batch in a request
 * is larger than its topic's max.message.bytes (kafkajs sends one batch per partition per
 * request, and the broker refuses a bigger one whole). A caller's batch stays in one request
 * whenever it fits in one, so it is written or refused together; only a batch too large for any
 * one request is spread over several, in order. Callers keep their order, and so do records.
 */
export function packRequests<C>(
  callers: readonly { readonly caller: C; readonly records: readonly OutgoingRecord[] }[],
  maxBatchBytes: (topic: string) => number,
): PackedRecord<C>[][] {
  const requests: PackedRecord<C>[][] = [];
  let current: PackedRecord<C>[] = [];
  let batches = new Map<string, { count: number; bytes: number }>();

  /** Adds the records if every partition's batch stays under its limit; says whether it did. */
  const tryAdd = (entries: readonly PackedRecord<C>[]): boolean => {
    const grown = new Map<string, { count: number; bytes: number }>();
    for (const entry of entries) {
      const { topic, partition, message } = entry.record;
      const name = `${topic}/${partition}`;
      const batch = grown.get(name) ?? batches.get(name) ?? { count: 0, bytes: RECORD_BATCH_OVERHEAD };
      const next = { count: batch.count + 1, bytes: batch.bytes + recordSize(message, batch.count) };
      if (next.bytes > maxBatchBytes(topic)) return false;
      grown.set(name, next);
    }
    for (const [name, batch] of grown) batches.set(name, batch);
    current.push(...entries);
    return true;
  };
  const nextRequest = () => {
    if (current.length > 0) requests.push(current);
    current = [];
    batches = new Map();
  };

  for (const { caller, records } of callers) {
    const entries = records.map((record, index) => ({ caller, index, record }));
    if (tryAdd(entries)) continue;
    nextRequest();
    if (tryAdd(entries)) continue;
    // Larger than one request can carry: spread it, record by record, over as many as it takes.
    for (const entry of entries) {
      if (tryAdd([entry])) continue;
      nextRequest();
      // A record too large even alone is refused before it is queued; should one come, it goes alone.
      if (!tryAdd([entry])) {
        current.push(entry);
        nextRequest();
      }
    }
  }
  nextRequest();
  return requests;
}
