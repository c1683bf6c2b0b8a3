import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let data: string;

beforeAll(async () => {
  dir = tempDir();
  data = join(dir.path, 'data');
  expect((await vigil(['--data', data, 'init'])).code).toBe(0);
});
afterAll(() => dir.remove());

const ESC = '\u001b';

describe('hostile report lists', () => {
  it('refuses a device such as /dev/zero at once, naming it', async () => {
    const out = await vigil(['--data', data, 'report', 'import', '/dev/zero']);
    expect(out).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error intake\.bad-file: .*not a regular file/),
    });
  });

  it('refuses a file over the import limit (setting importMaxBytes) before storing anything', async () => {
    const big = join(dir.path, 'big.txt');
    writeFileSync(big, 'https://limit.example/a\n'.repeat(200));
    const before = await createBackend({ dataDir: data });
    await before.settings.update({ importMaxBytes: 1024 }, 'test');
    await before.close();
    const out = await vigil(['--data', data, 'report', 'import', big]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^error intake\.bad-file: .*import limit of 1024/);
    expect(out.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    const backend = await createBackend({ dataDir: data });
    await backend.settings.update({ importMaxBytes: 64 * 1024 * 1024 }, 'test');
    const n = await backend.workspace.db.read((c) =>
      c.get<{ n: number }>("SELECT count(*) AS n FROM resources WHERE host = 'limit.example'"),
    );
    await backend.close();
    expect(n?.n).toBe(0);
  });

  it('refuses an over-long line without echoing it, and imports the lines around it', async () => {
    const file = join(dir.path, 'one-long-line.txt');
    const huge = `https://long.example/${'a'.repeat(2 * 1024 * 1024)}`;
    writeFileSync(file, ['https://long.example/before', huge, 'https://long.example/after', ''].join('\n'));
    const out = await vigil(['--data', data, 'report', 'import', file]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^line\s+1\s+added/);
    expect(lines[1]).toMatch(
      /^line\s+2\s+rejected\s+https:\/\/long\.example\/a+…\s+— intake\.bad-file: the line is \d+ bytes; at most 16384 are read$/,
    );
    expect(lines[2]).toMatch(/^line\s+3\s+added/);
    // Only a short prefix of the refused line comes back.
    expect(out.stdout.length).toBeLessThan(1000);
  });

  it('refuses bytes that are not UTF-8 with one line naming the line, storing nothing', async () => {
    const file = join(dir.path, 'mixed.txt');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('https://utf.example/1\nhttps://utf.example/2\nhttps://utf.example/caf'),
        Buffer.from([0xe9, 0x0a]),
      ]),
    );
    const out = await vigil(['--data', data, 'report', 'import', file]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^error intake\.bad-file: mixed\.txt line 3 is not UTF-8 text/);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    const show = await vigil(['--data', data, 'report', 'import', file, '--dry-run']);
    expect(show.code).toBe(2);
  });

  it('refuses NUL, ESC and other control characters in a reported URL without echoing them', async () => {
    for (const url of [
      `https://ctl.example/a${ESC}]0;owned\u0007`,
      'https://ctl.example/\u0000x',
      'https://ctl.example/\u202egnp.exe',
    ]) {
      const out = await vigil(['--data', data, 'report', 'add', url]);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(
        /^error intake\.bad-url: the URL contains the control character U\+[0-9A-F]{4} at character \d+/,
      );
      expect(out.stderr).not.toContain(ESC);
      expect(out.stderr).not.toContain('owned');
    }
    const file = join(dir.path, 'controls.csv');
    writeFileSync(file, `url,note\nhttps://ctl.example/ok,fine\n"https://ctl.example/${ESC}[2J",bad\n`);
    const out = await vigil(['--data', data, 'report', 'import', file]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /line\s+3\s+rejected .*intake\.bad-url: the URL contains the control character U\+001B/,
    );
    expect(out.stdout).not.toContain(ESC);
  });

  it('prints what came from outside with control and bidi characters escaped (show resource)', async () => {
    const added = await vigil([
      '--data',
      data,
      'report',
      'add',
      'https://show-esc.example/',
      '--note',
      `${ESC}]0;pwned${'\u0007'} line\nforged\u202e`,
      '--reporter',
      `R${ESC}[31m`,
      '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const id = JSON.parse(added.stdout).resource.id as string;
    const text = await vigil(['--data', data, 'show', 'resource', id]);
    expect(text.code, text.stderr).toBe(0);
    for (const raw of [ESC, '\u0007', '\u202e']) expect(text.stdout).not.toContain(raw);
    expect(text.stdout).toContain('\\u{001B}]0;pwned\\u{0007} line\\u{000A}forged\\u{202E}');
    expect(text.stdout).toContain('(R\\u{001B}[31m)');
  });

  it('prints --json with bidi, C1, DEL and line separators escaped, parsing back to the same text', async () => {
    const note = `a\u202ecba \u009b31m b\u007f c\u2028d \u200b`;
    const added = await vigil([
      '--data',
      data,
      'report',
      'add',
      'https://show-json.example/',
      '--note',
      note,
      '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const id = JSON.parse(added.stdout).resource.id as string;
    const shown = await vigil(['--data', data, 'show', 'resource', id, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    for (const raw of ['\u202e', '\u009b', '\u007f', '\u2028', '\u200b']) {
      expect(added.stdout).not.toContain(raw);
      expect(shown.stdout).not.toContain(raw);
    }
    expect(shown.stdout).toContain('\\u202e');
    const parsed = JSON.parse(shown.stdout) as { reports: { note?: string }[] };
    expect(parsed.reports.map((r) => r.note)).toContain(note);
  });
});
