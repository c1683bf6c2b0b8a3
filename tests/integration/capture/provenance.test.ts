import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { CaptureManifestV2 } from '@core/capture/manifest';
import { decodeRows, readPng } from '@core/capture/png-rows';
import { withCaption } from '@core/capture/provenance';
import { createIntakeService } from '@core/intake/intake-service';
import { CaptureRecord } from '@shared/domain/capture-record';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { startSntpServer, type SntpServer } from '@tests/helpers/sntp-server';
import { tempDir } from '@tests/helpers/temp-dir';
import { readWarcFromWacz, startCaptureEnv, type CaptureEnv } from './setup';

const CHROMIUM = process.env.VIGIL_BROWSER ?? '/usr/bin/chromium';
const EGRESS_ADDRESS = '203.0.113.7';
const SKEW_MS = 3_000;

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let skewed: SntpServer;
let silent: SntpServer;
let egress: { url: string; hits: () => number; close: () => Promise<void> };
let backend: Backend;

/** A "what is my IP" endpoint on loopback that always answers the same address. */
async function startEgressEndpoint(): Promise<typeof egress> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ip: EGRESS_ADDRESS }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ip`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function capture(pathname: string): Promise<CaptureRecord> {
  const intake = createIntakeService(backend.workspace);
  const { resource } = await intake.addReport(
    { url: `${site.http}${pathname}`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  return backend.captures.captureResource(resource.id, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
}

const artifact = (record: CaptureRecord, kind: string) => {
  const found = record.artifacts.find((a) => a.kind === kind);
  if (!found) throw new Error(`no ${kind} artifact`);
  return found;
};
const manifestOf = async (record: CaptureRecord): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(artifact(record, 'manifest').path, 'utf8')) as Record<string, unknown>;
const codes = (record: CaptureRecord) => record.warnings.map((w) => w.code);

beforeAll(async () => {
  dir = tempDir();
  [site, skewed, silent, egress] = await Promise.all([
    startFixtureSite(),
    startSntpServer({ skewMs: SKEW_MS }),
    startSntpServer({ skewMs: 0, silent: true }),
    startEgressEndpoint(),
  ]);
  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
});
afterAll(async () => {
  await backend?.close();
  await Promise.all([site?.close(), skewed?.close(), silent?.close(), egress?.close()]);
  dir?.remove();
});

describe('a capture with a time server 3 s ahead and an egress endpoint', () => {
  let record: CaptureRecord;
  let manifest: Record<string, unknown>;

  beforeAll(async () => {
    await backend.settings.update(
      { timeServer: skewed.address, clockOffsetThresholdMs: 1000, egressEndpoint: egress.url },
      'admin',
    );
    record = await capture('/iframe');
    manifest = await manifestOf(record);
  }, 120_000);

  it('measures the clock offset by SNTP and flags it, keeping the capture complete', () => {
    expect(skewed.answered()).toBeGreaterThan(0);
    const clock = record.context.clockOffset;
    expect(clock?.status).toBe('measured');
    if (clock?.status !== 'measured') return;
    expect(Math.abs(clock.offsetMs - SKEW_MS)).toBeLessThan(300);
    expect(clock.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(codes(record)).toContain('clock.offset-high');
    expect(record.outcome).toBe('complete');
  });

  it('records the egress address asked through the capture browser', () => {
    expect(egress.hits()).toBeGreaterThan(0);
    expect(record.context.egress).toEqual({ status: 'known', address: EGRESS_ADDRESS, endpoint: egress.url });
    expect(codes(record)).not.toContain('egress.unknown');
  });

  it('seals a manifest that passes the provenance schema, with every field filled', () => {
    expect(CaptureManifestV2.safeParse(manifest).success).toBe(true);
    const context = manifest['context'] as Record<string, unknown>;
    expect(context).toMatchObject({
      provenanceVersion: 2,
      operator: 'ivan',
      app: { name: 'Vigil', commitSource: 'git' },
      profile: 'desktop',
      locale: 'en-US',
      timeZone: 'UTC',
      proxy: null,
    });
    expect((context['app'] as { commit: string }).commit).toMatch(/^[0-9a-f]{40}$/);
    expect(context['profileVersion']).toMatch(/^[0-9a-f]{64}$/);
    expect(CaptureRecord.safeParse(record).success).toBe(true);
  });

  it('lists the server address of every response the WARC holds', async () => {
    const warc = await readWarcFromWacz(artifact(record, 'wacz').path);
    const responses = warc.filter((r) => r.type === 'response');
    expect(responses.length).toBeGreaterThan(1);
    const servers = manifest['servers'] as { url: string; address: string | null }[];
    for (const r of responses) {
      const listed = servers.find((s) => s.url === r.url);
      expect(listed, r.url).toBeDefined();
      const ip = Object.entries(r.warcHeaders).find(([k]) => k.toLowerCase() === 'warc-ip-address')?.[1];
      expect(ip, r.url).toBeDefined();
      expect(listed?.address).toMatch(new RegExp(`^${ip}:\\d+$`));
    }
    expect(new Set(servers.map((s) => new URL(s.url).host)).size).toBeGreaterThan(1);
  });

  it('names software, operator, hostname, user agent, format and conformsTo in warcinfo', async () => {
    const warc = await readWarcFromWacz(artifact(record, 'wacz').path);
    const info = warc.find((r) => r.type === 'warcinfo');
    const fields = Object.fromEntries(
      (info?.payload.toString('utf8') ?? '')
        .split(/\r?\n/)
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    );
    expect(fields['software']).toMatch(/Vigil/);
    expect(fields['operator']).toBe('ivan');
    expect(fields['hostname']).toBe(record.context.workstation);
    expect(fields['http-header-user-agent']).toBe(record.context.userAgent);
    expect(fields['format']).toBe('WARC File Format 1.1');
    expect(fields['conformsTo']).toMatch(/warc-1\.1/);
  });

  it('says for every artifact what it derives from and how it was made', () => {
    const artifacts = manifest['artifacts'] as { kind: string; derivedFrom: string[]; method: string }[];
    for (const a of artifacts) {
      expect(Array.isArray(a.derivedFrom), a.kind).toBe(true);
      expect(a.method, a.kind).not.toBe('');
    }
    const byKind = (k: string) => artifacts.find((a) => a.kind === k);
    expect(byKind('screenshot')?.method).toMatch(
      /^Page\.captureScreenshot \{format:png.*captureBeyondViewport:true/,
    );
    expect(byKind('mhtml')?.method).toBe('Page.captureSnapshot {format:mhtml}');
    expect(byKind('dom')?.derivedFrom[0]).toMatch(/^dom@\d{4}-\d\d-\d\dT/);
    expect(byKind('screenshot-captioned')?.derivedFrom).toEqual(['screenshot.png']);
  });

  it('keeps a captioned copy of the screenshot next to the untouched original', async () => {
    const original = readPng(await readFile(artifact(record, 'screenshot').path));
    const captioned = readPng(await readFile(artifact(record, 'screenshot-captioned').path));
    expect(captioned.width).toBe(original.width);
    const band = captioned.height - original.height;
    expect(band).toBeGreaterThan(20);
    // Below the band, every pixel row is the original's.
    const a = decodeRows(original, original.channels);
    const b = decodeRows(captioned, original.channels).slice(band);
    expect(Buffer.concat(b).equals(Buffer.concat(a))).toBe(true);
  });
});

describe('a capture without a time server or egress endpoint', () => {
  it('records the clock offset and the egress address as unknown, with warnings', async () => {
    await backend.settings.update({ timeServer: null, egressEndpoint: null }, 'admin');
    const record = await capture('/');
    expect(record.context.clockOffset).toEqual({
      status: 'unknown',
      server: null,
      reason: 'no time server is configured',
    });
    expect(record.context.egress?.status).toBe('unknown');
    expect(codes(record)).toEqual(expect.arrayContaining(['clock.offset-unknown', 'egress.unknown']));
    expect(record.outcome).toBe('complete');
  }, 120_000);

  it('records a time server that does not answer as unknown within its timeout', async () => {
    await backend.settings.update({ timeServer: silent.address }, 'admin');
    const started = performance.now();
    const record = await capture('/cyrillic');
    expect(record.context.clockOffset).toMatchObject({ status: 'unknown', server: silent.address });
    expect(codes(record)).toContain('clock.offset-unknown');
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);
});

describe('the caption band', () => {
  let env: CaptureEnv;
  beforeAll(async () => {
    env = await startCaptureEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is made without touching a byte of the screenshot Chromium returned', async () => {
    const raw = await env.capture(`${env.site.http}/cyrillic`);
    const shot = raw.artifacts.find((a) => a.kind === 'screenshot');
    if (!shot) throw new Error('no screenshot');
    const before = createHash('sha256')
      .update(await readFile(shot.file))
      .digest('hex');
    const captioned = await withCaption(raw, {
      browser: env.browser,
      captureId: 'cap_test',
      workDir: path.dirname(shot.file),
    });
    const after = createHash('sha256')
      .update(await readFile(shot.file))
      .digest('hex');
    expect(after).toBe(before);
    const copy = captioned.artifacts.find((a) => a.kind === 'screenshot-captioned');
    expect(copy?.file).not.toBe(shot.file);
    expect(captioned.warnings.map((w) => w.code)).not.toContain('caption.failed');
  }, 120_000);
});
