/** One Hive partition of the log lake (seed 004): environment, organization, log type and hour. */
export interface LakePartition {
  readonly environment: string;
  readonly organizationId: string;
  readonly logType: string;
  /** The hour the entries happened in (their own time, so a late entry goes to its own hour), UTC. */
  readonly hour: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Hive escapes what a path segment cannot hold as %XX; ids of letters, digits, `.`, `_` and `-` stay as they are. */
function hiveValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** `logs/environment=<env>/organization=<org>/logtype=<type>/year=YYYY/month=MM/day=DD/hour=HH` */
export function partitionPath(partition: LakePartition): string {
  const h = partition.hour;
  return [
    'logs',
    `environment=${hiveValue(partition.environment)}`,
    `organization=${hiveValue(partition.organizationId)}`,
    `logtype=${hiveValue(partition.logType)}`,
    `year=${h.getUTCFullYear()}`,
    `month=${pad(h.getUTCMonth() + 1)}`,
    `day=${pad(h.getUTCDate())}`,
    `hour=${pad(h.getUTCHours())}`,
  ].join('/');
}

/**
 * The object's key: its partition and, in its name, the Kafka topic, partition and offset range
 * of its rows, so writing the same rows again names the same object (it is replaced, never doubled).
 */
export function objectKey(
  partition: LakePartition,
  source: {
    readonly topic: string;
    readonly partition: number;
    readonly firstOffset: string;
    readonly lastOffset: string;
  },
): string {
  return `${partitionPath(partition)}/${source.topic}+${source.partition}+${source.firstOffset}-${source.lastOffset}.parquet`;
}

/** The start of the UTC hour `time` falls in. */
export function hourOf(time: Date): Date {
  const hour = new Date(time);
  hour.setUTCMinutes(0, 0, 0);
  return hour;
}

/** What an object's name says: its partition's folder and the Kafka range of its rows. */
export interface ObjectName {
  readonly key: string;
  /** The partition's path, without the trailing slash. */
  readonly folder: string;
  readonly topic: string;
  readonly partition: number;
  readonly first: bigint;
  readonly last: bigint;
}

const OBJECT_NAME = /^(.*)\/([A-Za-z0-9._-]+)\+(\d+)\+(\d+)-(\d+)\.parquet$/;

export function parseObjectKey(key: string): ObjectName | undefined {
  const match = OBJECT_NAME.exec(key);
  if (!match) return undefined;
  return {
    key,
    folder: match[1]!,
    topic: match[2]!,
    partition: Number(match[3]),
    first: BigInt(match[4]!),
    last: BigInt(match[5]!),
  };
}

/**
 * The objects a reader reads: those whose range no other object of the same partition folder and
 * Kafka partition contains. A compacted file covers the files it was made from, so from the moment
 * it is stored readers ignore them, whether or not they are deleted yet: compaction is atomic for
 * readers, and a crash between storing and deleting doubles no row.
 */
export function visibleObjects(keys: readonly string[]): string[] {
  const named = keys.map((key) => ({ key, name: parseObjectKey(key) }));
  return named
    .filter(({ key, name }) => {
      if (!name) return true;
      return !named.some(
        (other) =>
          other.key !== key &&
          other.name &&
          other.name.folder === name.folder &&
          other.name.topic === name.topic &&
          other.name.partition === name.partition &&
          other.name.first <= name.first &&
          other.name.last >= name.last &&
          other.name.last - other.name.first > name.last - name.first,
      );
    })
    .map(({ key }) => key);
}

/** The hour a partition folder holds (from its year=/month=/day=/hour= segments). */
export function hourOfFolder(folder: string): Date | undefined {
  const match = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})/.exec(folder);
  if (!match) return undefined;
  const [, y, m, d, h] = match.map(Number) as [number, number, number, number, number];
  return new Date(Date.UTC(y, m - 1, d, h));
}

/**
 * The years the lake's Athena tables project (`projection.year.range`): an entry of another year
 * would be stored where Athena never looks, so the lake's doors refuse it.
 */
export const LAKE_YEARS = { first: 2020, last: 2099 } as const;

/**
 * What makes a LogEntry unfit for the lake, by field of the event (`payload.environment`,
 * `metadata.occurredAt`): a partition value that is empty (its files would sit under
 * `environment=/`, where no query can name them), or a time outside LAKE_YEARS.
 */
export function lakeEntryProblems(entry: {
  readonly metadata: { readonly occurredAt: Date };
  readonly payload: { readonly organizationId: string; readonly environment: string; readonly logType: string };
}): { field: string; problem: string }[] {
  const problems: { field: string; problem: string }[] = [];
  // Fields of the wrong type are the schema's to report: only what it lets through is judged here.
  for (const name of ['organizationId', 'environment', 'logType'] as const)
    if (typeof entry.payload[name] === 'string' && entry.payload[name].trim() === '')
      problems.push({ field: `payload.${name}`, problem: 'must not be blank: the lake partitions every entry by it' });
  const year = entry.metadata.occurredAt.getUTCFullYear();
  if (!Number.isNaN(year) && !(year >= LAKE_YEARS.first && year <= LAKE_YEARS.last))
    problems.push({
      field: 'metadata.occurredAt',
      problem: `must be in the years ${LAKE_YEARS.first} to ${LAKE_YEARS.last}, those the lake's Athena tables project (got ${entry.metadata.occurredAt.toISOString()})`,
    });
  return problems;
}
