import type pg from 'pg';
import { knownGroups } from '../../projections/groups/queries.ts';
import type { Projection } from '../../projections/projection.ts';

/** Above this, the cache starts over: a file naming that many distinct groups is mostly unknown ones. */
const MAX_CACHED = 10_000;

/** Which group ids the organization has, asked once per id for a whole import (an organization has few groups). */
export class KnownGroups {
  private readonly answers = new Map<string, boolean>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly organizationId: string,
    private readonly projection: Pick<Projection, 'name'>,
  ) {}

  async of(groupIds: readonly string[]): Promise<Set<string>> {
    const asked = [...new Set(groupIds)];
    const unasked = asked.filter((id) => !this.answers.has(id));
    if (unasked.length > 0) {
      if (this.answers.size + unasked.length > MAX_CACHED) this.answers.clear();
      const found = await knownGroups(this.pool, this.organizationId, unasked, this.projection);
      for (const id of unasked) this.answers.set(id, found.has(id));
    }
    return new Set(asked.filter((id) => this.answers.get(id)));
  }
}
