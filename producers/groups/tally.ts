import type { RejectedLine } from './assignment-file.ts';
import type { ChunkPlan, SkippedLine } from './plan.ts';

/** The report event lists this many failed and skipped lines; the job's report in the object store has every rejected one. */
export const REPORT_SAMPLE = 100;

/** A job's counts, added up chunk by chunk, with the first failed and skipped lines. */
export class AssignmentTally {
  private added = 0;
  private removed = 0;
  private enrolled = 0;
  private unchanged = 0;
  private failed = 0;
  private readonly failures: RejectedLine[] = [];
  private readonly skipped: SkippedLine[] = [];

  /** Lines refused as they were read (the first pass), in file order. */
  reject(lines: readonly RejectedLine[]): void {
    this.failed += lines.length;
    this.failures.push(...lines.slice(0, REPORT_SAMPLE - this.failures.length));
  }

  /** Valid lines that change nothing, counted by Postgres for the whole file, with the first of them in file order. */
  skip(count: number, first: readonly SkippedLine[]): void {
    this.unchanged += count;
    this.skipped.push(...first);
    this.skipped.sort((a, b) => a.lineNumber - b.lineNumber);
    this.skipped.splice(REPORT_SAMPLE);
  }

  add(plan: ChunkPlan): void {
    for (const change of plan.changes) {
      if (change.action === 'add') this.added += 1;
      else this.removed += 1;
      if (change.enroll) this.enrolled += 1;
    }
    this.unchanged += plan.skipped.length;
    this.reject(plan.rejected);
    this.skipped.push(...plan.skipped.slice(0, REPORT_SAMPLE - this.skipped.length));
  }

  /** GroupAssignmentCompleted's payload. */
  completed(assignmentId: string, sourceFile: string | null) {
    return {
      assignmentId,
      sourceFile,
      totalLines: this.added + this.removed + this.unchanged + this.failed,
      added: this.added,
      removed: this.removed,
      enrolled: this.enrolled,
      unchanged: this.unchanged,
      failed: this.failed,
      failures: this.failures.map(({ lineNumber, memberId, reason }) => ({ lineNumber, memberId, reason })),
      skipped: this.skipped.map((s) => ({ ...s })),
    };
  }
}
