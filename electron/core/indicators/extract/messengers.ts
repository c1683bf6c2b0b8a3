import type { Found } from './crypto-addresses';
import { phoneToE164 } from './phones';
import { isWordUnit } from './text-fold';

/**
 * Messenger handles and invite links. Each family is one regular expression over the string; the
 * value is the normal form of shared/domain/indicators.ts (usernames lower-case without @, invite
 * codes as written since they are case-sensitive). A wa.me link is a WhatsApp contact and a phone.
 */
const TG_LINK =
  /(?<![\w.-])(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(?:s\/)?(\+[\w-]{8,64}|joinchat\/[\w-]{8,64}|[A-Za-z][A-Za-z0-9_]{4,31})(?![\w-])/gi;
const TG_RESOLVE = /tg:\/\/resolve\?domain=([A-Za-z][A-Za-z0-9_]{4,31})(?![\w])/gi;
// Not after a word character, @ . / (an e-mail, a path: checked by hand, a look-behind would slow the
// scan) and not before a dot and a letter ("@example.com").
const TG_HANDLE = /@([A-Za-z][A-Za-z0-9_]{4,31})(?![\w@]|\.[A-Za-z])/g;
const WA_PHONE =
  /(?<![\w.-])(?:https?:\/\/)?(?:wa\.me\/|(?:api\.)?whatsapp\.com\/send\/?\?phone=)\+?(\d{7,15})(?!\d)/gi;
const WA_GROUP =
  /(?<![\w.-])(?:https?:\/\/)?chat\.whatsapp\.com\/(?:invite\/)?([A-Za-z0-9]{16,32})(?![A-Za-z0-9])/gi;
const SIGNAL_PHONE = /(?<![\w.-])(?:https?:\/\/)?signal\.me\/#p\/(\+\d{7,15})(?!\d)/gi;
const SIGNAL_GROUP = /(?<![\w.-])(?:https?:\/\/)?signal\.group\/#([A-Za-z0-9_-]{20,})/gi;
const THREEMA = /(?<![\w.-])(?:https?:\/\/)?threema\.id\/([A-Za-z0-9*]{8})(?![A-Za-z0-9])/gi;
const DISCORD =
  /(?<![\w.-])(?:https?:\/\/)?(?:discord\.gg|discord(?:app)?\.com\/invite)\/([A-Za-z0-9-]{2,32})(?![\w-])/gi;

const MARKERS = /t\.me\/|telegram\.|tg:\/\/|whatsapp|wa\.me|signal\.|threema\.id|discord/i;

/** t.me paths that are Telegram's own pages, not a user or channel. */
const TG_RESERVED: ReadonlySet<string> = new Set([
  'share',
  'addstickers',
  'addemoji',
  'addtheme',
  'addlist',
  'proxy',
  'socks',
  'setlanguage',
  'login',
  'confirmphone',
  'joinchat',
  'boost',
  'contact',
  'iv',
]);

/** Telegram's username rules: 5–32 of [a-z0-9_], a letter first, no trailing or doubled underscore. */
export function isTelegramUsername(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]{4,31}$/.test(name) && !name.endsWith('_') && !name.includes('__');
}

function telegramValue(path: string): string | null {
  if (path.startsWith('+')) return path;
  if (/^joinchat\//i.test(path)) return `joinchat/${path.slice(9)}`;
  if (!isTelegramUsername(path) || TG_RESERVED.has(path.toLowerCase())) return null;
  return path.toLowerCase();
}

/** Hosts whose links are messenger contacts, not "other domains linked". */
export const MESSENGER_HOSTS: ReadonlySet<string> = new Set([
  't.me',
  'telegram.me',
  'telegram.dog',
  'wa.me',
  'whatsapp.com',
  'chat.whatsapp.com',
  'api.whatsapp.com',
  'signal.me',
  'signal.group',
  'threema.id',
  'discord.gg',
  'discord.com',
  'discordapp.com',
]);

export function findMessengers(s: string, withHandles: boolean, out: Found[]): void {
  const at = (m: RegExpMatchArray): number => m.index ?? 0;
  // Cheap prefilter: most text has none of these markers, and one literal scan is far cheaper than
  // running every family's expression.
  const markers = MARKERS.exec(s) === null ? null : s.toLowerCase();
  const has = (needle: string): boolean => markers !== null && markers.includes(needle);
  if (has('t.me/') || has('telegram.') || has('tg://')) {
    for (const m of s.matchAll(TG_LINK)) {
      const value = telegramValue(m[1] ?? '');
      if (value !== null) out.push({ type: 'telegram', value, offset: at(m), length: m[0].length });
    }
    for (const m of s.matchAll(TG_RESOLVE)) {
      const name = m[1] ?? '';
      if (isTelegramUsername(name))
        out.push({ type: 'telegram', value: name.toLowerCase(), offset: at(m), length: m[0].length });
    }
  }
  if (withHandles && s.includes('@')) {
    for (const m of s.matchAll(TG_HANDLE)) {
      const prev = m.index > 0 ? s.charCodeAt(m.index - 1) : 32;
      if (isWordUnit(prev) || prev === 64 || prev === 46 || prev === 47 || prev === 95) continue;
      const name = m[1] ?? '';
      if (isTelegramUsername(name))
        out.push({ type: 'telegram', value: name.toLowerCase(), offset: at(m), length: m[0].length });
    }
  }
  if (has('whatsapp') || has('wa.me')) {
    for (const m of s.matchAll(WA_PHONE)) {
      const e164 = phoneToE164(`+${m[1] ?? ''}`, null);
      if (e164 === null) continue;
      out.push({ type: 'whatsapp', value: e164, offset: at(m), length: m[0].length });
      out.push({ type: 'phone', value: e164, offset: at(m), length: m[0].length });
    }
    for (const m of s.matchAll(WA_GROUP))
      out.push({ type: 'whatsapp', value: `chat/${m[1] ?? ''}`, offset: at(m), length: m[0].length });
  }
  if (has('signal.')) {
    for (const m of s.matchAll(SIGNAL_PHONE)) {
      const e164 = phoneToE164(m[1] ?? '', null);
      if (e164 !== null) out.push({ type: 'signal', value: `p/${e164}`, offset: at(m), length: m[0].length });
    }
    for (const m of s.matchAll(SIGNAL_GROUP))
      out.push({ type: 'signal', value: `group/${m[1] ?? ''}`, offset: at(m), length: m[0].length });
  }
  if (has('threema.id'))
    for (const m of s.matchAll(THREEMA))
      out.push({ type: 'threema', value: (m[1] ?? '').toUpperCase(), offset: at(m), length: m[0].length });
  if (has('discord'))
    for (const m of s.matchAll(DISCORD))
      out.push({ type: 'discord', value: m[1] ?? '', offset: at(m), length: m[0].length });
}
