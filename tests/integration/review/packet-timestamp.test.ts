import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { signedPacketOf } from '@core/db/repositories/packets-repo';
import { createIntakeService } from '@core/intake/intake-service';
import { timestampResourcePacket } from '@core/review/packet-timestamp';
import type { Envelope } from '@shared/contract/envelope';
import type { DecisionRecord } from '@shared/domain/decision';
import { CHROMIUM } from '@tests/helpers/chromium';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';
import { callAs, valueOf } from '@tests/helpers/backend-calls';

const PASSWORD = 'correct horse battery';

type Packet = { sha256: string; signed: boolean; warnings?: string[] };

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let down: TsaServer;
let tsa: TsaServer;
let backend: Backend;
let nss: string;
let resourceId: string;
let decision: DecisionRecord;
let bb: Packet;

const call = (name: string, method: string, input: unknown): Promise<Envelope<unknown>> =>
  callAs(backend, name, method, input);

const pdfsig = (file: string) => run('pdfsig', ['-nssdir', `sql:${nss}`, file]);

beforeAll(async () => {
  dir = tempDir('vigil-packet-dts-');
  [site, down, tsa] = await Promise.all([
    startFixtureSite(),
    startTsaServer({ mode: 'http-error' }),
    startTsaServer(),
  ]);
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=packet-dts`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  const capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  valueOf(await call('ivan', 'review.request', { resourceId }));
  decision = valueOf<DecisionRecord>(
    await call('rita', 'review.decide', {
      resourceId,
      decision: approvalOf(`${site.http}/?case=packet-dts`),
      password: PASSWORD,
    }),
  );
  // The configured TSA fails while the reviewer signs.
  await backend.settings.update({ tsaUrl: down.url }, 'setup');
  bb = valueOf<Packet>(await call('rita', 'packet.render', { resourceId, password: PASSWORD }));

  nss = join(dir.path, 'nss');
  mkdirSync(nss);
  const caFile = join(dir.path, 'ca.pem');
  writeFileSync(caFile, backend.workspace.ca.certPem);
  expect((await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password'])).code).toBe(0);
  for (const [name, file] of [
    ['vigil-ca', caFile],
    ['tsa-ca', tsa.caCertPath],
  ] as const)
    expect(
      (await run('certutil', ['-A', '-d', `sql:${nss}`, '-n', name, '-t', 'C,C,C', '-i', file])).code,
    ).toBe(0);
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await down?.close();
  await tsa?.close();
  dir?.remove();
});

describe('a packet signed while the TSA fails', () => {
  it('is signed, and the result warns that it is B-B only', () => {
    expect(bb.signed).toBe(true);
    expect(down.requests()).toBeGreaterThan(0);
    expect(bb.warnings).toContain('packet.not-timestamped');
  });

  it('gets a PAdES document time-stamp later, which pdfsig shows, and it becomes the packet of record', async () => {
    const result = await timestampResourcePacket(
      { ws: backend.workspace, settings: backend.settings },
      resourceId,
      { actor: 'ivan', tsaUrl: tsa.url },
    );
    expect(result).toMatchObject({ previousSha256: bb.sha256, decisionId: decision.id, tsa: tsa.url });
    const sig = await pdfsig(result.file);
    // poppler shows the time-stamp revision as a second signature by the TSA over the whole file
    // (it does not validate ETSI.RFC3161 itself; its /Type and /SubFilter are checked below).
    const second = sig.stdout.slice(sig.stdout.indexOf('Signature #2:'));
    expect(second).toContain('Signer Certificate Common Name: Vigil Test TSA');
    expect(second).toContain('Total document signed');
    // The reviewer's signature is untouched: still valid, covering the bytes before the time-stamp.
    expect(sig.stdout).toMatch(/Signature #1:[\s\S]*Signature Validation: Signature is Valid\./);
    const dts = await run('qpdf', ['--json', '--json-stream-data=none', result.file]);
    expect(dts.stdout).toContain('"/Type": "/DocTimeStamp"');
    expect(dts.stdout).toContain('"/SubFilter": "/ETSI.RFC3161"');
    const record = await backend.workspace.db.read((c) => signedPacketOf(c, decision.id));
    expect(record?.sha256).toBe(result.sha256);
  });
});
