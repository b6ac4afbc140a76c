import avro from 'avsc';
import { TributaryError } from '../infra/errors.ts';
import { LOGICAL_TYPES } from './avro.ts';
import type { EventDefinition } from './definitions.ts';
import type { RegistryClient } from './registry-client.ts';
import { UPCASTERS, type Upcaster } from './upcasters.ts';
import { visitRecords } from './json.ts';
import { frame, HEADER_SIZE, schemaIdOf, WireFormatError } from './wire.ts';
import type { EventType, TributaryEvent } from './generated/events.ts';

/** One field of an event that does not match its schema. */
export interface FieldProblem {
  /** Dotted path from the event's root, e.g. `payload.subject`. */
  readonly field: string;
  readonly problem: string;
}

/** An event that does not match its schema; names every offending field. Never worth retrying. */
export class EventValidationError extends TributaryError {
  override readonly name = 'EventValidationError';
  constructor(
    readonly eventType: string,
    readonly issues: readonly FieldProblem[],
  ) {
    super({
      status: 400,
      code: 'invalid_event',
      title: 'The event does not match its schema',
      detail: `${issues.length} field(s) are invalid`,
      errors: issues,
      retriable: false,
      message: `${eventType} is invalid: ${issues.map((i) => `${i.field} ${i.problem}`).join('; ')}`,
    });
  }
}

/**
 * A record that cannot be turned into an event (not the wire format, unknown schema or type).
 * Bad data, so never worth retrying; it is dead-lettered and never reaches HTTP today.
 */
export class DecodeError extends TributaryError {
  override readonly name = 'DecodeError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super({
      status: 422,
      code: 'undecodable_record',
      title: 'The record cannot be decoded as a Tributary event',
      detail: message,
      retriable: false,
      cause: options.cause,
    });
  }
}

export type { EventDefinition };

/**
 * Validates, encodes and decodes Tributary events in Confluent's wire format. Encoding looks up
 * the registered id of the event's schema under `<topic>-<record full name>`; decoding fetches
 * the writer's schema by the id in the record and resolves it against our reader schema, so
 * records written with an older (backward-compatible) schema read as the current shape.
 */
/** How a validation problem names what a logical type expects. */
const EXPECTED: Readonly<Record<string, string>> = { 'timestamp-millis': 'a Date', uuid: 'a UUID' };

/** What a type takes, in a problem's words: a union (`["null", uuid]`) as its branches, `a UUID or null`. */
function expectedOf(type: avro.Type): string {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType)
    return type.types.map(expectedOf).join(' or ');
  const name = type.typeName.replace(/^logical:/, '');
  return EXPECTED[name] ?? name;
}

export class EventCodec {
  private readonly byType = new Map<string, EventDefinition>();
  private readonly byFullName = new Map<string, EventDefinition>();
  private readonly writerIds = new Map<string, Promise<number>>();
  private readonly readers = new Map<number, Promise<Reader>>();
  /** The readers fetched so far, for decoding without a promise. */
  private readonly ready = new Map<number, Reader>();
  private readonly upcasters = new Map<string, Upcaster>();

  constructor(
    private readonly registry: RegistryClient,
    definitions: readonly EventDefinition[],
    upcasters: readonly Upcaster[] = UPCASTERS,
  ) {
    for (const definition of definitions) {
      this.byType.set(definition.schema.name, definition);
      this.byFullName.set(definition.schema.fullName, definition);
    }
    for (const upcaster of upcasters) this.upcasters.set(upcaster.fullName, upcaster);
  }

  definition(type: string): EventDefinition {
    const found = this.byType.get(type);
    if (!found)
      throw new EventValidationError(type, [{ field: 'type', problem: `"${type}" is not a Tributary event type` }]);
    return found;
  }

  /**
   * Throws an EventValidationError naming each field that does not match the schema, and each key
   * of a record (at any depth) that its record type does not have: Avro would drop it silently.
   */
  validate(event: TributaryEvent): EventDefinition {
    const definition = this.definition((event as { type?: string }).type ?? '(missing)');
    const type = definition.schema.type;
    // Every uuid field (metadata.eventId among them) is checked by the uuid logical type.
    const wellFormed = type.isValid(event, { noUndeclaredFields: true }) && event.type === definition.schema.name;
    if (wellFormed) return definition;

    const problems: FieldProblem[] = [];
    type.isValid(event, {
      errorHook: (path, value, type) => {
        problems.push({
          field: path.join('.') || '(event)',
          problem: `must be ${expectedOf(type)} (got ${describe(value)})`,
        });
      },
    });
    if (event.type !== definition.schema.name)
      problems.push({ field: 'type', problem: `must be "${definition.schema.name}"` });
    visitRecords(type, event, (record, value, path) => {
      for (const key of Object.keys(value)) {
        if (!record.fields.some((field) => field.name === key))
          problems.push({ field: [...path, key].join('.'), problem: `is not a field of ${shortName(record.name)}` });
      }
    });
    if (problems.length > 0) throw new EventValidationError(definition.schema.name, problems);
    return definition;
  }

  /** Validates and encodes; the schema must already be registered (`tributary schemas register`). */
  async encode(event: TributaryEvent): Promise<{ definition: EventDefinition; value: Buffer; key: string }> {
    const definition = this.validate(event);
    const id = await this.writerId(definition);
    return {
      definition,
      value: frame(id, definition.schema.type.toBuffer(event)),
      key: (definition.route.key as (e: TributaryEvent) => string)(event),
    };
  }

  async decode(value: Buffer | null): Promise<TributaryEvent> {
    return this.decodeNow(value);
  }

  /**
   * Decodes as `decode` does, but synchronously once the record's schema id has been read before:
   * a consumer decodes every record, and two promises per record were a large part of its work.
   * A promise only while the writer's schema is being fetched. Throws (or rejects with) a DecodeError.
   */
  decodeNow(value: Buffer | null): TributaryEvent | Promise<TributaryEvent> {
    let schemaId: number;
    try {
      schemaId = schemaIdOf(value);
    } catch (error) {
      if (error instanceof WireFormatError) throw new DecodeError(error.message, { cause: error });
      throw error;
    }
    const ready = this.ready.get(schemaId);
    if (ready) return this.readBody(ready, schemaId, value!);
    return this.reader(schemaId).then((reader) => this.readBody(reader, schemaId, value!));
  }

  private readBody(reader: Reader, schemaId: number, value: Buffer): TributaryEvent {
    try {
      return reader.read(value);
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      throw new DecodeError(
        `the body does not decode with schema id ${schemaId} (${reader.definition.schema.name}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private writerId(definition: EventDefinition): Promise<number> {
    let id = this.writerIds.get(definition.subject);
    if (!id) {
      id = this.registry.lookup(definition.subject, definition.schema.canonical).then((found) => {
        if (found === undefined) {
          throw new Error(
            `the schema of ${definition.schema.name} is not registered under ${definition.subject}; run tributary schemas register`,
          );
        }
        return found;
      });
      id.catch(() => this.writerIds.delete(definition.subject));
      this.writerIds.set(definition.subject, id);
    }
    return id;
  }

  private reader(schemaId: number) {
    let reader = this.readers.get(schemaId);
    if (!reader) {
      reader = (async () => {
        let text: string;
        try {
          text = await this.registry.schemaById(schemaId);
        } catch (error) {
          if ((error as { status?: number }).status === 404)
            throw new DecodeError(`schema id ${schemaId} is not in the registry`, { cause: error });
          throw error; // the registry being unreachable is transient: retry, do not dead-letter
        }
        const writer = avro.Type.forSchema(JSON.parse(text), { logicalTypes: LOGICAL_TYPES });
        // The writer's schema says what a record is; its free-text type field must agree, or a
        // consumer would count and route it as something it is not.
        const writtenType = shortName(writer.name);
        const writtenAs = <T>(record: T): T => {
          const type = (record as { type?: unknown }).type;
          if (type !== writtenType)
            throw new DecodeError(
              `schema id ${schemaId} writes ${writtenType}, but the record's type says ${describe(type)}`,
            );
          return record;
        };
        const upcaster = writer.name ? this.upcasters.get(writer.name) : undefined;
        if (upcaster) {
          // A retired schema: read with the writer's own schema, then convert to the current event.
          const definition = this.definition(upcaster.to);
          const readOld = bodyReader(writer);
          return { definition, read: (value: Buffer) => upcaster.upcast(writtenAs(readOld(value))) };
        }
        const definition = writer.name ? this.byFullName.get(writer.name) : undefined;
        if (!definition)
          throw new DecodeError(`schema id ${schemaId} is ${writer.name ?? 'an unnamed type'}, not a Tributary event`);
        const current = definition.schema.type;
        let resolver: ReturnType<avro.Type['createResolver']> | undefined;
        // The same schema (the usual case) reads without a resolver: resolving is for what differs.
        // Compared with every attribute (logical types, defaults), not only the canonical form.
        if (!sameSchema(current, writer)) {
          try {
            resolver = current.createResolver(writer);
          } catch (error) {
            throw new DecodeError(
              `schema id ${schemaId} cannot be read as the current ${definition.schema.name}: ${(error as Error).message}`,
              { cause: error },
            );
          }
        }
        const read = bodyReader(current, resolver);
        return { definition, read: (value: Buffer) => writtenAs(read(value) as TributaryEvent) };
      })();
      reader.then(
        (found) => this.ready.set(schemaId, found),
        () => this.readers.delete(schemaId),
      );
      this.readers.set(schemaId, reader);
    }
    return reader;
  }
}

function sameSchema(a: avro.Type, b: avro.Type): boolean {
  const full = (type: avro.Type) => JSON.stringify(type.schema({ exportAttrs: true }));
  return full(a) === full(b);
}

function shortName(fullName: string | undefined): string {
  return fullName?.split('.').pop() ?? '(anonymous record)';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Date) return `Date ${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()}`;
  const text = JSON.stringify(value);
  return text && text.length > 60 ? `${text.slice(0, 57)}...` : String(text);
}

/** How records written with one schema id are read. */
interface Reader {
  readonly definition: EventDefinition;
  /** Reads a whole wire-format value (its body from HEADER_SIZE on). */
  read(value: Buffer): TributaryEvent;
}

/** Reads a value's Avro body in place (no Buffer view made per record), refusing a truncated body or trailing bytes. */
function bodyReader(type: avro.Type, resolver?: ReturnType<avro.Type['createResolver']>) {
  return (value: Buffer): unknown => {
    const read = type.decode(value, HEADER_SIZE, resolver);
    if (read.offset < 0) throw new Error('truncated buffer');
    if (read.offset < value.length) throw new Error('trailing data');
    return read.value;
  };
}

export type { EventType };
