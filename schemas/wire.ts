/**
 * Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then
 * the Avro binary body. Any Confluent serializer in any language reads and writes it.
 */
const MAGIC_BYTE = 0;
/** Where the Avro body starts. */
export const HEADER_SIZE = 5;

export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** A record value that is not in the wire format; never retried, always dead-lettered. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

export function unframe(value: Buffer | null): { schemaId: number; body: Buffer } {
  return { schemaId: schemaIdOf(value), body: value!.subarray(HEADER_SIZE) };
}

/**
 * The schema id of a wire-format value, after checking its header. The body is read in place from
 * HEADER_SIZE: a consumer decodes every record, and a Buffer view per record is garbage per record.
 */
export function schemaIdOf(value: Buffer | null): number {
  if (!value || value.length === 0) throw new WireFormatError('the record has no value');
  if (value.length < HEADER_SIZE)
    throw new WireFormatError(`the value is ${value.length} bytes, shorter than the 5-byte wire-format header`);
  const magic = value.readUInt8(0);
  if (magic !== MAGIC_BYTE)
    throw new WireFormatError(`the value starts with byte ${magic}, not the wire format's magic byte 0`);
  return value.readInt32BE(1);
}
