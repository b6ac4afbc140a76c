import type { OutgoingRecord } from './pack-requests.ts';

/** The records one lane sends, with where each stood in the caller's batch. */
export interface LaneShare {
  readonly indexes: number[];
  readonly records: OutgoingRecord[];
}

/**
 * Splits a batch among the publisher's lanes by partition (partition modulo the lane count), so
 * that every partition is only ever written by one lane, in the order given. Record order within
 * each share is the batch's order.
 */
export function splitByLane(records: readonly OutgoingRecord[], lanes: number): LaneShare[] {
  const shares = Array.from({ length: lanes }, (): LaneShare => ({ indexes: [], records: [] }));
  records.forEach((record, index) => {
    const share = shares[record.partition % lanes]!;
    share.indexes.push(index);
    share.records.push(record);
  });
  return shares;
}
