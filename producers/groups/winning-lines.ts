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
  private constructor(private readonly client: pg.PoolClient) {}

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
    await this.client.query(
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

  /** The winning line of each key the chunk names, by `membershipKey`. */
  async of(lines: readonly AssignmentLine[]): Promise<Map<string, WinningLine>> {
    if (lines.length === 0) return new Map();
    const { rows } = await this.client.query<{
      member_id: string;
      group_id: string;
      line_number: number;
      adds: boolean;
    }>(
      `select w.* from assignment_winning_lines w
       join unnest($1::text[], $2::text[]) as k(member_id, group_id) using (member_id, group_id)`,
      [lines.map((l) => l.memberId), lines.map((l) => l.groupId)],
    );
    return new Map(
      rows.map((r) => [
        membershipKey(r.member_id, r.group_id),
        { lineNumber: r.line_number, action: r.adds ? 'add' : 'remove' } as const,
      ]),
    );
  }

  /** Each member's first winning add in the whole file: where a member nobody knew gets enrolled. */
  async firstAdds(memberIds: readonly string[]): Promise<Map<string, number>> {
    if (memberIds.length === 0) return new Map();
    const { rows } = await this.client.query<{ member_id: string; line_number: number }>(
      `select member_id, min(line_number) as line_number from assignment_winning_lines
       where adds and member_id = any($1::text[]) group by member_id`,
      [[...new Set(memberIds)]],
    );
    return new Map(rows.map((r) => [r.member_id, r.line_number]));
  }

  async close(): Promise<void> {
    try {
      await this.client.query('drop table if exists pg_temp.assignment_winning_lines');
      this.client.release();
    } catch (error) {
      this.client.release(error as Error);
    }
  }
}
