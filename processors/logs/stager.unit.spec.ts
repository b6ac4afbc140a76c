import { describe, expect, it } from 'vitest';
import { logEntry } from '../../test/support/lake.ts';
import type { EventOf } from '../../schemas/generated/events.ts';
import type { ConsumedEvent } from '../runtime/processor.ts';
import { segmentsOf } from './stager.ts';

const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 10, 22, hour, minute));
const consumed = (events: EventOf<'LogEntry'>[]): ConsumedEvent<EventOf<'LogEntry'>>[] =>
  events.map((event, i) => ({ event, topic: 'logs.entries', partition: 2, offset: String(10 + i), key: null }));

describe('lake staging segments', () => {
  it('when a batch mixes organizations, types and hours, then each partition is one segment in offset order', () => {
    const segments = segmentsOf(
      consumed([
        logEntry('org-a', 'web', at(9, 5)),
        logEntry('org-a', 'app', at(9, 6)),
        logEntry('org-a', 'web', at(9, 59)),
        logEntry('org-a', 'web', at(10, 0)),
        logEntry('org-b', 'web', at(9, 7)),
      ]),
    );

    expect(segments.map((s) => [s.organizationId, s.logType, s.hour, s.offsets])).toEqual([
      ['org-a', 'web', '2026-11-22T09:00:00.000Z', ['10', '12']],
      ['org-a', 'app', '2026-11-22T09:00:00.000Z', ['11']],
      ['org-a', 'web', '2026-11-22T10:00:00.000Z', ['13']],
      ['org-b', 'web', '2026-11-22T09:00:00.000Z', ['14']],
    ]);
    expect(JSON.parse(segments[0]!.lines[1]!)).toMatchObject({ kafka_offset: '12', kafka_partition: 2 });
  });

  it('when two partitions’ fields spell the same text run together, then they stay two segments', () => {
    const entry = (organizationId: string, environment: string) => {
      const event = logEntry(organizationId, 'web', at(9));
      return { ...event, payload: { ...event.payload, organizationId, environment } };
    };

    const segments = segmentsOf(consumed([entry('c', 'ab'), entry('bc', 'a')]));

    expect(segments.map((s) => [s.environment, s.organizationId])).toEqual([
      ['ab', 'c'],
      ['a', 'bc'],
    ]);
  });
});
