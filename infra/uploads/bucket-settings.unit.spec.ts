import { describe, expect, it } from 'vitest';
import type { UploadSettings } from '../config/shape.ts';
import { OperatorError } from '../errors.ts';
import {
  ABORT_INCOMPLETE_RULE_ID,
  BUCKET_SETTINGS,
  compare,
  compareQueuePolicy,
  intendedBucketSettings,
  intendedQueuePolicy,
  type BucketSettings,
} from './bucket-settings.ts';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:tributary-test-uploads';

const settings: UploadSettings = {
  bucketStrategy: 'shared',
  bucket: 'tributary-test-uploads',
  bucketTemplate: 'tributary-{environment}-uploads-{organization}',
  queue: 'tributary-test-uploads',
  corsOrigins: ['https://b.example', 'https://a.example'],
  abortIncompleteDays: 7,
  urlBatch: 20,
  urlMaxBatch: 100,
  refillThreshold: 5,
  urlTtlSeconds: 900,
  downloadTtlSeconds: 60,
  maxSizeBytes: 2_147_483_648,
  multipartThresholdBytes: 104_857_600,
  multipartPartBytes: 16_777_216,
  allowedContentTypes: ['image/*'],
  rejectedObjects: 'quarantine',
  unknownKeyGraceSeconds: 60,
};

const replication = {
  bucketArn: 'arn:aws:s3:::tributary-test-backup',
  roleArn: 'arn:aws:iam::123456789012:role/replication',
  storageClass: 'GLACIER' as const,
};

const intended = (overrides: Partial<UploadSettings> = {}) =>
  intendedBucketSettings('tributary-test-uploads', { ...settings, ...overrides }, QUEUE_ARN);

const settingsOf = (drift: readonly { setting: string }[]) => drift.map((d) => d.setting);

describe('intendedBucketSettings', () => {
  it('when no KMS key is configured, then every public access block is on, encryption is AES256 and versioning is enabled', () => {
    const bucket = intended();
    expect(bucket['public-access-block']).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.encryption).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
    expect(bucket.versioning).toBe('Enabled');
  });

  it('when a KMS key is configured, then encryption is aws:kms with that key', () => {
    expect(intended({ kmsKeyId: 'alias/uploads' }).encryption).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/uploads' } },
    ]);
  });

  it('when built, then CORS allows only PUT from the configured origins and exposes the ETag', () => {
    expect(intended().cors).toEqual([
      {
        AllowedMethods: ['PUT'],
        AllowedOrigins: ['https://b.example', 'https://a.example'],
        AllowedHeaders: ['content-type', 'content-md5', 'content-disposition', 'x-amz-*'],
        ExposeHeaders: ['ETag'],
      },
    ]);
  });

  it('when built, then the one lifecycle rule aborts incomplete multipart uploads and expires nothing', () => {
    expect(intended({ abortIncompleteDays: 3 }).lifecycle).toEqual([
      {
        ID: ABORT_INCOMPLETE_RULE_ID,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
      },
    ]);
  });

  it('when built, then object-created notifications under uploads/ go to the queue', () => {
    expect(intended().notification?.QueueConfigurations).toEqual([
      expect.objectContaining({
        QueueArn: QUEUE_ARN,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
      }),
    ]);
  });

  it('when replication is not configured, then the bucket is to have none', () => {
    expect(intended().replication).toBeUndefined();
  });

  it('when replication is configured without a replica key, then every object goes to the destination and delete markers do not', () => {
    expect(intended({ replication }).replication).toEqual({
      Role: replication.roleArn,
      Rules: [
        {
          ID: 'tributary-backup',
          Priority: 0,
          Status: 'Enabled',
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          Destination: { Bucket: replication.bucketArn, StorageClass: 'GLACIER' },
        },
      ],
    });
  });

  it('when replication has a replica KMS key, then the replicas use it and SSE-KMS objects are replicated', () => {
    const rule = intended({ kmsKeyId: 'alias/uploads', replication: { ...replication, kmsKeyArn: 'arn:aws:kms:k' } })
      .replication?.Rules?.[0];
    expect(rule?.Destination?.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: 'arn:aws:kms:k' });
    expect(rule?.SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
  });

  it('when uploads are KMS-encrypted and replication has no replica key, then it fails naming the variable, since nothing would replicate', () => {
    expect(() => intended({ kmsKeyId: 'alias/uploads', replication })).toThrow(OperatorError);
    expect(() => intended({ kmsKeyId: 'alias/uploads', replication })).toThrow(/UPLOADS_REPLICATION_KMS_KEY_ARN/);
  });
});

describe('compare', () => {
  const bucket = intended({ replication });
  const with_ = (changes: Partial<BucketSettings>): BucketSettings => ({ ...bucket, ...changes });

  it('when the bucket has exactly the intended settings, then there is no drift', () => {
    expect(compare(bucket, bucket)).toEqual([]);
  });

  it('when the bucket has none of its settings, then every setting is drift, each expected value against none', () => {
    const bare = Object.fromEntries([['bucket', bucket.bucket], ...BUCKET_SETTINGS.map((s) => [s, undefined])]);
    const drift = compare(bucket, bare as BucketSettings);
    expect(settingsOf(drift)).toEqual([...BUCKET_SETTINGS]);
    expect(drift.every((d) => d.actual === 'none' && d.expected !== 'none' && d.bucket === bucket.bucket)).toBe(true);
  });

  it('when S3 answers lists in another order, header names in another case and defaults filled in, then there is no drift', () => {
    const answered = with_({
      cors: [
        {
          ID: 'set-by-s3',
          AllowedMethods: ['PUT'],
          AllowedOrigins: ['https://a.example', 'https://b.example'],
          AllowedHeaders: ['X-Amz-*', 'Content-Disposition', 'Content-MD5', 'Content-Type'],
          ExposeHeaders: ['etag'],
        },
      ],
      encryption: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
      lifecycle: [
        {
          ID: ABORT_INCOMPLETE_RULE_ID,
          Status: 'Enabled',
          Filter: {},
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
      notification: {
        QueueConfigurations: [
          {
            Id: 'another-label',
            QueueArn: QUEUE_ARN,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: 'uploads/' }] } },
          },
        ],
        TopicConfigurations: [],
        LambdaFunctionConfigurations: [],
      },
    });
    expect(compare(bucket, answered)).toEqual([]);
  });

  it('when versioning is suspended, then the drift names versioning with both values', () => {
    expect(compare(bucket, with_({ versioning: 'Suspended' }))).toEqual([
      { bucket: bucket.bucket, setting: 'versioning', expected: 'Enabled', actual: 'Suspended' },
    ]);
  });

  it('when one public access block is off, then the drift shows which', () => {
    const [drift] = compare(
      bucket,
      with_({
        'public-access-block': {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      }),
    );
    expect(drift?.setting).toBe('public-access-block');
    expect(drift?.actual).toContain('BlockPublicPolicy=false');
    expect(drift?.expected).toContain('BlockPublicPolicy=true');
  });

  it('when CORS also allows GET, an origin is missing or the lifecycle expires noncurrent versions, then each is drift', () => {
    const drift = compare(
      bucket,
      with_({
        cors: [{ AllowedMethods: ['PUT', 'GET'], AllowedOrigins: ['https://a.example'], ExposeHeaders: ['ETag'] }],
        lifecycle: [
          ...(bucket.lifecycle ?? []),
          { ID: 'expire', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
        ],
      }),
    );
    expect(settingsOf(drift)).toEqual(['cors', 'lifecycle']);
  });

  it('when the encryption key, the replication storage class or the notification queue differ, then each is drift', () => {
    const rule = bucket.replication!.Rules![0]!;
    const drift = compare(
      bucket,
      with_({
        encryption: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k' } }],
        replication: {
          ...bucket.replication!,
          Rules: [{ ...rule, Destination: { ...rule.Destination!, StorageClass: 'STANDARD' } }],
        },
        notification: { QueueConfigurations: [{ QueueArn: `${QUEUE_ARN}-other`, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    expect(settingsOf(drift)).toEqual(['encryption', 'replication', 'notification']);
    expect(drift[0]).toMatchObject({ expected: 'AES256', actual: 'aws:kms k' });
  });

  it('when replication is not configured but the bucket replicates, then that is drift against none', () => {
    expect(compare(intended(), with_({ bucket: bucket.bucket }))).toEqual([
      expect.objectContaining({ setting: 'replication', expected: 'none' }),
    ]);
  });

  it('when S3 answers replication with its defaults (no source selection, an empty filter), then there is no drift', () => {
    const rule = bucket.replication!.Rules![0]!;
    const answered = with_({
      replication: {
        Role: replication.roleArn,
        Rules: [{ ...rule, Filter: {}, SourceSelectionCriteria: { ReplicaModifications: { Status: 'Disabled' } } }],
      },
    });
    expect(compare(bucket, answered)).toEqual([]);
  });
});

describe('queue policy', () => {
  const pattern = 'arn:aws:s3:::tributary-test-uploads-*';
  const policy = intendedQueuePolicy(QUEUE_ARN, pattern);

  it('when built, then only s3.amazonaws.com may send, to this queue, from buckets of this account matching the pattern', () => {
    expect(policy).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: QUEUE_ARN,
          Condition: {
            ArnLike: { 'aws:SourceArn': pattern },
            StringEquals: { 'aws:SourceAccount': '123456789012' },
          },
        },
      ],
    });
  });

  it('when SQS returns the same policy reformatted, with lists for single values and other Sids, then there is no drift', () => {
    const answered = {
      Statement: [
        {
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': [pattern] },
          },
          Resource: [QUEUE_ARN],
          Action: ['sqs:SendMessage'],
          Principal: { Service: ['s3.amazonaws.com'] },
          Effect: 'Allow',
          Sid: 'renamed',
        },
      ],
      Version: '2012-10-17',
    };
    expect(compareQueuePolicy('q', policy, JSON.stringify(answered, null, 2))).toEqual([]);
  });

  it('when the queue has no policy or one for other buckets, then it is queue-policy drift', () => {
    expect(compareQueuePolicy('q', policy, undefined)).toEqual([
      expect.objectContaining({ bucket: 'q', setting: 'queue-policy', actual: 'none' }),
    ]);
    const other = JSON.stringify(intendedQueuePolicy(QUEUE_ARN, 'arn:aws:s3:::*'));
    expect(settingsOf(compareQueuePolicy('q', policy, other))).toEqual(['queue-policy']);
  });
});
