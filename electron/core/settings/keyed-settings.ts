import {
  SETTING_KEYS,
  isSettingKey,
  parseSettingValue,
  type SettingKey,
  type SettingValue,
} from '@shared/domain/setting-keys';
import { AppError } from '@shared/errors/app-error';
import { readStoredSettings, writeSetting } from '../db/repositories/settings-repo';
import type { Workspace } from '../workspace';

/**
 * The dotted settings (`smtp.*`, `sending.*`, `recheck.*`) of shared/domain/setting-keys: read with
 * their defaults, written one key at a time, each change a `settings.changed` custody event with the
 * old and new value (a password's value is never written to the log, only that it changed).
 */

export type KeyedSettings = Readonly<{
  get: (key: string) => Promise<SettingValue>;
  all: () => Promise<Readonly<Record<SettingKey, SettingValue>>>;
  set: (key: string, text: string, actor: string) => Promise<SettingValue>;
}>;

const SECRET_KEYS: ReadonlySet<SettingKey> = new Set(['smtp.password']);

function checkedKey(key: string): SettingKey {
  if (!isSettingKey(key))
    throw new AppError(
      'input.invalid',
      `no such setting: ${key} (known: ${Object.keys(SETTING_KEYS).join(', ')})`,
    );
  return key;
}

/** A stored value that no longer parses falls back to the default instead of breaking the app. */
function storedOrDefault(key: SettingKey, stored: Readonly<Record<string, unknown>>): SettingValue {
  const value = stored[key];
  const fallback = SETTING_KEYS[key].default as SettingValue;
  if (value === undefined) return fallback;
  const asText = Array.isArray(value)
    ? value.map(String).join(',')
    : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : null;
  if (asText === null) return fallback;
  const parsed = parseSettingValue(key, asText);
  return parsed.ok ? parsed.value : fallback;
}

export function createKeyedSettings(ws: Workspace): KeyedSettings {
  const stored = (): Promise<Record<string, unknown>> => ws.db.read((c) => readStoredSettings(c));
  return {
    async get(key) {
      return storedOrDefault(checkedKey(key), await stored());
    },
    async all() {
      const s = await stored();
      return Object.fromEntries(
        (Object.keys(SETTING_KEYS) as SettingKey[]).map((k) => [k, storedOrDefault(k, s)]),
      ) as Record<SettingKey, SettingValue>;
    },
    async set(key, text, actor) {
      const k = checkedKey(key);
      const parsed = parseSettingValue(k, text);
      if (!parsed.ok) throw new AppError('input.invalid', parsed.message);
      const before = storedOrDefault(k, await stored());
      const secret = SECRET_KEYS.has(k);
      await ws.record(async (tx, audit) => {
        await writeSetting(tx, k, parsed.value);
        await audit({
          actor,
          action: 'settings.changed',
          subject: 'settings',
          details: { [k]: secret ? { changed: true } : { from: before, to: parsed.value } },
        });
      });
      return parsed.value;
    },
  };
}
