import { listAudit } from '../custody/audit-log';
import { verifyCustodyLog } from '../custody/audit-head';
import { recordCheck } from '../custody/record-check';
import { verifyHeadsAsConfigured } from '../custody/head-timestamps';
import { chooseTsa } from '../settings/tsa-settings';
import { verifyStore } from '../store/verify-store';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's custody methods; every verification is itself recorded in the custody log. */
export function createCustodyHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'settings' | 'time'>,
): HandlersOf<'custody'> {
  const { ws, settings, time } = deps;
  return {
    'audit.list': (input) => ws.db.read((c) => listAudit(c, input)),
    'audit.verify': async (_input, { user }) => {
      // Read-only, against the head and its whole history, before anything is appended.
      const chain = await verifyCustodyLog({
        paths: ws.paths,
        db: ws.db,
        publicKeyPem: ws.workstation.publicKeyPem,
      });
      const timestamps = await verifyHeadsAsConfigured(deps);
      const result = { ...chain, ok: chain.ok && timestamps.ok, timestamps };
      await recordCheck(ws, {
        actor: user.name,
        action: 'audit.verified',
        subject: 'audit',
        details: { ok: result.ok, rows: result.rows, firstBadSeq: result.firstBadSeq },
      });
      return result;
    },
    'timestamps.status': () => time.status(),
    'timestamps.choose': (input, { user }) =>
      chooseTsa(
        settings,
        input.kind === 'none' ? input : { ...input, policyOid: input.policyOid },
        user.name,
      ),
    'store.verify': async (_input, { user }) => {
      const result = await verifyStore(ws);
      // A full disk leaves the result standing; it only cannot be logged.
      await recordCheck(ws, {
        actor: user.name,
        action: 'store.verified',
        subject: 'store',
        details: {
          ok: result.ok,
          checked: result.checked,
          bad: result.bad.map((b) => b.sha256),
          unreferenced: result.unreferenced.map((u) => u.path),
        },
      });
      return result;
    },
  };
}
