import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketReplicationCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.ts';
import { quietLogger, testConfig, uniqueName } from '../../test/support/platform.ts';
import { createS3Client, createSqsClient } from '../aws/clients.ts';
import { OperatorError } from '../errors.ts';
import { UploadBuckets } from './bucket-setup.ts';
import { UploadLayout } from './layout.ts';

const CLI = fileURLToPath(new URL('../../bin/tributary', import.meta.url));
const config = await testConfig();
const s3 = createS3Client(config.aws);
const sqs = createSqsClient(config.aws);
const buckets: string[] = [];
const queues: string[] = [];

/** An UploadBuckets over its own bucket and queue names (and any other UPLOADS_* overrides). */
async function setUp(overrides: NodeJS.ProcessEnv = {}) {
  const bucket = uniqueName('uploads-test');
  const queue = uniqueName('uploads-test');
  buckets.push(bucket);
  queues.push(queue);
  const settings = (await testConfig({ UPLOADS_BUCKET: bucket, UPLOADS_QUEUE: queue, ...overrides })).uploads;
  const layout = new UploadLayout(settings, config.environment);
  return { bucket, queue, settings, uploads: new UploadBuckets({ s3, sqs }, settings, layout, quietLogger()) };
}

afterAll(async () => {
  for (const bucket of buckets) await removeBucket(s3, bucket).catch(() => undefined);
  for (const QueueName of queues) {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName })).catch(() => ({ QueueUrl: undefined }));
    if (QueueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  }
  s3.destroy();
  sqs.destroy();
});

describe('UploadBuckets.ensure', () => {
  it('when ensured twice, then the first creates the queue and the bucket with every setting, the second changes nothing, and check finds no drift', async () => {
    const { bucket, uploads } = await setUp();

    const first = await uploads.ensure(bucket);
    expect(first[0]).toBe('bucket');
    expect(first).toEqual(
      expect.arrayContaining(['public-access-block', 'encryption', 'versioning', 'cors', 'lifecycle', 'notification']),
    );
    expect(first).not.toContain('replication');
    expect(await uploads.ensure(bucket)).toEqual([]);
    expect(await uploads.check(bucket)).toEqual([]);
    expect(await uploads.checkQueue()).toEqual([]);
  });

  it('when settings are changed by hand, then check names each of them and ensure puts back exactly those', async () => {
    const { bucket, uploads } = await setUp();
    await uploads.ensure(bucket);

    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));

    const drift = await uploads.check(bucket);
    expect(drift.map((d) => d.setting)).toEqual(['public-access-block', 'versioning', 'cors', 'lifecycle']);
    expect(drift.find((d) => d.setting === 'versioning')).toMatchObject({ expected: 'Enabled', actual: 'Suspended' });
    expect(drift.find((d) => d.setting === 'cors')?.actual).toBe('none');
    expect(drift.find((d) => d.setting === 'public-access-block')?.actual).toContain('BlockPublicPolicy=false');

    expect(await uploads.ensure(bucket)).toEqual(['public-access-block', 'versioning', 'cors', 'lifecycle']);
    expect(await uploads.check(bucket)).toEqual([]);
  });

  it('when the bucket does not exist, then check reports that alone and changes nothing', async () => {
    const { bucket, uploads } = await setUp();
    expect(await uploads.check(bucket)).toEqual([{ bucket, setting: 'bucket', expected: 'exists', actual: 'missing' }]);
    expect(await uploads.check(bucket)).toHaveLength(1);
  });

  it('when replication is configured, then the bucket replicates to the destination; when it is no longer configured, ensure removes it', async () => {
    // moto does not require the destination to exist; real S3 does (versioned), so the test makes one.
    const destination = uniqueName('uploads-backup');
    buckets.push(destination);
    await s3.send(new CreateBucketCommand({ Bucket: destination }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: destination, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const role = 'arn:aws:iam::123456789012:role/tributary-replication';
    const { bucket, queue, uploads } = await setUp({
      UPLOADS_REPLICATION_BUCKET_ARN: `arn:aws:s3:::${destination}`,
      UPLOADS_REPLICATION_ROLE_ARN: role,
      UPLOADS_REPLICATION_STORAGE_CLASS: 'DEEP_ARCHIVE',
    });

    expect(await uploads.ensure(bucket)).toContain('replication');
    const { ReplicationConfiguration } = await s3.send(new GetBucketReplicationCommand({ Bucket: bucket }));
    expect(ReplicationConfiguration?.Role).toBe(role);
    expect(ReplicationConfiguration?.Rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: expect.objectContaining({ Bucket: `arn:aws:s3:::${destination}`, StorageClass: 'DEEP_ARCHIVE' }),
      }),
    ]);
    expect(await uploads.check(bucket)).toEqual([]);
    expect(await uploads.ensure(bucket)).toEqual([]);

    const withoutReplication = (await setUp({ UPLOADS_BUCKET: bucket, UPLOADS_QUEUE: queue })).uploads;
    expect((await withoutReplication.check(bucket)).map((d) => [d.setting, d.expected])).toEqual([
      ['replication', 'none'],
    ]);
    expect(await withoutReplication.ensure(bucket)).toEqual(['replication']);
    await expect(s3.send(new GetBucketReplicationCommand({ Bucket: bucket }))).rejects.toMatchObject({
      name: 'ReplicationConfigurationNotFoundError',
    });
  });

  it('when replication has a replica KMS key, then the destination names it', async () => {
    const { bucket, uploads } = await setUp({
      UPLOADS_REPLICATION_BUCKET_ARN: `arn:aws:s3:::${uniqueName('uploads-backup')}`,
      UPLOADS_REPLICATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/tributary-replication',
      UPLOADS_REPLICATION_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/replicas',
    });
    await uploads.ensure(bucket);
    const { ReplicationConfiguration } = await s3.send(new GetBucketReplicationCommand({ Bucket: bucket }));
    expect(ReplicationConfiguration?.Rules?.[0]?.Destination?.EncryptionConfiguration).toEqual({
      ReplicaKmsKeyID: 'arn:aws:kms:us-east-1:123456789012:key/replicas',
    });
    // Not asserted: that check then finds no drift. moto 5.2.5 drops SourceSelectionCriteria when it
    // answers GetBucketReplication (s3/responses.py get_bucket_replication), so on moto the rule's
    // "SSE-KMS objects replicated" reads back as disabled and check reports replication drift.
  });

  it('when uploads are encrypted with a KMS key, then the bucket default is aws:kms with that key and check agrees', async () => {
    const { bucket, uploads } = await setUp({ UPLOADS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/uploads' });
    await uploads.ensure(bucket);
    expect(await uploads.check(bucket)).toEqual([]);
  });

  it('when the configuration cannot be applied, then ensureOnce fails saying what to set, creates no bucket, and the next call tries again', async () => {
    const { bucket, uploads } = await setUp({
      UPLOADS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/uploads',
      UPLOADS_REPLICATION_BUCKET_ARN: 'arn:aws:s3:::tributary-backup',
      UPLOADS_REPLICATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/tributary-replication',
    });
    const first = uploads.ensureOnce(bucket);
    await expect(first).rejects.toThrow(OperatorError);
    await expect(first).rejects.toThrow(/UPLOADS_REPLICATION_KMS_KEY_ARN/);
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    const second = uploads.ensureOnce(bucket);
    expect(second).not.toBe(first);
    await expect(second).rejects.toThrow(OperatorError);
  });

  it('when ensureOnce is called again for a bucket, then it shares the first call and the bucket is set up', async () => {
    const { bucket, uploads } = await setUp();
    const first = uploads.ensureOnce(bucket);
    expect(uploads.ensureOnce(bucket)).toBe(first);
    await first;
    expect(uploads.ensureOnce(bucket)).toBe(first);
    expect(await uploads.check(bucket)).toEqual([]);
  });

  it('when a bucket is not one of the configuration, then ensure refuses it, since the queue policy would not let it send', async () => {
    const { uploads } = await setUp();
    await expect(uploads.ensure(uniqueName('uploads-test'))).rejects.toThrow(/is not an upload bucket/);
  });
});

describe('UploadBuckets queue and notifications', () => {
  it('when the queue exists without a policy, then ensureQueue sets one letting only the upload buckets send, once', async () => {
    const { queue, uploads } = await setUp({
      UPLOADS_BUCKET_STRATEGY: 'per-organization',
      UPLOADS_BUCKET_TEMPLATE: 'tributary-{environment}-policy-test-{organization}',
    });
    await sqs.send(new CreateQueueCommand({ QueueName: queue }));
    expect(await uploads.checkQueue()).toEqual([expect.objectContaining({ setting: 'queue-policy', actual: 'none' })]);

    const first = await uploads.ensureQueue();
    expect(first).toMatchObject({ created: false, policyChanged: true });
    expect(first.arn).toMatch(new RegExp(`:${queue}$`));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: first.url, AttributeNames: ['Policy'] }),
    );
    expect(JSON.parse(Attributes?.Policy ?? '{}')).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: first.arn,
          Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:::tributary-${config.environment}-policy-test-*` } },
        },
      ],
    });
    expect(await uploads.ensureQueue()).toMatchObject({ created: false, policyChanged: false });
    expect(await uploads.queueUrl()).toBe(first.url);
  });

  it('when the queue does not exist, then queueUrl says to run buckets ensure', async () => {
    const { uploads } = await setUp();
    await expect(uploads.queueUrl()).rejects.toThrow(/does not exist; run 'tributary buckets ensure'/);
  });

  it('when an object is put under uploads/, then the queue receives object-created for it; one under quarantine/ sends nothing', async () => {
    const { bucket, uploads } = await setUp();
    await uploads.ensure(bucket);
    const queueUrl = await uploads.queueUrl();
    const uploaded = `uploads/org-1/${crypto.randomUUID()}`;
    const quarantined = `quarantine/org-1/${crypto.randomUUID()}`;

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: quarantined, Body: 'held' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: uploaded, Body: 'hello', ContentType: 'text/plain' }));

    const received: { eventName: string; key: string }[] = [];
    await eventually(
      async () => {
        received.push(...(await receiveRecords(sqs, queueUrl)));
        expect(received.map((r) => r.key)).toContain(uploaded);
      },
      { timeoutMs: 10_000 },
    );
    // Drain what else is there: still nothing for the quarantined object.
    received.push(...(await receiveRecords(sqs, queueUrl)));
    expect(received.filter((r) => r.key === uploaded).map((r) => r.eventName)).toEqual(['ObjectCreated:Put']);
    expect(received.map((r) => r.key)).not.toContain(quarantined);
  });
});

describe('tributary buckets ensure', () => {
  it('when run with --check before and after ensure, then it exits 2 on drift and 0 with "no drift" once ensured', async () => {
    const bucket = uniqueName('uploads-test');
    const queue = uniqueName('uploads-test');
    buckets.push(bucket);
    queues.push(queue);
    const env = { UPLOADS_BUCKET: bucket, UPLOADS_QUEUE: queue };

    const before = await run(['buckets', 'ensure', '--check'], env);
    expect(before.code).toBe(2);
    expect(before.stdout).toContain(`bucket ${bucket}`);
    expect(before.stdout).toMatch(/queue\s+exists\s+missing/);

    const ensured = await run(['buckets', 'ensure', '--json'], env);
    expect(ensured.code).toBe(0);
    expect(JSON.parse(ensured.stdout)).toMatchObject({
      queue: { name: queue, created: true, changed: ['queue', 'queue-policy'] },
      buckets: [{ bucket, changed: expect.arrayContaining(['bucket', 'notification']) }],
    });

    const after = await run(['buckets', 'ensure', '--check'], env);
    expect(after).toMatchObject({ code: 0 });
    expect(after.stdout).toMatch(/^no drift/);
  });
});

/** The S3 records in the queue now (moto's s3:TestEvent, sent when a notification is set, has none). */
async function receiveRecords(sqs: SQSClient, queueUrl: string): Promise<{ eventName: string; key: string }[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (Messages ?? []).flatMap((message) => {
    const body = JSON.parse(message.Body ?? '{}') as {
      Records?: { eventName: string; s3: { object: { key: string } } }[];
    };
    return (body.Records ?? []).map((r) => ({ eventName: r.eventName, key: decodeURIComponent(r.s3.object.key) }));
  });
}

/** Runs the CLI to its end, as a user would. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, { env: { ...process.env, LOG_FORMAT: 'json', ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  const { Versions = [], DeleteMarkers = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  for (const { Key, VersionId } of [...Versions, ...DeleteMarkers])
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key, VersionId }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
