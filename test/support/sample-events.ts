import type { EventSchema } from '../../schemas/avro.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { metadata } from './events.ts';

/**
 * A valid event of any type, its payload drawn at random from its schema by avsc, with real
 * metadata and real instants (random longs make dates outside JavaScript's range).
 */
export function sampleEvent(schema: EventSchema): TributaryEvent {
  const random = schema.type.random() as unknown as { payload: unknown };
  return { type: schema.name, metadata: metadata(new Date()), payload: realDates(random.payload) } as TributaryEvent;
}

function realDates(value: unknown): unknown {
  if (value instanceof Date) return new Date(Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 1e10));
  if (Array.isArray(value)) return value.map(realDates);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, realDates(v)]));
  return value;
}
