/**
 * The size of a Kafka record batch (message format v2) as the broker measures it against a
 * topic's max.message.bytes: the batch header plus each record, as kafkajs writes them
 * (uncompressed; every record of a request shares its timestamp, so each timestamp delta is 0).
 */

/** Base offset, length, leader epoch, magic, CRC, attributes, last offset delta, two timestamps, producer id and epoch, base sequence, record count. */
export const RECORD_BATCH_OVERHEAD = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/** A record as the publisher hands it to kafkajs. */
export interface OutgoingMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Bytes one record takes in a batch, at the given position in it (its offset delta). */
export function recordSize(message: OutgoingMessage, offsetDelta: number): number {
  let headers = varintSize(Object.keys(message.headers).length);
  for (const [name, value] of Object.entries(message.headers))
    headers += sizedBytes(Buffer.byteLength(name)) + sizedBytes(Buffer.byteLength(value));
  const body =
    1 + // attributes
    varintSize(0) + // timestamp delta
    varintSize(offsetDelta) +
    sizedBytes(Buffer.byteLength(message.key)) +
    sizedBytes(message.value.length) +
    headers;
  return varintSize(body) + body;
}

/** Bytes of a batch holding just this record: what max.message.bytes must allow for it to be written at all. */
export function singleRecordBatchSize(message: OutgoingMessage): number {
  return RECORD_BATCH_OVERHEAD + recordSize(message, 0);
}

function sizedBytes(length: number): number {
  return varintSize(length) + length;
}

/** Length of a zig-zag varint, as Kafka writes lengths and deltas. */
function varintSize(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 0x80);
    bytes += 1;
  }
  return bytes;
}
