import type pg from 'pg';
import type { Projection } from '../../projections/projection.ts';
import type { AssignmentLine } from './assignment-file.ts';
import { memberHash } from './change-chunks.ts';
import { Partition, type SettledChanges } from './line-partition.ts';
import type { PlannedChange, SkippedLine } from './plan.ts';
import { REPORT_SAMPLE } from './tally.ts';

export type { SettledChanges } from './line-partition.ts';

/**
 * The file's valid lines of known groups, kept in temporary tables of Postgres connections: the
 * one pass over the file writes them, `settle` finds each (member, group)'s winning line (the last)
 * and each member's first winning add, and the second pass reads back, by line range, the winning
 * lines that change something. The file is parsed once and never held in memory, whatever its
 * size; Postgres keeps the tables in its temp buffers and spills them to disk. A temporary table
 * disappears with its session, so a crash leaves nothing to clean up; the rerun reads the file
 * again and rebuilds them.
 *
 * The lines go to PARTITIONS connections by their member (every line of a member to the same one):
 * a member's winning lines and first add depend on that member's lines alone, so each connection
 * settles its share on its own (each in a Postgres process of its own), and `upTo` merges a wave's
 * changes back into file order. The partitions settle in waves of WAVE at once: the first wave's
 * changes go to Kafka (Node's CPU) while the next wave settles (Postgres's), where all settling
 * first left the importer waiting, then Postgres idle while it published.
 */
export class WinningLines {
  /** Valid lines recorded by the pass over the file. */
  private recorded = 0;
  /** Each wave's partitions settled, their cursors' first rows in: a wave starts once the one before it is. */
  private settled: Promise<unknown>[] = [];
  private readonly waves: readonly (readonly Partition[])[];

  private constructor(private readonly parts: readonly Partition[]) {
    const waves: Partition[][] = [];
    for (let p = 0; p < parts.length; p += WAVE) waves.push(parts.slice(p, p + WAVE));
    this.waves = waves;
  }

  /** How many waves the changes come in: `upTo` takes each wave's changes, in file order, one wave after the other. */
  get waveCount(): number {
    return this.waves.length;
  }

  static async open(pool: pg.Pool, partitions = partitionsFor(pool)): Promise<WinningLines> {
    const parts: Partition[] = [];
    try {
      for (let p = 0; p < partitions; p += 1) parts.push(await Partition.open(pool));
    } catch (error) {
      await Promise.all(parts.map((part) => part.close()));
      throw error;
    }
    return new WinningLines(parts);
  }

  /**
   * Records a chunk's lines (valid, of known groups), each into the COPY of its member's
   * partition, in COPY's text format: ids cannot hold a tab, a newline or a backslash
   * (assignment-file.ts's ID rule), so nothing needs escaping. Waits only while a socket's buffer
   * is full, so Postgres takes the lines as they are parsed. (A COPY in place of INSERTs from
   * delimited strings: those took 1.5 to 2.4 times as long.)
   */
  async record(lines: readonly AssignmentLine[]): Promise<void> {
    if (lines.length === 0) return;
    this.recorded += lines.length;
    const count = this.parts.length;
    const texts: string[] = Array.from({ length: count }, () => '');
    for (const line of lines) {
      const row = `${line.lineNumber}\t${line.memberId}\t${line.groupId}\t${line.action === 'add' ? 't' : 'f'}\n`;
      texts[count === 1 ? 0 : partitionOf(line.memberId, count)] += row;
    }
    const waits: Promise<unknown>[] = [];
    for (let p = 0; p < count; p += 1) {
      const wait = this.parts[p]!.write(texts[p]!);
      if (wait) waits.push(wait);
    }
    await Promise.all(waits);
  }

  /**
   * After the pass over the file: ends the COPYs, then settles the partitions (their winners, cursor
   * and its first rows, see Partition.settle) a wave at a time, each wave once the one before it is
   * settled. Returns once the first wave is; `upTo` waits for its wave.
   */
  async settle(organizationId: string, jobId: string, projection: Pick<Projection, 'name'>): Promise<void> {
    await Promise.all(this.parts.map((part) => part.endCopy()));
    let previous: Promise<unknown> = Promise.resolve();
    this.settled = this.waves.map((wave) => {
      const settled = previous.then(() =>
        Promise.all(wave.map((part) => part.settle(organizationId, jobId, projection))),
      );
      // Awaited by upTo, firstSkipped or close; until then a failure must not count as unhandled.
      settled.catch(() => {});
      previous = settled;
      return settled;
    });
    await this.settled[0];
  }

  /** The first REPORT_SAMPLE valid lines that change nothing, in file order: the first of each partition's, merged. */
  async firstSkipped(): Promise<SkippedLine[]> {
    const each = await Promise.all(
      this.waves.map((wave, w) => this.settled[w]!.then(() => Promise.all(wave.map((part) => part.firstSkipped())))),
    );
    return each
      .flat(2)
      .sort((a, b) => a.lineNumber - b.lineNumber)
      .slice(0, REPORT_SAMPLE);
  }

  /**
   * How many valid lines change nothing, once the cursors are read to their end: every valid line
   * but the winners that change something, which are the cursors' rows (no query: counting them in
   * Postgres scanned the winners again, 0.2 s at 1M lines, while the cursor's fetches waited).
   */
  skippedCount(): number {
    if (this.recorded > 0 && !this.parts.every((part) => part.exhausted))
      throw new Error('the skipped lines are counted once the changes are all read');
    return this.recorded - this.parts.reduce((sum, part) => sum + part.changesRead, 0);
  }

  /**
   * A wave's changes after those of its previous call, up to line `through`, in file order, as the
   * whole file and the read model decided them: the wave's partitions', merged by line number.
   * Calls are answered in the order made.
   */
  async upTo(wave: number, through: number): Promise<SettledChanges> {
    await this.settled[wave];
    const each = await Promise.all(this.waves[wave]!.map((part) => part.upTo(through)));
    return each.length === 1 ? each[0]! : mergeByLine(each);
  }

  async close(): Promise<void> {
    // A wave still settling is using its connections.
    await Promise.allSettled(this.settled);
    await Promise.all(this.parts.map((part) => part.close()));
  }
}

/** Connections a job's lines are spread over (by member): settling runs on as many Postgres processes at once. */
const PARTITIONS = 4;
/** Partitions settled at once: a Postgres process each, so about the cores Postgres can have. */
const WAVE = 2;

/**
 * PARTITIONS, or fewer when the pool is that small: the pass over the file asks the pool for the
 * known groups while the partitions hold their connections, so one must stay free.
 */
function partitionsFor(pool: pg.Pool): number {
  const most = Math.max(1, Math.min(PARTITIONS, (pool.options?.max ?? 10) - 1));
  // A power of two, as BUCKETS is: a bucket's members are then all in one partition, so in one wave.
  return 2 ** Math.floor(Math.log2(most));
}

/** Which partition a member's lines go to: the member's hash, as change-chunks' buckets. */
function partitionOf(memberId: string, count: number): number {
  return memberHash(memberId) % count;
}

/** Lists each in line order, merged into one in line order. */
function mergeByLine(lists: readonly SettledChanges[]): SettledChanges {
  let merged = lists[0]!;
  for (const list of lists.slice(1)) {
    const out: PlannedChange[] = [];
    let a = 0;
    let b = 0;
    while (a < merged.length && b < list.length)
      out.push(merged[a]!.lineNumber < list[b]!.lineNumber ? merged[a++]! : list[b++]!);
    while (a < merged.length) out.push(merged[a++]!);
    while (b < list.length) out.push(list[b++]!);
    merged = out;
  }
  return merged;
}
