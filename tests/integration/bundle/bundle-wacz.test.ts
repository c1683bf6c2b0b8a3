import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { exportBundle } from '@core/bundle/bundle-export';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { createIntakeService } from '@core/intake/intake-service';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';
import { entryDataStart, flipWarcByte } from '@tests/helpers/wacz-tamper';

// A bundle checks each WACZ it carries as `vigil verify FILE.wacz` does (signature of
// datapackage-digest.json, datapackage and WARC digests), not only its SHA256SUMS line.

const CASE = 'CASE-WACZ-1';
let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let capture: CaptureRecord;
let zipPath: string;
let treePath: string;

const waczName = (): string => `captures/${capture.id}/capture.wacz`;

beforeAll(async () => {
  dir = tempDir('vigil-bundle-wacz-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  const added = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/cyrillic`, sourceType: 'volunteer', caseRef: CASE },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  capture = await backend.captures.captureResource(added.resource.id, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    timeoutSeconds: 60,
  });
  zipPath = join(dir.path, 'case.zip');
  treePath = join(dir.path, 'case-tree');
  for (const [outPath, asDirectory] of [
    [zipPath, false],
    [treePath, true],
  ] as const) {
    await exportBundle(backend.workspace, {
      selection: { caseRef: CASE },
      outPath,
      asDirectory,
      actor: 'ivan',
      tsaUrl: null,
    });
  }
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('bundled WACZ signatures', () => {
  it('checks every bundled WACZ with the lone-WACZ verifier, as a ZIP and as a folder', async () => {
    for (const path of [zipPath, treePath]) {
      const report = await verifyBundle(path);
      expect(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok))).toBe(true);
      const line = report.checks.find((c) => c.check === 'capture.wacz');
      expect(line?.file).toBe(waczName());
      expect(line?.ok).toBe(true);
      expect(line?.message).toMatch(/^signed by .*certificate SHA-256 [0-9a-f]{64}.*WACZ checks passed/);
    }
  });

  it('fails the WACZ check of a folder bundle whose WACZ had one WARC byte flipped', async () => {
    const tree = join(dir.path, 'flipped-tree');
    cpSync(treePath, tree, { recursive: true });
    const target = join(tree, waczName());
    const flipped = join(dir.path, 'flipped.wacz');
    await flipWarcByte(target, flipped, 200);
    copyFileSync(flipped, target);
    const report = await verifyBundle(tree);
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => c.check === 'capture.wacz' && !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => c.file === waczName())).toBe(true);
    expect(failed.map((c) => c.message).join('\n')).toMatch(/wacz\.resource archive\/data\.warc\.gz/);
  });

  it('fails the WACZ check of a ZIP bundle whose WACZ had one WARC byte flipped', async () => {
    const bytes = readFileSync(zipPath);
    const wacz = readFileSync(join(treePath, waczName()));
    const warcAt = (await entryDataStart(join(treePath, waczName()), 'archive/data.warc.gz')) + 200;
    const at = bytes.indexOf(wacz.subarray(warcAt - 32, warcAt + 32)) + 32;
    expect(at).toBeGreaterThan(32);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const bad = join(dir.path, 'flipped.zip');
    writeFileSync(bad, bytes);
    const report = await verifyBundle(bad);
    const failed = report.checks.filter((c) => c.check === 'capture.wacz' && !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((c) => c.message).join('\n')).toMatch(/wacz\.resource archive\/data\.warc\.gz/);
  });
});
