import type { KafkaMessage } from 'kafkajs';
import { DecodeError, type EventCodec } from '../../schemas/codec.ts';
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
 * so kafkajs fetches the batch again.
 */
export async function decodeItem(
  message: KafkaMessage,
  source: { processor: string; topic: string; partition: number; codec: EventCodec },
): Promise<Decoded> {
  const { processor, topic, partition, codec } = source;
  const redriveFor = headerText(message.headers, REDRIVE_HEADERS.processor);
  if (redriveFor !== undefined && redriveFor !== processor) return { item: { message, redriven: false } };
  try {
    const event = await codec.decode(message.value);
    const consumed: ConsumedEvent = {
      event,
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
    };
    return { item: { message, consumed, redriven: redriveFor === processor } };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { undecodable: error };
  }
}
