import { HOST_FILE_SEALER, type KeySealer } from './custody/key-sealer';
import type { Envelope } from '@shared/contract/envelope';
import { APP_NAME, APP_VERSION } from './app-info';
import type { Clock } from './clock';
import type { EventBus } from './events';
import {
  inProcessDispatcher,
  switchableDispatcher,
  type CaptureDispatcher,
} from './capture/capture-dispatcher';
import { createCaptureQueue, type CaptureQueue } from './capture/capture-queue';
import { createCaptureService, type CaptureService } from './capture/capture-service';
import { createTimeKeeper, type TimeKeeper, type TimeKeeperOptions } from './custody/time-keeper';
import { createBundleHandlers } from './handlers/bundle-handlers';
import { createCaptureHandlers } from './handlers/capture-handlers';
import { createCustodyHandlers } from './handlers/custody-handlers';
import type { HandlerDeps } from './handlers/handler-deps';
import { createIndicatorsHandlers } from './handlers/indicators-handlers';
import { createIntakeHandlers } from './handlers/intake-handlers';
import { createReviewHandlers } from './handlers/review-handlers';
import { createReferralsHandlers } from './handlers/referrals-handlers';
import { createSessionHandlers } from './handlers/session-handlers';
import { createUsersHandlers } from './handlers/users-handlers';
import { createWellbeingHandlers } from './handlers/wellbeing-handlers';
import { createFlagsHandlers } from './handlers/flags-handlers';
import { createStatsHandlers } from './handlers/stats-handlers';
import { createHashlistsHandlers } from './handlers/hashlists-handlers';
import { createWorkspaceHandlers } from './handlers/workspace-handlers';
import type { CallInfo } from './rpc/call-info';
import { dispatch, type Handlers, type Session } from './rpc/dispatch';
import { createInternalErrorLog } from './rpc/internal-error-log';
import { createSessionRefresh } from './rpc/session-refresh';
import { createRestrictedVault, vaultSink, type RestrictedVault } from './media/restricted-vault';
import { hashMedia } from './media/media-hashes';
import { createMediaMatcher, type MediaMatcher } from './media/media-matcher';
import { restrictedScreenshotsSetting } from './capture/capture-media-policy';
import { createKeyedSettings } from './settings/keyed-settings';
import { createSettingsService, type SettingsService } from './settings/settings-service';
import { storeErrorOf } from './store/store-errors';
import { createIndicatorService, type IndicatorService } from './indicators/indicator-service';
import { createSessionKeys, type SessionKeys } from './users/session-keys';
import { createUsersService, type UsersService } from './users/users-service';
import type { BlobStore } from './store/blob-store';
import { openWorkspace, type Workspace } from './workspace';

export { APP_NAME, APP_VERSION };

export type BackendOptions = Readonly<{
  dataDir: string;
  clock?: Clock;
  workstationName?: string;
  /** How the workstation key is kept at rest (custody/key-sealer.ts); the 0600 host file by default. */
  keySealer?: KeySealer;
  /** Where VIGIL_BROWSER and friends are read from; defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  /** Schedule of the automatic time-stamp retries and head time-stamps (tests inject timers). */
  time?: TimeKeeperOptions;
  /** Team mode: a `postgres://` URL for the records and the signed head (workspace.ts). */
  database?: string;
  /** An opened blob store (store/blob-location.ts); absent: the data dir's `blobs/`. */
  blobs?: BlobStore;
}>;

export type Backend = Readonly<{
  workspace: Workspace;
  users: UsersService;
  settings: SettingsService;
  captures: CaptureService;
  /** Indicators found in captures (extracted after each seal), networks, lexicons. */
  indicators: IndicatorService;
  /**
   * Where Vigil keeps running (app, serve): captures whose newest indicator run used an older
   * extractor or lexicon version get a new run, in the background (each run new rows and a
   * custody event, never an edit). Resolves with what it did; never rejects.
   */
  keepIndicatorsCurrent: () => Promise<{ extracted: number; failed: number }>;
  /** The restricted vault (encrypted withheld media under the `vault` policy). */
  vault: RestrictedVault;
  /** The imported known-hash lists and earlier assessments, as every capture is matched against them. */
  mediaMatcher: MediaMatcher;
  queue: CaptureQueue;
  /**
   * Sends `capture.enqueue` requests elsewhere than the in-process queue from now on: a team server
   * hands them to its capture workers (workers/team-capture-queue.ts).
   */
  dispatchCapturesTo: (dispatcher: CaptureDispatcher) => void;
  /** Pending time-stamp retries and head time-stamps; `start()` where Vigil keeps running (app, serve). */
  time: TimeKeeper;
  events: EventBus;
  /** The signed-in UI sessions' unlocked keys; a transport clears a session's key when it expires. */
  sessionKeys: SessionKeys;
  handlers: Handlers;
  /** `call`: what the transport knows of this call (its client's abort signal, dialog-granted paths). */
  dispatch: (session: Session, method: string, input: unknown, call?: CallInfo) => Promise<Envelope<unknown>>;
  /**
   * Re-reads the session's user (as every dispatch does) for routes outside the contract — artifact
   * downloads, the event stream — so a disabled user loses them at once too.
   */
  refreshSession: (session: Session, route: string) => Promise<void>;
  close: () => Promise<void>;
}>;

/** One factory per contract namespace (shared/contract/methods/); together they are every handler. */
function createHandlers(deps: HandlerDeps): Handlers {
  return {
    ...createSessionHandlers(deps),
    ...createUsersHandlers(deps),
    ...createCustodyHandlers(deps),
    ...createIntakeHandlers(deps),
    ...createFlagsHandlers(deps),
    ...createHashlistsHandlers(deps),
    ...createCaptureHandlers(deps),
    ...createReviewHandlers(deps),
    ...createReferralsHandlers(deps),
    ...createBundleHandlers(deps),
    ...createWorkspaceHandlers(deps),
    ...createWellbeingHandlers(deps),
    ...createIndicatorsHandlers(deps),
    ...createStatsHandlers(deps),
  };
}

/** Builds the backend on an (initialised if needed) data dir: the same for Electron, the CLI and the bridge. */
export async function createBackend(opts: BackendOptions): Promise<Backend> {
  const { workspace: ws } = await openWorkspace(opts);
  const env = opts.env ?? process.env;
  const users = createUsersService(ws);
  const settings = createSettingsService(ws);
  const indicators = createIndicatorService(ws);
  const vault = createRestrictedVault(ws, opts.keySealer ?? HOST_FILE_SEALER);
  const mediaMatcher = createMediaMatcher({ ws });
  const captures = createCaptureService({
    ws,
    settings,
    env,
    afterSeal: (record, actor) => extractAfterSeal(ws, indicators, record.id, actor),
    // Withheld media go to the restricted vault only under the `vault` policy (read per item).
    media: {
      sink: () => Promise.resolve(vaultSink(vault, settings)),
      hash: hashMedia,
      screenshots: () => restrictedScreenshotsSetting(createKeyedSettings(ws)),
      // Every capture is matched against the imported lists and earlier assessments; with neither
      // there is nothing to recognise and nothing is hashed.
      matcher: async () =>
        (await mediaMatcher.hasKnownItems())
          ? { match: (h) => mediaMatcher.firstMatch(h), assessed: (h) => mediaMatcher.assessmentFor(h) }
          : null,
    },
  });
  const queue = createCaptureQueue({
    service: captures,
    events: ws.events,
    concurrency: (await settings.get()).captureConcurrency,
  });
  const captureDispatch = switchableDispatcher(inProcessDispatcher(queue));
  const time = createTimeKeeper(ws, settings, opts.time);
  const sessionKeys = createSessionKeys();
  const handlers = createHandlers({
    ws,
    users,
    settings,
    captures,
    queue,
    dispatchCaptures: captureDispatch.dispatcher,
    env,
    time,
    sessionKeys,
    indicators,
    vault,
  });
  const onInternalError = createInternalErrorLog(ws);
  const refreshSession = createSessionRefresh(ws, users);

  return {
    workspace: ws,
    users,
    settings,
    captures,
    indicators,
    keepIndicatorsCurrent: async () => {
      try {
        const done = await indicators.reextract('system');
        return { extracted: done.extracted, failed: done.failed.length };
      } catch {
        // The workspace closed under it, or the disk is full: the next start picks it up again.
        return { extracted: 0, failed: 0 };
      }
    },
    vault,
    mediaMatcher,
    queue,
    dispatchCapturesTo: captureDispatch.switchTo,
    time,
    events: ws.events,
    sessionKeys,
    handlers,
    refreshSession: async (session, route) => {
      await refreshSession(session, route);
    },
    dispatch: async (session, method, input, call) => {
      try {
        const refused = await refreshSession(session, method);
        if (refused !== null) return refused;
      } catch (error) {
        const named = storeErrorOf(error, ws.paths.root, ws.paths.db);
        if (named !== null) return { ok: false, error: named.toPayload() };
        onInternalError(method, error);
        return {
          ok: false,
          error: { code: 'internal.unexpected', message: 'an internal error occurred; see the log' },
        };
      }
      return dispatch(handlers, session, method, input, {
        onInternalError,
        environmentError: (error) => storeErrorOf(error, ws.paths.root, ws.paths.db),
        ...(call !== undefined ? { call } : {}),
      });
    },
    close: async () => {
      await time.stop();
      await captures.close();
      await ws.close();
    },
  };
}

/**
 * Indicators of a capture just sealed. A failure here never fails the capture (it is sealed
 * evidence already): it is recorded, and `vigil indicators reextract` picks the capture up again.
 */
export async function extractAfterSeal(
  ws: Workspace,
  indicators: IndicatorService,
  captureId: string,
  actor: string,
) {
  try {
    await indicators.extractCapture(captureId, actor);
  } catch (error) {
    await ws
      .record((_tx, audit) =>
        audit({
          actor,
          action: 'indicators.extract-failed',
          subject: `capture:${captureId}`,
          details: { error: error instanceof Error ? error.message : String(error) },
        }),
      )
      .catch(() => undefined);
  }
}
