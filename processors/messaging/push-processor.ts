import type { PushSettings } from '../../infra/config/shape.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { AtLeastOnceProcessor } from '../runtime/processor.ts';
import type { RetryPolicy } from '../runtime/retry.ts';
import { sendPush, type Fetch } from './push-client.ts';
import { deliveriesFor } from './push-deliveries.ts';

export const PUSH_PROCESSOR = 'messaging-push.v1';

/** Keys delivered by this process, remembered so a retried batch does not call again for them. */
const REMEMBERED_KEYS = 50_000;

export interface PushProcessorOptions {
  /** Tests run it under a name (and so a consumer group) of their own. */
  readonly name?: string;
  readonly topics?: readonly string[];
  /** Backoff between tries; the number of tries is MESSAGING_PUSH_ATTEMPTS. */
  readonly backoff?: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>;
  readonly fetch?: Fetch;
}

/**
 * Push notifications (seed 002's notification microservice): for each configured event, one
 * call per participant other than whoever caused it, to MESSAGING_PUSH_URL.
 *
 * At least once: a failed call fails the batch, which the runtime retries with exponential
 * backoff and jitter up to MESSAGING_PUSH_ATTEMPTS tries, then one event at a time, and finally
 * sends the failing event to messages.events.dlq (its thread's later events for this processor
 * wait there behind it, parked, until `dlq redrive`). Every call carries an idempotency key
 * derived from the event's id and the recipient, the same on every retry and redelivery, so the
 * service notifies once; within a process, calls already answered are not made again.
 */
export function pushProcessor(settings: PushSettings, options: PushProcessorOptions = {}): AtLeastOnceProcessor {
  const delivered = new Set<string>();
  const remember = (key: string) => {
    delivered.add(key);
    if (delivered.size > REMEMBERED_KEYS) delivered.delete(delivered.values().next().value!);
  };
  return {
    name: options.name ?? PUSH_PROCESSOR,
    topics: options.topics ?? [...new Set(settings.events.map((type) => EVENT_ROUTES[type].topic))],
    mode: 'at-least-once',
    retry: { attempts: settings.attempts, ...options.backoff },
    async handle(events, { logger }) {
      // In order: one thread's notifications go out as its events happened.
      for (const { event } of events) {
        const pending = deliveriesFor(event, settings.events).filter((d) => !delivered.has(d.idempotencyKey));
        const outcomes = await Promise.allSettled(
          pending.map(async (delivery) => {
            await sendPush(settings, delivery, options.fetch);
            remember(delivery.idempotencyKey);
          }),
        );
        const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failed) throw failed.reason;
        if (pending.length > 0)
          logger.debug({ eventId: event.metadata.eventId, notifications: pending.length }, 'push notifications sent');
      }
    },
  };
}
