import { describe, expect, it } from 'vitest';
import { notificationsFor } from '../processors/realtime-relay/notifications.ts';
import { eventDefinitions } from '../schemas/catalog.ts';
import { EventCodec } from '../schemas/codec.ts';
import { RegistryClient } from '../schemas/registry-client.ts';
import { projectionsOf, realtimeTopicsOf, scopesOf, SLICES } from './index.ts';

// Validation needs only the schemas; the registry is never called.
const codec = new EventCodec(new RegistryClient({ url: 'http://127.0.0.1:9/unused' }), eventDefinitions());

describe('the slices', () => {
  it('when the list is read, then names, projections, realtime topics and scopes are each declared once', () => {
    const names = SLICES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const projections = projectionsOf().map((p) => p.name);
    expect(new Set(projections).size).toBe(projections.length);
    expect(() => realtimeTopicsOf()).not.toThrow();
    expect(scopesOf().map((s) => s.name)).toEqual(
      expect.arrayContaining(['events:publish', 'realtime:subscribe', 'events:read']),
    );
  });

  it('when each slice makes its demo events, then every one is valid against its schema and its notifications use declared filter keys', () => {
    const topics = realtimeTopicsOf();
    let notified = 0;
    for (const slice of SLICES) {
      for (let round = 1; round <= 10; round += 1) {
        const events = slice.demo?.({ organizationId: 'org-demo', environment: 'local', round, now: new Date() }) ?? [];
        for (const event of events) {
          expect(() => codec.validate(event), `${slice.name} round ${round} ${event.type}`).not.toThrow();
          notified += notificationsFor(event, topics).length;
        }
      }
    }
    // The demo exists to show notifications: most rounds make some.
    expect(notified).toBeGreaterThan(20);
  });
});
