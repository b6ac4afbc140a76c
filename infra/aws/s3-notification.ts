/** An object S3 says was created, as an S3 event notification describes it. */
export interface CreatedObject {
  readonly eventName: string;
  readonly bucket: string;
  /** URL-decoded ('+' is a space in the notification's encoding). */
  readonly key: string;
  readonly sizeBytes: number;
  /** Lower-case, without quotes. */
  readonly eTag: string;
  readonly versionId: string | null;
  readonly sequencer: string | null;
  readonly eventTime: Date;
}

export type S3Notification =
  | { readonly kind: 'test' }
  | { readonly kind: 'records'; readonly created: readonly CreatedObject[] }
  | { readonly kind: 'unreadable'; readonly problem: string };

interface RawRecord {
  eventName?: unknown;
  eventTime?: unknown;
  s3?: {
    bucket?: { name?: unknown };
    object?: { key?: unknown; size?: unknown; eTag?: unknown; versionId?: unknown; sequencer?: unknown };
  };
}

/**
 * Reads the body of an SQS message that S3 sent: the `s3:TestEvent` it sends when a notification
 * is configured, or records of which only `ObjectCreated:*` ones are kept.
 */
export function parseS3Notification(body: string | undefined): S3Notification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return { kind: 'unreadable', problem: 'the message body is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object')
    return { kind: 'unreadable', problem: 'the message body is not an object' };
  const message = parsed as { Event?: unknown; Records?: unknown };
  if (message.Event === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(message.Records)) return { kind: 'unreadable', problem: 'the message has no Records array' };
  const created: CreatedObject[] = [];
  for (const [i, record] of (message.Records as RawRecord[]).entries()) {
    if (typeof record?.eventName !== 'string' || !record.eventName.startsWith('ObjectCreated:')) continue;
    const object = record.s3?.object;
    const bucket = record.s3?.bucket?.name;
    if (typeof bucket !== 'string' || typeof object?.key !== 'string')
      return { kind: 'unreadable', problem: `Records[${i}] has no s3.bucket.name or s3.object.key` };
    const eventTime = new Date(typeof record.eventTime === 'string' ? record.eventTime : Number.NaN);
    created.push({
      eventName: record.eventName,
      bucket,
      key: decodeURIComponent(object.key.replace(/\+/g, ' ')),
      sizeBytes: Number(object.size ?? 0),
      eTag: typeof object.eTag === 'string' ? object.eTag.replace(/"/g, '').toLowerCase() : '',
      versionId: typeof object.versionId === 'string' && object.versionId !== '' ? object.versionId : null,
      sequencer: typeof object.sequencer === 'string' ? object.sequencer : null,
      eventTime: Number.isNaN(eventTime.getTime()) ? new Date() : eventTime,
    });
  }
  return { kind: 'records', created };
}
