import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AssignmentLine } from './assignment-file.ts';
import { qualified, type Projection } from '../../projections/projection.ts';
import type { PlannedChange, SkippedLine, SkipReason } from './plan.ts';
import { REPORT_SAMPLE } from './tally.ts';

/** A chunk's planned changes, in line order: the winning lines that change something, as planChunk would plan them. */
export type SettledChanges = PlannedChange[];

/**
 * The file's valid lines of known groups, kept in temporary tables of one Postgres connection: the
 * one pass over the file writes them, `settle` finds each (member, group)'s winning line (the last)
 * and each member's first winning add, and the second pass reads back, by line range, the winning
 * lines that change something. The file is
 * parsed once and never held in memory, whatever its size; Postgres keeps the tables in its temp
 * buffers and spills them to disk. A temporary table disappears with its session, so a crash
 * leaves nothing to clean up; the rerun reads the file again and rebuilds them.
 */
export class WinningLines {
  /** One connection runs one query at a time: callers that overlap wait their turn here, in order. */
  private turn: Promise<unknown> = Promise.resolve();
  /** The cursor's rows fetched and not yet taken, from `next` on. */
  private fetched: SettledRow[] = [];
  private next = 0;
  private exhausted = false;
  private reading: Promise<unknown> = Promise.resolve();
  /** Valid lines recorded by the pass over the file. */
  private recorded = 0;
  /** The cursor's rows taken: the winning lines that change something. */
  private changesRead = 0;
  /** The COPY the pass over the file writes its lines into, open from `open` to `settle`. */
  private copy!: Writable;
  private copied!: Promise<void>;

  private constructor(private readonly client: pg.PoolClient) {}

  private query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const next = this.turn.then(() => this.client.query<R>(sql, params));
    this.turn = next.catch(() => {});
    return next;
  }

  static async open(pool: pg.Pool): Promise<WinningLines> {
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
      const lines = new WinningLines(client);
      lines.copy = client.query(copyFrom('copy assignment_lines (line_number, member_id, group_id, adds) from stdin'));
      lines.copied = finished(lines.copy);
      // Awaited by record, settle or close; until then a failure must not count as unhandled.
      lines.copied.catch(() => {});
      return lines;
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /**
   * Records a chunk's lines (valid, of known groups) into the one COPY the file's lines go through,
   * in its text format: ids cannot hold a tab, a newline or a backslash (assignment-file.ts's ID
   * rule), so nothing needs escaping. Waits only while the socket's buffer is full, so Postgres
   * takes the lines as they are parsed. One COPY per chunk, each awaited before the next could
   * start, waited for Node's event loop between the parser's pieces: 40 to 90 ms a chunk that
   * Postgres copies in 4 ms, the first pass twice as long as csv-parse. (A COPY in place of
   * INSERTs from delimited strings: those took 1.5 to 2.4 times as long.)
   */
  async record(lines: readonly AssignmentLine[]): Promise<void> {
    if (lines.length === 0) return;
    this.recorded += lines.length;
    let text = '';
    for (const line of lines)
      text += `${line.lineNumber}\t${line.memberId}\t${line.groupId}\t${line.action === 'add' ? 't' : 'f'}\n`;
    if (this.copy.write(Buffer.from(text))) return;
    // A failed COPY never drains: its error ends the wait.
    await Promise.race([once(this.copy, 'drain'), this.copied]);
  }

  /** Ends the COPY: the lines are in the table once Postgres has taken them all. */
  private async endCopy(): Promise<void> {
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
    await this.endCopy();
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
       select w.line_number, w.member_id, w.group_id,
         w.adds::integer + 2 * w.changed_by_job::integer
           + 4 * coalesce(f.first_add = w.line_number and not f.known_member, false)::integer
           + 8 * coalesce(f.enrolled_by_job, false)::integer as flags
       from assignment_winners w
       left join firsts f on w.adds and f.member_id = w.member_id
       where ${CHANGES}
       order by w.line_number`,
      [organizationId, jobId],
    );
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

  /**
   * How many valid lines change nothing, once the cursor is read to its end: every valid line but
   * the winners that change something, which are the cursor's rows (no query: counting them in
   * Postgres scanned the winners again, 0.2 s at 1M lines, while the cursor's fetches waited).
   */
  skippedCount(): number {
    if (!this.exhausted && this.recorded > 0)
      throw new Error('the skipped lines are counted once the changes are all read');
    return this.recorded - this.changesRead;
  }

  /**
   * The changes after those of the previous call, up to line `through`, in file order, as the
   * whole file and the read model decided them. Calls are answered in the order made.
   */
  upTo(through: number): Promise<SettledChanges> {
    const next = this.reading.then(() => this.take(through));
    this.reading = next.catch(() => {});
    return next;
  }

  private async take(through: number): Promise<SettledChanges> {
    const changes: PlannedChange[] = [];
    for (;;) {
      while (this.next < this.fetched.length && this.fetched[this.next]![0] <= through) {
        const [lineNumber, memberId, groupId, flags] = this.fetched[this.next++]!;
        this.changesRead += 1;
        changes.push({
          lineNumber,
          memberId,
          groupId,
          action: flags & ADDS ? 'add' : 'remove',
          applied: (flags & APPLIED) !== 0,
          enroll: flags & ENROLLS ? { applied: (flags & ENROLLED_BY_JOB) !== 0 } : null,
        });
      }
      if (this.next < this.fetched.length || this.exhausted) break;
      // Rows as arrays of four fields: node-postgres's parsing of each field and row object was most of the pass's own time.
      const fetch = { text: `fetch forward ${FETCH_ROWS} from assignment_settled`, rowMode: 'array' as const };
      const next = this.turn.then(() => this.client.query<SettledRow>(fetch));
      this.turn = next.catch(() => {});
      this.fetched = (await next).rows;
      this.next = 0;
      this.exhausted = this.fetched.length === 0;
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

/** Rows fetched from the cursor at a time. */
const FETCH_ROWS = 5000;

/** A cursor row: line number, member id, group id, and the flags below. */
type SettledRow = [number, string, string, number];

const ADDS = 1;
/** A run of this same job applied it already. */
const APPLIED = 2;
/** The member's enrollment goes before it. */
const ENROLLS = 4;
/** A run of this same job enrolled the member already. */
const ENROLLED_BY_JOB = 8;
