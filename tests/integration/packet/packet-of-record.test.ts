import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createBundleService } from '@core/bundle/bundle-service';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { inspectTimestampToken } from '@core/custody/tsa-client';
import { createIntakeService } from '@core/intake/intake-service';
import type { Envelope } from '@shared/contract/envelope';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { DecisionRecord } from '@shared/domain/decision';
import { CHROMIUM } from '@tests/helpers/chromium';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';
import { callAs, valueOf } from '@tests/helpers/backend-calls';

const CASE = 'CASE-2026-RECORD';
const PASSWORD = 'correct horse battery';

type Packet = { sha256: string; pages: number; bytes: number; signed: boolean };

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let tsa: TsaServer;
let backend: Backend;
let resourceId: string;
let capture: CaptureRecord;
let decision: DecisionRecord;
let signed: Packet;
let copy: Packet;
let bundleDir: string;

const call = (name: string, method: string, input: unknown): Promise<Envelope<unknown>> =>
  callAs(backend, name, method, input);

const blob = (sha256: string) => backend.workspace.blobs.pathOf(sha256);
const pdfText = async (file: string) => (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
const packetPath = () => `packets/${resourceId}.pdf`;

beforeAll(async () => {
  dir = tempDir('vigil-packet-record-');
  [site, tsa] = await Promise.all([startFixtureSite(), startTsaServer()]);
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.settings.update({ tsaUrl: tsa.url }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=packet-record`, sourceType: 'volunteer', caseRef: CASE },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  expect(capture.timestamp.status).toBe('granted');
  valueOf(await call('ivan', 'review.request', { resourceId }));
  decision = valueOf<DecisionRecord>(
    await call('rita', 'review.decide', {
      resourceId,
      decision: approvalOf(`${site.http}/?case=packet-record`),
      password: PASSWORD,
    }),
  );
  // Signed first, then an unsigned rendering of the same decision: the later one is only a copy.
  signed = valueOf<Packet>(
    await call('rita', 'packet.render', { resourceId, language: 'en', password: PASSWORD }),
  );
  copy = valueOf<Packet>(await call('rita', 'packet.render', { resourceId, language: 'en' }));
  expect([signed.signed, copy.signed]).toEqual([true, false]);

  bundleDir = join(dir.path, 'bundle');
  await createBundleService(backend.workspace, backend.settings).export(
    { caseRef: CASE },
    { outPath: bundleDir, asDirectory: true, actor: 'ivan' },
  );
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await tsa?.close();
  dir?.remove();
});

describe('the packet of record', () => {
  it('marks an unsigned rendering after a decision COPY — NOT SIGNED on every page, and only that one', async () => {
    const pages = (await pdfText(blob(copy.sha256))).split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBe(copy.pages);
    for (const page of pages) expect(page).toContain('COPY — NOT SIGNED');
    expect(await pdfText(blob(signed.sha256))).not.toContain('COPY — NOT SIGNED');
    const info = await run('pdfinfo', [blob(copy.sha256)]);
    expect(info.stdout).toContain('COPY-NOT-SIGNED');
  });

  it('bundles the signed packet, not the copy rendered after it, and names its hash per decision', async () => {
    const bundled = readFileSync(join(bundleDir, packetPath()));
    expect(bundled.equals(readFileSync(blob(signed.sha256)))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')) as {
      decisions: { id: string; packetSha256: string | null }[];
    };
    expect(manifest.decisions).toEqual([
      expect.objectContaining({ id: decision.id, packetSha256: signed.sha256 }),
    ]);
    const report = await verifyBundle(bundleDir);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.check === 'packet.record')).toMatchObject({
      ok: true,
      file: packetPath(),
    });
  });

  it('fails verify naming the packet when the copy is swapped in, even with SHA256SUMS and manifest rewritten', async () => {
    const swapped = join(dir.path, 'swapped');
    cpSync(bundleDir, swapped, { recursive: true });
    const copyBytes = readFileSync(blob(copy.sha256));
    writeFileSync(join(swapped, packetPath()), copyBytes);
    // Make the listings agree with the copy, so that only the packet-of-record check can tell.
    const sumsFile = join(swapped, 'SHA256SUMS');
    writeFileSync(sumsFile, readFileSync(sumsFile, 'utf8').replace(signed.sha256, copy.sha256));
    const manifestFile = join(swapped, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      files: { path: string; sha256: string; bytes: number }[];
    };
    for (const f of manifest.files)
      if (f.path === packetPath()) Object.assign(f, { sha256: copy.sha256, bytes: copyBytes.length });
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const sums = readFileSync(sumsFile, 'utf8').replace(
      /^[0-9a-f]{64}( {2}manifest\.json)$/m,
      `${(await run('sha256sum', [manifestFile])).stdout.slice(0, 64)}$1`,
    );
    writeFileSync(sumsFile, sums);

    const report = await verifyBundle(swapped);
    expect(report.ok).toBe(false);
    // SHA256SUMS was rewritten, so its signature and time-stamp fail too; of the rest, only this check.
    const rest = report.checks.filter(
      (c) => !c.ok && c.check !== 'sums.signature' && c.check !== 'sums.timestamp',
    );
    expect(rest).toEqual([expect.objectContaining({ check: 'packet.record', file: packetPath() })]);
  });

  it('prints the capture time-stamp’s authority, time and serial in the packet', async () => {
    const tokenSha = capture.timestamp.tokenSha256;
    expect(tokenSha).toBeDefined();
    const token = inspectTimestampToken(readFileSync(blob(tokenSha ?? '')));
    const text = (await pdfText(blob(signed.sha256))).replace(/\s+/g, '');
    expect(text).toContain(token.serialHex.replace(/\s+/g, ''));
    expect(token.tsaName).not.toBeNull();
    expect(text).toContain((token.tsaName ?? '').replace(/\s+/g, ''));
    expect(text).toContain(token.genTime);
  });
});
