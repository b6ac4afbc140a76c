import type pg from 'pg';
import type { AssignmentLine } from './assignment-file.ts';
import { qualified, type Projection } from '../../projections/projection.ts';
import { membershipKey, type ChunkState, type WinningLine } from './plan.ts';

/** A chunk of the file's lines as the second pass reads them back, with all planning needs to know of them. */
export interface SettledLines extends Omit<ChunkState, 'knownGroups'> {
  readonly lines: AssignmentLine[];
  readonly winning: Map<string, WinningLine>;
  readonly firstAdds: Map<string, number>;
  readonly memberships: Set<string>;
  readonly changedByJob: Set<string>;
  readonly knownMembers: Set<string>;
  readonly enrolledByJob: Set<string>;
}

/**
 * The file's valid lines of known groups, kept in temporary tables of one Postgres connection: the
 * one pass over the file writes them, `settle` finds each (member, group)'s winning line (the last)
 * and each member's first winning add, and planning reads them back by line range. The file is
 * parsed once and never held in memory, whatever its size; Postgres keeps the tables in its temp
 * buffers and spills them to disk. A temporary table disappears with its session, so a crash
 * leaves nothing to clean up; the rerun reads the file again and rebuilds them.
 */
export class WinningLines {
  /** One connection runs one query at a time: callers that overlap wait their turn here, in order. */
  private turn: Promise<unknown> = Promise.resolve();

  private constructor(private readonly client: pg.PoolClient) {}

  private query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const next = this.turn.then(() => this.client.query<R>(sql, params));
    this.turn = next.catch(() => {});
    return next;
  }

  static async open(pool: pg.Pool): Promise<WinningLines> {
    const client = await pool.connect();
    try {
      // The planner's JIT compiles for seconds what runs in milliseconds here (seen: 2.4 s of 4.7 s); reset on close.
      await client.query(`${DROP}
        set jit = off;
        create temporary table assignment_lines (
          line_number integer primary key,
          member_id text not null,
          group_id text not null,
          adds boolean not null)`);
      return new WinningLines(client);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /**
   * Records a chunk's lines (valid, of known groups). Each column goes as one delimited string
   * that Postgres splits: ids cannot hold a comma (assignment-file.ts's ID rule), and one string
   * costs a join where node-postgres would quote every element of an array.
   */
  async record(lines: readonly AssignmentLine[]): Promise<void> {
    if (lines.length === 0) return;
    let members = '';
    let groups = '';
    let numbers = '';
    let adds = '';
    for (const line of lines) {
      const comma = members === '' ? '' : ',';
      members += comma + line.memberId;
      groups += comma + line.groupId;
      numbers += comma + line.lineNumber;
      adds += line.action === 'add' ? 't' : 'f';
    }
    await this.query(
      `insert into assignment_lines (line_number, member_id, group_id, adds)
       select * from unnest(string_to_array($3, ',')::int[], string_to_array($1, ','), string_to_array($2, ','),
         string_to_array($4, null)::boolean[])`,
      [members, groups, numbers, adds],
    );
  }

  /**
   * After the pass over the file, in a few set-based statements: each (member, group)'s winning
   * line, each member's first winning add, and what the memberships read model holds for them
   * (read once: a membership or enrollment this job made is told apart by its assignment id, so
   * the plan is the same whenever it is read, as after a crash). Every line is then one row,
   * found by its number.
   */
  async settle(organizationId: string, jobId: string, projection: Pick<Projection, 'name'>): Promise<void> {
    await this.query(`
      create temporary table assignment_winners as
        select distinct on (member_id, group_id) member_id, group_id, line_number, adds
        from assignment_lines order by member_id, group_id, line_number desc;
      create temporary table assignment_members as
        select member_id, min(line_number) filter (where adds) as first_add from assignment_winners group by member_id;
      -- Temporary tables are never analyzed by autovacuum; without their sizes the join is planned for a few rows.
      analyze assignment_lines, assignment_winners, assignment_members;
      create temporary table assignment_settled (
        line_number integer primary key,
        member_id text not null,
        group_id text not null,
        adds boolean not null,
        won_by integer not null,
        won_adds boolean not null,
        first_add integer,
        in_group boolean not null,
        changed_by_job boolean not null,
        known_member boolean not null,
        enrolled_by_job boolean not null)`);
    const memberships = qualified(projection, 'memberships');
    await this.query(
      `with member_facts as (
         select a.member_id, a.first_add,
           coalesce(m.enrolled_via = $2::uuid, false) as enrolled_by_job,
           case when m.member_id is not null then not coalesce(m.enrolled_via = $2::uuid, false)
             else exists (select 1 from ${memberships} h where h.organization_id = $1 and h.member_id = a.member_id)
           end as known_member
         from assignment_members a
         left join ${qualified(projection, 'members')} m on m.organization_id = $1 and m.member_id = a.member_id)
       insert into assignment_settled
       select l.line_number, l.member_id, l.group_id, l.adds, w.line_number, w.adds, f.first_add,
         coalesce(s.in_group, false), coalesce(s.assignment_id = $2::uuid, false), f.known_member, f.enrolled_by_job
       from assignment_lines l
       join assignment_winners w using (member_id, group_id)
       join member_facts f using (member_id)
       left join ${memberships} s on s.organization_id = $1 and s.member_id = w.member_id and s.group_id = w.group_id`,
      [organizationId, jobId],
    );
  }

  /** The lines numbered after `after` up to `through`, in file order, with what the whole file and the read model decided for them. */
  async between(after: number, through: number): Promise<SettledLines> {
    const { rows } = await this.query<{
      line_number: number;
      member_id: string;
      group_id: string;
      adds: boolean;
      won_by: number;
      won_adds: boolean;
      first_add: number | null;
      in_group: boolean;
      changed_by_job: boolean;
      known_member: boolean;
      enrolled_by_job: boolean;
    }>(`select * from assignment_settled where line_number > $1 and line_number <= $2 order by line_number`, [
      after,
      through,
    ]);
    const settled: SettledLines = {
      lines: [],
      winning: new Map(),
      firstAdds: new Map(),
      memberships: new Set(),
      changedByJob: new Set(),
      knownMembers: new Set(),
      enrolledByJob: new Set(),
    };
    for (const r of rows) {
      const memberId = r.member_id;
      settled.lines.push({
        lineNumber: r.line_number,
        memberId,
        groupId: r.group_id,
        action: r.adds ? 'add' : 'remove',
      });
      const key = membershipKey(memberId, r.group_id);
      settled.winning.set(key, { lineNumber: r.won_by, action: r.won_adds ? 'add' : 'remove' });
      if (r.first_add !== null) settled.firstAdds.set(memberId, r.first_add);
      if (r.in_group) settled.memberships.add(key);
      if (r.changed_by_job) settled.changedByJob.add(key);
      if (r.known_member) settled.knownMembers.add(memberId);
      if (r.enrolled_by_job) settled.enrolledByJob.add(memberId);
    }
    return settled;
  }

  async close(): Promise<void> {
    try {
      await this.turn;
      await this.client.query(`${DROP} reset jit;`);
      this.client.release();
    } catch (error) {
      this.client.release(error as Error);
    }
  }
}

const DROP = `drop table if exists pg_temp.assignment_lines, pg_temp.assignment_winners, pg_temp.assignment_members,
  pg_temp.assignment_settled;`;
