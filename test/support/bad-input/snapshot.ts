import type { World } from './world.ts';
import { probe } from './probe.ts';

/**
 * Everything the victim organization can read, by operation: every guarded GET of the document
 * whose path parameters the seed has ids for, answered with the victim's own token. Taken before
 * the barrage and after it, the two must be equal: nothing accepted was lost or altered.
 */
export async function snapshotOf(world: World): Promise<Map<string, string>> {
  const reads = world.operations.filter(
    (operation) =>
      operation.guarded &&
      operation.method === 'GET' &&
      operation.pathParameters.every((parameter) => parameter in world.victim.ids),
  );
  const answers = await Promise.all(
    reads.map(async (operation) => {
      const answer = await probe(world.app, operation, world.resolve, {
        ids: (parameter) => world.victim.ids[parameter]!,
        headers: world.victim.headers,
      });
      // A redirect carries a freshly signed URL each time: its status is what must not change.
      // A problem's instance is the request's own correlation id.
      const body =
        answer.status >= 300 && answer.status < 400 ? '' : answer.body.replace(/"instance":"[^"]*"/, '"instance":""');
      return [operation.name, `${answer.status} ${body}`] as const;
    }),
  );
  return new Map(answers);
}
