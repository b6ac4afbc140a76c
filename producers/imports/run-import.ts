import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { Config } from '../../infra/config/index.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import type { ImportJob } from '../../projections/imports/queries.ts';
import type { Projection } from '../../projections/projection.ts';
import type { EventMetadata } from '../../schemas/generated/events.ts';
import type { ImportContext, ImportFile, ImportSummary, SliceImporter } from '../../slices/slice.ts';
import type { Publisher } from '../publisher.ts';
import { withBoundedHeapGrowth } from './heap-growth.ts';
import { importJobIdOf, sha256Of } from './job-id.ts';
import { ImportRefused } from './refused.ts';
import { RejectionReport, type ReportDestination } from './report.ts';

/** A file to import and where it came from. */
export interface ImportRequest {
  readonly source: 'cli' | 'bucket' | 'api';
  readonly organizationId: string;
  readonly requestedBy: string;
  readonly fileName: string;
  readonly objectKey: string | null;
  readonly sizeBytes: number | null;
  /** The file's bytes from the start; called twice (once to hash it, once to import it). */
  open(): Readable;
}

export interface ImportDependencies {
  readonly publisher: Publisher;
  readonly pool: pg.Pool;
  /** The importing slice's projections, by handle. */
  readonly projections: Readonly<Record<string, Projection>>;
  readonly config: Config;
  readonly logger: Logger;
  /** The job as the read model has it, to tell a file already imported. */
  findJob(organizationId: string, jobId: string): Promise<ImportJob | undefined>;
  /** Where the report of this job's rejected lines goes. */
  reportDestination(jobId: string): ReportDestination;
  /** Called on every progress tick (the CLI's progress bar). */
  onProgress?(progress: {
    readonly linesRead: number;
    readonly bytesRead: number;
    readonly totalBytes: number | null;
  }): void;
  /** The job id, known once the file is hashed (before anything is published). */
  onJob?(jobId: string): void;
}

export type ImportOutcome =
  | {
      readonly kind: 'completed';
      readonly jobId: string;
      readonly summary: ImportSummary;
      readonly rejected: number;
      readonly reportLocation: string | null;
    }
  | { readonly kind: 'already-imported'; readonly jobId: string; readonly job: ImportJob }
  | { readonly kind: 'refused'; readonly jobId: string; readonly reason: string; readonly lineNumber: number | null };

/**
 * Runs one import job around a slice's importer: the file's hash names the job (a file already
 * imported is reported, not imported again), ImportStarted, throttled ImportProgressed, the
 * importer's own events, the report of rejected lines stored, then ImportCompleted with the
 * summary, or ImportFailed when the importer refuses the file whole. Any other error (Kafka
 * down, the file unreadable) propagates with the job left `running`, so the caller retries it;
 * the importer's derived event ids make the rerun publish nothing new.
 */
export async function runImport(
  importer: SliceImporter,
  request: ImportRequest,
  deps: ImportDependencies,
): Promise<ImportOutcome> {
  const { publisher, config, logger } = deps;
  const { organizationId } = request;
  const sha256 = await sha256Of(request.open());
  const jobId = importJobIdOf(organizationId, importer.kind, sha256);
  deps.onJob?.(jobId);
  const log = logger.child({ jobId, kind: importer.kind, organizationId, correlationId: jobId });
  const existing = await deps.findJob(organizationId, jobId);
  if (existing?.status === 'completed') return { kind: 'already-imported', jobId, job: existing };

  const metadata = (eventId: string): EventMetadata => ({
    eventId,
    occurredAt: new Date(),
    organizationId,
    environment: config.environment,
    correlationId: jobId,
    causationId: null,
    actor: request.requestedBy,
  });
  const { kind } = importer;
  const totalBytes = request.sizeBytes;
  await publisher.publish({
    type: 'ImportStarted',
    metadata: metadata(randomUUID()),
    payload: {
      jobId,
      kind,
      fileName: request.fileName,
      source: request.source,
      objectKey: request.objectKey,
      sizeBytes: request.sizeBytes,
      sha256,
      requestedBy: request.requestedBy,
    },
  });
  log.info({ fileName: request.fileName, source: request.source }, 'import started');

  const progress = new ProgressTicker(config.imports.progressIntervalMs, async (linesRead, bytesRead) => {
    deps.onProgress?.({ linesRead, bytesRead, totalBytes });
    await publisher.publish({
      type: 'ImportProgressed',
      metadata: metadata(randomUUID()),
      payload: { jobId, kind, linesRead, bytesRead, totalBytes },
    });
  });
  const report = new RejectionReport();
  const file: ImportFile = {
    jobId,
    organizationId,
    requestedBy: request.requestedBy,
    fileName: request.fileName,
    sizeBytes: request.sizeBytes,
    open: request.open,
  };
  const context: ImportContext = {
    publisher,
    pool: deps.pool,
    projections: deps.projections,
    config,
    environment: config.environment,
    logger: log,
    progress: (linesRead, bytesRead) => progress.update(linesRead, bytesRead),
    reject: (line) => report.add(line),
    eventMetadata: (purpose) => metadata(derivedEventId(jobId, purpose)),
  };

  let summary: ImportSummary;
  try {
    summary = await withBoundedHeapGrowth(() => importer.run(file, context));
  } catch (error) {
    await progress.stop();
    await report.discard();
    if (!(error instanceof ImportRefused)) throw error;
    await publisher.publish({
      type: 'ImportFailed',
      metadata: metadata(derivedEventId(jobId, 'failed')),
      payload: { jobId, kind, reason: error.message, lineNumber: error.lineNumber },
    });
    log.warn({ reason: error.message }, 'import refused');
    return { kind: 'refused', jobId, reason: error.message, lineNumber: error.lineNumber };
  }
  await progress.stop(true);
  const reportLocation = await report.finish(deps.reportDestination(jobId));
  await publisher.publish({
    type: 'ImportCompleted',
    metadata: metadata(derivedEventId(jobId, 'completed')),
    payload: {
      jobId,
      kind,
      counts: summary.counts.map((c) => ({ name: c.name, value: c.value })),
      rejected: report.sample.map((line) => ({ ...line })),
      reportLocation,
    },
  });
  log.info({ counts: summary.counts, reportLocation }, 'import completed');
  return { kind: 'completed', jobId, summary, rejected: report.count, reportLocation };
}

/**
 * Turns the importer's many progress calls into one tick per interval, never two at once (a slow
 * publish skips ticks rather than queueing them), and a last one when the import ends.
 */
class ProgressTicker {
  private latest = { linesRead: 0, bytesRead: 0 };
  private lastTick = 0;
  private pending: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: (linesRead: number, bytesRead: number) => Promise<void>,
  ) {}

  update(linesRead: number, bytesRead: number): void {
    this.latest = { linesRead, bytesRead };
    const now = Date.now();
    if (this.busy || now - this.lastTick < this.intervalMs) return;
    this.lastTick = now;
    this.fire();
  }

  async stop(final = false): Promise<void> {
    await this.pending;
    if (final) {
      this.fire();
      await this.pending;
    }
  }

  private fire(): void {
    this.busy = true;
    const { linesRead, bytesRead } = this.latest;
    this.pending = this.tick(linesRead, bytesRead)
      .catch(() => undefined) // progress is advisory: a failed tick never fails the import
      .finally(() => {
        this.busy = false;
      });
  }
}
