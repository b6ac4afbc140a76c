import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { notificationsFor } from '../../processors/realtime-relay/notifications.ts';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import type { GroupMembershipsChanged, TributaryEvent } from '../../schemas/generated/events.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { metadata } from '../../test/support/events.ts';
import { projectionSpec } from '../../test/support/projection-spec.ts';
import { changesOf } from './changes-of.ts';
import { groupMemberships } from './projection.ts';

const job = randomUUID();
const chunk: GroupMembershipsChanged = {
  type: 'GroupMembershipsChanged',
  metadata: metadata(new Date('2026-11-23T04:00:00Z'), { organizationId: 'org-1', actor: 'user-1' }),
  payload: {
    bucket: 'bucket-7',
    assignmentId: job,
    changes: [
      { lineNumber: 2, memberId: 'm-1', groupId: 'g-a', action: 'add', enrolls: true, changes: true },
      { lineNumber: 5, memberId: 'm-2', groupId: 'g-b', action: 'remove', enrolls: false, changes: true },
      { lineNumber: 9, memberId: 'm-3', groupId: 'g-a', action: 'add', enrolls: true, changes: false },
    ],
  },
};

/** The events the importer published before chunks, one Kafka record per change, for the same lines. */
function singles(): TributaryEvent[] {
  const at = (purpose: string) => ({ ...chunk.metadata, eventId: derivedEventId(job, purpose) });
  return [
    { type: 'MemberEnrolled', metadata: at('enroll/m-1'), payload: { memberId: 'm-1', enrolledVia: job } },
    {
      type: 'MemberAddedToGroup',
      metadata: at('line-2'),
      payload: { memberId: 'm-1', groupId: 'g-a', assignmentId: job },
    },
    {
      type: 'MemberRemovedFromGroup',
      metadata: at('line-5'),
      payload: { memberId: 'm-2', groupId: 'g-b', assignmentId: job },
    },
    { type: 'MemberEnrolled', metadata: at('enroll/m-3'), payload: { memberId: 'm-3', enrolledVia: job } },
  ];
}

describe('an assignment chunk read as the events it stands for', () => {
  it('when a chunk is unfolded, then each change is its enrollment and membership event, in file order, with the ids the single events had', () => {
    expect(changesOf(chunk)).toEqual(singles());
  });

  it('when an event is not a chunk, then it stands for itself', () => {
    const [single] = singles();
    expect(changesOf(single!)).toEqual([single]);
  });

  it('when the projection reads a chunk, then it makes the statements of the single events', () => {
    let fromSingles: unknown;
    projectionSpec(groupMemberships)
      .when(singles())
      .then((statements) => (fromSingles = statements));
    projectionSpec(groupMemberships)
      .when([chunk])
      .then((statements) => expect(statements).toEqual(fromSingles));
  });

  it('when the relay reads a chunk, then it issues the notifications of the single events, with the same ids', () => {
    const topics = realtimeTopicsOf();
    const fromChunk = notificationsFor(chunk, topics);
    expect(fromChunk).toEqual(singles().flatMap((event) => notificationsFor(event, topics)));
    expect(fromChunk.map((n) => n.payload.filters)).toEqual([
      { memberId: 'm-1', groupId: 'g-a', change: 'added' },
      { memberId: 'm-2', groupId: 'g-b', change: 'removed' },
    ]);
  });
});
