import type { Fetch } from './api.ts';
import { networkError, storageError, UploadClientError } from './errors.ts';
import type { SignedMultipart, SignedPut } from './wire.ts';

/** What goes to S3: the bytes, and the type to send with a URL that is not bound to one. */
export interface Payload {
  readonly name: string | null;
  readonly contentType: string;
  readonly blob: Blob;
}

/** PUTs the whole file to a pre-signed URL; resolves to S3's ETag (null when CORS hides it). */
export async function putWhole(fetch: Fetch, put: SignedPut, payload: Payload): Promise<string | null> {
  // A blank URL signs no header, so the file's own type goes with it (the bridge holds it to the
  // allowed types); a URL bound to a type signs it, and its headers must be sent exactly.
  const headers = Object.keys(put.headers).length > 0 ? put.headers : { 'content-type': payload.contentType };
  return send(fetch, put.url, headers, payload.blob, `PUT of ${payload.name ?? 'the file'}`);
}

/** PUTs every part, a few at a time; resolves to the parts S3 needs to assemble the object. */
export async function putParts(
  fetch: Fetch,
  multipart: SignedMultipart,
  payload: Payload,
  concurrency: number,
): Promise<{ partNumber: number; etag: string }[]> {
  const queue = [...multipart.parts];
  const done: { partNumber: number; etag: string }[] = [];
  const worker = async (): Promise<void> => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const start = (part.partNumber - 1) * multipart.partSizeBytes;
      const what = `PUT of part ${part.partNumber} of ${payload.name ?? 'the file'}`;
      try {
        const etag = await send(fetch, part.url, {}, payload.blob.slice(start, start + multipart.partSizeBytes), what);
        if (!etag)
          throw new UploadClientError(
            'storage',
            'missing_etag',
            undefined,
            'no ETag header; does the bucket’s CORS expose it?',
            what,
          );
        done.push({ partNumber: part.partNumber, etag });
      } catch (error) {
        queue.length = 0; // one part failed: the upload will be aborted, the others need not go
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  return done.sort((a, b) => a.partNumber - b.partNumber);
}

async function send(
  fetch: Fetch,
  url: string,
  headers: Readonly<Record<string, string>>,
  body: Blob,
  what: string,
): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'PUT', headers: { ...headers }, body });
  } catch (error) {
    throw networkError(error, what);
  }
  if (!response.ok) throw await storageError(response, what);
  // Drain the (empty) body so the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  return response.headers.get('etag');
}
