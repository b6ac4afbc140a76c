import { buffer } from 'node:stream/consumers';
import type { DemoActionContext } from '../../slices/slice.ts';
import { deliverFile } from '../imports/deliver-file.ts';
import { transactionsSample } from './sample-file.ts';

/**
 * Every sixth round (from the third), delivers a small nightly file the way a bank does: into the
 * data-delivery bucket, where `tributary start`'s delivery worker imports it as a job (progress
 * on `import_progress`), the cleanser cleanses it and the warehouse shows it. A seed of the round
 * and the moment makes each file, and so each job, new.
 */
export async function demoTransactionsFile(context: DemoActionContext): Promise<void> {
  if (context.round % 6 !== 3) return;
  const seed = (context.now.getTime() + context.round) % 1_000_000;
  const body = await buffer(transactionsSample(60, { seed, accounts: 5, badEvery: 25, duplicateEvery: 20 }));
  await deliverFile(context.aws, context.config, {
    organizationId: context.organizationId,
    kind: 'transactions',
    fileName: `nightly-${context.now.toISOString().slice(0, 10)}-${context.round}.csv`,
    requestedBy: 'demo-bank',
    body,
  });
}
