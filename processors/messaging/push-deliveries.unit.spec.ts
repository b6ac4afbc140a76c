import { describe, expect, it } from 'vitest';
import { conversation } from '../../test/support/messaging-events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import { deliveriesFor } from './push-deliveries.ts';

const ALL = ['MessageSent', 'ThreadCreated', 'ParticipantAdded'] as const;

describe('push deliveries, events in, notifications out', () => {
  it('when a message is sent, then each recipient but the sender gets one, keyed by the event and the recipient', () => {
    const c = conversation();
    const sent = c.sent('alice', 'The numbers are in');
    const event = { ...sent, payload: { ...sent.payload, recipients: ['bob', 'carol', 'alice', 'bob'] } };

    const deliveries = deliveriesFor(event, ALL);

    expect(deliveries.map((d) => d.body.recipient)).toEqual(['bob', 'carol']);
    expect(deliveries[0]).toMatchObject({
      idempotencyKey: derivedEventId(event.metadata.eventId, 'push/bob'),
      correlationId: event.metadata.correlationId,
      body: {
        event: 'MessageSent',
        organizationId: 'org-test',
        threadId: c.threadId,
        messageId: event.payload.messageId,
        actor: 'alice',
        title: 'New message from alice',
        preview: 'The numbers are in',
      },
    });
    expect(deliveriesFor(event, ALL).map((d) => d.idempotencyKey)).toEqual(deliveries.map((d) => d.idempotencyKey));
  });

  it('when a thread is created or someone is added, then those invited are notified, not whoever invited them', () => {
    const c = conversation();
    expect(
      deliveriesFor(c.created('alice', ['alice', 'bob']), ALL).map((d) => [d.body.recipient, d.body.title]),
    ).toEqual([['bob', 'alice added you to a thread']]);
    expect(deliveriesFor(c.added('dave', 'bob'), ALL).map((d) => d.body.recipient)).toEqual(['dave']);
    expect(deliveriesFor(c.added('dave', 'dave'), ALL)).toEqual([]);
  });

  it('when the event type is not configured, or does not notify, then nothing is sent', () => {
    const c = conversation();
    expect(deliveriesFor(c.created('alice', ['bob']), ['MessageSent'])).toEqual([]);
    expect(deliveriesFor(c.read('bob', crypto.randomUUID()), ALL)).toEqual([]);
  });

  it('when a message is long, then the preview is cut at 140 characters without splitting one', () => {
    const c = conversation();
    const sent = c.sent('alice', `${'😀'.repeat(200)}`);
    const [delivery] = deliveriesFor({ ...sent, payload: { ...sent.payload, recipients: ['bob'] } }, ALL);
    expect(Array.from(delivery!.body.preview)).toHaveLength(140);
    expect(delivery!.body.preview.endsWith('😀…')).toBe(true);
  });
});
