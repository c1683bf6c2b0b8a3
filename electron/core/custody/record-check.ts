import type { Workspace } from '../workspace';
import { isDiskFull } from '../store/store-errors';
import type { AuditEntry } from './audit-log';

/**
 * Records that a check ran (`audit.verified`, `store.verified`) after it ran: the check itself only
 * reads, so it answers on a full disk too. When the disk is full the result still stands; the note
 * returned says it could not be logged.
 */
export async function recordCheck(ws: Workspace, entry: AuditEntry): Promise<string | null> {
  try {
    await ws.record((_tx, audit) => audit(entry));
    return null;
  } catch (error) {
    if (!isDiskFull(error, ws.paths.root)) throw error;
    return `note: the disk holding ${ws.paths.root} is full, so this check was not recorded in the custody log`;
  }
}
