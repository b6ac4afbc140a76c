import type { UrlRequest } from './wire.ts';

export const API = 'https://api.test';
const S3 = 'https://s3.test/bucket';
export const TOKEN = 'token-1';

interface Issued {
  readonly attachmentId: string;
  readonly batch: number;
  readonly expiresAtMs: number;
}

export interface StoredPut {
  readonly url: string;
  readonly attachmentId: string;
  readonly batch: number;
  readonly headers: Record<string, string>;
  readonly sizeBytes: number;
}

/**
 * The API and S3 as the client sees them, answering as the real ones do (201 batches with
 * `refillBelow` and `expiresAt`, problem+json refusals, S3's XML errors, a `Date` header), with a
 * clock the test moves. S3 refuses a URL past its expiry on the server's clock. No network.
 */
export class FakeUploadApi {
  /** The server's clock, in ms. */
  serverNow = Date.parse('2030-01-01T00:00:00Z');
  ttlMs = 15 * 60_000;
  refillBelow = 5;
  defaultBatch = 20;
  maxSizeBytes = 1_000_000;
  multipartThresholdBytes = 100_000;
  partSizeBytes = 40_000;
  sendDate = true;

  readonly urlRequests: UrlRequest[] = [];
  readonly puts: StoredPut[] = [];
  readonly renamed = new Map<string, string>();
  readonly completed = new Map<string, { partNumber: number; etag: string }[]>();
  readonly aborted: string[] = [];
  maxBatchesInFlight = 0;
  /** Every PUT that reached S3, accepted or not. */
  putAttempts = 0;

  private readonly issued = new Map<string, Issued>();
  private batchesInFlight = 0;
  private held: Promise<void> | undefined;
  private refusals: { status: number; code: string; message: string }[] = [];
  private refusedApi: { status: number; code: string; detail: string } | undefined;
  private refusedRename: { status: number; code: string; detail: string } | undefined;

  /** Requests for URLs wait until the returned function is called. */
  holdBatches(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** The next PUTs to S3 are refused with this error, whatever their URL. */
  refuseNextPuts(count: number, code = 'AccessDenied', message = 'Request has expired', status = 403): void {
    this.refusals.push(...Array.from({ length: count }, () => ({ status, code, message })));
  }

  /** The next PATCH of an attachment is refused with this problem. */
  refuseNextRename(status: number, code: string, detail: string): void {
    this.refusedRename = { status, code, detail };
  }

  /** The next request for URLs is refused with this problem. */
  refuseNextUrlRequest(status: number, code: string, detail: string): void {
    this.refusedApi = { status, code, detail };
  }

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    if (input.startsWith(S3)) return this.storage(url, method, init);
    if (new Headers(init.headers).get('authorization') !== `Bearer ${TOKEN}`)
      return problem(401, 'invalid_token', 'no valid bearer token');
    if (method === 'POST' && url.pathname === '/v1/uploads/urls')
      return this.urls(JSON.parse(String(init.body)) as UrlRequest);
    const match = /^\/v1\/(uploads|attachments)\/([^/]+)(?:\/(complete|abort))?$/.exec(url.pathname);
    const attachmentId = match?.[2] ?? '';
    if (!this.issued.has(attachmentId)) return problem(404, 'not_found', `no attachment ${attachmentId}`);
    const refusedRename = this.refusedRename;
    if (method === 'PATCH' && refusedRename) {
      this.refusedRename = undefined;
      return problem(refusedRename.status, refusedRename.code, refusedRename.detail);
    }
    if (method === 'PATCH')
      this.renamed.set(attachmentId, (JSON.parse(String(init.body)) as { fileName: string }).fileName);
    else if (match?.[3] === 'complete') this.completed.set(attachmentId, JSON.parse(String(init.body)).parts);
    else if (match?.[3] === 'abort') this.aborted.push(attachmentId);
    else if (method === 'GET') return json(200, { attachmentId, status: 'generated' });
    return json(202, { attachmentId, position: 'p' });
  };

  private async urls(body: UrlRequest): Promise<Response> {
    this.urlRequests.push(body);
    this.batchesInFlight += 1;
    this.maxBatchesInFlight = Math.max(this.maxBatchesInFlight, this.batchesInFlight);
    try {
      await this.held;
      const refused = this.refusedApi;
      this.refusedApi = undefined;
      if (refused) return problem(refused.status, refused.code, refused.detail);
      const tooLarge = body.files?.find((f) => f.sizeBytes > this.maxSizeBytes);
      if (tooLarge)
        return problem(400, 'too_large', `body.files[0].sizeBytes: ${tooLarge.sizeBytes} bytes is too large`);
      const batch = this.urlRequests.length;
      const expiresAtMs = this.serverNow + this.ttlMs;
      const slots = body.files ?? Array.from({ length: body.count ?? this.defaultBatch }, () => undefined);
      const uploads = slots.map((file) => {
        const attachmentId = crypto.randomUUID();
        this.issued.set(attachmentId, { attachmentId, batch, expiresAtMs });
        const key = `uploads/org-1/${attachmentId}`;
        const common = {
          attachmentId,
          objectKey: key,
          fileName: file?.name ?? null,
          contentType: file?.contentType ?? null,
          maxSizeBytes: file?.sizeBytes ?? this.maxSizeBytes,
          expiresAt: new Date(expiresAtMs).toISOString(),
        };
        if (file && file.sizeBytes > this.multipartThresholdBytes) {
          const count = Math.ceil(file.sizeBytes / this.partSizeBytes);
          const parts = Array.from({ length: count }, (_, i) => ({
            partNumber: i + 1,
            url: `${S3}/${key}?partNumber=${i + 1}`,
          }));
          const multipart = {
            uploadId: 'mp-1',
            partSizeBytes: this.partSizeBytes,
            parts,
            complete: `/v1/uploads/${attachmentId}/complete`,
            abort: `/v1/uploads/${attachmentId}/abort`,
          };
          return { ...common, multipart };
        }
        const headers: Record<string, string> = file ? { 'content-type': file.contentType } : {};
        return { ...common, put: { method: 'PUT', url: `${S3}/${key}?X-Amz-Expires=900`, headers } };
      });
      const answer = {
        uploads,
        refillBelow: this.refillBelow,
        expiresAt: new Date(expiresAtMs).toISOString(),
        position: 'p',
      };
      return json(201, answer, this.sendDate ? { date: new Date(this.serverNow).toUTCString() } : {});
    } finally {
      this.batchesInFlight -= 1;
    }
  }

  private storage(url: URL, method: string, init: RequestInit): Response {
    const attachmentId = url.pathname.split('/').at(-1) ?? '';
    const issued = this.issued.get(attachmentId);
    if (method !== 'PUT' || !issued) return s3Error(403, 'SignatureDoesNotMatch', 'not a URL S3 signed');
    this.putAttempts += 1;
    const refusal = this.refusals.shift();
    if (refusal) return s3Error(refusal.status, refusal.code, refusal.message);
    if (this.serverNow > issued.expiresAtMs) return s3Error(403, 'AccessDenied', 'Request has expired');
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    this.puts.push({ url: url.href, attachmentId, batch: issued.batch, headers, sizeBytes: (init.body as Blob).size });
    return new Response(null, { status: 200, headers: { etag: `"etag-${this.puts.length}"` } });
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function problem(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Refused', status, code, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

function s3Error(status: number, code: string, message: string): Response {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`;
  return new Response(xml, { status, headers: { 'content-type': 'application/xml' } });
}
