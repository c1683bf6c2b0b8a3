/**
 * Characters a terminal acts on instead of showing, or that change how a line reads: controls
 * (`\p{Cc}`: C0 with ESC, which starts CSI/OSC sequences that retitle the window or rewrite earlier
 * lines, CR/LF/TAB that forge lines and columns, DEL, C1 with the one-character CSI U+009B), format
 * characters (`\p{Cf}`: the bidirectional controls of Unicode TR9 such as U+202E, zero-width
 * characters) and the line/paragraph separators. The backslash is matched too, so an escape that
 * was in the text itself cannot pass for one this function wrote.
 */
const UNSAFE = /\\|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Text from outside (a reported URL, a page title, a user name, an audit field) as it may be printed:
 * each character above as a visible `\u{XXXX}`, a backslash doubled, everything else unchanged.
 * Apply it to each value, never to the printer's own layout (its newlines and padding).
 */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (ch) =>
    ch === '\\' ? '\\\\' : `\\u{${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}

/**
 * The same characters, in JSON text: only ever inside strings there, where `\uXXXX` means the same.
 * LF is left out: `JSON.stringify` escapes it inside strings, so a raw one is its own indentation.
 */
const UNSAFE_IN_JSON = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * JSON for the terminal: `JSON.stringify` already escapes C0 controls, but leaves DEL, C1 (U+009B is
 * a one-character CSI), bidi overrides and line separators raw. Each becomes its `\uXXXX` escape (a
 * surrogate pair for one beyond the BMP), so the text parses to exactly the same value.
 */
export function jsonForTerminal(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (ch) => {
    let out = '';
    for (let i = 0; i < ch.length; i += 1) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
