import {
  CreateBucketCommand,
  DeleteBucketReplicationCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OperatorError } from '../errors.ts';
import {
  BUCKET_SETTINGS,
  type BucketSettingName,
  type BucketSettings,
  type BucketSettingValues,
} from './bucket-settings.ts';

type Reader<K extends BucketSettingName> = (
  s3: S3Client,
  Bucket: string,
) => Promise<BucketSettingValues[K] | undefined>;
type Writer<K extends BucketSettingName> = (
  s3: S3Client,
  Bucket: string,
  value: BucketSettingValues[K] | undefined,
) => Promise<void>;

/** Runs a read whose "not configured" answer is an error with one of these names; that answer is undefined. */
async function unlessMissing<T>(read: () => Promise<T>, ...missing: string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (missing.includes((error as { name?: string }).name ?? '')) return undefined;
    throw error;
  }
}

const READERS: { readonly [K in BucketSettingName]: Reader<K> } = {
  'public-access-block': (s3, Bucket) =>
    unlessMissing(
      async () =>
        (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration ?? undefined,
      'NoSuchPublicAccessBlockConfiguration',
    ),
  encryption: (s3, Bucket) =>
    unlessMissing(
      async () =>
        (await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules ??
        undefined,
      'ServerSideEncryptionConfigurationNotFoundError',
    ),
  versioning: async (s3, Bucket) => (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status,
  replication: (s3, Bucket) =>
    unlessMissing(
      async () => (await s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration,
      'ReplicationConfigurationNotFoundError',
    ),
  cors: (s3, Bucket) =>
    unlessMissing(
      async () => (await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules,
      'NoSuchCORSConfiguration',
    ),
  lifecycle: (s3, Bucket) =>
    unlessMissing(
      async () => (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules,
      'NoSuchLifecycleConfiguration',
    ),
  notification: async (s3, Bucket) => {
    const { $metadata: _metadata, ...configuration } = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket }),
    );
    return configuration;
  },
};

const WRITERS: { readonly [K in BucketSettingName]: Writer<K> } = {
  'public-access-block': async (s3, Bucket, value) =>
    void (await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: value }))),
  encryption: async (s3, Bucket, value) =>
    void (await s3.send(
      new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [...(value ?? [])] } }),
    )),
  versioning: async (s3, Bucket, value) =>
    void (await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: value } }))),
  replication: async (s3, Bucket, value) => {
    if (value) await s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: value }));
    else await s3.send(new DeleteBucketReplicationCommand({ Bucket }));
  },
  cors: async (s3, Bucket, value) =>
    void (await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [...(value ?? [])] } }))),
  lifecycle: async (s3, Bucket, value) =>
    void (await s3.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [...(value ?? [])] } }),
    )),
  notification: async (s3, Bucket, value) =>
    void (await s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: value ?? {} }),
    )),
};

/** Every setting of the bucket as S3 reports it, or undefined when the bucket does not exist. */
export async function readBucket(s3: S3Client, bucket: string): Promise<BucketSettings | undefined> {
  if (!(await bucketExists(s3, bucket))) return undefined;
  const values = await Promise.all(BUCKET_SETTINGS.map((setting) => READERS[setting](s3, bucket)));
  return Object.fromEntries([['bucket', bucket], ...BUCKET_SETTINGS.map((setting, i) => [setting, values[i]])]);
}

/** Makes one setting of the bucket what `settings` says (undefined removes it; only replication can be). */
export async function writeSetting(s3: S3Client, setting: BucketSettingName, settings: BucketSettings): Promise<void> {
  await (WRITERS[setting] as Writer<BucketSettingName>)(s3, settings.bucket, settings[setting]);
}

/** Creates the bucket; false when it existed already (a concurrent creation by this account). */
export async function createBucket(s3: S3Client, bucket: string): Promise<boolean> {
  const region = await s3.config.region();
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that rejects an explicit location constraint.
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'BucketAlreadyOwnedByYou') return false;
    if (name === 'BucketAlreadyExists')
      throw new OperatorError(
        `the upload bucket name '${bucket}' is taken by another AWS account; choose another UPLOADS_BUCKET or UPLOADS_BUCKET_TEMPLATE`,
        { cause: error },
      );
    if (name === 'InvalidBucketName')
      throw new OperatorError(`'${bucket}' is not a valid S3 bucket name`, { cause: error });
    throw error;
  }
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403)
      throw new OperatorError(
        `the upload bucket '${bucket}' exists but these credentials may not use it (another account's bucket, or a missing permission)`,
        { cause: error },
      );
    throw error;
  }
}
