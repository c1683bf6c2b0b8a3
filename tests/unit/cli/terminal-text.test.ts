import { describe, expect, it } from 'vitest';
import { escapeForTerminal } from '@core/cli/terminal-text';

describe('text printed on a terminal', () => {
  it('shows control, bidi and line-separator characters as escapes, so no stored value forges a line', () => {
    const forged =
      'ivan\n41\t2026-12-01T00:00:00.000Z\tadmin\tuser.created\u202Eexe.\u001b]0;x\u0007\u009b2J';
    const shown = escapeForTerminal(forged);
    expect(shown).toBe(
      'ivan\\u{000A}41\\u{0009}2026-12-01T00:00:00.000Z\\u{0009}admin\\u{0009}user.created\\u{202E}exe.\\u{001B}]0;x\\u{0007}\\u{009B}2J',
    );
    expect(shown).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it('leaves ordinary text alone (Arabic and Cyrillic included) and doubles a backslash', () => {
    expect(escapeForTerminal('مراجع رسمي — Иван')).toBe('مراجع رسمي — Иван');
    expect(escapeForTerminal('a\\u{000A}b')).toBe('a\\\\u{000A}b');
  });
});
