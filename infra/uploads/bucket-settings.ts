import type {
  BucketVersioningStatus,
  CORSRule,
  LifecycleRule,
  NotificationConfiguration,
  PublicAccessBlockConfiguration,
  ReplicationConfiguration,
  ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import type { UploadSettings } from '../config/shape.ts';
import { OperatorError } from '../errors.ts';
import { normalForm, normalPolicy } from './bucket-normal-form.ts';
import { UPLOAD_PREFIX } from './layout.ts';

/**
 * The settings of an upload bucket (seed 000, "Storage backups"), in the order they are applied:
 * versioning comes before replication, which S3 refuses on an unversioned bucket.
 */
export const BUCKET_SETTINGS = [
  'public-access-block',
  'encryption',
  'versioning',
  'replication',
  'cors',
  'lifecycle',
  'notification',
] as const;
export type BucketSettingName = (typeof BUCKET_SETTINGS)[number];

/** What each setting holds, as the S3 API writes and reads it. */
export interface BucketSettingValues {
  readonly 'public-access-block': PublicAccessBlockConfiguration;
  readonly encryption: readonly ServerSideEncryptionRule[];
  readonly versioning: BucketVersioningStatus;
  readonly replication: ReplicationConfiguration;
  readonly cors: readonly CORSRule[];
  readonly lifecycle: readonly LifecycleRule[];
  readonly notification: NotificationConfiguration;
}

/** A bucket's settings; `undefined` is a setting the bucket does not have (or must not have). */
export type BucketSettings = { readonly bucket: string } & {
  readonly [K in BucketSettingName]: BucketSettingValues[K] | undefined;
};

/** One way a bucket (or the queue) differs from what the configuration intends. */
export interface Drift {
  /** The bucket; for the queue's own entries, the queue's name. */
  readonly bucket: string;
  readonly setting: string;
  readonly expected: string;
  readonly actual: string;
}

export const ABORT_INCOMPLETE_RULE_ID = 'tributary-abort-incomplete-uploads';
export const REPLICATION_RULE_ID = 'tributary-backup';
export const NOTIFICATION_ID = 'tributary-upload-created';
/** The headers a browser sends with a pre-signed PUT: its type, checksums, and signed x-amz-* ones. */
const CORS_ALLOWED_HEADERS = ['content-type', 'content-md5', 'content-disposition', 'x-amz-*'];

/** What an upload bucket should look like; `queueArn` receives its object-created notifications. */
export function intendedBucketSettings(bucket: string, settings: UploadSettings, queueArn: string): BucketSettings {
  const replication = settings.replication;
  if (replication && settings.kmsKeyId && !replication.kmsKeyArn)
    // S3 skips SSE-KMS objects unless the rule names a key for the replicas: nothing would be backed up.
    throw new OperatorError(
      'UPLOADS_KMS_KEY_ID encrypts uploads with KMS, and S3 replicates such objects only with a key for the replicas: set UPLOADS_REPLICATION_KMS_KEY_ARN',
    );
  return {
    bucket,
    'public-access-block': {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    },
    encryption: [
      {
        ApplyServerSideEncryptionByDefault: settings.kmsKeyId
          ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: settings.kmsKeyId }
          : { SSEAlgorithm: 'AES256' },
      },
    ],
    versioning: 'Enabled',
    replication: replication && {
      Role: replication.roleArn,
      Rules: [
        {
          ID: REPLICATION_RULE_ID,
          Priority: 0,
          Status: 'Enabled',
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          Destination: {
            Bucket: replication.bucketArn,
            StorageClass: replication.storageClass,
            ...(replication.kmsKeyArn ? { EncryptionConfiguration: { ReplicaKmsKeyID: replication.kmsKeyArn } } : {}),
          },
          ...(replication.kmsKeyArn
            ? { SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } } }
            : {}),
        },
      ],
    },
    cors: [
      {
        AllowedMethods: ['PUT'],
        AllowedOrigins: [...settings.corsOrigins],
        AllowedHeaders: CORS_ALLOWED_HEADERS,
        // Multipart uploads read each part's ETag to complete the upload.
        ExposeHeaders: ['ETag'],
      },
    ],
    // No expiry of noncurrent versions: versioning is there to keep data.
    lifecycle: [
      {
        ID: ABORT_INCOMPLETE_RULE_ID,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: settings.abortIncompleteDays },
      },
    ],
    notification: {
      QueueConfigurations: [
        {
          Id: NOTIFICATION_ID,
          QueueArn: queueArn,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: UPLOAD_PREFIX }] } },
        },
      ],
    },
  };
}

/** Every setting that differs, compared in a normal form (S3 reorders lists and fills in defaults). */
export function compare(intended: BucketSettings, actual: BucketSettings): Drift[] {
  const drift: Drift[] = [];
  for (const setting of BUCKET_SETTINGS) {
    const expected = describeSetting(setting, intended);
    const found = describeSetting(setting, actual);
    if (expected !== found) drift.push({ bucket: intended.bucket, setting, expected, actual: found });
  }
  return drift;
}

/** One setting in its normal form, readable by an operator; `none` when the bucket lacks it. */
export function describeSetting(setting: BucketSettingName, settings: BucketSettings): string {
  const value = settings[setting];
  return value === undefined ? 'none' : normalForm(setting, value);
}

/**
 * The policy the queue needs so that the upload buckets (and nothing else) may send to it. Bucket
 * names are global, so a bucket of another account could match the pattern: the account is pinned
 * too (the queue's own, which creates the buckets).
 */
export function intendedQueuePolicy(queueArn: string, bucketArnPattern: string): object {
  const account = queueArn.split(':')[4] ?? '';
  return {
    Version: '2012-10-17',
    Id: 'tributary-upload-notifications',
    Statement: [
      {
        Sid: 'upload-buckets-send',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: {
          ArnLike: { 'aws:SourceArn': bucketArnPattern },
          StringEquals: { 'aws:SourceAccount': account },
        },
      },
    ],
  };
}

/** The queue policy's drift: `actual` is the policy document as SQS returns it, if any. */
export function compareQueuePolicy(queue: string, intended: object, actual: string | undefined): Drift[] {
  const expected = normalPolicy(intended);
  let found = 'none';
  if (actual !== undefined) {
    try {
      found = normalPolicy(JSON.parse(actual) as unknown);
    } catch {
      found = actual;
    }
  }
  return expected === found ? [] : [{ bucket: queue, setting: 'queue-policy', expected, actual: found }];
}
