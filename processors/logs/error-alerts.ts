import type { EventOf, NotificationIssued } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import type { ConsumedEvent } from '../runtime/processor.ts';

/** The realtime topic the alerts go to (declared by the logs slice). */
export const LOG_ERROR_TOPIC = 'log_error';

/** Entries that raise an alert: seed 001's crash reports, and anything logged at error or fatal. */
export function isAlerting(entry: EventOf<'LogEntry'>): boolean {
  const { logType, level } = entry.payload;
  return logType === 'crash' || level === 'error' || level === 'fatal';
}

/** One organization's window of time (by the entries' own time): at most one alert each. */
export interface AlertWindow {
  readonly organizationId: string;
  readonly start: Date;
  readonly end: Date;
}

/**
 * The alerts a batch may raise: per organization and window, its first alerting entry in offset
 * order. An organization's entries share one Kafka partition (they are keyed by it), so "first" is
 * the same however the partition is cut into batches or redelivered.
 */
export function alertCandidates(
  consumed: readonly ConsumedEvent[],
  windowMs: number,
): { window: AlertWindow; entry: EventOf<'LogEntry'> }[] {
  const byWindow = new Map<string, { window: AlertWindow; entry: EventOf<'LogEntry'> }>();
  for (const { event } of consumed) {
    if (event.type !== 'LogEntry' || !isAlerting(event)) continue;
    const startMs = Math.floor(event.metadata.occurredAt.getTime() / windowMs) * windowMs;
    const key = `${event.payload.organizationId}\u0000${startMs}`;
    if (byWindow.has(key)) continue;
    byWindow.set(key, {
      window: {
        organizationId: event.payload.organizationId,
        start: new Date(startMs),
        end: new Date(startMs + windowMs),
      },
      entry: event,
    });
  }
  return [...byWindow.values()];
}

/**
 * The window's notification. Its id derives from the organization and the window alone, so
 * whatever publishes it again (a redelivery, a restart between publishing and recording) publishes
 * the same notification, and clients, which deduplicate on ids, show it once.
 */
export function alertNotification(window: AlertWindow, entry: EventOf<'LogEntry'>): NotificationIssued {
  const windowMs = window.end.getTime() - window.start.getTime();
  return {
    type: 'NotificationIssued',
    metadata: {
      ...entry.metadata,
      eventId: derivedEventId(`${window.organizationId}/${window.start.toISOString()}/${windowMs}`, LOG_ERROR_TOPIC),
      causationId: entry.metadata.eventId,
    },
    payload: {
      topic: LOG_ERROR_TOPIC,
      sourceEventId: entry.metadata.eventId,
      sourceType: 'LogEntry',
      filters: { logType: entry.payload.logType, server: entry.payload.server },
      data: JSON.stringify({
        ...entry.payload,
        occurredAt: entry.metadata.occurredAt.toISOString(),
        window: { start: window.start.toISOString(), end: window.end.toISOString() },
        // Later errors of the window are not notified: they are in the lake, under the same hours.
        first: true,
      }),
      audience: [],
    },
  };
}
