import { listAudit, verifyAudit } from '../custody/audit-log';
import { verifyStore } from '../store/verify-store';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's custody methods; every verification is itself recorded in the custody log. */
export function createCustodyHandlers(deps: Pick<HandlerDeps, 'ws'>): HandlersOf<'custody'> {
  const { ws } = deps;
  return {
    'audit.list': (input) => ws.db.read((c) => listAudit(c, input)),
    'audit.verify': async (_input, { user }) => {
      const result = await ws.db.read(async (c) => verifyAudit(c, await ws.readAnchor()));
      await ws.record((_tx, audit) =>
        audit({
          actor: user.name,
          action: 'audit.verified',
          subject: 'audit',
          details: { ok: result.ok, rows: result.rows, firstBadSeq: result.firstBadSeq },
        }),
      );
      return result;
    },
    'store.verify': async (_input, { user }) => {
      const result = await verifyStore(ws);
      await ws.record((_tx, audit) =>
        audit({
          actor: user.name,
          action: 'store.verified',
          subject: 'store',
          details: { ok: result.ok, checked: result.checked, bad: result.bad.map((b) => b.sha256) },
        }),
      );
      return result;
    },
  };
}
