import { describe, expect, it } from 'vitest';
import { sampleEvent } from '../test/support/sample-events.ts';
import { loadEventSchemas } from './avro.ts';
import { EVENT_ROUTES } from './catalog.ts';
import type { TributaryEvent } from './generated/events.ts';

/** The event's Kafka key when it belongs to `organizationId`, every other field the same. */
function keyIn(event: TributaryEvent, organizationId: string): string {
  const route = EVENT_ROUTES[event.type] as { key: (e: TributaryEvent) => string };
  return route.key({ ...event, metadata: { ...event.metadata, organizationId } } as TributaryEvent);
}

describe('the event catalogue', () => {
  it('when two organizations use the same account, member, group or bucket id, then their events have different keys', () => {
    // A shared key let one organization's dead letter park the other's events behind it.
    const callerChosen = loadEventSchemas()
      .map(sampleEvent)
      .filter((event) => /^(Transaction|Account|Group|Member)/.test(event.type));
    expect(callerChosen.length).toBeGreaterThan(12);
    for (const event of callerChosen) {
      expect(keyIn(event, 'org-a'), event.type).not.toBe(keyIn(event, 'org-b'));
      expect(keyIn(event, 'org-a'), event.type).toMatch(/^org-a\//);
    }
  });

  it('when an id is one the platform generates (a thread, an attachment, a job), then the key is the id itself', () => {
    const generated = loadEventSchemas()
      .map(sampleEvent)
      .filter((event) => /^(Thread|Message|Attachment|Upload|Import)/.test(event.type));
    for (const event of generated) expect(keyIn(event, 'org-a'), event.type).toBe(keyIn(event, 'org-b'));
  });
});
