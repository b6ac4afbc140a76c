import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startUploadsFlow, type UploadsFlow } from '../../test/support/uploads.ts';

const SCOPES = ['uploads:write', 'attachments:read'];
const ORG = 'org-att';
const OTHER = 'org-other';

let backbone: Backbone;
let flow: UploadsFlow;
let photo: { attachmentId: string; objectKey: string };

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  flow = await startUploadsFlow(backbone);
  photo = await uploaded({ name: 'knee x-ray.png', contentType: 'image/png', caseId: 'case-knee', tags: ['x-ray'] });
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

const auth = (organizationId = ORG) => bearer(backbone, { organizationId, scopes: SCOPES });

async function call(method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object, organizationId = ORG) {
  const response = await flow.app.inject({
    method,
    url,
    headers: await auth(organizationId),
    ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.body ? response.json() : undefined, headers: response.headers };
}

/** Asks for a URL bound to the file, PUTs it, and waits for it to be uploaded. */
async function uploaded(file: {
  name: string;
  contentType: string;
  caseId?: string;
  tags?: string[];
  metadata?: Record<string, string>;
}) {
  const body = new TextEncoder().encode(`contents of ${file.name}`);
  const issued = await call('POST', '/v1/uploads/urls', {
    files: [
      {
        name: file.name,
        contentType: file.contentType,
        sizeBytes: body.length,
        ...(file.metadata ? { metadata: file.metadata } : {}),
      },
    ],
    ...(file.caseId ? { caseId: file.caseId } : {}),
    ...(file.tags ? { tags: file.tags } : {}),
  });
  expect(issued.status).toBe(201);
  const [upload] = issued.body.uploads;
  await fetch(upload.put.url, { method: 'PUT', headers: upload.put.headers, body });
  await eventually(
    async () => expect((await call('GET', `/v1/attachments/${upload.attachmentId}`)).body.status).toBe('uploaded'),
    {
      timeoutMs: 20_000,
    },
  );
  return upload as { attachmentId: string; objectKey: string };
}

describe('GET /v1/attachments', () => {
  it('when filtered by case, tag, status or words of the name and metadata, then only the matching attachments come back', async () => {
    const report = await uploaded({
      name: 'discharge-summary.pdf',
      contentType: 'application/pdf',
      caseId: 'case-knee',
      metadata: { ward: 'Orthopaedics 4B' },
    });
    const ids = async (query: string) =>
      (await call('GET', `/v1/attachments?${query}`)).body.items.map((a: { attachmentId: string }) => a.attachmentId);

    expect(await ids('caseId=case-knee')).toEqual([report.attachmentId, photo.attachmentId]);
    expect(await ids('caseId=case-knee&tag=x-ray')).toEqual([photo.attachmentId]);
    expect(await ids('caseId=case-knee&q=X-RAY')).toEqual([photo.attachmentId]);
    expect(await ids('caseId=case-knee&q=orthopaedics%204b')).toEqual([report.attachmentId]);
    expect(await ids('caseId=case-knee&q=50%25')).toEqual([]);
    expect(await ids('caseId=case-knee&status=generated')).toEqual([]);
    expect(await ids('caseId=case-knee&status=uploaded')).toHaveLength(2);
  });

  it('when there are more than a page, then the cursor walks them newest first without repeating one', async () => {
    const issued = await call('POST', '/v1/uploads/urls', { count: 5, caseId: 'case-paging' });
    const expected = issued.body.uploads.map((u: { attachmentId: string }) => u.attachmentId);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/v1/attachments?caseId=case-paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((a: { attachmentId: string }) => a.attachmentId));
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(seen.sort()).toEqual([...expected].sort());
  });

  it('when the cursor is not one the API gave, then 400 invalid_cursor names it', async () => {
    const response = await call('GET', '/v1/attachments?cursor=bm90LWEtY3Vyc29y');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_cursor', errors: [{ field: 'querystring.cursor' }] });
  });
});

describe('PATCH and DELETE /v1/attachments/{id}', () => {
  it('when an attachment is renamed and re-tagged, then a read after the returned position shows both', async () => {
    const changed = await call('PATCH', `/v1/attachments/${photo.attachmentId}`, {
      fileName: 'knee x-ray, left.png',
      tags: ['x-ray', 'left-knee'],
    });

    expect(changed.status).toBe(202);
    const read = await call('GET', `/v1/attachments/${photo.attachmentId}?after=${changed.body.position}&wait=5000`);
    expect(read.body).toMatchObject({
      fileName: 'knee x-ray, left.png',
      tags: ['x-ray', 'left-knee'],
      status: 'uploaded',
    });
  });

  it('when an attachment is deleted, then its object is gone from the bucket, reading it at once is 410 Gone, the listing keeps its record, and it cannot be downloaded', async () => {
    const doomed = await uploaded({ name: 'wrong-patient.png', contentType: 'image/png' });
    const before = await call('GET', `/v1/attachments/${doomed.attachmentId}`);

    const deleted = await call('DELETE', `/v1/attachments/${doomed.attachmentId}`);

    expect(deleted.status).toBe(202);
    // No `?after=`: the DELETE answered once the read model had it.
    const read = await call('GET', `/v1/attachments/${doomed.attachmentId}`);
    expect(read.status).toBe(410);
    expect(read.body).toMatchObject({ code: 'deleted' });
    expect(JSON.stringify(read.body)).not.toContain('wrong-patient');
    const listed = await call('GET', `/v1/attachments?status=deleted`);
    expect(listed.body.items.map((a: { attachmentId: string }) => a.attachmentId)).toContain(doomed.attachmentId);
    await expect(
      flow.aws.s3.send(
        new HeadObjectCommand({
          Bucket: flow.config.uploads.bucket,
          Key: doomed.objectKey,
          VersionId: before.body.versionId ?? undefined,
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await call('GET', `/v1/attachments/${doomed.attachmentId}/download`)).body).toMatchObject({
      status: 410,
      code: 'deleted',
    });
    expect((await call('POST', `/v1/uploads/${doomed.attachmentId}/abort`)).body).toMatchObject({
      status: 410,
      code: 'deleted',
    });
    expect((await call('DELETE', `/v1/attachments/${doomed.attachmentId}`)).status).toBe(410);
    expect(
      (await call('PATCH', `/v1/attachments/${doomed.attachmentId}`, { fileName: 'right-patient.png' })).body,
    ).toMatchObject({ status: 410, code: 'deleted' });
  });
});

describe('another organization', () => {
  it('when another organization probes every attachment route, then each is 404 and nothing changes', async () => {
    const id = photo.attachmentId;
    const probes = [
      call('GET', `/v1/attachments/${id}`, undefined, OTHER),
      call('GET', `/v1/attachments/${id}/download`, undefined, OTHER),
      call('PATCH', `/v1/attachments/${id}`, { tags: ['stolen'] }, OTHER),
      call('DELETE', `/v1/attachments/${id}`, undefined, OTHER),
      call('POST', `/v1/uploads/${id}/complete`, { parts: [{ partNumber: 1, etag: 'x' }] }, OTHER),
      call('POST', `/v1/uploads/${id}/abort`, undefined, OTHER),
    ];

    for (const probe of await Promise.all(probes)) expect(probe.status).toBe(404);
    const list = await call('GET', '/v1/attachments?caseId=case-knee', undefined, OTHER);
    expect(list.body.items).toEqual([]);
    const mine = await call('GET', `/v1/attachments/${id}`);
    expect(mine.body.status).toBe('uploaded');
    expect(mine.body.tags).not.toContain('stolen');
  });
});

describe('an expired URL', () => {
  let shortLived: UploadsFlow;
  beforeAll(async () => {
    shortLived = await startUploadsFlow(backbone, { UPLOADS_URL_TTL_SECONDS: '1' });
  });
  afterAll(async () => {
    await shortLived?.stop();
  });

  it('when a URL has expired, then the attachment reads as expired, and a file that still lands through it is rejected as expired', async () => {
    const issued = await shortLived.app.inject({
      method: 'POST',
      url: '/v1/uploads/urls',
      headers: await auth(),
      payload: { count: 1 },
    });
    const [upload] = issued.json().uploads;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const read = async () =>
      (await shortLived.app.inject({ url: `/v1/attachments/${upload.attachmentId}`, headers: await auth() })).json();
    expect((await read()).status).toBe('expired');

    // Real S3 refuses an expired URL with 403; moto does not check expiry, so the bridge is what refuses here.
    await fetch(upload.put.url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: 'late' });

    await eventually(
      async () => expect(await read()).toMatchObject({ status: 'rejected', rejection: { reason: 'expired' } }),
      {
        timeoutMs: 20_000,
      },
    );
  });
});
