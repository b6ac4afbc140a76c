import type pg from 'pg';
import { qualified, type Projection } from '../projection.ts';
import { groupMemberships } from './projection.ts';

type Db = Pick<pg.Pool, 'query'>;
type Named = Pick<Projection, 'name'>;

export interface Group {
  readonly groupId: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly createdBy: string | null;
  readonly updatedAt: Date;
}

/** A member as far as group assignment knows them: `partial` once a job enrolled them, else `unknown`. */
export interface MemberEnrollment {
  readonly memberId: string;
  readonly enrollment: 'partial' | 'unknown';
  readonly enrolledVia: string | null;
  readonly enrolledAt: Date | null;
}

/** A member's stay in a group, with the last change that made it so. */
export interface Membership {
  readonly memberId: string;
  readonly groupId: string;
  readonly addedAt: Date;
  readonly changedAt: Date;
  readonly changedBy: string | null;
  readonly assignmentId: string;
}

/** A page of rows and, when more follow, the sort key of the last one. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: readonly string[];
}

export interface PageRequest {
  readonly limit: number;
  /** The sort key of the last row of the previous page. */
  readonly after?: readonly string[];
}

interface GroupRow {
  group_id: string;
  name: string;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
}

const toGroup = (row: GroupRow): Group => ({
  groupId: row.group_id,
  name: row.name,
  createdAt: row.created_at,
  createdBy: row.created_by,
  updatedAt: row.updated_at,
});

/** One group of the organization; undefined when it does not exist or is another organization's. */
export async function groupOf(
  db: Db,
  organizationId: string,
  groupId: string,
  projection: Named = groupMemberships,
): Promise<Group | undefined> {
  const { rows } = await db.query<GroupRow>(
    `select * from ${qualified(projection, 'groups')} where organization_id = $1 and group_id = $2`,
    [organizationId, groupId],
  );
  return rows[0] && toGroup(rows[0]);
}

/** The organization's groups by name (then id). Cursor: [name, groupId]. */
export async function groupsOf(
  db: Db,
  organizationId: string,
  page: PageRequest,
  projection: Named = groupMemberships,
): Promise<Page<Group>> {
  const params: unknown[] = [organizationId, page.limit + 1];
  let after = '';
  if (page.after) {
    params.push(page.after[0], page.after[1]);
    after = 'and (name, group_id) > ($3, $4)';
  }
  const { rows } = await db.query<GroupRow>(
    `select * from ${qualified(projection, 'groups')} where organization_id = $1 ${after}
     order by name, group_id limit $2`,
    params,
  );
  return paged(rows.map(toGroup), page.limit, (g) => [g.name, g.groupId]);
}

/** Of these group ids, the ones the organization has. */
export async function knownGroups(
  db: Db,
  organizationId: string,
  groupIds: readonly string[],
  projection: Named = groupMemberships,
): Promise<Set<string>> {
  const { rows } = await db.query<{ group_id: string }>(
    `select group_id from ${qualified(projection, 'groups')} where organization_id = $1 and group_id = any($2::text[])`,
    [organizationId, [...new Set(groupIds)]],
  );
  return new Set(rows.map((r) => r.group_id));
}

interface MembershipRow {
  member_id: string;
  group_id: string;
  added_at: Date;
  changed_at: Date;
  changed_by: string | null;
  assignment_id: string;
}

const toMembership = (row: MembershipRow): Membership => ({
  memberId: row.member_id,
  groupId: row.group_id,
  addedAt: row.added_at,
  changedAt: row.changed_at,
  changedBy: row.changed_by,
  assignmentId: row.assignment_id,
});

/** The members in a group now, by member id. Cursor: [memberId]. */
export async function membersOfGroup(
  db: Db,
  organizationId: string,
  groupId: string,
  page: PageRequest,
  projection: Named = groupMemberships,
): Promise<Page<Membership>> {
  const params: unknown[] = [organizationId, groupId, page.limit + 1];
  if (page.after) params.push(page.after[0]);
  const { rows } = await db.query<MembershipRow>(
    `select * from ${qualified(projection, 'memberships')}
     where organization_id = $1 and group_id = $2 and in_group ${page.after ? 'and member_id > $4' : ''}
     order by member_id limit $3`,
    params,
  );
  return paged(rows.map(toMembership), page.limit, (m) => [m.memberId]);
}

/** The groups a member is in now, by group id. Cursor: [groupId]. */
export async function groupsOfMember(
  db: Db,
  organizationId: string,
  memberId: string,
  page: PageRequest,
  projection: Named = groupMemberships,
): Promise<Page<Membership>> {
  const params: unknown[] = [organizationId, memberId, page.limit + 1];
  if (page.after) params.push(page.after[0]);
  const { rows } = await db.query<MembershipRow>(
    `select * from ${qualified(projection, 'memberships')}
     where organization_id = $1 and member_id = $2 and in_group ${page.after ? 'and group_id > $4' : ''}
     order by group_id limit $3`,
    params,
  );
  return paged(rows.map(toMembership), page.limit, (m) => [m.groupId]);
}

/**
 * The member's enrollment; undefined when group assignment has never heard of them (neither
 * enrolled them nor seen them in a group).
 */
export async function memberOf(
  db: Db,
  organizationId: string,
  memberId: string,
  projection: Named = groupMemberships,
): Promise<MemberEnrollment | undefined> {
  const { rows } = await db.query<{ enrollment: string | null; enrolled_via: string | null; enrolled_at: Date | null }>(
    `select m.enrollment, m.enrolled_via, m.enrolled_at
     from (select $1::text as organization_id, $2::text as member_id) k
     left join ${qualified(projection, 'members')} m using (organization_id, member_id)
     where m.member_id is not null or exists (select 1 from ${qualified(projection, 'memberships')} s
       where s.organization_id = k.organization_id and s.member_id = k.member_id)`,
    [organizationId, memberId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    memberId,
    enrollment: row.enrollment === 'partial' ? 'partial' : 'unknown',
    enrolledVia: row.enrolled_via,
    enrolledAt: row.enrolled_at,
  };
}

function paged<T>(rows: T[], limit: number, keyOf: (row: T) => string[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items.at(-1) : undefined;
  return { items, ...(last ? { next: keyOf(last) } : {}) };
}

/** What an assignment job plans a chunk against, for the members the chunk names. */
export interface AssignmentState {
  /** `${memberId}\u0000${groupId}` of every membership in force. */
  readonly memberships: Set<string>;
  /** The same keys, for memberships whose last change is this job's. */
  readonly changedByJob: Set<string>;
  /** Members known before this job: enrolled by another job, or with a membership (enrollment precedes a job's first add). */
  readonly knownMembers: Set<string>;
  readonly enrolledByJob: Set<string>;
}

/**
 * The memberships and enrollments of these members, telling apart what this very job changed (an
 * earlier run of it that crashed), so a rerun plans as the first run did.
 */
export async function assignmentStateOf(
  db: Db,
  organizationId: string,
  assignmentId: string,
  memberIds: readonly string[],
  projection: Named = groupMemberships,
): Promise<AssignmentState> {
  const ids = [...new Set(memberIds)];
  const [held, enrolled] = await Promise.all([
    db.query<{ member_id: string; group_id: string; in_group: boolean; by_job: boolean }>(
      `select member_id, group_id, in_group, assignment_id = $3::uuid as by_job from ${qualified(projection, 'memberships')}
       where organization_id = $1 and member_id = any($2::text[])`,
      [organizationId, ids, assignmentId],
    ),
    db.query<{ member_id: string; by_job: boolean }>(
      `select member_id, enrolled_via = $3::uuid as by_job from ${qualified(projection, 'members')}
       where organization_id = $1 and member_id = any($2::text[])`,
      [organizationId, ids, assignmentId],
    ),
  ]);
  const state: AssignmentState = {
    memberships: new Set(),
    changedByJob: new Set(),
    knownMembers: new Set(),
    enrolledByJob: new Set(),
  };
  for (const row of held.rows) {
    const key = `${row.member_id}\u0000${row.group_id}`;
    if (row.in_group) state.memberships.add(key);
    if (row.by_job) state.changedByJob.add(key);
    state.knownMembers.add(row.member_id);
  }
  // An enrollment decides: a member this job enrolled was unknown before it, whatever memberships it then gave them.
  for (const row of enrolled.rows) {
    if (row.by_job) {
      state.enrolledByJob.add(row.member_id);
      state.knownMembers.delete(row.member_id);
    } else state.knownMembers.add(row.member_id);
  }
  return state;
}

export interface AssignmentSummary {
  readonly totalLines: number;
  readonly added: number;
  readonly removed: number;
  readonly enrolled: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly failures: readonly { lineNumber: number; memberId: string | null; reason: string }[];
  readonly skipped: readonly {
    lineNumber: number;
    memberId: string;
    groupId: string;
    reason: 'already_in_group' | 'not_in_group' | 'duplicate' | 'overridden';
    byLine: number | null;
  }[];
}

export interface AssignmentJob {
  readonly assignmentId: string;
  readonly sourceFile: string | null;
  readonly requestedBy: string | null;
  readonly completedAt: Date;
  readonly summary: AssignmentSummary;
}

/** A completed assignment job of the organization; undefined when unknown or another organization's. */
export async function assignmentJobOf(
  db: Db,
  organizationId: string,
  assignmentId: string,
  projection: Named = groupMemberships,
): Promise<AssignmentJob | undefined> {
  const { rows } = await db.query<{
    assignment_id: string;
    source_file: string | null;
    requested_by: string | null;
    completed_at: Date;
    summary: AssignmentSummary;
  }>(`select * from ${qualified(projection, 'assignment_jobs')} where organization_id = $1 and assignment_id = $2`, [
    organizationId,
    assignmentId,
  ]);
  const row = rows[0];
  return (
    row && {
      assignmentId: row.assignment_id,
      sourceFile: row.source_file,
      requestedBy: row.requested_by,
      completedAt: row.completed_at,
      summary: row.summary,
    }
  );
}
