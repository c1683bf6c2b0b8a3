import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vigil } from '@tests/helpers/cli';
import { CHROMIUM } from '@tests/helpers/chromium';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * `vigil stats --pdf`: the period report through the packet's Chromium path, in each language,
 * read back with pdftotext (the figures and the language's own words are in the text layer) and
 * rendered to PNG under tests/output/ to be looked at. An existing file is refused, like every --out.
 */
let dir: { path: string; remove: () => void };
const v = (...args: string[]) =>
  vigil(['--data', dir.path, ...args], '', { env: { VIGIL_BROWSER: CHROMIUM } });
const today = new Date().toISOString().slice(0, 10);
const OUTPUT = resolve(import.meta.dirname, '../../output');

beforeAll(async () => {
  dir = tempDir('vigil-stats-pdf-');
  for (const n of [1, 2, 3])
    expect((await v('report', 'add', `https://example.org/period-${n}`)).code).toBe(0);
});
afterAll(() => dir?.remove());

describe('vigil stats --pdf', () => {
  it('writes the period report in en, ar and ru, and refuses an existing file', async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const expected = { en: 'Period report', ar: 'تقرير الفترة', ru: 'Отчёт за период' } as const;
    for (const language of ['en', 'ar', 'ru'] as const) {
      const file = join(dir.path, `period-${language}.pdf`);
      const run = await v('stats', '--from', today, '--to', today, '--pdf', file, '--language', language);
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toContain(expected[language]);
      expect(text).toContain(today);
      // The three reports of the period are counted.
      expect(text).toMatch(language === 'en' ? /Reported\s+3/ : /3/);
      execFileSync('pdftoppm', [
        '-r',
        '60',
        '-png',
        '-f',
        '1',
        '-l',
        '1',
        file,
        join(OUTPUT, `stats-period-${language}`),
      ]);
    }
    const file = join(dir.path, 'period-en.pdf');
    const size = statSync(file).size;
    const again = await v('stats', '--from', today, '--to', today, '--pdf', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(statSync(file).size).toBe(size);
    const badLanguage = await v(
      'stats',
      '--from',
      today,
      '--to',
      today,
      '--pdf',
      join(dir.path, 'x.pdf'),
      '--language',
      'fr',
    );
    expect(badLanguage.code).toBe(2);
    expect(badLanguage.stderr.trim().split('\n')).toHaveLength(1);
  });
});
