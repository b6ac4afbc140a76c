import { TributaryError } from '../infra/errors.ts';

/**
 * An event whose record is larger than its topic takes (max.message.bytes): the broker would
 * refuse it, so the publisher does, before anything of its batch is sent. Never worth retrying.
 */
export class EventTooLargeError extends TributaryError {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly eventType: string,
    readonly bytes: number,
    readonly limit: number,
    readonly topic: string,
    /** Its place in a batch of several, for the message. */
    readonly index?: number,
  ) {
    super({
      status: 413,
      code: 'event_too_large',
      title: 'The event is too large for its topic',
      detail: `${index === undefined ? '' : `event ${index} of the batch: `}${eventType} encodes to ${bytes} bytes (a Kafka record batch of it alone, key and headers included); ${topic} takes at most ${limit} bytes (max.message.bytes)`,
      retriable: false,
    });
  }
}
