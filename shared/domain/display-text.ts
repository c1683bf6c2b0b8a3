/**
 * Showing strings a capture brought back (page titles, URLs, texts) without letting them act on
 * the text around them. Pure: used by the renderer and the PDF packet alike.
 */

/** Every Unicode bidi control (UAX #9): embeddings, overrides, isolates, marks, the Arabic letter mark. */
export const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE (UAX #9 §2.7). */
const FSI = '\u2068';
const PDI = '\u2069';

/**
 * A captured string as an isolate: an override or embedding inside it (U+202E say) ends at the PDI
 * (UAX #9 X6a closes every unmatched embedding and override at the isolate's end), so it cannot
 * reverse the label, the row or the paragraph it is shown in. The string itself is kept as captured.
 */
export function isolateText(text: string): string {
  return `${FSI}${text}${PDI}`;
}

export function hasBidiControls(text: string): boolean {
  return BIDI_CONTROLS.test(text);
}

/**
 * The ASCII (punycode, RFC 3492) form of a URL's host when the host as written is not ASCII — an
 * IDN, which may be a homograph (`аpple.com` with a Cyrillic а is `xn--pple-43d.com`) — so that it
 * can be shown beside it. Null for an ASCII host or a string that is not a URL with a host.
 */
export function punycodeHostOf(url: string): string | null {
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)/iu.exec(url)?.[1];
  if (written === undefined || /^[\x20-\x7e]*$/u.test(written)) return null;
  try {
    const ascii = new URL(url).hostname;
    return ascii === '' || ascii === written ? null : ascii;
  } catch {
    return null;
  }
}
