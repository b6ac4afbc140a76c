import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import { importJobIdOf } from '../../producers/imports/job-id.ts';
import type { Projection } from '../../projections/projection.ts';
import type { Publisher } from '../../producers/publisher.ts';
import type { ImportContext, ImportFile, RejectedLine } from '../../slices/slice.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger } from './platform.ts';

/** A file as the platform hands it to an importer, with the job id the platform would give it. */
export function importFileOf(organizationId: string, text: string, fileName = 'assignments.csv'): ImportFile {
  const bytes = Buffer.from(text);
  return {
    jobId: importJobIdOf(organizationId, 'groups', createHash('sha256').update(bytes).digest('hex')),
    organizationId,
    requestedBy: 'hr-admin',
    fileName,
    sizeBytes: bytes.length,
    // Small pieces, as a file streams from disk or S3.
    open: () =>
      Readable.from(
        bytes
          .toString('latin1')
          .match(/[\s\S]{1,4096}/g)
          ?.map((s) => Buffer.from(s, 'latin1')) ?? [],
      ),
  };
}

/** The context the platform runs an importer with, over the test's backbone, keeping what it is told. */
export function importContextOf(
  backbone: Backbone,
  file: ImportFile,
  memberships: Projection,
  publisher: Publisher = backbone.publisher,
): ImportContext & { readonly rejected: RejectedLine[]; readonly progressed: number[] } {
  const rejected: RejectedLine[] = [];
  const progressed: number[] = [];
  return {
    publisher,
    pool: backbone.pool,
    projections: { memberships },
    config: backbone.config,
    environment: 'test',
    logger: quietLogger(),
    progress: (linesRead) => progressed.push(linesRead),
    reject: (line) => rejected.push(line),
    eventMetadata: (purpose) => ({
      eventId: derivedEventId(file.jobId, purpose),
      occurredAt: new Date(),
      organizationId: file.organizationId,
      environment: 'test',
      correlationId: file.jobId,
      causationId: null,
      actor: file.requestedBy,
    }),
    rejected,
    progressed,
  };
}
