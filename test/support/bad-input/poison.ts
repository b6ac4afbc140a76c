import { randomBytes, randomUUID } from 'node:crypto';
import { frame } from '../../../schemas/wire.ts';

/** A record a broken or hostile producer writes to a topic, and the dead-letter error it must get. */
export interface Poison {
  readonly name: string;
  /** A key of its own: an undecodable record parks its key, and no real aggregate's. */
  readonly key: string;
  readonly value: Buffer | null;
  readonly error: RegExp;
}

/** A schema id no registry hands out: far above any real one. */
const UNKNOWN_SCHEMA_ID = 2_000_000_000;

/**
 * Everything a topic must survive, given a real schema id of one of its event types and a valid
 * Avro body of it: text that is not the wire format, a value cut short, no value at all, an
 * unknown schema id, a body cut in half (malformed Avro), a body that says another event type
 * than its schema, and random bytes just under the topic's size limit.
 */
export function poisonsFor(
  schemaId: number,
  validBody: Buffer,
  relabelled: Buffer,
  schemaName: string,
  maxMessageBytes: number,
): Poison[] {
  const key = () => `poison-${randomUUID()}`;
  return [
    {
      name: 'JSON instead of Avro',
      key: key(),
      value: Buffer.from('{"type":"ThreadCreated","payload":{}}'),
      error: /^the value starts with byte 123, not the wire format's magic byte 0$/,
    },
    {
      name: 'shorter than the header',
      key: key(),
      value: Buffer.from([0, 0, 1]),
      error: /^the value is 3 bytes, shorter than the 5-byte wire-format header$/,
    },
    { name: 'no value (a tombstone)', key: key(), value: null, error: /^the record has no value$/ },
    {
      name: 'an unknown schema id',
      key: key(),
      value: frame(UNKNOWN_SCHEMA_ID, validBody),
      error: new RegExp(`^schema id ${UNKNOWN_SCHEMA_ID} is not in the registry$`),
    },
    {
      name: 'malformed Avro (a body cut in half)',
      key: key(),
      value: frame(schemaId, validBody.subarray(0, Math.floor(validBody.length / 2))),
      error: new RegExp(`^the body does not decode with schema id ${schemaId} \\(${schemaName}\\): `),
    },
    {
      name: 'a body whose type field names another event',
      key: key(),
      value: frame(schemaId, relabelled),
      error: new RegExp(`^schema id ${schemaId} writes ${schemaName}, but the record's type says "Exploded"$`),
    },
    {
      name: 'random bytes just under the size limit',
      key: key(),
      // Room for the record batch's own overhead (key, headers, lengths): the broker takes it.
      value: frame(schemaId, randomBytes(maxMessageBytes - 4096)),
      error: new RegExp(`^the body does not decode with schema id ${schemaId} \\(${schemaName}\\): `),
    },
  ];
}
