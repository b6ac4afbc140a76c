import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';

/**
 * An import job's id: the organization, the kind and the file's content decide it, so the same
 * file is the same job however it arrives (CLI, bucket, HTTP) and under whatever name.
 */
export function importJobIdOf(organizationId: string, kind: string, sha256Hex: string): string {
  return derivedEventId(`${organizationId}/${kind}/${sha256Hex}`, 'import-job');
}

/** The SHA-256 of a stream's bytes, hex, read in constant memory. */
export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
