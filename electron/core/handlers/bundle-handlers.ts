import { X509Certificate } from 'node:crypto';
import { DEFAULT_WIRE_DEADLINE_MS, wireSignal } from '../bundle/cancel';
import { createBundleService } from '../bundle/bundle-service';
import { createTrustService } from '../bundle/trust-service';
import { resolveWirePath, type WirePathRules } from '../bundle/wire-paths';
import type { CallInfo } from '../rpc/call-info';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/**
 * The contract's bundle methods; the signed-in user is the actor in the custody log. Every path
 * comes from the wire, so it is held to the wire rules (inside exports/, or granted by the desktop
 * dialog), and every call stops when its client goes away or its overall deadline passes.
 */
export function createBundleHandlers(deps: Pick<HandlerDeps, 'ws' | 'settings'>): HandlersOf<'bundle'> {
  const service = createBundleService(deps.ws, deps.settings);
  const rules = (call: CallInfo | undefined): WirePathRules => ({
    exportsDir: deps.ws.paths.exports,
    ...(call?.grantedPaths !== undefined ? { granted: call.grantedPaths } : {}),
  });
  const signalOf = (call: CallInfo | undefined): AbortSignal =>
    wireSignal(call?.signal, call?.deadlineMs ?? DEFAULT_WIRE_DEADLINE_MS);
  const trust = createTrustService(deps.ws);
  return {
    'trust.list': async () => ({
      ownCaSha256: new X509Certificate(deps.ws.ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase(),
      trusted: (await trust.list()).map(({ certificatePem: _pem, ...t }) => t),
    }),
    'bundle.export': (input, { user, call }) =>
      service.export(
        {
          ...(input.caseRef !== undefined ? { caseRef: input.caseRef } : {}),
          ...(input.resourceIds !== undefined ? { resourceIds: input.resourceIds } : {}),
        },
        {
          ...(input.outPath !== undefined && input.outPath.trim() !== ''
            ? { outPath: resolveWirePath(rules(call), input.outPath, 'write') }
            : {}),
          asDirectory: input.asDirectory,
          actor: user.name,
          signal: signalOf(call),
        },
      ),
    'bundle.verify': (input, { user, call }) =>
      service.verify(resolveWirePath(rules(call), input.path, 'read'), user.name, signalOf(call)),
    'bundle.import': async (input, { user, call }) => {
      const result = await service.import(
        resolveWirePath(rules(call), input.path, 'read'),
        user.name,
        signalOf(call),
      );
      return {
        report: result.report,
        imported: result.imported,
        resources: result.resources,
        captures: result.captures,
      };
    },
  };
}
