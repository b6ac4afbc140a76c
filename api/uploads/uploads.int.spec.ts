import { randomUUID } from 'node:crypto';
import { HeadBucketCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startUploadsFlow, type UploadsFlow } from '../../test/support/uploads.ts';
import { connect, notificationsOf } from '../realtime/realtime.spec-support.ts';

const SCOPES = ['uploads:write', 'attachments:read', 'realtime:subscribe'];
const ORG = 'org-up';

let backbone: Backbone;
let flow: UploadsFlow;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  flow = await startUploadsFlow(backbone, {
    UPLOADS_MAX_SIZE_BYTES: String(6 * 1024 * 1024),
    UPLOADS_MULTIPART_THRESHOLD_BYTES: String(5 * 1024 * 1024),
    UPLOADS_MULTIPART_PART_BYTES: String(5 * 1024 * 1024),
  });
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

const auth = (organizationId = ORG) => bearer(backbone, { organizationId, scopes: SCOPES });

async function requestUrls(body: object, organizationId = ORG) {
  return flow.app.inject({
    method: 'POST',
    url: '/v1/uploads/urls',
    headers: await auth(organizationId),
    payload: body,
  });
}

async function attachment(attachmentId: string, organizationId = ORG) {
  const response = await flow.app.inject({
    url: `/v1/attachments/${attachmentId}`,
    headers: await auth(organizationId),
  });
  return { status: response.statusCode, body: response.json() };
}

const settledAs = (attachmentId: string, status: string) =>
  eventually(
    async () => {
      const { body } = await attachment(attachmentId);
      expect(body.status).toBe(status);
      return body;
    },
    { timeoutMs: 20_000 },
  );

async function uploadOne(
  file: { name: string; contentType: string; body: Uint8Array<ArrayBuffer> },
  extra: object = {},
) {
  const issued = await requestUrls({
    files: [{ name: file.name, contentType: file.contentType, sizeBytes: file.body.length }],
    ...extra,
  });
  expect(issued.statusCode, issued.body).toBe(201);
  const [upload] = issued.json().uploads;
  const put = await fetch(upload.put.url, { method: 'PUT', headers: upload.put.headers, body: file.body });
  expect(put.status, await put.clone().text()).toBe(200);
  return { upload, position: issued.json().position as string, etag: put.headers.get('etag') };
}

describe('POST /v1/uploads/urls', () => {
  it('when a client asks without saying how many, then it gets 20 blank URLs that expire in minutes, the refill threshold, and its bucket exists', async () => {
    const response = await requestUrls({});

    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.uploads).toHaveLength(20);
    expect(body.refillBelow).toBe(5);
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(flow.config.uploads.urlTtlSeconds * 1000);
    for (const upload of body.uploads) {
      expect(upload.put.url).toContain(encodeURIComponent(upload.objectKey).replaceAll('%2F', '/'));
      expect(upload.contentType).toBeNull();
      expect(upload.maxSizeBytes).toBe(flow.config.uploads.maxSizeBytes);
    }
    expect(new Set(body.uploads.map((u: { attachmentId: string }) => u.attachmentId)).size).toBe(20);
    await flow.aws.s3.send(new HeadBucketCommand({ Bucket: flow.config.uploads.bucket }));
  });

  it('when the URLs are issued, then each attachment is on record as generated before any file lands', async () => {
    const response = await requestUrls({ count: 2, caseId: 'case-7' });
    const { uploads, position } = response.json();

    const listed = await flow.app.inject({
      url: `/v1/attachments?caseId=case-7&after=${position}&wait=5000`,
      headers: await auth(),
    });

    expect(listed.statusCode).toBe(200);
    expect(
      listed
        .json()
        .items.map((a: { attachmentId: string; status: string }) => [a.attachmentId, a.status])
        .sort(),
    ).toEqual(uploads.map((u: { attachmentId: string }) => [u.attachmentId, 'generated']).sort());
  });

  it('when more URLs are asked for than one request may have, then 400 too_many_urls says the limit', async () => {
    const response = await requestUrls({ count: flow.config.uploads.urlMaxBatch + 1 });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'too_many_urls', errors: [{ field: 'body.count' }] });
  });

  it('when a declared file has a type not allowed or is too large, then 400 names the file and the rule, and no URL is issued', async () => {
    const wrongType = await requestUrls({
      files: [
        { name: 'ok.png', contentType: 'image/png', sizeBytes: 10 },
        { name: 'setup.exe', contentType: 'application/x-msdownload', sizeBytes: 10 },
      ],
    });
    const tooLarge = await requestUrls({
      files: [{ name: 'huge.mp4', contentType: 'video/mp4', sizeBytes: flow.config.uploads.maxSizeBytes + 1 }],
    });

    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({
      code: 'content_type_not_allowed',
      errors: [{ field: 'body.files[1].contentType' }],
    });
    expect(tooLarge.statusCode).toBe(400);
    expect(tooLarge.json()).toMatchObject({ code: 'too_large', errors: [{ field: 'body.files[0].sizeBytes' }] });
  });
});

describe('an upload, from URL to uploaded', () => {
  it('when a file is PUT with plain fetch, then the attachment becomes uploaded with S3’s size and checksum, and the websocket says so', async () => {
    const token = (await auth()).authorization.slice('Bearer '.length);
    const client = await connect(`${flow.baseUrl.replace(/^http/, 'ws')}/v1/realtime`, [
      'tributary.v1',
      `bearer.${token}`,
    ]);
    client.send({ type: 'subscribe', topics: ['attachment_uploaded'] });
    await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));
    const body = new TextEncoder().encode('a photo of the wound, day 3');

    const { upload, etag } = await uploadOne({ name: 'wound-day-3.png', contentType: 'image/png', body });

    const uploaded = await settledAs(upload.attachmentId, 'uploaded');
    expect(uploaded).toMatchObject({
      fileName: 'wound-day-3.png',
      contentType: 'image/png',
      sizeBytes: body.length,
      checksum: etag?.replace(/"/g, ''),
    });
    await client.waitFor((messages) =>
      notificationsOf({ received: messages }).some(
        (n) =>
          n.topic === 'attachment_uploaded' &&
          (n.filters as Record<string, string>)?.attachmentId === upload.attachmentId,
      ),
    );
    client.socket.close();
  });

  it('when S3 delivers the same notification twice, then nothing changes', async () => {
    const body = new TextEncoder().encode('scanned referral');
    const { upload } = await uploadOne({ name: 'referral.txt', contentType: 'text/plain', body });
    const first = await settledAs(upload.attachmentId, 'uploaded');
    const head = await flow.aws.s3.send(
      new HeadObjectCommand({ Bucket: flow.config.uploads.bucket, Key: upload.objectKey }),
    );
    const queueUrl = await flow.buckets.queueUrl();

    await flow.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          Records: [
            {
              eventName: 'ObjectCreated:Put',
              eventTime: first.uploadedAt,
              s3: {
                bucket: { name: flow.config.uploads.bucket },
                object: { key: upload.objectKey, size: body.length, eTag: head.ETag, versionId: head.VersionId },
              },
            },
          ],
        }),
      }),
    );
    await eventually(async () => {
      const { Attributes } = await flow.aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(Attributes).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    });

    expect((await attachment(upload.attachmentId)).body).toEqual(first);
  });

  it('when the attachment is downloaded, then the API redirects to a short pre-signed GET that returns the file under its name', async () => {
    const body = new TextEncoder().encode('lab results: all within range');
    const { upload } = await uploadOne({ name: 'lab results.txt', contentType: 'text/plain', body });
    await settledAs(upload.attachmentId, 'uploaded');

    const response = await flow.app.inject({
      url: `/v1/attachments/${upload.attachmentId}/download`,
      headers: await auth(),
    });

    expect(response.statusCode).toBe(302);
    const location = new URL(response.headers.location as string);
    expect(Number(location.searchParams.get('X-Amz-Expires'))).toBe(flow.config.uploads.downloadTtlSeconds);
    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(body);
    expect(download.headers.get('content-disposition')).toContain('lab results.txt');
  });
});

describe('uploads that break the rules', () => {
  it('when a file larger than allowed lands on a blank URL, then it is rejected as too_large and moved to quarantine', async () => {
    const { uploads } = (await requestUrls({ count: 1 })).json();
    const [upload] = uploads;
    const body = new Uint8Array(flow.config.uploads.maxSizeBytes + 1);

    const put = await fetch(upload.put.url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body });

    // moto does not check signatures or sizes; real S3 has no size bound on a blank URL either: the bridge holds it to the limit.
    expect(put.status).toBe(200);
    const rejected = await settledAs(upload.attachmentId, 'rejected');
    expect(rejected.rejection).toMatchObject({ reason: 'too_large' });
    await expectQuarantined(upload.objectKey);
  });

  it('when a file of another type lands on a URL bound to a type, then it is rejected as content_type_not_allowed', async () => {
    const issued = await requestUrls({ files: [{ name: 'scan.pdf', contentType: 'application/pdf', sizeBytes: 4 }] });
    const [upload] = issued.json().uploads;
    expect(new URL(upload.put.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');

    // Real S3 refuses this PUT itself (the content type is signed); moto does not check signatures.
    await fetch(upload.put.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'html' });

    const rejected = await settledAs(upload.attachmentId, 'rejected');
    expect(rejected.rejection).toMatchObject({ reason: 'content_type_not_allowed' });
    await expectQuarantined(upload.objectKey);
  });

  it('when an object lands under a key nobody requested, then it is rejected as unknown_key and quarantined', async () => {
    const attachmentId = randomUUID();
    const key = `uploads/${ORG}/${attachmentId}`;
    const token = (await auth()).authorization.slice('Bearer '.length);
    const client = await connect(`${flow.baseUrl.replace(/^http/, 'ws')}/v1/realtime`, [
      'tributary.v1',
      `bearer.${token}`,
    ]);
    client.send({ type: 'subscribe', topics: ['attachment_rejected'], filters: { attachmentId: [attachmentId] } });
    await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));

    await flow.aws.s3.send(
      new PutObjectCommand({ Bucket: flow.config.uploads.bucket, Key: key, Body: 'who sent this?' }),
    );

    await client.waitFor((messages) => notificationsOf({ received: messages }).length > 0, 30_000);
    expect(notificationsOf(client).at(0)!.data).toMatchObject({ attachmentId, reason: 'unknown_key' });
    await expectQuarantined(key);
    expect((await attachment(attachmentId)).status).toBe(404);
    client.socket.close();
  });
});

describe('multipart uploads', () => {
  it('when a file above the threshold is declared, then it gets one URL per part, and completing them makes it uploaded', async () => {
    const size = 6 * 1024 * 1024;
    const issued = await requestUrls({
      files: [{ name: 'consultation.mp4', contentType: 'video/mp4', sizeBytes: size }],
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const [upload] = issued.json().uploads;
    expect(upload.put).toBeUndefined();
    expect(upload.multipart.parts).toHaveLength(2);
    const file = new Uint8Array(size).map((_, i) => i % 251);

    const parts = [];
    for (const part of upload.multipart.parts) {
      const start = (part.partNumber - 1) * upload.multipart.partSizeBytes;
      const put = await fetch(part.url, {
        method: 'PUT',
        body: file.subarray(start, start + upload.multipart.partSizeBytes),
      });
      expect(put.status).toBe(200);
      parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
    }
    const completed = await flow.app.inject({
      method: 'POST',
      url: upload.multipart.complete,
      headers: await auth(),
      payload: { parts },
    });

    expect(completed.statusCode, completed.body).toBe(202);
    const uploaded = await settledAs(upload.attachmentId, 'uploaded');
    expect(uploaded.sizeBytes).toBe(size);
    expect(uploaded.checksum).toMatch(/-2$/);
  });

  it('when a multipart upload is aborted, then the attachment is rejected as aborted, and completing it afterwards is 409', async () => {
    const issued = await requestUrls({
      files: [{ name: 'long-video.mp4', contentType: 'video/mp4', sizeBytes: 6 * 1024 * 1024 }],
    });
    const [upload] = issued.json().uploads;

    const aborted = await flow.app.inject({ method: 'POST', url: upload.multipart.abort, headers: await auth() });

    expect(aborted.statusCode, aborted.body).toBe(202);
    const rejected = await settledAs(upload.attachmentId, 'rejected');
    expect(rejected.rejection).toMatchObject({ reason: 'aborted' });
    const again = await flow.app.inject({
      method: 'POST',
      url: upload.multipart.complete,
      headers: await auth(),
      payload: { parts: [{ partNumber: 1, etag: 'x' }] },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'not_waiting' });
  });
});

async function expectQuarantined(key: string) {
  const bucket = flow.config.uploads.bucket;
  await eventually(async () => {
    await expect(flow.aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
  await flow.aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `quarantine/${key.slice('uploads/'.length)}` }));
  // The offending version itself is gone, not hidden behind a delete marker (moto's notifications carry no version id).
  const versions = await flow.aws.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].filter((v) => v.Key === key)).toEqual([]);
}
