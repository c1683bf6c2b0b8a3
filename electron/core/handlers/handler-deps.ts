import type { CaptureDispatcher } from '../capture/capture-dispatcher';
import type { CaptureQueue } from '../capture/capture-queue';
import type { CaptureService } from '../capture/capture-service';
import type { TimeKeeper } from '../custody/time-keeper';
import type { IndicatorService } from '../indicators/indicator-service';
import type { RestrictedVault } from '../media/restricted-vault';
import type { SettingsService } from '../settings/settings-service';
import type { SessionKeys } from '../users/session-keys';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';

/** What the handler factories are built from; each takes the part it needs. */
export type HandlerDeps = Readonly<{
  ws: Workspace;
  users: UsersService;
  settings: SettingsService;
  captures: CaptureService;
  queue: CaptureQueue;
  /** Where `capture.enqueue` sends its requests: the queue above, or a team server's workers. */
  dispatchCaptures: CaptureDispatcher;
  /** Where VIGIL_BROWSER and friends are read from (packet rendering). */
  env: NodeJS.ProcessEnv;
  /** Time-stamp status, retries and head time-stamps. */
  time: TimeKeeper;
  /** The signed-in sessions' unlocked keys, which co-sign the captures they queue. */
  sessionKeys: SessionKeys;
  /** Indicators found in captures, their networks and the lexicons. */
  indicators: IndicatorService;
  /** The restricted vault: items leave it only through `vault.read` grants. */
  vault: RestrictedVault;
}>;
