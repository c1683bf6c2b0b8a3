import type { SettingsService } from '../settings/settings-service';
import { verifyStore } from '../store/verify-store';
import type { Workspace } from '../workspace';
import { verifyCustodyLog } from './audit-head';
import { verifyHeadsAsConfigured } from './head-timestamps';
import { recordCheck } from './record-check';

/**
 * `audit verify` and `verify-store` as the CLI and the UI both run them: the check first (it only
 * reads), then its custody row. `note` is set when the row could not be written (a full disk).
 */
export async function verifyAuditAndRecord(
  deps: Readonly<{ ws: Workspace; settings: SettingsService }>,
  actor: string,
) {
  const { ws } = deps;
  // Checked before anything is appended, against the head and every head it had (read-only).
  const chain = await verifyCustodyLog({
    paths: ws.paths,
    db: ws.db,
    publicKeyPem: ws.workstation.publicKeyPem,
  });
  const timestamps = await verifyHeadsAsConfigured(deps);
  const result = { ...chain, ok: chain.ok && timestamps.ok, timestamps };
  const note = await recordCheck(ws, {
    actor,
    action: 'audit.verified',
    subject: 'audit',
    details: { ok: result.ok, rows: result.rows, firstBadSeq: result.firstBadSeq },
  });
  return { result, chainOk: chain.ok, note };
}

export async function verifyStoreAndRecord(ws: Workspace, actor: string) {
  const result = await verifyStore(ws);
  const note = await recordCheck(ws, {
    actor,
    action: 'store.verified',
    subject: 'store',
    details: {
      ok: result.ok,
      checked: result.checked,
      bad: result.bad.map((b) => b.sha256),
      unreferenced: result.unreferenced.map((u) => u.path),
    },
  });
  return { result, note };
}
