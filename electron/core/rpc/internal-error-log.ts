import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workspace } from '../workspace';

/**
 * Appends unexpected failures (with their stack) to `logs/errors.log` of the data dir; the caller only
 * sees a generic error. Logging never fails a call.
 */
export function createInternalErrorLog(ws: Workspace): (method: string, error: unknown) => void {
  const logFile = join(ws.paths.logs, 'errors.log');
  return (method, error) => {
    const line = `${ws.clock().toISOString()} ${method} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    void appendFile(logFile, line).catch(() => undefined);
  };
}
