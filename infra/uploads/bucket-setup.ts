import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { UploadSettings } from '../config/shape.ts';
import { OperatorError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import {
  BUCKET_SETTINGS,
  compare,
  compareQueuePolicy,
  intendedBucketSettings,
  intendedQueuePolicy,
  type Drift,
} from './bucket-settings.ts';
import { createBucket, readBucket, writeSetting } from './bucket-state.ts';
import type { UploadLayout } from './layout.ts';
import { createQueue, findQueue, setQueuePolicy } from '../aws/queue.ts';

export interface UploadQueue {
  readonly url: string;
  readonly arn: string;
  readonly created: boolean;
  /** Whether its policy was (re)written. */
  readonly policyChanged: boolean;
}

/**
 * Sets up the upload buckets and their notification queue as seed 000 does, idempotently: each
 * setting is read first and written only when it differs from the configuration, so a second run
 * changes nothing, and `check` reports the difference without changing anything.
 */
export class UploadBuckets {
  private readonly ensured = new Map<string, Promise<void>>();
  private queueReady: Promise<UploadQueue> | undefined;

  constructor(
    private readonly clients: { readonly s3: S3Client; readonly sqs: SQSClient },
    private readonly settings: UploadSettings,
    private readonly layout: UploadLayout,
    private readonly logger?: Logger,
  ) {}

  /** Creates the queue when missing and gives it the policy that lets the upload buckets send to it. */
  ensureQueue(): Promise<UploadQueue> {
    const ready = this.applyQueue();
    this.queueReady = ready;
    ready.catch(() => {
      if (this.queueReady === ready) this.queueReady = undefined;
    });
    return ready;
  }

  /**
   * Creates the bucket when missing and applies every setting that differs from the intended one;
   * returns what it changed (`bucket` first when it created it), nothing on a second run.
   */
  async ensure(bucket: string): Promise<readonly string[]> {
    this.assertUploadBucket(bucket);
    const queue = await (this.queueReady ?? this.ensureQueue());
    // Before anything is created: a configuration that cannot be applied fails here.
    const intended = intendedBucketSettings(bucket, this.settings, queue.arn);
    const changed: string[] = [];
    let actual = await readBucket(this.clients.s3, bucket);
    if (!actual) {
      if (await createBucket(this.clients.s3, bucket)) changed.push('bucket');
      // Read again: S3 now gives new buckets some settings (public access blocks, AES256) already.
      actual = await readBucket(this.clients.s3, bucket);
      if (!actual) throw new Error(`bucket ${bucket} was created but cannot be found`);
    }
    const differing = new Set(compare(intended, actual).map((d) => d.setting));
    for (const setting of BUCKET_SETTINGS) {
      if (!differing.has(setting)) continue;
      await writeSetting(this.clients.s3, setting, intended);
      changed.push(setting);
    }
    if (changed.length > 0) this.logger?.info({ bucket, changed }, 'upload bucket set up');
    return changed;
  }

  /**
   * `ensure`, once per bucket and process: the first URL request for a bucket does the work, the
   * others wait for it or pass straight through. A failure is forgotten, so the next request retries.
   */
  ensureOnce(bucket: string): Promise<void> {
    let done = this.ensured.get(bucket);
    if (!done) {
      const started = this.ensure(bucket).then(() => undefined);
      started.catch(() => {
        if (this.ensured.get(bucket) === started) this.ensured.delete(bucket);
      });
      this.ensured.set(bucket, started);
      done = started;
    }
    return done;
  }

  /** How the bucket differs from the configuration, changing nothing; a missing bucket is one entry. */
  async check(bucket: string): Promise<Drift[]> {
    this.assertUploadBucket(bucket);
    const queue = await findQueue(this.clients.sqs, this.settings.queue);
    const actual = await readBucket(this.clients.s3, bucket);
    if (!actual) return [{ bucket, setting: 'bucket', expected: 'exists', actual: 'missing' }];
    // Without the queue there is no ARN to expect; the notification then shows as drift by name.
    const queueArn = queue?.arn ?? `(missing SQS queue ${this.settings.queue})`;
    return compare(intendedBucketSettings(bucket, this.settings, queueArn), actual);
  }

  /** How the queue differs from the configuration: missing, or another policy. */
  async checkQueue(): Promise<Drift[]> {
    const queue = await findQueue(this.clients.sqs, this.settings.queue);
    if (!queue) return [{ bucket: this.settings.queue, setting: 'queue', expected: 'exists', actual: 'missing' }];
    return compareQueuePolicy(this.settings.queue, this.queuePolicy(queue.arn), queue.policy);
  }

  /** The queue's URL, for the notification bridge; fails with what to do when it does not exist. */
  async queueUrl(): Promise<string> {
    const queue = await findQueue(this.clients.sqs, this.settings.queue);
    if (!queue)
      throw new OperatorError(
        `the upload queue '${this.settings.queue}' (UPLOADS_QUEUE) does not exist; run 'tributary buckets ensure'`,
      );
    return queue.url;
  }

  /** Every existing bucket this configuration's uploads can live in (for `per-organization`, by the template). */
  async existingBuckets(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.clients.s3.send(new ListBucketsCommand({ MaxBuckets: 1000, ContinuationToken: token }));
      for (const { Name } of page.Buckets ?? []) if (Name && this.isUploadBucket(Name)) names.push(Name);
      token = page.ContinuationToken;
    } while (token);
    return names.sort();
  }

  /** Whether the bucket is one of this configuration's: the queue's policy lets only those send. */
  isUploadBucket(bucket: string): boolean {
    return globToRegExp(this.layout.bucketArnPattern().replace(/^arn:aws:s3:::/, '')).test(bucket);
  }

  private assertUploadBucket(bucket: string): void {
    if (!this.isUploadBucket(bucket))
      throw new OperatorError(
        `'${bucket}' is not an upload bucket of this configuration (UPLOADS_BUCKET_STRATEGY=${this.settings.bucketStrategy}, UPLOADS_BUCKET or UPLOADS_BUCKET_TEMPLATE), so its notifications could not reach the queue`,
      );
  }

  private async applyQueue(): Promise<UploadQueue> {
    const { sqs } = this.clients;
    const found = await findQueue(sqs, this.settings.queue);
    const queue = found ?? (await createQueue(sqs, this.settings.queue));
    const policy = this.queuePolicy(queue.arn);
    const policyChanged = compareQueuePolicy(this.settings.queue, policy, queue.policy).length > 0;
    if (policyChanged) await setQueuePolicy(sqs, queue.url, policy);
    if (!found || policyChanged)
      this.logger?.info({ queue: this.settings.queue, created: !found, policyChanged }, 'upload queue set up');
    return { url: queue.url, arn: queue.arn, created: !found, policyChanged };
  }

  private queuePolicy(queueArn: string): object {
    return intendedQueuePolicy(queueArn, this.layout.bucketArnPattern());
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[a-z0-9-]+');
  return new RegExp(`^${escaped}$`);
}
