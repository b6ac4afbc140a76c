import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

export const SCHEMAS_DIR = dirname(fileURLToPath(import.meta.url));
const COMMON_DOMAIN = 'common';

/** Avro `timestamp-millis` as a JavaScript Date, as Confluent's serializers in other languages do. */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(value: number): Date {
    return new Date(value);
  }
  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    // Anything else (a number, a string) is not a valid instant: undefined makes validation name the field.
    return undefined;
  }
  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return (value: number) => this._fromValue(value);
    return undefined;
  }
}

/** The 8-4-4-4-12 hexadecimal form of a UUID, any version; as text for JSON Schema's `pattern` (no flags there). */
export const UUID_PATTERN_SOURCE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const UUID_PATTERN = new RegExp(UUID_PATTERN_SOURCE);

/**
 * Avro `uuid`: a string in UUID form. Encoding anything else is invalid, and validation names the
 * field, so a made-up id sent to ingest is a 400 rather than a poison record that every read model
 * with a uuid column dead-letters. Decoding takes the string as written: a record already on a
 * topic always reads.
 */
class Uuid extends avro.types.LogicalType {
  override _fromValue(value: string): string {
    return value;
  }
  override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && UUID_PATTERN.test(value) ? value : undefined;
  }
  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'string', 'logical:uuid')) return (value: string) => value;
    return undefined;
  }
  /** avsc's random value of the underlying string is no UUID. (avsc's typings say random() returns a Type.) */
  override random(): avro.types.LogicalType {
    return randomUUID() as unknown as avro.types.LogicalType;
  }
}

/** Logical types Tributary understands. */
export const LOGICAL_TYPES = { 'timestamp-millis': TimestampMillis, uuid: Uuid } as const;

export interface SchemaFile {
  /** `messages`, `uploads`, ...; `common` for shared named types. */
  readonly domain: string;
  /** Path relative to the project root, for messages. */
  readonly path: string;
  readonly json: Record<string, unknown> & { name: string; namespace?: string };
}

export interface EventSchema {
  readonly name: string;
  readonly fullName: string;
  readonly domain: string;
  readonly path: string;
  readonly type: avro.Type;
  /** The schema with every named reference expanded: what is registered and what other languages read. */
  readonly canonical: string;
}

/** Reads every .avsc under schemas/: shared types from common/ first, then one event per file. */
export function readSchemaFiles(root = SCHEMAS_DIR): SchemaFile[] {
  const files: SchemaFile[] = [];
  const domains = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !['generated', 'node_modules'].includes(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => (a === COMMON_DOMAIN ? -1 : b === COMMON_DOMAIN ? 1 : a.localeCompare(b)));
  for (const domain of domains) {
    for (const name of readdirSync(join(root, domain))
      .filter((file) => file.endsWith('.avsc'))
      .sort()) {
      const path = join(root, domain, name);
      let json: SchemaFile['json'];
      try {
        json = JSON.parse(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new Error(`${relative(join(root, '..'), path)} is not valid JSON: ${(error as Error).message}`, {
          cause: error,
        });
      }
      files.push({ domain, path: relative(join(root, '..'), path), json });
    }
  }
  return files;
}

/**
 * Parses every schema with one shared registry of named types, so an event's
 * `dev.tributary.common.EventMetadata` reference resolves to the one definition.
 */
export function loadEventSchemas(root = SCHEMAS_DIR): EventSchema[] {
  const registry: Record<string, avro.Type> = {};
  const events: EventSchema[] = [];
  for (const file of readSchemaFiles(root)) {
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(file.json as avro.Schema, { registry, logicalTypes: LOGICAL_TYPES });
    } catch (error) {
      throw new Error(`${file.path}: ${(error as Error).message}`, { cause: error });
    }
    if (file.domain === COMMON_DOMAIN) continue;
    const expected = basename(file.path, '.avsc')
      .split('-')
      .map((part) => part[0]?.toUpperCase() + part.slice(1))
      .join('');
    if (file.json.name !== expected)
      throw new Error(`${file.path}: the record is named ${file.json.name}, the file says ${expected}`);
    events.push({
      name: file.json.name,
      fullName: type.name ?? file.json.name,
      domain: file.domain,
      path: file.path,
      type,
      canonical: JSON.stringify(type.schema({ exportAttrs: true })),
    });
  }
  return events;
}
