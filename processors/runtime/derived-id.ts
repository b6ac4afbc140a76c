import { v5 as uuidv5 } from 'uuid';

/** Namespace of every id Tributary derives (a fixed, random UUID; never change it). */
const TRIBUTARY_NAMESPACE = '4f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91';

/**
 * The id of an event a processor publishes in reaction to `inputEventId`: the same input and
 * `purpose` always give the same id (UUIDv5), so a redelivered input republishes the same
 * events and sinks that deduplicate on eventId drop the copies. Use a distinct `purpose` for
 * each output of one input (`cleansed`, `rejected`, `line-3`).
 */
export function derivedEventId(inputEventId: string, purpose: string): string {
  return uuidv5(`${inputEventId}/${purpose}`, TRIBUTARY_NAMESPACE);
}
