import { Settings } from '@shared/contract/methods/workspace';
import { DEFAULT_IMPORT_MAX_BYTES } from '../intake/list-lines';
import { readStoredSettings, writeSetting } from '../db/repositories/settings-repo';
import type { Workspace } from '../workspace';

export const DEFAULT_SETTINGS: Settings = {
  language: 'en',
  theme: 'system',
  tsaUrl: null,
  tsaChoice: 'unset',
  tsaCaPem: null,
  tsaQualified: false,
  tsaPolicyOid: null,
  freshnessHours: 24,
  blurAllMedia: true,
  exposureSoftLimitMinutes: 240,
  csamPolicy: 'hashes-only',
  attachOriginals: { screenshots: true, wacz: true },
  captureConcurrency: 2,
  browserPath: null,
  defaultProfile: 'desktop',
  allowPrivateNetwork: false,
  allowHosts: [],
  timeServer: null,
  clockOffsetThresholdMs: 1000,
  egressEndpoint: null,
  signInLockoutAfter: 10,
  importMaxBytes: DEFAULT_IMPORT_MAX_BYTES,
};

export type SettingsService = Readonly<{
  get: () => Promise<Settings>;
  update: (patch: Partial<Settings>, actor: string) => Promise<Settings>;
}>;

/** Workstation settings: one JSON value per key; every change is a custody event with old and new values. */
export function createSettingsService(ws: Workspace): SettingsService {
  const get = async (): Promise<Settings> => {
    const stored = await ws.db.read((c) => readStoredSettings(c));
    // Unknown or invalid stored values fall back to defaults instead of breaking the app.
    const merged = Settings.safeParse({ ...DEFAULT_SETTINGS, ...stored });
    return merged.success ? merged.data : DEFAULT_SETTINGS;
  };
  return {
    get,
    async update(patch, actor) {
      const before = await get();
      const after = Settings.parse({ ...before, ...patch });
      await ws.record(async (tx, audit) => {
        for (const [key, value] of Object.entries(patch)) await writeSetting(tx, key, value);
        await audit({
          actor,
          action: 'settings.changed',
          subject: 'settings',
          details: Object.fromEntries(
            Object.keys(patch).map((k) => [
              k,
              { from: before[k as keyof Settings], to: after[k as keyof Settings] },
            ]),
          ),
        });
      });
      return after;
    },
  };
}
