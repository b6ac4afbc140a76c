import { PLATFORM_SCOPES } from '../api/auth/principal.ts';
import { OperatorError } from '../infra/errors.ts';
import { RealtimeTopics } from '../processors/realtime-relay/topics.ts';
import type { Projection } from '../projections/projection.ts';
import { eventCountsSlice } from './event-counts.ts';
import { groupsSlice } from './groups.ts';
import { importsSlice } from './imports.ts';
import { logsSlice } from './logs.ts';
import { messagingSlice } from './messaging.ts';
import type { ScopeDeclaration, Slice, SliceImporter } from './slice.ts';
import { transactionsSlice } from './transactions.ts';
import { uploadsSlice } from './uploads.ts';

/** Every slice Tributary runs: adding a slice is one line here. */
export const SLICES: readonly Slice[] = [
  eventCountsSlice,
  uploadsSlice,
  messagingSlice,
  transactionsSlice,
  groupsSlice,
  logsSlice,
  importsSlice,
];

/** Every projection of the slices. */
export function projectionsOf(slices: readonly Slice[] = SLICES): Projection[] {
  return slices.flatMap((slice) => Object.values(slice.projections));
}

/** Every realtime topic of the slices, checked (unique, well-formed names). */
export function realtimeTopicsOf(slices: readonly Slice[] = SLICES): RealtimeTopics {
  return new RealtimeTopics(slices.flatMap((slice) => slice.realtime));
}

/** The platform's scopes and every slice's, each once. */
export function scopesOf(slices: readonly Slice[] = SLICES): ScopeDeclaration[] {
  const byName = new Map<string, ScopeDeclaration>();
  for (const scope of [...PLATFORM_SCOPES, ...slices.flatMap((slice) => slice.scopes)]) byName.set(scope.name, scope);
  return [...byName.values()];
}

/** The importer of a kind of file, with its slice (whose projections it reads). */
export function importerOf(
  kind: string,
  slices: readonly Slice[] = SLICES,
): { readonly slice: Slice; readonly importer: SliceImporter } {
  for (const slice of slices)
    for (const importer of slice.importers) if (importer.kind === kind) return { slice, importer };
  const kinds = slices.flatMap((slice) => slice.importers.map((importer) => importer.kind));
  throw new OperatorError(`no importer of kind '${kind}'; there are: ${kinds.join(', ') || 'none'}`);
}

export function projectionNamed(name: string, slices: readonly Slice[] = SLICES): Projection {
  const projections = projectionsOf(slices);
  const found = projections.find((p) => p.name === name);
  if (!found)
    throw new OperatorError(`no projection named '${name}'; there are: ${projections.map((p) => p.name).join(', ')}`);
  return found;
}
