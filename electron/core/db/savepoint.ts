import type { WriteConn } from './database';

/**
 * Runs `fn` inside a savepoint of the caller's transaction: when `fn` throws, only what it wrote is
 * undone, the transaction goes on, and the error is rethrown for the caller to deal with.
 */
export async function inSavepoint<T>(tx: WriteConn, name: string, fn: () => Promise<T>): Promise<T> {
  await tx.exec(`SAVEPOINT ${name}`);
  try {
    const result = await fn();
    await tx.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    await tx.exec(`ROLLBACK TO ${name}`);
    await tx.exec(`RELEASE ${name}`);
    throw error;
  }
}
