import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PassThrough, type Readable } from 'node:stream';
import { PollLoop } from '../../infra/aws/poll-loop.ts';
import { parseS3Notification, type CreatedObject } from '../../infra/aws/s3-notification.ts';
import { parseIncomingKey, reportKey } from '../../infra/imports/delivery-layout.ts';
import type { Slice } from '../../slices/slice.ts';
import type { ImportDependencies, ImportOutcome } from './run-import.ts';
import { runImport } from './run-import.ts';
import type { Logger } from '../../infra/logging/logger.ts';

export interface DeliveryWorkerDependencies {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly queueUrl: string;
  readonly slices: readonly Slice[];
  /** What every job needs but the importing slice's projections and the report's place. */
  readonly imports: Omit<ImportDependencies, 'projections' | 'reportDestination' | 'logger'>;
  readonly logger: Logger;
  /** Longest long poll, in seconds (20 against AWS; tests use less). */
  readonly waitSeconds?: number;
}

/**
 * Imports the files put under `incoming/<organization>/<kind>/` of the data-delivery bucket:
 * long-polls the queue the bucket notifies, runs the kind's importer on the object, and deletes
 * the message once the job has completed or been refused. While a job runs the message's
 * visibility is extended, so another worker does not take the file too; if this process dies,
 * the message reappears after IMPORTS_VISIBILITY_SECONDS and the job is run again, publishing
 * the same event ids.
 */
export class DeliveryWorker {
  private readonly loop: PollLoop;

  constructor(
    private readonly deps: DeliveryWorkerDependencies,
    private readonly visibilitySeconds: number,
  ) {
    this.loop = new PollLoop((signal) => this.pollOnce(signal), deps.logger, 'delivery');
  }

  start(): this {
    this.loop.start();
    return this;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One long poll and the files it brought, one at a time. */
  async pollOnce(signal?: AbortSignal): Promise<void> {
    const { Messages = [] } = await this.deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.deps.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: this.deps.waitSeconds ?? 20,
        VisibilityTimeout: this.visibilitySeconds,
      }),
      { abortSignal: signal },
    );
    for (const message of Messages) {
      if (await this.withHeartbeat(message, () => this.handle(message)))
        await this.deps.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
    }
  }

  /** Whether the message is settled (to delete); a failed job leaves it for a retry. */
  private async handle(message: Message): Promise<boolean> {
    const notification = parseS3Notification(message.Body);
    if (notification.kind === 'test') return true;
    if (notification.kind === 'unreadable') {
      this.deps.logger.warn(
        { messageId: message.MessageId, problem: notification.problem },
        'dropped a message that is not an S3 notification',
      );
      return true;
    }
    let settled = true;
    for (const created of notification.created) {
      try {
        await this.importObject(created);
      } catch (error) {
        settled = false;
        this.deps.logger.error(
          { err: error, key: created.key },
          'import of a delivered file failed; it will be retried',
        );
      }
    }
    return settled;
  }

  private async importObject(created: CreatedObject): Promise<ImportOutcome | undefined> {
    const { logger, slices, s3 } = this.deps;
    const incoming = parseIncomingKey(created.key);
    if ('problem' in incoming) {
      logger.warn(
        { bucket: created.bucket, key: created.key, problem: incoming.problem },
        'a delivered file was left alone',
      );
      return undefined;
    }
    const found = slices
      .flatMap((slice) => slice.importers.map((importer) => ({ slice, importer })))
      .find((candidate) => candidate.importer.kind === incoming.kind);
    if (!found) {
      logger.warn(
        { key: created.key, kind: incoming.kind },
        'a delivered file names a kind no slice imports; left alone',
      );
      return undefined;
    }
    const object = {
      Bucket: created.bucket,
      Key: created.key,
      ...(created.versionId ? { VersionId: created.versionId } : {}),
    };
    const head = await s3.send(new HeadObjectCommand(object));
    const metadata = head.Metadata ?? {};
    const outcome = await runImport(
      found.importer,
      {
        source: 'bucket',
        organizationId: incoming.organizationId,
        requestedBy: decoded(metadata['requested-by']) ?? `bucket:${created.bucket}`,
        fileName: decoded(metadata['file-name']) ?? incoming.fileName,
        objectKey: created.key,
        sizeBytes: head.ContentLength ?? created.sizeBytes,
        open: () => objectStream(s3, object),
      },
      {
        ...this.deps.imports,
        projections: found.slice.projections,
        logger,
        reportDestination: (jobId) => ({
          kind: 's3',
          s3,
          bucket: created.bucket,
          key: reportKey(incoming.organizationId, incoming.kind, jobId),
        }),
      },
    );
    logger.info({ key: created.key, jobId: outcome.jobId, outcome: outcome.kind }, 'delivered file imported');
    return outcome;
  }

  /** Keeps the message hidden while `work` runs, renewing its visibility at half its length. */
  private async withHeartbeat<T>(message: Message, work: () => Promise<T>): Promise<T> {
    const every = Math.max(1, this.visibilitySeconds / 2) * 1000;
    const timer = setInterval(() => {
      this.deps.sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.deps.queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: this.visibilitySeconds,
          }),
        )
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not extend a delivery message'));
    }, every);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}

/** The object's body as a Node stream, opened lazily: the importer may open the file more than once. */
function objectStream(s3: S3Client, object: { Bucket: string; Key: string; VersionId?: string }): Readable {
  const out = new PassThrough();
  s3.send(new GetObjectCommand(object)).then(
    (response) => {
      const body = response.Body as Readable | undefined;
      if (!body) return out.destroy(new Error(`s3://${object.Bucket}/${object.Key} has no body`));
      body.on('error', (error) => out.destroy(error));
      body.pipe(out);
    },
    (error: unknown) => out.destroy(error as Error),
  );
  return out;
}

function decoded(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
