import type { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ScopeDeclaration } from '../api/auth/principal.ts';
import type pg from 'pg';
import type { AwsClients } from '../infra/aws/clients.ts';
import type { Config } from '../infra/config/index.ts';
import type { Logger } from '../infra/logging/logger.ts';
import type { Publisher } from '../producers/publisher.ts';
import type { RealtimeTopic } from '../processors/realtime-relay/topics.ts';
import type { RuntimeDependencies } from '../processors/runtime/dependencies.ts';
import type { Processor } from '../processors/runtime/processor.ts';
import type { Projection } from '../projections/projection.ts';
import type { EventCodec } from '../schemas/codec.ts';
import type { EventMetadata, TributaryEvent } from '../schemas/generated/events.ts';

export type { ScopeDeclaration };

/** What a slice's routes are registered with: its own projections (possibly renamed by tests) and the platform's clients. */
export interface SliceRouteOptions {
  readonly projections: Readonly<Record<string, Projection>>;
  readonly pool: pg.Pool;
  readonly publisher: Publisher;
  readonly codec: EventCodec;
  /** Stamped on every event the slice publishes as metadata.environment. */
  readonly environment: string;
  readonly api: Config['api'];
  /** The whole configuration: a slice reads its own settings from it. */
  readonly config: Config;
  readonly aws: AwsClients;
  /** Every slice the app serves (the import routes find the other slices' importers here). */
  readonly slices: readonly Slice[];
}

/** What a slice's processors are built from. */
export interface SliceProcessorContext {
  readonly publisher: Publisher;
  readonly config: Config;
}

/** What a slice's workers (loops that are not Kafka consumers, e.g. an SQS poller) are built from. */
export interface SliceWorkerContext {
  readonly publisher: Publisher;
  readonly config: Config;
  readonly aws: AwsClients;
  readonly pool: pg.Pool;
  /** The slice's own projections, by handle (tests rename them). */
  readonly projections: Readonly<Record<string, Projection>>;
  readonly logger: Logger;
  /** For a worker that runs consumers of its own (the log lake's stager). */
  readonly runtime: RuntimeDependencies;
  /** Every slice that runs (the delivery worker finds the other slices' importers here). */
  readonly slices: readonly Slice[];
}

/** A background loop of a slice, started by `tributary start` beside the consumers. */
export interface SliceWorker {
  readonly name: string;
  start(): Promise<{ stop(): Promise<void> }>;
}

/**
 * A file to import, however it arrived: `tributary import <kind> <file>`, an object put into the
 * organization's data-delivery bucket, or an HTTP upload (which lands in that bucket too).
 */
export interface ImportFile {
  /** Derived from the organization, the kind and the file's SHA-256: the same file is the same job. */
  readonly jobId: string;
  readonly organizationId: string;
  /** A token's subject, or the CLI's operator. */
  readonly requestedBy: string;
  /** The local path's or the object key's base name. */
  readonly fileName: string;
  readonly sizeBytes: number | null;
  /** The file's bytes from the start; each call opens it anew (a retry reads it again). */
  open(): Readable;
}

/** One line an importer refused: where, and why. */
export interface RejectedLine {
  /** Counting the header as line 1. */
  readonly lineNumber: number;
  readonly column: string | null;
  readonly reason: string;
}

/** What an importer runs with: the platform's clients, and the job's progress and report. */
export interface ImportContext {
  readonly publisher: Publisher;
  readonly pool: pg.Pool;
  /** The slice's own projections, by handle (tests rename them). */
  readonly projections: Readonly<Record<string, Projection>>;
  readonly config: Config;
  /** Stamped on every event as metadata.environment. */
  readonly environment: string;
  readonly logger: Logger;
  /** How far the file has been read; the platform throttles it into a progress bar and ImportProgressed events. */
  progress(linesRead: number, bytesRead: number): void;
  /** A refused line; the platform streams it into the job's CSV report (formula cells escaped). */
  reject(line: RejectedLine): void;
  /**
   * Metadata for one event of the job: its id derived from the job and `purpose` (e.g. `line-42`),
   * so a rerun of the job republishes the same ids; the job id as correlation id; the requester as actor.
   */
  eventMetadata(purpose: string): EventMetadata;
}

/** What an import did, in the order a person reads it: read, accepted, rejected, duplicate, then the kind's own. */
export interface ImportSummary {
  readonly counts: readonly { readonly name: string; readonly value: number }[];
}

/**
 * A slice's importer for one kind of file. `run` streams the file, publishes its events with ids
 * derived from the job and the line (a rerun after a crash republishes the same ids), reports
 * each bad line through `context.reject` and goes on; a file it cannot take at all (wrong columns)
 * makes it throw ImportRefused before publishing anything.
 */
export interface SliceImporter {
  /** kebab-case; the CLI's `tributary import <kind>` and the bucket's `incoming/<org>/<kind>/` prefix. */
  readonly kind: string;
  readonly doc: string;
  run(file: ImportFile, context: ImportContext): Promise<ImportSummary>;
  /** A realistic file of that many lines, streamed (`tributary demo --generate <kind>`, the demo, the benchmarks). */
  readonly sample?: (lines: number, seed?: number) => Readable;
}

/** One round of `tributary demo` for one organization. */
export interface DemoContext {
  readonly organizationId: string;
  readonly environment: string;
  /** 1, 2, 3, ...: lets a generator vary what it makes from round to round. */
  readonly round: number;
  readonly now: Date;
}

/** A demo round, with the clients the front door needs. */
export interface DemoActionContext extends DemoContext {
  readonly config: Config;
  readonly aws: AwsClients;
  readonly publisher: Publisher;
}

/**
 * A domain slice, declared once: everything the platform needs to run it. The app, `tributary
 * start`, the realtime relay, the dashboard's topic list, the scope list, the OpenAPI document
 * and the auth tests read the list of slices (`slices/index.ts`) and name no domain themselves.
 */
export interface Slice {
  /** kebab-case, e.g. `messaging`. */
  readonly name: string;
  readonly doc: string;
  /** Its Postgres read models, by a handle its routes use (tests rename the projections, not the handles). */
  readonly projections: Readonly<Record<string, Projection>>;
  /** Its processors (cleansing, partitioning, ...), built with the platform's publisher and configuration. */
  readonly processors: (context: SliceProcessorContext) => readonly Processor[];
  /** Its loops that are not Kafka consumers (the S3-notification bridge of uploads). */
  readonly workers: (context: SliceWorkerContext) => readonly SliceWorker[];
  /** Its importers of files (CSV), run by `tributary import`, the data-delivery bucket and HTTP uploads. */
  readonly importers: readonly SliceImporter[];
  /** Its HTTP routes, as one Fastify plugin. */
  readonly routes?: FastifyPluginAsync<SliceRouteOptions>;
  /** Its realtime topics: which events become which notifications, with which filter keys. */
  readonly realtime: readonly RealtimeTopic[];
  /** The scopes its routes require. */
  readonly scopes: readonly ScopeDeclaration[];
  /** Realistic events for `tributary demo`, so a newcomer's dashboard has something to show. */
  readonly demo?: (context: DemoContext) => readonly TributaryEvent[];
  /**
   * What the demo does through the front door when events alone would be a fake (uploads put a
   * real file through a pre-signed URL, so S3's notification makes the rest happen).
   */
  readonly demoActions?: (context: DemoActionContext) => Promise<void>;
}

/** A slice with the parts it leaves out filled with nothing. */
export function defineSlice(spec: Pick<Slice, 'name' | 'doc'> & Partial<Omit<Slice, 'name' | 'doc'>>): Slice {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new Error(`slice name ${spec.name} must be kebab-case`);
  return {
    projections: {},
    processors: () => [],
    workers: () => [],
    importers: [],
    realtime: [],
    scopes: [],
    ...spec,
  };
}
