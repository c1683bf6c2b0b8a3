import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

// `show capture` prints a captured page's title (and URLs, messages) escaped: a title holding a C1
// CSI (U+009B, one character a terminal reads as ESC [), a bidi override or a line separator reaches
// the terminal as visible text. (Chromium itself drops ESC and BEL from a title; they are checked too.)
const KEPT = ['\u009b', '\u202e', '\u2028'];
const RAW = ['\u001b', '\u0007', ...KEPT];
let dir: { path: string; remove: () => void };
let site: FixtureSite;
let data: string;
let captureId = '';
let title = '';

beforeAll(async () => {
  dir = tempDir('vigil-show-capture-esc-');
  site = await startFixtureSite();
  data = join(dir.path, 'data');
  const backend = await createBackend({ dataDir: data, env: { VIGIL_BROWSER: CHROMIUM } });
  try {
    const added = await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/hostile-title`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    const capture = await backend.captures.captureResource(added.resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      timeoutSeconds: 60,
    });
    captureId = capture.id;
    title = capture.page.title;
  } finally {
    await backend.close();
  }
}, 180_000);

afterAll(async () => {
  await site?.close();
  dir?.remove();
});

describe('show capture of a page with a hostile title', () => {
  it('keeps the title as captured, control characters and all', () => {
    for (const raw of KEPT) expect(title).toContain(raw);
  });

  it('prints the title with every control, bidi and separator character escaped', async () => {
    const text = await vigil(['--data', data, 'show', 'capture', captureId]);
    expect(text.code, text.stderr).toBe(0);
    for (const raw of RAW) expect(text.stdout).not.toContain(raw);
    expect(text.stdout).toContain(
      'title "Owned ]0;pwned [2J \\u{009B}31m \\u{202E}gnp.exe\\u{2028}forged line"',
    );
    // One record, its own lines only: nothing in the title started a line of its own.
    expect(text.stdout.split('\n').filter((l) => l.includes('pwned'))).toHaveLength(1);
  });

  it('prints --json that parses to the title as captured, with none of those characters raw', async () => {
    const json = await vigil(['--data', data, 'show', 'capture', captureId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    for (const raw of RAW) expect(json.stdout).not.toContain(raw);
    expect((JSON.parse(json.stdout) as CaptureRecord).page.title).toBe(title);
  });
});
