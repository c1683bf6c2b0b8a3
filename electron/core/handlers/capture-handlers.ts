import type { ResourceId } from '@shared/domain/ids';
import { AppError } from '@shared/errors/app-error';
import { checkedAgainstManifests } from '../capture/manifest-view';
import { getCapture } from '../db/repositories/captures-repo';
import { withTokenDetails } from '../custody/token-details';
import { getResourceRef } from '../db/repositories/resources-repo';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's capture and queue methods; the acting user is the operator recorded in each capture. */
export function createCaptureHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'captures' | 'sessionKeys' | 'dispatchCaptures'>,
): HandlersOf<'capture'> {
  const { ws, captures: service, sessionKeys, dispatchCaptures } = deps;
  return {
    'capture.enqueue': async (input, { user, session }) => {
      const list: { resourceId: ResourceId; url: string }[] = [];
      for (const id of input.resourceIds) {
        const ref = await ws.db.read((c) => getResourceRef(c, id));
        if (ref === null) throw new AppError('evidence.not-found', `no resource ${id}`);
        list.push({ resourceId: id, url: ref.url });
      }
      const operator = user.name;
      const queued = await dispatchCaptures.enqueue(list, {
        operator,
        // Asked when each capture seals, not now: a session signed out by then no longer co-signs.
        sessionSigner: sessionKeys.signerAtSeal(session, operator),
        ...(input.profile ? { profile: input.profile } : {}),
      });
      return { queued };
    },
    'capture.get': async (input) => {
      const record = await ws.db.read((c) => getCapture(c, input.id, ws.blobs.pathOf));
      if (record === null) throw new AppError('evidence.not-found', `no capture ${input.id}`);
      const [detailed] = await withTokenDetails(ws.blobs, await checkedAgainstManifests(ws.blobs, [record]));
      return detailed ?? record;
    },
    'queue.status': () => dispatchCaptures.status(),
    'queue.cancel': async (input, { user }) => {
      await dispatchCaptures.cancel(input.resourceId, user.name);
      return null;
    },
    'queue.retry': async (input, { user }) => {
      if (!(await dispatchCaptures.retry(input.resourceId, user.name)))
        throw new AppError('input.invalid', 'nothing to retry for this resource');
      return null;
    },
    'queue.setConcurrency': (input) => {
      dispatchCaptures.setConcurrency(input.concurrency);
      return Promise.resolve(null);
    },
    'profiles.list': () =>
      Promise.resolve(
        service.profiles().map((p) => ({
          name: p.name,
          viewport: {
            width: p.viewport.width,
            height: p.viewport.height,
            deviceScaleFactor: p.viewport.deviceScaleFactor,
            isMobile: p.viewport.isMobile,
          },
          userAgent: p.userAgent,
          acceptLanguage: p.acceptLanguage,
          timeZone: p.timeZone,
          proxy: p.proxy,
          allowPrivateNetwork: p.allowPrivateNetwork,
          timeoutSeconds: Math.round(p.timeouts.totalMs / 1000),
        })),
      ),
  };
}
