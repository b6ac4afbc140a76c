import type { Payload } from './transfer.ts';

/** The bytes of a file in any form `fetch` and `Blob` take. */
export type UploadBody = Blob | ArrayBuffer | ArrayBufferView | string;

/** A browser File (or any Blob), or a file described in parts, e.g. from Node's fs. */
export type UploadFile = Blob | { readonly name: string; readonly type?: string; readonly body: UploadBody };

/** A type S3 and the API accept when the file says none. */
const UNKNOWN_TYPE = 'application/octet-stream';

/** One form for every kind of input: a Blob (cheap to measure and to slice into parts), its name, its type. */
export function payloadOf(file: UploadFile): Payload {
  if (file instanceof Blob) {
    const name = 'name' in file && typeof file.name === 'string' && file.name ? file.name : null;
    return { name, contentType: file.type || UNKNOWN_TYPE, blob: file };
  }
  const contentType = file.type || (file.body instanceof Blob ? file.body.type : '') || UNKNOWN_TYPE;
  const blob = file.body instanceof Blob ? file.body : new Blob([file.body as BlobPart]);
  return { name: file.name || null, contentType, blob };
}
