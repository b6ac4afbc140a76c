import { UploadApi, type Fetch } from './api.ts';
import { isExpired, UploadClientError } from './errors.ts';
import { putParts, putWhole, type Payload } from './transfer.ts';
import { payloadOf, type UploadFile } from './upload-file.ts';
import { UrlPool, type PooledUrl } from './url-pool.ts';
import type { Attachment, IssuedUpload, TokenSource, UrlRequest } from './wire.ts';

export { UploadClientError } from './errors.ts';
export type { ErrorSource } from './errors.ts';
export type { Fetch } from './api.ts';
export type { UploadBody, UploadFile } from './upload-file.ts';
export type { Attachment, TokenSource } from './wire.ts';

/** Where the attachments go: a case, an owner, tags and metadata (seed 000's grouping). */
export interface Grouping {
  readonly caseId?: string;
  readonly ownerId?: string;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface UploadClientOptions {
  /** The API's address; `''` in a page the API serves. */
  readonly baseUrl: string;
  /** A bearer token with `uploads:write` (and `attachments:read` for attachment()), or a function asked before every call. */
  readonly token: TokenSource | string;
  readonly fetch?: Fetch;
  /** The clock, in ms (tests pass their own). */
  readonly now?: () => number;
  /** How many blank URLs to ask for at a time; default: the server's (UPLOADS_URL_BATCH). */
  readonly batchSize?: number;
  /** What every pooled URL is reserved for; an upload with other options asks for a URL of its own. */
  readonly grouping?: Grouping;
  /**
   * Files larger than this are declared (a URL bound to their type and size; multipart when the
   * server says so) instead of taking a blank URL. Set it to the server's
   * UPLOADS_MULTIPART_THRESHOLD_BYTES; default 100 MiB, that setting's default.
   */
  readonly declareAboveBytes?: number;
  /** A pooled URL this close to its expiry is dropped rather than used; default 30 s. */
  readonly expiryMarginMs?: number;
  /** Parts of a multipart upload in flight at once; default 3. */
  readonly partConcurrency?: number;
}

export interface UploadResult {
  readonly attachmentId: string;
  readonly objectKey: string;
  readonly fileName: string | null;
  readonly contentType: string;
  readonly sizeBytes: number;
  /** `pool`: a blank URL from the pool; `declared`: a URL asked for this file. */
  readonly via: 'pool' | 'declared';
  readonly multipart: boolean;
  /** S3's ETag of the object (of a single PUT), when CORS lets the client read it. */
  readonly etag: string | null;
  /** The first URL was refused as expired, and the upload went through with a fresh one. */
  readonly retried: boolean;
  /** The file went up on a blank URL, but the attachment could not be given its name (fileName is then null). */
  readonly namingError?: UploadClientError;
}

const DEFAULT_DECLARE_ABOVE = 100 * 1024 * 1024;
const DEFAULT_MARGIN_MS = 30_000;
const DEFAULT_PART_CONCURRENCY = 3;

/**
 * Uploads files straight to S3 the way seed 000's mobile app does: from a pool of pre-signed
 * URLs (see UrlPool) for ordinary files, through a URL of their own (multipart when large) for
 * large files or files with their own grouping. A URL refused as expired is replaced by a fresh
 * one, once. The attachment is `generated` when upload() resolves; S3's notification makes it
 * `uploaded` (or `rejected`), which the realtime topics `attachment_uploaded` and
 * `attachment_rejected` announce.
 */
export class UploadClient {
  private readonly api: UploadApi;
  private readonly pool: UrlPool;
  private readonly fetch: Fetch;

  constructor(private readonly options: UploadClientOptions) {
    for (const name of ['batchSize', 'declareAboveBytes', 'partConcurrency'] as const)
      if (options[name] !== undefined && !(Number.isInteger(options[name]) && options[name] > 0))
        throw new TypeError(`UploadClient: ${name} must be a positive integer, not ${options[name]}`);
    if (options.expiryMarginMs !== undefined && !(options.expiryMarginMs >= 0))
      throw new TypeError(`UploadClient: expiryMarginMs must be 0 or more, not ${options.expiryMarginMs}`);
    // An unbound window.fetch throws "Illegal invocation" in browsers.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.api = new UploadApi({ baseUrl: options.baseUrl, token: options.token, fetch: this.fetch });
    const grouping = options.grouping ?? {};
    this.pool = new UrlPool({
      fetchBatch: () =>
        this.api.requestUrls({
          ...groupingBody(grouping),
          ...(options.batchSize !== undefined ? { count: options.batchSize } : {}),
        }),
      now: options.now ?? (() => Date.now()),
      marginMs: options.expiryMarginMs ?? DEFAULT_MARGIN_MS,
    });
  }

  /** Unused blank URLs ready in the pool. */
  get pooledUrls(): number {
    return this.pool.available;
  }

  /** Fills the pool ahead of the first upload (optional: the first upload does it otherwise). */
  async warmUp(): Promise<void> {
    if (this.pool.available === 0) await this.pool.refill();
  }

  async upload(file: UploadFile, options: Grouping = {}): Promise<UploadResult> {
    const payload = payloadOf(file);
    const declared =
      Object.keys(groupingBody(options)).length > 0 ||
      payload.blob.size > (this.options.declareAboveBytes ?? DEFAULT_DECLARE_ABOVE);
    const attempt = () => (declared ? this.viaDeclared(payload, options) : this.viaPool(payload));
    try {
      return { ...(await attempt()), retried: false };
    } catch (error) {
      if (!isExpired(error)) throw error;
      return { ...(await attempt()), retried: true };
    }
  }

  /** The attachment as the API has it now. */
  attachment(attachmentId: string): Promise<Attachment> {
    return this.api.attachment(attachmentId);
  }

  private async viaPool(payload: Payload): Promise<Omit<UploadResult, 'retried'>> {
    const url = await this.pool.take();
    // Blank URLs take up to the server's largest upload; a larger file asks for its own URL, and
    // the API says why it cannot have one.
    if (payload.blob.size > url.upload.maxSizeBytes) {
      this.pool.putBack(url);
      return this.viaDeclared(payload, {});
    }
    const etag = await this.putPooled(url, payload);
    const result = resultOf(url.upload, payload, 'pool', etag);
    if (!payload.name) return result;
    try {
      await this.api.rename(url.upload.attachmentId, payload.name);
      return result;
    } catch (error) {
      // The file is in S3 and will be `uploaded`: failing here would invite a second upload of it.
      return { ...result, fileName: null, namingError: error as UploadClientError };
    }
  }

  private async putPooled(url: PooledUrl, payload: Payload): Promise<string | null> {
    try {
      return await putWhole(this.fetch, url.upload.put!, payload);
    } catch (error) {
      if (isExpired(error)) this.pool.refusedAsExpired(url);
      throw error;
    }
  }

  private async viaDeclared(payload: Payload, grouping: Grouping): Promise<Omit<UploadResult, 'retried'>> {
    const name = payload.name ?? 'unnamed';
    const merged = { ...this.options.grouping, ...grouping };
    const { batch } = await this.api.requestUrls({
      ...groupingBody(merged),
      files: [{ name, contentType: payload.contentType, sizeBytes: payload.blob.size }],
    });
    const upload = batch.uploads[0];
    if (!upload) throw new UploadClientError('api', 'no_url', 201, 'the API issued no URL for the file', name);
    if (upload.put) return resultOf(upload, payload, 'declared', await putWhole(this.fetch, upload.put, payload));
    const multipart = upload.multipart;
    if (!multipart) throw new UploadClientError('api', 'no_url', 201, 'the URL has neither put nor multipart', name);
    try {
      const parts = await putParts(
        this.fetch,
        multipart,
        payload,
        this.options.partConcurrency ?? DEFAULT_PART_CONCURRENCY,
      );
      await this.api.complete(multipart.complete, parts);
    } catch (error) {
      // S3 keeps the parts of an upload never completed (until the bucket's lifecycle rule): let them go now.
      await this.api.abort(multipart.abort).catch(() => undefined);
      throw error;
    }
    return resultOf(upload, payload, 'declared', null);
  }
}

function groupingBody(grouping: Grouping): Omit<UrlRequest, 'count' | 'files'> {
  return {
    ...(grouping.caseId !== undefined ? { caseId: grouping.caseId } : {}),
    ...(grouping.ownerId !== undefined ? { ownerId: grouping.ownerId } : {}),
    ...(grouping.tags?.length ? { tags: [...grouping.tags] } : {}),
    ...(grouping.metadata && Object.keys(grouping.metadata).length > 0 ? { metadata: { ...grouping.metadata } } : {}),
  };
}

function resultOf(
  upload: IssuedUpload,
  payload: Payload,
  via: UploadResult['via'],
  etag: string | null,
): Omit<UploadResult, 'retried'> {
  return {
    attachmentId: upload.attachmentId,
    objectKey: upload.objectKey,
    fileName: payload.name ?? upload.fileName,
    contentType: upload.contentType ?? payload.contentType,
    sizeBytes: payload.blob.size,
    via,
    multipart: upload.multipart !== undefined,
    etag,
  };
}
