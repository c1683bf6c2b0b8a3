import { z } from 'zod';
import { assertNever } from '../errors/app-error';
import { DEFAULT_RECHECK_SETTINGS, RECHECK_SETTING_KEYS } from './recheck';

/**
 * Named settings for `vigil settings set KEY VALUE` / `settings get KEY`: one table of every dotted
 * key, how its text value is read and its default. A key not in the table is refused, so a typo
 * never becomes a silently ignored setting. Values are stored as JSON under the key itself.
 */

export type SettingKind = 'int' | 'string' | 'boolean' | 'hours' | 'days' | 'choice';

/** `choices`: the only words a `choice` key takes. */
type KeyRule = Readonly<{
  kind: SettingKind;
  default: unknown;
  summary: string;
  choices?: readonly string[];
}>;

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM-HH:MM` local sending hours (end exclusive; `00:00-24:00` is any time). */
export const SendingHours = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM-HH:MM, e.g. 08:00-18:00')
  .refine((s) => s.slice(0, 5) < s.slice(6), 'the end must be after the start');

const SETTING_KEYS_TABLE = {
  'smtp.host': { kind: 'string', default: '', summary: 'SMTP server host name or address' },
  'smtp.port': { kind: 'int', default: 587, summary: 'SMTP server port' },
  'smtp.secure': { kind: 'boolean', default: false, summary: 'TLS from the first byte (port 465)' },
  'smtp.from': { kind: 'string', default: '', summary: 'sender address of notices' },
  'smtp.user': { kind: 'string', default: '', summary: 'SMTP user name (empty: no authentication)' },
  'smtp.password': { kind: 'string', default: '', summary: 'SMTP password' },
  'sending.hours': { kind: 'hours', default: '08:00-18:00', summary: 'hours notices may go out' },
  'sending.blockedDays': { kind: 'days', default: [], summary: 'weekdays without notices, e.g. fri,sat' },
  'hashlist.pdqDistance': {
    kind: 'int',
    default: 31,
    summary: 'known-hash lists: the largest PDQ Hamming distance (of 256) that counts as a match',
  },
  'restricted.screenshots': {
    kind: 'choice',
    choices: ['placeholders', 'none'],
    default: 'placeholders',
    summary:
      'restricted captures: screenshots with media as grey boxes (placeholders) or no screenshot (none)',
  },
  'notice.maxAttachmentBytes': {
    kind: 'int',
    default: 10 * 1024 * 1024,
    summary: 'largest court bundle ZIP attached to a notice; a larger one is named by its SHA-256',
  },
  'sending.utcOffsetMinutes': {
    kind: 'int',
    default: 0,
    summary: "the unit's offset from UTC, for sending hours",
  },
  ...(Object.fromEntries(
    Object.entries(RECHECK_SETTING_KEYS).map(([key, field]) => [
      key,
      { kind: 'int', default: DEFAULT_RECHECK_SETTINGS[field], summary: `re-check: ${field}` },
    ]),
  ) as Record<keyof typeof RECHECK_SETTING_KEYS, KeyRule>),
} as const satisfies Record<string, KeyRule>;

export type SettingKey = keyof typeof SETTING_KEYS_TABLE;
export const SETTING_KEYS: Readonly<Record<SettingKey, KeyRule>> = SETTING_KEYS_TABLE;

export const isSettingKey = (key: string): key is SettingKey => Object.hasOwn(SETTING_KEYS, key);

export type SettingValue = string | number | boolean | string[];

/** Reads the command-line text of a value for `key`; the message says what is expected. */
export function parseSettingValue(
  key: SettingKey,
  text: string,
): { ok: true; value: SettingValue } | { ok: false; message: string } {
  const kind = SETTING_KEYS[key].kind;
  switch (kind) {
    case 'int':
      return /^-?\d{1,12}$/.test(text)
        ? { ok: true, value: Number(text) }
        : { ok: false, message: `${key} takes a whole number` };
    case 'string':
      return { ok: true, value: text };
    case 'boolean':
      return text === 'true' || text === 'false'
        ? { ok: true, value: text === 'true' }
        : { ok: false, message: `${key} takes true or false` };
    case 'hours': {
      const parsed = SendingHours.safeParse(text);
      return parsed.success
        ? { ok: true, value: parsed.data }
        : { ok: false, message: `${key}: ${parsed.error.issues[0]?.message ?? 'HH:MM-HH:MM'}` };
    }
    case 'days': {
      const days = text === '' ? [] : text.split(',').map((d) => d.trim().toLowerCase());
      const bad = days.find((d) => !(WEEKDAYS as readonly string[]).includes(d));
      return bad === undefined
        ? { ok: true, value: days }
        : { ok: false, message: `${key}: not a weekday: ${bad} (use ${WEEKDAYS.join(',')})` };
    }
    case 'choice': {
      const choices = SETTING_KEYS[key].choices ?? [];
      return choices.includes(text)
        ? { ok: true, value: text }
        : { ok: false, message: `${key} takes one of: ${choices.join(', ')}` };
    }
    default:
      return assertNever(kind, 'setting kind');
  }
}

export type SendingWindow = Readonly<{
  hours: string;
  blockedDays: readonly string[];
  utcOffsetMinutes: number;
}>;

/** Whether `at` falls inside the sending window (local time = UTC + offset). */
export function insideSendingWindow(at: Date, w: SendingWindow): boolean {
  const local = new Date(at.getTime() + w.utcOffsetMinutes * 60_000);
  const day = WEEKDAYS[local.getUTCDay()];
  if (day !== undefined && w.blockedDays.includes(day)) return false;
  const hhmm = `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
  return hhmm >= w.hours.slice(0, 5) && hhmm < w.hours.slice(6);
}
