import type pg from 'pg';

/**
 * Runs `work` on a pooled connection that `work` itself begins and commits on (so that BEGIN and
 * COMMIT can share round trips with its own statements); if `work` throws, the transaction is
 * rolled back. A connection that dies while checked out but between two queries (Postgres killed
 * or restarted) emits 'error' on its client, and a checked-out client has no listener: the process
 * would crash on it. The listener here keeps the error; the next query fails, the transaction
 * rejects, and the broken connection is destroyed rather than returned to the pool.
 */
export async function onTransactionClient<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  tx.on('error', onError);
  try {
    return await work(tx);
  } catch (error) {
    await tx.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    tx.off('error', onError);
    tx.release(lost);
  }
}

/** Runs `work` in one transaction on a pooled connection: committed if it resolves, rolled back if it throws. */
export function inTransaction<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  return onTransactionClient(pool, async (tx) => {
    await tx.query('begin');
    const result = await work(tx);
    await tx.query('commit');
    return result;
  });
}
