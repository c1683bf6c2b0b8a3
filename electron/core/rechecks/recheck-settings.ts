import { DEFAULT_RECHECK_SETTINGS, RECHECK_SETTING_KEYS, RecheckSettings } from '@shared/domain/recheck';
import type { KeyedSettings } from '../settings/keyed-settings';

/** The `recheck.*` dotted settings as one checked object; a value out of range falls back to its default. */
export async function readRecheckSettings(keyed: KeyedSettings): Promise<RecheckSettings> {
  const all: Readonly<Record<string, unknown>> = await keyed.all();
  const picked: Record<string, unknown> = { ...DEFAULT_RECHECK_SETTINGS };
  for (const [key, field] of Object.entries(RECHECK_SETTING_KEYS)) {
    const one = RecheckSettings.shape[field].safeParse(all[key]);
    if (one.success) picked[field] = one.data;
  }
  return RecheckSettings.parse(picked);
}
