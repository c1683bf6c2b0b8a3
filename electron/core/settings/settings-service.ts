import { Settings } from '@shared/contract/methods/workspace';
import type { Workspace } from '../workspace';

export const DEFAULT_SETTINGS: Settings = {
  language: 'en',
  theme: 'system',
  tsaUrl: null,
  freshnessHours: 24,
  blurAllMedia: false,
  attachOriginals: { screenshots: true, wacz: true },
  captureConcurrency: 2,
  browserPath: null,
  defaultProfile: 'desktop',
  allowPrivateNetwork: false,
};

export type SettingsService = Readonly<{
  get: () => Promise<Settings>;
  update: (patch: Partial<Settings>, actor: string) => Promise<Settings>;
}>;

/** Workstation settings: one JSON value per key; every change is a custody event with old and new values. */
export function createSettingsService(ws: Workspace): SettingsService {
  const get = async (): Promise<Settings> => {
    const rows = await ws.db.read((c) =>
      c.all<{ key: string; value: string }>('SELECT key, value FROM settings'),
    );
    const stored: Record<string, unknown> = {};
    for (const row of rows) stored[row.key] = JSON.parse(row.value) as unknown;
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
        for (const [key, value] of Object.entries(patch)) {
          await tx.run(
            'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
            [key, JSON.stringify(value)],
          );
        }
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
