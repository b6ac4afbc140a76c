import { z } from 'zod';
import type { RealtimeTopics } from '../../processors/realtime-relay/topics.ts';

export const PROTOCOL = 'tributary.v1';

/** Close codes, besides the standard 1000 (normal) and 1001 (server going away). */
export const CLOSE = {
  heartbeatMissed: 4000,
  badMessage: 4400,
  /** The token (or the bearer token a ticket was taken with) expired: reconnect with a fresh one. */
  tokenExpired: 4401,
  slowConsumer: 4008,
  /** A resume could not be answered now (Kafka unreachable for the moment): reconnect and resume again. */
  tryAgainLater: 1013,
} as const;

/** What each of our close codes means; a code added to CLOSE without its meaning does not compile. */
const CLOSE_MEANINGS: { readonly [name in keyof typeof CLOSE]: string } = {
  heartbeatMissed: 'heartbeat missed',
  badMessage: 'bad message (after an `error` frame that says why)',
  tokenExpired: 'token expired (after an `expiring` frame; reconnect with a fresh token or ticket and `resumeFrom`)',
  slowConsumer: 'slow consumer (too many notifications waiting)',
  tryAgainLater:
    'try again later: the resume could not be answered now (Kafka unreachable); reconnect and `resumeFrom` again',
};

/** Every close code a client can see, with what it means: the OpenAPI document lists them from here. */
export const CLOSE_CODES: readonly { code: number; doc: string }[] = [
  { code: 1000, doc: 'normal' },
  { code: 1001, doc: 'server going away' },
  { code: 1009, doc: 'message too big (a client frame over 64 KiB)' },
  ...(Object.keys(CLOSE) as (keyof typeof CLOSE)[]).map((name) => ({ code: CLOSE[name], doc: CLOSE_MEANINGS[name] })),
];

/**
 * How long before the token expires the `expiring` frame comes: 30 s, or a third of the life
 * left when the socket opens if that is shorter, so a short-lived token still gets a warning.
 */
export function expiryWarningLeadMs(remainingMs: number): number {
  return Math.max(0, Math.min(30_000, remainingMs / 3));
}

/** Filter key to the values a subscription accepts, e.g. `{ accountId: ['acc-1', 'acc-2'] }`. */
const filters = z.record(z.string().min(1).max(100), z.array(z.string().min(1)).min(1).max(1000));
const topicNames = z.array(z.string().min(1).max(100)).min(1).max(100);

/**
 * The client's messages, checked against the slices' realtime topics: an unknown topic, or a
 * filter key one of the subscribed topics does not carry, is refused with what was wrong.
 */
export function clientMessageSchema(topics: RealtimeTopics) {
  const known = (message: { topics: string[]; filters?: Record<string, string[]> }, context: z.RefinementCtx) => {
    for (const problem of topics.problemsWith(message.topics, Object.keys(message.filters ?? {})))
      context.addIssue({ code: 'custom', path: ['topics'], message: problem });
  };
  return z.discriminatedUnion('type', [
    z
      .object({
        type: z.literal('subscribe'),
        topics: topicNames,
        filters: filters.optional(),
        /** The position of the last notification received: everything after it is sent first. */
        resumeFrom: z.string().max(100).optional(),
      })
      .superRefine(known),
    z.object({ type: z.literal('unsubscribe'), topics: topicNames }).superRefine(known),
  ]);
}

export type ClientMessage = z.infer<ReturnType<typeof clientMessageSchema>>;

/** A subscription's filters: for each key, the values that pass; a notification must match every key. */
export type SubscriptionFilters = ReadonlyMap<string, ReadonlySet<string>>;

export function subscriptionFilters(
  from: Readonly<Record<string, readonly string[]>> | undefined,
): SubscriptionFilters {
  return new Map(Object.entries(from ?? {}).map(([key, values]) => [key, new Set(values)]));
}

/** Whether a notification's filter values pass a subscription's filters (no filters: everything passes). */
export function matches(
  filtersOfSubscription: SubscriptionFilters,
  notification: Readonly<Record<string, string>>,
): boolean {
  for (const [key, accepted] of filtersOfSubscription) {
    const value = notification[key];
    if (value === undefined || !accepted.has(value)) return false;
  }
  return true;
}
