import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '@core/bundle/bundle-export';
import { createCaptureService, type CaptureService } from '@core/capture/capture-service';
import { hashMedia } from '@core/media/media-hashes';
import { createHashListService } from '@core/media/hash-lists';
import { createMediaMatcher } from '@core/media/media-matcher';
import { createKeyedSettings } from '@core/settings/keyed-settings';
import { restrictedScreenshotsSetting } from '@core/capture/capture-media-policy';
import { decodeRows, readPng } from '@core/capture/png-rows';
import { createIntakeService } from '@core/intake/intake-service';
import { createSettingsService } from '@core/settings/settings-service';
import { openWorkspace, type Workspace } from '@core/workspace';
import { renderResourcePacket, withPacketBrowser } from '@core/review/packet-service';
import { raiseSuspectedCsam, suspectedCsamOf } from '@core/review/suspected-csam-flag';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vividPng } from '@tests/helpers/generated-images';
import { filesUnder, mediaIn, readable } from '@tests/helpers/media-scan';
import { tempDir } from '@tests/helpers/temp-dir';

const MAGENTA: [number, number, number] = [255, 0, 255];
const GREEN: [number, number, number] = [0, 255, 0];
const CYAN: [number, number, number] = [0, 255, 255];
const IMAGE = vividPng(160, 96, MAGENTA, GREEN);
/** The same kind of image, served as text/plain: the bytes, not the header, make it a medium. */
const LYING = vividPng(64, 64, GREEN, MAGENTA);
const BACKGROUND = vividPng(200, 60, MAGENTA, [255, 255, 0]);
const LISTED = vividPng(120, 80, CYAN, MAGENTA);
const YELLOW: [number, number, number] = [255, 255, 0];
/** Listed and only ever inline: a `data:` URL in a script, never fetched as a request of its own. */
const INLINE = vividPng(72, 40, YELLOW, CYAN);
/** Unlisted and fetched before the inline match is seen: a match anywhere must withhold it too. */
const PLAIN = vividPng(88, 56, GREEN, YELLOW);
const VIDEO = Buffer.concat([
  Buffer.from([0x1a, 0x45, 0xdf, 0xa3]),
  Buffer.alloc(4000, 0x5a),
  Buffer.from('VIDEO-STUB-END'),
]);
const AUDIO = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(3000, 0x33), Buffer.from('AUDIO-STUB-END')]);
const MEDIA = { '/a.png': IMAGE, '/b.txt': LYING, '/bg.png': BACKGROUND, '/v.webm': VIDEO, '/s.ogg': AUDIO };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Restricted fixture</title>
<style>body{margin:0;font:16px sans-serif;background:#fff}#bg{width:200px;height:60px;background-image:url(/bg.png)!important}#pseudo::after{content:url(/a.png)}</style></head>
<body><h1>Restricted fixture text</h1><img id="a" src="/a.png" width="160" height="96"><img src="/b.txt" width="64" height="64">
<div id="bg"></div><div id="pseudo">after:</div><video src="/v.webm" width="120" height="80"></video><audio src="/s.ogg" controls></audio>
<img src="data:image/png;base64,${LYING.toString('base64')}" width="64" height="64"><p>visible words stay</p></body></html>`;
const INLINE_PAGE = `<!doctype html><html><head><title>Inline fixture</title></head><body><p>inline page</p>
<img src="/plain.png" width="88" height="56">
<script>window.kept = "data:image/png;base64,${INLINE.toString('base64')}";</script></body></html>`;
const LISTED_PAGE = `<!doctype html><html><head><title>Listed fixture</title></head><body><p>listed page</p>
<img src="/listed.png" width="120" height="80"></body></html>`;

function startSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const media = (MEDIA as Record<string, Buffer>)[p];
    if (p === '/page') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (p === '/listed')
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(LISTED_PAGE);
    else if (p === '/inline')
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(INLINE_PAGE);
    else if (p === '/plain.png') res.writeHead(200, { 'Content-Type': 'image/png' }).end(PLAIN);
    else if (p === '/listed.png') res.writeHead(200, { 'Content-Type': 'image/png' }).end(LISTED);
    else if (p === '/b.txt') res.writeHead(200, { 'Content-Type': 'text/plain' }).end(LYING);
    else if (p === '/v.webm') res.writeHead(200, { 'Content-Type': 'video/webm' }).end(VIDEO);
    else if (p === '/s.ogg') res.writeHead(200, { 'Content-Type': 'audio/ogg' }).end(AUDIO);
    else if (media) res.writeHead(200, { 'Content-Type': 'image/png' }).end(media);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** Every stream of a PDF, inflated where it is deflated (attachments are stored as they are). */
function pdfStreams(pdf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const start = pdf.indexOf('stream', at, 'latin1');
    if (start < 0) return out;
    const body = start + (pdf[start + 6] === 0x0d ? 8 : 7);
    const end = pdf.indexOf('endstream', body, 'latin1');
    if (end < 0) return out;
    // The end-of-line before `endstream` is not part of the stream.
    let stop = end;
    if (pdf[stop - 1] === 0x0a) stop -= 1;
    if (pdf[stop - 1] === 0x0d) stop -= 1;
    const raw = pdf.subarray(body, stop);
    out.push(raw);
    try {
      out.push(inflateSync(raw));
    } catch {
      // Not deflated.
    }
    at = end + 9;
  }
}

function pixelsOf(png: Buffer, colour: [number, number, number]): number {
  const image = readPng(png);
  let n = 0;
  for (const row of decodeRows(image, image.channels)) {
    for (let i = 0; i + 2 < row.length; i += image.channels) {
      if (row[i] === colour[0] && row[i + 1] === colour[1] && row[i + 2] === colour[2]) n += 1;
    }
  }
  return n;
}

let dir: { path: string; remove: () => void };
let outDir: { path: string; remove: () => void };
let site: { url: string; close: () => Promise<void> };
let ws: Workspace;
let captures: CaptureService;

beforeAll(async () => {
  dir = tempDir();
  outDir = tempDir();
  site = await startSite();
  // The workspace and the capture service alone: what the capture pipeline needs, nothing else.
  ws = (await openWorkspace({ dataDir: dir.path })).workspace;
  captures = createCaptureService({
    ws,
    settings: createSettingsService(ws),
    env: { VIGIL_BROWSER: CHROMIUM },
    // As the backend wires it: the real hashes (PDQ too) and the imported lists.
    media: {
      hash: hashMedia,
      screenshots: () => restrictedScreenshotsSetting(createKeyedSettings(ws)),
      matcher: async () => {
        const m = createMediaMatcher({ ws });
        return (await m.hasLists())
          ? { match: (h) => m.firstMatch(h), assessed: (h) => m.assessmentFor(h) }
          : null;
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await captures?.close();
  await ws?.close();
  await site?.close();
  dir?.remove();
  outDir?.remove();
});

async function resourceFor(url: string): Promise<string> {
  const intake = createIntakeService(ws);
  const added = await intake.addReport(
    { url, sourceType: 'volunteer', category: 'minors', caseRef: 'CASE-R1' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  return added.resource.id;
}

const captureOf = (resourceId: string) =>
  captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });

describe('a capture of a resource flagged suspected_csam', () => {
  let record: CaptureRecord;
  let resourceId: string;

  beforeAll(async () => {
    resourceId = await resourceFor(`${site.url}/page`);
    await raiseSuspectedCsam(ws, { resourceId, reason: 'reported as abuse material', actor: 'ivan' });
    record = await captureOf(resourceId);
  }, 120_000);

  it('records every medium as withheld, with its hashes, the URL and the reason, in record and manifest', () => {
    expect(record.restricted).toBe(true);
    expect(record.suspectedCsam).toEqual({ source: 'investigator', reason: 'reported as abuse material' });
    const byUrl = new Map((record.withheld ?? []).map((w) => [new URL(w.url).pathname, w]));
    for (const [path, bytes] of Object.entries(MEDIA)) {
      const w = byUrl.get(path);
      expect(w, path).toBeDefined();
      expect(w?.sha256).toBe(sha256(bytes));
      expect(w?.md5).toBe(createHash('md5').update(bytes).digest('hex'));
      expect(w?.reason).toBe('suspected_csam');
    }
    expect(record.restriction?.notKept.map((n) => n.kind)).toEqual(['mhtml']);
    expect(record.artifacts.map((a) => a.kind)).not.toContain('mhtml');
    const manifest = JSON.parse(
      readFileSync(record.artifacts.find((a) => a.kind === 'manifest')?.path ?? '', 'utf8'),
    ) as Pick<CaptureRecord, 'restricted' | 'withheld' | 'suspectedCsam'>;
    expect(manifest.restricted).toBe(true);
    expect(manifest.withheld).toEqual(record.withheld);
    expect(manifest.suspectedCsam).toEqual(record.suspectedCsam);
  });

  it('keeps the text and the DOM with the media URLs, but no media bytes anywhere in the store', async () => {
    const dom = readFileSync(record.artifacts.find((a) => a.kind === 'dom')?.path ?? '', 'utf8');
    expect(dom).toContain('/a.png');
    expect(dom).toContain('/v.webm');
    expect(dom).toContain('visible words stay');
    const found: string[] = [];
    for (const file of filesUnder(join(dir.path, 'blobs'))) {
      for (const view of await readable(readFileSync(file))) found.push(...mediaIn(view, MEDIA));
    }
    expect(found).toEqual([]);
  });

  it('writes the withheld media into the WARC as revisit records with their digests', async () => {
    const wacz = readFileSync(record.artifacts.find((a) => a.kind === 'wacz')?.path ?? '');
    const warc = (await readable(wacz))
      .map((b) => b.toString('latin1'))
      .find((t) => t.startsWith('WARC/1.1'));
    expect(warc).toBeDefined();
    expect(warc).toContain('WARC-Type: revisit');
    expect(warc).toContain(`WARC-Payload-Digest: sha256:${sha256(IMAGE)}`);
    expect(warc).toContain('http://netpreserve.org/warc/1.1/revisit/identical-payload-digest');
    expect(warc).toMatch(/"withheld":"suspected_csam"/);
  });

  it('photographs the page with placeholders: no pixel of the fixture colours survives', () => {
    const shots = record.artifacts.filter((a) => a.kind === 'screenshot' || a.kind === 'screenshot-viewport');
    expect(shots.length).toBeGreaterThan(0);
    expect(record.restriction?.screenshots).toBe('placeholders');
    for (const shot of shots) {
      const png = readFileSync(shot.path);
      expect(pixelsOf(png, MAGENTA), shot.name).toBe(0);
      expect(pixelsOf(png, GREEN), shot.name).toBe(0);
    }
  });

  it('renders a review packet that embeds none of the media bytes (streams inflated too)', async () => {
    const settings = createSettingsService(ws);
    const packet = await withPacketBrowser(ws, settings, { VIGIL_BROWSER: CHROMIUM }, (browser) =>
      renderResourcePacket({ ws, settings, browser }, resourceId, { actor: 'ivan', language: 'en' }),
    );
    const pdf = readFileSync(packet.file);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // An attached WACZ is a ZIP inside a stream: each stream is opened as far as it goes.
    const views: Buffer[] = [pdf];
    for (const stream of pdfStreams(pdf)) views.push(...(await readable(stream)));
    // The attached WACZ was opened down to its WARC: the scan reached the archived records.
    expect(views.some((v) => v.includes(Buffer.from('WARC/1.1')))).toBe(true);
    expect(views.flatMap((v) => mediaIn(v, MEDIA))).toEqual([]);
  }, 120_000);

  it('exports a bundle that carries the withheld list and none of the media bytes', async () => {
    // A bundle is written outside the data dir.
    const out = join(outDir.path, 'restricted.zip');
    await exportBundle(ws, {
      selection: { resourceIds: [resourceId] },
      outPath: out,
      asDirectory: false,
      actor: 'ivan',
      tsaUrl: null,
    });
    const zip = readFileSync(out);
    const views = await readable(zip);
    expect(views.flatMap((v) => mediaIn(v, MEDIA))).toEqual([]);
    expect(views.some((v) => v.includes(Buffer.from(sha256(IMAGE))))).toBe(true);
  });
});

describe('an unflagged capture whose image is on a known-hash list', () => {
  let record: CaptureRecord;
  let resourceId: string;

  beforeAll(async () => {
    await createHashListService(ws).importText({
      text: `sha256,label\n${sha256(LISTED)},suspected_csam\n`,
      fileName: 'list.csv',
      name: 'test-list',
      actor: 'root',
      role: 'admin',
    });
    resourceId = await resourceFor(`${site.url}/listed`);
    record = await captureOf(resourceId);
  }, 120_000);

  it('flags the resource (source hashlist, a custody event) and withholds the item', async () => {
    expect(record.restricted).toBe(true);
    expect(record.suspectedCsam?.source).toBe('hashlist');
    expect(record.withheld?.map((w) => [w.sha256, w.reason])).toEqual([[sha256(LISTED), 'known-hash']]);
    const flag = await ws.db.read((c) => suspectedCsamOf(c, resourceId));
    expect(flag.flagged).toBe(true);
    expect(flag.last?.source).toBe('hashlist');
    const events = await ws.db.read((c) =>
      c.all<{ action: string }>(
        "SELECT action FROM audit WHERE subject = ? AND action = 'resource.flagged'",
        [`resource:${resourceId}`],
      ),
    );
    expect(events).toHaveLength(1);
    const found: string[] = [];
    for (const file of filesUnder(join(dir.path, 'blobs'))) {
      for (const view of await readable(readFileSync(file))) found.push(...mediaIn(view, { listed: LISTED }));
    }
    expect(found).toEqual([]);
    for (const shot of record.artifacts.filter((a) => a.kind === 'screenshot'))
      expect(pixelsOf(readFileSync(shot.path), CYAN)).toBe(0);
  });
});

describe('an unflagged capture with a listed inline data: medium, under the no-screenshot policy', () => {
  let record: CaptureRecord;
  let resourceId: string;

  beforeAll(async () => {
    const keyed = createKeyedSettings(ws);
    await expect(keyed.set('restricted.screenshots', 'blurred', 'root')).rejects.toThrow(
      'restricted.screenshots takes one of: placeholders, none',
    );
    await keyed.set('restricted.screenshots', 'none', 'root');
    await createHashListService(ws).importText({
      text: `sha256,label\n${sha256(INLINE)},csam.inline\n`,
      fileName: 'inline.csv',
      name: 'inline-list',
      actor: 'root',
      role: 'admin',
    });
    // A reviewer already assessed the unlisted image: the next capture labels it with that.
    await createHashListService(ws).assess({
      sha256: sha256(PLAIN),
      label: 'csam.reviewed',
      actor: 'rita',
      role: 'reviewer',
    });
    resourceId = await resourceFor(`${site.url}/inline`);
    record = await captureOf(resourceId);
  }, 120_000);

  it('flags the resource and withholds the inline medium and every other medium of the capture', async () => {
    expect(record.restricted).toBe(true);
    expect(record.suspectedCsam?.source).toBe('hashlist');
    const inline = record.withheld?.find((w) => w.sha256 === sha256(INLINE));
    expect(inline?.reason).toBe('known-hash');
    expect(inline?.url).toContain('(data: URL 1)');
    expect(inline?.because).toContain('inline-list');
    const plain = record.withheld?.find((w) => w.sha256 === sha256(PLAIN));
    expect(plain?.url).toMatch(/\/plain\.png$/);
    expect(plain?.assessment).toMatchObject({ label: 'csam.reviewed', assessedBy: 'rita', by: 'sha256' });
    expect(inline?.assessment).toBeUndefined();
    expect((await ws.db.read((c) => suspectedCsamOf(c, resourceId))).last?.source).toBe('hashlist');
    const found: string[] = [];
    for (const file of filesUnder(join(dir.path, 'blobs'))) {
      for (const view of await readable(readFileSync(file)))
        found.push(...mediaIn(view, { inline: INLINE, plain: PLAIN }));
    }
    expect(found).toEqual([]);
    const dom = readFileSync(record.artifacts.find((a) => a.kind === 'dom')?.path ?? '', 'utf8');
    expect(dom).toContain('data:image/withheld,');
    expect(dom).toContain('/plain.png');
  });

  it('takes no screenshot at all and says so in the record and its warnings', () => {
    expect(record.restriction?.screenshots).toBe('none');
    expect(record.artifacts.map((a) => a.kind)).not.toContain('screenshot');
    expect(record.artifacts.map((a) => a.kind)).not.toContain('screenshot-viewport');
    expect(record.warnings.map((w) => w.code)).toContain('restricted.no-screenshot');
  });
});
