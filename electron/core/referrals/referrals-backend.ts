import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createBundleService } from '../bundle/bundle-service';
import { withPacketBrowser } from '../review/packet-service';
import { createKeyedSettings, type KeyedSettings } from '../settings/keyed-settings';
import type { SettingsService } from '../settings/settings-service';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';
import { createAppealService, type AppealService } from './appeal-service';
import { renderNoticePdf } from './notice-render';
import { createReferralService, type ReferralService } from './referral-service';
import { smtpTransport, type NoticeTransport, type SmtpConfig } from './smtp-transport';

/**
 * The referral and appeal services with the production stages: notice PDFs laid out by the
 * packet's Chromium, notices sent over the configured SMTP server.
 */
export type ReferralsOnBackend = Readonly<{
  keyed: KeyedSettings;
  referrals: ReferralService;
  appeals: AppealService;
}>;

export type ReferralsParts = Readonly<{ ws: Workspace; users: UsersService; settings: SettingsService }>;

export function referralServices(
  parts: ReferralsParts,
  env: NodeJS.ProcessEnv,
  opts: Readonly<{ transport?: (config: SmtpConfig) => NoticeTransport; templatesDir?: string }> = {},
): ReferralsOnBackend {
  const { ws, users, settings } = parts;
  const keyed = createKeyedSettings(ws);
  const referrals = createReferralService({
    ws,
    keyed,
    renderPdf: (content) =>
      withPacketBrowser(ws, settings, env, (browser) => renderNoticePdf(browser, content)),
    transport: opts.transport ?? smtpTransport,
    exportBundle: async (resourceId, actor) => {
      const out = await createBundleService(ws, settings).export(
        { resourceIds: [resourceId] },
        {
          actor,
          asDirectory: false,
        },
      );
      // The size limit is about the ZIP as it travels, so it is measured on the file itself.
      return {
        path: out.path,
        sha256: out.sha256 ?? (await sha256OfFile(out.path)),
        bytes: (await stat(out.path)).size,
      };
    },
    ...(opts.templatesDir === undefined ? {} : { templatesDir: opts.templatesDir }),
  });
  const appeals = createAppealService({ ws, users, referrals });
  return { keyed, referrals, appeals };
}

const sha256OfFile = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** The same on an open backend (CLI, tests). */
export const referralsOn = (
  backend: Readonly<{ workspace: Workspace; users: UsersService; settings: SettingsService }>,
  env: NodeJS.ProcessEnv,
  opts: Parameters<typeof referralServices>[2] = {},
): ReferralsOnBackend =>
  referralServices({ ws: backend.workspace, users: backend.users, settings: backend.settings }, env, opts);
