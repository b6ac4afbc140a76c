import { SLICES } from '../../slices/index.ts';
import type { Slice } from '../../slices/slice.ts';
import type { Backbone } from './backbone.ts';
import { isolatedProjection } from './projection-scenario.ts';

/**
 * The slices with every projection renamed for this test and reading the backbone's topics, so
 * a test's API and projections never share tables, checkpoints or groups with `npm start`.
 */
export function isolatedSlices(backbone: Backbone, slices: readonly Slice[] = SLICES): Slice[] {
  return slices.map((slice) => ({
    ...slice,
    projections: Object.fromEntries(
      Object.entries(slice.projections).map(([handle, projection]) => [
        handle,
        isolatedProjection(projection, backbone),
      ]),
    ),
  }));
}
