import { apiError, networkError } from './errors.ts';
import type { Attachment, IssuedBatch, TokenSource, UrlRequest } from './wire.ts';

/** `fetch` as the client calls it; pass your own to add retries, a proxy, or a fake in tests. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiOptions {
  /** Where the API is: `https://api.example.org`, or `''` for the page's own origin. */
  readonly baseUrl: string;
  readonly token: TokenSource | string;
  readonly fetch: Fetch;
}

/** A batch, with the server's clock when it answered (its `Date` header), so expiry times can be read on ours. */
export interface ReceivedBatch {
  readonly batch: IssuedBatch;
  readonly serverNowMs: number | undefined;
}

/** The few API calls an upload needs, each turning a refusal into an UploadClientError. */
export class UploadApi {
  private readonly baseUrl: string;

  constructor(private readonly options: ApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async requestUrls(body: UrlRequest): Promise<ReceivedBatch> {
    const response = await this.call('POST', '/v1/uploads/urls', body, 'asking for upload URLs');
    const date = response.headers.get('date');
    const serverNowMs = date ? Date.parse(date) : Number.NaN;
    return {
      batch: (await response.json()) as IssuedBatch,
      serverNowMs: Number.isNaN(serverNowMs) ? undefined : serverNowMs,
    };
  }

  /** `path` is the batch's `multipart.complete`. */
  async complete(path: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void> {
    await this.call('POST', path, { parts }, 'completing a multipart upload');
  }

  /** `path` is the batch's `multipart.abort`. */
  async abort(path: string): Promise<void> {
    await this.call('POST', path, undefined, 'aborting a multipart upload');
  }

  /** A URL taken before the file was chosen has no file name; this gives it one. */
  async rename(attachmentId: string, fileName: string): Promise<void> {
    await this.call('PATCH', `/v1/attachments/${attachmentId}`, { fileName }, `naming attachment ${attachmentId}`);
  }

  async attachment(attachmentId: string): Promise<Attachment> {
    const response = await this.call('GET', `/v1/attachments/${attachmentId}`, undefined, `reading ${attachmentId}`);
    return (await response.json()) as Attachment;
  }

  private async call(method: string, path: string, body: unknown, what: string): Promise<Response> {
    const token = typeof this.options.token === 'string' ? this.options.token : await this.options.token();
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.options.fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw networkError(error, what);
    }
    if (!response.ok) throw await apiError(response, what);
    return response;
  }
}
