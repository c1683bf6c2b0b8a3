import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionScreenshot } from '@core/capture/caption-band';
import type { PacketCapture, PacketModel } from '@core/packet/packet-model';
import { parsePng } from '@core/packet/packet-png';
import { packetScreenshots } from '@core/packet/packet-shots';
import { renderPacket } from '@core/packet/render-packet';
import type { RenderedPacket } from '@core/packet/render-packet';
import { launchChromium } from '@tests/helpers/chromium';
import {
  makePacketModel,
  makeScreenshot,
  makeTempDir,
  writeCaptureFiles,
} from '@tests/helpers/packet-fixtures';

// The packet's screenshot pages show the captioned copy (caption band above the screenshot), the
// original screenshot stays the attached evidence; captured strings are isolated and a homograph
// host shows its punycode beside it.

const CLOCK = () => new Date('2026-11-22T10:20:00.000Z');
const HOMOGRAPH = 'https://\u0430pple.com/login';
const TITLE = 'Cheap pills \u202Egnp.exe';

let dir = '';
let browser: Browser;
let packet: RenderedPacket;
let originalFile = '';
let captionedFile = '';

const run = (cmd: string, args: string[]): string =>
  spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }).stdout;
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  dir = makeTempDir('packet-captioned');
  browser = await launchChromium(join(dir, 'chromium'));
  const shot = await makeScreenshot(browser, join(dir, 'full.png'), { height: 2000, title: 'Example Shop' });
  originalFile = shot.file;
  const files = writeCaptureFiles(join(dir, 'capture'), [shot]);
  const model = makePacketModel({ language: 'en', files, decided: false });
  const base = model.captures[0] as PacketCapture;
  mkdirSync(join(dir, 'work'));
  const captioned = await captionScreenshot({
    browser,
    screenshot: {
      kind: 'screenshot',
      name: 'screenshot.png',
      mediaType: 'image/png',
      file: shot.file,
      derivedFrom: [],
      method: 'fixture',
    },
    finalUrl: HOMOGRAPH,
    capturedAt: base.startedAt,
    captureId: base.id,
    workDir: join(dir, 'work'),
  });
  captionedFile = captioned.file;
  const artifacts: PacketCapture['artifacts'] = [
    ...base.artifacts,
    {
      kind: 'screenshot-captioned',
      name: captioned.name,
      path: captioned.file,
      mediaType: 'image/png',
      bytes: readFileSync(captioned.file).length,
      sha256: sha256(captioned.file),
    },
  ];
  const sizeOf = async (file: string) => {
    const png = parsePng(await readFile(file));
    return { width: png.width, height: png.height };
  };
  const capture: PacketCapture = {
    ...base,
    finalUrl: HOMOGRAPH,
    page: { ...base.page, title: TITLE },
    redirects: [
      { url: 'http://example.org/a', status: 301, location: 'https://example.org/b', via: 'http' },
      { url: 'https://example.org/b', status: 200, location: HOMOGRAPH, via: 'script' },
    ],
    artifacts,
    screenshots: await packetScreenshots({ artifacts }, sizeOf),
  };
  const withCaption: PacketModel = { ...model, captures: [capture] };
  packet = await renderPacket({ model: withCaption, browser, workDir: join(dir, 'out'), clock: CLOCK });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe('screenshot pages show the captioned copy', () => {
  it('draws the captioned image, not the bare screenshot, on the screenshot pages', () => {
    const original = parsePng(readFileSync(originalFile));
    const captioned = parsePng(readFileSync(captionedFile));
    expect(captioned.height).toBeGreaterThan(original.height);
    const images = run('pdfimages', ['-list', packet.file])
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(/\s+/));
    const sizes = images.map((c) => `${c[3]}x${c[4]}`);
    expect(sizes).toContain(`${captioned.width}x${captioned.height}`);
    expect(sizes).not.toContain(`${original.width}x${original.height}`);
    const text = run('pdftotext', [packet.file, '-']).replace(/\s+/g, ' ');
    expect(text).toContain('derived copy: caption band');
    expect(text).toContain('which is attached as the original');
  });

  it('attaches the original screenshot byte for byte, never the captioned copy', () => {
    const out = join(dir, 'detached');
    mkdirSync(out, { recursive: true });
    run('pdfdetach', ['-saveall', '-o', out, packet.file]);
    const pngs = readdirSync(out).filter((n) => n.endsWith('.png'));
    expect(pngs).toHaveLength(1);
    const attached = readFileSync(join(out, pngs[0] ?? 'missing'));
    expect(attached.equals(readFileSync(originalFile))).toBe(true);
    expect(pngs[0]).not.toContain('captioned');
  });
});

describe('captured strings in the packet text', () => {
  it('keeps a U+202E in a captured title inside an isolate (FSI … PDI) in the text layer', () => {
    const text = run('pdftotext', [packet.file, '-']);
    const at = text.indexOf('Cheap pills');
    expect(at).toBeGreaterThan(0);
    // pdftotext gives the line in visual order with the controls after it: the override travels
    // with the title and is closed by a PDI on the same line; what follows reads in its own order.
    const line = text.slice(text.lastIndexOf('\n', at) + 1, text.indexOf('\n', at));
    expect(line).toContain('\u202E');
    expect(line).toContain('\u2068');
    expect(line).toContain('\u2069');
    expect(text.replace(/\s+/g, ' ')).toContain('Started 2026-11-22T09:58:01.123Z');
  });

  it('shows the punycode of a homograph host beside it, and how each redirect hop happened', () => {
    const text = run('pdftotext', [packet.file, '-'])
      .replace(/[\u2066-\u2069]/gu, '')
      .replace(/\s+/g, ' ');
    expect(text).toMatch(/\u0430pple\.com\/login ?\(xn--pple-43d\.com\)/u);
    expect(text).toMatch(/example\.org\/a 301 http /u);
    expect(text).toMatch(/example\.org\/b 200 script /u);
  });
});
