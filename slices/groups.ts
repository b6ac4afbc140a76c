import { groupsRoutes } from '../api/groups/routes.ts';
import { GROUPS_READ_SCOPE, GROUPS_WRITE_SCOPE } from '../api/groups/schemas.ts';
import { DEMO_GROUPS, demoAssignment } from '../producers/groups/demo-assignment.ts';
import { groupsImporter } from '../producers/groups/importer.ts';
import { changesOf } from '../projections/groups/changes-of.ts';
import { groupMemberships } from '../projections/groups/projection.ts';
import { defineSlice } from './slice.ts';
import { demoMetadata } from './demo-metadata.ts';

/**
 * Group memberships (seed 004's bulk assignment): groups managed by routes, CSV assignment files
 * imported as jobs of the imports platform (HTTP uploads, the data-delivery bucket, `tributary
 * import groups`), streamed, planned against the memberships read model and applied with a report
 * per job, and the realtime topic.
 */
export const groupsSlice = defineSlice({
  name: 'groups',
  doc: "Members' group assignments, changed in bulk from CSV files (seed 004).",
  projections: { memberships: groupMemberships },
  routes: groupsRoutes,
  importers: [groupsImporter],
  scopes: [
    { name: GROUPS_WRITE_SCOPE, doc: "Create and rename the organization's groups; assign members to them." },
    { name: GROUPS_READ_SCOPE, doc: "List the organization's groups, their members and members' groups." },
  ],
  realtime: [
    {
      name: 'group_membership_changed',
      doc: 'A member was added to or removed from a group: the `change` filter is `added` or `removed`.',
      filterKeys: ['memberId', 'groupId', 'change'],
      from: {
        // `change` tells a join from a leave (one topic, the same payload), and a dashboard may filter on it.
        MemberAddedToGroup: (e) => ({ memberId: e.payload.memberId, groupId: e.payload.groupId, change: 'added' }),
        MemberRemovedFromGroup: (e) => ({
          memberId: e.payload.memberId,
          groupId: e.payload.groupId,
          change: 'removed',
        }),
      },
      // An importer's chunk notifies once per change, as the single events it stands for would.
      carriers: { GroupMembershipsChanged: changesOf },
    },
  ],
  demo(context) {
    // The groups the memberships and files name exist in the read model (a repeated creation keeps the first).
    if (context.round === 1)
      return DEMO_GROUPS.map(({ groupId, name }) => ({
        type: 'GroupCreated' as const,
        metadata: demoMetadata(context, 'hr-service'),
        payload: { groupId, name, createdBy: 'hr-service' },
      }));
    if (context.round % 4 !== 0) return [];
    const memberId = `member-${context.round % 7}`;
    const assignmentId = crypto.randomUUID();
    return [
      {
        type: context.round % 8 === 0 ? 'MemberRemovedFromGroup' : 'MemberAddedToGroup',
        metadata: demoMetadata(context, 'hr-service'),
        payload: { memberId, groupId: 'group-finance', assignmentId },
      },
    ];
  },
  demoActions: demoAssignment,
});
