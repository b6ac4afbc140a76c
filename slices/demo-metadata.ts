import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../schemas/generated/events.ts';
import type { DemoContext } from './slice.ts';

/** Metadata for a demo event: a fresh id, now, the demo's organization, acted by `actor`. */
export function demoMetadata(context: DemoContext, actor: string, correlationId = randomUUID()): EventMetadata {
  return {
    eventId: randomUUID(),
    occurredAt: context.now,
    organizationId: context.organizationId,
    environment: context.environment,
    correlationId,
    causationId: null,
    actor,
  };
}
