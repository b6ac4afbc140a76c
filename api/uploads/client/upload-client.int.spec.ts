import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../../test/support/backbone.ts';
import { eventually } from '../../../test/support/eventually.ts';
import { startUploadsFlow, type UploadsFlow } from '../../../test/support/uploads.ts';
import { UploadClient, type Fetch, type UploadClientOptions } from './upload-client.ts';

const MIB = 1024 * 1024;

let backbone: Backbone;
let flow: UploadsFlow;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  flow = await startUploadsFlow(backbone, {
    UPLOADS_MAX_SIZE_BYTES: String(12 * MIB),
    UPLOADS_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
    UPLOADS_MULTIPART_PART_BYTES: String(5 * MIB),
  });
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

/** A client of the flow's API, from Node, for an organization of the test's own. */
async function clientFor(options: Partial<UploadClientOptions> = {}) {
  const organizationId = `org-${crypto.randomUUID().slice(0, 8)}`;
  const { authorization } = await bearer(backbone, {
    organizationId,
    scopes: ['uploads:write', 'attachments:read'],
  });
  return new UploadClient({
    baseUrl: flow.baseUrl,
    token: () => authorization.slice('Bearer '.length),
    declareAboveBytes: 5 * MIB,
    ...options,
  });
}

const uploaded = (client: UploadClient, attachmentId: string) =>
  eventually(
    async () => {
      const attachment = await client.attachment(attachmentId);
      expect(attachment.status).toBe('uploaded');
      return attachment;
    },
    { timeoutMs: 20_000 },
  );

describe('the upload client against the real API and S3 (moto)', () => {
  it('when several files are uploaded at once from the pool, then each becomes uploaded under its name, type and size, and the pool refills below the threshold', async () => {
    const client = await clientFor({ batchSize: 6 });
    const files = [
      new File(['a photo of the wound, day 3'], 'wound-day-3.png', { type: 'image/png' }),
      new File(['%PDF-1.4 referral'], 'referral.pdf', { type: 'application/pdf' }),
      { name: 'notes.txt', type: 'text/plain', body: 'patient reports improvement' },
      { name: 'scan.jpg', type: 'image/jpeg', body: new Uint8Array(2048).fill(7) },
    ];

    const results = await Promise.all(files.map((file) => client.upload(file)));

    expect(new Set(results.map((r) => r.attachmentId)).size).toBe(files.length);
    expect(results.every((r) => r.via === 'pool')).toBe(true);
    for (const result of results) {
      const attachment = await uploaded(client, result.attachmentId);
      expect(attachment).toMatchObject({
        fileName: result.fileName,
        contentType: result.contentType,
        sizeBytes: result.sizeBytes,
      });
    }
    // Down to 2 unused, below the server's refillBelow (5): one more batch of 6 came in the background.
    await eventually(() => expect(client.pooledUrls).toBe(6 - files.length + 6));
  });

  it('when a file is above the multipart threshold, then it is declared, sent in parts and completed, and becomes uploaded', async () => {
    const client = await clientFor();
    const size = 6 * MIB;
    const body = new Uint8Array(size).map((_, i) => i % 251);

    const result = await client.upload({ name: 'consultation.mp4', type: 'video/mp4', body }, { caseId: 'case-9' });

    expect(result).toMatchObject({ via: 'declared', multipart: true });
    const attachment = await uploaded(client, result.attachmentId);
    expect(attachment).toMatchObject({ sizeBytes: size, caseId: 'case-9', fileName: 'consultation.mp4' });
    expect(attachment.checksum).toMatch(/-2$/);
  });

  it('when S3 refuses the first PUT as expired, then the client takes a fresh URL and the file still becomes uploaded', async () => {
    // moto checks no expiry: the refusal real S3 gives is injected in front of it, once.
    let refused = 0;
    const faulty: Fetch = async (input, init) => {
      if (init?.method === 'PUT' && refused === 0) {
        refused += 1;
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
        return new Response(xml, { status: 403, headers: { 'content-type': 'application/xml' } });
      }
      return fetch(input, init);
    };
    const client = await clientFor({ batchSize: 3, fetch: faulty });

    const result = await client.upload(new File(['retried'], 'retried.txt', { type: 'text/plain' }));

    expect(result.retried).toBe(true);
    expect(refused).toBe(1);
    await uploaded(client, result.attachmentId);
  });

  it('when the token lacks uploads:write, then the upload fails with the API’s code and detail', async () => {
    const { authorization } = await bearer(backbone, { scopes: ['attachments:read'] });
    const client = new UploadClient({ baseUrl: flow.baseUrl, token: authorization.slice('Bearer '.length) });

    const failure = await client.upload(new File(['x'], 'x.txt', { type: 'text/plain' })).catch((e: unknown) => e);

    expect(failure).toMatchObject({ source: 'api', status: 403, code: 'missing_scope' });
    expect((failure as Error).message).toContain('uploads:write');
  });
});
