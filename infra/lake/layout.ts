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
