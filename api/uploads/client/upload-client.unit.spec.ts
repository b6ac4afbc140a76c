import { beforeEach, describe, expect, it } from 'vitest';
import { UploadClient, UploadClientError, type UploadClientOptions } from './upload-client.ts';
import { API, FakeUploadApi, TOKEN } from './upload-client.spec-support.ts';

let api: FakeUploadApi;
/** The client's clock, in ms: the server's unless a test moves it. */
let clientNow: number;

beforeEach(() => {
  api = new FakeUploadApi();
  clientNow = api.serverNow;
});

const client = (options: Partial<UploadClientOptions> = {}) =>
  new UploadClient({ baseUrl: API, token: () => TOKEN, fetch: api.fetch, now: () => clientNow, ...options });

const file = (name: string, size = 10, type = 'image/png') => new File([new Uint8Array(size)], name, { type });

/** Lets the background refill, started without waiting, reach the fake API. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the pool of blank URLs', () => {
  it('when the first file is uploaded, then one batch of batchSize URLs is asked for, the file is PUT to one with its type, and the attachment is named', async () => {
    const uploads = client({ batchSize: 10 });

    const result = await uploads.upload(file('wound.png'));

    expect(api.urlRequests).toEqual([{ count: 10 }]);
    expect(api.puts).toHaveLength(1);
    expect(api.puts[0]).toMatchObject({ attachmentId: result.attachmentId, sizeBytes: 10 });
    expect(api.puts[0]!.headers).toEqual({ 'content-type': 'image/png' });
    expect(api.renamed.get(result.attachmentId)).toBe('wound.png');
    expect(result).toMatchObject({ via: 'pool', multipart: false, retried: false, etag: '"etag-1"' });
    expect(uploads.pooledUrls).toBe(9);
  });

  it('when uploads leave fewer unused URLs than the server’s refillBelow, then one more batch is asked for, and not before', async () => {
    api.refillBelow = 3;
    const uploads = client({ batchSize: 5 });

    for (let i = 0; i < 2; i += 1) await uploads.upload(file(`f${i}.png`));
    await settle();
    expect(api.urlRequests).toHaveLength(1);
    expect(uploads.pooledUrls).toBe(3);

    await uploads.upload(file('f2.png'));
    await settle();
    expect(api.urlRequests).toHaveLength(2);
    expect(uploads.pooledUrls).toBe(7);
  });

  it('when many uploads start at once on an empty pool, then one request at a time serves them all, and no URL is used twice', async () => {
    const uploads = client({ batchSize: 3 });
    const release = api.holdBatches();

    const all = Promise.all(Array.from({ length: 10 }, (_, i) => uploads.upload(file(`f${i}.png`))));
    await settle();
    expect(api.urlRequests).toHaveLength(1);
    release();
    const results = await all;

    expect(api.maxBatchesInFlight).toBe(1);
    expect(new Set(results.map((r) => r.attachmentId)).size).toBe(10);
    expect(new Set(api.puts.map((p) => p.url)).size).toBe(10);
    expect(api.urlRequests.length).toBeGreaterThanOrEqual(4);
  });

  it('when the pooled URLs are about to expire by their expiresAt, then they are dropped unused and a fresh batch is asked for', async () => {
    const uploads = client({ batchSize: 10, expiryMarginMs: 30_000 });
    await uploads.warmUp();

    clientNow += api.ttlMs - 29_000;
    api.serverNow += api.ttlMs - 29_000;
    const result = await uploads.upload(file('late.png'));

    expect(api.urlRequests).toHaveLength(2);
    expect(api.puts.map((p) => p.batch)).toEqual([2]);
    expect(result.retried).toBe(false);
  });

  it('when S3 refuses a PUT as expired, then that URL and those expiring no later are dropped, more are asked for, and the upload goes through once with a fresh URL', async () => {
    const uploads = client({ batchSize: 10 });
    await uploads.warmUp();
    // The device's clock falls behind the server's after the batch came: the client still trusts URLs S3 finds expired.
    api.serverNow += api.ttlMs + 1_000;

    const result = await uploads.upload(file('retry.png'));

    expect(result.retried).toBe(true);
    expect(api.putAttempts).toBe(2);
    expect(api.urlRequests).toHaveLength(2);
    expect(api.puts.map((p) => p.batch)).toEqual([2]);
    expect(uploads.pooledUrls).toBe(9);
  });

  it('when the fresh URL is refused as expired too, then the upload fails with S3’s code and message, without trying again', async () => {
    const uploads = client({ batchSize: 4 });
    api.refuseNextPuts(2);

    const failure = await uploads.upload(file('never.png')).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UploadClientError);
    expect(failure).toMatchObject({ source: 'storage', status: 403, code: 'AccessDenied', expired: true });
    expect(String(failure)).toContain('Request has expired');
    expect(api.putAttempts).toBe(2);
  });

  it('when S3 refuses a PUT for another reason, then the error says S3’s code and no fresh URL is tried', async () => {
    const uploads = client({ batchSize: 10 });
    api.refuseNextPuts(1, 'SignatureDoesNotMatch', 'The request signature we calculated does not match');

    const failure = await uploads.upload(file('bad.png')).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      source: 'storage',
      code: 'SignatureDoesNotMatch',
      expired: false,
      canRetry: false,
    });
    expect(api.putAttempts).toBe(1);
    expect(api.urlRequests).toHaveLength(1);
  });

  it('when the device’s clock is 20 minutes ahead of the server’s, then expiry is read on the server’s clock (its Date header) and the URLs are used', async () => {
    clientNow += 20 * 60_000;
    const uploads = client({ batchSize: 10 });

    await uploads.upload(file('skewed.png'));

    expect(api.urlRequests).toHaveLength(1);
    expect(uploads.pooledUrls).toBe(9);
  });

  it('when every batch is already expired on arrival, then the upload fails saying so rather than asking forever', async () => {
    api.sendDate = false;
    clientNow += 20 * 60_000;
    const uploads = client({ batchSize: 4 });

    const failure = await uploads.upload(file('lost.png')).catch((error: unknown) => error);

    expect(failure).toMatchObject({ source: 'client', code: 'no_usable_url' });
    expect(api.urlRequests).toHaveLength(2);
  });

  it('when an option is not a positive number, then the client refuses to start', () => {
    expect(() => client({ batchSize: 0 })).toThrow('batchSize must be a positive integer');
    expect(() => client({ partConcurrency: 1.5 })).toThrow('partConcurrency');
  });

  it('when the API refuses the request for URLs, then the error carries its problem code and detail', async () => {
    api.refuseNextUrlRequest(403, 'missing_scope', 'the token lacks the scope uploads:write');

    const failure = await client()
      .upload(file('denied.png'))
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ source: 'api', status: 403, code: 'missing_scope', canRetry: false });
    expect((failure as Error).message).toContain('the token lacks the scope uploads:write');
  });

  it('when naming the attachment fails after the PUT, then the upload still resolves, saying why it has no name', async () => {
    const uploads = client({ batchSize: 10 });
    api.refuseNextRename(429, 'rate_limited', 'retry after 3 s');

    const result = await uploads.upload(file('named-later.png'));

    expect(api.puts).toHaveLength(1);
    expect(result.fileName).toBeNull();
    expect(result.namingError).toMatchObject({ source: 'api', code: 'rate_limited', canRetry: true });
  });

  it('when a file is larger than a blank URL takes, then the URL goes back to the pool and the file asks for its own, which the API refuses as too_large', async () => {
    const uploads = client({ batchSize: 10 });

    const failure = await uploads.upload(file('huge.png', api.maxSizeBytes + 1)).catch((error: unknown) => error);

    expect(failure).toMatchObject({ source: 'api', status: 400, code: 'too_large' });
    expect(uploads.pooledUrls).toBe(10);
  });
});

describe('files that ask for a URL of their own', () => {
  it('when a file is above declareAboveBytes, then its URL is bound to its type and size, and exactly the signed headers are sent', async () => {
    const uploads = client({ declareAboveBytes: 50 });

    const result = await uploads.upload({ name: 'scan.pdf', type: 'application/pdf', body: new Uint8Array(60) });

    expect(api.urlRequests).toEqual([{ files: [{ name: 'scan.pdf', contentType: 'application/pdf', sizeBytes: 60 }] }]);
    expect(api.puts[0]!.headers).toEqual({ 'content-type': 'application/pdf' });
    expect(api.renamed.size).toBe(0);
    expect(result).toMatchObject({ via: 'declared', fileName: 'scan.pdf', sizeBytes: 60 });
    expect(uploads.pooledUrls).toBe(0);
  });

  it('when an upload has its own case and tags, then it gets a URL of its own carrying them, with the client’s grouping under them', async () => {
    const uploads = client({ grouping: { ownerId: 'nurse-1', caseId: 'case-1' } });

    await uploads.upload(file('note.png'), { caseId: 'case-2', tags: ['day-3'] });

    expect(api.urlRequests).toEqual([
      {
        ownerId: 'nurse-1',
        caseId: 'case-2',
        tags: ['day-3'],
        files: [{ name: 'note.png', contentType: 'image/png', sizeBytes: 10 }],
      },
    ]);
  });

  it('when the server answers multipart, then every part is PUT and their ETags are sent to complete in order', async () => {
    const uploads = client({ declareAboveBytes: 50, partConcurrency: 2 });
    const size = api.partSizeBytes * 2 + 30_000;

    const result = await uploads.upload(file('consultation.mp4', size, 'video/mp4'));

    expect(result).toMatchObject({ via: 'declared', multipart: true });
    expect(api.puts.map((p) => p.sizeBytes).sort((a, b) => a - b)).toEqual([
      30_000,
      api.partSizeBytes,
      api.partSizeBytes,
    ]);
    const completed = api.completed.get(result.attachmentId)!;
    expect(completed.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(new Set(completed.map((p) => p.etag)).size).toBe(3);
  });

  it('when a part is refused, then the multipart upload is aborted and the error is the part’s', async () => {
    const uploads = client({ declareAboveBytes: 50, partConcurrency: 1 });
    api.refuseNextPuts(1, 'InternalError', 'We encountered an internal error', 500);

    const failure = await uploads
      .upload(file('video.mp4', api.partSizeBytes * 3, 'video/mp4'))
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({ source: 'storage', code: 'InternalError', canRetry: true });
    expect((failure as Error).message).toContain('part 1');
    expect(api.aborted).toHaveLength(1);
    expect(api.completed.size).toBe(0);
  });
});
