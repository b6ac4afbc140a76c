import type { EventSchema } from '../../schemas/avro.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { metadata } from './events.ts';

/**
 * A valid event of any type, its payload drawn at random from its schema by avsc, with real
 * metadata, real instants (random longs make dates outside JavaScript's range), and every
 * organization the payload names being the event's own (as ingest requires).
 */
export function sampleEvent(schema: EventSchema): TributaryEvent {
  const random = schema.type.random() as unknown as { payload: unknown };
  const meta = metadata(new Date());
  return {
    type: schema.name,
    metadata: meta,
    payload: realistic(random.payload, meta.organizationId),
  } as TributaryEvent;
}

function realistic(value: unknown, organizationId: string): unknown {
  if (value instanceof Date) return new Date(Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 1e10));
  if (Array.isArray(value)) return value.map((item) => realistic(item, organizationId));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'organizationId' ? organizationId : realistic(v, organizationId),
      ]),
    );
  return value;
}
