import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { qualified, type Projection } from '../../projections/projection.ts';
import type { PlannedChange, SkippedLine, SkipReason } from './plan.ts';
import { REPORT_SAMPLE } from './tally.ts';

/** A chunk's planned changes, in line order: the winning lines that change something, as planChunk would plan them. */
export type SettledChanges = PlannedChange[];

/** One partition's lines: temporary tables of one Postgres connection, its COPY, then its cursor. */
export class Partition {
  /** One connection runs one query at a time: callers that overlap wait their turn here, in order. */
  private turn: Promise<unknown> = Promise.resolve();
  /** The cursor's rows fetched and not yet taken, from `next` on. */
  private fetched: PlannedChange[] = [];
  private next = 0;
  exhausted = false;
  private reading: Promise<unknown> = Promise.resolve();
  /** The cursor's rows taken: the winning lines that change something. */
  changesRead = 0;
  /** The COPY the pass over the file writes its lines into, open from `open` to `settle`. */
  private copy!: Writable;
  private copied!: Promise<void>;

  private constructor(private readonly client: pg.PoolClient) {}

  private query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const next = this.turn.then(() => this.client.query<R>(sql, params));
    this.turn = next.catch(() => {});
    return next;
  }

  static async open(pool: pg.Pool): Promise<Partition> {
    const client = await pool.connect();
    try {
      // The planner's JIT compiled for 2.4 s a 1 s join here; a 1M-line file's hash aggregate (78 MB) fits 64 MB's hash_mem. Reset on close.
      await client.query(`${DROP}
        set jit = off;
        set work_mem = '64MB';
        create temporary table assignment_lines (
          -- No key to maintain as lines go in: the line numbers are unique by construction, and
          -- settling aggregates the lines by hash, never looking one up by its number.
          line_number integer not null,
          member_id text not null,
          group_id text not null,
          adds boolean not null)`);
      const part = new Partition(client);
      part.copy = client.query(copyFrom('copy assignment_lines (line_number, member_id, group_id, adds) from stdin'));
      part.copied = finished(part.copy);
      // Awaited by write, settle or close; until then a failure must not count as unhandled.
      part.copied.catch(() => {});
      return part;
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /** Into the COPY at once; a promise to wait for only while the socket's buffer is full. */
  write(text: string): Promise<unknown> | undefined {
    if (text.length === 0 || this.copy.write(Buffer.from(text))) return undefined;
    // A failed COPY never drains: its error ends the wait.
    return Promise.race([once(this.copy, 'drain'), this.copied]);
  }

  /** Ends the COPY: the lines are in the table once Postgres has taken them all. */
  async endCopy(): Promise<void> {
    this.copy.end();
    await this.copied;
  }

  /**
   * After the pass over the file, in a few set-based statements: each (member, group)'s winning
   * line (the last) with what the memberships read model holds for it, and each member's first
   * winning add and enrollment, read once (a membership or enrollment this job made is told apart
   * by its assignment id, so the plan is the same whenever it is read, as after a crash). Neither
   * sorts the file: the winners come from one hash aggregate of the lines. Then a cursor is opened
   * over the winners that change something, in file order, which `upTo` reads chunk by chunk:
   * only those are sorted and shipped back (the cursor over every line it replaces sorted and
   * shipped the whole file, 10 s at 1M lines). The other lines are counted by `skippedCount`.
   */
  async settle(organizationId: string, jobId: string, projection: Pick<Projection, 'name'>): Promise<void> {
    const memberships = qualified(projection, 'memberships');
    // The winner's line and action in one bigint (line * 2 + adds), so one max() finds both without a sort.
    await this.query(
      `create temporary table assignment_winners as
       select w.member_id, w.group_id, (w.won >> 1)::integer as line_number, (w.won & 1) = 1 as adds,
         w.first_line, w.lines, coalesce(s.in_group, false) as in_group,
         coalesce(s.assignment_id = $2::uuid, false) as changed_by_job
       from (select member_id, group_id, max(line_number::bigint * 2 + adds::integer) as won,
               min(line_number) as first_line, count(*)::integer as lines
             from assignment_lines group by member_id, group_id) w
       left join ${memberships} s on s.organization_id = $1 and s.member_id = w.member_id and s.group_id = w.group_id`,
      [organizationId, jobId],
    );
    // The members are read once, with the cursor: only those with a winning add, the only ones who may be enrolled.
    // A member this job enrolled was unknown before it, whatever memberships it then gave them.
    // Without statistics the planner takes the members with a winning add for 200 rows and sorts them
    // for a merge join (0.15 s of the cursor's 1 s at 1M lines); a hash join is what they need. For the cursor only.
    await this.query('begin; set local enable_mergejoin = off');
    await this.query(
      `declare assignment_settled no scroll cursor for
       with firsts as (
         select f.member_id, f.first_add,
           case when m.member_id is not null then not coalesce(m.enrolled_via = $2::uuid, false)
             else exists (select 1 from ${memberships} h where h.organization_id = $1 and h.member_id = f.member_id)
           end as known_member,
           coalesce(m.enrolled_via = $2::uuid, false) as enrolled_by_job
         from (select member_id, min(line_number) as first_add from assignment_winners where adds group by member_id) f
         left join ${qualified(projection, 'members')} m on m.organization_id = $1 and m.member_id = f.member_id)
       select string_agg(concat_ws(E'\t', w.line_number, w.member_id, w.group_id,
           w.adds::integer + 2 * w.changed_by_job::integer
             + 4 * coalesce(f.first_add = w.line_number and not f.known_member, false)::integer
             + 8 * coalesce(f.enrolled_by_job, false)::integer), E'\n' order by w.line_number)
       from assignment_winners w
       left join firsts f on w.adds and f.member_id = w.member_id
       where ${CHANGES}
       group by w.line_number >> ${SPAN_BITS}
       order by w.line_number >> ${SPAN_BITS}`,
      [organizationId, jobId],
    );
    // The first fetch runs the cursor's join and sort: once its rows are in, the partition's changes come at once.
    await this.upTo(0);
  }

  /**
   * The first REPORT_SAMPLE valid lines that change nothing, in file order (as planChunk would name
   * them): winners that change nothing, and lines a later line overrode or repeated. The first
   * lines of the second kind are among the lines of the REPORT_SAMPLE repeated pairs whose first
   * line comes first (each such pair's first line is one of them), so only those pairs' lines are
   * read back, not the file's; and none after the 100th unchanged winner, which the first
   * REPORT_SAMPLE skipped lines cannot pass (comparing an integer, not hashing two ids, for the
   * rest of the file's lines).
   */
  async firstSkipped(): Promise<SkippedLine[]> {
    const { rows } = await this.query<SkippedRow>(
      `with unchanged as (
         select line_number, member_id, group_id,
           case when adds then 'already_in_group' else 'not_in_group' end as reason, null::integer as by_line
         from assignment_winners w where not (${CHANGES}) order by line_number limit ${REPORT_SAMPLE}),
       bound as (
         select case when count(*) < ${REPORT_SAMPLE} then 2147483647 else max(line_number) end as line_number
         from unchanged),
       repeated as (
         select member_id, group_id, line_number as won_by, adds as won_adds
         from assignment_winners where lines > 1 order by first_line limit ${REPORT_SAMPLE}),
       lost as (
         select l.line_number, l.member_id, l.group_id,
           case when l.adds = r.won_adds then 'duplicate' else 'overridden' end as reason, r.won_by as by_line
         from assignment_lines l join repeated r using (member_id, group_id)
         where l.line_number <> r.won_by and l.line_number <= (select line_number from bound)
         order by l.line_number limit ${REPORT_SAMPLE})
       select * from unchanged union all select * from lost order by line_number limit ${REPORT_SAMPLE}`,
    );
    return rows.map((r) => ({
      lineNumber: r.line_number,
      memberId: r.member_id,
      groupId: r.group_id,
      reason: r.reason,
      byLine: r.by_line,
    }));
  }

  /** This partition's changes after those of the previous call, up to line `through`, in file order. Calls are answered in the order made. */
  upTo(through: number): Promise<SettledChanges> {
    const next = this.reading.then(() => this.take(through));
    this.reading = next.catch(() => {});
    return next;
  }

  private async take(through: number): Promise<SettledChanges> {
    const changes: PlannedChange[] = [];
    for (;;) {
      while (this.next < this.fetched.length && this.fetched[this.next]!.lineNumber <= through) {
        changes.push(this.fetched[this.next++]!);
        this.changesRead += 1;
      }
      if (this.next < this.fetched.length || this.exhausted) break;
      // One text per span of lines: node-postgres's parsing of four fields a row was a sixth of publishing's CPU.
      const fetch = { text: `fetch forward ${FETCH_SPANS} from assignment_settled`, rowMode: 'array' as const };
      const next = this.turn.then(() => this.client.query<[string]>(fetch));
      this.turn = next.catch(() => {});
      const { rows } = await next;
      this.fetched = [];
      for (const [text] of rows) changesOf(text, this.fetched);
      this.next = 0;
      this.exhausted = rows.length === 0;
    }
    return changes;
  }

  async close(): Promise<void> {
    try {
      // A pass over the file that stopped (a refused header, a failed read) leaves the COPY open: abort it.
      if (!this.copy.writableFinished) this.copy.destroy(new Error('the import stopped before the end of the file'));
      await this.copied.catch(() => {});
      await this.turn;
      // Ends the cursor's transaction (a warning only when settle never began it), then the tables.
      await this.client.query(`rollback; ${DROP} reset jit; reset work_mem;`);
      this.client.release();
    } catch (error) {
      this.client.release(error as Error);
    }
  }
}

const DROP = `drop table if exists pg_temp.assignment_lines, pg_temp.assignment_winners;`;

/** A winning line that changes something: a change to make, or one an earlier run of the job made. */
const CHANGES = '(w.changed_by_job or w.adds <> w.in_group)';

interface SkippedRow {
  line_number: number;
  member_id: string;
  group_id: string;
  reason: SkipReason;
  by_line: number | null;
}

/**
 * The cursor's rows each carry the changes of 2^SPAN_BITS lines of the file (about a thousand
 * changes at most, so a fetch holds FETCH_SPANS times that), in file order.
 */
const SPAN_BITS = 12;
const FETCH_SPANS = 4;

/**
 * A cursor row's changes, appended to `into`: one per line of the text, its line number, member
 * id, group id and the flags below separated by tabs (ids hold neither, see assignment-file.ts).
 */
function changesOf(text: string, into: PlannedChange[]): void {
  let at = 0;
  while (at < text.length) {
    const member = text.indexOf('\t', at);
    const group = text.indexOf('\t', member + 1);
    const flagsAt = text.indexOf('\t', group + 1);
    let end = text.indexOf('\n', flagsAt + 1);
    if (end < 0) end = text.length;
    const flags = Number(text.slice(flagsAt + 1, end));
    into.push({
      lineNumber: Number(text.slice(at, member)),
      memberId: text.slice(member + 1, group),
      groupId: text.slice(group + 1, flagsAt),
      action: flags & ADDS ? 'add' : 'remove',
      applied: (flags & APPLIED) !== 0,
      enroll: flags & ENROLLS ? { applied: (flags & ENROLLED_BY_JOB) !== 0 } : null,
    });
    at = end + 1;
  }
}

const ADDS = 1;
/** A run of this same job applied it already. */
const APPLIED = 2;
/** The member's enrollment goes before it. */
const ENROLLS = 4;
/** A run of this same job enrolled the member already. */
const ENROLLED_BY_JOB = 8;
