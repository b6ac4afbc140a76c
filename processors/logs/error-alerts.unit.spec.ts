import { describe, expect, it } from 'vitest';
import { logEntry } from '../../test/support/lake.ts';
import type { ConsumedEvent } from '../runtime/processor.ts';
import { alertCandidates, alertNotification } from './error-alerts.ts';

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 22, 10, minute, second));
function failing(org: string, time: Date, level: 'error' | 'fatal' | 'info' = 'error') {
  const entry = logEntry(org, 'web', time);
  return { ...entry, payload: { ...entry.payload, level } };
}
const consumed = (events: ReturnType<typeof failing>[]): ConsumedEvent[] =>
  events.map((event, i) => ({ event, topic: 'logs.entries', partition: 0, offset: String(i), key: null }));

describe('log_error alerts', () => {
  it('when several errors of one organization fall in one window, then only the first raises an alert', () => {
    const first = failing('org-a', at(0, 10));
    const candidates = alertCandidates(
      consumed([failing('org-a', at(0, 1), 'info'), first, failing('org-a', at(0, 50))]),
      60_000,
    );

    expect(candidates).toHaveLength(1);
    expect(candidates[0]!.entry).toBe(first);
    expect(candidates[0]!.window.start.toISOString()).toBe('2026-11-22T10:00:00.000Z');
  });

  it('when errors fall in two windows or two organizations, then each window of each organization alerts', () => {
    const candidates = alertCandidates(
      consumed([failing('org-a', at(0)), failing('org-a', at(1)), failing('org-b', at(0), 'fatal')]),
      60_000,
    );
    expect(candidates.map((c) => `${c.window.organizationId}@${c.window.start.getUTCMinutes()}`)).toEqual([
      'org-a@0',
      'org-a@1',
      'org-b@0',
    ]);
  });

  it('when a window’s alert is made again from another entry of it, then its id is the same', () => {
    const [a] = alertCandidates(consumed([failing('org-a', at(0, 5))]), 60_000);
    const [b] = alertCandidates(consumed([failing('org-a', at(0, 40))]), 60_000);
    const first = alertNotification(a!.window, a!.entry);

    expect(first.metadata.eventId).toBe(alertNotification(b!.window, b!.entry).metadata.eventId);
    expect(first.payload).toMatchObject({ topic: 'log_error', filters: { logType: 'web', server: 'web-1' } });
    expect(JSON.parse(first.payload.data).window).toEqual({
      start: '2026-11-22T10:00:00.000Z',
      end: '2026-11-22T10:01:00.000Z',
    });
  });
});
