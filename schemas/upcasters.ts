import type { EventType, NotificationIssued, TributaryEvent } from './generated/events.ts';

/**
 * A retired schema whose records may still be on a topic, and how one of its records becomes
 * the current event. The writer's schema comes from the registry (by the id in the record), so
 * only the conversion is kept here, not the old .avsc.
 */
export interface Upcaster {
  /** Full name of the retired record, e.g. `dev.tributary.realtime.NotificationIssued`. */
  readonly fullName: string;
  /** The current event type its records are read as. */
  readonly to: EventType;
  upcast(decoded: unknown): TributaryEvent;
}

interface RealtimeNotificationV1 {
  readonly type: string;
  readonly metadata: NotificationIssued['metadata'];
  readonly payload: {
    readonly topic: string;
    readonly sourceEventId: string;
    readonly sourceType: string;
    readonly accountId: string | null;
    readonly threadId: string | null;
    readonly data: string;
  };
}

/** Every retired schema Tributary still reads. */
export const UPCASTERS: readonly Upcaster[] = [
  {
    // Notifications before slices declared their topics: a fixed enum of topics and two filter fields.
    fullName: 'dev.tributary.realtime.NotificationIssued',
    to: 'NotificationIssued',
    upcast(decoded) {
      const { metadata, payload } = decoded as RealtimeNotificationV1;
      const filters: Record<string, string> = {};
      if (payload.accountId !== null) filters.accountId = payload.accountId;
      if (payload.threadId !== null) filters.threadId = payload.threadId;
      return {
        type: 'NotificationIssued',
        metadata,
        payload: {
          topic: payload.topic,
          sourceEventId: payload.sourceEventId,
          sourceType: payload.sourceType,
          filters,
          data: payload.data,
          audience: [],
        },
      } satisfies NotificationIssued;
    },
  },
];
