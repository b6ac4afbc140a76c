import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { listQueryOf } from './schemas.ts';

async function listWith(kinds: readonly string[], url: string): Promise<number> {
  const app = Fastify({ ajv: { customOptions: { allErrors: true, removeAdditional: false } } });
  app.get('/', { schema: { querystring: listQueryOf(kinds) } }, () => 'listed');
  try {
    return (await app.inject({ url })).statusCode;
  } finally {
    await app.close();
  }
}

describe('the import list query', () => {
  it('when the deployment has no importer, or two slices name one kind, then the routes still start', async () => {
    expect(await listWith([], '/')).toBe(200);
    expect(await listWith([], '/?kind=transactions')).toBe(400);
    expect(await listWith(['transactions', 'transactions'], '/?kind=transactions')).toBe(200);
    expect(await listWith(['transactions'], '/?kind=payroll')).toBe(400);
  });
});
