import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import type {
  MemberAddedToGroup,
  MemberEnrolled,
  MemberRemovedFromGroup,
  TributaryEvent,
} from '../../schemas/generated/events.ts';

export type MembershipEvent = MemberEnrolled | MemberAddedToGroup | MemberRemovedFromGroup;

/**
 * The membership events an event carries: an importer's chunk (GroupMembershipsChanged) as the
 * MemberEnrolled, MemberAddedToGroup and MemberRemovedFromGroup events its changes stand for, in
 * file order, each with the id it had when every change was a Kafka record of its own (derived
 * from the job and `enroll/<member>` or `line-<n>`) and the chunk's metadata otherwise; any other
 * event as itself. So the projection and the realtime relay treat a chunk's change exactly as
 * the single event, and a change published both ways (a rerun) is recognised as one.
 */
export function changesOf(event: TributaryEvent): TributaryEvent[] {
  if (event.type !== 'GroupMembershipsChanged') return [event];
  const { assignmentId, changes } = event.payload;
  const events: MembershipEvent[] = [];
  for (const { lineNumber, memberId, groupId, action, enrolls, changes: standsForChange } of changes) {
    if (enrolls)
      events.push({
        type: 'MemberEnrolled',
        metadata: { ...event.metadata, eventId: derivedEventId(assignmentId, `enroll/${memberId}`) },
        payload: { memberId, enrolledVia: assignmentId },
      });
    if (standsForChange)
      events.push({
        type: action === 'add' ? 'MemberAddedToGroup' : 'MemberRemovedFromGroup',
        metadata: { ...event.metadata, eventId: derivedEventId(assignmentId, `line-${lineNumber}`) },
        payload: { memberId, groupId, assignmentId },
      });
  }
  return events;
}
