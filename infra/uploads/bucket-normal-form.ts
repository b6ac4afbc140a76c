import type { CORSRule, LifecycleRule, ReplicationConfiguration } from '@aws-sdk/client-s3';
import type { BucketSettingName, BucketSettingValues } from './bucket-settings.ts';

/**
 * Settings in a normal form, so that what S3 answers compares equal to what was written: S3
 * reorders lists, fills in defaults, and writes some names in another case than it reads them.
 */
export function normalForm<K extends BucketSettingName>(setting: K, value: BucketSettingValues[K]): string {
  return (NORMAL_FORMS[setting] as (value: BucketSettingValues[K]) => string)(value);
}

const NORMAL_FORMS: { readonly [K in BucketSettingName]: (value: BucketSettingValues[K]) => string } = {
  'public-access-block': (block) =>
    (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const)
      .map((flag) => `${flag}=${block[flag] === true}`)
      .join(' '),
  // BucketKeyEnabled is left out: not set here, and S3 reports false for it whether asked or not.
  encryption: (rules) =>
    rules.length === 0
      ? 'none'
      : sortedStrings(
          rules.map(({ ApplyServerSideEncryptionByDefault: rule }) =>
            [rule?.SSEAlgorithm ?? 'none', rule?.KMSMasterKeyID].filter(Boolean).join(' '),
          ),
        ).join('; '),
  versioning: (status) => status,
  replication: (configuration) =>
    canonical({
      Role: configuration.Role,
      Rules: sortedByForm((configuration.Rules ?? []).map(normalReplicationRule)),
    }),
  cors: (rules) => (rules.length === 0 ? 'none' : canonical(sortedByForm(rules.map(normalCorsRule)))),
  lifecycle: (rules) => (rules.length === 0 ? 'none' : canonical(sortedByForm(rules.map(normalLifecycleRule)))),
  notification: (configuration) => {
    const targets = sortedByForm([
      ...(configuration.QueueConfigurations ?? []).map((c) => normalTarget('queue', c.QueueArn, c)),
      ...(configuration.TopicConfigurations ?? []).map((c) => normalTarget('topic', c.TopicArn, c)),
      ...(configuration.LambdaFunctionConfigurations ?? []).map((c) => normalTarget('lambda', c.LambdaFunctionArn, c)),
      ...(configuration.EventBridgeConfiguration ? [{ eventBridge: true }] : []),
    ]);
    return targets.length === 0 ? 'none' : canonical(targets);
  },
};

/** A rule's scope in one form: S3 answers `Filter: { Prefix: '' }`, moto answers `Filter: {}`. */
function normalFilter(filter: { readonly Prefix?: string } | undefined, legacyPrefix: string | undefined): object {
  const { Prefix, ...rest } = filter ?? {};
  return { ...rest, Prefix: Prefix ?? legacyPrefix ?? '' };
}

function normalReplicationRule(rule: NonNullable<ReplicationConfiguration['Rules']>[number]): object {
  const { Filter, Prefix, DeleteMarkerReplication, SourceSelectionCriteria, ...rest } = rule;
  // An absent status means disabled, which is also what S3 answers for a rule that never set it.
  return {
    ...rest,
    Filter: normalFilter(Filter, Prefix),
    DeleteMarkerReplication: DeleteMarkerReplication?.Status ?? 'Disabled',
    SseKmsEncryptedObjects: SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status ?? 'Disabled',
    ReplicaModifications: SourceSelectionCriteria?.ReplicaModifications?.Status ?? 'Disabled',
  };
}

function normalCorsRule(rule: CORSRule): object {
  // Header names are case-insensitive; S3 returns them as written. The rule's ID changes nothing.
  const { ID: _id, AllowedMethods, AllowedOrigins, AllowedHeaders, ExposeHeaders, ...rest } = rule;
  return {
    ...rest,
    AllowedMethods: sortedStrings((AllowedMethods ?? []).map((m) => m.toUpperCase())),
    AllowedOrigins: sortedStrings(AllowedOrigins ?? []),
    AllowedHeaders: sortedStrings((AllowedHeaders ?? []).map((h) => h.toLowerCase())),
    ExposeHeaders: sortedStrings((ExposeHeaders ?? []).map((h) => h.toLowerCase())),
  };
}

function normalLifecycleRule(rule: LifecycleRule): object {
  const { Filter, Prefix, ...rest } = rule;
  return { ...rest, Filter: normalFilter(Filter, Prefix) };
}

function normalTarget(
  kind: string,
  arn: string | undefined,
  configuration: {
    readonly Events?: readonly string[];
    readonly Filter?: { readonly Key?: { readonly FilterRules?: readonly { Name?: string; Value?: string }[] } };
  },
): object {
  // The Id is a label; S3 answers filter names capitalised (`Prefix`) though they are written `prefix`.
  return {
    [kind]: arn,
    events: sortedStrings(configuration.Events ?? []),
    filter: sortedByForm(
      (configuration.Filter?.Key?.FilterRules ?? []).map((r) => ({ name: r.Name?.toLowerCase(), value: r.Value })),
    ),
  };
}

/** Ids and Sids are labels; a one-element list means the same as its element. */
export function normalPolicy(policy: unknown): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.length === 1 ? strip(value[0]) : value.map(strip);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== 'Id' && key !== 'Sid')
          .map(([key, inner]) => [key, strip(inner)]),
      );
    return value;
  };
  const stripped = strip(policy) as { Statement?: unknown };
  if (Array.isArray(stripped.Statement)) stripped.Statement = sortedByForm(stripped.Statement as object[]);
  return canonical(stripped);
}

/** JSON with keys sorted and empty values (undefined, null, [], {}) left out. */
function canonical(value: unknown): string {
  return JSON.stringify(pruned(value)) ?? 'none';
}

function pruned(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(pruned).filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => [key, pruned((value as Record<string, unknown>)[key])] as const)
      .filter(([, inner]) => inner !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value ?? undefined;
}

function sortedStrings(values: readonly string[]): string[] {
  return [...values].sort();
}

function sortedByForm<T>(values: readonly T[]): T[] {
  return [...values].sort((a, b) => canonical(a).localeCompare(canonical(b)));
}
