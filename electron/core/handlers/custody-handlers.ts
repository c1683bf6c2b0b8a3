import { listAudit } from '../custody/audit-log';
import { verifyAuditAndRecord, verifyStoreAndRecord } from '../custody/recorded-checks';
import { chooseTsa } from '../settings/tsa-settings';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's custody methods; every verification is itself recorded in the custody log. */
export function createCustodyHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'settings' | 'time'>,
): HandlersOf<'custody'> {
  const { ws, settings, time } = deps;
  return {
    'audit.list': (input) => ws.db.read((c) => listAudit(c, input)),
    'audit.verify': async (_input, { user }) => (await verifyAuditAndRecord(deps, user.name)).result,
    'timestamps.status': () => time.status(),
    'timestamps.choose': (input, { user }) =>
      chooseTsa(
        settings,
        input.kind === 'none' ? input : { ...input, policyOid: input.policyOid },
        user.name,
      ),
    // A full disk leaves the result standing; it only cannot be logged.
    'store.verify': async (_input, { user }) => (await verifyStoreAndRecord(ws, user.name)).result,
  };
}
