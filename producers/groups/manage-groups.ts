import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../../schemas/generated/events.ts';
import type { Position, Publisher } from '../publisher.ts';
import { groupError } from './errors.ts';

/** Who asks, as the events they cause record it. */
export interface Requester {
  readonly organizationId: string;
  readonly subject: string;
  readonly correlationId: string;
}

export function metadataOf(
  requester: Requester,
  environment: string,
  now: Date,
  eventId: string = randomUUID(),
): EventMetadata {
  return {
    eventId,
    occurredAt: now,
    organizationId: requester.organizationId,
    environment,
    correlationId: requester.correlationId,
    causationId: null,
    actor: requester.subject,
  };
}

/** Hands out a group id to one creation at a time (group-id-claims.ts). */
export interface GroupIdClaims {
  claim(groupId: string): Promise<boolean>;
  published(groupId: string): Promise<void>;
  release(groupId: string): Promise<void>;
}

/**
 * Creates a group under the id given (as assignment files will name it) or a new UUID. An id the
 * read model already holds is refused, and so is one another creation has claimed and not yet
 * seen applied: of creations racing for one id, exactly one publishes. A publish that fails gives
 * the id back.
 */
export async function createGroup(
  publisher: Publisher,
  environment: string,
  requester: Requester,
  command: { readonly groupId?: string; readonly name: string },
  exists: (groupId: string) => Promise<boolean>,
  claims: GroupIdClaims,
): Promise<{ groupId: string; position: Position }> {
  const groupId = command.groupId ?? randomUUID();
  if (command.groupId !== undefined) {
    if (await exists(groupId)) throw groupError.groupExists(groupId);
    if (!(await claims.claim(groupId))) throw groupError.groupExists(groupId);
  }
  let position: Position;
  try {
    position = await publisher.publish({
      type: 'GroupCreated',
      metadata: metadataOf(requester, environment, new Date()),
      payload: { groupId, name: command.name, createdBy: requester.subject },
    });
  } catch (error) {
    if (command.groupId !== undefined) await claims.release(groupId).catch(() => undefined);
    throw error;
  }
  if (command.groupId !== undefined) await claims.published(groupId);
  return { groupId, position };
}

/** Renames one of the organization's groups; its id, which files name it by, stays. */
export async function renameGroup(
  publisher: Publisher,
  environment: string,
  requester: Requester,
  groupId: string,
  name: string,
  exists: (groupId: string) => Promise<boolean>,
): Promise<Position> {
  if (!(await exists(groupId))) throw groupError.groupNotFound(groupId);
  return publisher.publish({
    type: 'GroupRenamed',
    metadata: metadataOf(requester, environment, new Date()),
    payload: { groupId, name, renamedBy: requester.subject },
  });
}
