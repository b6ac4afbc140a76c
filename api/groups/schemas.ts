import { Type } from '@fastify/type-provider-typebox';
import type { Group, MemberEnrollment, Membership } from '../../projections/groups/queries.ts';
import { NOT_BLANK } from '../nul-guard.ts';

export const GROUPS_WRITE_SCOPE = 'groups:write';
export const GROUPS_READ_SCOPE = 'groups:read';

/** Group and member ids are external keys that CSV files carry as written: letters, digits, `.`, `_`, `:`, `-`. */
const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';
export const GroupId = Type.String({ minLength: 1, maxLength: 100, pattern: ID_PATTERN });
export const MemberId = Type.String({ minLength: 1, maxLength: 100, pattern: ID_PATTERN });
const GroupName = Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK, description: 'Not blank.' });

export const GroupParams = Type.Object({ groupId: GroupId }, { additionalProperties: false });
export const MemberParams = Type.Object({ memberId: MemberId }, { additionalProperties: false });

export const CreateGroupBody = Type.Object(
  {
    groupId: Type.Optional({
      ...GroupId,
      description: 'The id assignment files will name the group by; a new UUID when left out.',
    }),
    name: GroupName,
  },
  { additionalProperties: false },
);

export const RenameGroupBody = Type.Object({ name: GroupName }, { additionalProperties: false });

export const GroupAccepted = Type.Object({
  groupId: Type.String(),
  position: Type.String({ description: 'Pass as ?after= to a read to see the change applied.' }),
});

export const ReadAfter = {
  after: Type.Optional(
    Type.String({ description: 'A position a command returned: wait until the read model has applied it.' }),
  ),
  wait: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Longest wait for `after`, in ms (capped by API_READ_WAIT_MS).' }),
  ),
};

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'The nextCursor of the previous page.' })),
    ...ReadAfter,
  },
  { additionalProperties: false },
);

const NextCursor = Type.Optional(
  Type.String({ description: 'Pass as ?cursor= for the next page; absent on the last.' }),
);

export const GroupJson = Type.Object({
  groupId: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const GroupPage = Type.Object({ items: Type.Array(GroupJson), nextCursor: NextCursor });

const MembershipJson = Type.Object({
  memberId: Type.String(),
  groupId: Type.String(),
  addedAt: Type.String({ format: 'date-time', description: 'When the member last joined the group.' }),
  changedAt: Type.String({ format: 'date-time', description: 'When the membership was last changed.' }),
  changedBy: Type.Union([Type.String(), Type.Null()], { description: 'Who changed it last.' }),
  assignmentId: Type.String({ format: 'uuid', description: 'The assignment job that changed it last.' }),
});

export const GroupMembersPage = Type.Object({
  groupId: Type.String(),
  items: Type.Array(MembershipJson),
  nextCursor: NextCursor,
});

export const MemberGroupsPage = Type.Object({
  member: Type.Object({
    memberId: Type.String(),
    enrollment: Type.Union([Type.Literal('partial'), Type.Literal('unknown')], {
      description: '`partial` once an assignment job enrolled the member; `unknown` when enrolled elsewhere.',
    }),
    enrolledVia: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    enrolledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
  items: Type.Array(MembershipJson),
  nextCursor: NextCursor,
});

export const groupJson = (group: Group) => ({
  groupId: group.groupId,
  name: group.name,
  createdAt: group.createdAt.toISOString(),
  createdBy: group.createdBy,
  updatedAt: group.updatedAt.toISOString(),
});

export const membershipJson = (membership: Membership) => ({
  memberId: membership.memberId,
  groupId: membership.groupId,
  addedAt: membership.addedAt.toISOString(),
  changedAt: membership.changedAt.toISOString(),
  changedBy: membership.changedBy,
  assignmentId: membership.assignmentId,
});

export const memberJson = (member: MemberEnrollment) => ({
  memberId: member.memberId,
  enrollment: member.enrollment,
  enrolledVia: member.enrolledVia,
  enrolledAt: member.enrolledAt?.toISOString() ?? null,
});

const Failure = Type.Object({
  lineNumber: Type.Integer({ description: '1-based, the header being line 1.' }),
  memberId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
});

const Skip = Type.Object({
  lineNumber: Type.Integer(),
  memberId: Type.String(),
  groupId: Type.String(),
  reason: Type.Union([
    Type.Literal('already_in_group'),
    Type.Literal('not_in_group'),
    Type.Literal('duplicate'),
    Type.Literal('overridden'),
  ]),
  byLine: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The later line it duplicates or that overrides it.',
  }),
});

export const AssignmentSummaryJson = Type.Object({
  totalLines: Type.Integer({ description: 'Data lines read: added + removed + unchanged + failed.' }),
  added: Type.Integer(),
  removed: Type.Integer(),
  enrolled: Type.Integer({ description: 'Members partially enrolled before their first add.' }),
  unchanged: Type.Integer({ description: 'Valid lines that changed nothing; the first 100 are in `skipped`.' }),
  failed: Type.Integer({ description: 'Rejected lines; the first 100 are in `failures`, all in the report.' }),
  failures: Type.Array(Failure),
  skipped: Type.Array(Skip),
});

export const AssignmentParams = Type.Object(
  { assignmentId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const AssignmentQuery = Type.Object(
  {
    fileName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The file’s name, kept on the job and in its report.' }),
    ),
  },
  { additionalProperties: false },
);

const Links = Type.Object({
  self: Type.String({ description: 'Poll this for the job’s status, progress and summary.' }),
  report: Type.String({ description: 'The CSV report of every rejected line (line_number, column, reason).' }),
});

export const AssignmentAccepted = Type.Object({
  assignmentId: Type.String({ format: 'uuid', description: 'The job; the same file gives the same job.' }),
  status: Type.Literal('accepted'),
  links: Links,
});

export const AssignmentJobJson = Type.Object({
  assignmentId: Type.String({ format: 'uuid' }),
  status: Type.Union(
    [Type.Literal('queued'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')],
    {
      description: '`queued` until a worker takes the file, `failed` when it was refused whole (see `failure`).',
    },
  ),
  sourceFile: Type.Union([Type.String(), Type.Null()]),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer({ description: 'How many times the job started (a crashed worker’s job starts again).' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  progress: Type.Object({
    linesRead: Type.Integer(),
    bytesRead: Type.Integer(),
    totalBytes: Type.Union([Type.Integer(), Type.Null()]),
  }),
  summary: Type.Union([AssignmentSummaryJson, Type.Null()], {
    description:
      'Once completed; `failures` and `skipped` list the first 100 lines each, the report has every rejected one.',
  }),
  failure: Type.Union([
    Type.Object({ reason: Type.String(), lineNumber: Type.Union([Type.Integer(), Type.Null()]) }),
    Type.Null(),
  ]),
  links: Links,
});
