import type { KafkaMessage } from 'kafkajs';
import { DecodeError, type EventCodec } from '../../schemas/codec.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { headerText, REDRIVE_HEADERS } from './dead-letters.ts';
import type { ConsumedEvent } from './processor.ts';

/** An item of a batch: an event to apply, or a record to step over (a redrive meant for another processor). */
export interface Item {
  readonly message: KafkaMessage;
  readonly consumed?: ConsumedEvent;
  readonly redriven: boolean;
}

export type Decoded = { readonly item: Item } | { readonly undecodable: DecodeError };

/**
 * Turns a record into an item for `processor`: a redrive addressed to another processor is
 * stepped over undecoded, anything else is decoded into a typed event. A record that is not a
 * valid event comes back as `undecodable`; other failures (the registry unreachable) throw,
 * so kafkajs fetches the batch again. Synchronous once the record's schema is known (every
 * record but the first of each schema): a promise per record was much of a consumer's work.
 */
export function decodeItem(
  message: KafkaMessage,
  source: { processor: string; topic: string; partition: number; codec: EventCodec },
): Decoded | Promise<Decoded> {
  const { processor, codec } = source;
  const redriveFor = headerText(message.headers, REDRIVE_HEADERS.processor);
  if (redriveFor !== undefined && redriveFor !== processor) return { item: { message, redriven: false } };
  const redriven = redriveFor === processor;
  let decoded: ReturnType<EventCodec['decodeNow']>;
  try {
    decoded = codec.decodeNow(message.value);
  } catch (error) {
    return undecodable(error);
  }
  if (decoded instanceof Promise) return decoded.then((event) => itemOf(message, event, source, redriven), undecodable);
  return itemOf(message, decoded, source, redriven);
}

function itemOf(
  message: KafkaMessage,
  event: TributaryEvent,
  source: { topic: string; partition: number },
  redriven: boolean,
): Decoded {
  const consumed: ConsumedEvent = {
    event,
    topic: source.topic,
    partition: source.partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
  };
  return { item: { message, consumed, redriven } };
}

function undecodable(error: unknown): Decoded {
  if (!(error instanceof DecodeError)) throw error;
  return { undecodable: error };
}
