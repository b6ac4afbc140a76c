import type pg from 'pg';
import type { AssignmentLine } from './assignment-file.ts';
import { membershipKey, type WinningLine } from './plan.ts';

/**
 * The file's winning line per (member, group), kept in a temporary table of one Postgres
 * connection: a first pass over the file writes it, the second plans each chunk with it, so the
 * last line in the file wins without holding the file, or all its keys, in memory. A temporary
 * table disappears with its session, so a crash leaves nothing to clean up; the rerun reads the
 * file again and rebuilds it.
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
      await client.query(`drop table if exists pg_temp.assignment_winning_lines;
        create temporary table assignment_winning_lines (
          member_id text not null,
          group_id text not null,
          line_number integer not null,
          adds boolean not null,
          primary key (member_id, group_id))`);
      return new WinningLines(client);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /** Records a chunk's lines (valid, of known groups), in file order: a later line replaces an earlier one. */
  async record(lines: readonly AssignmentLine[]): Promise<void> {
    // One row per key per statement: ON CONFLICT cannot touch a row twice in one command.
    const last = new Map<string, AssignmentLine>();
    for (const line of lines) last.set(membershipKey(line.memberId, line.groupId), line);
    if (last.size === 0) return;
    const rows = [...last.values()];
    await this.query(
      `insert into assignment_winning_lines (member_id, group_id, line_number, adds)
       select * from unnest($1::text[], $2::text[], $3::int[], $4::boolean[])
       on conflict (member_id, group_id) do update set line_number = excluded.line_number, adds = excluded.adds
         where excluded.line_number > assignment_winning_lines.line_number`,
      [
        rows.map((l) => l.memberId),
        rows.map((l) => l.groupId),
        rows.map((l) => l.lineNumber),
        rows.map((l) => l.action === 'add'),
      ],
    );
  }

  /** After the first pass: temporary tables are never analyzed by autovacuum, and the planner needs their size. */
  async recorded(): Promise<void> {
    await this.query('analyze assignment_winning_lines');
  }

  /**
   * For a chunk: the winning line of each key it names (by `membershipKey`), and each of its
   * members' first winning add in the whole file (where a member nobody knew gets enrolled).
   */
  async of(
    lines: readonly AssignmentLine[],
  ): Promise<{ winning: Map<string, WinningLine>; firstAdds: Map<string, number> }> {
    const winning = new Map<string, WinningLine>();
    const firstAdds = new Map<string, number>();
    if (lines.length === 0) return { winning, firstAdds };
    const { rows } = await this.query<{
      member_id: string;
      group_id: string;
      line_number: number;
      adds: boolean;
      first_add: number | null;
    }>(
      `with k as (select distinct member_id, group_id from unnest($1::text[], $2::text[]) as k(member_id, group_id))
       select w.member_id, w.group_id, w.line_number, w.adds,
         (select min(f.line_number) from assignment_winning_lines f where f.member_id = w.member_id and f.adds) as first_add
       from k join assignment_winning_lines w using (member_id, group_id)`,
      [lines.map((l) => l.memberId), lines.map((l) => l.groupId)],
    );
    for (const r of rows) {
      winning.set(membershipKey(r.member_id, r.group_id), {
        lineNumber: r.line_number,
        action: r.adds ? 'add' : 'remove',
      });
      if (r.first_add !== null) firstAdds.set(r.member_id, r.first_add);
    }
    return { winning, firstAdds };
  }

  async close(): Promise<void> {
    try {
      await this.turn;
      await this.client.query('drop table if exists pg_temp.assignment_winning_lines');
      this.client.release();
    } catch (error) {
      this.client.release(error as Error);
    }
  }
}
