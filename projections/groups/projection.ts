import type { ConsumedEvent } from '../../processors/runtime/processor.ts';
import type { EventOf } from '../../schemas/generated/events.ts';
import { defineProjection } from '../projection.ts';
import type { Statement } from '../statement.ts';
import { changesOf } from './changes-of.ts';

const HANDLES = [
  'GroupCreated',
  'GroupRenamed',
  'MemberEnrolled',
  'MemberAddedToGroup',
  'MemberRemovedFromGroup',
  'GroupMembershipsChanged',
  'GroupAssignmentCompleted',
] as const;
type Handled = EventOf<(typeof HANDLES)[number]>;

/**
 * Group memberships (seed 004): an organization's groups, its members with their enrollment, and
 * who is in which group, with who changed it last and when. A member's events share a partition
 * (keyed by memberId) and a group's lifecycle events share one (keyed by groupId), so within a
 * batch the last event per row wins, and batches arrive in offset order. An importer's chunk
 * (GroupMembershipsChanged, keyed by the bucket its members hash to, so a member's changes of one
 * job share a partition too) is read as the events its changes stand for (changesOf). A removed
 * membership is kept (`in_group` false) so the last change stays visible.
 */
export const groupMemberships = defineProjection({
  name: 'group_memberships',
  handles: HANDLES,
  tables: ['groups', 'members', 'memberships', 'assignment_jobs', 'applied_changes'],
  migrations: [
    {
      version: 1,
      name: 'groups, members and memberships',
      sql: `create table groups (
        organization_id text not null,
        group_id text not null,
        name text not null,
        created_at timestamptz not null,
        created_by text,
        updated_at timestamptz not null,
        primary key (organization_id, group_id));
      create index groups_by_name on groups (organization_id, name, group_id);
      create table members (
        organization_id text not null,
        member_id text not null,
        enrollment text not null check (enrollment in ('partial')),
        enrolled_via uuid not null,
        enrolled_at timestamptz not null,
        primary key (organization_id, member_id));
      create table memberships (
        organization_id text not null,
        member_id text not null,
        group_id text not null,
        in_group boolean not null,
        assignment_id uuid not null,
        changed_at timestamptz not null,
        changed_by text,
        added_at timestamptz,
        primary key (organization_id, member_id, group_id));
      create index memberships_by_group on memberships (organization_id, group_id, member_id) where in_group;`,
    },
    {
      version: 2,
      name: 'assignment jobs',
      sql: `create table assignment_jobs (
        organization_id text not null,
        assignment_id uuid not null,
        source_file text,
        requested_by text,
        completed_at timestamptz not null,
        summary jsonb not null,
        primary key (organization_id, assignment_id));`,
    },
    {
      version: 3,
      name: 'membership changes applied, by event id',
      sql: `create table applied_changes (
        event_id uuid primary key,
        assignment_id uuid not null);
      create index applied_changes_by_job on applied_changes (assignment_id);`,
    },
  ],
  project(consumed) {
    const events = consumed.flatMap((c) =>
      c.event.type === 'GroupMembershipsChanged' ? changesOf(c.event).map((event) => ({ ...c, event })) : [c],
    );
    const of = <T extends Handled['type']>(...types: T[]) =>
      events
        .filter((c): c is ConsumedEvent<EventOf<T>> => (types as string[]).includes(c.event.type))
        .map((c) => c.event);
    return [
      ...groupStatements(of('GroupCreated', 'GroupRenamed')),
      ...enrolled(of('MemberEnrolled')),
      ...membershipStatements(of('MemberAddedToGroup', 'MemberRemovedFromGroup')),
      ...jobsCompleted(of('GroupAssignmentCompleted')),
    ];
  },
});

interface GroupRow {
  organization_id: string;
  group_id: string;
  name: string;
  created: boolean;
  renamed: boolean;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

/**
 * A creation inserts the group (a repeated one keeps the first); a rename changes the name of a
 * group that exists, or that the same batch creates. A rename of an unknown group changes nothing.
 */
function groupStatements(events: readonly EventOf<'GroupCreated' | 'GroupRenamed'>[]): Statement[] {
  const folded = new Map<string, GroupRow>();
  for (const event of events) {
    const { metadata, payload } = event;
    const key = JSON.stringify([metadata.organizationId, payload.groupId]);
    const at = metadata.occurredAt.toISOString();
    const before = folded.get(key);
    if (event.type === 'GroupCreated') {
      if (before?.created) continue;
      folded.set(key, {
        organization_id: metadata.organizationId,
        group_id: payload.groupId,
        name: before?.renamed ? before.name : event.payload.name,
        created: true,
        renamed: before?.renamed ?? false,
        created_at: at,
        created_by: event.payload.createdBy,
        updated_at: before?.updated_at ?? at,
      });
    } else {
      folded.set(key, {
        organization_id: metadata.organizationId,
        group_id: payload.groupId,
        name: payload.name,
        created: before?.created ?? false,
        renamed: true,
        created_at: before?.created_at ?? at,
        created_by: before?.created_by ?? null,
        updated_at: at,
      });
    }
  }
  if (folded.size === 0) return [];
  return [
    {
      sql: `with r as (
          select * from jsonb_to_recordset($1::jsonb) as r(organization_id text, group_id text, name text,
            created boolean, renamed boolean, created_at timestamptz, created_by text, updated_at timestamptz)),
        renamed as (
          update groups g set name = r.name, updated_at = r.updated_at from r
          where not r.created and g.organization_id = r.organization_id and g.group_id = r.group_id)
        insert into groups (organization_id, group_id, name, created_at, created_by, updated_at)
        select organization_id, group_id, name, created_at, created_by, updated_at from r where r.created
        on conflict (organization_id, group_id) do update
          set name = excluded.name, updated_at = greatest(groups.updated_at, excluded.updated_at)
          -- A GroupCreated for a group already there (a repeat through another door) changes
          -- nothing, its updated_at included; only a rename in the same batch does.
          where (select renamed from r where r.organization_id = excluded.organization_id
                and r.group_id = excluded.group_id)`,
      params: [JSON.stringify([...folded.values()])],
    },
  ];
}

/** The first enrollment of a member stands: enrolling again (another job) changes nothing. */
function enrolled(events: readonly EventOf<'MemberEnrolled'>[]): Statement[] {
  if (events.length === 0) return [];
  const rows = new Map<string, Record<string, unknown>>();
  for (const { metadata, payload } of events) {
    const key = JSON.stringify([metadata.organizationId, payload.memberId]);
    if (rows.has(key)) continue;
    rows.set(key, {
      organization_id: metadata.organizationId,
      member_id: payload.memberId,
      enrollment: 'partial',
      enrolled_via: payload.enrolledVia,
      enrolled_at: metadata.occurredAt.toISOString(),
    });
  }
  return [
    {
      sql: `insert into members (organization_id, member_id, enrollment, enrolled_via, enrolled_at)
        select organization_id, member_id, enrollment, enrolled_via, enrolled_at
        from jsonb_populate_recordset(null::members, $1::jsonb)
        on conflict (organization_id, member_id) do nothing`,
      params: [JSON.stringify([...rows.values()])],
    },
  ];
}

/**
 * The last change per (member, group) in the batch wins; `added_at` is when the current stay began.
 * A change whose event id was applied before is skipped: an import rerun after a crash republishes
 * its changes under the same ids, and one must not be applied twice (a later change by another job
 * would be undone). The ids are kept until their job completes.
 */
function membershipStatements(
  events: readonly EventOf<'MemberAddedToGroup' | 'MemberRemovedFromGroup'>[],
): Statement[] {
  if (events.length === 0) return [];
  // A copy of a change within the same batch (a rerun's republish landing beside the original) is
  // dropped here: the applied-ids table only sees the batch as a whole, so both would count.
  const seen = new Set<string>();
  const unique = events.filter((event) => !seen.has(event.metadata.eventId) && seen.add(event.metadata.eventId));
  const stays = new Map<string, { in_group: boolean; added_at: string | null }>();
  const rows = unique.map((event, seq) => {
    const { metadata, payload } = event;
    const key = JSON.stringify([metadata.organizationId, payload.memberId, payload.groupId]);
    const inGroup = event.type === 'MemberAddedToGroup';
    const before = stays.get(key);
    const at = metadata.occurredAt.toISOString();
    const stay = { in_group: inGroup, added_at: inGroup ? (before?.in_group ? before.added_at : at) : null };
    stays.set(key, stay);
    return {
      seq,
      event_id: metadata.eventId,
      organization_id: metadata.organizationId,
      member_id: payload.memberId,
      group_id: payload.groupId,
      assignment_id: payload.assignmentId,
      changed_at: at,
      changed_by: metadata.actor,
      ...stay,
    };
  });
  return [
    {
      sql: `with incoming as (
          select * from jsonb_to_recordset($1::jsonb) as r(seq integer, event_id uuid, organization_id text,
            member_id text, group_id text, in_group boolean, assignment_id uuid, changed_at timestamptz,
            changed_by text, added_at timestamptz)),
        fresh as (
          insert into applied_changes (event_id, assignment_id) select event_id, assignment_id from incoming
          on conflict (event_id) do nothing returning event_id),
        latest as (
          select distinct on (organization_id, member_id, group_id) i.* from incoming i join fresh using (event_id)
          order by organization_id, member_id, group_id, seq desc)
        insert into memberships (organization_id, member_id, group_id, in_group, assignment_id, changed_at,
          changed_by, added_at)
        select organization_id, member_id, group_id, in_group, assignment_id, changed_at, changed_by, added_at
        from latest
        on conflict (organization_id, member_id, group_id) do update
          set in_group = excluded.in_group, assignment_id = excluded.assignment_id, changed_at = excluded.changed_at,
            changed_by = excluded.changed_by,
            added_at = case when not excluded.in_group then null
              when memberships.in_group then memberships.added_at else excluded.added_at end`,
      params: [JSON.stringify(rows)],
    },
  ];
}

/** A job's report, once: the same job completing again (a re-run of the same file) keeps the first. */
function jobsCompleted(events: readonly EventOf<'GroupAssignmentCompleted'>[]): Statement[] {
  if (events.length === 0) return [];
  const rows = events.map(({ metadata, payload }) => ({
    organization_id: metadata.organizationId,
    assignment_id: payload.assignmentId,
    source_file: payload.sourceFile,
    requested_by: metadata.actor,
    completed_at: metadata.occurredAt.toISOString(),
    summary: {
      totalLines: payload.totalLines,
      added: payload.added,
      removed: payload.removed,
      enrolled: payload.enrolled,
      unchanged: payload.unchanged,
      failed: payload.failed,
      failures: payload.failures,
      skipped: payload.skipped,
    },
  }));
  return [
    {
      sql: `insert into assignment_jobs (organization_id, assignment_id, source_file, requested_by, completed_at, summary)
        select organization_id, assignment_id, source_file, requested_by, completed_at, summary
        from jsonb_populate_recordset(null::assignment_jobs, $1::jsonb)
        on conflict (organization_id, assignment_id) do nothing`,
      params: [JSON.stringify(rows)],
    },
    // A completed job is not run again (the importer answers its report), so its ids need no keeping.
    {
      sql: `delete from applied_changes where assignment_id = any($1::uuid[])`,
      params: [rows.map((r) => r.assignment_id)],
    },
  ];
}
