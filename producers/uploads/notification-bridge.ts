import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { UploadSettings } from '../../infra/config/shape.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import type { UploadLayout } from '../../infra/uploads/layout.ts';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import type { Attachment } from '../../projections/uploads/queries.ts';
import type { EventMetadata, TributaryEvent, UploadRejectionReason } from '../../schemas/generated/events.ts';
import type { Publisher } from '../publisher.ts';
import { disposeOf } from './dispose.ts';
import { PollLoop } from '../../infra/aws/poll-loop.ts';
import { parseS3Notification, type CreatedObject } from '../../infra/aws/s3-notification.ts';
import { judge, type LandedObject } from './verdict.ts';

export interface BridgeDependencies {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly queueUrl: string;
  readonly layout: UploadLayout;
  readonly settings: UploadSettings;
  readonly publisher: Publisher;
  readonly environment: string;
  /** The attachment as the read model has it; undefined when the read model does not (yet) know it. */
  readonly findAttachment: (organizationId: string, attachmentId: string) => Promise<Attachment | undefined>;
  readonly logger: Logger;
  /** Longest long-poll, in seconds (20 against AWS; tests use less). */
  readonly waitSeconds?: number;
  /** How long a message whose attachment is not known yet stays hidden before it is tried again. */
  readonly retryDelaySeconds?: number;
}

type Outcome = 'done' | 'later';

/**
 * Seed 000's attachments worker: long-polls the queue the upload buckets notify, turns each
 * created object into UploadCompleted or UploadRejected (deleting or quarantining a rejected
 * object), and deletes the SQS message only after the event is acknowledged by Kafka. Event ids
 * derive from the object's version, so a duplicate delivery republishes the same event, which
 * the read model and websocket clients drop.
 */
export class UploadNotificationBridge {
  private readonly loop: PollLoop;

  constructor(private readonly deps: BridgeDependencies) {
    this.loop = new PollLoop((signal) => this.pollOnce(signal), deps.logger, 'upload notification');
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One long poll and the messages it brought; how many were settled (deleted). */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const { Messages = [] } = await this.deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.deps.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: this.deps.waitSeconds ?? 20,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
      { abortSignal: signal },
    );
    let settled = 0;
    for (const message of Messages) {
      const outcome = await this.handle(message);
      if (outcome === 'done') {
        await this.deps.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        settled += 1;
      } else {
        await this.deps.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.deps.queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: this.deps.retryDelaySeconds ?? 2,
          }),
        );
      }
    }
    return settled;
  }

  private async handle(message: Message): Promise<Outcome> {
    const notification = parseS3Notification(message.Body);
    if (notification.kind === 'test') return 'done';
    if (notification.kind === 'unreadable') {
      // Not from S3, or not in a shape S3 sends: nothing can be done with it, and keeping it would loop.
      this.deps.logger.warn(
        { messageId: message.MessageId, problem: notification.problem },
        'dropped a message that is not an S3 notification',
      );
      return 'done';
    }
    const sentAt = Number(message.Attributes?.SentTimestamp ?? Date.now());
    const outcomes: Outcome[] = [];
    for (const created of notification.created) outcomes.push(await this.handleCreated(created, sentAt));
    return outcomes.includes('later') ? 'later' : 'done';
  }

  private async handleCreated(created: CreatedObject, sentAt: number): Promise<Outcome> {
    const { layout, settings, logger } = this.deps;
    const claimed = layout.parse({ bucket: created.bucket, key: created.key });
    const object = { bucket: created.bucket, key: created.key, versionId: created.versionId };
    if (!claimed) {
      // No organization to tell: the object is removed and the operator told.
      const disposition = await this.disposeIfPresent(object);
      logger.warn(
        { bucket: created.bucket, key: created.key, disposition },
        'an object no URL was issued for landed in an upload bucket',
      );
      return 'done';
    }
    const log = logger.child({ attachmentId: claimed.attachmentId, organizationId: claimed.organizationId });
    const attachment = await this.deps.findAttachment(claimed.organizationId, claimed.attachmentId);
    if (!attachment) {
      if (Date.now() - sentAt < settings.unknownKeyGraceSeconds * 1000) return 'later';
      const versionId = created.versionId ?? (await this.head(created))?.versionId ?? null;
      await this.reject(claimed, created, versionId, 'unknown_key', 'no upload URL was issued for this key');
      log.warn({ key: created.key }, 'rejected an upload nobody requested');
      return 'done';
    }
    const landed = await this.head(created);
    if (!landed) return 'done'; // already deleted or quarantined: a duplicate of a settled rejection
    const verdict = judge(landed, attachment, settings);
    if (verdict.kind === 'duplicate') return 'done';
    if (verdict.kind === 'reject') {
      await this.reject(claimed, created, landed.versionId, verdict.reason, verdict.detail);
      log.info({ reason: verdict.reason, detail: verdict.detail }, 'upload rejected');
      return 'done';
    }
    await this.deps.publisher.publish({
      type: 'UploadCompleted',
      metadata: this.metadataOf(claimed, created, 'completed'),
      payload: {
        attachmentId: claimed.attachmentId,
        bucket: created.bucket,
        objectKey: created.key,
        versionId: landed.versionId,
        sizeBytes: landed.sizeBytes,
        checksum: landed.eTag,
        contentType: landed.contentType,
        uploadedAt: created.eventTime,
      },
    });
    log.info({ sizeBytes: landed.sizeBytes }, 'upload completed');
    return 'done';
  }

  /**
   * The event first, then the object: a crash in between leaves the object for the redelivery to
   * remove. `versionId` is the offending version's: the notification's, or HeadObject's where the
   * notification has none (moto's), so that version goes rather than a delete marker hiding it.
   */
  private async reject(
    claimed: { organizationId: string; attachmentId: string },
    created: CreatedObject,
    versionId: string | null,
    reason: UploadRejectionReason,
    detail: string,
  ): Promise<void> {
    const how = this.deps.settings.rejectedObjects;
    const event: TributaryEvent = {
      type: 'UploadRejected',
      metadata: this.metadataOf(claimed, created, 'rejected'),
      payload: {
        attachmentId: claimed.attachmentId,
        reason,
        detail,
        bucket: created.bucket,
        objectKey: created.key,
        objectDisposition: how === 'delete' ? 'deleted' : 'quarantined',
      },
    };
    await this.deps.publisher.publish(event);
    await this.disposeIfPresent({ bucket: created.bucket, key: created.key, versionId });
  }

  private async disposeIfPresent(object: { bucket: string; key: string; versionId: string | null }) {
    try {
      return await disposeOf(this.deps.s3, this.deps.layout, object, this.deps.settings.rejectedObjects);
    } catch (error) {
      if (isNotFound(error)) return 'already gone';
      throw error;
    }
  }

  private async head(created: CreatedObject): Promise<LandedObject | undefined> {
    try {
      const head = await this.deps.s3.send(
        new HeadObjectCommand({
          Bucket: created.bucket,
          Key: created.key,
          ...(created.versionId ? { VersionId: created.versionId } : {}),
        }),
      );
      return {
        sizeBytes: head.ContentLength ?? created.sizeBytes,
        contentType: head.ContentType ?? 'binary/octet-stream',
        versionId: head.VersionId ?? created.versionId,
        eTag: (head.ETag ?? created.eTag).replace(/"/g, '').toLowerCase(),
        landedAt: created.eventTime,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private metadataOf(
    claimed: { organizationId: string; attachmentId: string },
    created: CreatedObject,
    purpose: string,
  ): EventMetadata {
    const objectId = `s3://${created.bucket}/${created.key}#${created.versionId ?? created.eTag}`;
    return {
      eventId: derivedEventId(objectId, purpose),
      occurredAt: created.eventTime,
      organizationId: claimed.organizationId,
      environment: this.deps.environment,
      // The attachment's whole life shares one id to follow it by.
      correlationId: claimed.attachmentId,
      causationId: null,
      actor: 's3-notification-bridge',
    };
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NotFound' || e.name === 'NoSuchKey' || e.name === 'NoSuchVersion' || e.$metadata?.httpStatusCode === 404
  );
}
