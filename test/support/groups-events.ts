import { randomUUID } from 'node:crypto';
import type {
  GroupCreated,
  GroupRenamed,
  MemberAddedToGroup,
  MemberEnrolled,
  MemberRemovedFromGroup,
} from '../../schemas/generated/events.ts';
import { metadata } from './events.ts';

type Options = { readonly at?: Date; readonly organizationId?: string; readonly actor?: string };

const meta = ({ at = new Date(), organizationId = 'org-test', actor = 'user-1' }: Options) =>
  metadata(at, { organizationId, actor });

export function groupCreated(groupId: string, name: string, options: Options = {}): GroupCreated {
  return { type: 'GroupCreated', metadata: meta(options), payload: { groupId, name, createdBy: 'user-1' } };
}

export function groupRenamed(groupId: string, name: string, options: Options = {}): GroupRenamed {
  return { type: 'GroupRenamed', metadata: meta(options), payload: { groupId, name, renamedBy: 'user-1' } };
}

export function memberEnrolled(memberId: string, enrolledVia = randomUUID(), options: Options = {}): MemberEnrolled {
  return { type: 'MemberEnrolled', metadata: meta(options), payload: { memberId, enrolledVia } };
}

export function memberAdded(
  memberId: string,
  groupId: string,
  assignmentId = randomUUID(),
  options: Options = {},
): MemberAddedToGroup {
  return { type: 'MemberAddedToGroup', metadata: meta(options), payload: { memberId, groupId, assignmentId } };
}

export function memberRemoved(
  memberId: string,
  groupId: string,
  assignmentId = randomUUID(),
  options: Options = {},
): MemberRemovedFromGroup {
  return { type: 'MemberRemovedFromGroup', metadata: meta(options), payload: { memberId, groupId, assignmentId } };
}
