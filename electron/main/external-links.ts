const hasControlOrSpace = (text: string): boolean =>
  [...text].some((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code <= 0x20 || code === 0x7f;
  });

/**
 * Links leave the app only as parsed http(s) URLs without embedded credentials. Anything else
 * (`javascript:`, `file:`, `data:`, custom schemes, malformed text) is refused: handing it to the OS
 * would run a program or open a local file.
 */
export function parseExternalUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8192) return null;
  // URL parsing silently strips tabs, newlines and edge spaces; a link that relies on that is not passed on.
  if (hasControlOrSpace(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null;
  return url.href;
}

export type ExternalLinkDeps = Readonly<{
  /** Asks the user (a native dialog); resolves true only on an explicit yes. */
  confirm: (url: string) => Promise<boolean>;
  open: (url: string) => Promise<void>;
}>;

export type ExternalLinkOutcome = 'opened' | 'refused' | 'declined';

/** Opens a link in the system browser after parsing it and after the user confirmed the exact URL. */
export async function openExternalLink(raw: unknown, deps: ExternalLinkDeps): Promise<ExternalLinkOutcome> {
  const url = parseExternalUrl(raw);
  if (url === null) return 'refused';
  if (!(await deps.confirm(url))) return 'declined';
  await deps.open(url);
  return 'opened';
}
