import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { createIntakeService } from '@core/intake/intake-service';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord, type DecisionInput } from '@shared/domain/decision';
import { rememberPassword, vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';
import { approvalOf } from '@tests/helpers/decision-input';
import { CHROMIUM } from '@tests/helpers/chromium';

const CASE = 'CASE-2026-PACKET';
const PASSWORD = 'correct horse battery';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let tsa: TsaServer;
let backend: Backend;
let data: string;
let zipPath: string;
let extracted: string;
let nss: string;
let resourceId: string;
let capture: CaptureRecord;
let decision: DecisionRecord;
let packetSha: string;

const sh = (script: string) => run('sh', ['-c', script], { timeoutMs: 60_000 });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const packetPath = () => `packets/${resourceId}.pdf`;
const pdfsig = (file: string) => run('pdfsig', ['-nssdir', `sql:${nss}`, file]);

beforeAll(async () => {
  dir = tempDir('vigil-bundle-packet-');
  data = join(dir.path, 'data');
  [site, tsa] = await Promise.all([startFixtureSite(), startTsaServer()]);
  backend = await createBackend({ dataDir: data, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.settings.update({ tsaUrl: tsa.url }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  for (const name of ['ivan', 'rita']) rememberPassword(data, name, PASSWORD);
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=bundle-packet`, sourceType: 'volunteer', caseRef: CASE },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');

  const requested = await vigil(['--data', data, '--as', 'ivan', 'review', 'request', resourceId]);
  expect(requested.stderr).toBe('');
  const input: DecisionInput = approvalOf(`${site.http}/?case=bundle-packet`);
  const inputFile = join(dir.path, 'decision.json');
  writeFileSync(inputFile, JSON.stringify(input));
  const decided = await vigil(
    [
      '--data',
      data,
      '--as',
      'rita',
      'review',
      'decide',
      resourceId,
      '--input',
      inputFile,
      '--password-stdin',
      '--json',
    ],
    `${PASSWORD}\n`,
  );
  expect(decided.stderr).toBe('');
  decision = DecisionRecord.parse(JSON.parse(decided.stdout));

  const packet = await vigil(
    [
      '--data',
      data,
      '--as',
      'rita',
      'packet',
      resourceId,
      '--out',
      join(dir.path, 'packet.pdf'),
      '--password-stdin',
      '--json',
    ],
    `${PASSWORD}\n`,
  );
  expect(packet.stderr).toBe('');
  const printed = JSON.parse(packet.stdout) as { sha256: string; signedBy: string; decisionId: string };
  expect(printed).toMatchObject({ signedBy: 'rita', decisionId: decision.id });
  packetSha = printed.sha256;

  zipPath = join(dir.path, 'case.zip');
  const exported = await vigil(['--data', data, 'export', '--case', CASE, '--out', zipPath]);
  expect(exported.stderr).toBe('');
  expect(exported.code).toBe(0);
  extracted = join(dir.path, 'extracted');
  expect((await run('unzip', ['-q', zipPath, '-d', extracted])).code).toBe(0);

  // An NSS database that trusts only the CA shipped inside the bundle, as a court's expert would make it.
  nss = join(dir.path, 'nss');
  mkdirSync(nss);
  expect((await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password'])).code).toBe(0);
  const added = await run('certutil', [
    '-A',
    '-d',
    `sql:${nss}`,
    '-n',
    'bundled-ca',
    '-t',
    'C,C,C',
    '-i',
    join(extracted, 'keys', 'ca.pem'),
  ]);
  expect(added.code, added.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await tsa?.close();
  dir?.remove();
});

describe('a court bundle carrying the reviewer-signed packet', () => {
  it('carries the stored packet byte for byte', () => {
    expect(readdirSync(join(extracted, 'packets'))).toEqual([`${resourceId}.pdf`]);
    const bundled = readFileSync(join(extracted, packetPath()));
    expect(bundled.equals(readFileSync(backend.workspace.blobs.pathOf(packetSha)))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(extracted, 'manifest.json'), 'utf8')) as {
      packets: { resourceId: string; file: string }[];
      decisions: { id: string }[];
    };
    expect(manifest.packets).toEqual([{ resourceId, file: packetPath() }]);
    expect(manifest.decisions.map((d) => d.id)).toEqual([decision.id]);
  });

  it('passes unzip -t, sha256sum -c and openssl dgst with the standard tools alone', async () => {
    expect((await run('unzip', ['-t', zipPath])).stdout).toContain('No errors detected');
    const sums = await sh(`cd ${q(extracted)} && sha256sum -c SHA256SUMS`);
    expect(sums.code, sums.stdout + sums.stderr).toBe(0);
    expect(sums.stdout).toContain(`${packetPath()}: OK`);
    expect(sums.stdout).toContain(`decisions/${decision.id}.json: OK`);
    const dgst = await sh(
      `cd ${q(extracted)} && openssl dgst -sha256 -verify keys/workstation.pub.pem -signature SHA256SUMS.sig SHA256SUMS`,
    );
    expect(dgst.stdout).toContain('Verified OK');
  });

  it('pdfsig finds the reviewer’s signature valid and trusted under the bundled CA', async () => {
    const sig = await pdfsig(join(extracted, packetPath()));
    expect(sig.stdout).toContain('Signature Validation: Signature is Valid.');
    expect(sig.stdout).toContain('Certificate Validation: Certificate is Trusted.');
    expect(sig.stdout).toContain('Rita Reviewer');
    expect(sig.stdout).toContain('Total document signed');
  });

  it('vigil verify passes and checks the decision signature inside the bundle', async () => {
    const out = await vigil(['verify', zipPath]);
    expect(out.code, out.stdout).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`OK\\s+decision\\.signature\\s+decisions/${decision.id}\\.json`));
    expect(out.stdout).toMatch(/OK\s+decision\.certificate\s+keys\/users\//);
    const report = await verifyBundle(extracted);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.check === 'decision.signature')).toMatchObject({
      file: `decisions/${decision.id}.json`,
      ok: true,
      message: expect.stringContaining('signed by rita'),
    });
  });

  it('a decision whose text was changed fails its own signature check, not only its hash', async () => {
    const copy = join(dir.path, 'tampered-decision');
    cpSync(extracted, copy, { recursive: true });
    const file = join(copy, 'decisions', `${decision.id}.json`);
    const changed = { ...decision, fields: { ...decision.fields, territorialScope: ['KG'] } };
    writeFileSync(file, JSON.stringify(changed, null, 2));
    const report = await verifyBundle(copy);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => [c.check, c.file])).toEqual(
      expect.arrayContaining([['decision.signature', `decisions/${decision.id}.json`]]),
    );
  });

  it('one flipped byte of the packet: vigil verify fails naming the packet, and pdfsig fails too', async () => {
    const copy = join(dir.path, 'tampered-packet');
    cpSync(extracted, copy, { recursive: true });
    const file = join(copy, packetPath());
    const bytes = readFileSync(file);
    // A byte inside the signed byte range (the first page's objects), not inside the signature value.
    const at = Math.floor(bytes.indexOf(Buffer.from('/ByteRange')) / 2);
    expect(at).toBeGreaterThan(0);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    writeFileSync(file, bytes);

    const out = await vigil(['verify', copy]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`FAIL\\s+\\S+\\s+${packetPath().replace('.', '\\.')}`));
    const failed = (await verifyBundle(copy)).checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.file)).toEqual([packetPath()]);

    const sums = await sh(`cd ${q(copy)} && sha256sum -c SHA256SUMS`);
    expect(sums.code).not.toBe(0);
    expect(sums.stdout).toContain(`${packetPath()}: FAILED`);
    const sig = await pdfsig(file);
    expect(sig.stdout).not.toContain('Signature is Valid');
    expect(sig.stdout + sig.stderr).toMatch(/Signature is Invalid|Digest Mismatch|not (be )?valid/i);
  });
});
